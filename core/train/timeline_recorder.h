#pragma once
// Training timelines, the recording half (issue 15): the attnviz-timeline document itself is core/formats/timeline.h.
//
// Recording (attnviz train --timeline, SPEC §6): a TimelineRecorder fed by train()'s batchDone and
// epochEnd callbacks (core/train/trainer.h) takes a snapshot
//   - at batch 0, before any update;
//   - after every `every` batches (batch % every == 0);
//   - at the end of every epoch (there the trainer has just computed the validation loss and accuracy,
//     which that snapshot carries);
//   - after the last batch trained (the end of training, or where Ctrl-C stopped it).
// train_loss is the mean loss per target token of the batches since the previous snapshot, each measured
// (as the trainer does) with the weights before its own update; batch 0's is the loss of the first batch,
// i.e. measured with exactly the weights of snapshot 0.
#include "core/formats/timeline.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace attnviz {

struct BatchDone;
struct DecodeResult;
struct EpochResult;

// The default number of batches between snapshots for a run of `totalBatches` batches: about 50
// snapshots (at least 1 batch apart), so a run gives 20–200 snapshots unless it is shorter than 20 batches
// or has more than about 150 epochs (every epoch end has one).
long long defaultSnapshotEvery(long long totalBatches);

// Builds a timeline while train() runs (see the top of this file). The probes are checked at construction:
// each must tokenize to at least one token and decode (translate()); InputError("", "--probe", …) otherwise.
class TimelineRecorder {
public:
    // `model`: the model being trained (architecture, config, vocabularies; its weights are replaced at each
    // snapshot). `every` ≥ 1. `resumeFrom`: a timeline recorded so far (its probes are used; `probes` ignored).
    TimelineRecorder(const Model& model, std::vector<std::string> probes, long long every,
                     std::optional<Timeline> resumeFrom = std::nullopt);

    // Wire these to train()'s batchDone and epochEnd callbacks.
    void onBatch(const BatchDone& b);
    void onEpochEnd(const EpochResult& e);

    const Timeline& timeline() const { return timeline_; }
    // Seconds spent taking snapshots (decoding the probes), for the overhead report.
    double snapshotSeconds() const { return seconds_; }
    // Called after each snapshot with the probes' whole decodings (not stripped), e.g. for the window's
    // Train panel, which shows them in every view. Empty: nothing kept.
    std::function<void(const TimelineSnapshot&, std::vector<DecodeResult>&&)> onSnapshot;
    // The precision the probes are decoded in at each snapshot (DecodeOptions::precision; `train --precision`).
    Precision precision = Precision::Float32;

private:
    void snapshot(const BatchDone& b);
    Model work_;  // the model with the weights of the moment
    Timeline timeline_;
    double lossSum_ = 0.0;  // since the previous snapshot
    long long tokens_ = 0;
    bool firstLossPending_ = false;  // snapshot 0 waits for the first batch's loss
    long long lastBatch_ = -1;       // the batch of the last report
    struct Eval {
        long long batch = -1;
        double loss = 0.0, accuracy = 0.0;
    } eval_;  // the last validation, for the snapshot at its batch
    double seconds_ = 0.0;
};

} // namespace attnviz
