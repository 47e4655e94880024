// The view hub (issue 18): every view of a window follows one object's signals — the trace as shown (head
// selection applied), the position, the hovered source, reveal and colours — instead of the window relaying
// each change to each view. Views attached late get the current state; a view's hover reaches the others; a
// destroyed view is simply no longer called.
#include "ui/shell/view_hub.h"

#include "core/model/heads.h"
#include "ui/graphs/architecture_view.h"
#include "ui/step/step_view.h"
#include "ui/views/context_view.h"
#include "ui/views/heads_view.h"
#include "ui/views/heatmap_view.h"
#include "ui/views/score_table_model.h"

#include "small_transformer.h"

#include <QSignalSpy>
#include <QTest>

using namespace attnviz;
using namespace attnviz::ui;

namespace {

std::shared_ptr<const Trace> transformerTrace(std::uint64_t seed = 5)
{
    return std::make_shared<const Trace>(attnviz_test::smallTransformerTrace({"s4", "s7", "s5", "s9", "s6"}, seed));
}

} // namespace

class TestViewHub : public QObject {
    Q_OBJECT
private slots:
    void viewsFollowTheHub()
    {
        ViewHub hub;
        HeatmapView heatmap;
        StepView step;
        ScoreTableModel table;
        ContextView context;
        HeadsView heads;
        hub.attach(&heatmap);
        hub.attach(&step);
        hub.attach(&table);
        hub.attach(&context);
        hub.attach(&heads);
        const auto trace = transformerTrace();
        hub.setDocument(trace, nullptr);
        QCOMPARE(heatmap.trace(), trace);
        QCOMPARE(step.trace(), trace);
        QCOMPARE(table.encoderCount(), sourceLength(*trace));
        QCOMPARE(heatmap.rows(), static_cast<int>(trace->steps.size()));

        const StepPosition pos{2, Stage::Softmax, 1.0};
        hub.setPosition(pos);
        QCOMPARE(step.position().step, 2);
        QCOMPARE(step.position().stage, Stage::Softmax);
        QCOMPARE(table.step(), 2);
        QCOMPARE(heatmap.currentRow(), 2);

        hub.setColorMap(ColorMap::Magma);
        QCOMPARE(heatmap.colorMap(), ColorMap::Magma);
        QCOMPARE(step.colorMap(), ColorMap::Magma);

        // revealing everything fills every heatmap row; progressive shows rows up to the current step
        hub.setReveal(Reveal{true});
        QCOMPARE(heatmap.filledRows(), static_cast<int>(trace->steps.size()));
        hub.setReveal(Reveal{false});
        QVERIFY(heatmap.filledRows() <= 3);
    }

    void hoverInOneViewOutlinesInAll()
    {
        ViewHub hub;
        HeatmapView heatmap;
        StepView step;
        ScoreTableModel table;
        hub.attach(&heatmap);
        hub.attach(&step);
        hub.attach(&table);
        hub.setDocument(transformerTrace(), nullptr);
        QSignalSpy spy(&hub, &ViewHub::highlightedSourceChanged);
        emit heatmap.sourceHovered(3);
        QCOMPARE(hub.highlightedSource(), 3);
        QCOMPARE(step.highlightedSource(), 3);
        QCOMPARE(table.highlightedSource(), 3);
        QCOMPARE(heatmap.highlightedSource(), 3);
        emit step.sourceHovered(3);  // the same position again: nothing to tell
        QCOMPARE(spy.count(), 1);
        emit step.sourceHovered(-1);
        QCOMPARE(heatmap.highlightedSource(), -1);
        QCOMPARE(spy.count(), 2);
    }

    void aViewAttachedLaterGetsTheCurrentState()
    {
        ViewHub hub;
        const auto trace = transformerTrace();
        hub.setDocument(trace, nullptr);
        hub.setPosition({1, Stage::Context, 1.0});
        hub.setColorMap(ColorMap::Greys);
        hub.setHighlightedSource(2);
        HeatmapView heatmap;
        hub.attach(&heatmap);
        QCOMPARE(heatmap.trace(), trace);
        QCOMPARE(heatmap.currentRow(), 1);
        QCOMPARE(heatmap.colorMap(), ColorMap::Greys);
        QCOMPARE(heatmap.highlightedSource(), 2);
    }

    void headSelectionIsAppliedByCoreAndShownByAll()
    {
        ViewHub hub;
        HeatmapView heatmap;
        HeadsView heads;
        hub.attach(&heatmap);
        hub.attach(&heads);
        const auto trace = transformerTrace();
        hub.setDocument(trace, nullptr);
        QCOMPARE(hub.trace(), trace);  // the default selection: the trace itself
        const HeadShape shape = hub.headShape();
        QCOMPARE(shape.layers, 2);
        QCOMPARE(shape.heads, 2);

        QSignalSpy shown(&hub, &ViewHub::traceChanged);
        HeadSelection one;
        one.layer = 0;
        one.mode = HeadMode::One;
        one.head = 1;
        QVERIFY(hub.setHeadSelection(one));
        QCOMPARE(shown.count(), 1);
        QCOMPARE(heads.selection(), resolved(one, shape));
        // the views show core's selectHeads of the document's trace, not the document's trace
        const Trace expected = selectHeads(*trace, one);
        hub.setReveal(Reveal{true});  // every row filled
        QVERIFY(heatmap.trace() != trace);
        QCOMPARE(heatmap.trace(), hub.trace());
        QCOMPARE(hub.documentTrace(), trace);
        for (std::size_t t = 0; t < expected.steps.size(); ++t)
            for (int j = 0; j < sourceLength(*trace); ++j)
                QCOMPARE(heatmap.cellValue(static_cast<int>(t), j), expected.steps[t].attention->weights(j));
        QVERIFY(!hub.setHeadSelection(one));  // already shown: nothing emitted
        QCOMPARE(shown.count(), 1);

        // another trace of the same shape keeps the selection; a headless one has none to keep
        hub.setDocument(transformerTrace(6), nullptr);
        QCOMPARE(hub.headSelection(), resolved(one, shape));
        QVERIFY(hub.trace() != hub.documentTrace());
        hub.setDocument(nullptr, nullptr);
        QVERIFY(!hub.trace());
        QVERIFY(!hub.setHeadSelection(one));
        QVERIFY(!heatmap.trace());
    }

    void aDestroyedViewIsNoLongerCalled()
    {
        ViewHub hub;
        auto* heatmap = new HeatmapView;
        auto* step = new StepView;
        hub.attach(heatmap);
        hub.attach(step);
        delete heatmap;
        hub.setDocument(transformerTrace(), nullptr);  // would crash if the heatmap were still connected
        hub.setPosition({1, Stage::Score, 0.5});
        QCOMPARE(step->position().step, 1);
        delete step;
        hub.setHighlightedSource(1);
    }
};

QTEST_MAIN(TestViewHub)
#include "tst_view_hub.moc"
