// Decoding: invariants of every step for every preset, greedy against an independent loop, and beam
// search (k = 1 equals greedy; a constructed model where beam beats greedy; length normalisation).
#include "core/formats/error.h"
#include "core/model/decoding.h"
#include "core/model/random_model.h"
#include "core/numeric/softmax.h"

#include <QtTest>

#include <cmath>
#include <limits>

using namespace attnviz;

namespace {

// A seq2seq GRU model whose next-token distribution depends only on the previous token:
// target vocab <pad> <sos> <eos> <unk> t4 t5; dist[prev] gives p(next | prev) over those 6 tokens.
// The decoder GRU has W_hh = 0, z ≈ 0 and n = tanh(10 e_prev), so h_t ≈ e_{y_{t-1}} (one-hot) and
// logits = W_out h_t = log dist[prev] (up to tanh(10) ≈ 1 − 4e-9).
Model controlledModel(const std::vector<std::vector<double>>& dist)
{
    RandomModelOptions o;
    o.hidden = 6;
    o.embedding = 6;
    o.targetVocab = 6;
    o.cell = "gru";
    o.score = "none";
    Model m = randomModel("seq2seq", o, 4);
    RnnWeights& d = m.weights.decoder[0];
    m.weights.decoderEmbedding = 10.0 * Mat::Identity(6, 6);
    d.weight_ih.setZero();
    d.weight_ih.bottomRows(6) = Mat::Identity(6, 6);  // n block
    d.weight_hh.setZero();
    d.bias_ih.setZero();
    d.bias_ih.segment(6, 6).setConstant(-40.0);       // z ≈ 0
    d.bias_hh.setZero();
    m.weights.outBias.setZero();
    for (int prev = 0; prev < 6; ++prev)
        for (int next = 0; next < 6; ++next)
            m.weights.outWeight(next, prev) = std::log(dist[static_cast<std::size_t>(prev)][static_cast<std::size_t>(next)]) / std::tanh(10.0);
    return m;
}

constexpr double tiny = 1e-6;

// Greedy for a transformer: the argmax loop over transformerDecodeSequence, which re-runs the whole prefix
// <sos> y_1 … y_{t−1} at every step without a cache (independent of the cached step the decoder uses).
Tokens manualTransformerGreedy(const Model& m, const Tokens& source, std::vector<double>* probs)
{
    const TransformerConfig c = m.transformerConfig();
    const TransformerEncoding enc = transformerEncode(c, m.weights.transformer, m.source.ids(source));
    std::vector<int> inputs{m.target.sos()};
    Tokens out;
    for (int t = 1; t <= m.config.maxLen; ++t) {
        const TransformerSequenceDecoding d = transformerDecodeSequence(c, m.weights.transformer, enc, inputs);
        const Vec p = softmax(d.logits.row(t - 1).transpose());
        Eigen::Index best;
        p.maxCoeff(&best);
        const int y = static_cast<int>(best);
        probs->push_back(p(best));
        if (y == m.target.eos()) break;
        out.push_back(m.target.token(y));
        inputs.push_back(y);
    }
    return out;
}

// Greedy written out with the public step API (independent of the beam code).
Tokens manualGreedy(const Model& m, const Tokens& source, std::vector<double>* probs)
{
    if (m.isTransformer())
        return manualTransformerGreedy(m, source, probs);
    const Encoding enc = encode(m, m.source.ids(source));
    DecoderState s = initialState(m, enc), next;
    StepWorkspace ws;
    StepResult r;
    Tokens out;
    int y = m.target.sos();
    for (int t = 1; t <= m.config.maxLen; ++t) {
        decoderStep(m, enc, y, s, next, r, ws);
        std::swap(s, next);
        const Vec p = softmax(r.logits);
        Eigen::Index best;
        p.maxCoeff(&best);
        y = static_cast<int>(best);
        probs->push_back(p(best));
        if (y == m.target.eos()) break;
        out.push_back(m.target.token(y));
    }
    return out;
}

} // namespace

class TestDecoding : public QObject {
    Q_OBJECT
private slots:
    void stepInvariants_data();
    void stepInvariants();
    void greedyMatchesManualLoop();
    void beamOneEqualsGreedy();
    void beamBeatsGreedy();
    void lengthNormalisedScore();
    void beamTreeStructure();
    void maxLenStops();
    void float32OverflowIsDecodedInFloat64();
};

void TestDecoding::stepInvariants_data()
{
    QTest::addColumn<QString>("preset");
    QTest::addColumn<QString>("score");
    for (const std::string& p : allPresets())
        QTest::newRow(p.c_str()) << QString::fromStdString(p) << QString();
    for (const std::string& s : allScoreIds())
        QTest::newRow(("luong " + s).c_str()) << QStringLiteral("luong") << QString::fromStdString(s);
}

void TestDecoding::stepInvariants()
{
    QFETCH(QString, preset);
    QFETCH(QString, score);
    RandomModelOptions o;
    o.score = score.toStdString();
    o.maxLen = 12;
    if (preset == QLatin1String("gnmt")) o.layers = 4;
    const Model m = randomModel(preset.toStdString(), o, 21);
    const Tokens src{"s4", "s9", "unknown-word", "s7", "s5"};
    const DecodeResult r = translateTokens(m, src);
    const Trace& t = r.best;
    QCOMPARE(t.sourceTokens, src);
    QCOMPARE(t.encoderStates.rows(), Eigen::Index(5));
    QCOMPARE(t.encoderStates.cols(), Eigen::Index(m.dims.keySize));
    QVERIFY(!t.steps.empty() && static_cast<int>(t.steps.size()) <= 12);
    for (std::size_t i = 0; i < t.steps.size(); ++i) {
        const StepTrace& s = t.steps[i];
        QCOMPARE(s.t, static_cast<int>(i + 1));
        QCOMPARE(static_cast<int>(s.decoderStates.size()), m.config.layers);
        for (const Vec& h : s.decoderStates) QCOMPARE(h.size(), Eigen::Index(m.dims.H));
        QCOMPARE(s.topK.size(), std::size_t(5));
        QCOMPARE(s.topK[0].token, s.token);  // greedy takes the most probable token
        QVERIFY(std::fabs(s.topK[0].prob - *s.prob) < 1e-12);
        for (std::size_t k = 1; k < s.topK.size(); ++k) QVERIFY(s.topK[k].prob <= s.topK[k - 1].prob);
        QCOMPARE(s.attention.has_value(), m.hasAttention());
        if (!s.attention) {
            QCOMPARE(s.query.size(), Eigen::Index(0));
            continue;
        }
        const AttentionResult& a = *s.attention;
        QCOMPARE(s.query.size(), Eigen::Index(m.dims.H));
        QCOMPARE(a.weights.size(), Eigen::Index(5));
        QVERIFY(std::fabs(a.weights.sum() - 1.0) < 1e-12);
        QVERIFY(a.weights.minCoeff() >= 0.0);
        QVERIFY((a.context - a.alignment.colwise().sum().transpose()).cwiseAbs().maxCoeff() < 1e-12);
        QVERIFY((a.context - t.encoderStates.transpose() * a.weights).cwiseAbs().maxCoeff() < 1e-12);
    }
    // the query source of each preset
    const StepTrace& s1 = t.steps[0];
    if (preset == QLatin1String("gnmt"))
        QVERIFY(s1.query.isZero(0.0));  // y¹_0 = 0
    if (preset == QLatin1String("luong") || preset == QLatin1String("seq2seq_attention"))
        QVERIFY((s1.query - s1.decoderStates.back()).cwiseAbs().maxCoeff() == 0.0);  // current top h_t
    if (preset == QLatin1String("gnmt") && t.steps.size() > 1)
        QVERIFY((t.steps[1].query - s1.decoderStates.front()).cwiseAbs().maxCoeff() == 0.0);  // previous bottom
    if (preset == QLatin1String("bahdanau") && t.steps.size() > 1)
        QVERIFY((t.steps[1].query - s1.decoderStates.back()).cwiseAbs().maxCoeff() == 0.0);  // previous s_{i-1}
}

void TestDecoding::greedyMatchesManualLoop()
{
    for (const std::string& preset : allPresets()) {
        RandomModelOptions o;
        o.maxLen = 15;
        if (preset == "gnmt") o.layers = 3;
        const Model m = randomModel(preset, o, 77);
        std::vector<double> probs;
        const Tokens want = manualGreedy(m, {"s6", "s5", "s8"}, &probs);
        DecodeOptions float64;  // compared with decoderStep (float64) at 1e-12
        float64.precision = Precision::Float64;
        const DecodeResult r = translateTokens(m, {"s6", "s5", "s8"}, float64);
        QCOMPARE(r.best.targetTokens, want);
        QCOMPARE(r.best.steps.size(), probs.size());
        for (std::size_t i = 0; i < probs.size(); ++i) QVERIFY(std::fabs(*r.best.steps[i].prob - probs[i]) < 1e-12);
    }
}

void TestDecoding::beamOneEqualsGreedy()
{
    for (int seed = 1; seed <= 6; ++seed) {
        const Model m = randomModel(allPresets()[static_cast<std::size_t>(seed) % allPresets().size()], [] { RandomModelOptions o; o.layers = 0; o.maxLen = 10; return o; }(), seed);
        if (m.architecture == "gnmt") continue;  // default 8 layers: covered by greedyMatchesManualLoop
        DecodeOptions one;
        one.beam = 1;
        const DecodeResult g = translateTokens(m, {"s4", "s5"});
        const DecodeResult b = translateTokens(m, {"s4", "s5"}, one);
        QCOMPARE(b.best.targetTokens, g.best.targetTokens);
        QCOMPARE(traceToJson(b.best), traceToJson(g.best));
    }
}

// p(· | <sos>) = A .6, B .4; p(· | A) = <eos> .4, A .3, B .3; p(· | B) = <eos> .99.
// Greedy: A <eos>, score (ln .6 + ln .4)/2 = −0.714. Beam 2: B <eos>, score (ln .4 + ln .99)/2 = −0.463.
void TestDecoding::beamBeatsGreedy()
{
    const double r = tiny;
    const std::vector<double> uniform(6, 1.0 / 6);
    const Model m = controlledModel({uniform,
                                     {r, r, r, r, 0.6 - 1.5 * r, 0.4 - 1.5 * r},         // after <sos>
                                     uniform, uniform,
                                     {r, r, 0.4 - r, r, 0.3 - r, 0.3 - r},                 // after A
                                     {r, r, 0.99 - 5 * r, r, 0.005, 0.005}});             // after B
    const DecodeResult greedy = translateTokens(m, {"s4"});
    QCOMPARE(greedy.best.targetTokens, (Tokens{"t4"}));
    QVERIFY(std::fabs(greedy.bestScore - (std::log(0.6) + std::log(0.4)) / 2) < 1e-4);
    DecodeOptions o;
    o.beam = 2;
    const DecodeResult beam = translateTokens(m, {"s4"}, o);
    QCOMPARE(beam.best.targetTokens, (Tokens{"t5"}));
    QVERIFY(std::fabs(beam.bestScore - (std::log(0.4) + std::log(0.99)) / 2) < 1e-4);
    QVERIFY(beam.bestScore > greedy.bestScore);
    QCOMPARE(beam.finishedCount, 2);
    QCOMPARE(beam.hypotheses[1].targetTokens, (Tokens{"t4"}));  // greedy's answer is the runner-up
}

// p(<eos> | <sos>) = .5, p(A | <sos>) = .45, p(<eos> | A) = .9.
// Sums: [<eos>] ln .5 = −0.693 beats [A <eos>] ln .405 = −0.904, but per token −0.693 < −0.452.
void TestDecoding::lengthNormalisedScore()
{
    const double r = tiny;
    const std::vector<double> uniform(6, 1.0 / 6);
    const Model m = controlledModel({uniform, {r, r, 0.5, r, 0.45, 0.05 - 4 * r}, uniform, uniform,
                                     {r, r, 0.9, r, 0.05 - 2 * r, 0.05 - 2 * r}, uniform});
    const DecodeResult greedy = translateTokens(m, {"s4"});
    QVERIFY(greedy.best.targetTokens.empty());  // greedy stops at once
    DecodeOptions o;
    o.beam = 2;
    const DecodeResult beam = translateTokens(m, {"s4"}, o);
    QCOMPARE(beam.best.targetTokens, (Tokens{"t4"}));
    QVERIFY(std::fabs(beam.bestScore - std::log(0.45 * 0.9) / 2) < 1e-4);
    QCOMPARE(beam.finishedCount, 2);
    QVERIFY(std::fabs(beam.scores[1] - std::log(0.5)) < 1e-4);
    QCOMPARE(beam.hypotheses[0].steps.size(), std::size_t(2));  // the <eos> step is in the trace
    QCOMPARE(beam.hypotheses[0].steps.back().token, std::string("<eos>"));
}

void TestDecoding::beamTreeStructure()
{
    RandomModelOptions o;
    o.maxLen = 8;
    const Model m = randomModel("bahdanau", o, 5);
    DecodeOptions d;
    d.beam = 3;
    const DecodeResult r = translateTokens(m, {"s4", "s5", "s6"}, d);
    const BeamTree& tree = r.tree;
    QVERIFY(tree.nodes.size() > 1);
    QCOMPARE(tree.nodes[0].parent, -1);
    QCOMPARE(tree.nodes[0].text, std::string("<sos>"));
    std::map<int, int> keptPerStep;
    for (std::size_t i = 1; i < tree.nodes.size(); ++i) {
        const BeamNode& n = tree.nodes[i];
        QCOMPARE(n.id, static_cast<int>(i));
        QVERIFY(n.parent >= 0 && n.parent < n.id);
        const BeamNode& p = tree.nodes[static_cast<std::size_t>(n.parent)];
        QVERIFY(!p.pruned && !p.finished);  // only kept, unfinished hypotheses are extended
        QCOMPARE(n.step, p.step + 1);
        QVERIFY(std::fabs(n.sumLogProb - (p.sumLogProb + n.logProb)) < 1e-12);
        QVERIFY(std::fabs(n.score - n.sumLogProb / n.step) < 1e-12);
        QCOMPARE(n.finished, n.token == m.target.eos());
        if (!n.pruned) ++keptPerStep[n.step];
    }
    for (const auto& [step, kept] : keptPerStep) QVERIFY(kept <= 3);
    // the chosen path runs from the best leaf to the root
    QVERIFY(tree.best > 0);
    int chosen = 0;
    for (const BeamNode& n : tree.nodes) chosen += n.chosen ? 1 : 0;
    QCOMPARE(chosen, static_cast<int>(r.best.steps.size()) + 1);
    QCOMPARE(r.leaves.front(), tree.best);
    QCOMPARE(r.hypotheses.size(), r.scores.size());
    for (std::size_t i = 1; i < static_cast<std::size_t>(r.finishedCount); ++i) QVERIFY(r.scores[i] <= r.scores[i - 1]);
    for (const Trace& h : r.hypotheses)
        for (const StepTrace& s : h.steps) QVERIFY(std::fabs(s.attention->weights.sum() - 1.0) < 1e-12);
}

void TestDecoding::maxLenStops()
{
    const double r = tiny;
    const std::vector<double> loop{r, r, r, r, 1 - 5 * r, r};  // always A, never <eos>
    const Model m = controlledModel({loop, loop, loop, loop, loop, loop});
    DecodeOptions o;
    o.maxLen = 3;
    DecodeResult g = translateTokens(m, {"s4"}, o);
    QCOMPARE(g.best.targetTokens, (Tokens{"t4", "t4", "t4"}));
    QCOMPARE(g.finishedCount, 0);
    o.beam = 2;
    g = translateTokens(m, {"s4"}, o);
    QCOMPARE(g.best.steps.size(), std::size_t(3));  // unfinished hypotheses scored by their length
    QCOMPARE(g.finishedCount, 0);
    QVERIFY(g.hypotheses.size() == 2);
}

// Found by fuzz_model (issue 18): finite weights beyond float32's range made the float32 path's scores infinite
// and a ShapeError escape. Float32 is a speed path: the sentence is decoded again in float64, whose result is the
// model's; an overflow in float64 too is the model's fault, an InputError on the model file's /weights.
void TestDecoding::float32OverflowIsDecodedInFloat64()
{
    RandomModelOptions ro;
    ro.maxLen = 6;
    ro.layers = 2;
    Model m = randomModel("gnmt", ro, 4);  // a zero initial decoder state: inf · 0 in float32
    m.weights.decoder[0].weight_hh *= 1e39;  // above FLT_MAX (3.4e38) in float32, ordinary in float64
    m.inference.reset();
    const Tokens src{"s4", "s9", "s7"};
    DecodeOptions wide;
    wide.precision = Precision::Float64;
    const DecodeResult ref = translateTokens(m, src, wide);
    QVERIFY(!ref.best.steps.empty());
    DecodeOptions fast;  // float32, the default
    QVERIFY(fast.precision == Precision::Float32);
    const DecodeResult r = translateTokens(m, src, fast);
    QCOMPARE(r.best.targetTokens, ref.best.targetTokens);
    for (std::size_t t = 0; t < ref.best.steps.size(); ++t)
        QCOMPARE(r.best.steps[t].attention->scores, ref.best.steps[t].attention->scores);  // float64's, exactly

    // not a number in float64 as well (inf · 0 in the first step's cell, then the query, then the scores): bad
    // input naming the model, not a ShapeError
    m.weights.decoder[0].weight_hh.setConstant(std::numeric_limits<double>::infinity());
    m.inference.reset();
    for (const Precision p : {Precision::Float32, Precision::Float64}) {
        DecodeOptions o;
        o.precision = p;
        try {
            (void)translateTokens(m, src, o);
            QFAIL("expected an InputError");
        } catch (const InputError& e) {
            QCOMPARE(e.where(), std::string("/weights"));  // on the model's file (m.file, "" in memory)
            QVERIFY2(e.detail().find("expected weights whose computations stay finite") == 0, e.detail().c_str());
        }
    }
}

QTEST_GUILESS_MAIN(TestDecoding)
#include "tst_decoding.moc"
