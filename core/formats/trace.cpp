#include "core/formats/trace.h"

#include "core/model/heads.h"

#include "core/numeric/softmax.h"

#include <algorithm>
#include <cmath>
#include <tuple>

namespace attnviz {

AttentionResult multiHeadView(const MultiHeadStep& mh, const Vec& weights, const Mat& values)
{
    AttentionResult a;
    a.weights = weights;
    if (!mh.scores.empty() && !mh.scores.back().empty()) {  // precomputed heads may come without scores
        Vec own = Vec::Zero(weights.size());
        for (const Vec& e : mh.scores.back())
            if (e.size() == own.size())
                own += softmax(e);
        own /= static_cast<double>(mh.scores.back().size());
        a.scores = own.unaryExpr([](double w) { return std::log(std::max(w, 1e-300)); });
    }
    if (values.rows() == weights.size() && values.rows() > 0) {
        a.alignment = values.array().colwise() * weights.array();
        a.context = a.alignment.colwise().sum().transpose();
    }
    return a;
}

namespace {

json nestedJson(const std::vector<std::vector<Vec>>& v)
{
    json layers = json::array();
    for (const std::vector<Vec>& layer : v) {
        json heads = json::array();
        for (const Vec& x : layer)
            heads.push_back(toJson(x));
        layers.push_back(std::move(heads));
    }
    return layers;
}

// [L][h][len]: L ≥ 1 layers of h ≥ 1 vectors each; len = -1 accepts any common length (returned in *len).
std::vector<std::vector<Vec>> readNested(const JsonReader& r, const json& j, const std::string& ptr, std::size_t layers,
                                         std::size_t heads, Eigen::Index* len, const char* what)
{
    auto fail = [&](const std::string& p, const std::string& found) {
        r.fail(p, "expected " + std::string(what) + " per decoder layer and head: " + std::to_string(layers) + " layers of "
                      + std::to_string(heads) + " heads, found " + found);
    };
    if (!j.is_array() || j.size() != layers)
        fail(ptr, describeJson(j));
    std::vector<std::vector<Vec>> out(layers);
    for (std::size_t l = 0; l < layers; ++l) {
        const std::string lp = childPointer(ptr, l);
        if (!j[l].is_array() || j[l].size() != heads)
            fail(lp, describeJson(j[l]));
        for (std::size_t i = 0; i < heads; ++i) {
            const std::string hp = childPointer(lp, i);
            Vec v = r.vector(j[l][i], hp);
            if (*len < 0)
                *len = v.size();
            if (v.size() != *len)
                r.fail(hp, "expected " + std::to_string(*len) + " numbers (" + what + " of every head has the same size), found "
                               + std::to_string(v.size()));
            out[l].push_back(std::move(v));
        }
    }
    return out;
}

// A probability distribution: every entry ≥ 0 and the sum 1 within `tolerance` (1e-6 for what AttnViz computed;
// precomputed weights from other tools, often float16/float32, get kPrecomputedTolerance).
constexpr double kPrecomputedTolerance = 1e-3;
void checkDistribution(const JsonReader& r, const Vec& a, const std::string& ptr, double tolerance = 1e-6)
{
    if (a.size() > 0 && a.minCoeff() < 0.0)
        r.fail(ptr, "expected attention weights ≥ 0, found " + std::to_string(a.minCoeff()));
    if (std::fabs(a.sum() - 1.0) > tolerance)
        r.fail(ptr, "expected attention weights that sum to 1, found the sum " + std::to_string(a.sum()));
}

} // namespace

int sourceLength(const Trace& trace)
{
    if (trace.encoderStates.rows() > 0)
        return static_cast<int>(trace.encoderStates.rows());
    if (!trace.sourceTokens.empty())
        return static_cast<int>(trace.sourceTokens.size());
    for (const StepTrace& s : trace.steps)
        if (s.attention)
            return static_cast<int>(s.attention->weights.size());
    return 0;
}

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
    if (!trace.encoderSelfAttention.empty()) {
        json layers = json::array();
        for (const std::vector<Mat>& layer : trace.encoderSelfAttention) {
            json heads = json::array();
            for (const Mat& a : layer)
                heads.push_back(toJson(a));
            layers.push_back(std::move(heads));
        }
        doc["encoder_self_attention"] = std::move(layers);
    }
    if (!trace.crossKeys.empty() && trace.crossKeys.size() == trace.crossValues.size()) {
        json keys = json::array(), values = json::array();
        for (std::size_t l = 0; l < trace.crossKeys.size(); ++l) {
            keys.push_back(toJson(trace.crossKeys[l]));
            values.push_back(toJson(trace.crossValues[l]));
        }
        doc["cross_keys"] = std::move(keys);
        doc["cross_values"] = std::move(values);
    }
    json steps = json::array();
    for (const StepTrace& s : trace.steps) {
        json j{{"t", s.t}};
        if (s.multiHead) {  // SPEC §4: query, scores, context per decoder layer and head; weights averaged
            const MultiHeadStep& mh = *s.multiHead;
            if (!mh.query.empty())
                j["query"] = nestedJson(mh.query);
            if (!mh.scores.empty())
                j["scores"] = nestedJson(mh.scores);
            if (s.attention)
                j["weights"] = toJson(s.attention->weights);
            if (!mh.context.empty())
                j["context"] = nestedJson(mh.context);
            j["heads"] = nestedJson(mh.heads);
            if (!mh.selfAttention.empty())
                j["self_attention"] = nestedJson(mh.selfAttention);
        } else if (s.query.size() != 0)
            j["query"] = toJson(s.query);
        if (s.attention && !s.multiHead) {  // precomputed attention may hold only the weights (issue 13)
            if (s.attention->scores.size() != 0)
                j["scores"] = toJson(s.attention->scores);
            j["weights"] = toJson(s.attention->weights);
            if (s.attention->alignment.size() != 0)
                j["alignment"] = toJson(s.attention->alignment);
            if (s.attention->context.size() != 0)
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
    const auto n = static_cast<Eigen::Index>(t.sourceTokens.size());
    if (const json* v = r.optional(doc, "encoder_self_attention")) {  // [encoder_layers][h] n × n
        const std::string ep = "/encoder_self_attention";
        auto fail = [&](const std::string& p, const json& found) {
            r.fail(p, "expected the encoder self-attention per layer and head (layers of equally many n × n matrices, n = "
                          + std::to_string(n) + " source tokens), found " + describeJson(found));
        };
        if (!v->is_array() || v->empty())
            fail(ep, *v);
        for (std::size_t l = 0; l < v->size(); ++l) {
            const std::string lp = childPointer(ep, l);
            const json& layer = (*v)[l];
            if (!layer.is_array() || layer.empty() || layer.size() != (*v)[0].size())
                fail(lp, layer);
            std::vector<Mat> heads;
            for (std::size_t i = 0; i < layer.size(); ++i) {
                const std::string hp = childPointer(lp, i);
                Mat a = r.matrix(layer[i], hp);
                if (a.rows() != n || a.cols() != n)
                    r.fail(hp, "expected an " + std::to_string(n) + " × " + std::to_string(n) + " matrix (source tokens × source tokens), found "
                                   + std::to_string(a.rows()) + " × " + std::to_string(a.cols()));
                for (Eigen::Index q = 0; q < n; ++q)
                    checkDistribution(r, a.row(q).transpose(), childPointer(hp, static_cast<std::size_t>(q)),
                                      t.architecture.empty() ? kPrecomputedTolerance : 1e-6);
                heads.push_back(std::move(a));
            }
            t.encoderSelfAttention.push_back(std::move(heads));
        }
    }
    const json& steps = r.require(doc, "", "steps");
    if (!steps.is_array())
        r.fail("/steps", "expected an array of steps, found " + describeJson(steps));
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const std::string p = childPointer("/steps", i);
        const json& js = steps[i];
        StepTrace s;
        s.t = static_cast<int>(r.integer(r.require(js, p, "t"), childPointer(p, "t"), 1, 1'000'000));
        if (const json* hj = r.optional(js, "heads")) {  // a transformer step (SPEC §4)
            const std::string hp = childPointer(p, "heads");
            if (!hj->is_array() || hj->empty() || !(*hj)[0].is_array() || (*hj)[0].empty())
                r.fail(hp, "expected the cross-attention weights per decoder layer and head, found " + describeJson(*hj));
            const std::size_t L = hj->size(), H = (*hj)[0].size();
            MultiHeadStep mh;
            Eigen::Index len = n;
            // Precomputed attention (issue 13: e.g. generate(output_attentions=True)) may hold only the heads; the
            // scores, queries and head outputs come together or not at all.
            const bool numbers = js.contains("scores") || js.contains("query") || js.contains("context");
            mh.heads = readNested(r, *hj, hp, L, H, &len, "cross-attention weights");
            for (std::size_t l = 0; l < L; ++l)
                for (std::size_t i = 0; i < H; ++i)
                    checkDistribution(r, mh.heads[l][i], childPointer(childPointer(hp, l), i), numbers ? 1e-6 : kPrecomputedTolerance);
            Eigen::Index dk = -1;
            if (numbers) {
                mh.scores = readNested(r, r.require(js, p, "scores"), childPointer(p, "scores"), L, H, &len, "scores");
                mh.query = readNested(r, r.require(js, p, "query"), childPointer(p, "query"), L, H, &dk, "the query");
                mh.context = readNested(r, r.require(js, p, "context"), childPointer(p, "context"), L, H, &dk, "the head output");
            }
            if (const json* sa = r.optional(js, "self_attention")) {
                const std::string sp = childPointer(p, "self_attention");
                Eigen::Index tlen = t.mergedWords ? -1 : s.t;
                mh.selfAttention = readNested(r, *sa, sp, L, H, &tlen, "self-attention weights over the positions so far");
                for (std::size_t l = 0; l < L; ++l)
                    for (std::size_t i = 0; i < H; ++i)
                        checkDistribution(r, mh.selfAttention[l][i], childPointer(childPointer(sp, l), i), numbers ? 1e-6 : kPrecomputedTolerance);
            } else if (!t.mergedWords && numbers) {
                r.require(js, p, "self_attention");
            }
            const std::string wp = childPointer(p, "weights");
            Vec mean = Vec::Zero(n);
            for (const Vec& a : mh.heads[L - 1])
                mean += a / static_cast<double>(H);
            const json* wj = r.optional(js, "weights");  // optional with precomputed heads: the last layer's mean
            const Vec weights = wj ? r.vector(*wj, wp) : mean;
            if (weights.size() != n || (weights - mean).cwiseAbs().maxCoeff() > (numbers ? 1e-6 : kPrecomputedTolerance))
                r.fail(wp, "expected the last decoder layer's cross-attention averaged over its " + std::to_string(H) + " heads ("
                               + std::to_string(n) + " weights), found " + (weights.size() != n ? std::to_string(weights.size()) + " weights"
                                                                                                 : std::string("other numbers")));
            if (js.contains("alignment"))
                r.fail(childPointer(p, "alignment"), "expected no alignment in a transformer step (it follows from weights and "
                                                     "encoder_states), found one");
            s.attention = multiHeadView(mh, weights, t.encoderStates);
            if (numbers) {
                s.query.resize(static_cast<Eigen::Index>(H) * dk);
                for (std::size_t i = 0; i < H; ++i)
                    s.query.segment(static_cast<Eigen::Index>(i) * dk, dk) = mh.query[L - 1][i];
            }
            s.multiHead = std::move(mh);
        } else if (const json* v = r.optional(js, "query")) {
            s.query = r.vector(*v, childPointer(p, "query"));
        }
        if (!s.multiHead && (js.contains("scores") || js.contains("weights") || js.contains("context"))) {
            // Precomputed attention (issue 13) may hold only the weights; scores and context are then shown as absent.
            AttentionResult a;
            const std::string wp = childPointer(p, "weights");
            a.weights = r.vector(r.require(js, p, "weights"), wp);
            // one per source token (or encoder state; traces of unnamed states have no tokens)
            const Eigen::Index want = n > 0 ? n : t.encoderStates.rows();
            if (want > 0 && a.weights.size() != want && !t.mergedWords)
                r.fail(wp, "expected " + std::to_string(want) + " weights (one per " + (n > 0 ? "source token" : "encoder state")
                               + "), found " + std::to_string(a.weights.size()));
            if (!js.contains("scores") && !js.contains("context"))
                checkDistribution(r, a.weights, wp, kPrecomputedTolerance);
            if (const json* v = r.optional(js, "scores")) {
                a.scores = r.vector(*v, childPointer(p, "scores"));
                if (a.weights.size() != a.scores.size())
                    r.fail(wp, "expected " + std::to_string(a.scores.size()) + " weights (one per score), found "
                                   + std::to_string(a.weights.size()));
            }
            if (const json* v = r.optional(js, "context"))
                a.context = r.vector(*v, childPointer(p, "context"));
            if (const json* v = r.optional(js, "alignment")) {
                a.alignment = r.matrix(*v, childPointer(p, "alignment"));
                if (a.alignment.rows() != a.weights.size() || a.alignment.cols() != a.context.size())
                    r.fail(childPointer(p, "alignment"), "expected " + std::to_string(a.weights.size()) + " vectors of size "
                                                             + std::to_string(a.context.size()) + " (one per weight, sized like the context), found "
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
    // Each decoder layer's cross-attention keys and values (transformer; beyond SPEC §4, written by AttnViz so one
    // head's k_j and v_j can be shown): [decoder_layers] n × d_model, as many layers as the steps' heads have.
    const json* keys = r.optional(doc, "cross_keys");
    const json* values = r.optional(doc, "cross_values");
    if ((keys == nullptr) != (values == nullptr))
        r.fail(keys ? "/cross_values" : "/cross_keys", "expected it beside " + std::string(keys ? "/cross_keys" : "/cross_values")
                                                          + " (keys and values come together), found none");
    if (keys) {
        const HeadShape shape = headShape(t);
        const Eigen::Index rows = n > 0 ? n : t.encoderStates.rows();
        for (const auto& [name, v, into] : {std::tuple<const char*, const json*, std::vector<Mat>*>{"/cross_keys", keys, &t.crossKeys},
                                            std::tuple<const char*, const json*, std::vector<Mat>*>{"/cross_values", values, &t.crossValues}}) {
            if (shape.empty() || !v->is_array() || v->size() != static_cast<std::size_t>(shape.layers))
                r.fail(name, "expected one n × d_model matrix per decoder layer (the steps' heads have " + std::to_string(shape.layers)
                                 + (shape.layers == 1 ? " layer" : " layers") + "), found " + describeJson(*v));
            for (std::size_t l = 0; l < v->size(); ++l) {
                const std::string lp = childPointer(name, l);
                Mat m = r.matrix((*v)[l], lp);
                if (m.rows() != rows || m.cols() == 0 || m.cols() % shape.heads != 0)
                    r.fail(lp, "expected " + std::to_string(rows) + " rows (one per source token) of a width divisible by "
                                   + std::to_string(shape.heads) + " heads, found " + std::to_string(m.rows()) + " × "
                                   + std::to_string(m.cols()));
                into->push_back(std::move(m));
            }
        }
        for (std::size_t l = 0; l < t.crossKeys.size(); ++l)
            if (t.crossKeys[l].cols() != t.crossValues[l].cols())
                r.fail(childPointer("/cross_values", l), "expected the width of /cross_keys/" + std::to_string(l) + " ("
                                                             + std::to_string(t.crossKeys[l].cols()) + "), found "
                                                             + std::to_string(t.crossValues[l].cols()));
    }
    return t;
}

} // namespace attnviz
