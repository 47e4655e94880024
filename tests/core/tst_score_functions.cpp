// The six score functions of SPEC §2 against values computed by hand, and their constraint errors.
#include "core/formats/error.h"
#include "core/numeric/attention.h"
#include "core/numeric/score_functions.h"

#include <QtTest>

#include <cmath>
#include <initializer_list>
#include <random>
#include <string>

using namespace attnviz;

namespace {

Vec vec(std::initializer_list<double> xs)
{
    Vec v(static_cast<Eigen::Index>(xs.size()));
    Eigen::Index i = 0;
    for (double x : xs)
        v(i++) = x;
    return v;
}

Mat mat(std::initializer_list<std::initializer_list<double>> rows)
{
    const auto r = static_cast<Eigen::Index>(rows.size());
    const auto c = static_cast<Eigen::Index>(rows.begin()->size());
    Mat m(r, c);
    Eigen::Index i = 0;
    for (const auto& row : rows) {
        Eigen::Index j = 0;
        for (double x : row)
            m(i, j++) = x;
        ++i;
    }
    return m;
}

// Shared inputs: query s = [1, 2] (dq = 2); states h_1 = [1, 0], h_2 = [0, 1], h_3 = [1, 1] (n = 3, dk = 2).
Vec query() { return vec({1, 2}); }
Mat states() { return mat({{1, 0}, {0, 1}, {1, 1}}); }

constexpr double kTol = 1e-14;  // hand values are exact or given to 16 significant digits

bool near(const Vec& got, const Vec& want, double tol = kTol)
{
    return got.size() == want.size() && (got - want).cwiseAbs().maxCoeff() <= tol;
}

QString show(const Vec& v)
{
    QString s;
    for (Eigen::Index i = 0; i < v.size(); ++i)
        s += QString::number(v(i), 'g', 17) + QLatin1Char(' ');
    return s;
}

// Runs f and returns the ShapeError message ("" when nothing was thrown).
template <typename F>
std::string shapeErrorOf(F f)
{
    try {
        f();
    } catch (const ShapeError& e) {
        return e.what();
    }
    return {};
}

} // namespace

class TestScoreFunctions : public QObject {
    Q_OBJECT
private slots:
    void ids();
    void dot();
    void scaledDot();
    void general();
    void generalRectangular();
    void additive();
    void additiveWithBias();
    void additiveProjectedKeysMatch();
    void cosine();
    void cosineZeroVectors();
    void location();
    void locationWithBias();
    void constraintErrors_data();
    void constraintErrors();
    void missingParameters();
    void attendUsesEveryScore();
};

void TestScoreFunctions::ids()
{
    for (const std::string& id : allScoreIds()) {
        const std::optional<ScoreKind> k = scoreKindFromId(id);
        QVERIFY(k.has_value());
        QCOMPARE(scoreId(*k), id);
    }
    QCOMPARE(allScoreIds().size(), std::size_t{6});
    QVERIFY(scoreKindFromId("concat") == ScoreKind::Additive);  // Luong's name for additive
    QVERIFY(!scoreKindFromId("Dot").has_value());
    QVERIFY(!scoreKindFromId("").has_value());
    QVERIFY(requiredScoreParams(ScoreKind::Additive) == (std::vector<std::string>{"W_q", "W_k", "v"}));
}

void TestScoreFunctions::dot()
{
    // e_j = sᵀh_j: [1,2]·[1,0] = 1, [1,2]·[0,1] = 2, [1,2]·[1,1] = 3
    const Vec e = ScoreFunction(ScoreKind::Dot).scores(query(), states());
    QVERIFY2(near(e, vec({1, 2, 3}), 0.0), qPrintable(show(e)));
}

void TestScoreFunctions::scaledDot()
{
    // e_j = sᵀh_j / √dk with dk = 2: 1/√2 = 0.7071067811865475, 2/√2 = 1.414213562373095, 3/√2 = 2.1213203435596424
    const Vec e = ScoreFunction(ScoreKind::ScaledDot).scores(query(), states());
    QVERIFY2(near(e, vec({0.7071067811865475, 1.414213562373095, 2.1213203435596424})), qPrintable(show(e)));
}

void TestScoreFunctions::general()
{
    // W = [[1, 2], [0, 1]]: sᵀW = [1·1 + 2·0, 1·2 + 2·1] = [1, 4]; e = [1,4]·h_j = 1, 4, 5
    ScoreParams p;
    p.W = mat({{1, 2}, {0, 1}});
    const Vec e = ScoreFunction(ScoreKind::General, p).scores(query(), states());
    QVERIFY2(near(e, vec({1, 4, 5}), 0.0), qPrintable(show(e)));
}

void TestScoreFunctions::generalRectangular()
{
    // dq = 2, dk = 3: W = [[1, 0, 1], [0, 1, 0]] (2 × 3); sᵀW = [1, 2, 1]; h = [1, 0, 2] → 1 + 0 + 2 = 3,
    // h = [0, 3, -1] → 0 + 6 − 1 = 5
    ScoreParams p;
    p.W = mat({{1, 0, 1}, {0, 1, 0}});
    const Vec e = ScoreFunction(ScoreKind::General, p).scores(query(), mat({{1, 0, 2}, {0, 3, -1}}));
    QVERIFY2(near(e, vec({3, 5}), 0.0), qPrintable(show(e)));
}

namespace {
// da = 2: W_q = I (2 × 2), W_k = [[1, 0], [0, −1]] (2 × 2), v = [1, 1].  W_q s = [1, 2].
ScoreParams additiveParams()
{
    ScoreParams p;
    p.W_q = mat({{1, 0}, {0, 1}});
    p.W_k = mat({{1, 0}, {0, -1}});
    p.v = vec({1, 1});
    return p;
}
} // namespace

void TestScoreFunctions::additive()
{
    // h_1 = [1,0]: W_k h = [1, 0];  W_q s + W_k h = [2, 2] → tanh 2 + tanh 2 = 1.9280551601516338
    // h_2 = [0,1]: W_k h = [0, −1]; sum [1, 1] → 2 tanh 1 = 1.5231883119115297
    // h_3 = [1,1]: W_k h = [1, −1]; sum [2, 1] → tanh 2 + tanh 1 = 1.7256217360315818
    const Vec e = ScoreFunction(ScoreKind::Additive, additiveParams()).scores(query(), states());
    QVERIFY2(near(e, vec({1.9280551601516338, 1.5231883119115297, 1.7256217360315818})), qPrintable(show(e)));
}

void TestScoreFunctions::additiveWithBias()
{
    // b = [−1, 0.5]: the sums [2, 2], [1, 1], [2, 1] become [1, 2.5], [0, 1.5], [1, 1.5]
    //   tanh 1 + tanh 2.5 = 1.7482084541071952;  tanh 0 + tanh 1.5 = 0.9051482536448664;
    //   tanh 1 + tanh 1.5 = 1.6667424096006314
    ScoreParams p = additiveParams();
    p.b = vec({-1, 0.5});
    const Vec e = ScoreFunction(ScoreKind::Additive, p).scores(query(), states());
    QVERIFY2(near(e, vec({1.7482084541071952, 0.9051482536448664, 1.6667424096006314})), qPrintable(show(e)));
}

void TestScoreFunctions::additiveProjectedKeysMatch()
{
    // scoresProjected(s, H, projectKeys(H)) is the same computation with K precomputed: random sizes.
    std::mt19937 rng(11);
    std::normal_distribution<double> normal(0.0, 1.0);
    auto fill = [&](Mat m) { for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = normal(rng); return m; };
    for (int trial = 0; trial < 20; ++trial) {
        const Eigen::Index n = 1 + trial % 7, dq = 1 + trial % 4, dk = 2 + trial % 3, da = 1 + trial % 5;
        ScoreParams p;
        p.W_q = fill(Mat(da, dq));
        p.W_k = fill(Mat(da, dk));
        p.v = fill(Mat(da, 1));
        if (trial % 2)
            p.b = fill(Mat(da, 1));
        const ScoreFunction f(ScoreKind::Additive, p);
        const Mat H = fill(Mat(n, dk));
        const Vec s = fill(Mat(dq, 1));
        const Vec direct = f.scores(s, H);
        // the loop form of vᵀ tanh(W_q s + W_k h_j + b)
        for (Eigen::Index j = 0; j < n; ++j) {
            Vec pre = p.W_q * s + p.W_k * H.row(j).transpose();
            if (p.b.size()) pre += p.b;
            QVERIFY(std::fabs(direct(j) - p.v.dot(pre.array().tanh().matrix())) < 1e-12);
        }
        QVERIFY(near(f.scoresProjected(s, H, f.projectKeys(H)), direct, 1e-14));
    }
}

void TestScoreFunctions::cosine()
{
    // ‖s‖ = √5. h_1: 1/√5 = 0.4472135954999579; h_2: 2/√5 = 0.8944271909999159; h_3: 3/(√5·√2) = 0.9486832980505138
    const Vec e = ScoreFunction(ScoreKind::Cosine).scores(query(), states());
    QVERIFY2(near(e, vec({0.4472135954999579, 0.8944271909999159, 0.9486832980505138})), qPrintable(show(e)));
    // scale invariant: 7 s scores the same
    QVERIFY(near(ScoreFunction(ScoreKind::Cosine).scores(7.0 * query(), states()), e));
}

void TestScoreFunctions::cosineZeroVectors()
{
    // A zero encoder state scores 0 (not NaN); a zero query scores 0 everywhere.
    const Mat H = mat({{1, 0}, {0, 0}, {-2, 0}});
    const Vec e = ScoreFunction(ScoreKind::Cosine).scores(query(), H);
    QVERIFY2(near(e, vec({0.4472135954999579, 0, -0.4472135954999579})), qPrintable(show(e)));
    const Vec z = ScoreFunction(ScoreKind::Cosine).scores(vec({0, 0}), H);
    QVERIFY(z.allFinite());
    QVERIFY(near(z, vec({0, 0, 0}), 0.0));
    // and the attention step stays finite: uniform weights over zeros
    const AttentionResult r = attend(ScoreFunction(ScoreKind::Cosine), vec({0, 0}), H);
    QVERIFY(near(r.weights, vec({1.0 / 3, 1.0 / 3, 1.0 / 3})));
}

namespace {
// max_len = 4, dq = 2: W_loc = [[1, 0], [0, 1], [1, 1], [2, −1]]
ScoreParams locationParams()
{
    ScoreParams p;
    p.W_loc = mat({{1, 0}, {0, 1}, {1, 1}, {2, -1}});
    return p;
}
} // namespace

void TestScoreFunctions::location()
{
    // n = 3 uses rows 1..3: W_loc s = [1, 2, 3]; row 4 (2·1 − 2 = 0) is unused
    const ScoreFunction f(ScoreKind::Location, locationParams());
    const Vec e = f.scores(query(), states());
    QVERIFY2(near(e, vec({1, 2, 3}), 0.0), qPrintable(show(e)));
    // depends only on s and position: other states of the same count give the same scores
    QVERIFY(near(f.scores(query(), mat({{9, 9}, {-4, 2}, {0, 0}})), e, 0.0));
    // n = 4 = max_len is allowed: [1, 2, 3, 0]
    QVERIFY(near(f.scores(query(), mat({{0, 0}, {0, 0}, {0, 0}, {0, 0}})), vec({1, 2, 3, 0}), 0.0));
}

void TestScoreFunctions::locationWithBias()
{
    // b_loc = [0.5, −1, 0, 9]: [1 + 0.5, 2 − 1, 3 + 0] = [1.5, 1, 3]
    ScoreParams p = locationParams();
    p.b_loc = vec({0.5, -1, 0, 9});
    const Vec e = ScoreFunction(ScoreKind::Location, p).scores(query(), states());
    QVERIFY2(near(e, vec({1.5, 1, 3}), 0.0), qPrintable(show(e)));
}

void TestScoreFunctions::constraintErrors_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<int>("dq");
    QTest::addColumn<int>("dk");
    QTest::addColumn<int>("n");
    QTest::addColumn<QStringList>("mustMention");
    // Each message names the score function and both dimensions.
    QTest::newRow("dot 2 vs 3") << int(ScoreKind::Dot) << 2 << 3 << 2 << QStringList{"\"dot\"", "dq = 2", "dk = 3"};
    QTest::newRow("scaled_dot 4 vs 3") << int(ScoreKind::ScaledDot) << 4 << 3 << 2 << QStringList{"\"scaled_dot\"", "dq = 4", "dk = 3"};
    QTest::newRow("cosine 1 vs 5") << int(ScoreKind::Cosine) << 1 << 5 << 2 << QStringList{"\"cosine\"", "dq = 1", "dk = 5"};
    QTest::newRow("general W 2x2, dk 3") << int(ScoreKind::General) << 2 << 3 << 2 << QStringList{"\"general\"", "dq = 2", "dk = 3", "2 × 2"};
    QTest::newRow("additive W_q cols") << int(ScoreKind::Additive) << 3 << 2 << 2 << QStringList{"\"additive\"", "dq = 3", "W_q 2 × 2"};
    QTest::newRow("additive W_k cols") << int(ScoreKind::Additive) << 2 << 4 << 2 << QStringList{"\"additive\"", "dk = 4", "W_k 2 × 2"};
    QTest::newRow("location n > max_len") << int(ScoreKind::Location) << 2 << 2 << 5 << QStringList{"\"location\"", "max_len = 4", "n = 5"};
    QTest::newRow("location dq") << int(ScoreKind::Location) << 3 << 2 << 2 << QStringList{"\"location\"", "dq = 3", "W_loc 4 × 2"};
}

void TestScoreFunctions::constraintErrors()
{
    QFETCH(int, kind);
    QFETCH(int, dq);
    QFETCH(int, dk);
    QFETCH(int, n);
    QFETCH(QStringList, mustMention);
    ScoreParams p;
    p.W = mat({{1, 0}, {0, 1}});
    const ScoreParams a = additiveParams();
    p.W_q = a.W_q;
    p.W_k = a.W_k;
    p.v = a.v;
    p.W_loc = locationParams().W_loc;
    const ScoreFunction f(static_cast<ScoreKind>(kind), p);
    const Vec s = Vec::Ones(dq);
    const Mat H = Mat::Ones(n, dk);
    const std::string msg = shapeErrorOf([&] { f.scores(s, H); });
    QVERIFY2(!msg.empty(), "expected a ShapeError");
    for (const QString& m : mustMention)
        QVERIFY2(QString::fromStdString(msg).contains(m), qPrintable(QString::fromStdString(msg) + QStringLiteral(" lacks ") + m));
    // attend() reports the same error instead of computing anything
    QVERIFY(!shapeErrorOf([&] { attend(f, s, H); }).empty());
}

void TestScoreFunctions::missingParameters()
{
    const Vec s = query();
    const Mat H = states();
    QVERIFY(QString::fromStdString(shapeErrorOf([&] { ScoreFunction(ScoreKind::General).scores(s, H); })).contains("W"));
    QVERIFY(QString::fromStdString(shapeErrorOf([&] { ScoreFunction(ScoreKind::Additive).scores(s, H); })).contains("no W_q"));
    QVERIFY(QString::fromStdString(shapeErrorOf([&] { ScoreFunction(ScoreKind::Location).scores(s, H); })).contains("W_loc"));
    ScoreParams p = additiveParams();
    p.b = vec({1, 2, 3});  // da = 2
    QVERIFY(QString::fromStdString(shapeErrorOf([&] { ScoreFunction(ScoreKind::Additive, p).scores(s, H); })).contains("b of size da = 2"));
    p = locationParams();
    p.b_loc = vec({1});
    QVERIFY(QString::fromStdString(shapeErrorOf([&] { ScoreFunction(ScoreKind::Location, p).scores(s, H); })).contains("max_len = 4"));
}

void TestScoreFunctions::attendUsesEveryScore()
{
    // Whatever the score, the step's invariants hold: weights sum to 1, alignment rows are a_j h_j,
    // the context is their sum.
    ScoreParams p = additiveParams();
    p.W = mat({{1, 2}, {0, 1}});
    p.W_loc = locationParams().W_loc;
    for (const std::string& id : allScoreIds()) {
        const ScoreFunction f(*scoreKindFromId(id), p);
        const AttentionResult r = attend(f, query(), states());
        QVERIFY(near(r.scores, f.scores(query(), states()), 0.0));
        QVERIFY2(std::fabs(r.weights.sum() - 1.0) < 1e-12, id.c_str());
        for (Eigen::Index j = 0; j < 3; ++j)
            QVERIFY((r.alignment.row(j) - r.weights(j) * states().row(j)).cwiseAbs().maxCoeff() < 1e-15);
        QVERIFY(near(r.context, states().transpose() * r.weights, 1e-15));
    }
}

QTEST_GUILESS_MAIN(TestScoreFunctions)
#include "tst_score_functions.moc"
