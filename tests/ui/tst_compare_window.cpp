// Side by side (issue 14): the other model translates the open sentence, the difference map is A − B for the
// steps both have, both follow the main position, a new sentence in A is translated by B too, and a model
// file that does not load is reported.
#include "core/formats/trace.h"
#include "ui/export/compare_export.h"
#include "ui/shell/compare_window.h"
#include "ui/shell/document.h"
#include "ui/views/heatmap_view.h"

#include <QSignalSpy>
#include <QtTest>

using namespace attnviz;
using namespace attnviz::ui;

class TestCompareWindow : public QObject {
    Q_OBJECT
private slots:
    void otherModelTranslatesTheSameSentence();
    void differenceIsAMinusB();
    void badOtherModelIsReported();
};

void TestCompareWindow::otherModelTranslatesTheSameSentence()
{
    Document main;
    main.openFile(QStringLiteral(ATTNVIZ_TESTDATA_DIR "/golden/bahdanau.model.json"));
    QTRY_VERIFY_WITH_TIMEOUT(!main.isBusy() && main.trace() && !main.trace()->steps.empty(), 20000);
    main.translate(QStringLiteral("the black cat sat on the mat"), 1);
    QTRY_VERIFY_WITH_TIMEOUT(!main.isBusy(), 20000);
    CompareWindow w(&main, QStringLiteral(ATTNVIZ_TESTDATA_DIR "/golden/luong_dot.model.json"));
    QTRY_VERIFY_WITH_TIMEOUT(w.other()->trace() && !w.other()->trace()->steps.empty() && !w.other()->isBusy(), 20000);
    QCOMPARE(w.other()->lastSentence(), main.lastSentence());
    QCOMPARE(w.heatmapA()->trace(), main.trace());
    QCOMPARE(w.heatmapB()->trace(), w.other()->trace());
    QVERIFY(w.difference()->rows() > 0);
    StepPosition pos;
    pos.step = 1;
    pos.stage = Stage::Feed;
    w.setPosition(pos);
    QCOMPARE(w.heatmapA()->currentRow(), 1);
    // a new sentence in the main window is translated by B too
    main.translate(QStringLiteral("the cat"), 1);
    QTRY_VERIFY_WITH_TIMEOUT(!main.isBusy() && w.other()->lastSentence() == QStringLiteral("the cat") && !w.other()->isBusy(), 20000);
    QCOMPARE(w.other()->trace()->sourceTokens, main.trace()->sourceTokens);
}

void TestCompareWindow::differenceIsAMinusB()
{
    Trace a, b;
    a.sourceTokens = b.sourceTokens = {"x", "y"};
    for (double wa : {0.25, 0.5, 1.0}) {
        StepTrace s;
        s.token = "t";
        AttentionResult r;
        r.weights = (Vec(2) << wa, 1 - wa).finished();
        s.attention = r;
        a.steps.push_back(s);
    }
    b.steps = {a.steps[2], a.steps[0]};  // two steps only
    const Trace d = weightDifference(a, b);
    QCOMPARE(d.steps.size(), std::size_t(2));
    QCOMPARE(d.steps[0].attention->weights(0), 0.25 - 1.0);
    QCOMPARE(d.steps[1].attention->weights(1), 0.5 - 0.75);
    b.sourceTokens = {"x", "z"};  // other pieces: no difference map
    QVERIFY(weightDifference(a, b).steps.empty());
    b.sourceTokens = a.sourceTokens;
    b.steps[0].attention.reset();  // no attention (seq2seq)
    QVERIFY(weightDifference(a, b).steps.empty());
}

void TestCompareWindow::badOtherModelIsReported()
{
    Document main;
    main.openFile(QStringLiteral(ATTNVIZ_TESTDATA_DIR "/golden/bahdanau.model.json"));
    QTRY_VERIFY_WITH_TIMEOUT(!main.isBusy() && main.trace() && !main.trace()->steps.empty(), 20000);
    CompareWindow w(&main, QStringLiteral("/nonexistent/other.json"));
    QSignalSpy failed(&w, &CompareWindow::failed);
    QTRY_VERIFY_WITH_TIMEOUT(failed.count() == 1, 20000);
    QVERIFY(failed.front().front().toString().contains(QStringLiteral("other.json")));
}

QTEST_MAIN(TestCompareWindow)
#include "tst_compare_window.moc"
