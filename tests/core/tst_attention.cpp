// The attention step of SPEC §1 and the score functions of §2, against hand-computed values.
#include "core/attention.h"
#include "core/error.h"
#include "core/softmax.h"

#include <QtTest>

#include <cmath>
#include <random>

using namespace attnviz;

class TestAttention : public QObject {
    Q_OBJECT
private slots:
    void textbookExample();
    void softmaxInvariants();
    void softmaxExtremeScores();
};

// SPEC §1 worked example: s = [10, 5, 10]; states [0,1,1], [5,0,1], [1,1,0], [0,5,1].
void TestAttention::textbookExample()
{
    Mat H(4, 3);
    H << 0, 1, 1, 5, 0, 1, 1, 1, 0, 0, 5, 1;
    Vec s(3);
    s << 10, 5, 10;
    const AttentionResult r = attend(ScoreFunction(ScoreKind::Dot), s, H);
    QCOMPARE(r.scores(0), 15.0);
    QCOMPARE(r.scores(1), 60.0);
    QCOMPARE(r.scores(2), 15.0);
    QCOMPARE(r.scores(3), 35.0);
    // a_1 = exp(15-60) / (1 + 2 exp(-45) + exp(-25)) ≈ 2.9e-20; a_4 ≈ exp(-25) ≈ 1.39e-11
    QVERIFY(std::fabs(r.weights(0) - std::exp(-45.0)) < 1e-22);
    QVERIFY(std::fabs(r.weights(3) - std::exp(-25.0)) < 1e-16);
    QVERIFY(std::fabs(r.weights(1) - (1.0 - std::exp(-25.0))) < 1e-15);
    QVERIFY(std::fabs(r.weights.sum() - 1.0) < 1e-12);
    QVERIFY((r.context - Vec::Map(std::vector<double>{5, 0, 1}.data(), 3)).cwiseAbs().maxCoeff() < 1e-9);
    // stage 3: each alignment vector is a_j h_j
    for (int j = 0; j < 4; ++j)
        QVERIFY((r.alignment.row(j) - r.weights(j) * H.row(j)).cwiseAbs().maxCoeff() < 1e-15);
}

void TestAttention::softmaxInvariants()
{
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> size(1, 200);
    std::normal_distribution<double> normal(0.0, 10.0);
    double worst = 0;
    for (int trial = 0; trial < 200; ++trial) {
        Vec e(size(rng));
        for (Eigen::Index i = 0; i < e.size(); ++i)
            e(i) = normal(rng);
        const Vec a = softmax(e);
        QCOMPARE(a.size(), e.size());
        QVERIFY(a.minCoeff() >= 0.0);
        worst = std::max(worst, std::fabs(a.sum() - 1.0));
        const Vec shifted = softmax((e.array() + normal(rng) * 100).matrix());
        QVERIFY((shifted - a).cwiseAbs().maxCoeff() < 1e-12);
    }
    QVERIFY2(worst < 1e-12, qPrintable(QStringLiteral("max |sum - 1| = %1").arg(worst)));
}

void TestAttention::softmaxExtremeScores()
{
    Vec e(4);
    e << 1e4, -1e4, 1e4 - 1, -5e3;
    const Vec a = softmax(e);
    QVERIFY(a.allFinite());
    QVERIFY(std::fabs(a.sum() - 1.0) < 1e-12);
    QVERIFY(std::fabs(a(0) - 1.0 / (1.0 + std::exp(-1.0))) < 1e-12);
}

QTEST_GUILESS_MAIN(TestAttention)
#include "tst_attention.moc"
