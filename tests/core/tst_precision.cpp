// Float32 inference (issue 17): decoding in float32 (the default) agrees with the float64 reference within the
// SPEC tolerance of 1e-4 — probabilities, attention weights, beam scores — and gives the same tokens, for every
// architecture, on random models and on the models shipped in samples/models; beam search stepping all its
// hypotheses in one product gives what stepping them one by one gives; the fused softmax + top-k gives
// softmax's numbers; the float32 copies are made once and follow weights that change.
#include "core/model/batch_step.h"
#include "core/model/decoding.h"
#include "core/model/inference.h"
#include "core/model/model.h"
#include "core/model/random_model.h"
#include "core/numeric/few_columns.h"
#include "core/numeric/softmax.h"

#include <QtTest>

#include <cmath>
#include <random>
#include <type_traits>

using namespace attnviz;

namespace {

constexpr double kTolerance = 1e-4;  // SPEC: float32 against the float64 reference

std::string sampleModel(const std::string& name)
{
    return std::string(ATTNVIZ_SAMPLES_DIR) + "/models/" + name + ".cbor";
}

DecodeOptions withPrecision(Precision p, int beam = 1)
{
    DecodeOptions o;
    o.precision = p;
    o.beam = beam;
    return o;
}

double maxDiff(const Vec& a, const Vec& b)
{
    if (a.size() != b.size())
        return INFINITY;
    return a.size() == 0 ? 0.0 : (a - b).cwiseAbs().maxCoeff();
}

// Largest difference of the probabilities and attention weights of two traces of the same tokens; infinity
// when their shapes differ. Fails the test when the tokens differ.
double traceDifference(const Trace& a, const Trace& b, const std::string& what)
{
    if (a.targetTokens != b.targetTokens || a.steps.size() != b.steps.size()) {
        QTest::qFail(("float32 and float64 decode different tokens: " + what).c_str(), __FILE__, __LINE__);
        return INFINITY;
    }
    double worst = 0.0;
    for (std::size_t i = 0; i < a.steps.size(); ++i) {
        const StepTrace& x = a.steps[i];
        const StepTrace& y = b.steps[i];
        if (x.token != y.token || x.topK.size() != y.topK.size() || x.attention.has_value() != y.attention.has_value() || !x.prob || !y.prob)
            return INFINITY;
        worst = std::max(worst, std::fabs(*x.prob - *y.prob));
        for (std::size_t k = 0; k < x.topK.size(); ++k) {
            // a near tie may swap two runners-up: compare each token's probability where both list it
            for (const TokenProb& other : y.topK)
                if (other.id == x.topK[k].id)
                    worst = std::max(worst, std::fabs(x.topK[k].prob - other.prob));
        }
        if (x.topK.front().id != y.topK.front().id)
            return INFINITY;
        if (x.attention)
            worst = std::max(worst, maxDiff(x.attention->weights, y.attention->weights));
        if (x.multiHead)
            for (std::size_t l = 0; l < x.multiHead->heads.size(); ++l)
                for (std::size_t h = 0; h < x.multiHead->heads[l].size(); ++h)
                    worst = std::max({worst, maxDiff(x.multiHead->heads[l][h], y.multiHead->heads[l][h]),
                                      maxDiff(x.multiHead->selfAttention[l][h], y.multiHead->selfAttention[l][h])});
    }
    return worst;
}

// The message of the ShapeError f throws ("" when it throws nothing).
template <typename F>
std::string inputFailureMessage(F&& f)
{
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return {};
}

} // namespace

class TestPrecision : public QObject {
    Q_OBJECT
private slots:
    void precisionIds();
    void softmaxTopKMatchesSoftmax();
    void softmaxTopKExtremes();
    void productFewColumnsMatchesEigen();
    void randomModels_data();
    void randomModels();
    void shippedModels_data();
    void shippedModels();
    void encoderFloat32MatchesFloat64_data();
    void encoderFloat32MatchesFloat64();
    void batchedStepEqualsOneByOne_data();
    void batchedStepEqualsOneByOne();
    void beamFloat32MatchesFloat64_data();
    void beamFloat32MatchesFloat64();
    void whatIfFloat32MatchesFloat64();
    void float32IsTheDefault();
    void copiesMadeOnceAndFollowWeights();
};

void TestPrecision::precisionIds()
{
    QVERIFY(precisionFromId("float32") == Precision::Float32);
    QVERIFY(precisionFromId("float64") == Precision::Float64);
    QVERIFY(!precisionFromId("double").has_value());
    QCOMPARE(precisionId(Precision::Float32), std::string("float32"));
    QCOMPARE(precisionId(Precision::Float64), std::string("float64"));
}

// Random sizes and values (with repeated values, so ties occur): ids = topIndices(softmax), log-probabilities
// = logSoftmax, in float64 (1e-12) and float32 (1e-5).
void TestPrecision::softmaxTopKMatchesSoftmax()
{
    std::mt19937 rng(17);
    double worst64 = 0.0, worst32 = 0.0;
    for (int trial = 0; trial < 200; ++trial) {
        const int V = std::uniform_int_distribution<int>(1, 3000)(rng);
        const int k = std::uniform_int_distribution<int>(1, 12)(rng);
        Vec l(V);
        std::uniform_int_distribution<int> coarse(-40, 40);  // quarter steps: many exact ties
        for (int j = 0; j < V; ++j)
            l(j) = coarse(rng) / 4.0;
        const Vec lp = logSoftmax(l);
        const std::vector<int> want = topIndices(softmax(l), k);
        TopLogProbs got;
        softmaxTopK(l.data(), V, k, got);
        QCOMPARE(got.ids, want);
        for (std::size_t i = 0; i < want.size(); ++i)
            worst64 = std::max(worst64, std::fabs(got.logProbs[i] - lp(want[i])));
        const VecF lf = l.cast<float>();
        TopLogProbs gotF;
        softmaxTopK(lf.data(), V, k, gotF);
        QCOMPARE(gotF.ids, want);  // the values are exact in float too
        for (std::size_t i = 0; i < want.size(); ++i)
            worst32 = std::max(worst32, std::fabs(gotF.logProbs[i] - lp(want[i])));
        // every log-probability follows from the normaliser
        const int j = std::uniform_int_distribution<int>(0, V - 1)(rng);
        QVERIFY(std::fabs(l(j) - got.logNormaliser - lp(j)) < 1e-12);
    }
    qInfo("largest log-probability difference: float64 %.3g, float32 %.3g", worst64, worst32);
    QVERIFY(worst64 < 1e-12);
    QVERIFY(worst32 < 1e-5);
}

// Scores of ±1e4 (SPEC §1) give finite log-probabilities whose probabilities sum to 1; k beyond V lists all.
void TestPrecision::softmaxTopKExtremes()
{
    const VecF l = (VecF(4) << 1e4f, -1e4f, 1e4f, 0.0f).finished();
    TopLogProbs t;
    softmaxTopK(l.data(), l.size(), 10, t);
    QCOMPARE(t.ids, (std::vector<int>{0, 2, 3, 1}));
    double sum = 0.0;
    for (double lp : t.logProbs) {
        QVERIFY(std::isfinite(lp));
        sum += std::exp(lp);
    }
    QVERIFY(std::fabs(sum - 1.0) < 1e-6);
    QVERIFY(std::fabs(t.logProbs[0] - std::log(0.5)) < 1e-6);
    softmaxTopK(l.data(), l.size(), 0, t);
    QVERIFY(t.ids.empty());
    QVERIFY(std::fabs(t.logNormaliser - (1e4 + std::log(2.0))) < 1e-3);
}

// The beam's product kernel (row-major W, any number of columns, sizes that are not multiples of the SIMD
// width) and the column-major reference path give Eigen's product.
void TestPrecision::productFewColumnsMatchesEigen()
{
    std::mt19937 rng(3);
    auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    double worst32 = 0.0, worst64 = 0.0;
    for (int trial = 0; trial < 80; ++trial) {
        const int V = uniform(1, 300), F = uniform(1, 200), B = uniform(1, 19);
        const MatF W = MatF::Random(V, F), X = MatF::Random(F, B);
        const Mat want = W.cast<double>() * X.cast<double>();
        MatF Y;
        productFewColumns(MatRF(W), X, Y);
        QCOMPARE(Y.rows(), Eigen::Index(V));
        QCOMPARE(Y.cols(), Eigen::Index(B));
        worst32 = std::max(worst32, (Y.cast<double>() - want).cwiseAbs().maxCoeff() / F);
        Mat Yd;
        productFewColumns(Mat(W.cast<double>()), Mat(X.cast<double>()), Yd);
        worst64 = std::max(worst64, (Yd - want).cwiseAbs().maxCoeff());
        productFewColumns(Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>(W.cast<double>()), Mat(X.cast<double>()), Yd);
        worst64 = std::max(worst64, (Yd - want).cwiseAbs().maxCoeff());
    }
    qInfo("largest difference from Eigen's product: float32 %.3g per term, float64 %.3g", worst32, worst64);
    QVERIFY(worst32 < 1e-6);
    QVERIFY(worst64 < 1e-12);
}

void TestPrecision::randomModels_data()
{
    QTest::addColumn<QString>("preset");
    for (const std::string& p : allPresets())
        QTest::newRow(p.c_str()) << QString::fromStdString(p);
}

// Every architecture, larger random models (V 500, H 32): greedy decoding of three sentences.
void TestPrecision::randomModels()
{
    QFETCH(QString, preset);
    RandomModelOptions o;
    o.hidden = 32;
    o.embedding = 16;
    o.sourceVocab = o.targetVocab = 500;
    o.maxLen = 20;
    if (preset == QLatin1String("gnmt"))
        o.layers = 4;
    double worst = 0.0;
    for (std::uint64_t seed = 1; seed <= 3; ++seed) {
        const Model m = randomModel(preset.toStdString(), o, seed);
        const Tokens src{"s" + std::to_string(4 + seed), "s40", "s99", "s7", "s123", "s77"};
        const DecodeResult f = translateTokens(m, src, withPrecision(Precision::Float32));
        const DecodeResult d = translateTokens(m, src, withPrecision(Precision::Float64));
        QVERIFY(!f.best.steps.empty());
        worst = std::max(worst, traceDifference(f.best, d.best, preset.toStdString() + " seed " + std::to_string(seed)));
    }
    qInfo("%s: largest probability / attention weight difference %.3g", qPrintable(preset), worst);
    QVERIFY2(worst <= kTolerance, qPrintable(QStringLiteral("difference %1").arg(worst)));
}

void TestPrecision::shippedModels_data()
{
    QTest::addColumn<QString>("name");
    for (const char* n : {"dates_seq2seq", "dates_bahdanau", "dates_luong", "dates_transformer", "reverse_bahdanau", "en_es_seq2seq",
                          "en_es_seq2seq_attention", "en_es_bahdanau", "en_es_luong", "en_es_gnmt"})
        QTest::newRow(n) << QString::fromLatin1(n);
}

// The shipped models (every architecture: seq2seq, seq2seq_attention, bahdanau, luong, gnmt, transformer)
// on their own example sentences: same tokens, probabilities and attention weights within 1e-4.
void TestPrecision::shippedModels()
{
    QFETCH(QString, name);
    const Model m = loadModel(sampleModel(name.toStdString()));
    QVERIFY(!m.examples.empty());
    double worst = 0.0;
    for (const std::string& e : m.examples) {
        const DecodeResult f = translate(m, e, withPrecision(Precision::Float32));
        const DecodeResult d = translate(m, e, withPrecision(Precision::Float64));
        worst = std::max(worst, traceDifference(f.best, d.best, e));
    }
    qInfo("%s (%s): %zu examples, largest difference %.3g", qPrintable(name), m.architecture.c_str(), m.examples.size(), worst);
    QVERIFY2(worst <= kTolerance, qPrintable(QStringLiteral("difference %1").arg(worst)));
}

void TestPrecision::encoderFloat32MatchesFloat64_data()
{
    QTest::addColumn<QString>("preset");
    QTest::addColumn<QString>("cell");
    for (const char* row : {"seq2seq gru", "seq2seq lstm", "seq2seq_attention gru", "seq2seq_attention lstm", "bahdanau gru",
                            "luong gru", "luong lstm", "gnmt lstm"}) {
        const QStringList parts = QString::fromLatin1(row).split(QLatin1Char(' '));
        QTest::newRow(row) << parts[0] << parts[1];
    }
}

// The float32 encoder (all positions' input projections in one product) gives encode()'s keys, final states
// and ←h_1 within float32 rounding.
void TestPrecision::encoderFloat32MatchesFloat64()
{
    QFETCH(QString, preset);
    QFETCH(QString, cell);
    RandomModelOptions o;
    o.hidden = 24;
    o.cell = cell.toStdString();
    if (preset == QLatin1String("gnmt"))
        o.layers = 4;
    const Model m = randomModel(preset.toStdString(), o, 8);
    const std::vector<int> ids{4, 9, 13, 7, 5, 11, 6};
    const Encoding a = encode(m, ids);
    const Encoding b = encodeFloat32(m, ids, *m.inference.get(m));
    QCOMPARE(b.keys.rows(), a.keys.rows());
    QCOMPARE(b.keys.cols(), a.keys.cols());
    double worst = (a.keys - b.keys).cwiseAbs().maxCoeff();
    QCOMPARE(b.final.size(), a.final.size());
    for (std::size_t k = 0; k < a.final.size(); ++k) {
        worst = std::max(worst, maxDiff(a.final[k].h, b.final[k].h));
        worst = std::max(worst, maxDiff(a.final[k].c, b.final[k].c));
    }
    worst = std::max(worst, maxDiff(a.backwardFirst, b.backwardFirst));
    if (a.projectedKeys.size())
        worst = std::max(worst, (a.projectedKeys - b.projectedKeys).cwiseAbs().maxCoeff());
    qInfo("largest difference %.3g", worst);
    QVERIFY(worst < 1e-5);
    QVERIFY(worst > 0.0);  // it did run in float32
    QVERIFY(inputFailureMessage([&] { encodeFloat32(m, {}, *m.inference.get(m)); }).find("at least one source token") != std::string::npos);
}

void TestPrecision::batchedStepEqualsOneByOne_data()
{
    QTest::addColumn<QString>("preset");
    QTest::addColumn<bool>("float32");
    for (const std::string& p : allPresets()) {
        if (p == "transformer")
            continue;  // its layers step per hypothesis; the output product is checked through beamFloat32MatchesFloat64
        QTest::newRow((p + " float64").c_str()) << QString::fromStdString(p) << false;
        QTest::newRow((p + " float32").c_str()) << QString::fromStdString(p) << true;
    }
}

// Three hypotheses stepped at once (one GEMM per matrix) give what three steps of one give (GEMVs), and the
// float64 batch gives what decoderStep() gives.
void TestPrecision::batchedStepEqualsOneByOne()
{
    QFETCH(QString, preset);
    QFETCH(bool, float32);
    RandomModelOptions o;
    o.hidden = 24;
    o.sourceVocab = o.targetVocab = 60;
    if (preset == QLatin1String("gnmt"))
        o.layers = 4;
    const Model m = randomModel(preset.toStdString(), o, 5);
    const Encoding enc = encode(m, {4, 9, 13, 7});
    const Precision p = float32 ? Precision::Float32 : Precision::Float64;
    // three different states: the initial one and two steps on from it
    std::vector<DecoderState> states{initialState(m, enc)};
    {
        StepWorkspace ws;
        StepResult r;
        for (int y : {5, 11}) {
            DecoderState next;
            decoderStep(m, enc, y, states.back(), next, r, ws);
            states.push_back(next);
        }
    }
    const std::vector<int> tokens{m.target.sos(), 6, 17};
    RecurrentBatchStep all(m, enc, p);
    std::vector<DecoderState> nextAll;
    std::vector<HypothesisStep> stepsAll;
    all.step(tokens, {&states[0], &states[1], &states[2]}, nextAll, stepsAll, nullptr);
    QCOMPARE(nextAll.size(), std::size_t(3));
    const double tol = float32 ? 1e-5 : 1e-12;
    double worst = 0.0, worstReference = 0.0;
    for (std::size_t b = 0; b < 3; ++b) {
        RecurrentBatchStep one(m, enc, p);
        std::vector<DecoderState> nextOne;
        std::vector<HypothesisStep> stepsOne;
        one.step({tokens[b]}, {&states[b]}, nextOne, stepsOne, nullptr);
        for (std::size_t l = 0; l < nextAll[b].layers.size(); ++l)
            worst = std::max(worst, maxDiff(nextAll[b].layers[l].h, nextOne[0].layers[l].h));
        TopLogProbs a, c;
        all.topLogProbs(static_cast<Eigen::Index>(b), 5, a);
        one.topLogProbs(0, 5, c);
        QCOMPARE(a.ids, c.ids);
        for (std::size_t i = 0; i < a.ids.size(); ++i)
            worst = std::max(worst, std::fabs(a.logProbs[i] - c.logProbs[i]));
        if (m.hasAttention())
            worst = std::max(worst, maxDiff(stepsAll[b].attention->weights, stepsOne[0].attention->weights));
        // the float64 reference: decoderStep, one hypothesis
        StepWorkspace ws;
        StepResult r;
        DecoderState ref;
        decoderStep(m, enc, tokens[b], states[b], ref, r, ws);
        const Vec lp = logSoftmax(r.logits);
        for (std::size_t i = 0; i < a.ids.size(); ++i)
            worstReference = std::max(worstReference, std::fabs(a.logProbs[i] - lp(a.ids[i])));
        for (std::size_t l = 0; l < ref.layers.size(); ++l)
            worstReference = std::max(worstReference, maxDiff(nextAll[b].layers[l].h, ref.layers[l].h));
    }
    qInfo("batched vs one by one %.3g, vs decoderStep %.3g", worst, worstReference);
    QVERIFY(worst <= tol);
    QVERIFY(worstReference <= (float32 ? kTolerance : 1e-12));
}

void TestPrecision::beamFloat32MatchesFloat64_data()
{
    QTest::addColumn<QString>("name");
    for (const char* n : {"dates_seq2seq", "dates_bahdanau", "dates_luong", "dates_transformer", "en_es_seq2seq_attention", "en_es_gnmt"})
        QTest::newRow(n) << QString::fromLatin1(n);
}

// Beam 4 on a shipped model's first two examples: the same hypotheses in the same order, scores within 1e-4.
void TestPrecision::beamFloat32MatchesFloat64()
{
    QFETCH(QString, name);
    const Model m = loadModel(sampleModel(name.toStdString()));
    for (std::size_t e = 0; e < std::min<std::size_t>(2, m.examples.size()); ++e) {
        const DecodeResult f = translate(m, m.examples[e], withPrecision(Precision::Float32, 4));
        const DecodeResult d = translate(m, m.examples[e], withPrecision(Precision::Float64, 4));
        QCOMPARE(f.hypotheses.size(), d.hypotheses.size());
        QCOMPARE(f.finishedCount, d.finishedCount);
        QCOMPARE(f.tree.nodes.size(), d.tree.nodes.size());
        for (std::size_t i = 0; i < f.hypotheses.size(); ++i) {
            QCOMPARE(f.hypotheses[i].targetTokens, d.hypotheses[i].targetTokens);
            QVERIFY2(std::fabs(f.scores[i] - d.scores[i]) <= kTolerance, qPrintable(QStringLiteral("score %1 vs %2").arg(f.scores[i]).arg(d.scores[i])));
        }
        QVERIFY(traceDifference(f.best, d.best, m.examples[e]) <= kTolerance);
    }
}

// What-if decoding (forced prefix + attention override, beam 3) in both precisions: same tokens, numbers within 1e-4.
void TestPrecision::whatIfFloat32MatchesFloat64()
{
    for (const std::string preset : {"seq2seq_attention", "bahdanau", "luong", "gnmt", "transformer"}) {
        RandomModelOptions o;
        o.maxLen = 12;
        o.sourceVocab = o.targetVocab = 40;
        o.hidden = 16;
        if (preset == "gnmt")
            o.layers = 3;
        const Model m = randomModel(preset, o, 21);
        const Tokens src{"s4", "s9", "s6", "s5"};
        DecodeOptions a = withPrecision(Precision::Float32, 3), b = withPrecision(Precision::Float64, 3);
        Vec w = Vec::Zero(4);
        w(2) = 2.0;
        a.prefix = b.prefix = {5, 7};
        a.overrides = b.overrides = {AttentionOverride{2, w, ""}};
        const DecodeResult f = translateTokens(m, src, a), d = translateTokens(m, src, b);
        QVERIFY(f.best.steps.size() >= 2);
        QVERIFY(f.best.steps[0].forced && f.best.steps[1].forced && f.best.steps[1].overridden);
        QCOMPARE(f.best.steps[1].attention->weights(2), 1.0);
        const double diff = traceDifference(f.best, d.best, preset + " what-if");
        QVERIFY2(diff <= kTolerance, qPrintable(QString::fromStdString(preset) + QStringLiteral(": %1").arg(diff)));
        QVERIFY(std::fabs(f.bestScore - d.bestScore) <= kTolerance);
    }
}

void TestPrecision::float32IsTheDefault()
{
    QVERIFY(DecodeOptions{}.precision == Precision::Float32);
    // the default decodes with the float32 copies: its numbers are those of Precision::Float32 exactly
    const Model m = randomModel("bahdanau", {}, 3);
    const DecodeResult a = translateTokens(m, {"s4", "s5", "s6"});
    const DecodeResult b = translateTokens(m, {"s4", "s5", "s6"}, withPrecision(Precision::Float32));
    const DecodeResult c = translateTokens(m, {"s4", "s5", "s6"}, withPrecision(Precision::Float64));
    QCOMPARE(traceToJson(a.best), traceToJson(b.best));
    QVERIFY(traceToJson(a.best) != traceToJson(c.best));  // float32 rounding shows in the last digits
}

// The holder of the float32 copies keeps a model movable without copying its weights (std::vector<Model> grows).
static_assert(std::is_nothrow_move_constructible_v<Model>);

// The float32 copies are made once per model (not per step or per sentence), and a weight changed in place
// (training between two decodings, a test's edit) is noticed: the next decoding uses the new weights.
void TestPrecision::copiesMadeOnceAndFollowWeights()
{
    Model m = randomModel("luong", {}, 4);
    const Tokens src{"s4", "s9", "s6"};
    translateTokens(m, src);
    translateTokens(m, src, withPrecision(Precision::Float32, 3));
    QCOMPARE(m.inference.builds(), 1);
    translateTokens(m, src, withPrecision(Precision::Float64));
    QCOMPARE(m.inference.builds(), 1);  // float64 uses the model's own weights

    // make t7 certain at every step by its bias alone: both precisions must see it
    m.weights.outBias(m.target.id("t7")) = 50.0;
    const DecodeResult f = translateTokens(m, src);
    QCOMPARE(m.inference.builds(), 2);
    QVERIFY(!f.best.steps.empty());
    QCOMPARE(f.best.steps.front().token, std::string("t7"));
    QVERIFY(traceDifference(f.best, translateTokens(m, src, withPrecision(Precision::Float64)).best, "bias edit") <= kTolerance);

    // a copy of the model starts without copies; its first decoding makes them
    const Model copy = m;
    QCOMPARE(copy.inference.builds(), 0);
    translateTokens(copy, src);
    QCOMPARE(copy.inference.builds(), 1);
}

QTEST_GUILESS_MAIN(TestPrecision)
#include "tst_precision.moc"
