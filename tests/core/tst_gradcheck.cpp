// Finite-difference checks of the training graph's gradients (core/train/train_graph.h): every parameter tensor
// of every preset, with every score function the preset accepts, on padded batches of tiny models.
#include "core/model/random_model.h"
#include "core/train/train_graph.h"
#include "core/gradcheck.h"

#include <QtTest>

using namespace attnviz;
using attnviz::test::gradCheck;
using attnviz::test::kGradTolerance;

namespace {

// Three pairs of different lengths, so the batch has padded source positions and padded target steps.
std::vector<PairIds> tinyPairs()
{
    return {{{4, 5, 6, 7}, {5, 4}}, {{6, 4}, {4, 6, 7, 5}}, {{7}, {6}}};
}

} // namespace

class TestGradCheck : public QObject {
    Q_OBJECT
private slots:
    void presets_data();
    void presets();
};

void TestGradCheck::presets_data()
{
    QTest::addColumn<QString>("preset");
    QTest::addColumn<QString>("score");
    QTest::addColumn<QString>("cell");
    QTest::addColumn<int>("layers");
    QTest::addColumn<int>("inputFeeding");
    const QStringList all{"dot", "scaled_dot", "general", "additive", "cosine", "location"};
    QTest::newRow("seq2seq lstm") << "seq2seq" << "none" << "lstm" << 1 << -1;
    QTest::newRow("seq2seq gru 2 layers") << "seq2seq" << "none" << "gru" << 2 << -1;
    for (const QString& s : all)
        QTest::newRow(qPrintable("seq2seq_attention " + s)) << "seq2seq_attention" << s << "lstm" << 1 << -1;
    for (const QString& s : {QString("additive"), QString("general"), QString("location")})
        QTest::newRow(qPrintable("bahdanau " + s)) << "bahdanau" << s << "gru" << 1 << -1;
    for (const QString& s : all)
        QTest::newRow(qPrintable("luong " + s)) << "luong" << s << "lstm" << 2 << 1;
    QTest::newRow("luong general no input feeding") << "luong" << "general" << "lstm" << 2 << 0;
    QTest::newRow("luong gru") << "luong" << "general" << "gru" << 2 << 1;
    QTest::newRow("gnmt 3 layers") << "gnmt" << "additive" << "lstm" << 3 << -1;
    QTest::newRow("gnmt 4 layers general") << "gnmt" << "general" << "lstm" << 4 << -1;
}

void TestGradCheck::presets()
{
    QFETCH(QString, preset);
    QFETCH(QString, score);
    QFETCH(QString, cell);
    QFETCH(int, layers);
    QFETCH(int, inputFeeding);
    RandomModelOptions o;
    o.hidden = 3;
    o.embedding = 2;
    o.sourceVocab = 8;
    o.targetVocab = 8;
    o.attentionSize = 2;
    o.maxLen = 6;
    o.layers = layers;
    o.cell = cell.toStdString();
    o.score = score.toStdString();
    o.inputFeeding = inputFeeding;
    o.scale = 0.6;
    Model m = randomModel(preset.toStdString(), o, 5);
    const ParamStore params = paramsFromModel(m);
    const Batch batch = makeBatch(tinyPairs(), 0, 3, SpecialIds{m.target.pad(), m.target.sos(), m.target.eos()});
    QVERIFY(batch.srcMask.sum() < batch.B * batch.n);  // there is padding
    const auto r = gradCheck(params, [&](Tape& t, const ParamStore& p) { return teacherForcedLoss(t, p, m, batch); }, 6, 9);
    QCOMPARE(static_cast<std::size_t>(r.checked) > params.size(), true);
    qInfo("%s: %zu tensors, %d entries, max relative difference %.3g", qPrintable(QTest::currentDataTag()), params.size(),
          r.checked, r.maxRelDiff);
    QVERIFY2(r.maxRelDiff < kGradTolerance, r.worst.c_str());
}

QTEST_GUILESS_MAIN(TestGradCheck)
#include "tst_gradcheck.moc"
