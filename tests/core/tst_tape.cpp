// Every tape operation against finite differences, and hand-computed forward values.
#include "core/train/tape_attention.h"
#include "core/train/tape_ops.h"
#include "core/formats/error.h"
#include "core/gradcheck.h"

#include <QtTest>

using namespace attnviz;
using attnviz::test::gradCheck;
using attnviz::test::kGradTolerance;

namespace {

Mat randomMat(Eigen::Index r, Eigen::Index c, std::mt19937& rng)
{
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    Mat m(r, c);
    for (Eigen::Index i = 0; i < m.size(); ++i)
        m.data()[i] = u(rng);
    return m;
}

// loss = Σ R ⊙ y with a fixed random R, so every output entry matters.
Var weightedLoss(Tape& t, Var y, unsigned seed)
{
    std::mt19937 rng(seed);
    const Mat& v = t.value(y);
    return ad::sumAll(t, ad::mul(t, y, t.constant(randomMat(v.rows(), v.cols(), rng))));
}

using Op = std::function<Var(Tape&, const std::vector<Var>&)>;

} // namespace

class TestTape : public QObject {
    Q_OBJECT
private slots:
    void opGradients_data();
    void opGradients();
    void forwardValues();
    void maskedSoftmaxMasks();
    void crossEntropyIgnoresPad();
    void fusedOutputMatchesUnfused();
    void float32ProductsMatchFloat64();
    void shapeErrors();
};

void TestTape::opGradients_data()
{
    QTest::addColumn<QString>("op");
    for (const char* op : {"linear", "linear_nobias", "add", "sub", "mul", "scale", "sigmoid", "tanh", "concat", "slice",
                           "embedding", "select", "stackRows", "crossEntropy", "dotScores", "additiveScores", "cosineScores",
                           "maskedSoftmax", "weightedSum", "linearCrossEntropy"})
        QTest::newRow(op) << QString::fromLatin1(op);
}

void TestTape::opGradients()
{
    QFETCH(QString, op);
    std::mt19937 rng(7);
    const Eigen::Index B = 3, n = 4, d = 5;
    ParamStore p;
    std::vector<std::string> names;
    auto in = [&](Eigen::Index r, Eigen::Index c) {
        names.push_back("x" + std::to_string(names.size()));
        p[names.back()] = randomMat(r, c, rng);
    };
    Mat mask = Mat::Ones(B, n);
    mask(0, 3) = 0.0;
    mask(2, 2) = mask(2, 3) = 0.0;
    Op f;
    const std::string o = op.toStdString();
    if (o == "linear") { in(B, d); in(4, d); in(4, 1); f = [](Tape& t, const std::vector<Var>& v) { return ad::linear(t, v[0], v[1], v[2]); }; }
    if (o == "linear_nobias") { in(B, d); in(4, d); f = [](Tape& t, const std::vector<Var>& v) { return ad::linear(t, v[0], v[1]); }; }
    if (o == "add") { in(B, d); in(B, d); f = [](Tape& t, const std::vector<Var>& v) { return ad::add(t, v[0], v[1]); }; }
    if (o == "sub") { in(B, d); in(B, d); f = [](Tape& t, const std::vector<Var>& v) { return ad::sub(t, v[0], v[1]); }; }
    if (o == "mul") { in(B, d); in(B, d); f = [](Tape& t, const std::vector<Var>& v) { return ad::mul(t, v[0], v[1]); }; }
    if (o == "scale") { in(B, d); f = [](Tape& t, const std::vector<Var>& v) { return ad::scale(t, v[0], -2.5); }; }
    if (o == "sigmoid") { in(B, d); f = [](Tape& t, const std::vector<Var>& v) { return ad::sigmoid(t, v[0]); }; }
    if (o == "tanh") { in(B, d); f = [](Tape& t, const std::vector<Var>& v) { return ad::tanh(t, v[0]); }; }
    if (o == "concat") { in(B, 2); in(B, 3); in(B, 1); f = [](Tape& t, const std::vector<Var>& v) { return ad::concat(t, v); }; }
    if (o == "slice") { in(B, d); f = [](Tape& t, const std::vector<Var>& v) { return ad::slice(t, v[0], 1, 3); }; }
    if (o == "embedding") { in(6, d); f = [](Tape& t, const std::vector<Var>& v) { return ad::embedding(t, v[0], {4, 1, 4}); }; }
    if (o == "select") {
        in(B, d); in(B, d);
        f = [](Tape& t, const std::vector<Var>& v) { return ad::select(t, Eigen::Vector3d(1, 0, 1), v[0], v[1]); };
    }
    if (o == "stackRows") { in(B, d); in(B, d); f = [](Tape& t, const std::vector<Var>& v) { return ad::stackRows(t, v); }; }
    if (o == "crossEntropy") {
        in(B, 6);
        f = [](Tape& t, const std::vector<Var>& v) { return ad::crossEntropySum(t, v[0], {2, 0, 5}, Eigen::Vector3d(1, 0.5, 1)); };
    }
    if (o == "linearCrossEntropy") {  // the fused output layer, float64 path; row 1 has weight 0
        in(B, d); in(6, d); in(6, 1);
        f = [](Tape& t, const std::vector<Var>& v) {
            return ad::linearCrossEntropySum(t, v[0], v[1], v[2], {2, 0, 5}, Eigen::Vector3d(1, 0, 0.5), false);
        };
    }
    if (o == "dotScores") { in(B, d); in(n * B, d); f = [](Tape& t, const std::vector<Var>& v) { return ad::dotScores(t, v[0], v[1]); }; }
    if (o == "additiveScores") {
        in(B, d); in(n * B, d); in(d, 1);
        f = [](Tape& t, const std::vector<Var>& v) { return ad::additiveScores(t, v[0], v[1], v[2]); };
    }
    if (o == "cosineScores") { in(B, d); in(n * B, d); f = [](Tape& t, const std::vector<Var>& v) { return ad::cosineScores(t, v[0], v[1]); }; }
    if (o == "maskedSoftmax") { in(B, n); f = [mask](Tape& t, const std::vector<Var>& v) { return ad::maskedSoftmax(t, v[0], mask); }; }
    if (o == "weightedSum") { in(B, n); in(n * B, d); f = [](Tape& t, const std::vector<Var>& v) { return ad::weightedSum(t, v[0], v[1]); }; }
    QVERIFY(f);
    auto loss = [&](Tape& t, const ParamStore& ps) {
        std::vector<Var> vars;
        for (const std::string& nm : names)
            vars.push_back(t.param(ps, nm));
        Var y = f(t, vars);
        return o == "crossEntropy" || o == "linearCrossEntropy" ? y : weightedLoss(t, y, 11);
    };
    const auto r = gradCheck(p, loss, 1000, 3);
    QVERIFY(r.checked > 0);
    qInfo("%s: max relative difference %.3g over %d entries", o.c_str(), r.maxRelDiff, r.checked);
    QVERIFY2(r.maxRelDiff < kGradTolerance, (o + ": " + r.worst).c_str());
}

void TestTape::forwardValues()
{
    Tape t;
    // SPEC §1 worked example: s = [10, 5, 10], keys [0,1,1], [5,0,1], [1,1,0], [0,5,1] → scores 15, 60, 15, 35
    Mat s(1, 3);
    s << 10, 5, 10;
    Mat K(4, 3);
    K << 0, 1, 1, 5, 0, 1, 1, 1, 0, 0, 5, 1;
    Var q = t.constant(s), k = t.constant(K);
    const Mat& e = t.value(ad::dotScores(t, q, k));
    QCOMPARE(e(0, 0), 15.0);
    QCOMPARE(e(0, 1), 60.0);
    QCOMPARE(e(0, 2), 15.0);
    QCOMPARE(e(0, 3), 35.0);
    Var a = ad::maskedSoftmax(t, t.constant(e), Mat::Ones(1, 4));
    const Mat& c = t.value(ad::weightedSum(t, a, k));
    QVERIFY(std::abs(c(0, 0) - 5.0) < 1e-9 && std::abs(c(0, 1)) < 1e-9 && std::abs(c(0, 2) - 1.0) < 1e-9);
    // linear: [1, 2] · W ᵀ + b with W = [[1, 0], [2, 3]], b = [0.5, −1] → [1.5, 7]
    Mat x(1, 2), W(2, 2), b(2, 1);
    x << 1, 2;
    W << 1, 0, 2, 3;
    b << 0.5, -1;
    const Mat& y = t.value(ad::linear(t, t.constant(x), t.constant(W), t.constant(b)));
    QCOMPARE(y(0, 0), 1.5);
    QCOMPARE(y(0, 1), 7.0);
    // cross-entropy of uniform logits over 4 classes = log 4
    const Mat& ce = t.value(ad::crossEntropySum(t, t.constant(Mat::Zero(1, 4)), {3}, Vec::Ones(1)));
    QVERIFY(std::abs(ce(0, 0) - std::log(4.0)) < 1e-12);
}

void TestTape::maskedSoftmaxMasks()
{
    Tape t;
    Mat e(2, 3);
    e << 1e4, -1e4, 3, 0.5, 0.5, 100;
    Mat mask(2, 3);
    mask << 1, 1, 1, 1, 1, 0;
    const Mat& a = t.value(ad::maskedSoftmax(t, t.constant(e), mask));
    QVERIFY(std::abs(a.row(0).sum() - 1.0) < 1e-12);
    QCOMPARE(a(1, 2), 0.0);                      // masked: weight 0 even with the largest score
    QVERIFY(std::abs(a(1, 0) - 0.5) < 1e-12);
}

void TestTape::crossEntropyIgnoresPad()
{
    Tape t;
    Mat l(2, 3);
    l << 1, 2, 3, 4, -5, 6;
    Var x = t.constant(l);
    Var one = ad::crossEntropySum(t, x, {0, 1}, Eigen::Vector2d(1, 0));
    Var both = ad::crossEntropySum(t, x, {0, 1}, Eigen::Vector2d(1, 1));
    QVERIFY(t.value(both)(0, 0) > t.value(one)(0, 0));
    Tape t2;
    const Mat& only = t2.value(ad::crossEntropySum(t2, t2.constant(l.topRows(1)), {0}, Vec::Ones(1)));
    QVERIFY(std::abs(only(0, 0) - t.value(one)(0, 0)) < 1e-12);
}

// linearCrossEntropySum equals crossEntropySum(linear(…)): exactly in float64, to float32 precision in float32.
void TestTape::fusedOutputMatchesUnfused()
{
    std::mt19937 rng(3);
    const Eigen::Index R = 7, I = 9, V = 11;
    ParamStore p{{"x", randomMat(R, I, rng)}, {"W", randomMat(V, I, rng)}, {"b", randomMat(V, 1, rng)}};
    p["x"] *= 3.0;  // logits of a few units, so the softmax is not flat
    const std::vector<int> targets{3, 0, 10, 7, 7, 1, 0};
    Vec w(R);
    w << 1, 1, 0, 1, 0.5, 1, 0;  // rows 2 and 6 are padding
    auto run = [&](int mode, ParamStore& grads) {  // 0: unfused, 1: fused float64, 2: fused float32
        Tape t;
        Var x = t.param(p, "x"), W = t.param(p, "W"), b = t.param(p, "b");
        Var loss = mode == 0 ? ad::crossEntropySum(t, ad::linear(t, x, W, b), targets, w)
                             : ad::linearCrossEntropySum(t, x, W, b, targets, w, mode == 2);
        t.backward(loss);
        t.accumulateParamGrads(grads);
        return t.value(loss)(0, 0);
    };
    ParamStore g0, g1, g2;
    const double l0 = run(0, g0), l1 = run(1, g1), l2 = run(2, g2);
    QVERIFY(l0 > 1.0);
    QCOMPARE_LE(std::abs(l1 - l0), 1e-12 * l0);
    QCOMPARE_LE(std::abs(l2 - l0), 1e-5 * l0);
    for (const char* name : {"x", "W", "b"}) {
        const double scale = g0[name].cwiseAbs().maxCoeff();
        QVERIFY(scale > 0.1);
        const double d1 = (g1[name] - g0[name]).cwiseAbs().maxCoeff(), d2 = (g2[name] - g0[name]).cwiseAbs().maxCoeff();
        qInfo("%s: float64 fused differs by %.3g, float32 by %.3g (largest gradient %.3g)", name, d1, d2, scale);
        QCOMPARE_LE(d1, 1e-12 * scale);
        QCOMPARE_LE(d2, 1e-5 * scale);
    }
    QCOMPARE(g1["x"].row(2).cwiseAbs().maxCoeff(), 0.0);  // padded rows get no gradient
    QCOMPARE(g2["x"].row(6).cwiseAbs().maxCoeff(), 0.0);
}

// Tape::setFloat32Products (training): linear's value and gradients equal the float64 ones to single
// precision, and the bias gradient (a plain sum) is unchanged.
void TestTape::float32ProductsMatchFloat64()
{
    std::mt19937 rng(11);
    ParamStore ps{{"x", randomMat(7, 20, rng)}, {"W", randomMat(13, 20, rng)}, {"b", randomMat(13, 1, rng)}};
    Mat value[2], dx[2], dW[2], db[2];
    for (int f = 0; f < 2; ++f) {
        Tape t;
        t.setFloat32Products(f == 1);
        const Var x = t.param(ps, "x"), W = t.param(ps, "W"), b = t.param(ps, "b");
        const Var y = ad::linear(t, x, W, b);
        t.backward(weightedLoss(t, y, 3));
        value[f] = t.value(y);
        dx[f] = t.grad(x);
        dW[f] = t.grad(W);
        db[f] = t.grad(b);
    }
    const double kFloat = 1e-5;  // relative to the largest entry
    auto close = [&](const Mat& a, const Mat& e) { return (a - e).cwiseAbs().maxCoeff() <= kFloat * e.cwiseAbs().maxCoeff(); };
    QVERIFY(close(value[1], value[0]));
    QVERIFY(close(dx[1], dx[0]));
    QVERIFY(close(dW[1], dW[0]));
    QVERIFY(db[1] == db[0]);
    QVERIFY(value[1] != value[0]);  // really computed in float
}

void TestTape::shapeErrors()
{
    Tape t;
    Var a = t.constant(Mat::Zero(2, 3)), b = t.constant(Mat::Zero(3, 2));
    QVERIFY_THROWS_EXCEPTION(ShapeError, ad::add(t, a, b));
    QVERIFY_THROWS_EXCEPTION(ShapeError, ad::linear(t, a, b));
    QVERIFY_THROWS_EXCEPTION(ShapeError, ad::slice(t, a, 2, 2));
    QVERIFY_THROWS_EXCEPTION(ShapeError, ad::embedding(t, a, {5}));
    QVERIFY_THROWS_EXCEPTION(ShapeError, t.backward(a));
    Var W = t.constant(Mat::Zero(4, 3)), bias = t.constant(Mat::Zero(4, 1));
    QVERIFY_THROWS_EXCEPTION(ShapeError, ad::linearCrossEntropySum(t, a, b, bias, {0, 1}, Vec::Ones(2), true));
    QVERIFY_THROWS_EXCEPTION(ShapeError, ad::linearCrossEntropySum(t, a, W, bias, {0}, Vec::Ones(1), true));
    QVERIFY_THROWS_EXCEPTION(ShapeError, ad::linearCrossEntropySum(t, a, W, bias, {0, 4}, Vec::Ones(2), true));
}

QTEST_GUILESS_MAIN(TestTape)
#include "tst_tape.moc"
