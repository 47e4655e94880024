// MainWindow: opens on the textbook example; stepping, shortcuts and scrubbing move every view;
// the score picker recomputes or refuses with a message; table edits recompute; a bad file is
// reported and the previous document stays open.
#include "ui/shell/main_window.h"

#include "core/formats/trace.h"
#include "core/model/decoding.h"
#include "core/model/model.h"
#include "ui/shell/document.h"
#include "ui/shell/step_controller.h"
#include "ui/shell/transport_bar.h"
#include "ui/step/step_view.h"
#include "ui/train/train_panel.h"
#include "ui/views/context_view.h"
#include "ui/views/heatmap_view.h"
#include "ui/views/score_table_model.h"

#include <QAction>
#include <QMenu>
#include <QComboBox>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QSignalSpy>
#include <QSlider>
#include <QStandardItemModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace attnviz::ui;

namespace {

// Two decoder steps over the textbook states: step 2 queries [0, 0, 1].
const char* kTwoSteps = R"({"format": "attnviz-example", "version": 1, "title": "Two steps",
  "source_tokens": ["I", "am", "a", "student"], "target_tokens": ["je", "suis"],
  "encoder_states": [[0, 1, 1], [5, 0, 1], [1, 1, 0], [0, 5, 1]],
  "decoder_states": [[10, 5, 10], [0, 0, 1]], "score": "dot"})";

QString cell(const ScoreTableModel* m, int row, int col)
{
    return m->data(m->index(row, col)).toString();
}

} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void opensOnTheTextbookExample();
    void steppingMovesEveryView();
    void shortcutsCallTheController();
    void scrubbingTheTimeline();
    void scorePickerRecomputes();
    void scorePickerRefusesWhatTheExampleLacks();
    void editingTheTableRecomputes();
    void badFileIsReportedAndThePreviousStays();
    void exportsWhatIsOpen();
    void exportsArchitectureAndBeamTree();
    void samplesMenuOpensTheEnglishSpanishModels();
    void draggingAWeightBarOverridesTheStep();
    void hoveringASourceTokenOutlinesItEverywhere();
    void autoplaysTheFirstStepOnce();
    void openingATimelineOpensTheTrainPanel();

private:
    void openTwoSteps(MainWindow& w);
    QTemporaryDir dir_;
    QStringList errors_;
};

// File → Samples lists the shipped models (samples/models/*.cbor); choosing one opens it translating its
// first example sentence.
void TestMainWindow::samplesMenuOpensTheEnglishSpanishModels()
{
    MainWindow w;
    w.controller()->setStageDuration(0);
    w.setSamplesDir(QStringLiteral(ATTNVIZ_SAMPLES_DIR));
    QMenu* samples = nullptr;
    for (QMenu* m : w.findChildren<QMenu*>())
        if (m->title() == QStringLiteral("&Samples"))
            samples = m;
    QVERIFY(samples);
    emit samples->aboutToShow();
    QStringList names;
    for (QAction* a : samples->actions())
        names << a->text();
    for (const char* model : {"en_es_seq2seq", "en_es_seq2seq_attention", "en_es_bahdanau", "en_es_luong", "en_es_gnmt"})
        QVERIFY2(names.contains(QString::fromLatin1(model)), qPrintable(names.join(QStringLiteral(", "))));
    for (QAction* a : samples->actions())
        if (a->text() == QStringLiteral("en_es_bahdanau"))
            a->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(w.document()->kind(), Document::Kind::Model, 20000);
    // the window opens on the model's first example, decoded as the engine decodes it (pieces + <eos>)
    const attnviz::Model bahdanau = attnviz::loadModel(ATTNVIZ_SAMPLES_DIR "/models/en_es_bahdanau.cbor");
    QVERIFY(!bahdanau.examples.empty());
    const int steps = static_cast<int>(attnviz::translate(bahdanau, bahdanau.examples.front()).best.steps.size());
    QVERIFY(steps >= 5);
    QTRY_COMPARE_WITH_TIMEOUT(w.controller()->stepCount(), steps, 20000);
    QVERIFY(w.windowTitle().contains(QStringLiteral("en_es_bahdanau")));
}

// A training timeline (issue 15) opens in the Train panel, from File → Open (openFile) or File → Samples.
void TestMainWindow::openingATimelineOpensTheTrainPanel()
{
    const QString path = QStringLiteral(ATTNVIZ_SAMPLES_DIR "/timelines/dates_bahdanau.timeline.cbor");
    QVERIFY2(QFile::exists(path), "samples/timelines/dates_bahdanau.timeline.cbor is checked in: a missing fixture fails");
    MainWindow w;
    w.controller()->setStageDuration(0);
    w.setSamplesDir(QStringLiteral(ATTNVIZ_SAMPLES_DIR));
    QVERIFY(MainWindow::isTimelineFile(path));
    QVERIFY(!MainWindow::isTimelineFile(QStringLiteral(ATTNVIZ_SAMPLES_DIR "/models/en_es_bahdanau.cbor")));
    QVERIFY(!w.trainPanel());
    w.openFile(path);
    QVERIFY(w.trainPanel());
    QVERIFY(w.trainPanel()->isVisible());
    QCOMPARE(w.trainPanel()->state(), TrainPanel::State::Review);
    QVERIFY(w.trainPanel()->snapshotSlider()->maximum() > 0);
    QVERIFY(w.document()->trace() && !w.document()->trace()->steps.empty());
    QCOMPARE(w.heatmapView()->trace(), w.document()->trace());
    QVERIFY(!w.document()->isBusy());  // the Document did not try (and fail) to open it

    // File → Samples lists the shipped timelines in a section of their own
    QMenu* samples = nullptr;
    for (QMenu* m : w.findChildren<QMenu*>())
        if (m->title() == QStringLiteral("&Samples"))
            samples = m;
    QVERIFY(samples);
    emit samples->aboutToShow();
    QStringList names;
    for (QAction* a : samples->actions())
        names << a->text();
    QVERIFY2(names.contains(QStringLiteral("Training timelines")), qPrintable(names.join(QStringLiteral(", "))));
    QVERIFY2(names.contains(QStringLiteral("dates_bahdanau (timeline)")), qPrintable(names.join(QStringLiteral(", "))));
}

void TestMainWindow::initTestCase()
{
    QVERIFY(dir_.isValid());
    // Keep the user's settings out of it.
    qputenv("XDG_CONFIG_HOME", dir_.filePath(QStringLiteral("config")).toUtf8());
    QCoreApplication::setOrganizationName(QStringLiteral("AttnVizTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_main_window"));
    QFile f(dir_.filePath(QStringLiteral("two.json")));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(kTwoSteps);
}

void TestMainWindow::openTwoSteps(MainWindow& w)
{
    w.controller()->setStageDuration(0);
    w.openFile(dir_.filePath(QStringLiteral("two.json")));
    QTRY_COMPARE(w.controller()->stepCount(), 2);
}

void TestMainWindow::opensOnTheTextbookExample()
{
    MainWindow w;
    w.openBuiltInExample();
    QCOMPARE(w.document()->kind(), Document::Kind::Example);
    QCOMPARE(w.controller()->stepCount(), 1);
    QCOMPARE(w.scoreTable()->rowCount(), 6);
    // progressive reveal: at stage 0 nothing is computed yet — no scores, no context, no output
    QCOMPARE(w.controller()->position().index(), 0);
    QCOMPARE(cell(w.scoreTable(), w.scoreTable()->encoderRow(1), ScoreTableModel::ScoreColumn), QString());
    QCOMPARE(cell(w.scoreTable(), w.scoreTable()->contextRow(), ScoreTableModel::AlignmentColumn), QString());
    QCOMPARE(w.heatmapView()->filledRows(), 0);
    QVERIFY(!w.contextView()->plainText().contains(QStringLiteral("je")));
    w.controller()->nextStage();  // stage 1: the scores
    QCOMPARE(cell(w.scoreTable(), w.scoreTable()->encoderRow(1), ScoreTableModel::ScoreColumn), QStringLiteral("60"));
    QCOMPARE(cell(w.scoreTable(), w.scoreTable()->encoderRow(1), ScoreTableModel::WeightColumn), QString());
    w.controller()->last();  // stage 5: everything
    QCOMPARE(cell(w.scoreTable(), w.scoreTable()->contextRow(), ScoreTableModel::AlignmentColumn), QStringLiteral("[5, 0, 1]"));
    QCOMPARE(w.heatmapView()->filledRows(), 1);
    QVERIFY(w.contextView()->plainText().contains(QStringLiteral("je")));
    QVERIFY(w.contextView()->plainText().contains(QStringLiteral("context")));
    QCOMPARE(w.scorePicker()->currentText(), QStringLiteral("dot"));
    // score functions the example cannot use are greyed out with the reason (no W for general, …)
    auto* items = qobject_cast<QStandardItemModel*>(w.scorePicker()->model());
    QVERIFY(items);
    QVERIFY(!items->item(w.scorePicker()->findData(QStringLiteral("additive")))->isEnabled());
    QVERIFY(!items->item(w.scorePicker()->findData(QStringLiteral("additive")))->toolTip().isEmpty());
    QVERIFY(items->item(w.scorePicker()->findData(QStringLiteral("cosine")))->isEnabled());
    QVERIFY(w.windowTitle().contains(QStringLiteral("textbook")));
}

void TestMainWindow::steppingMovesEveryView()
{
    MainWindow w;
    w.openBuiltInExample();
    openTwoSteps(w);
    QCOMPARE(w.controller()->position().index(), 0);  // a new document starts at the beginning
    QCOMPARE(w.scoreTable()->step(), 0);
    QCOMPARE(w.heatmapView()->rows(), 2);
    QCOMPARE(w.heatmapView()->currentRow(), 0);
    QCOMPARE(w.heatmapView()->filledRows(), 0);  // stage 0: the current row's weights come at stage 2
    QCOMPARE(w.stepView()->position().index(), 0);
    w.controller()->nextStep();
    QCOMPARE(w.controller()->position().step, 1);
    QCOMPARE(w.scoreTable()->step(), 1);
    QCOMPARE(w.contextView()->step(), 1);
    QCOMPARE(w.heatmapView()->currentRow(), 1);
    QCOMPARE(w.heatmapView()->filledRows(), w.controller()->position().stage >= Stage::Softmax ? 2 : 1);
    QCOMPARE(w.stepView()->position().step, 1);
    QCOMPARE(w.stepView()->position().progress, 1.0);
    QCOMPARE(cell(w.scoreTable(), w.scoreTable()->queryRow(), ScoreTableModel::StateColumn), QStringLiteral("[0, 0, 1]"));
    QVERIFY(!w.contextView()->plainText().contains(QStringLiteral("suis")));  // the output comes at stage 5
    w.controller()->seek(w.controller()->position().step * kStageCount + 5);
    QVERIFY(w.contextView()->plainText().contains(QStringLiteral("suis")));
    w.controller()->seek(w.controller()->position().step * kStageCount);
    w.controller()->previousStage();  // step 0, feed
    QCOMPARE(w.scoreTable()->step(), 0);
    QCOMPARE(w.transportBar()->timeline()->value(), 5);
}

void TestMainWindow::shortcutsCallTheController()
{
    MainWindow w;
    w.openBuiltInExample();
    openTwoSteps(w);
    w.show();
    QVERIFY(QTest::qWaitForWindowActive(&w));
    w.scoreTableView()->clearFocus();
    QTest::keyClick(&w, Qt::Key_Right);
    QCOMPARE(w.controller()->position().index(), 1);
    QTest::keyClick(&w, Qt::Key_Down);
    QCOMPARE(w.controller()->position().index(), 7);
    QTest::keyClick(&w, Qt::Key_Left, Qt::ShiftModifier);
    QCOMPARE(w.controller()->position().index(), 1);
    QTest::keyClick(&w, Qt::Key_End);
    QCOMPARE(w.controller()->position().index(), 11);
    QTest::keyClick(&w, Qt::Key_Home);
    QCOMPARE(w.controller()->position().index(), 0);
    QTest::keyClick(&w, Qt::Key_Space);
    QTRY_COMPARE(w.controller()->position().index(), 11);  // played to the end (no animation in tests)
    QVERIFY(!w.controller()->isPlaying());
}

void TestMainWindow::scrubbingTheTimeline()
{
    MainWindow w;
    w.openBuiltInExample();
    openTwoSteps(w);
    QSlider* timeline = w.transportBar()->timeline();
    QCOMPARE(timeline->maximum(), 11);
    timeline->setValue(8);  // as a drag does
    QCOMPARE(w.controller()->position().step, 1);
    QCOMPARE(w.controller()->position().stage, Stage::Softmax);
    QCOMPARE(w.scoreTable()->step(), 1);
    QCOMPARE(w.heatmapView()->currentRow(), 1);
    QCOMPARE(w.stepView()->position().index(), 8);
    timeline->setValue(3);
    QCOMPARE(w.scoreTable()->step(), 0);
    QCOMPARE(w.heatmapView()->filledRows(), 1);
    QCOMPARE(w.stepView()->position().stage, Stage::Align);
    emit w.heatmapView()->stepClicked(1);  // a click on the heatmap's second row
    QCOMPARE(w.controller()->position().index(), 9);
}

void TestMainWindow::scorePickerRecomputes()
{
    MainWindow w;
    w.openBuiltInExample();
    w.controller()->last();  // every quantity revealed
    QComboBox* picker = w.scorePicker();
    const int scaled = picker->findData(QStringLiteral("scaled_dot"));
    QVERIFY(scaled >= 0);
    picker->setCurrentIndex(scaled);
    emit picker->activated(scaled);  // what a user's choice emits
    QCOMPARE(w.document()->scoreId(), QStringLiteral("scaled_dot"));
    QCOMPARE(cell(w.scoreTable(), w.scoreTable()->encoderRow(1), ScoreTableModel::ScoreColumn), QStringLiteral("34.641"));
    QVERIFY(w.problemLabel()->text().isEmpty());
    const int dot = picker->findData(QStringLiteral("dot"));
    picker->setCurrentIndex(dot);
    emit picker->activated(dot);
    QCOMPARE(cell(w.scoreTable(), w.scoreTable()->encoderRow(1), ScoreTableModel::ScoreColumn), QStringLiteral("60"));
    QCOMPARE(cell(w.scoreTable(), w.scoreTable()->contextRow(), ScoreTableModel::AlignmentColumn), QStringLiteral("[5, 0, 1]"));
}

void TestMainWindow::scorePickerRefusesWhatTheExampleLacks()
{
    MainWindow w;
    errors_.clear();
    w.setErrorReporter([this](const QString& m) { errors_ << m; });
    w.openBuiltInExample();
    w.controller()->last();  // every quantity revealed
    QComboBox* picker = w.scorePicker();
    const int additive = picker->findData(QStringLiteral("additive"));
    picker->setCurrentIndex(additive);
    emit picker->activated(additive);
    QCOMPARE(w.document()->scoreId(), QStringLiteral("dot"));
    QCOMPARE(picker->currentText(), QStringLiteral("dot"));  // the picker returns to the function in use
    QVERIFY2(w.problemLabel()->toolTip().contains(QStringLiteral("additive")), qPrintable(w.problemLabel()->toolTip()));
    QVERIFY(!w.problemLabel()->text().isEmpty());
    QCOMPARE(cell(w.scoreTable(), w.scoreTable()->contextRow(), ScoreTableModel::AlignmentColumn), QStringLiteral("[5, 0, 1]"));
    QVERIFY(errors_.isEmpty());  // an inline message, not a message box
}

void TestMainWindow::editingTheTableRecomputes()
{
    MainWindow w;
    w.openBuiltInExample();
    w.controller()->last();  // every quantity revealed
    ScoreTableModel* m = w.scoreTable();
    // h_4 = [0, 5, 1] → [0, 50, 1]: its score 260 wins; the context becomes h_4.
    QVERIFY(m->setData(m->index(m->encoderRow(3), ScoreTableModel::StateColumn), QStringLiteral("0, 50, 1")));
    QTRY_COMPARE(cell(m, m->contextRow(), ScoreTableModel::AlignmentColumn), QStringLiteral("[0, 50, 1]"));
    QCOMPARE(cell(m, m->encoderRow(3), ScoreTableModel::ScoreColumn), QStringLiteral("260"));
    QVERIFY(w.contextView()->plainText().contains(QStringLiteral("50")));
    // The step view's state cells edit the same way (StepView::stateEdited).
    emit w.stepView()->stateEdited(false, 3, 1, 5.0);
    QTRY_COMPARE(cell(m, m->contextRow(), ScoreTableModel::AlignmentColumn), QStringLiteral("[5, 0, 1]"));
    QCOMPARE(w.stepView()->trace(), w.document()->trace());
}

void TestMainWindow::badFileIsReportedAndThePreviousStays()
{
    MainWindow w;
    errors_.clear();
    w.setErrorReporter([this](const QString& m) { errors_ << m; });
    w.openBuiltInExample();
    const QString bad = dir_.filePath(QStringLiteral("bad.json"));
    QFile f(bad);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({"format": "attnviz-example", "version": 1, "encoder_states": [[1, "x"]], "decoder_states": [[1, 2]], "score": "dot"})");
    f.close();
    w.openFile(bad);
    QTRY_COMPARE(errors_.size(), 1);
    QVERIFY2(errors_.at(0).contains(QStringLiteral("bad.json")) && errors_.at(0).contains(QStringLiteral("/encoder_states/0/1")),
             qPrintable(errors_.at(0)));
    QCOMPARE(w.document()->filePath(), MainWindow::builtInExample());
    QCOMPARE(w.scoreTable()->rowCount(), 6);
    w.controller()->last();
    QCOMPARE(cell(w.scoreTable(), w.scoreTable()->contextRow(), ScoreTableModel::AlignmentColumn), QStringLiteral("[5, 0, 1]"));
}

void TestMainWindow::exportsWhatIsOpen()
{
    MainWindow w;
    errors_.clear();
    w.setErrorReporter([this](const QString& m) { errors_ << m; });
    w.openBuiltInExample();
    const QString png = dir_.filePath(QStringLiteral("heat.png"));
    QVERIFY(w.exportTo(MainWindow::ExportKind::Heatmap, png, QSize(400, 300)));
    QCOMPARE(QImage(png).size(), QSize(400, 300));
    const QString frame = dir_.filePath(QStringLiteral("frame.png"));
    w.controller()->seek(3);
    QVERIFY(w.exportTo(MainWindow::ExportKind::StepFrame, frame, QSize(640, 400)));
    QCOMPARE(QImage(frame).size(), QSize(640, 400));
    const QString gif = dir_.filePath(QStringLiteral("steps.gif"));
    QVERIFY(w.exportTo(MainWindow::ExportKind::Animation, gif, QSize(320, 200), 96, 5));
    QVERIFY(QFileInfo(gif).size() > 0);
    QVERIFY(errors_.isEmpty());
    // A format the exporter does not write is reported, not written.
    QVERIFY(!w.exportTo(MainWindow::ExportKind::Heatmap, dir_.filePath(QStringLiteral("heat.bmp")), QSize(100, 100)));
    QCOMPARE(errors_.size(), 1);
    QVERIFY(!QFileInfo::exists(dir_.filePath(QStringLiteral("heat.bmp"))));
}

void TestMainWindow::exportsArchitectureAndBeamTree()
{
    MainWindow w;
    errors_.clear();
    w.setErrorReporter([this](const QString& m) { errors_ << m; });
    QStringList entries;
    for (QAction* menu : w.menuBar()->actions())
        if (menu->menu())
            for (QAction* a : menu->menu()->actions())
                entries << a->text();
    QVERIFY(entries.contains(QStringLiteral("Export a&rchitecture…")));
    QVERIFY(entries.contains(QStringLiteral("Export &beam tree…")));

    // An example has no search: the beam tree is reported as missing and nothing is written.
    w.openBuiltInExample();
    const QString none = dir_.filePath(QStringLiteral("none.png"));
    QVERIFY(!w.exportTo(MainWindow::ExportKind::BeamTree, none, QSize(300, 200)));
    QCOMPARE(errors_.size(), 1);
    QVERIFY(!QFileInfo::exists(none));

    errors_.clear();
    QVERIFY(w.document()->openFileNow(QStringLiteral(ATTNVIZ_TESTDATA_DIR "/golden/bahdanau.model.json")));
    w.document()->translate(QStringLiteral("the black cat sat on the mat"), 3);
    QTRY_VERIFY_WITH_TIMEOUT(w.document()->decodeResult() != nullptr && !w.document()->isBusy(), 20000);
    const QString arch = dir_.filePath(QStringLiteral("arch.png"));
    QVERIFY2(w.exportTo(MainWindow::ExportKind::Architecture, arch, QSize(700, 400)), qPrintable(errors_.join(QLatin1Char('\n'))));
    QCOMPARE(QImage(arch).size(), QSize(700, 400));
    const QString beam = dir_.filePath(QStringLiteral("beam.svg"));
    QVERIFY2(w.exportTo(MainWindow::ExportKind::BeamTree, beam, QSize(700, 400)), qPrintable(errors_.join(QLatin1Char('\n'))));
    QVERIFY(QFileInfo(beam).size() > 500);
    QVERIFY(errors_.isEmpty());
}

// Issue 14: in the step view of a model, dragging bar a_1 to the top sets step 1's weights to one-hot on
// source token 1 (one undo entry); the step stays where it was; Ctrl+Z gives the model's own weights back.
void TestMainWindow::draggingAWeightBarOverridesTheStep()
{
    MainWindow w;
    w.setErrorReporter([this](const QString& m) { errors_ << m; });
    w.resize(1280, 800);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY(w.document()->openFileNow(QStringLiteral(ATTNVIZ_TESTDATA_DIR "/golden/bahdanau.model.json")));
    w.document()->translate(QStringLiteral("the black cat sat on the mat"), 1);
    QTRY_VERIFY_WITH_TIMEOUT(w.document()->decodeResult() != nullptr && !w.document()->isBusy(), 20000);
    w.controller()->seekStep(0);
    w.controller()->last();  // the last stage of the last step…
    w.controller()->seekStep(0);  // …moved to step 1: every stage shown
    StepView* v = w.stepView();
    QVERIFY(v->isWhatIfEnabled());
    const StepLayout& L = v->layout();
    QVERIFY(!L.weightRects.empty() && L.barHeight > 4);
    const QPoint bar = L.weightRects[0].center().toPoint();
    const QPoint top(bar.x(), static_cast<int>(L.weightBand.top()) - 5);
    QTest::mousePress(v, Qt::LeftButton, Qt::NoModifier, bar);
    QTest::mouseMove(v, top);
    QTest::mouseRelease(v, Qt::LeftButton, Qt::NoModifier, top);
    QTRY_VERIFY_WITH_TIMEOUT(!w.document()->isBusy() && w.document()->trace()->steps[0].overridden, 20000);
    QCOMPARE(w.document()->trace()->steps[0].attention->weights(0), 1.0);
    QCOMPARE(w.controller()->position().step, 0);  // the view stayed on the edited step
    QVERIFY(w.document()->canUndoWhatIf());
    QTest::keyClick(&w, Qt::Key_Z, Qt::ControlModifier);
    QTRY_VERIFY_WITH_TIMEOUT(!w.document()->isBusy() && !w.document()->trace()->steps[0].overridden, 20000);
    QVERIFY(errors_.isEmpty());
    // the dragged weights: a_j as set, the others share the rest in their old proportions
    const attnviz::Vec d = StepView::draggedWeights((attnviz::Vec(3) << 0.5, 0.3, 0.2).finished(), 1, 0.6);
    QVERIFY(std::abs(d(0) - 0.5 * 0.4 / 0.7) < 1e-12 && std::abs(d(1) - 0.6) < 1e-12 && std::abs(d(2) - 0.2 * 0.4 / 0.7) < 1e-12);
    QVERIFY(std::abs(StepView::draggedWeights((attnviz::Vec(3) << 0, 1, 0).finished(), 1, 0.4)(2) - 0.3) < 1e-12);
}

// Issue 12: a new document plays its first decoder step once (stages 0–5), then pauses on its last stage.
void TestMainWindow::autoplaysTheFirstStepOnce()
{
    MainWindow w;
    w.setErrorReporter([this](const QString& m) { errors_ << m; });
    w.setAutoplayOnOpen(true);
    w.controller()->setStageDuration(20);
    QSignalSpy playing(w.controller(), &StepController::playingChanged);
    QVERIFY(w.document()->openFileNow(dir_.filePath(QStringLiteral("two.json"))));
    QTRY_VERIFY_WITH_TIMEOUT(playing.count() >= 2 && !w.controller()->isPlaying(), 10000);
    QCOMPARE(w.controller()->position().step, 0);
    QCOMPARE(w.controller()->position().stage, Stage::Feed);
    QVERIFY(errors_.isEmpty());
}

// Issue 12: hovering a source token's column in the step view (or a heatmap column, or a score-table row)
// outlines that source position in every view; leaving clears it.
void TestMainWindow::hoveringASourceTokenOutlinesItEverywhere()
{
    MainWindow w;
    w.resize(1280, 800);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    openTwoSteps(w);
    w.controller()->seek(static_cast<int>(Stage::Feed));
    StepView* sv = w.stepView();
    const QRectF token = sv->layout().tokenRects.at(2);
    QTest::mouseMove(sv, token.center().toPoint());
    QTRY_COMPARE(w.heatmapView()->highlightedSource(), 2);
    QCOMPARE(sv->highlightedSource(), 2);
    QCOMPARE(w.scoreTable()->highlightedSource(), 2);
    QVERIFY(w.scoreTable()->data(w.scoreTable()->index(w.scoreTable()->encoderRow(2), ScoreTableModel::TokenColumn), Qt::BackgroundRole).isValid());
    QVERIFY(!w.scoreTable()->data(w.scoreTable()->index(w.scoreTable()->encoderRow(1), ScoreTableModel::TokenColumn), Qt::BackgroundRole).isValid());
    // the outline is drawn: the frame differs from the one without it
    const QImage with = sv->grab().toImage();
    emit w.heatmapView()->sourceHovered(-1);
    QCOMPARE(sv->highlightedSource(), -1);
    QVERIFY(sv->grab().toImage() != with);
    // from the heatmap
    emit w.heatmapView()->sourceHovered(3);
    QCOMPARE(sv->highlightedSource(), 3);
    QCOMPARE(w.scoreTable()->highlightedSource(), 3);
    // the mouse leaving the step view clears it
    QTest::mouseMove(sv, sv->layout().tokenRects.at(1).center().toPoint());
    QTRY_COMPARE(sv->highlightedSource(), 1);
    QEvent leave(QEvent::Leave);
    QCoreApplication::sendEvent(sv, &leave);
    QCOMPARE(w.heatmapView()->highlightedSource(), -1);
}

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
