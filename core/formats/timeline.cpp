#include "core/formats/timeline.h"

#include "core/formats/error.h"
#include "core/formats/utf8.h"

#include <cmath>

namespace attnviz {

json timelineConfig(const Model& model)
{
    return modelToJson(model)["config"];
}

ReadLimits timelineLimits()
{
    return modelLimits();
}

Trace stripForTimeline(Trace trace)
{
    trace.encoderStates = Mat();
    for (StepTrace& s : trace.steps) {
        s.query = Vec();
        s.decoderStates.clear();
        s.topK.clear();
        if (s.attention)
            s.attention->alignment = Mat();
    }
    return trace;
}

double meanAttentionEntropy(const Trace& trace)
{
    double sum = 0.0;
    int steps = 0;
    for (const StepTrace& s : trace.steps) {
        if (!s.attention)
            continue;
        double h = 0.0;
        for (Eigen::Index j = 0; j < s.attention->weights.size(); ++j) {
            const double a = s.attention->weights[j];
            if (a > 0.0)
                h -= a * std::log(a);
        }
        sum += h;
        ++steps;
    }
    return steps ? sum / steps : 0.0;
}

namespace {

// The config is kept as read and written back by timelineToJson, so every key and string in it must be
// UTF-8 (a CBOR file can hold any bytes there; writing them as JSON threw json.exception.type_error.316,
// found by fuzz/fuzz_timeline.cpp). Depth is bounded by the reader's limit (32).
void checkUtf8Tree(const JsonReader& r, const json& j, const std::string& ptr)
{
    if (j.is_string()) {
        (void)r.string(j, ptr);
    } else if (j.is_object()) {
        for (auto it = j.begin(); it != j.end(); ++it) {
            const std::string child = childPointer(ptr, it.key());
            if (const std::size_t bad = invalidUtf8At(it.key()); bad != std::string::npos)
                r.fail(child, "expected a UTF-8 key, found an invalid byte at byte " + std::to_string(bad + 1) + " of the key");
            checkUtf8Tree(r, it.value(), child);
        }
    } else if (j.is_array()) {
        for (std::size_t i = 0; i < j.size(); ++i)
            checkUtf8Tree(r, j[i], childPointer(ptr, i));
    }
}

// traceToJson writes an empty alignment as []; a timeline trace has none.
json traceJson(const Trace& trace)
{
    json j = traceToJson(trace);
    for (json& s : j["steps"])
        if (s.contains("alignment") && s["alignment"].empty())
            s.erase("alignment");
    return j;
}

// traceFromJson names pointers inside the trace; rebased under `base` (e.g. /snapshots/3/traces/0).
Trace embeddedTrace(const json& j, const std::string& file, const std::string& base)
{
    try {
        return traceFromJson(j, file);
    } catch (const InputError& e) {
        throw InputError(file, base + e.where(), e.detail());
    }
}

} // namespace

json timelineToJson(const Timeline& t)
{
    json doc{{"format", "attnviz-timeline"}, {"version", 1}, {"architecture", t.architecture}, {"config", t.config},
             {"probes", t.probes}};
    if (t.snapshotEvery > 0)
        doc["snapshot_every"] = t.snapshotEvery;
    json snaps = json::array();
    for (const TimelineSnapshot& s : t.snapshots) {
        json js{{"batch", s.batch}, {"epoch", s.epoch}, {"train_loss", s.trainLoss}};
        if (s.validLoss)
            js["valid_loss"] = *s.validLoss;
        if (s.validAccuracy)
            js["valid_accuracy"] = *s.validAccuracy;
        json traces = json::array();
        for (const Trace& tr : s.traces)
            traces.push_back(traceJson(tr));
        js["traces"] = std::move(traces);
        snaps.push_back(std::move(js));
    }
    doc["snapshots"] = std::move(snaps);
    return doc;
}

Timeline timelineFromJson(const json& doc, const std::string& file)
{
    JsonReader r(file, timelineLimits());
    r.checkHeader(doc, "attnviz-timeline");
    Timeline t;
    t.architecture = r.string(r.require(doc, "", "architecture"), "/architecture");
    if (!isPreset(t.architecture)) {
        std::string ids;
        for (const std::string& p : allPresets()) ids += (ids.empty() ? "" : ", ") + p;
        r.fail("/architecture", "expected one of " + ids + ", found \"" + printable(t.architecture) + "\"");
    }
    t.config = r.require(doc, "", "config");
    if (!t.config.is_object())
        r.fail("/config", "expected an object (the model's configuration), found " + describeJson(t.config));
    checkUtf8Tree(r, t.config, "/config");
    // With attention unless the config says "score": null, or the preset has none.
    bool attention = presetConfig(t.architecture, 1, 1).score.has_value();
    if (t.config.contains("score")) {
        const json& s = t.config["score"];
        if (!s.is_null() && !s.is_string())
            r.fail("/config/score", "expected a score function id or null, found " + describeJson(s));
        attention = !s.is_null();
    }
    t.probes = r.strings(r.require(doc, "", "probes"), "/probes");
    if (t.probes.empty())
        r.fail("/probes", "expected at least one probe sentence, found none");
    if (const json* v = r.optional(doc, "snapshot_every"))
        t.snapshotEvery = r.integer(*v, "/snapshot_every", 1, 1'000'000'000'000LL);

    const json& snaps = r.require(doc, "", "snapshots");
    if (!snaps.is_array())
        r.fail("/snapshots", "expected an array of snapshots, found " + describeJson(snaps));
    if (snaps.empty())
        r.fail("/snapshots", "expected at least one snapshot (the first before any update), found none");
    for (std::size_t i = 0; i < snaps.size(); ++i) {
        const std::string p = childPointer("/snapshots", i);
        const json& js = snaps[i];
        if (!js.is_object())
            r.fail(p, "expected a snapshot object, found " + describeJson(js));
        TimelineSnapshot s;
        s.batch = r.integer(r.require(js, p, "batch"), childPointer(p, "batch"), 0, 1'000'000'000'000LL);
        if (i == 0 && s.batch != 0)
            r.fail(childPointer(p, "batch"), "expected 0 (the first snapshot is taken before any update), found " + std::to_string(s.batch));
        if (i > 0 && s.batch <= t.snapshots.back().batch)
            r.fail(childPointer(p, "batch"), "expected snapshots in training order: a batch after " + std::to_string(t.snapshots.back().batch)
                                                 + " (the previous snapshot's), found " + std::to_string(s.batch));
        s.epoch = r.number(r.require(js, p, "epoch"), childPointer(p, "epoch"));
        if (s.epoch < 0.0)
            r.fail(childPointer(p, "epoch"), "expected a number ≥ 0, found " + describeJson(js["epoch"]));
        if (i > 0 && s.epoch < t.snapshots.back().epoch)
            r.fail(childPointer(p, "epoch"), "expected snapshots in training order: an epoch no earlier than the previous snapshot's ("
                                                 + describeJson(snaps[i - 1]["epoch"]) + "), found " + describeJson(js["epoch"]));
        auto nonNegative = [&](const char* key) {
            const double v = r.number(js.at(key), childPointer(p, key));
            if (v < 0.0)
                r.fail(childPointer(p, key), "expected a loss ≥ 0, found " + describeJson(js.at(key)));
            return v;
        };
        r.require(js, p, "train_loss");
        s.trainLoss = nonNegative("train_loss");
        if (r.optional(js, "valid_loss"))
            s.validLoss = nonNegative("valid_loss");
        if (const json* v = r.optional(js, "valid_accuracy")) {
            s.validAccuracy = r.number(*v, childPointer(p, "valid_accuracy"));
            if (*s.validAccuracy < 0.0 || *s.validAccuracy > 1.0)
                r.fail(childPointer(p, "valid_accuracy"), "expected a fraction from 0 to 1, found " + describeJson(*v));
        }
        const std::string tp = childPointer(p, "traces");
        const json& traces = r.require(js, p, "traces");
        if (!traces.is_array())
            r.fail(tp, "expected an array of traces (one per probe), found " + describeJson(traces));
        if (traces.size() != t.probes.size())
            r.fail(tp, "expected " + std::to_string(t.probes.size()) + " traces (one per probe), found " + std::to_string(traces.size()));
        for (std::size_t k = 0; k < traces.size(); ++k) {
            const std::string base = childPointer(tp, k);
            Trace tr = embeddedTrace(traces[k], file, base);
            const std::size_t n = tr.sourceTokens.size();
            if (n == 0)
                r.fail(childPointer(base, "source_tokens"), "expected the probe's tokens, found none");
            if (i > 0 && tr.sourceTokens != t.snapshots.front().traces[k].sourceTokens)
                r.fail(childPointer(base, "source_tokens"), "expected the same source tokens as in /snapshots/0/traces/" + std::to_string(k)
                                                                + " (the same probe), found different ones");
            const std::size_t T = tr.steps.size(), m = tr.targetTokens.size();
            if (T != m && T != m + 1)
                r.fail(childPointer(base, "steps"), "expected one step per target token (" + std::to_string(m) + "), plus at most the <eos> step, found "
                                                        + std::to_string(T) + " steps");
            for (std::size_t st = 0; st < T; ++st) {
                const std::string sp = childPointer(childPointer(base, "steps"), st);
                const StepTrace& step = tr.steps[st];
                if (step.t != static_cast<int>(st) + 1)
                    r.fail(childPointer(sp, "t"), "expected " + std::to_string(st + 1) + " (steps count from 1, in order), found " + std::to_string(step.t));
                if (attention && !step.attention)
                    r.fail(sp, "expected attention weights (the " + t.architecture + " architecture attends), found a step without \"weights\"");
                if (!attention && step.attention)
                    r.fail(childPointer(sp, "weights"), "expected no attention (the configuration has no score function), found weights");
                if (step.attention && static_cast<std::size_t>(step.attention->weights.size()) != n)
                    r.fail(childPointer(sp, "weights"), "expected " + std::to_string(n) + " weights (one per source token), found "
                                                            + std::to_string(step.attention->weights.size()));
            }
            s.traces.push_back(std::move(tr));
        }
        t.snapshots.push_back(std::move(s));
    }
    return t;
}

Timeline loadTimeline(const std::string& file)
{
    return timelineFromJson(loadDocument(file, timelineLimits()), file);
}

void saveTimeline(const Timeline& timeline, const std::string& file)
{
    saveDocument(file, timelineToJson(timeline));
}

} // namespace attnviz
