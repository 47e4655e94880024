// The attention step of SPEC §1 and the score functions of §2, against hand-computed values.
#include "core/formats/error.h"
#include "core/numeric/attention.h"
#include "core/numeric/softmax.h"

#include <QtTest>

#include <cmath>
#include <limits>
#include <random>

using namespace attnviz;

class TestAttention : public QObject {
    Q_OBJECT
private slots:
    void textbookExample();
    void softmaxInvariants();
    void softmaxExtremeScores();
    void softmaxExtremeRandom();
    void logSoftmaxMatches();
    void emptyKeysRejected();
    void overflowRejected();
    void maskedScores();
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

// Scores of ±1e4 over random sizes: finite weights that sum to 1 within 1e-12 (SPEC §1).
void TestAttention::softmaxExtremeRandom()
{
    std::mt19937 rng(3);
    std::uniform_int_distribution<int> size(1, 300);
    std::uniform_int_distribution<int> sign(0, 2);
    double worst = 0;
    for (int trial = 0; trial < 100; ++trial) {
        Vec e(size(rng));
        for (Eigen::Index i = 0; i < e.size(); ++i)
            e(i) = sign(rng) == 0 ? -1e4 : (sign(rng) == 1 ? 1e4 : 0.0);
        const Vec a = softmax(e);
        QVERIFY(a.allFinite());
        QVERIFY(a.minCoeff() >= 0.0);
        worst = std::max(worst, std::fabs(a.sum() - 1.0));
    }
    QVERIFY2(worst < 1e-12, qPrintable(QStringLiteral("max |sum - 1| = %1").arg(worst)));
    // a single score is weight 1 whatever its value
    Vec one(1);
    one << -1e4;
    QCOMPARE(softmax(one)(0), 1.0);
    QCOMPARE(softmax(Vec()).size(), Eigen::Index(0));
}

void TestAttention::logSoftmaxMatches()
{
    Vec e(5);
    e << 3, -1, 0.5, 1e4, -1e4;
    const Vec l = logSoftmax(e);
    QVERIFY(l.allFinite());  // log a_j of a vanishing weight is a large negative number, not -inf
    QVERIFY(std::fabs(l(4) - (-2e4 - std::log1p(std::exp(-1e4)))) < 1e-9);
    Vec small(3);
    small << 0.1, 0.2, -0.3;
    QVERIFY((logSoftmax(small).array().exp().matrix() - softmax(small)).cwiseAbs().maxCoeff() < 1e-15);
}

void TestAttention::emptyKeysRejected()
{
    const Mat none(0, 3);
    Vec s(3);
    s << 1, 2, 3;
    QVERIFY_THROWS_EXCEPTION(ShapeError, attend(ScoreFunction(ScoreKind::Dot), s, none));
    QVERIFY_THROWS_EXCEPTION(ShapeError, attendWithScores(Vec(), none));
    QVERIFY_THROWS_EXCEPTION(ShapeError, attendWithScores(Vec::Zero(2), Mat::Zero(3, 3)));  // 2 scores for 3 states
}

void TestAttention::overflowRejected()
{
    // Finite inputs whose dot product overflows: a clear ShapeError, never NaN weights.
    Mat H(2, 2);
    H << 1e200, 1e200, 1, 1;
    Vec s(2);
    s << 1e200, 1e200;
    try {
        attend(ScoreFunction(ScoreKind::Dot), s, H);
        QFAIL("expected a ShapeError");
    } catch (const ShapeError& e) {
        QVERIFY(QString::fromLatin1(e.what()).contains(QLatin1String("encoder state 1")));
    }
}

void TestAttention::maskedScores()
{
    // −inf marks a masked position: weight exactly 0, the rest renormalised.
    Vec e(3);
    e << 0.0, -std::numeric_limits<double>::infinity(), 0.0;
    const AttentionResult r = attendWithScores(e, Mat::Identity(3, 3));
    QCOMPARE(r.weights(1), 0.0);
    QVERIFY(std::fabs(r.weights(0) - 0.5) < 1e-15);
    Vec all(2);
    all << -std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity();
    QVERIFY_THROWS_EXCEPTION(ShapeError, attendWithScores(all, Mat::Identity(2, 2)));
    Vec nan(2);
    nan << 0.0, std::nan("");
    QVERIFY_THROWS_EXCEPTION(ShapeError, attendWithScores(nan, Mat::Identity(2, 2)));
}

QTEST_GUILESS_MAIN(TestAttention)
#include "tst_attention.moc"
