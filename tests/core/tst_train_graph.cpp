// The training graph (core/train_graph.h) computes exactly what the inference engine
// (core/encoder_decoder.h, core/decoding.h) computes: per-step output distributions under teacher forcing
// on padded batches equal the engine's one-sentence-at-a-time numbers for every preset and score.
#include "core/decoding.h"
#include "core/encoder_decoder.h"
#include "core/random_model.h"
#include "core/softmax.h"
#include "core/train_graph.h"

#include <QtTest>

using namespace attnviz;

namespace {

constexpr double kSameNumbers = 1e-12;  // float64 both sides, different summation order

std::vector<PairIds> pairs()
{
    return {{{4, 5, 6, 7, 8}, {5, 4, 9}}, {{6, 4}, {4, 6, 7, 5, 10, 11}}, {{7}, {6}}, {{9, 9, 10}, {8, 8}}};
}

// The engine's distributions for one pair, teacher forced: T = |tgt| + 1 rows of V_t.
std::vector<Vec> engineProbs(const Model& m, const PairIds& p)
{
    Encoding enc = encode(m, p.src);
    DecoderState s = initialState(m, enc), next;
    StepResult r;
    StepWorkspace ws;
    std::vector<Vec> out;
    int prev = m.target.sos();
    for (std::size_t t = 0; t <= p.tgt.size(); ++t) {
        decoderStep(m, enc, prev, s, next, r, ws);
        out.push_back(softmax(r.logits));
        std::swap(s, next);
        if (t < p.tgt.size())
            prev = p.tgt[t];
    }
    return out;
}

} // namespace

class TestTrainGraph : public QObject {
    Q_OBJECT
private slots:
    void sameAsEngine_data();
    void sameAsEngine();
    void paramsRoundTrip();
    void batchLayout();
};

void TestTrainGraph::sameAsEngine_data()
{
    QTest::addColumn<QString>("preset");
    QTest::addColumn<QString>("score");
    QTest::addColumn<QString>("cell");
    QTest::addColumn<int>("layers");
    QTest::newRow("seq2seq") << "seq2seq" << "none" << "lstm" << 2;
    QTest::newRow("seq2seq gru") << "seq2seq" << "none" << "gru" << 1;
    for (const char* s : {"dot", "scaled_dot", "general", "additive", "cosine", "location"})
        QTest::newRow(qPrintable(QString("seq2seq_attention ") + s)) << "seq2seq_attention" << s << "lstm" << 1;
    for (const char* s : {"additive", "general", "location"})
        QTest::newRow(qPrintable(QString("bahdanau ") + s)) << "bahdanau" << s << "gru" << 1;
    for (const char* s : {"dot", "scaled_dot", "general", "additive", "cosine", "location"})
        QTest::newRow(qPrintable(QString("luong ") + s)) << "luong" << s << "lstm" << 2;
    QTest::newRow("gnmt") << "gnmt" << "additive" << "lstm" << 4;
}

void TestTrainGraph::sameAsEngine()
{
    QFETCH(QString, preset);
    QFETCH(QString, score);
    QFETCH(QString, cell);
    QFETCH(int, layers);
    RandomModelOptions o;
    o.hidden = 5;
    o.embedding = 4;
    o.sourceVocab = 12;
    o.targetVocab = 13;
    o.maxLen = 8;
    o.layers = layers;
    o.score = score.toStdString();
    o.cell = cell.toStdString();
    Model m = randomModel(preset.toStdString(), o, 21);
    const ParamStore params = paramsFromModel(m);
    const std::vector<PairIds> ps = pairs();
    const SpecialIds ids{m.target.pad(), m.target.sos(), m.target.eos()};
    const Batch batch = makeBatch(ps, 0, ps.size(), ids);
    const std::vector<Mat> probs = teacherForcedProbs(params, m, batch);
    QCOMPARE(static_cast<int>(probs.size()), batch.T);
    double maxDiff = 0.0;
    for (std::size_t b = 0; b < ps.size(); ++b) {
        const std::vector<Vec> ref = engineProbs(m, ps[b]);
        for (std::size_t t = 0; t < ref.size(); ++t)
            maxDiff = std::max(maxDiff, (probs[t].row(static_cast<Eigen::Index>(b)).transpose() - ref[t]).cwiseAbs().maxCoeff());
    }
    qInfo("max |p_graph − p_engine| = %.3g", maxDiff);
    QVERIFY2(maxDiff < kSameNumbers, qPrintable(QString::number(maxDiff)));

    // Batched greedy decoding gives the engine's greedy output for every sentence.
    const auto greedy = greedyDecode(params, m, batch, ids);
    for (std::size_t b = 0; b < ps.size(); ++b) {
        Tokens src;
        for (int id : ps[b].src)
            src.push_back(m.source.token(id));
        const DecodeResult r = translateTokens(m, src);
        Tokens mine;
        for (int id : greedy[b])
            mine.push_back(m.target.token(id));
        QCOMPARE(mine, r.best.targetTokens);
    }
}

void TestTrainGraph::paramsRoundTrip()
{
    Model m = randomModel("luong", RandomModelOptions{}, 3);
    ParamStore p = paramsFromModel(m);
    QVERIFY(p.count("combine.weight") && p.count("decoder.l1.bias_hh"));
    QCOMPARE(p.at("out.bias").cols(), Eigen::Index(1));
    p.at("out.bias")(2, 0) = 42.0;
    paramsIntoModel(p, m);
    QCOMPARE(m.weights.outBias(2), 42.0);
    ParamStore fresh = initParams(m, 9), again = initParams(m, 9);
    QCOMPARE(fresh.size(), p.size());
    QVERIFY(fresh.at("decoder.embedding") == again.at("decoder.embedding"));
    QVERIFY(fresh.at("decoder.embedding") != initParams(m, 10).at("decoder.embedding"));
    p.at("out.bias") = Mat::Zero(3, 1);
    QVERIFY_THROWS_EXCEPTION(ShapeError, paramsIntoModel(p, m));
}

void TestTrainGraph::batchLayout()
{
    const Batch b = makeBatch(pairs(), 1, 2, SpecialIds{0, 1, 2});
    QCOMPARE(b.B, 2);
    QCOMPARE(b.n, 2);
    QCOMPARE(b.T, 7);  // 6 target tokens + <eos>
    QCOMPARE(b.src[1][1], 0);            // pair {7} padded
    QCOMPARE(b.srcMask(1, 1), 0.0);
    QCOMPARE(b.tgtIn[0][0], 1);          // <sos>
    QCOMPARE(b.tgtOut[1][1], 2);         // <eos> after the one-token target
    QCOMPARE(b.tgtMask[2](1), 0.0);      // padded step
    QCOMPARE(b.targetTokens, 7LL + 2LL);
}

QTEST_GUILESS_MAIN(TestTrainGraph)
#include "tst_train_graph.moc"
