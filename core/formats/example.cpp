#include "core/formats/example.h"

#include "core/formats/error.h"

#include <cmath>
#include <cstdio>

namespace attnviz {

namespace {

// Reads whichever score parameters an object holds (keys as in SPEC §2) into `into`.
void readParams(const JsonReader& r, const json& obj, const std::string& ptr, ScoreParams& into)
{
    if (const json* v = r.optional(obj, "W")) into.W = r.matrix(*v, childPointer(ptr, "W"));
    if (const json* v = r.optional(obj, "W_q")) into.W_q = r.matrix(*v, childPointer(ptr, "W_q"));
    if (const json* v = r.optional(obj, "W_k")) into.W_k = r.matrix(*v, childPointer(ptr, "W_k"));
    if (const json* v = r.optional(obj, "v")) into.v = r.vector(*v, childPointer(ptr, "v"));
    if (const json* v = r.optional(obj, "b")) into.b = r.vector(*v, childPointer(ptr, "b"));
    if (const json* v = r.optional(obj, "W_loc")) into.W_loc = r.matrix(*v, childPointer(ptr, "W_loc"));
    if (const json* v = r.optional(obj, "b_loc")) into.b_loc = r.vector(*v, childPointer(ptr, "b_loc"));
}

ScoreParams paramsFor(ScoreKind kind, const ScoreParams& all)
{
    ScoreParams p;
    switch (kind) {
    case ScoreKind::General: p.W = all.W; break;
    case ScoreKind::Additive: p.W_q = all.W_q; p.W_k = all.W_k; p.v = all.v; p.b = all.b; break;
    case ScoreKind::Location: p.W_loc = all.W_loc; p.b_loc = all.b_loc; break;
    default: break;
    }
    return p;
}

// The trace of an example stores T × n × (dk + 2) numbers (scores, weights, alignment vectors), and
// additive attention also builds n × da projected keys and T × n × da tanh terms. A 400 KB file of
// 100,000 one-number states would otherwise ask for 10^10 numbers: refuse before computing anything.
void checkTraceSize(ScoreKind kind, const ScoreParams& p, const Example& ex, const std::string& file)
{
    const double T = static_cast<double>(ex.decoderStates.rows());
    const double n = static_cast<double>(ex.encoderStates.rows());
    const double dk = static_cast<double>(ex.encoderStates.cols());
    double numbers = T * n * (dk + 2.0);
    if (kind == ScoreKind::Additive)
        numbers += (T + 1.0) * n * static_cast<double>(p.W_q.rows());
    if (numbers > kMaxExampleTraceNumbers) {
        char buf[256];
        std::snprintf(buf, sizeof buf, "expected an example whose trace holds at most %.0f numbers, found %.0f decoder steps × %.0f encoder "
                                       "states needing about %.3g",
                      kMaxExampleTraceNumbers, T, n, numbers);
        throw InputError(file, "/decoder_states", buf);
    }
}

// Builds the score function and checks it against the example's dimensions; InputError at /score.
ScoreFunction makeScore(ScoreKind kind, const Example& ex, const std::string& file)
{
    const ScoreParams p = paramsFor(kind, ex.availableParams);
    for (const std::string& name : requiredScoreParams(kind)) {
        const bool missing = (name == "W" && p.W.size() == 0) || (name == "W_q" && p.W_q.size() == 0)
                             || (name == "W_k" && p.W_k.size() == 0) || (name == "v" && p.v.size() == 0)
                             || (name == "W_loc" && p.W_loc.size() == 0);
        if (missing)
            throw InputError(file, "/score", "score function \"" + scoreId(kind) + "\" needs the parameter \"" + name
                                                 + "\", found none in the file (give it in the \"score\" object or in \"parameters\")");
    }
    checkTraceSize(kind, p, ex, file);
    ScoreFunction f(kind, p);
    try {
        f.check(ex.decoderStates.cols(), ex.encoderStates.cols(), ex.encoderStates.rows());
    } catch (const ShapeError& e) {
        throw InputError(file, "/score", e.what());
    }
    return f;
}

} // namespace

Example exampleFromJson(const json& doc, const std::string& file)
{
    JsonReader r(file, exampleLimits());
    r.checkHeader(doc, "attnviz-example");
    Example ex;
    ex.file = file;
    if (const json* v = r.optional(doc, "title")) ex.title = r.string(*v, "/title");
    if (const json* v = r.optional(doc, "source_tokens")) ex.sourceTokens = r.strings(*v, "/source_tokens");
    if (const json* v = r.optional(doc, "target_tokens")) ex.targetTokens = r.strings(*v, "/target_tokens");
    ex.encoderStates = r.matrix(r.require(doc, "", "encoder_states"), "/encoder_states");
    ex.decoderStates = r.matrix(r.require(doc, "", "decoder_states"), "/decoder_states");
    if (ex.encoderStates.rows() == 0)
        r.fail("/encoder_states", "expected at least one encoder state, found none");
    if (ex.encoderStates.cols() == 0)
        r.fail("/encoder_states/0", "expected at least one number per encoder state, found an empty state");
    if (ex.decoderStates.rows() == 0)
        r.fail("/decoder_states", "expected at least one decoder state, found none");
    if (ex.decoderStates.cols() == 0)
        r.fail("/decoder_states/0", "expected at least one number per decoder state, found an empty state");
    if (!ex.sourceTokens.empty() && static_cast<Eigen::Index>(ex.sourceTokens.size()) != ex.encoderStates.rows())
        r.fail("/source_tokens", "expected " + std::to_string(ex.encoderStates.rows()) + " tokens (one per encoder state), found "
                                     + std::to_string(ex.sourceTokens.size()));
    if (!ex.targetTokens.empty() && static_cast<Eigen::Index>(ex.targetTokens.size()) != ex.decoderStates.rows())
        r.fail("/target_tokens", "expected " + std::to_string(ex.decoderStates.rows()) + " tokens (one per decoder state), found "
                                     + std::to_string(ex.targetTokens.size()));

    if (const json* v = r.optional(doc, "parameters")) {
        if (!v->is_object())
            r.fail("/parameters", "expected an object of score parameters, found " + describeJson(*v));
        readParams(r, *v, "/parameters", ex.availableParams);
    }
    const json& score = r.require(doc, "", "score");
    std::string id;
    if (score.is_string()) {
        id = score.get<std::string>();
    } else if (score.is_object()) {
        id = r.string(r.require(score, "/score", "type"), "/score/type");
        readParams(r, score, "/score", ex.availableParams);
    } else {
        r.fail("/score", "expected a score id (\"dot\", \"general\", …) or an object {\"type\": …}, found " + describeJson(score));
    }
    std::optional<ScoreKind> kind = scoreKindFromId(id);
    if (!kind) {
        std::string ids;
        for (const std::string& s : allScoreIds())
            ids += (ids.empty() ? "" : ", ") + s;
        r.fail(score.is_object() ? "/score/type" : "/score", "expected one of " + ids + " (or concat), found \"" + printable(id) + "\"");
    }
    ex.score = makeScore(*kind, ex, file);
    return ex;
}

Example loadExample(const std::string& file)
{
    return exampleFromJson(loadDocument(file, exampleLimits()), file);
}

Example withScore(const Example& ex, ScoreKind kind)
{
    Example out = ex;
    out.score = makeScore(kind, ex, ex.file);
    return out;
}

Example withValue(const Example& ex, const std::string& which, Eigen::Index row, Eigen::Index col, double value)
{
    if (!std::isfinite(value))
        throw ShapeError("a state value must be a finite number");
    if (which != "encoder" && which != "decoder")
        throw ShapeError("withValue: expected \"encoder\" or \"decoder\", found \"" + printable(which) + "\"");
    Example out = ex;
    Mat& m = which == "decoder" ? out.decoderStates : out.encoderStates;
    if (row < 0 || row >= m.rows() || col < 0 || col >= m.cols())
        throw ShapeError(which + " state (" + std::to_string(row) + ", " + std::to_string(col) + ") is out of range");
    m(row, col) = value;
    return out;
}

json exampleToJson(const Example& ex)
{
    json doc{{"format", "attnviz-example"}, {"version", 1}};
    if (!ex.title.empty())
        doc["title"] = ex.title;
    if (!ex.sourceTokens.empty())
        doc["source_tokens"] = ex.sourceTokens;
    if (!ex.targetTokens.empty())
        doc["target_tokens"] = ex.targetTokens;
    doc["encoder_states"] = toJson(ex.encoderStates);
    doc["decoder_states"] = toJson(ex.decoderStates);
    json score{{"type", ex.score.id()}};
    const ScoreParams& p = ex.score.params();
    if (p.W.size()) score["W"] = toJson(p.W);
    if (p.W_q.size()) score["W_q"] = toJson(p.W_q);
    if (p.W_k.size()) score["W_k"] = toJson(p.W_k);
    if (p.v.size()) score["v"] = toJson(p.v);
    if (p.b.size()) score["b"] = toJson(p.b);
    if (p.W_loc.size()) score["W_loc"] = toJson(p.W_loc);
    if (p.b_loc.size()) score["b_loc"] = toJson(p.b_loc);
    doc["score"] = score.size() == 1 ? json(ex.score.id()) : score;
    // Parameters of the other score functions the file offered, so switching still works after a save.
    json extra = json::object();
    const ScoreParams& a = ex.availableParams;
    if (a.W.size() && !p.W.size()) extra["W"] = toJson(a.W);
    if (a.W_q.size() && !p.W_q.size()) extra["W_q"] = toJson(a.W_q);
    if (a.W_k.size() && !p.W_k.size()) extra["W_k"] = toJson(a.W_k);
    if (a.v.size() && !p.v.size()) extra["v"] = toJson(a.v);
    if (a.b.size() && !p.b.size()) extra["b"] = toJson(a.b);
    if (a.W_loc.size() && !p.W_loc.size()) extra["W_loc"] = toJson(a.W_loc);
    if (a.b_loc.size() && !p.b_loc.size()) extra["b_loc"] = toJson(a.b_loc);
    if (!extra.empty())
        doc["parameters"] = extra;
    return doc;
}

void saveExample(const std::string& file, const Example& ex)
{
    saveDocument(file, exampleToJson(ex));
}

Trace exampleTrace(const Example& ex)
{
    Trace t;
    t.title = ex.title;
    t.sourceTokens = ex.sourceTokens;
    t.targetTokens = ex.targetTokens;
    t.encoderStates = ex.encoderStates;
    t.score = ex.score.id();
    for (Eigen::Index i = 0; i < ex.decoderStates.rows(); ++i) {
        StepTrace s;
        s.t = static_cast<int>(i + 1);
        s.query = ex.decoderStates.row(i).transpose();
        s.attention = attend(ex.score, s.query, ex.encoderStates);
        if (i < static_cast<Eigen::Index>(ex.targetTokens.size()))
            s.token = ex.targetTokens[static_cast<std::size_t>(i)];
        t.steps.push_back(std::move(s));
    }
    return t;
}

} // namespace attnviz
