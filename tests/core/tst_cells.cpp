// GRU and LSTM cells (SPEC §3) against hand-computed values, PyTorch's gate order and limiting cases.
#include "core/numeric/cells.h"

#include <QtTest>

#include <cmath>
#include <random>

using namespace attnviz;

namespace {

double sig(double x)
{
    return 1.0 / (1.0 + std::exp(-x));
}

Vec vec(std::initializer_list<double> v)
{
    Vec out(static_cast<Eigen::Index>(v.size()));
    Eigen::Index i = 0;
    for (double x : v) out(i++) = x;
    return out;
}

RnnWeights randomWeights(int G, int H, int I, std::uint64_t seed)
{
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(-1, 1);
    RnnWeights w;
    w.weight_ih = Mat::NullaryExpr(G * H, I, [&]() { return u(rng); });
    w.weight_hh = Mat::NullaryExpr(G * H, H, [&]() { return u(rng); });
    w.bias_ih = Vec::NullaryExpr(G * H, [&]() { return u(rng); });
    w.bias_hh = Vec::NullaryExpr(G * H, [&]() { return u(rng); });
    return w;
}

} // namespace

class TestCells : public QObject {
    Q_OBJECT
private slots:
    void gruScalarByHand();
    void lstmScalarByHand();
    void gruGateOrder();
    void lstmGateOrder();
    void zeroWeights();
    void gruMatchesComponentFormula();
    void lstmMatchesComponentFormula();
    void dispatchAndIds();
};

// H = I = 1: every gate is one number, so the step can be written out by hand.
void TestCells::gruScalarByHand()
{
    RnnWeights w;
    w.weight_ih = vec({0.5, -0.25, 1.0});  // [W_ir; W_iz; W_in]
    w.weight_hh = vec({0.1, 0.2, -0.3});   // [W_hr; W_hz; W_hn]
    w.bias_ih = vec({0.0, 0.1, 0.2});
    w.bias_hh = vec({0.3, 0.0, -0.1});
    const double x = 2.0, h = -0.5;
    // r = σ(0.5·2 + 0 + 0.1·(−0.5) + 0.3) = σ(1.25); z = σ(−0.5 + 0.1 − 0.1 + 0) = σ(−0.5)
    // n = tanh(1·2 + 0.2 + r·(−0.3·(−0.5) − 0.1)) = tanh(2.2 + 0.05 r); h' = (1 − z) n + z h
    const double r = sig(1.25), z = sig(-0.5), n = std::tanh(2.2 + 0.05 * r);
    const double want = (1 - z) * n + z * h;
    Vec out(1);
    CellScratch s;
    gruStep(w, vec({x}), vec({h}), out, s);
    QVERIFY(std::fabs(out(0) - want) < 1e-15);
    QVERIFY(std::fabs(out(0) - 0.4197065834509857) < 1e-12);  // the same formula evaluated independently (Python)
}

void TestCells::lstmScalarByHand()
{
    RnnWeights w;
    w.weight_ih = vec({1.0, -1.0, 0.5, 2.0});  // [i; f; g; o]
    w.weight_hh = vec({0.5, 0.5, -0.5, 0.0});
    w.bias_ih = vec({0.0, 1.0, 0.0, -1.0});
    w.bias_hh = vec({0.0, 0.0, 0.1, 0.0});
    const double x = 1.0, h = 2.0, c = -1.0;
    const double i = sig(1 + 1), f = sig(-1 + 1 + 1), g = std::tanh(0.5 - 1 + 0.1), o = sig(2 - 1);
    const double c2 = f * c + i * g, h2 = o * std::tanh(c2);
    Vec ho(1), co(1);
    CellScratch s;
    lstmStep(w, vec({x}), vec({h}), vec({c}), ho, co, s);
    QVERIFY(std::fabs(co(0) - c2) < 1e-15);
    QVERIFY(std::fabs(ho(0) - h2) < 1e-15);
    QVERIFY(std::fabs(co(0) - (-1.0657165143651357)) < 1e-12);
}

// PyTorch stacks [r; z; n]: a huge bias on the z block must make h' = h, on the r block nothing special.
void TestCells::gruGateOrder()
{
    const int H = 3, I = 2;
    RnnWeights w = randomWeights(3, H, I, 5);
    w.bias_ih.segment(H, H).setConstant(100.0);  // z ≈ 1
    const Vec x = vec({0.3, -0.7}), h = vec({0.9, -0.2, 0.4});
    Vec out(H);
    CellScratch s;
    gruStep(w, x, h, out, s);
    QVERIFY((out - h).cwiseAbs().maxCoeff() < 1e-12);
    // z ≈ 0 and r ≈ 0: h' = tanh(W_in x + b_in + 0)
    w.bias_ih.segment(H, H).setConstant(-100.0);
    w.bias_ih.head(H).setConstant(-100.0);
    gruStep(w, x, h, out, s);
    const Vec want = (w.weight_ih.bottomRows(H) * x + w.bias_ih.tail(H)).array().tanh().matrix();
    QVERIFY((out - want).cwiseAbs().maxCoeff() < 1e-12);
}

// [i; f; g; o]: f ≈ 1, i ≈ 0 keeps c; o ≈ 1 makes h' = tanh(c').
void TestCells::lstmGateOrder()
{
    const int H = 2, I = 3;
    RnnWeights w = randomWeights(4, H, I, 9);
    w.bias_ih.segment(0, H).setConstant(-100.0);     // i ≈ 0
    w.bias_ih.segment(H, H).setConstant(100.0);      // f ≈ 1
    w.bias_ih.segment(3 * H, H).setConstant(100.0);  // o ≈ 1
    const Vec x = vec({1, 2, 3}), h = vec({0.1, 0.2}), c = vec({0.7, -1.5});
    Vec ho(H), co(H);
    CellScratch s;
    lstmStep(w, x, h, c, ho, co, s);
    QVERIFY((co - c).cwiseAbs().maxCoeff() < 1e-12);
    QVERIFY((ho - c.array().tanh().matrix()).cwiseAbs().maxCoeff() < 1e-12);
}

void TestCells::zeroWeights()
{
    const int H = 4, I = 3;
    RnnWeights g{Mat::Zero(3 * H, I), Mat::Zero(3 * H, H), Vec::Zero(3 * H), Vec::Zero(3 * H)};
    RnnWeights l{Mat::Zero(4 * H, I), Mat::Zero(4 * H, H), Vec::Zero(4 * H), Vec::Zero(4 * H)};
    const Vec x = Vec::Constant(I, 3.0), h = vec({1, -2, 0.5, 0}), c = vec({2, 0, -1, 4});
    Vec out(H), co(H);
    CellScratch s;
    gruStep(g, x, h, out, s);  // r = z = 1/2, n = 0: h' = h/2
    QVERIFY((out - 0.5 * h).cwiseAbs().maxCoeff() < 1e-15);
    lstmStep(l, x, h, c, out, co, s);  // i = f = o = 1/2, g = 0: c' = c/2, h' = tanh(c/2)/2
    QVERIFY((co - 0.5 * c).cwiseAbs().maxCoeff() < 1e-15);
    QVERIFY((out - 0.5 * (0.5 * c).array().tanh().matrix()).cwiseAbs().maxCoeff() < 1e-15);
}

// The vectorised step equals the component formula of SPEC §3 at random sizes.
void TestCells::gruMatchesComponentFormula()
{
    std::mt19937 rng(3);
    double worst = 0;
    for (int trial = 0; trial < 20; ++trial) {
        const int H = 1 + static_cast<int>(rng() % 9), I = 1 + static_cast<int>(rng() % 7);
        const RnnWeights w = randomWeights(3, H, I, trial);
        const Vec x = Vec::Random(I), h = Vec::Random(H);
        Vec out(H);
        CellScratch s;
        gruStep(w, x, h, out, s);
        for (int k = 0; k < H; ++k) {
            auto pre = [&](int gate, bool input) {
                const int row = gate * H + k;
                return input ? w.weight_ih.row(row).dot(x) + w.bias_ih(row) : w.weight_hh.row(row).dot(h) + w.bias_hh(row);
            };
            const double r = sig(pre(0, true) + pre(0, false)), z = sig(pre(1, true) + pre(1, false));
            const double n = std::tanh(pre(2, true) + r * pre(2, false));
            worst = std::max(worst, std::fabs(out(k) - ((1 - z) * n + z * h(k))));
        }
    }
    QVERIFY2(worst < 1e-14, QByteArray::number(worst));
}

void TestCells::lstmMatchesComponentFormula()
{
    std::mt19937 rng(4);
    double worst = 0;
    for (int trial = 0; trial < 20; ++trial) {
        const int H = 1 + static_cast<int>(rng() % 9), I = 1 + static_cast<int>(rng() % 7);
        const RnnWeights w = randomWeights(4, H, I, 100 + trial);
        const Vec x = Vec::Random(I), h = Vec::Random(H), c = Vec::Random(H);
        Vec ho(H), co(H);
        CellScratch s;
        lstmStep(w, x, h, c, ho, co, s);
        for (int k = 0; k < H; ++k) {
            auto pre = [&](int gate) {
                const int row = gate * H + k;
                return w.weight_ih.row(row).dot(x) + w.bias_ih(row) + w.weight_hh.row(row).dot(h) + w.bias_hh(row);
            };
            const double c2 = sig(pre(1)) * c(k) + sig(pre(0)) * std::tanh(pre(2));
            worst = std::max({worst, std::fabs(co(k) - c2), std::fabs(ho(k) - sig(pre(3)) * std::tanh(c2))});
        }
    }
    QVERIFY2(worst < 1e-14, QByteArray::number(worst));
}

void TestCells::dispatchAndIds()
{
    QCOMPARE(cellKindFromId("gru").value(), CellKind::Gru);
    QCOMPARE(cellKindFromId("lstm").value(), CellKind::Lstm);
    QVERIFY(!cellKindFromId("rnn"));
    QCOMPARE(gateCount(CellKind::Gru), 3);
    QCOMPARE(gateCount(CellKind::Lstm), 4);
    const RnnWeights w = randomWeights(4, 3, 2, 1);
    const Vec x = vec({0.5, -0.5});
    CellState in = zeroState(CellKind::Lstm, 3), out;
    CellScratch s;
    cellStep(CellKind::Lstm, w, x, in, out, s);
    Vec ho(3), co(3);
    lstmStep(w, x, in.h, in.c, ho, co, s);
    QCOMPARE(out.h, ho);
    QCOMPARE(out.c, co);
    QCOMPARE(zeroState(CellKind::Gru, 5).c.size(), Eigen::Index(0));
}

QTEST_GUILESS_MAIN(TestCells)
#include "tst_cells.moc"
