// The Train panel (issue 15): a tiny dates run from start to end (curve, falling loss, snapshots, the model in
// the Document, the snapshot slider moving the Document's trace, autosave, save model/timeline, settings
// remembered); pause holds training; stop keeps a model; destroying the panel or closing the main window
// mid-run joins the worker cleanly and keeps the model; bad settings give a message and start nothing; a tiny
// transformer (issue 16) trains from the panel with its own sizes.
#include "core/formats/timeline.h"
#include "core/formats/trace.h"
#include "core/model/model.h"
#include "ui/shell/document.h"
#include "ui/shell/main_window.h"
#include "ui/train/train_panel.h"
#include "ui/views/heatmap_view.h"

#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QMenu>
#include <QMenuBar>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <cmath>

using namespace attnviz;
using namespace attnviz::ui;

namespace {

// About 250 batches of 32: 2,000 dates, 4 epochs, H 32, E 16.
TrainSettings tinyRun()
{
    TrainSettings s;
    s.task = TrainSettings::Task::Dates;
    s.architecture = QStringLiteral("bahdanau");
    s.hidden = 32;
    s.embedding = 16;
    s.epochs = 4;
    s.trainPairs = 2000;
    s.learningRate = 0.005;
    s.probe = QStringLiteral("25th of November 2026");
    return s;
}

// Long enough to be stopped in the middle.
TrainSettings longRun()
{
    TrainSettings s = tinyRun();
    s.epochs = 50;
    s.trainPairs = 20000;
    return s;
}

void smallValidation(TrainRequest& r)
{
    r.validPairs = 100;
}

double weightsDistance(const Trace& a, const Trace& b)
{
    if (a.steps.size() != b.steps.size())
        return 1e9;
    double d = 0;
    for (std::size_t i = 0; i < a.steps.size(); ++i) {
        if (!a.steps[i].attention || !b.steps[i].attention || a.steps[i].attention->weights.size() != b.steps[i].attention->weights.size())
            return 1e9;
        d += (a.steps[i].attention->weights - b.steps[i].attention->weights).cwiseAbs().sum();
    }
    return d;
}

} // namespace

class TestTrainPanel : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void menuOpensThePanel();
    void tinyRunOpensTheModelAndTheSliderMovesTheDocument();
    void settingsAreRemembered();
    void pauseHoldsTraining();
    void stopInTheMiddleKeepsAModel();
    void destroyingThePanelMidRunJoins();
    void closingTheMainWindowMidRunStopsAndKeepsTheModel();
    void badSettingsGiveAMessageAndStartNothing_data();
    void badSettingsGiveAMessageAndStartNothing();
    void aBadFileFoundByTheWorkerStartsNothing();
    void openingATimelineFillsTheSliderAndMovesTheDocument();
    void aBadTimelineGivesAMessageAndKeepsThePanel();
    void tinyTransformerTrainsFromThePanel();

private:
    QString file(const QString& name, const QByteArray& content);
    QString tinyTimeline();
    QTemporaryDir dir_;
    QString tinyTimeline_;
};

void TestTrainPanel::initTestCase()
{
    QVERIFY(dir_.isValid());
    qputenv("XDG_CONFIG_HOME", dir_.filePath(QStringLiteral("config")).toUtf8());
    qputenv("XDG_DATA_HOME", dir_.filePath(QStringLiteral("data")).toUtf8());
    QCoreApplication::setOrganizationName(QStringLiteral("AttnVizTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_train_panel"));
}

QString TestTrainPanel::file(const QString& name, const QByteArray& content)
{
    const QString path = dir_.filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return {};
    f.write(content);
    return path;
}

void TestTrainPanel::menuOpensThePanel()
{
    MainWindow w;
    QAction* train = nullptr;
    for (QAction* a : w.menuBar()->actions())
        if (a->menu())
            for (QAction* b : a->menu()->actions())
                if (b->text().remove(QLatin1Char('&')) == QStringLiteral("Train a model…"))
                    train = b;
    QVERIFY(train);
    QVERIFY(!w.trainPanel());
    train->trigger();
    QVERIFY(w.trainPanel());
    QVERIFY(w.trainPanel()->isVisible());
    QVERIFY(w.trainPanel()->startButton()->isEnabled());
    QVERIFY(!w.trainPanel()->stopButton()->isEnabled());
    // View → Colour map reaches the panel's heatmap
    for (QAction* a : w.findChildren<QAction*>())
        if (a->text() == QStringLiteral("Magma") || a->text() == QStringLiteral("magma"))
            a->trigger();
    QCOMPARE(w.trainPanel()->heatmap()->colorMap(), w.colorMap());
    QVERIFY(w.colorMap() != ColorMap::Viridis);

    // picking a task fills in sizes for a short run on it
    TrainPanel* p = w.trainPanel();
    auto* task = p->findChild<QComboBox*>();
    QVERIFY(task);
    const int enEs = task->findData(QStringLiteral("en-es"));
    task->setCurrentIndex(enEs);
    emit task->activated(enEs);
    QCOMPARE(p->settings().task, TrainSettings::Task::EnEs);
    QCOMPARE(p->settings().hidden, 128);
    QCOMPARE(p->settings().epochs, 2);
    const int dates = task->findData(QStringLiteral("dates"));
    task->setCurrentIndex(dates);
    emit task->activated(dates);
    QCOMPARE(p->settings().hidden, TrainSettings::defaults().hidden);
    QCOMPARE(p->settings().trainPairs, TrainSettings::defaults().trainPairs);
}

void TestTrainPanel::tinyRunOpensTheModelAndTheSliderMovesTheDocument()
{
    MainWindow w;
    w.showTrainPanel();
    TrainPanel* p = w.trainPanel();
    p->setAutosaveDir(dir_.filePath(QStringLiteral("autosave")));
    p->adjustRequest = smallValidation;
    p->setSettings(tinyRun());

    // the GUI keeps painting: a 10 ms timer never waits long
    QElapsedTimer clock;
    qint64 last = 0, worstGap = 0;
    QTimer tick;
    tick.setInterval(10);
    connect(&tick, &QTimer::timeout, [&] {
        const qint64 now = clock.elapsed();
        worstGap = std::max(worstGap, now - last);
        last = now;
    });
    clock.start();
    tick.start();

    QVERIFY(p->start());
    QVERIFY(p->isRunning());
    QVERIFY(!p->startButton()->isEnabled());
    QVERIFY(p->stopButton()->isEnabled());
    QVERIFY(!p->start());  // one run at a time
    // the live heatmap follows the snapshots while training
    QTRY_VERIFY_WITH_TIMEOUT(p->heatmap()->trace() != nullptr, 120000);
    QTRY_VERIFY_WITH_TIMEOUT(p->state() == TrainPanel::State::Done, 120000);
    tick.stop();
    qInfo("worst gap between 10 ms GUI ticks during training: %lld ms; run %.1f s", worstGap, p->lastResult().seconds);
    QVERIFY2(worstGap < 1500, qPrintable(QStringLiteral("the GUI stalled for %1 ms").arg(worstGap)));

    QVERIFY(p->lastResult().error.empty());
    QVERIFY(!p->lastResult().cancelled);
    QCOMPARE(p->lastRequest().validPairs, std::size_t(100));
    // the curve has points and the loss fell
    const auto& loss = p->lossPoints();
    QVERIFY2(loss.size() >= 20, qPrintable(QString::number(loss.size())));
    QVERIFY2(loss.back().loss < 0.5 * loss.front().loss, qPrintable(QStringLiteral("%1 → %2").arg(loss.front().loss).arg(loss.back().loss)));
    QVERIFY(loss.back().batch > 200);
    // validation at every epoch end, quick checks between
    int epochEnds = 0;
    for (const TrainValidation& v : p->validations())
        epochEnds += v.epochEnd ? 1 : 0;
    QCOMPARE(epochEnds, 4);
    QVERIFY(p->validations().size() > 4);
    // snapshots, the first before any update, each with the probe's decoding
    const auto& snaps = p->snapshots();
    QVERIFY2(snaps.size() >= 20, qPrintable(QString::number(snaps.size())));
    QCOMPARE(snaps.front().batch, 0LL);
    for (const TrainSnapshot& s : snaps)
        QVERIFY(s.probe && !s.probe->best.steps.empty());
    QVERIFY(p->timeline());
    QCOMPARE(p->timeline()->snapshots.size(), snaps.size());
    // attention got sharper
    QVERIFY(meanAttentionEntropy(snaps.back().probe->best) < meanAttentionEntropy(snaps.front().probe->best));

    // the model opened in the main window, on the probe sentence
    Document* doc = w.document();
    QCOMPARE(doc->kind(), Document::Kind::Model);
    QCOMPARE(doc->model(), p->trainedModel());
    QCOMPARE(doc->lastSentence(), QStringLiteral("25th of November 2026"));
    QTRY_VERIFY_WITH_TIMEOUT(doc->trace() && !doc->trace()->steps.empty(), 20000);
    QTRY_VERIFY(!doc->isBusy());

    // the slider moves the document (every view) to the model as it was then
    QSlider* slider = p->snapshotSlider();
    QVERIFY(slider->isEnabled());
    QCOMPARE(slider->maximum(), static_cast<int>(snaps.size()) - 1);
    QCOMPARE(slider->value(), slider->maximum());
    slider->setValue(0);
    QCOMPARE(weightsDistance(*doc->trace(), snaps.front().probe->best), 0.0);
    QCOMPARE(doc->decodeResult(), snaps.front().probe);
    QVERIFY(doc->lastDecodeWasWhatIf());  // the main views keep their step and stage while scrubbing
    QCOMPARE(w.heatmapView()->trace(), doc->trace());
    QCOMPARE(p->heatmap()->trace()->steps.size(), snaps.front().probe->best.steps.size());
    const int mid = slider->maximum() / 2;
    slider->setValue(mid);
    QCOMPARE(doc->decodeResult(), snaps[static_cast<std::size_t>(mid)].probe);
    QCOMPARE(w.heatmapView()->trace(), doc->trace());
    QCOMPARE(doc->model(), p->trainedModel());  // the model stays open

    // kept: the autosave files, loadable
    const QString saved = QString::fromStdString(p->lastResult().savedModel);
    QVERIFY(QFile::exists(saved));
    QCOMPARE(doc->filePath(), saved);
    QCOMPARE(QString::fromStdString(loadModel(saved.toStdString()).architecture), QStringLiteral("bahdanau"));
    QCOMPARE(loadTimeline(p->lastResult().savedTimeline).snapshots.size(), snaps.size());
    // Save model… / Save timeline… / Export
    const QString m = dir_.filePath(QStringLiteral("saved.cbor")), t = dir_.filePath(QStringLiteral("saved_timeline.json"));
    QVERIFY(p->saveModelTo(m));
    QVERIFY(p->saveTimelineTo(t));
    QCOMPARE(loadModel(m.toStdString()).config.hiddenSize, 32);
    const Timeline tl = loadTimeline(t.toStdString());
    QCOMPARE(tl.probes.front(), std::string("25th of November 2026"));
    QVERIFY(p->exportTimelineTo(dir_.filePath(QStringLiteral("emerging.png"))));
    QVERIFY(QFileInfo(dir_.filePath(QStringLiteral("emerging.png"))).size() > 1000);
    QVERIFY(!p->saveModelTo(dir_.filePath(QStringLiteral("no/such/folder/m.cbor"))));
    QVERIFY(!p->message().isEmpty());
}

void TestTrainPanel::settingsAreRemembered()
{
    // the previous test started a run with tinyRun(): a new panel shows those settings
    TrainPanel p(nullptr);
    const TrainSettings s = p.settings(), t = tinyRun();
    QCOMPARE(s.task, t.task);
    QCOMPARE(s.hidden, t.hidden);
    QCOMPARE(s.embedding, t.embedding);
    QCOMPARE(s.epochs, t.epochs);
    QCOMPARE(s.trainPairs, t.trainPairs);
    QCOMPARE(s.learningRate, t.learningRate);
    QCOMPARE(s.probe, t.probe);
}

void TestTrainPanel::pauseHoldsTraining()
{
    Document doc;
    TrainPanel p(&doc);
    p.setAutosaveDir(QString());
    p.adjustRequest = smallValidation;
    p.setSettings(longRun());
    QVERIFY(p.start());
    QTRY_VERIFY_WITH_TIMEOUT(p.lossPoints().size() >= 3, 120000);
    p.setPaused(true);
    QVERIFY(p.isPaused());
    QTest::qWait(300);  // the batch in progress ends
    const long long at = p.lossPoints().back().batch;
    const std::size_t points = p.lossPoints().size();
    QTest::qWait(700);
    QCOMPARE(p.lossPoints().size(), points);
    QCOMPARE(p.lossPoints().back().batch, at);
    p.setPaused(false);
    QVERIFY(!p.isPaused());
    QTRY_VERIFY_WITH_TIMEOUT(p.lossPoints().size() > points, 20000);
    // stopping a paused run works too
    p.setPaused(true);
    p.stop();
    QTRY_VERIFY_WITH_TIMEOUT(p.state() == TrainPanel::State::Done, 60000);
    QVERIFY(p.lastResult().cancelled);
}

void TestTrainPanel::stopInTheMiddleKeepsAModel()
{
    Document doc;
    TrainPanel p(&doc);
    p.setAutosaveDir(dir_.filePath(QStringLiteral("stopped")));
    p.adjustRequest = smallValidation;
    p.setSettings(longRun());
    QVERIFY(p.start());
    QTRY_VERIFY_WITH_TIMEOUT(p.snapshots().size() >= 3, 120000);  // generous: a loaded machine, not a speed check
    p.stop();
    QVERIFY(!p.stopButton()->isEnabled());
    QTRY_VERIFY_WITH_TIMEOUT(p.state() == TrainPanel::State::Done, 60000);
    QVERIFY(p.lastResult().cancelled);
    QVERIFY(p.trainedModel());
    QCOMPARE(doc.kind(), Document::Kind::Model);
    QCOMPARE(doc.model(), p.trainedModel());
    QVERIFY(QFile::exists(QString::fromStdString(p.lastResult().savedModel)));
    QVERIFY(p.timeline());
    // the last snapshot is where it stopped, far before the end
    QVERIFY(p.snapshots().back().batch < 50LL * 625);
    QVERIFY(p.message().contains(QStringLiteral("Stopped")));
    QVERIFY(p.startButton()->isEnabled());  // and another run can start
}

void TestTrainPanel::destroyingThePanelMidRunJoins()
{
    Document doc;
    const QString autosave = dir_.filePath(QStringLiteral("destroyed"));
    auto* p = new TrainPanel(&doc);
    p->setAutosaveDir(autosave);
    p->adjustRequest = smallValidation;
    p->setSettings(longRun());
    QVERIFY(p->start());
    QTRY_VERIFY_WITH_TIMEOUT(p->lossPoints().size() >= 2, 120000);
    QElapsedTimer t;
    t.start();
    delete p;  // stops, joins
    qInfo("destroying the panel mid-run took %lld ms", t.elapsed());
    QVERIFY(t.elapsed() < 20000);
    // the worker kept the model before it ended
    const QStringList kept = QDir(autosave).entryList({QStringLiteral("*.cbor")}, QDir::Files);
    QCOMPARE(kept.size(), 1);
    QVERIFY(loadModel(QDir(autosave).filePath(kept.front()).toStdString()).hasAttention());
}

void TestTrainPanel::closingTheMainWindowMidRunStopsAndKeepsTheModel()
{
    const QString autosave = dir_.filePath(QStringLiteral("closed"));
    {
        MainWindow w;
        w.show();
        w.showTrainPanel();
        TrainPanel* p = w.trainPanel();
        p->setAutosaveDir(autosave);
        p->adjustRequest = smallValidation;
        p->setSettings(longRun());
        QVERIFY(p->start());
        QTRY_VERIFY_WITH_TIMEOUT(p->lossPoints().size() >= 2, 120000);
        QVERIFY(w.close());
        QCOMPARE(p->state(), TrainPanel::State::Stopping);
    }  // the panel's destructor joins
    QCOMPARE(QDir(autosave).entryList({QStringLiteral("*.cbor")}, QDir::Files).size(), 1);
    QCOMPARE(QDir(autosave).entryList({QStringLiteral("*_timeline.json")}, QDir::Files).size(), 1);

    // closing the panel itself stops the run; the model still opens in the document
    Document doc;
    TrainPanel p(&doc);
    p.setAutosaveDir(QString());
    p.adjustRequest = smallValidation;
    p.setSettings(longRun());
    p.show();
    QVERIFY(p.start());
    QTRY_VERIFY_WITH_TIMEOUT(p.lossPoints().size() >= 2, 120000);
    QVERIFY(p.close());
    QTRY_VERIFY_WITH_TIMEOUT(p.state() == TrainPanel::State::Done, 60000);
    QVERIFY(p.lastResult().cancelled);
    QCOMPARE(doc.model(), p.trainedModel());
}

void TestTrainPanel::badSettingsGiveAMessageAndStartNothing_data()
{
    QTest::addColumn<int>("task");
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("epochs");
    QTest::addColumn<QString>("expected");
    const int fileTask = static_cast<int>(TrainSettings::Task::File), dates = static_cast<int>(TrainSettings::Task::Dates);
    QTest::newRow("empty file path") << fileTask << QString() << 3 << QStringLiteral("Choose a file");
    QTest::newRow("missing file") << fileTask << dir_.filePath(QStringLiteral("nope.tsv")) << 3 << QStringLiteral("does not exist");
    QTest::newRow("a folder") << fileTask << dir_.path() << 3 << QStringLiteral("not a file");
    QTest::newRow("not TSV pairs") << fileTask << file(QStringLiteral("prose.txt"), "Call me Ishmael.\nSome years ago\n") << 3 << QStringLiteral("line 1");
    QTest::newRow("empty side") << fileTask << file(QStringLiteral("half.tsv"), "hello\t\n") << 3 << QStringLiteral("empty side");
    QTest::newRow("empty file") << fileTask << file(QStringLiteral("empty.tsv"), "\n\n") << 3 << QStringLiteral("no sentence pairs");
    QTest::newRow("0 epochs") << dates << QString() << 0 << QStringLiteral("Epochs");
    QTest::newRow("transformer: heads not dividing d_model") << dates << QStringLiteral("transformer") << 3 << QStringLiteral("Heads: expected a number that divides d_model 30");
}

void TestTrainPanel::badSettingsGiveAMessageAndStartNothing()
{
    QFETCH(int, task);
    QFETCH(QString, path);
    QFETCH(int, epochs);
    QFETCH(QString, expected);
    Document doc;
    TrainPanel p(&doc);
    p.setAutosaveDir(QString());
    TrainSettings s = tinyRun();
    s.task = static_cast<TrainSettings::Task>(task);
    s.file = path;
    s.epochs = epochs;
    p.setSettings(s);
    QCOMPARE(p.settings().epochs, epochs);  // the control holds it
    if (path == QStringLiteral("transformer")) {  // d_model 30 is not divisible into 4 heads
        s.file.clear();
        s.architecture = path;
        s.dModel = 30;
        s.heads = 4;
        p.setSettings(s);
        QCOMPARE(p.settings().architecture, path);
        QCOMPARE(p.settings().dModel, 30);
    }
    QVERIFY(!p.start());
    QVERIFY(!p.isRunning());
    QCOMPARE(p.state(), TrainPanel::State::Idle);
    QVERIFY2(p.message().contains(expected), qPrintable(p.message()));
    QVERIFY(p.lossPoints().empty());
    QVERIFY(p.startButton()->isEnabled());
    QCOMPARE(doc.kind(), Document::Kind::None);
}

// A file whose first lines are pairs but a later one is not: core names the line; nothing is trained.
void TestTrainPanel::aBadFileFoundByTheWorkerStartsNothing()
{
    QByteArray content;
    for (int i = 0; i < 8; ++i)
        content += "a b c\tx y z\n";
    content += "no tab on this line\n";
    const QString path = file(QStringLiteral("late.tsv"), content);
    Document doc;
    TrainPanel p(&doc);
    p.setAutosaveDir(dir_.filePath(QStringLiteral("late")));
    TrainSettings s = tinyRun();
    s.task = TrainSettings::Task::File;
    s.file = path;
    s.probe.clear();
    p.setSettings(s);
    QSignalSpy finished(&p, &TrainPanel::finished);
    QVERIFY(p.start());
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 120000);
    QCOMPARE(finished.front().front().toBool(), false);
    QCOMPARE(p.state(), TrainPanel::State::Idle);
    QVERIFY2(p.message().contains(QStringLiteral("line 9")), qPrintable(p.message()));
    QVERIFY(p.lossPoints().empty());
    QVERIFY(p.snapshots().empty());
    QVERIFY(!p.trainedModel());
    QCOMPARE(doc.kind(), Document::Kind::None);
    QVERIFY(!QDir(dir_.filePath(QStringLiteral("late"))).exists() || QDir(dir_.filePath(QStringLiteral("late"))).isEmpty());
}

// A tiny dates run's timeline (1 epoch of 640 pairs), saved as CBOR; "" on failure.
QString TestTrainPanel::tinyTimeline()
{
    if (!tinyTimeline_.isEmpty())
        return tinyTimeline_;
    TrainPanel p(nullptr);
    p.setAutosaveDir(QString());
    p.adjustRequest = smallValidation;
    TrainSettings s = tinyRun();
    s.epochs = 1;
    s.trainPairs = 640;
    p.setSettings(s);
    if (!p.start())
        return {};
    QElapsedTimer clock;
    clock.start();
    while (p.state() != TrainPanel::State::Done && clock.elapsed() < 60000)
        QTest::qWait(50);
    const QString path = dir_.filePath(QStringLiteral("tiny.timeline.cbor"));
    if (p.state() != TrainPanel::State::Done || !p.saveTimelineTo(path))
        return {};
    return tinyTimeline_ = path;
}

// Opening a timeline file shows the recorded run: the curve, the snapshots on the slider, no model (Start and
// Save model disabled, Export enabled), and the slider moves the Document to each snapshot's probe decoding.
void TestTrainPanel::openingATimelineFillsTheSliderAndMovesTheDocument()
{
    const QString path = tinyTimeline();
    QVERIFY(!path.isEmpty());
    const Timeline tl = loadTimeline(path.toStdString());
    QVERIFY(tl.snapshots.size() >= 3);

    MainWindow w;
    w.showTrainPanel();
    TrainPanel* p = w.trainPanel();
    Document* doc = w.document();
    QVERIFY(p->openTimeline(path));
    QCOMPARE(p->state(), TrainPanel::State::Review);
    QCOMPARE(p->timelinePath(), path);
    QVERIFY(!p->isRunning());
    QVERIFY(!p->trainedModel());
    QCOMPARE(p->snapshots().size(), tl.snapshots.size());
    QCOMPARE(p->lossPoints().size(), tl.snapshots.size());
    QCOMPARE(p->validations().size(), std::size_t(1));  // the epoch end
    QSlider* slider = p->snapshotSlider();
    QVERIFY(slider->isEnabled());
    QCOMPARE(slider->maximum(), static_cast<int>(tl.snapshots.size()) - 1);
    QCOMPARE(slider->value(), slider->maximum());
    QVERIFY(!p->startButton()->isEnabled());
    for (QPushButton* b : p->findChildren<QPushButton*>()) {
        const QString t = b->text().remove(QLatin1Char('&'));
        if (t == QStringLiteral("Save model…"))
            QVERIFY(!b->isEnabled());
        if (t == QStringLiteral("Export GIF/PNG…"))
            QVERIFY(b->isEnabled());
    }
    // the last snapshot is in the main views at once
    QVERIFY(doc->trace());
    QCOMPARE(weightsDistance(*doc->trace(), tl.snapshots.back().traces.front()), 0.0);
    QCOMPARE(w.heatmapView()->trace(), doc->trace());

    // the slider moves the Document and the panel's heatmap
    slider->setValue(0);
    QCOMPARE(weightsDistance(*doc->trace(), tl.snapshots.front().traces.front()), 0.0);
    QCOMPARE(doc->decodeResult(), p->snapshots().front().probe);
    QCOMPARE(doc->decodeResult()->hypotheses.size(), std::size_t(1));
    QVERIFY(doc->lastDecodeWasWhatIf());
    QCOMPARE(w.heatmapView()->trace(), doc->trace());
    QCOMPARE(weightsDistance(*p->heatmap()->trace(), tl.snapshots.front().traces.front()), 0.0);
    const std::shared_ptr<const Trace> first = doc->trace();
    const int mid = slider->maximum() / 2;
    slider->setValue(mid);
    QVERIFY(doc->trace() != first);
    QCOMPARE(weightsDistance(*doc->trace(), tl.snapshots[static_cast<std::size_t>(mid)].traces.front()), 0.0);

    // Export works without a model
    QVERIFY(p->exportTimelineTo(dir_.filePath(QStringLiteral("review.png"))));
    QVERIFY(QFileInfo(dir_.filePath(QStringLiteral("review.png"))).size() > 1000);
}

// A truncated or garbage file (or any other format) gives a message and changes nothing.
void TestTrainPanel::aBadTimelineGivesAMessageAndKeepsThePanel()
{
    const QString path = tinyTimeline();
    QVERIFY(!path.isEmpty());
    QFile good(path);
    QVERIFY(good.open(QIODevice::ReadOnly));
    const QByteArray bytes = good.readAll();
    const QString truncated = file(QStringLiteral("truncated.timeline.cbor"), bytes.left(bytes.size() / 2));
    const QString garbage = file(QStringLiteral("garbage.timeline.cbor"), QByteArray("\xff\x00not cbor at all", 19));
    const QString notATimeline = file(QStringLiteral("trace.json"), QByteArray(R"({"format": "attnviz-trace", "version": 1})"));

    Document doc;
    TrainPanel p(&doc);
    // from nothing: stays idle
    QVERIFY(!p.openTimeline(garbage));
    QVERIFY(!p.message().isEmpty());
    QCOMPARE(p.state(), TrainPanel::State::Idle);
    QVERIFY(p.snapshots().empty());
    QVERIFY(p.startButton()->isEnabled());
    // from a timeline under review: it stays
    QVERIFY(p.openTimeline(path));
    const std::size_t n = p.snapshots().size();
    p.snapshotSlider()->setValue(1);
    const std::shared_ptr<const Trace> shown = doc.trace();
    for (const QString& bad : {truncated, garbage, notATimeline, dir_.filePath(QStringLiteral("no-such.timeline.cbor"))}) {
        QVERIFY2(!p.openTimeline(bad), qPrintable(bad));
        QVERIFY2(!p.message().isEmpty(), qPrintable(bad));
        QCOMPARE(p.state(), TrainPanel::State::Review);
        QCOMPARE(p.timelinePath(), path);
        QCOMPARE(p.snapshots().size(), n);
        QCOMPARE(p.snapshotSlider()->value(), 1);
        QCOMPARE(doc.trace(), shown);
    }
    QVERIFY(p.message().contains(QStringLiteral("no-such")));
}

// Issue 16: the transformer is trainable from the panel, with its own fields (d_model, heads, layers, ff, warm-up)
// instead of hidden and embedding; a tiny run on dates advances the progress, the curve and the snapshots while it
// trains, and ends with a transformer of those sizes open in the main window.
void TestTrainPanel::tinyTransformerTrainsFromThePanel()
{
    MainWindow w;
    w.showTrainPanel();
    TrainPanel* p = w.trainPanel();
    p->setAutosaveDir(dir_.filePath(QStringLiteral("autosave_transformer")));
    p->adjustRequest = smallValidation;
    TrainSettings s = tinyRun();
    s.epochs = 2;
    s.trainPairs = 1200;
    p->setSettings(s);

    // the architecture list offers the transformer; picking it shows its fields and brings its learning rate
    QComboBox* arch = nullptr;
    for (QComboBox* c : p->findChildren<QComboBox*>())
        if (c->findData(QStringLiteral("transformer")) >= 0)
            arch = c;
    QVERIFY(arch);
    QVERIFY(trainablePreset("transformer"));
    auto spinNamed = [&](const QString& tipStart) -> QSpinBox* {
        for (QSpinBox* b : p->findChildren<QSpinBox*>())
            if (b->toolTip().startsWith(tipStart))
                return b;
        return nullptr;
    };
    QSpinBox* heads = spinNamed(QStringLiteral("Attention heads"));
    QVERIFY(heads);
    QVERIFY(heads->isHidden());
    arch->setCurrentIndex(arch->findData(QStringLiteral("transformer")));
    emit arch->activated(arch->currentIndex());
    QVERIFY(!heads->isHidden());
    QCOMPARE(p->settings().architecture, QStringLiteral("transformer"));
    QCOMPARE(p->settings().learningRate, 0.001);

    s = p->settings();
    s.dModel = 16;
    s.heads = 2;
    s.encoderLayers = 1;
    s.decoderLayers = 1;
    s.ffSize = 32;
    s.warmup = 30;
    s.learningRate = 0.004;
    p->setSettings(s);
    QCOMPARE(heads->value(), 2);
    QCOMPARE(p->settings().ffSize, 32);

    QVERIFY(p->start());
    QCOMPARE(p->lastRequest().architecture, std::string("transformer"));
    QCOMPARE(p->lastRequest().hidden, 16);
    QCOMPARE(p->lastRequest().heads, 2);
    QCOMPARE(p->lastRequest().encoderLayers, 1);
    QCOMPARE(p->lastRequest().decoderLayers, 1);
    QCOMPARE(p->lastRequest().ffSize, 32);
    QCOMPARE(p->lastRequest().warmup, 30);
    // while it trains: the progress bar and the curve move on, snapshots arrive with the probe's decoding
    auto* progress = p->findChild<QProgressBar*>();
    QVERIFY(progress);
    QTRY_VERIFY_WITH_TIMEOUT(p->lossPoints().size() >= 2 || p->state() == TrainPanel::State::Done, 120000);
    QTRY_VERIFY_WITH_TIMEOUT(p->snapshots().size() >= 2 || p->state() == TrainPanel::State::Done, 120000);
    QVERIFY(p->snapshots().front().probe && p->snapshots().front().probe->best.steps.front().multiHead);
    QTRY_VERIFY_WITH_TIMEOUT(p->state() == TrainPanel::State::Done, 180000);
    QVERIFY2(p->lastResult().error.empty(), p->lastResult().error.c_str());
    QCOMPARE(progress->value(), progress->maximum());
    QVERIFY(progress->maximum() > 1);
    const auto& loss = p->lossPoints();
    QVERIFY2(loss.size() >= 10, qPrintable(QString::number(loss.size())));
    for (std::size_t i = 1; i < loss.size(); ++i)
        QVERIFY(loss[i].batch > loss[i - 1].batch);
    QVERIFY2(loss.back().loss < 0.8 * loss.front().loss, qPrintable(QStringLiteral("%1 → %2").arg(loss.front().loss).arg(loss.back().loss)));
    const auto& snaps = p->snapshots();
    QVERIFY(snaps.size() >= 3);
    QCOMPARE(snaps.front().batch, 0LL);
    QVERIFY(snaps.back().batch > snaps[snaps.size() / 2].batch);
    QVERIFY(p->timeline());
    QCOMPARE(p->timeline()->architecture, std::string("transformer"));

    // the model: a transformer of the panel's sizes, open in the main window with its heads
    const std::shared_ptr<const Model> m = p->trainedModel();
    QVERIFY(m && m->isTransformer());
    QCOMPARE(m->config.hiddenSize, 16);
    QCOMPARE(m->config.heads, 2);
    QCOMPARE(m->config.encoderLayers, 1);
    QCOMPARE(m->config.decoderLayers, 1);
    QCOMPARE(m->config.ffSize, 32);
    QCOMPARE(w.document()->model(), m);
    QTRY_VERIFY_WITH_TIMEOUT(w.document()->trace() && !w.document()->trace()->steps.empty(), 20000);
    QVERIFY(w.document()->trace()->steps.front().multiHead);
    QVERIFY(QFile::exists(QString::fromStdString(p->lastResult().savedModel)));
    QVERIFY(loadModel(p->lastResult().savedModel).isTransformer());
    // remembered: a new panel shows the transformer and its sizes
    TrainPanel again(nullptr);
    const TrainSettings r = again.settings();
    QCOMPARE(r.architecture, QStringLiteral("transformer"));
    QCOMPARE(r.dModel, 16);
    QCOMPARE(r.heads, 2);
    QCOMPARE(r.encoderLayers, 1);
    QCOMPARE(r.decoderLayers, 1);
    QCOMPARE(r.ffSize, 32);
    QCOMPARE(r.warmup, 30);
    QCOMPARE(r.learningRate, 0.004);
}

QTEST_MAIN(TestTrainPanel)
#include "tst_train_panel.moc"
