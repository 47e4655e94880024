// What-if decoding (SPEC §4, issue 14): a forced prefix equals teacher forcing, an attention override with
// the model's own weights changes nothing, a one-hot override makes the context that encoder state, later
// steps follow the overridden state, and every bad input is refused with the place named.
#include "core/formats/attention_override.h"
#include "core/model/decoding.h"
#include "core/model/random_model.h"
#include "core/numeric/softmax.h"

#include "input_failure.h"

#include <QtTest>

#include <cmath>

using namespace attnviz;
using attnviz_test::inputFailure;

namespace {

const std::vector<std::string> kAttentionPresets{"seq2seq_attention", "bahdanau", "luong", "gnmt", "transformer"};

Model modelFor(const std::string& preset, std::uint64_t seed = 3)
{
    RandomModelOptions o;
    o.hidden = 7;
    o.embedding = 5;
    o.sourceVocab = 12;
    o.targetVocab = 14;
    o.maxLen = 9;
    o.scale = 0.9;  // peaked enough that greedy does not stop at once
    if (preset == "gnmt")
        o.layers = 3;
    if (preset == "transformer")
        o.hidden = 8;  // d_model 8, 2 heads
    return randomModel(preset, o, seed);
}

// The encoder states attention reads: h̄ of a recurrent model, the encoder output (memory) of a transformer.
Mat encoderStatesOf(const Model& m, const Tokens& source)
{
    if (m.isTransformer())
        return transformerEncode(m.transformerConfig(), m.weights.transformer, m.source.ids(source)).memory;
    return encode(m, m.source.ids(source)).keys;
}

const Tokens kSource{"s4", "s7", "s5", "s9", "s6"};

// Teacher forcing written out with the public step API: feeds `targets`, returns each step's numbers
// and the probability of each fed token. overrides: t → raw weights.
struct Forced {
    std::vector<StepResult> steps;
    std::vector<double> probs;
};
Forced teacherForce(const Model& m, const Tokens& source, const std::vector<int>& targets,
                    const std::map<int, Vec>& overrides = {})
{
    if (m.isTransformer()) {
        // without overrides: the whole prefix at once (transformerDecodeSequence, no cache); with them, the
        // engine's own step loop (the override is normalised here, as decoding does)
        const TransformerConfig c = m.transformerConfig();
        const TransformerEncoding enc = transformerEncode(c, m.weights.transformer, m.source.ids(source));
        Forced f;
        std::vector<int> inputs{m.target.sos()};
        for (std::size_t i = 0; i + 1 < targets.size(); ++i)
            inputs.push_back(targets[i]);
        auto stepOf = [&](const Vec& logits, const Vec& weights) {
            StepResult r;
            r.logits = logits;
            AttentionResult a;
            a.weights = weights;
            r.attention = a;
            f.steps.push_back(r);
            f.probs.push_back(softmax(logits)(targets[f.steps.size() - 1]));
        };
        if (overrides.empty()) {
            const TransformerSequenceDecoding d = transformerDecodeSequence(c, m.weights.transformer, enc, inputs);
            for (std::size_t i = 0; i < targets.size(); ++i) {
                Vec mean = Vec::Zero(enc.memory.rows());
                for (const Mat& a : d.crossAttention.back())
                    mean += a.row(static_cast<Eigen::Index>(i)).transpose() / static_cast<double>(c.heads);
                stepOf(d.logits.row(static_cast<Eigen::Index>(i)).transpose(), mean);
            }
            return f;
        }
        TransformerDecoderCache cache = transformerStartDecoding(c, m.weights.transformer, enc);
        TransformerStep st;
        for (std::size_t i = 0; i < targets.size(); ++i) {
            const auto it = overrides.find(static_cast<int>(i) + 1);
            Vec w;
            if (it != overrides.end())
                w = it->second / it->second.sum();
            transformerDecodeStep(c, m.weights.transformer, enc, cache, inputs[i], st, it == overrides.end() ? nullptr : &w);
            stepOf(st.logits, st.weights);
        }
        return f;
    }
    const Encoding enc = encode(m, m.source.ids(source));
    DecoderState s = initialState(m, enc), next;
    StepWorkspace ws;
    Forced f;
    int y = m.target.sos();
    for (std::size_t i = 0; i < targets.size(); ++i) {
        StepResult r;
        const auto it = overrides.find(static_cast<int>(i) + 1);
        decoderStep(m, enc, y, s, next, r, ws, it == overrides.end() ? nullptr : &it->second);
        std::swap(s, next);
        f.probs.push_back(softmax(r.logits)(targets[i]));
        f.steps.push_back(r);
        y = targets[i];
    }
    return f;
}

std::vector<int> idsOf(const Model& m, const Trace& tr)
{
    std::vector<int> ids;
    for (const StepTrace& st : tr.steps)
        ids.push_back(m.target.id(st.token));
    return ids;
}

double maxDiff(const Vec& a, const Vec& b)
{
    return a.size() == b.size() ? (a - b).cwiseAbs().maxCoeff() : 1e300;
}

} // namespace

class TestWhatIf : public QObject {
    Q_OBJECT
private slots:
    void prefixEqualsTeacherForcing_data();
    void prefixEqualsTeacherForcing();
    void prefixInBeamSearch();
    void prefixText();
    void ownWeightsChangeNothing_data();
    void ownWeightsChangeNothing();
    void oneHotContextIsThatState_data();
    void oneHotContextIsThatState();
    void laterStepsFollowOverride();
    void overrideDocumentRoundTrip();
    void badOverrideDocuments_data();
    void badOverrideDocuments();
    void badOverridesAtDecoding();
    void traceKeepsFlags();
};

void TestWhatIf::prefixEqualsTeacherForcing_data()
{
    QTest::addColumn<QString>("preset");
    for (const std::string& p : allPresets())
        QTest::newRow(p.c_str()) << QString::fromStdString(p);
}

void TestWhatIf::prefixEqualsTeacherForcing()
{
    QFETCH(QString, preset);
    const Model m = modelFor(preset.toStdString());
    const std::vector<int> prefix{5, 9, 4};  // ordinary target tokens t5 t9 t4
    DecodeOptions o;
    o.precision = Precision::Float64;  // compared with teacher forcing (float64) at 1e-12
    o.prefix = prefix;
    const DecodeResult r = translateTokens(m, kSource, o);
    QVERIFY(r.best.steps.size() >= prefix.size());
    // the first k steps carry the forced tokens with the probabilities teacher forcing gives them
    const std::vector<int> fed = idsOf(m, r.best);
    const Forced tf = teacherForce(m, kSource, fed);
    for (std::size_t i = 0; i < r.best.steps.size(); ++i) {
        const StepTrace& st = r.best.steps[i];
        QCOMPARE(st.forced, i < prefix.size());
        if (i < prefix.size())
            QCOMPARE(fed[i], prefix[i]);
        QVERIFY2(std::abs(*st.prob - tf.probs[i]) < 1e-12, qPrintable(QString("step %1").arg(i + 1)));
        if (st.attention)
            QVERIFY(maxDiff(st.attention->weights, tf.steps[i].attention->weights) < 1e-12);
        // after the prefix, decoding is greedy again: the argmax of the model's distribution
        if (i >= prefix.size())
            QCOMPARE(st.topK.front().id, fed[i]);
    }
}

void TestWhatIf::prefixInBeamSearch()
{
    const Model m = modelFor("bahdanau");
    DecodeOptions o;
    o.beam = 4;
    o.prefix = {6, 6};
    const DecodeResult r = translateTokens(m, kSource, o);
    QVERIFY(!r.hypotheses.empty());
    for (const Trace& h : r.hypotheses) {  // every hypothesis starts with the prefix
        QVERIFY(h.steps.size() >= 2);
        QCOMPARE(h.steps[0].token, m.target.token(6));
        QCOMPARE(h.steps[1].token, m.target.token(6));
        QVERIFY(h.steps[0].forced && h.steps[1].forced);
        for (std::size_t i = 2; i < h.steps.size(); ++i)
            QVERIFY(!h.steps[i].forced);
    }
    // the tree has one node per forced step below the root, none pruned
    QCOMPARE(r.tree.nodes[1].step, 1);
    QCOMPARE(r.tree.nodes[2].step, 2);
    QCOMPARE(r.tree.nodes[2].parent, 1);
    QVERIFY(!r.tree.nodes[1].pruned && !r.tree.nodes[2].pruned);
}

void TestWhatIf::prefixText()
{
    const Model m = modelFor("luong");
    QCOMPARE(targetPrefixIds(m, "t5 t9"), (std::vector<int>{5, 9}));
    auto unknown = inputFailure([&] { targetPrefixIds(m, "t5 banana"); });
    QVERIFY(unknown.thrown);
    QCOMPARE(unknown.where, std::string("prefix"));
    QVERIFY2(unknown.message.find("banana") != std::string::npos, unknown.message.c_str());
    auto special = inputFailure([&] { targetPrefixIds(m, "t5 <eos>"); });
    QVERIFY(special.thrown);
    QVERIFY2(special.message.find("special") != std::string::npos, special.message.c_str());
    QVERIFY(inputFailure([&] { targetPrefixIds(m, std::string("t5 \xE9")); }).thrown);
    // longer than the longest output
    DecodeOptions o;
    o.prefix = std::vector<int>(10, 5);  // max_len 9
    auto tooLong = inputFailure([&] { translateTokens(m, kSource, o); });
    QVERIFY(tooLong.thrown);
    QCOMPARE(tooLong.where, std::string("prefix"));
}

void TestWhatIf::ownWeightsChangeNothing_data()
{
    QTest::addColumn<QString>("preset");
    for (const std::string& p : kAttentionPresets)
        QTest::newRow(p.c_str()) << QString::fromStdString(p);
}

void TestWhatIf::ownWeightsChangeNothing()
{
    QFETCH(QString, preset);
    Model m = modelFor(preset.toStdString());
    if (m.isTransformer()) {  // the override replaces every head by one distribution: the model's own only with one head
        m.config.heads = 1;
        finalizeModel(m);
    }
    const DecodeResult plain = translateTokens(m, kSource);
    const int steps = static_cast<int>(plain.best.steps.size());
    QVERIFY(steps >= 2);
    DecodeOptions o;
    for (int t = 1; t <= steps; ++t)  // every step, with 3× the weights (the sum is divided out)
        o.overrides.push_back({t, 3.0 * plain.best.steps[static_cast<std::size_t>(t - 1)].attention->weights, ""});
    const DecodeResult same = translateTokens(m, kSource, o);
    QCOMPARE(same.best.targetTokens, plain.best.targetTokens);
    for (int i = 0; i < steps; ++i) {
        const StepTrace& a = plain.best.steps[static_cast<std::size_t>(i)];
        const StepTrace& b = same.best.steps[static_cast<std::size_t>(i)];
        QVERIFY(b.overridden && !a.overridden);
        QVERIFY(maxDiff(a.attention->scores, b.attention->scores) < 1e-12);
        QVERIFY(maxDiff(a.attention->context, b.attention->context) < 1e-12);
        QVERIFY(std::abs(*a.prob - *b.prob) < 1e-12);
        for (std::size_t l = 0; l < a.decoderStates.size(); ++l)
            QVERIFY(maxDiff(a.decoderStates[l], b.decoderStates[l]) < 1e-12);
    }
}

void TestWhatIf::oneHotContextIsThatState_data()
{
    ownWeightsChangeNothing_data();
}

void TestWhatIf::oneHotContextIsThatState()
{
    QFETCH(QString, preset);
    const Model m = modelFor(preset.toStdString());
    const Mat keys = encoderStatesOf(m, kSource);
    DecodeOptions float64;  // the encoder states above are encode()'s, float64
    float64.precision = Precision::Float64;
    for (int j = 0; j < static_cast<int>(kSource.size()); ++j) {
        DecodeOptions o = float64;
        Vec w = Vec::Zero(static_cast<Eigen::Index>(kSource.size()));
        w(j) = 0.25;  // not normalised: divided by the sum
        o.overrides.push_back({1, w, ""});
        const DecodeResult r = translateTokens(m, kSource, o);
        const AttentionResult& a = *r.best.steps[0].attention;
        QVERIFY(maxDiff(a.context, keys.row(j).transpose()) < 1e-12);
        QCOMPARE(a.weights(j), 1.0);
        QCOMPARE(a.weights.sum(), 1.0);
        // the scores are still the model's own
        const DecodeResult plain = translateTokens(m, kSource, float64);
        QVERIFY(maxDiff(a.scores, plain.best.steps[0].attention->scores) < 1e-12);
    }
}

void TestWhatIf::laterStepsFollowOverride()
{
    // Step 2 overridden; steps 3.. must equal teacher forcing of the same tokens with the same override,
    // and differ from the plain run's numbers (the state carried the change forward).
    for (const std::string& preset : kAttentionPresets) {
        const Model m = modelFor(preset, 11);
        DecodeOptions float64;  // compared with teacher forcing (float64) at 1e-12
        float64.precision = Precision::Float64;
        const DecodeResult plain = translateTokens(m, kSource, float64);
        QVERIFY(plain.best.steps.size() >= 3);
        Vec w = Vec::Zero(static_cast<Eigen::Index>(kSource.size()));
        w(4) = 1.0;
        DecodeOptions o = float64;
        o.overrides.push_back({2, w, ""});
        o.prefix = idsOf(m, plain.best);  // same tokens, so the numbers are comparable step by step
        o.prefix.resize(3);
        const DecodeResult what = translateTokens(m, kSource, o);
        const Forced tf = teacherForce(m, kSource, idsOf(m, what.best), {{2, w}});
        for (std::size_t i = 0; i < what.best.steps.size(); ++i) {
            QVERIFY(std::abs(*what.best.steps[i].prob - tf.probs[i]) < 1e-12);
            QVERIFY(maxDiff(what.best.steps[i].attention->weights, tf.steps[i].attention->weights) < 1e-12);
        }
        QVERIFY(!what.best.steps[0].overridden && what.best.steps[1].overridden && !what.best.steps[2].overridden);
        // Step 1 unchanged. Step 3 (same input token) differs from the plain run where the context feeds the
        // recurrence (Bahdanau, Luong's input feeding, GNMT); seq2seq_attention's context only reaches the
        // output layer, so its later steps stay exactly as they were — and so do a transformer's: the override
        // changes the last decoder layer's output, which no later position reads (the cached keys and values
        // of every layer come from that layer's input).
        QVERIFY(maxDiff(what.best.steps[0].attention->weights, plain.best.steps[0].attention->weights) < 1e-12);
        const double d3 = maxDiff(what.best.steps[2].attention->scores, plain.best.steps[2].attention->scores);
        if (preset == "seq2seq_attention" || preset == "transformer")
            QVERIFY2(d3 < 1e-12, qPrintable(QString::fromStdString(preset)));
        else
            QVERIFY2(d3 > 1e-6, qPrintable(QString::fromStdString(preset)));
    }
}

void TestWhatIf::overrideDocumentRoundTrip()
{
    std::vector<AttentionOverride> in{{3, (Vec(4) << 0, 0.5, 0.5, 0).finished(), ""}, {1, Vec::Ones(4), ""}};
    const std::vector<AttentionOverride> out = overridesFromJson(overridesToJson(in), "mem.json");
    QCOMPARE(out.size(), std::size_t(2));
    QCOMPARE(out[0].t, 3);
    QCOMPARE(out[1].t, 1);
    QVERIFY(maxDiff(out[0].weights, in[0].weights) == 0.0);
    QCOMPARE(out[1].where, std::string("/steps/1"));
}

void TestWhatIf::badOverrideDocuments_data()
{
    QTest::addColumn<QString>("doc");
    QTest::addColumn<QString>("where");
    QTest::newRow("wrong format") << R"({"format":"attnviz-trace","version":1,"steps":[]})" << "/format";
    QTest::newRow("no steps") << R"({"format":"attnviz-override","version":1})" << "";
    QTest::newRow("empty steps") << R"({"format":"attnviz-override","version":1,"steps":[]})" << "/steps";
    QTest::newRow("step 0") << R"({"format":"attnviz-override","version":1,"steps":[{"t":0,"weights":[1]}]})" << "/steps/0/t";
    QTest::newRow("t not integer") << R"({"format":"attnviz-override","version":1,"steps":[{"t":1.5,"weights":[1]}]})" << "/steps/0/t";
    QTest::newRow("negative") << R"({"format":"attnviz-override","version":1,"steps":[{"t":1,"weights":[1,-0.5]}]})" << "/steps/0/weights";
    QTest::newRow("all zero") << R"({"format":"attnviz-override","version":1,"steps":[{"t":1,"weights":[0,0]}]})" << "/steps/0/weights";
    QTest::newRow("string weight") << R"({"format":"attnviz-override","version":1,"steps":[{"t":1,"weights":[1,"x"]}]})" << "/steps/0/weights/1";
    QTest::newRow("huge") << R"({"format":"attnviz-override","version":1,"steps":[{"t":1,"weights":[1e999]}]})" << "";
    QTest::newRow("repeated t") << R"({"format":"attnviz-override","version":1,"steps":[{"t":2,"weights":[1]},{"t":2,"weights":[1]}]})" << "/steps/1/t";
    QTest::newRow("step not object") << R"({"format":"attnviz-override","version":1,"steps":[3]})" << "/steps/0";
}

void TestWhatIf::badOverrideDocuments()
{
    QFETCH(QString, doc);
    QFETCH(QString, where);
    auto f = inputFailure([&] {
        json j;
        try {
            j = parseDocument(doc.toStdString(), false, "bad.json", exampleLimits());
        } catch (const InputError&) {
            throw;
        }
        overridesFromJson(j, "bad.json");
    });
    QVERIFY2(f.thrown, qPrintable(doc));
    QCOMPARE(f.file, std::string("bad.json"));
    if (!where.isEmpty())
        QCOMPARE(QString::fromStdString(f.where), where);
}

void TestWhatIf::badOverridesAtDecoding()
{
    const Model m = modelFor("bahdanau");
    auto run = [&](std::vector<AttentionOverride> ov) {
        DecodeOptions o;
        o.overrides = std::move(ov);
        o.overrideFile = "ov.json";
        return inputFailure([&] { translateTokens(m, kSource, o); });
    };
    const auto wrongCount = run({{1, Vec::Ones(3), "/steps/0"}});
    QVERIFY(wrongCount.thrown);
    QCOMPARE(wrongCount.file, std::string("ov.json"));
    QCOMPARE(wrongCount.where, std::string("/steps/0/weights"));
    QVERIFY2(wrongCount.message.find("expected 5 weights") != std::string::npos, wrongCount.message.c_str());
    const auto beyond = run({{40, Vec::Ones(5), "/steps/0"}});
    QVERIFY(beyond.thrown);
    QCOMPARE(beyond.where, std::string("/steps/0/t"));
    Vec nan = Vec::Ones(5);
    nan(2) = std::nan("");
    QVERIFY(run({{1, nan, "/steps/0"}}).thrown);
    QVERIFY(run({{1, Vec::Zero(5), "/steps/0"}}).thrown);
    // a model without attention
    const Model plain = modelFor("seq2seq");
    DecodeOptions o;
    o.overrides = {{1, Vec::Ones(5), "/steps/0"}};
    const auto none = inputFailure([&] { translateTokens(plain, kSource, o); });
    QVERIFY(none.thrown);
    QVERIFY2(none.message.find("attention") != std::string::npos, none.message.c_str());
}

void TestWhatIf::traceKeepsFlags()
{
    const Model m = modelFor("luong");
    DecodeOptions o;
    o.prefix = {7};
    o.overrides = {{2, Vec::Ones(5), ""}};
    const DecodeResult r = translateTokens(m, kSource, o);
    const Trace back = traceFromJson(traceToJson(r.best), "mem");
    QVERIFY(back.steps[0].forced && !back.steps[0].overridden);
    QVERIFY(!back.steps[1].forced && back.steps[1].overridden);
    QVERIFY(!back.steps[2].forced && !back.steps[2].overridden);
}

QTEST_GUILESS_MAIN(TestWhatIf)
#include "tst_what_if.moc"
