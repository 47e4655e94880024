// The alignment heatmap: rows fill up to the current step (read back from the colour map's data), the
// current row is marked, a click on a row emits that step, hover text, colour maps, traces without
// attention.
#include "ui/views/heatmap_view.h"

#include <qcustomplot.h>

#include <QSignalSpy>
#include <QtTest>

#include <cmath>
#include <memory>

using namespace attnviz;
using namespace attnviz::ui;

namespace {

// T steps over n source tokens; the weights of step t are a known pattern summing to 1.
std::shared_ptr<const Trace> pattern(int T, int n, bool attention = true)
{
    auto t = std::make_shared<Trace>();
    for (int j = 0; j < n; ++j)
        t->sourceTokens.push_back("s" + std::to_string(j));
    t->encoderStates = Mat::Ones(n, 2);
    for (int i = 0; i < T; ++i) {
        StepTrace st;
        st.t = i + 1;
        st.token = "t" + std::to_string(i);
        if (attention) {
            AttentionResult a;
            a.weights = Vec::Constant(n, 0.5 / n);
            a.weights(i % n) += 0.5;
            a.scores = a.weights;
            a.context = Vec::Zero(2);
            st.attention = a;
        }
        t->steps.push_back(st);
    }
    return t;
}

double expected(int row, int col, int n)
{
    return 0.5 / n + (col == row % n ? 0.5 : 0.0);
}

} // namespace

class TestHeatmapView : public QObject {
    Q_OBJECT
private slots:
    // The note instead of cells: seq2seq's bottleneck only for steps without attention, not for a trace with no
    // steps at all (a translation that failed, or nothing translated yet).
    void noteSaysWhyThereAreNoCells()
    {
        HeatmapView view;
        view.setTrace(pattern(3, 4));
        QVERIFY(view.noteText().isEmpty());
        view.setTrace(pattern(3, 4, false));
        QVERIFY(view.noteText().startsWith(QStringLiteral("No attention (seq2seq)")));
        view.setTrace(pattern(0, 4));
        QCOMPARE(view.noteText(), QStringLiteral("No decoder steps to show."));
        view.setTrace(nullptr);
        QCOMPARE(view.noteText(), QStringLiteral("no trace"));
    }

    void fillsRowsUpToTheStep()
    {
        HeatmapView view;
        const int T = 5, n = 4;
        view.setTrace(pattern(T, n));
        QCOMPARE(view.rows(), T);
        QCOMPARE(view.columns(), n);
        for (int k = 0; k < T; ++k) {
            view.setPosition(StepPosition{k, Stage::Score, 0.3});  // the current row's weights are not computed yet
            QCOMPARE(view.filledRows(), k);
            QVERIFY(std::isnan(view.cellValue(k, 0)));
            view.setPosition(StepPosition{k, Stage::Softmax, 0.3});  // stage 2 computes them
            QCOMPARE(view.filledRows(), k + 1);
            QCOMPARE(view.currentRow(), k);
            for (int r = 0; r < T; ++r)
                for (int c = 0; c < n; ++c) {
                    const double v = view.cellValue(r, c);
                    if (r <= k)
                        QCOMPARE(v, expected(r, c, n));
                    else
                        QVERIFY(std::isnan(v));
                }
        }
        view.setPosition(StepPosition{1, Stage::Prepare, 1.0});  // stepping back empties rows again
        QCOMPARE(view.filledRows(), 1);
        Reveal all;
        all.everything = true;  // View → Show everything
        view.setReveal(all);
        QCOMPARE(view.filledRows(), T);
        view.setReveal(Reveal{});
        QCOMPARE(view.filledRows(), 1);
        // the y-axis names only outputs already produced; the current one is "?" until stage 5
        auto ticks = [&] { return qSharedPointerCast<QCPAxisTickerText>(view.plot()->yAxis->ticker())->ticks(); };
        view.setPosition(StepPosition{2, Stage::Context, 1.0});
        QCOMPARE(ticks().size(), 3);
        QCOMPARE(ticks().value(2), QStringLiteral("?"));
        QVERIFY(ticks().value(1) != QStringLiteral("?"));
        view.setPosition(StepPosition{2, Stage::Feed, 1.0});
        QVERIFY(ticks().value(2) != QStringLiteral("?"));
        QVERIFY(!ticks().contains(3));
        view.setPosition(StepPosition{42, Stage::Feed, 1.0});    // clamped to the last step
        QCOMPARE(view.filledRows(), T);
    }

    void singleCellTrace()
    {
        HeatmapView view;
        view.setTrace(pattern(1, 1));
        view.setPosition(StepPosition{0, Stage::Feed, 1.0});
        QCOMPARE(view.filledRows(), 1);
        QCOMPARE(view.cellValue(0, 0), 1.0);
        QVERIFY(std::isnan(view.cellValue(1, 0)));
        QVERIFY(std::isnan(view.cellValue(0, -1)));
    }

    void clickOnARowEmitsItsStep()
    {
        HeatmapView view;
        view.resize(700, 500);
        view.setTrace(pattern(6, 5));
        view.setPosition(StepPosition{2, Stage::Softmax, 1.0});
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.plot()->replot(QCustomPlot::rpImmediateRefresh);
        QSignalSpy spy(&view, &HeatmapView::stepClicked);
        for (int row = 0; row < 6; ++row) {
            const QPoint p(static_cast<int>(view.plot()->xAxis->coordToPixel(1)), static_cast<int>(view.plot()->yAxis->coordToPixel(row)));
            QCOMPARE(view.stepAt(view.plot()->mapTo(&view, p)), row);
            QTest::mouseClick(view.plot(), Qt::LeftButton, Qt::NoModifier, p);
            QCOMPARE(spy.count(), row + 1);
            QCOMPARE(spy.last().at(0).toInt(), row);
        }
        // Outside the axis rect: no step.
        QTest::mouseClick(view.plot(), Qt::LeftButton, Qt::NoModifier, QPoint(2, 2));
        QCOMPARE(spy.count(), 6);
        QCOMPARE(view.stepAt(QPointF(2, 2)), -1);
        // Hover text of a filled cell, nothing in an unfilled row.
        const QPoint filled(static_cast<int>(view.plot()->xAxis->coordToPixel(2)), static_cast<int>(view.plot()->yAxis->coordToPixel(2)));
        QCOMPARE(view.valueTextAt(view.plot()->mapTo(&view, filled)), QString::fromUtf8("t2 ← s2: 0.6"));
        const QPoint empty(static_cast<int>(view.plot()->xAxis->coordToPixel(2)), static_cast<int>(view.plot()->yAxis->coordToPixel(4)));
        QVERIFY(view.valueTextAt(view.plot()->mapTo(&view, empty)).isEmpty());
    }

    void rowZeroIsOnTop()
    {
        HeatmapView view;
        view.resize(600, 400);
        view.setTrace(pattern(3, 3));
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.plot()->replot(QCustomPlot::rpImmediateRefresh);
        QVERIFY(view.plot()->yAxis->coordToPixel(0) < view.plot()->yAxis->coordToPixel(2));
    }

    void colourMaps()
    {
        HeatmapView view;
        view.setTrace(pattern(3, 3));
        for (ColorMap m : {ColorMap::Viridis, ColorMap::Magma, ColorMap::Blues, ColorMap::Greys, ColorMap::RdBu}) {
            view.setColorMap(m);
            QCOMPARE(view.colorMap(), m);
            // The gradient's ends are the map's ends.
            QCPColorMap* map = qobject_cast<QCPColorMap*>(view.plot()->plottable(0));
            QVERIFY(map);
            QCOMPARE(QColor(map->gradient().color(0.0, QCPRange(0, 1))).name(), colorAt(m, 0.0).name());
            QCOMPARE(QColor(map->gradient().color(1.0, QCPRange(0, 1))).name(), colorAt(m, 1.0).name());
        }
    }

    void withoutAttentionNothingIsFilled()
    {
        HeatmapView view;
        view.setTrace(pattern(4, 3, false));
        view.setPosition(StepPosition{3, Stage::Feed, 1.0});
        QCOMPARE(view.filledRows(), 0);
        view.setTrace(nullptr);
        QCOMPARE(view.rows(), 0);
        QCOMPARE(view.filledRows(), 0);
    }

    void longTitleIsElidedToTheWidth()
    {
        auto t = std::make_shared<Trace>(*pattern(2, 3));
        t->title = "a rather long sentence that the translation dock of 440 pixels cannot show in one line of the plot title";
        HeatmapView view;
        view.resize(440, 400);
        view.setTrace(t);
        QVERIFY(view.fullTitle().endsWith(QString::fromStdString(t->title)));
        QVERIFY(view.shownTitle().endsWith(QChar(0x2026)));  // "…"
        QVERIFY(view.shownTitle().size() < view.fullTitle().size());
        // Wide enough (an export canvas, a wide window): the whole title.
        view.show();  // a hidden widget gets its resize event only when shown
        view.resize(2400, 400);
        QCOMPARE(view.shownTitle(), view.fullTitle());
        view.resize(440, 400);
        QVERIFY(view.shownTitle() != view.fullTitle());
        // A narrow dock (1024 × 700 window) with long row labels: the title fits the plot's column once laid out,
        // instead of overflowing both edges.
        auto wide = std::make_shared<Trace>(*t);
        for (std::string& tok : wide->targetTokens)
            tok = "compraremos";
        for (StepTrace& st : wide->steps)
            st.token = "compraremos";
        view.setTrace(wide);
        view.setPosition(StepPosition{1, Stage::Feed, 1.0});
        view.resize(260, 400);
        view.plot()->replot();  // lays out; the title is fitted to the new column and replotted
        QCoreApplication::processEvents();
        view.plot()->replot();
        const QFont titleFont(view.font().family(), view.font().pointSize() + 1, QFont::Bold);
        const int column = view.plot()->axisRect()->outerRect().width();
        QVERIFY2(QFontMetrics(titleFont).horizontalAdvance(view.shownTitle()) <= column,
                 qPrintable(QStringLiteral("%1 px title in a %2 px column").arg(QFontMetrics(titleFont).horizontalAdvance(view.shownTitle())).arg(column)));
    }
};

QTEST_MAIN(TestHeatmapView)
#include "tst_heatmap_view.moc"
