// Head selection (core/model/heads.h, issues 13 and 16): one head, the mean or the max over a layer's heads, as the
// views show them; the small multiples' matrices (cross, decoder self-attention with its causal mask, encoder
// self-attention); and precomputed traces that hold only weights or only heads (what Hugging Face's
// generate(output_attentions=True) gives), read, validated and written back.
#include "core/model/decoding.h"
#include "core/model/heads.h"
#include "core/model/random_model.h"
#include "core/numeric/softmax.h"

#include "input_failure.h"
#include "small_transformer.h"

#include <QtTest>

#include <cmath>

using namespace attnviz;
using attnviz_test::inputFailure;

namespace {

Trace transformerTrace(std::uint64_t seed = 5)
{
    return attnviz_test::smallTransformerTrace({"s4", "s7", "s5", "s9", "s6"}, seed);
}

double maxDiff(const Vec& a, const Vec& b)
{
    return a.size() == b.size() ? (a - b).cwiseAbs().maxCoeff() : 1e300;
}

// Three source tokens, two steps, 2 layers × 3 heads of hand-made weights, nothing else.
const char* kHeadsOnly = R"({"format": "attnviz-trace", "version": 1,
  "source_tokens": ["a", "b", "c"], "target_tokens": ["x", "y"],
  "steps": [
    {"t": 1, "token": "x", "heads": [[[0.2, 0.3, 0.5], [1, 0, 0], [0.6, 0.2, 0.2]],
                                     [[0.1, 0.1, 0.8], [0.5, 0.5, 0], [0.3, 0.3, 0.4]]]},
    {"t": 2, "token": "y", "heads": [[[0, 0, 1], [0, 1, 0], [1, 0, 0]],
                                     [[0.25, 0.25, 0.5], [0.2, 0.2, 0.6], [0.9, 0.05, 0.05]]]}]})";

} // namespace

class TestHeads : public QObject {
    Q_OBJECT
private slots:
    void shapeAndDefault();
    void parsesHeadSpecs();
    void oneHeadIsThatHeadsNumbers();
    void meanIsADistributionAndMaxIsNot();
    void matricesForTheSmallMultiples();
    void headsOnlyTraceLoadsAndRoundTrips();
    void weightsOnlyTraceLoads();
    void badPrecomputedTracesAreRefused_data();
    void badPrecomputedTracesAreRefused();
};

void TestHeads::shapeAndDefault()
{
    const Trace tr = transformerTrace();
    const HeadShape shape = headShape(tr);
    QVERIFY(shape.layers >= 1);
    QCOMPARE(shape.heads, 2);
    QVERIFY(isDefaultSelection({}, shape));
    QVERIFY(isDefaultSelection({shape.layers - 1, HeadMode::Mean, 0}, shape));
    QVERIFY(!isDefaultSelection({shape.layers - 1, HeadMode::Max, 0}, shape));
    QCOMPARE(resolved({99, HeadMode::One, 99}, shape).head, 1);
    QCOMPARE(resolved({-1, HeadMode::One, 0}, shape).layer, shape.layers - 1);
    QCOMPARE(describeSelection({0, HeadMode::One, 1}, shape), "layer 1 of " + std::to_string(shape.layers) + " · head 2 of 2");
    // The default selection is the trace itself: the weights the decoder reported.
    const Trace same = selectHeads(tr, {});
    QCOMPARE(same.steps.size(), tr.steps.size());
    for (std::size_t i = 0; i < tr.steps.size(); ++i)
        QCOMPARE(maxDiff(same.steps[i].attention->weights, tr.steps[i].attention->weights), 0.0);
    // A trace without heads (an RNN's) has no shape and is never changed.
    Trace plain;
    plain.sourceTokens = {"a"};
    QVERIFY(headShape(plain).empty());
}

void TestHeads::parsesHeadSpecs()
{
    auto is = [](const char* text, int layer, HeadMode mode, int head) {
        const auto s = parseHeadSelection(text);
        return s && s->layer == layer && s->mode == mode && (mode != HeadMode::One || s->head == head);
    };
    QVERIFY(is("mean", -1, HeadMode::Mean, 0));
    QVERIFY(is("max", -1, HeadMode::Max, 0));
    QVERIFY(is("3", -1, HeadMode::One, 2));
    QVERIFY(is("2:3", 1, HeadMode::One, 2));
    QVERIFY(is("1:max", 0, HeadMode::Max, 0));
    for (const char* bad : {"", "0", "1:0", ":1", "1:", "a", "1:avg", "-1", "1:2:3", "9999999"})
        QVERIFY2(!parseHeadSelection(bad), bad);
}

void TestHeads::oneHeadIsThatHeadsNumbers()
{
    const Trace tr = transformerTrace();
    const HeadShape shape = headShape(tr);
    for (int l = 0; l < shape.layers; ++l)
        for (int h = 0; h < shape.heads; ++h) {
            const Trace v = selectHeads(tr, {l, HeadMode::One, h});
            for (std::size_t i = 0; i < tr.steps.size(); ++i) {
                const MultiHeadStep& mh = *tr.steps[i].multiHead;
                const auto ls = static_cast<std::size_t>(l), hs = static_cast<std::size_t>(h);
                const AttentionResult& a = *v.steps[i].attention;
                QCOMPARE(maxDiff(a.weights, mh.heads[ls][hs]), 0.0);
                QCOMPARE(maxDiff(a.scores, mh.scores[ls][hs]), 0.0);
                QVERIFY(maxDiff(softmax(a.scores), a.weights) < 1e-12);  // the head's own softmax (no override)
                QCOMPARE(maxDiff(v.steps[i].query, mh.query[ls][hs]), 0.0);
                QCOMPARE(v.steps[i].token, tr.steps[i].token);
                // The head's own computation from its keys and values (the layer's cross_keys/values block):
                // e_j = q·k_j/√(d/h), and Σ_j a_j v_j is the head output the decoder computed.
                const Eigen::Index n = static_cast<Eigen::Index>(tr.sourceTokens.size()), dk = mh.query[ls][hs].size();
                QCOMPARE(v.keys.rows(), n);
                QCOMPARE(v.keys.cols(), dk);
                QCOMPARE(v.encoderStates.rows(), n);
                QCOMPARE(v.encoderStates.cols(), dk);
                const Vec e = v.keys * mh.query[ls][hs] / std::sqrt(static_cast<double>(dk));
                QVERIFY2(maxDiff(e, a.scores) < 1e-9, qPrintable(QString::number(maxDiff(e, a.scores))));
                QCOMPARE(a.alignment.rows(), n);
                for (Eigen::Index j = 0; j < n; ++j)
                    QVERIFY(maxDiff(a.alignment.row(j).transpose(), a.weights(j) * v.encoderStates.row(j).transpose()) < 1e-15);
                QVERIFY2(maxDiff(a.context, mh.context[ls][hs]) < 1e-9, qPrintable(QString::number(maxDiff(a.context, mh.context[ls][hs]))));
            }
        }
    // Without the layers' keys and values (precomputed attention), one head has its weights, scores and output
    // but no alignment rows, and the encoder states stay the encoder output.
    Trace bare = tr;
    bare.crossKeys.clear();
    bare.crossValues.clear();
    const Trace v = selectHeads(bare, {0, HeadMode::One, 1});
    QCOMPARE(v.keys.size(), Eigen::Index(0));
    QCOMPARE(v.encoderStates, tr.encoderStates);
    QCOMPARE(v.steps[0].attention->alignment.rows(), Eigen::Index(0));
    QCOMPARE(maxDiff(v.steps[0].attention->context, tr.steps[0].multiHead->context[0][1]), 0.0);
    // The keys and values survive a trace file (JSON and CBOR) and a bad layer count is refused with its place.
    const json doc = traceToJson(tr);
    QVERIFY(doc.contains("cross_keys") && doc.contains("cross_values"));
    const Trace back = traceFromJson(json::from_cbor(json::to_cbor(doc)), "t.cbor");
    QCOMPARE(back.crossKeys.size(), tr.crossKeys.size());
    QVERIFY((back.crossKeys[1] - tr.crossKeys[1]).cwiseAbs().maxCoeff() == 0.0);
    QVERIFY((back.crossValues[0] - tr.crossValues[0]).cwiseAbs().maxCoeff() == 0.0);
    json bad = doc;
    bad["cross_values"].erase(bad["cross_values"].begin());
    QCOMPARE(inputFailure([&] { traceFromJson(bad, "t.json"); }).where, std::string("/cross_values"));
    bad = doc;
    bad.erase("cross_keys");
    QCOMPARE(inputFailure([&] { traceFromJson(bad, "t.json"); }).where, std::string("/cross_keys"));
    bad = doc;
    bad["cross_keys"][0][0].erase(bad["cross_keys"][0][0].begin());
    const std::string where = inputFailure([&] { traceFromJson(bad, "t.json"); }).where;
    QVERIFY2(where.rfind("/cross_keys/0", 0) == 0, where.c_str());  // a ragged row: /cross_keys/0/0
}

void TestHeads::meanIsADistributionAndMaxIsNot()
{
    const Trace tr = transformerTrace(6);
    const HeadShape shape = headShape(tr);
    const Trace mean = selectHeads(tr, {0, HeadMode::Mean, 0});
    const Trace max = selectHeads(tr, {0, HeadMode::Max, 0});
    for (std::size_t i = 0; i < tr.steps.size(); ++i) {
        const MultiHeadStep& mh = *tr.steps[i].multiHead;
        Vec want = Vec::Zero(mh.heads[0][0].size()), wantMax = mh.heads[0][0];
        for (const Vec& w : mh.heads[0]) {
            want += w / static_cast<double>(shape.heads);
            wantMax = wantMax.cwiseMax(w);
        }
        const AttentionResult& a = *mean.steps[i].attention;
        QVERIFY(maxDiff(a.weights, want) < 1e-15);
        QVERIFY(std::fabs(a.weights.sum() - 1.0) < 1e-12);
        QVERIFY(maxDiff(softmax(a.scores), a.weights) < 1e-9);  // log of the averaged own weights
        // alignment rows a_j·m_j over the encoder output, context their sum
        QCOMPARE(a.alignment.rows(), tr.encoderStates.rows());
        QVERIFY(maxDiff(a.context, tr.encoderStates.transpose() * a.weights) < 1e-12);
        // query: the layer's heads concatenated
        QCOMPARE(mean.steps[i].query.size(), Eigen::Index(mh.query[0][0].size() * shape.heads));
        const AttentionResult& m = *max.steps[i].attention;
        QCOMPARE(maxDiff(m.weights, wantMax), 0.0);
        QVERIFY(m.weights.sum() >= 1.0 - 1e-12);
        QCOMPARE(m.scores.size(), Eigen::Index(0));
        QCOMPARE(m.context.size(), Eigen::Index(0));
    }
    // The last layer's mean is what the decoder reported.
    const Trace last = selectHeads(tr, {shape.layers - 1, HeadMode::Max, 0});
    const AttentionResult own = headAttention(*tr.steps[0].multiHead, {shape.layers - 1, HeadMode::Mean, 0}, tr.encoderStates);
    QVERIFY(maxDiff(own.weights, tr.steps[0].attention->weights) < 1e-15);
    QVERIFY(maxDiff(own.context, tr.steps[0].attention->context) < 1e-12);
    QVERIFY(last.steps[0].attention->weights.sum() > 1.0 - 1e-12);
}

void TestHeads::matricesForTheSmallMultiples()
{
    const Trace tr = transformerTrace(7);
    const HeadShape shape = headShape(tr);
    const auto T = static_cast<Eigen::Index>(tr.steps.size());
    const auto n = static_cast<Eigen::Index>(tr.sourceTokens.size());
    const auto cross = headMatrices(tr, HeadMatrices::Cross);
    QCOMPARE(static_cast<int>(cross.size()), shape.layers);
    QCOMPARE(static_cast<int>(cross[0].size()), shape.heads);
    QCOMPARE(cross[0][1].rows(), T);
    QCOMPARE(cross[0][1].cols(), n);
    for (Eigen::Index t = 0; t < T; ++t)
        QCOMPARE(maxDiff(cross[0][1].row(t).transpose(), tr.steps[static_cast<std::size_t>(t)].multiHead->heads[0][1]), 0.0);
    const auto self = headMatrices(tr, HeadMatrices::DecoderSelf);
    QCOMPARE(self[0][0].rows(), T);
    QCOMPARE(self[0][0].cols(), T);
    for (Eigen::Index t = 0; t < T; ++t)
        for (Eigen::Index c = 0; c < T; ++c)
            QCOMPARE(std::isnan(self[0][0](t, c)), c > t);  // the causal mask: step t sees positions 0..t
    // selectMatrix: mean and max over heads; masked cells stay masked
    const Mat mean = selectMatrix(self, {0, HeadMode::Mean, 0}), max = selectMatrix(self, {0, HeadMode::Max, 0});
    for (Eigen::Index t = 0; t < T; ++t) {
        QVERIFY(std::fabs(mean.row(t).head(t + 1).sum() - 1.0) < 1e-12);
        if (t + 1 < T)
            QVERIFY(std::isnan(mean(t, T - 1)) && std::isnan(max(t, T - 1)));
        for (Eigen::Index c = 0; c <= t; ++c)
            QCOMPARE(max(t, c), std::max(self[0][0](t, c), self[0][1](t, c)));
    }
    QCOMPARE(selectMatrix(cross, {0, HeadMode::One, 1}), cross[0][1]);
    const auto enc = headMatrices(tr, HeadMatrices::EncoderSelf);
    QCOMPARE(enc.size(), tr.encoderSelfAttention.size());
    QCOMPARE(enc[0][0].rows(), n);
    Trace plain = tr;
    for (StepTrace& s : plain.steps) s.multiHead.reset();
    QVERIFY(headMatrices(plain, HeadMatrices::Cross).empty());
}

void TestHeads::headsOnlyTraceLoadsAndRoundTrips()
{
    const Trace tr = traceFromJson(json::parse(kHeadsOnly), "heads.json");
    QCOMPARE(tr.steps.size(), std::size_t(2));
    const HeadShape shape = headShape(tr);
    QCOMPARE(shape.layers, 2);
    QCOMPARE(shape.heads, 3);
    // weights default to the last layer's mean; no scores, query or context
    const AttentionResult& a = *tr.steps[0].attention;
    QVERIFY(maxDiff(a.weights, (Vec(3) << 0.3, 0.3, 0.4).finished()) < 1e-15);
    QCOMPARE(a.scores.size(), Eigen::Index(0));
    QCOMPARE(a.context.size(), Eigen::Index(0));
    QCOMPARE(tr.steps[0].query.size(), Eigen::Index(0));
    // one head of layer 1, and the max
    const Trace one = selectHeads(tr, {0, HeadMode::One, 1});
    QVERIFY(maxDiff(one.steps[0].attention->weights, (Vec(3) << 1, 0, 0).finished()) < 1e-15);
    QCOMPARE(one.steps[0].attention->scores.size(), Eigen::Index(0));
    const Trace max = selectHeads(tr, {0, HeadMode::Max, 0});
    QVERIFY(maxDiff(max.steps[1].attention->weights, (Vec(3) << 1, 1, 1).finished()) < 1e-15);
    // written back and read again: the same
    const Trace back = traceFromJson(traceToJson(tr), "back.json");
    QCOMPARE(back.steps.size(), tr.steps.size());
    QVERIFY(!traceToJson(tr)["steps"][0].contains("scores"));
    for (std::size_t i = 0; i < tr.steps.size(); ++i)
        QCOMPARE(maxDiff(back.steps[i].attention->weights, tr.steps[i].attention->weights), 0.0);
}

void TestHeads::weightsOnlyTraceLoads()
{
    const json doc = json::parse(R"({"format": "attnviz-trace", "version": 1, "source_tokens": ["a", "b"],
      "target_tokens": ["x"], "steps": [{"t": 1, "token": "x", "weights": [0.2500001, 0.75]}]})");
    const Trace tr = traceFromJson(doc, "w.json");  // float32-ish rounding is tolerated for precomputed weights
    QVERIFY(tr.steps[0].attention);
    QCOMPARE(tr.steps[0].attention->scores.size(), Eigen::Index(0));
    QCOMPARE(tr.steps[0].attention->context.size(), Eigen::Index(0));
    QVERIFY(headShape(tr).empty());
    const Trace back = traceFromJson(traceToJson(tr), "back.json");
    QCOMPARE(maxDiff(back.steps[0].attention->weights, tr.steps[0].attention->weights), 0.0);
    QVERIFY(!traceToJson(tr)["steps"][0].contains("alignment"));
}

void TestHeads::badPrecomputedTracesAreRefused_data()
{
    QTest::addColumn<QString>("steps");
    QTest::addColumn<QString>("where");
    QTest::addColumn<QString>("says");
    QTest::newRow("weights not a distribution") << R"([{"t": 1, "weights": [0.5, 0.6]}])" << "/steps/0/weights" << "sum to 1";
    QTest::newRow("negative weight") << R"([{"t": 1, "weights": [1.5, -0.5]}])" << "/steps/0/weights" << "≥ 0";
    QTest::newRow("one weight per source token") << R"([{"t": 1, "weights": [1]}])" << "/steps/0/weights" << "2 weights (one per source token)";
    QTest::newRow("head not a distribution") << R"([{"t": 1, "heads": [[[0.5, 0.4]]]}])" << "/steps/0/heads/0/0" << "sum to 1";
    QTest::newRow("heads of unequal length") << R"([{"t": 1, "heads": [[[0.5, 0.5], [1]]]}])" << "/steps/0/heads/0/1" << "2 numbers";
    QTest::newRow("scores without the query") << R"([{"t": 1, "heads": [[[0.5, 0.5]]], "scores": [[[0, 0]]]}])" << "/steps/0/query" << "query";
    QTest::newRow("weights not the mean of the heads") << R"([{"t": 1, "heads": [[[0.5, 0.5]]], "weights": [1, 0]}])" << "/steps/0/weights"
                                                        << "averaged";
}

void TestHeads::badPrecomputedTracesAreRefused()
{
    QFETCH(QString, steps);
    QFETCH(QString, where);
    QFETCH(QString, says);
    const json doc = json::parse(R"({"format": "attnviz-trace", "version": 1, "source_tokens": ["a", "b"], "target_tokens": ["x"], "steps": )"
                                 + steps.toStdString() + "}");
    const auto f = inputFailure([&] { traceFromJson(doc, "bad.json"); });
    QVERIFY2(f.thrown, qPrintable(steps));
    QCOMPARE(QString::fromStdString(f.file), QStringLiteral("bad.json"));
    QCOMPARE(QString::fromStdString(f.where), where);
    QVERIFY2(QString::fromStdString(f.message).contains(says), f.message.c_str());
}

QTEST_GUILESS_MAIN(TestHeads)
#include "tst_heads.moc"
