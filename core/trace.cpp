#include "core/trace.h"

namespace attnviz {

json traceToJson(const Trace& trace)
{
    json doc{{"format", "attnviz-trace"}, {"version", 1}};
    if (!trace.title.empty())
        doc["title"] = trace.title;
    if (!trace.architecture.empty())
        doc["architecture"] = trace.architecture;
    if (trace.mergedWords)
        doc["merged_words"] = true;
    if (!trace.score.empty())
        doc["score"] = trace.score;
    doc["source_tokens"] = trace.sourceTokens;
    doc["target_tokens"] = trace.targetTokens;
    if (trace.encoderStates.size() != 0)
        doc["encoder_states"] = toJson(trace.encoderStates);
    json steps = json::array();
    for (const StepTrace& s : trace.steps) {
        json j{{"t", s.t}};
        if (s.query.size() != 0)
            j["query"] = toJson(s.query);
        if (s.attention) {
            j["scores"] = toJson(s.attention->scores);
            j["weights"] = toJson(s.attention->weights);
            j["alignment"] = toJson(s.attention->alignment);
            j["context"] = toJson(s.attention->context);
        }
        if (!s.decoderStates.empty()) {
            json layers = json::array();
            for (const Vec& h : s.decoderStates)
                layers.push_back(toJson(h));
            j["decoder_states"] = std::move(layers);
        }
        if (!s.topK.empty()) {
            json top = json::array();
            for (const TokenProb& tp : s.topK) {
                json e{{"token", tp.token}, {"prob", tp.prob}};
                if (tp.id >= 0)
                    e["id"] = tp.id;
                top.push_back(std::move(e));
            }
            j["top_k"] = std::move(top);
        }
        if (!s.token.empty())
            j["token"] = s.token;
        if (s.prob)
            j["prob"] = *s.prob;
        if (s.forced)
            j["forced"] = true;
        if (s.overridden)
            j["overridden"] = true;
        steps.push_back(std::move(j));
    }
    doc["steps"] = std::move(steps);
    return doc;
}

Trace traceFromJson(const json& doc, const std::string& file)
{
    JsonReader r(file, modelLimits());
    r.checkHeader(doc, "attnviz-trace");
    Trace t;
    t.sourceTokens = r.strings(r.require(doc, "", "source_tokens"), "/source_tokens");
    t.targetTokens = r.strings(r.require(doc, "", "target_tokens"), "/target_tokens");
    if (const json* v = r.optional(doc, "title")) t.title = r.string(*v, "/title");
    if (const json* v = r.optional(doc, "architecture")) t.architecture = r.string(*v, "/architecture");
    if (const json* v = r.optional(doc, "merged_words")) t.mergedWords = r.boolean(*v, "/merged_words");
    if (const json* v = r.optional(doc, "score")) t.score = r.string(*v, "/score");
    if (const json* v = r.optional(doc, "encoder_states")) t.encoderStates = r.matrix(*v, "/encoder_states");
    const json& steps = r.require(doc, "", "steps");
    if (!steps.is_array())
        r.fail("/steps", "expected an array of steps, found " + describeJson(steps));
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const std::string p = childPointer("/steps", i);
        const json& js = steps[i];
        StepTrace s;
        s.t = static_cast<int>(r.integer(r.require(js, p, "t"), childPointer(p, "t"), 1, 1'000'000));
        if (const json* v = r.optional(js, "query")) s.query = r.vector(*v, childPointer(p, "query"));
        if (js.contains("scores") || js.contains("weights") || js.contains("context")) {
            AttentionResult a;
            a.scores = r.vector(r.require(js, p, "scores"), childPointer(p, "scores"));
            a.weights = r.vector(r.require(js, p, "weights"), childPointer(p, "weights"));
            a.context = r.vector(r.require(js, p, "context"), childPointer(p, "context"));
            if (a.weights.size() != a.scores.size())
                r.fail(childPointer(p, "weights"), "expected " + std::to_string(a.scores.size()) + " weights (one per score), found "
                                                       + std::to_string(a.weights.size()));
            if (const json* v = r.optional(js, "alignment")) {
                a.alignment = r.matrix(*v, childPointer(p, "alignment"));
                if (a.alignment.rows() != a.scores.size() || a.alignment.cols() != a.context.size())
                    r.fail(childPointer(p, "alignment"), "expected " + std::to_string(a.scores.size()) + " vectors of size "
                                                             + std::to_string(a.context.size()) + " (one per score, sized like the context), found "
                                                             + std::to_string(a.alignment.rows()) + " × " + std::to_string(a.alignment.cols()));
            }
            s.attention = std::move(a);
        }
        if (const json* v = r.optional(js, "decoder_states")) {
            const std::string dp = childPointer(p, "decoder_states");
            if (!v->is_array())
                r.fail(dp, "expected an array of vectors (one per layer), found " + describeJson(*v));
            for (std::size_t l = 0; l < v->size(); ++l)
                s.decoderStates.push_back(r.vector((*v)[l], childPointer(dp, l)));
        }
        if (const json* v = r.optional(js, "top_k")) {
            const std::string tp = childPointer(p, "top_k");
            if (!v->is_array())
                r.fail(tp, "expected an array of {\"token\", \"prob\"}, found " + describeJson(*v));
            for (std::size_t k = 0; k < v->size(); ++k) {
                const std::string kp = childPointer(tp, k);
                TokenProb t1;
                t1.token = r.string(r.require((*v)[k], kp, "token"), childPointer(kp, "token"));
                t1.prob = r.number(r.require((*v)[k], kp, "prob"), childPointer(kp, "prob"));
                if (const json* id = r.optional((*v)[k], "id"))
                    t1.id = static_cast<int>(r.integer(*id, childPointer(kp, "id"), 0, 100'000'000));
                s.topK.push_back(std::move(t1));
            }
        }
        if (const json* v = r.optional(js, "token")) s.token = r.string(*v, childPointer(p, "token"));
        if (const json* v = r.optional(js, "prob")) s.prob = r.number(*v, childPointer(p, "prob"));
        if (const json* v = r.optional(js, "forced")) s.forced = r.boolean(*v, childPointer(p, "forced"));
        if (const json* v = r.optional(js, "overridden")) {
            s.overridden = r.boolean(*v, childPointer(p, "overridden"));
            if (s.overridden && !s.attention)
                r.fail(childPointer(p, "overridden"), "expected weights in an overridden step, found a step without attention");
        }
        t.steps.push_back(std::move(s));
    }
    return t;
}

} // namespace attnviz
