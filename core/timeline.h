#pragma once
// Training timelines (SPEC §5 "attnviz-timeline", issue 15): how attention emerged while a model trained —
// snapshots of the training loss, the validation numbers where computed and the greedy traces of a few
// probe sentences with the weights of that moment.
//
// Recording (attnviz train --timeline, SPEC §6): a TimelineRecorder fed by train()'s batchDone and
// epochEnd callbacks (core/trainer.h) takes a snapshot
//   - at batch 0, before any update;
//   - after every `every` batches (batch % every == 0);
//   - at the end of every epoch (there the trainer has just computed the validation loss and accuracy,
//     which that snapshot carries);
//   - after the last batch trained (the end of training, or where Ctrl-C stopped it).
// train_loss is the mean loss per target token of the batches since the previous snapshot, each measured
// (as the trainer does) with the weights before its own update; batch 0's is the loss of the first batch,
// i.e. measured with exactly the weights of snapshot 0.
//
// The traces keep what the heatmaps and the step view's attention need — tokens, per step the scores,
// weights, context, output token and its probability — and leave out the bulky query, decoder states,
// alignment vectors, top-k lists and encoder states (see stripForTimeline).
#include "core/json_io.h"
#include "core/model.h"
#include "core/trace.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace attnviz {

struct BatchDone;
struct DecodeResult;
struct EpochResult;

struct TimelineSnapshot {
    long long batch = 0;     // batches trained before this snapshot (0: before any update)
    double epoch = 0.0;      // batch / batches per epoch
    double trainLoss = 0.0;  // mean per target token since the previous snapshot (see above)
    std::optional<double> validLoss, validAccuracy;  // at epoch ends
    std::vector<Trace> traces;  // one per probe, greedy decoding with the weights of that moment
};

struct Timeline {
    std::string architecture;      // preset id
    json config = json::object();  // the model's "config" (as in its attnviz-model file)
    std::vector<std::string> probes;
    long long snapshotEvery = 0;   // batches between snapshots ("snapshot_every", optional; 0: unknown)
    std::vector<TimelineSnapshot> snapshots;  // in training order, the first at batch 0
};

// The model's "config" as its attnviz-model file has it (what a timeline records).
json timelineConfig(const Model& model);

// Limits for timeline files: those of models (core/json_io.h: 512 MiB, depth 32).
ReadLimits timelineLimits();

json timelineToJson(const Timeline& timeline);
// Validates every SPEC §5 rule: header, architecture (a preset), config (an object), probes (at least one
// string), snapshots (at least one; the first at batch 0; batches strictly increasing, epochs not decreasing;
// finite losses ≥ 0, accuracy in [0, 1]; as many traces as probes, each a valid attnviz-trace that fits the
// architecture: attention weights in every step of an attention model and in none of a seq2seq one, one
// weight per source token, steps numbered 1, 2, …, one per target token plus at most the <eos> step, the
// same source tokens for a probe in every snapshot). Throws InputError naming `file` and the JSON pointer.
Timeline timelineFromJson(const json& doc, const std::string& file);
// Reads `file` (JSON, or CBOR when the name ends in .cbor) under timelineLimits() and validates it.
Timeline loadTimeline(const std::string& file);
// Atomic (saveDocument).
void saveTimeline(const Timeline& timeline, const std::string& file);

// The trace as a timeline keeps it: query, decoder states, alignment vectors, top-k and encoder states dropped.
Trace stripForTimeline(Trace trace);
// Mean over the trace's steps of the attention entropy −Σ a log a (nats); 0 for a trace without attention.
double meanAttentionEntropy(const Trace& trace);

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
