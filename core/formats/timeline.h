#pragma once
// Training timelines (SPEC §5 "attnviz-timeline", issue 15): how attention emerged while a model trained —
// snapshots of the training loss, the validation numbers where computed and the greedy traces of a few
// probe sentences with the weights of that moment. Recorded while a model trains by core/train/timeline_recorder.h.
//
// The traces keep what the heatmaps and the step view's attention need — tokens, per step the scores,
// weights, context, output token and its probability — and leave out the bulky query, decoder states,
// alignment vectors, top-k lists and encoder states (see stripForTimeline).
#include "core/formats/json_io.h"
#include "core/formats/trace.h"
#include "core/model/model.h"

#include <optional>
#include <string>
#include <vector>

namespace attnviz {

struct TimelineSnapshot {
    long long batch = 0;     // batches trained before this snapshot (0: before any update)
    double epoch = 0.0;      // batch / batches per epoch
    double trainLoss = 0.0;  // mean per target token since the previous snapshot (core/train/timeline_recorder.h)
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

// Limits for timeline files: those of models (core/formats/json_io.h: 512 MiB, depth 32).
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

} // namespace attnviz
