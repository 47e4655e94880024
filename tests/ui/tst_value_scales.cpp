// One colour scale per quantity (issue 12): the step view and the context panel colour the query, the
// states and the context through ui/views/value_scales, so the same number has the same colour everywhere.
#include "core/formats/example.h"
#include "ui/step/step_text.h"
#include "ui/views/context_view.h"
#include "ui/views/value_scales.h"

#include <QLabel>
#include <QtTest>

using namespace attnviz;
using namespace attnviz::ui;

class TestValueScales : public QObject {
    Q_OBJECT
private slots:
    void textbookScales()
    {
        const Example ex = loadExample(ATTNVIZ_SAMPLES_DIR "/examples/textbook_dot.json");
        const Trace t = exampleTrace(ex);
        const ValueScales s = valueScales(t, ColorMap::Viridis);
        // encoder space: states [0,1,1] [5,0,1] [1,1,0] [0,5,1] and the context [5,0,1] → 0..5
        QCOMPARE(s.lo, 0.0);
        QCOMPARE(s.hi, 5.0);
        // the query [10, 5, 10] on its own scale: 5 is the light end, 10 the orange end
        QCOMPARE(s.qlo, 5.0);
        QCOMPARE(s.qhi, 10.0);
        QCOMPARE(s.queryColor(10).name(), s.query.name());
        QCOMPARE(s.queryColor(5).name(), s.queryLight.name());
        QCOMPARE(s.encoderColor(0).name(), colorAt(ColorMap::Viridis, 0).name());
        QCOMPARE(s.encoderColor(5).name(), colorAt(ColorMap::Viridis, 1).name());
        QCOMPARE(s.encoderColor(1e9).name(), colorAt(ColorMap::Viridis, 1).name());  // clamped
        // RdBu is diverging: symmetric around 0
        const ValueScales d = valueScales(t, ColorMap::RdBu);
        QCOMPARE(d.lo, -5.0);
        QCOMPARE(d.hi, 5.0);
    }

    // The article's arithmetic at stage 4: the context summed component by component (issue 12, point 8).
    void contextWrittenOut()
    {
        const Example ex = loadExample(ATTNVIZ_SAMPLES_DIR "/examples/textbook_dot.json");
        const Trace t = exampleTrace(ex);
        const AttentionResult& a = *t.steps[0].attention;
        QCOMPARE(contextArithmetic(a), QStringLiteral("[0+5+0+0, 0+0+0+0, 0+1+0+0] = [5, 0, 1]"));
        QVERIFY(stageLegend(t, 0, Stage::Context).endsWith(QStringLiteral("[0+5+0+0, 0+0+0+0, 0+1+0+0] = [5, 0, 1]")));
        // long sums and long vectors elide, keeping the first terms, the last term and the size
        AttentionResult big;
        big.alignment = Mat::Constant(10, 7, 1.0);
        big.context = Vec::Constant(7, 10.0);
        const QString s = contextArithmetic(big);
        QCOMPARE(s, QString::fromUtf8("[1+1+1+1+…+1, 1+1+1+1+…+1, 1+1+1+1+…+1, 1+1+1+1+…+1, … (d = 7)] = [10, 10, 10, 10, …]"));
    }

    void contextPanelUsesTheSameColours()
    {
        const Example ex = loadExample(ATTNVIZ_SAMPLES_DIR "/examples/textbook_dot.json");
        auto t = std::make_shared<const Trace>(exampleTrace(ex));
        ContextView view;
        view.setTrace(t);
        StepPosition pos;
        pos.stage = Stage::Feed;
        view.setPosition(pos);
        const QString html = view.findChild<QLabel*>()->text();
        const ValueScales s = valueScales(*t, ColorMap::Viridis);
        QVERIFY2(html.contains(s.queryColor(10).name()), qPrintable(html));        // query 10: orange, as in the step view
        QVERIFY2(html.contains(s.queryColor(5).name()), qPrintable(html));
        QVERIFY2(html.contains(s.encoderColor(5).name()), qPrintable(html));       // context [5, 0, 1] on the states' scale
        QVERIFY(!html.contains(colorAt(ColorMap::Viridis, 0.5).name()));           // no private mid-scale colours
    }
};

QTEST_MAIN(TestValueScales)
#include "tst_value_scales.moc"
