// The training graph (core/train/train_graph.h) computes exactly what the inference engine
// (core/model/encoder_decoder.h, core/model/decoding.h) computes: per-step output distributions under teacher forcing
// on padded batches equal the engine's one-sentence-at-a-time numbers for every preset and score.
#include "core/model/decoding.h"
#include "core/model/encoder_decoder.h"
#include "core/model/random_model.h"
#include "core/numeric/softmax.h"
#include "core/train/output_layer.h"
#include "core/train/tape_ops.h"
#include "core/train/train_graph.h"

#include <QtTest>

#include <random>

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
    void vocabParallelOutput_data();
    void vocabParallelOutput();
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

void TestTrainGraph::vocabParallelOutput_data()
{
    QTest::addColumn<int>("threads");
    QTest::addColumn<bool>("float32");
    QTest::addColumn<double>("tolerance");  // relative to the largest entry
    for (int threads : {1, 2, 3}) {
        QTest::newRow(qPrintable(QString("float64, %1 part(s)").arg(threads))) << threads << false << kSameNumbers;
        QTest::newRow(qPrintable(QString("float32, %1 part(s)").arg(threads))) << threads << true << 1e-5;
    }
}

// outputLayerLoss (the trainer's output layer, split by vocabulary and over batch parts) against
// ad::linearCrossEntropySum in float64 on one tape: the same loss and gradients.
void TestTrainGraph::vocabParallelOutput()
{
    QFETCH(int, threads);
    QFETCH(bool, float32);
    QFETCH(double, tolerance);
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    const Eigen::Index V = 300, I = 12;
    auto random = [&](Eigen::Index r, Eigen::Index c) { return Mat(Mat::NullaryExpr(r, c, [&] { return u(rng); })); };
    const Mat W = random(V, I), b = random(V, 1);
    const std::vector<Eigen::Index> partRows{5, 7};
    std::vector<Mat> xs;
    std::vector<std::vector<int>> targets;
    std::vector<Vec> weights;
    for (Eigen::Index n : partRows) {
        xs.push_back(3.0 * random(n, I));
        std::vector<int> t;
        Vec w(n);
        for (Eigen::Index r = 0; r < n; ++r) {
            t.push_back(static_cast<int>(rng() % V));
            w(r) = r % 4 == 3 ? 0.0 : 1.0;  // some padded rows
        }
        targets.push_back(t);
        weights.push_back(w);
    }
    // Reference: one tape over the rows of both parts stacked.
    Tape tape;
    Mat all(partRows[0] + partRows[1], I);
    all << xs[0], xs[1];
    ParamStore ps{{"W", W}, {"b", b}, {"x", all}};
    std::vector<int> allTargets = targets[0];
    allTargets.insert(allTargets.end(), targets[1].begin(), targets[1].end());
    Vec allWeights(all.rows());
    allWeights << weights[0], weights[1];
    const Var xp = tape.param(ps, "x");
    const Var W_ = tape.param(ps, "W"), b_ = tape.param(ps, "b");
    const Var loss = ad::linearCrossEntropySum(tape, xp, W_, b_, allTargets, allWeights, false);
    tape.backward(loss);

    std::vector<OutputRows> parts;
    for (std::size_t p = 0; p < xs.size(); ++p)
        parts.push_back(OutputRows{&xs[p], &targets[p], &weights[p]});
    std::vector<Mat> dX;
    Mat dW, db;
    Eigen::MatrixXf dWf;
    const double l = outputLayerLoss(parts, W, b, float32, nullptr, threads, dX, dW, dWf, db);
    if (float32) {
        QCOMPARE(dW.size(), Eigen::Index(0));
        dW = dWf.cast<double>();
    }
    auto close = [&](const Mat& a, const Mat& e) { return (a - e).cwiseAbs().maxCoeff() <= tolerance * std::max(1.0, e.cwiseAbs().maxCoeff()); };
    const double expected = tape.value(loss)(0, 0);
    qInfo("loss %.12g vs %.12g", l, expected);
    QVERIFY(std::abs(l - expected) <= tolerance * std::abs(expected));
    QVERIFY(close(dW, tape.grad(W_)));
    QVERIFY(close(db, tape.grad(b_)));
    Mat dAll(all.rows(), I);
    dAll << dX[0], dX[1];
    QVERIFY(close(dAll, tape.grad(xp)));
    QVERIFY(dX[0].row(3).isZero());  // a padded row gets no gradient
    // The same numbers with one thread: the vocabulary blocks and every sum are independent of the threads.
    std::vector<Mat> dX1;
    Mat dW1, db1;
    Eigen::MatrixXf dWf1;
    QCOMPARE(outputLayerLoss(parts, W, b, float32, nullptr, 1, dX1, dW1, dWf1, db1), l);
    QVERIFY(dX1[0] == dX[0] && dX1[1] == dX[1] && db1 == db);
    QVERIFY(float32 ? dWf1 == dWf : dW1 == dW);
}

QTEST_GUILESS_MAIN(TestTrainGraph)
#include "tst_train_graph.moc"
