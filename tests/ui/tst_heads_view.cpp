// The head picker and the Heads view (issues 13 and 16): a transformer's small multiples (one per layer and head,
// plus each layer's mean and max), clicking one makes every view show it, H and Shift+H step through a layer's heads, the
// drag-the-weights what-if is only offered on the default view; precomputed traces holding only weights open with
// the stages their numbers allow.
#include "ui/shell/main_window.h"
#include "ui/graphs/architecture_view.h"

#include "core/model/decoding.h"
#include "core/model/random_model.h"
#include "ui/shell/document.h"
#include "ui/shell/step_controller.h"
#include "ui/step/step_view.h"
#include "ui/views/heads_view.h"
#include "ui/views/heatmap_view.h"
#include "ui/views/score_table_model.h"

#include "small_transformer.h"

#include <QComboBox>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace attnviz;
using namespace attnviz::ui;

namespace {

std::shared_ptr<const Trace> transformerTrace()
{
    return std::make_shared<const Trace>(attnviz_test::smallTransformerTrace({"s4", "s7", "s5", "s9", "s6"}));
}

double maxDiff(const Vec& a, const Vec& b)
{
    return a.size() == b.size() ? (a - b).cwiseAbs().maxCoeff() : 1e300;
}

} // namespace

class TestHeadsView : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void smallMultiplesAndClicks();
    void revealFollowsThePosition();
    void mainWindowShowsThePickedHead();
    void weightsOnlyTraceOpens();

private:
    QTemporaryDir dir_;
    QStringList errors_;
};

void TestHeadsView::initTestCase()
{
    QVERIFY(dir_.isValid());
    qputenv("XDG_CONFIG_HOME", dir_.filePath(QStringLiteral("config")).toUtf8());
    QCoreApplication::setOrganizationName(QStringLiteral("AttnVizTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_heads_view"));
}

void TestHeadsView::smallMultiplesAndClicks()
{
    const auto tr = transformerTrace();
    const HeadShape shape = headShape(*tr);
    HeadsView v;
    v.resize(440, 600);
    v.setTrace(tr);
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    QVERIFY(v.hasKind(HeadMatrices::Cross) && v.hasKind(HeadMatrices::DecoderSelf) && v.hasKind(HeadMatrices::EncoderSelf));
    // one cell per head plus mean and max, in rows of layers, none overlapping, all inside the widget
    for (int l = 0; l < shape.layers; ++l)
        for (int c = 0; c < shape.heads + 2; ++c) {
            const QRectF r = v.cellRect(l, c);
            QVERIFY(r.width() >= 8 && r.height() >= 8);
            QVERIFY(QRectF(v.rect()).contains(r));
            if (c > 0)
                QVERIFY(r.left() > v.cellRect(l, c - 1).right());
            if (l > 0)
                QVERIFY(r.top() > v.cellRect(l - 1, c).bottom());
        }
    QVERIFY(v.focusRect().top() > v.cellRect(shape.layers - 1, 0).bottom());
    QVERIFY(v.focusRect().height() > 100);

    QSignalSpy picked(&v, &HeadsView::selectionChanged);
    QTest::mouseClick(&v, Qt::LeftButton, {}, v.cellRect(0, 1).center().toPoint());
    QCOMPARE(picked.count(), 1);
    const auto sel = picked.takeFirst().at(0).value<HeadSelection>();
    QCOMPARE(sel.layer, 0);
    QCOMPARE(sel.mode, HeadMode::One);
    QCOMPARE(sel.head, 1);
    QTest::mouseClick(&v, Qt::LeftButton, {}, v.cellRect(shape.layers - 1, shape.heads + 1).center().toPoint());
    QCOMPARE(picked.takeFirst().at(0).value<HeadSelection>().mode, HeadMode::Max);
    // The picked cell is outlined in orange; another is not.
    const QImage img = v.grab().toImage();
    const QRectF r = v.cellRect(shape.layers - 1, shape.heads + 1);
    const qreal dpr = img.devicePixelRatio();
    auto orangeAt = [&](QPointF p) {
        const QColor c = img.pixelColor(QPoint(int(p.x() * dpr), int(p.y() * dpr)));
        return c.red() > 200 && c.green() > 80 && c.green() < 140 && c.blue() < 60;
    };
    QVERIFY(orangeAt(QPointF(r.center().x(), r.top() - 1)));
    QVERIFY(!orangeAt(QPointF(v.cellRect(0, 0).center().x(), v.cellRect(0, 0).top() - 1)));
    // Encoder self-attention: every row of the enlarged matrix is shown at once.
    v.setKind(HeadMatrices::EncoderSelf);
    QCOMPARE(v.revealedRows(), static_cast<int>(tr->sourceTokens.size()));
}

void TestHeadsView::revealFollowsThePosition()
{
    const auto tr = transformerTrace();
    HeadsView v;
    v.resize(440, 600);
    v.setTrace(tr);
    StepPosition pos;
    pos.step = 1;
    pos.stage = Stage::Score;
    v.setPosition(pos);
    QCOMPARE(v.revealedRows(), 1);  // step 2's weights come at the softmax stage
    pos.stage = Stage::Softmax;
    v.setPosition(pos);
    QCOMPARE(v.revealedRows(), 2);
    Reveal all;
    all.everything = true;
    v.setReveal(all);
    QCOMPARE(v.revealedRows(), static_cast<int>(tr->steps.size()));
}

void TestHeadsView::mainWindowShowsThePickedHead()
{
    MainWindow w;
    errors_.clear();
    w.setErrorReporter([this](const QString& m) { errors_ << m; });
    w.resize(1280, 800);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    w.controller()->setStageDuration(0);
    QVERIFY(w.document()->openFileNow(QStringLiteral(ATTNVIZ_TESTDATA_DIR "/transformer_tiny.json")));
    w.document()->translate(QStringLiteral("the cat sat on the mat"), 1);
    QTRY_VERIFY_WITH_TIMEOUT(w.document()->trace() && !w.document()->isBusy() && w.controller()->stepCount() > 0, 20000);
    const auto doc = w.document()->trace();
    QCOMPARE(w.shownTrace(), doc);  // the default view is the document's trace itself
    QVERIFY(w.stepView()->isWhatIfEnabled());
    const HeadShape shape = headShape(*doc);
    QCOMPARE(shape.layers, 2);
    QCOMPARE(shape.heads, 2);

    w.setHeadSelection({0, HeadMode::One, 1});
    const auto shown = w.shownTrace();
    QVERIFY(shown != doc);
    for (std::size_t i = 0; i < doc->steps.size(); ++i)
        QCOMPARE(maxDiff(shown->steps[i].attention->weights, doc->steps[i].multiHead->heads[0][1]), 0.0);
    QCOMPARE(w.headsView()->selection().head, 1);
    QVERIFY(!w.stepView()->isWhatIfEnabled());  // an override replaces every head of the last layer: default view only
    // The heatmap shows the picked head: its trace is the shown one.
    QCOMPARE(w.heatmapView()->trace(), shown);
    // The architecture view frames the picked layer and says which head (issue 16); the default is the last layer.
    QVERIFY(w.architectureView()->graph() && w.architectureView()->graph()->transformer());
    QCOMPARE(w.architectureView()->attentionLayer(), 0);
    QCOMPARE(w.architectureView()->attentionHeads(), QStringLiteral("head 2 of 2"));

    // H steps on: mean, max, head 1, head 2 of the layer, then round to the mean; Shift+H back
    w.stepView()->setFocus();
    QTest::keyClick(&w, Qt::Key_H);
    QCOMPARE(w.headSelection().mode, HeadMode::Mean);
    QCOMPARE(w.headSelection().layer, 0);
    QTest::keyClick(&w, Qt::Key_H, Qt::ShiftModifier);
    QCOMPARE(w.headSelection().mode, HeadMode::One);
    QCOMPARE(w.headSelection().head, 1);
    QTest::keyClick(&w, Qt::Key_L);  // next layer, same head
    QCOMPARE(w.headSelection().layer, 1);
    QCOMPARE(w.headSelection().head, 1);
    QTest::keyClick(&w, Qt::Key_L, Qt::ShiftModifier);
    QCOMPARE(w.headSelection().layer, 0);
    // A new translation keeps the pick (same shape).
    w.document()->translate(QStringLiteral("the mat"), 1);
    QTRY_VERIFY_WITH_TIMEOUT(!w.document()->isBusy() && w.document()->trace() != doc, 20000);
    QTRY_VERIFY(w.shownTrace() != w.document()->trace());
    QCOMPARE(maxDiff(w.shownTrace()->steps[0].attention->weights, w.document()->trace()->steps[0].multiHead->heads[0][1]), 0.0);
    w.setHeadSelection({});
    QCOMPARE(w.shownTrace(), w.document()->trace());
    QCOMPARE(w.architectureView()->attentionLayer(), 1);
    QCOMPARE(w.architectureView()->attentionHeads(), QStringLiteral("mean of 2 heads"));
    QVERIFY(w.stepView()->isWhatIfEnabled());
    QVERIFY(errors_.isEmpty());
}

void TestHeadsView::weightsOnlyTraceOpens()
{
    const QString path = dir_.filePath(QStringLiteral("weights_only.json"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({"format": "attnviz-trace", "version": 1, "source_tokens": ["the", "black", "cat"],
      "target_tokens": ["le", "chat", "noir"], "steps": [
        {"t": 1, "token": "le", "weights": [0.9, 0.05, 0.05]},
        {"t": 2, "token": "chat", "weights": [0.1, 0.2, 0.7]},
        {"t": 3, "token": "noir", "weights": [0.05, 0.85, 0.1]}]})");
    f.close();
    MainWindow w;
    errors_.clear();
    w.setErrorReporter([this](const QString& m) { errors_ << m; });
    w.resize(1280, 800);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    w.controller()->setStageDuration(0);
    QVERIFY(w.document()->openFileNow(path));
    QTRY_COMPARE(w.controller()->stepCount(), 3);
    QVERIFY(errors_.isEmpty());
    // prepare → softmax → feed: no scores, alignment or context in the file
    StepController* c = w.controller();
    QVERIFY(c->hasStage(Stage::Softmax));
    QVERIFY(!c->hasStage(Stage::Score) && !c->hasStage(Stage::Align) && !c->hasStage(Stage::Context));
    c->first();
    c->nextStage();
    QCOMPARE(c->position().stage, Stage::Softmax);
    c->nextStage();
    QCOMPARE(c->position().stage, Stage::Feed);
    // the table has a row per source token, the weights in it, no score
    ScoreTableModel* m = w.scoreTable();
    QCOMPARE(m->rowCount(), 3 + 2);  // query, three tokens, context
    c->seek(1 * kStageCount + static_cast<int>(Stage::Feed));
    QCOMPARE(m->data(m->index(3, ScoreTableModel::WeightColumn)).toString(), QStringLiteral("0.7"));
    QVERIFY(m->data(m->index(3, ScoreTableModel::ScoreColumn)).toString().isEmpty());
    QVERIFY(!w.stepView()->grab().isNull());  // draws without the missing numbers
    QVERIFY(errors_.isEmpty());
}

QTEST_MAIN(TestHeadsView)
#include "tst_heads_view.moc"
