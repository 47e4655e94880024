#include "core/train/timeline_recorder.h"

#include "core/formats/error.h"
#include "core/model/decoding.h"
#include "core/train/train_graph.h"
#include "core/train/trainer.h"

#include <algorithm>
#include <chrono>

namespace attnviz {

long long defaultSnapshotEvery(long long totalBatches)
{
    return std::max<long long>(1, (totalBatches + 49) / 50);
}

TimelineRecorder::TimelineRecorder(const Model& model, std::vector<std::string> probes, long long every,
                                   std::optional<Timeline> resumeFrom)
    : work_(model)
{
    if (every < 1)
        throw ShapeError("TimelineRecorder: snapshots must be at least 1 batch apart");
    if (resumeFrom) {
        timeline_ = std::move(*resumeFrom);
    } else {
        timeline_.architecture = model.architecture;
        timeline_.config = timelineConfig(model);
        timeline_.probes = std::move(probes);
    }
    timeline_.snapshotEvery = every;
    if (timeline_.probes.empty())
        throw InputError("", "--probe", "expected at least one probe sentence, found none");
    for (const std::string& p : timeline_.probes) {
        bool empty = false;
        try {
            empty = model.tokenizeSource(p).empty();
            if (!empty)
                translate(work_, p);  // a probe the model cannot decode (too long, bad UTF-8, …) is refused now, not mid-training
        } catch (const ShapeError& e) {
            throw InputError("", "--probe", std::string(e.what()) + " (probe \"" + printable(p) + "\")");
        } catch (const InputError& e) {
            throw InputError("", "--probe", e.detail() + " (probe \"" + printable(p) + "\")");
        }
        if (empty)
            throw InputError("", "--probe", "expected a sentence with at least one token, found \"" + printable(p) + "\", which tokenizes to nothing");
    }
}

void TimelineRecorder::snapshot(const BatchDone& b)
{
    const auto t0 = std::chrono::steady_clock::now();
    TimelineSnapshot s;
    s.batch = b.batch;
    s.epoch = b.batchesPerEpoch > 0 ? static_cast<double>(b.batch) / b.batchesPerEpoch : 0.0;
    if (tokens_ > 0)
        s.trainLoss = lossSum_ / static_cast<double>(tokens_);
    else if (!timeline_.snapshots.empty())
        s.trainLoss = timeline_.snapshots.back().trainLoss;  // no batch trained since (all skipped): unchanged
    lossSum_ = 0.0;
    tokens_ = 0;
    if (eval_.batch == b.batch) {
        s.validLoss = eval_.loss;
        s.validAccuracy = eval_.accuracy;
    }
    paramsIntoModel(*b.params, work_);
    std::vector<DecodeResult> full;
    for (const std::string& p : timeline_.probes) {
        DecodeOptions options;
        options.precision = precision;
        DecodeResult d = translate(work_, p, options);
        s.traces.push_back(stripForTimeline(d.best));
        if (onSnapshot)
            full.push_back(std::move(d));
    }
    timeline_.snapshots.push_back(std::move(s));
    seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (onSnapshot)
        onSnapshot(timeline_.snapshots.back(), std::move(full));
}

void TimelineRecorder::onBatch(const BatchDone& b)
{
    lastBatch_ = b.batch;
    auto& snaps = timeline_.snapshots;
    if (b.start) {
        // Resuming: what was recorded after the checkpoint is replaced by what this session records.
        while (!snaps.empty() && snaps.back().batch > b.batch)
            snaps.pop_back();
        if (snaps.empty() && b.batch == 0) {
            snapshot(b);
            firstLossPending_ = true;
        }
        return;
    }
    if (b.stop) {
        if (firstLossPending_) {  // stopped before any batch gave a loss: nothing worth keeping
            snaps.clear();
            firstLossPending_ = false;
            return;
        }
        if (snaps.empty() || snaps.back().batch != b.batch)
            snapshot(b);
        return;
    }
    if (b.applied) {
        lossSum_ += b.lossSum;
        tokens_ += b.tokens;
        if (firstLossPending_ && !snaps.empty() && snaps.front().batch == 0) {
            snaps.front().trainLoss = b.lossSum / static_cast<double>(std::max<long long>(1, b.tokens));
            firstLossPending_ = false;
        }
    }
    if (b.batch % timeline_.snapshotEvery == 0 || b.batchInEpoch == b.batchesPerEpoch)
        snapshot(b);
}

void TimelineRecorder::onEpochEnd(const EpochResult& e)
{
    eval_ = Eval{lastBatch_, e.validLoss, e.validAccuracy};
    auto& snaps = timeline_.snapshots;
    if (!snaps.empty() && snaps.back().batch == lastBatch_) {
        snaps.back().validLoss = e.validLoss;
        snaps.back().validAccuracy = e.validAccuracy;
    }
}

} // namespace attnviz
