// View maths of the step view without a display: column/cell geometry, hit-testing, the switch from
// numbers to colour strips, easing.
#include "ui/step/step_layout.h"
#include "ui/views/zoom_pan.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <random>

using namespace attnviz::ui;

namespace {

StepLayoutInput input(int n, int dk, int dq, bool attention = true)
{
    StepLayoutInput in;
    in.area = QRectF(0, 0, 1280, 800);
    in.n = n;
    in.dk = dk;
    in.dq = dq;
    in.hasAttention = attention;
    in.lineHeight = 16;
    in.smallLineHeight = 14;
    in.titleLineHeight = 22;
    in.numberWidth = 30;
    in.weightNumberWidth = 36;
    in.tokenWidth = 50;
    in.arithmeticWidth = 140;
    return in;
}

bool inside(const QRectF& outer, const QRectF& r)
{
    return r.left() >= outer.left() - 1e-6 && r.top() >= outer.top() - 1e-6 && r.right() <= outer.right() + 1e-6 && r.bottom() <= outer.bottom() + 1e-6;
}

} // namespace

class TestStepLayout : public QObject {
    Q_OBJECT
private slots:
    // The Architecture and Beam tabs open readable (issue 12): a small scene is fitted whole; a large one is
    // shown at the minimum zoom, centred on the focus, without empty space beyond the scene's edges.
    void readableFirstView()
    {
        const QRectF view(0, 0, 800, 500);
        ViewTransform t = readableTransform(QRectF(0, 0, 400, 200), view, 0.9, QPointF(0, 0));
        QCOMPARE(t.zoom, 1.5);  // fits, capped at maxZoom
        t = readableTransform(QRectF(0, 0, 4000, 600), view, 0.9, QPointF(2000, 300));
        QCOMPARE(t.zoom, 0.9);
        QCOMPARE(t.map(QPointF(2000, 300)).x(), 400.0);  // the focus in the middle
        t = readableTransform(QRectF(0, 0, 4000, 600), view, 0.9, QPointF(0, 300));  // focus at the left edge
        QCOMPARE(t.map(QPointF(0, 0)).x(), 0.0);                                    // no margin left of the scene
        t = readableTransform(QRectF(0, 0, 4000, 600), view, 0.9, QPointF(4000, 300));
        QCOMPARE(t.map(QPointF(4000, 0)).x(), 800.0);                               // nor right of it
        t = readableTransform(QRectF(0, 0, 4000, 300), view, 0.9, QPointF(100, 0));
        QCOMPARE(t.map(QPointF(0, 150)).y() + t.map(QPointF(0, 150)).y(), 500.0);   // short: centred vertically
    }
    void textbookShowsNumbers()
    {
        const StepLayout L = computeStepLayout(input(4, 3, 3));
        QVERIFY(L.numbersInCells);
        QVERIFY(!L.rotatedTokens);
        QVERIFY(L.arithmeticInColumns);  // 140 px of arithmetic fits a 170 px column
        QCOMPARE(static_cast<int>(L.stateRects.size()), 4);
        QVERIFY(L.cellHeight >= 14 && L.cellHeight <= kMaxCellHeight);
        for (std::size_t j = 0; j < 4; ++j) {
            QVERIFY(inside(L.content, L.stateRects[j]));
            QVERIFY(inside(L.content, L.alignRects[j]));
            QCOMPARE(L.stateRects[j].height(), 3 * L.cellHeight);
            if (j > 0)
                QVERIFY(L.stateRects[j].left() >= L.stateRects[j - 1].right());  // in order, no overlap
        }
        QVERIFY(inside(L.content, L.queryRect));
        QVERIFY(inside(L.content, L.contextRect));
        QVERIFY(inside(L.area, L.decoderRect));
        QVERIFY(L.queryRect.left() > L.stateRects.back().right());  // the query stands apart
        QVERIFY(L.legend.top() >= L.content.bottom());
    }

    void degradesToStrips_data()
    {
        QTest::addColumn<int>("n");
        QTest::addColumn<int>("dk");
        QTest::addColumn<bool>("numbers");
        QTest::newRow("textbook 4x3") << 4 << 3 << true;
        QTest::newRow("8 states of 12") << 8 << 12 << true;
        QTest::newRow("d=64 is too tall for numbers") << 8 << 64 << false;
        QTest::newRow("n=50 is too narrow for numbers") << 50 << 3 << false;
        QTest::newRow("n=50 d=256") << 50 << 256 << false;
    }
    void degradesToStrips()
    {
        QFETCH(int, n);
        QFETCH(int, dk);
        QFETCH(bool, numbers);
        const StepLayout L = computeStepLayout(input(n, dk, dk));
        QCOMPARE(L.numbersInCells, numbers);
        // Strips still fit: every column inside the content, one per state.
        QCOMPARE(static_cast<int>(L.stateRects.size()), n);
        for (const QRectF& r : L.stateRects)
            QVERIFY(inside(L.content, r));
        QVERIFY(L.cellHeight > 0);
    }

    void narrowColumnsRotateTokensAndDropNumbers()
    {
        const StepLayout L = computeStepLayout(input(50, 256, 256));
        QVERIFY(L.rotatedTokens);
        QVERIFY(!L.weightNumbers);
        QVERIFY(!L.arithmeticInColumns);
    }

    void hitTestFindsEveryCell_data()
    {
        QTest::addColumn<int>("n");
        QTest::addColumn<int>("dk");
        QTest::newRow("4x3") << 4 << 3;
        QTest::newRow("7x5") << 7 << 5;
        QTest::newRow("50x256 strips") << 50 << 256;
    }
    void hitTestFindsEveryCell()
    {
        QFETCH(int, n);
        QFETCH(int, dk);
        StepLayoutInput in = input(n, dk, dk);
        in.weights.assign(static_cast<std::size_t>(n), 1.0 / n);
        const StepLayout L = computeStepLayout(in);
        for (int j = 0; j < n; j += std::max(1, n / 7)) {
            for (int i = 0; i < dk; i += std::max(1, dk / 9)) {
                const QRectF cell = cellRect(L.stateRects[static_cast<std::size_t>(j)], dk, i);
                QCOMPARE(hitTest(L, cell.center()), (StepHit{StepPart::EncoderCell, j, i}));
                const QRectF acell = cellRect(L.alignRects[static_cast<std::size_t>(j)], dk, i);
                QCOMPARE(hitTest(L, acell.center()), (StepHit{StepPart::AlignCell, j, i}));
            }
            QCOMPARE(hitTest(L, L.scoreRects[static_cast<std::size_t>(j)].center()).part, StepPart::Score);
            QCOMPARE(hitTest(L, L.weightRects[static_cast<std::size_t>(j)].center()).index, j);
        }
        QCOMPARE(hitTest(L, cellRect(L.queryRect, dk, dk - 1).center()), (StepHit{StepPart::QueryCell, -1, dk - 1}));
        QCOMPARE(hitTest(L, cellRect(L.contextRect, dk, 0).center()), (StepHit{StepPart::ContextCell, -1, 0}));
        QCOMPARE(hitTest(L, QPointF(1, 1)).part, StepPart::None);
        QCOMPARE(hitTest(L, L.legend.center()).part, StepPart::None);
    }

    void alignmentNarrowsByWeight()
    {
        StepLayoutInput in = input(4, 3, 3);
        in.weights = {0.0, 1.0, 0.25, 0.75};
        const StepLayout L = computeStepLayout(in);
        QCOMPARE(L.alignRects[1].width(), L.cellWidth);               // a = 1: full width
        QCOMPARE(L.alignRects[0].width(), 0.3 * L.cellWidth);         // a = 0: the narrowest
        QVERIFY(L.alignRects[2].width() < L.alignRects[3].width());
        QCOMPARE(L.alignRects[2].center().x(), L.stateRects[2].center().x());  // centred under its state
    }

    void withoutAttentionThereAreNoScoreBands()
    {
        const StepLayout L = computeStepLayout(input(6, 8, 8, false));
        QCOMPARE(L.weightBand.height(), 0.0);
        QCOMPARE(L.alignBand.height(), 0.0);
        for (const QRectF& r : L.scoreRects)
            QVERIFY(hitTest(L, r.center()).part != StepPart::Score);
        QVERIFY(L.decoderRect.left() > L.queryRect.right());
    }

    void tinyAreaDoesNotBreak()
    {
        StepLayoutInput in = input(10, 20, 20);
        in.area = QRectF(0, 0, 120, 90);
        const StepLayout L = computeStepLayout(in);
        QVERIFY(!L.numbersInCells);
        QVERIFY(L.cellHeight >= 0);
        QCOMPARE(hitTest(L, QPointF(-5, -5)).part, StepPart::None);
        in.n = 0;
        QVERIFY(computeStepLayout(in).stateRects.empty());
    }

    void easing()
    {
        QCOMPARE(easeInOut(0.0), 0.0);
        QCOMPARE(easeInOut(1.0), 1.0);
        QCOMPARE(easeInOut(0.5), 0.5);
        QCOMPARE(easeInOut(-3.0), 0.0);
        QCOMPARE(easeInOut(7.0), 1.0);
        QVERIFY(easeInOut(0.1) < 0.1);  // slow start
        QVERIFY(easeInOut(0.9) > 0.9);  // slow end
        double prev = 0;
        for (int k = 1; k <= 100; ++k) {
            const double e = easeInOut(k / 100.0);
            QVERIFY(e >= prev);
            QVERIFY(e - prev < 0.031);  // no jumps: the steepest slope (3, at ½) × 1/100
            prev = e;
        }
        QCOMPARE(easeInOut(0.3) + easeInOut(0.7), 1.0);  // symmetric
    }

    void staggering()
    {
        const int n = 5;
        QCOMPARE(staggered(0.0, 0, n), 0.0);
        QCOMPARE(staggered(1.0, n - 1, n), 1.0);
        QCOMPARE(staggered(0.0, n - 1, n), 0.0);
        QCOMPARE(staggered(1.0, 0, n), 1.0);
        for (double p = 0; p <= 1.0; p += 0.05)
            for (int j = 1; j < n; ++j)
                QVERIFY(staggered(p, j, n) <= staggered(p, j - 1, n));  // later items never lead
        QCOMPARE(staggered(0.4, 0, 1), 0.4);
        QCOMPARE(lerp(2, 4, 0.25), 2.5);
        QCOMPARE(lerpRect(QRectF(0, 0, 10, 10), QRectF(10, 20, 30, 40), 0.5), QRectF(5, 10, 20, 25));
    }
    // A long sentence's columns are too narrow for every weight: the largest are labelled, never touching.
    void largestLabelsThatFit()
    {
        // columns 16 px apart, labels 30 px wide: a label blocks its neighbours within 30 + gap
        std::vector<double> centers, widths(10, 30.0), priority{0.01, 0.05, 0.60, 0.20, 0.02, 0.0, 0.08, 0.03, 0.01, std::nan("")};
        for (int j = 0; j < 10; ++j) centers.push_back(8 + 16 * j);
        const std::vector<int> got = labelsThatFit(centers, widths, priority, 4, 8);
        // 0.60 at 2 first; 0.20 at 3 touches it; 0.08 at 6 is 64 px away: taken; 0.05 at 1 touches 2; 0.03 at 7
        // touches 6; 0.02 at 4 is 32 px from 2 (< 34) and 6; 0.01 at 0 is 32 px from 2; 0.01 at 8 is 32 px from 6;
        // NaN (9) is never taken.
        QCOMPARE(got, (std::vector<int>{2, 6}));
        // wide apart, all but NaN fit, capped by maxLabels, taken by priority
        for (double& c : centers) c *= 4;
        QCOMPARE(labelsThatFit(centers, widths, priority, 4, 3), (std::vector<int>{2, 3, 6}));
        QCOMPARE(labelsThatFit(centers, widths, priority, 4, 100).size(), std::size_t(9));
        // invariant on random input: chosen labels never come within the gap of each other
        std::mt19937 rng(3);
        std::uniform_real_distribution<double> U(0, 1);
        for (int trial = 0; trial < 200; ++trial) {
            std::vector<double> c, w, p;
            for (int j = 0; j < 40; ++j) { c.push_back(U(rng) * 600); w.push_back(10 + U(rng) * 40); p.push_back(U(rng)); }
            const std::vector<int> t = labelsThatFit(c, w, p, 3, 12);
            QVERIFY(!t.empty() && t.size() <= 12);
            for (std::size_t a = 0; a < t.size(); ++a)
                for (std::size_t b = a + 1; b < t.size(); ++b) {
                    const auto i = static_cast<std::size_t>(t[a]), k = static_cast<std::size_t>(t[b]);
                    QVERIFY(std::fabs(c[i] - c[k]) >= (w[i] + w[k]) / 2 + 3 - 1e-9);
                }
            // the highest priority is always labelled
            const auto top = static_cast<int>(std::max_element(p.begin(), p.end()) - p.begin());
            QVERIFY(std::find(t.begin(), t.end(), top) != t.end());
        }
    }
};

QTEST_GUILESS_MAIN(TestStepLayout)
#include "tst_step_layout.moc"
