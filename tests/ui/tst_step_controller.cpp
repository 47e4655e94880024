// StepController: position over (step, stage), stepping, scrubbing, playing to the end, speed.
#include "ui/shell/step_controller.h"

#include <QSignalSpy>
#include <QTest>

using attnviz::ui::Stage;
using attnviz::ui::StepController;
using attnviz::ui::StepPosition;

class TestStepController : public QObject {
    Q_OBJECT
private slots:
    void stagesWrapIntoSteps();
    void stepsKeepTheStage();
    void firstLastAndClamping();
    void seekIsScrubbing();
    void animatedMoveEndsAtFullProgress();
    void playRunsToTheEndAndStops();
    void speedIsClamped();
    void newTraceClampsThePosition();
    void seq2seqSkipsTheAttentionStages();
};

// Issue 12: without attention there are only prepare and feed; stepping, playing and step moves skip 1–4.
void TestStepController::seq2seqSkipsTheAttentionStages()
{
    StepController c;
    c.setStageDuration(0);
    c.setStepCount(2);
    c.setAttentionStages(false);
    QCOMPARE(c.position().stage, Stage::Prepare);
    c.nextStage();
    QCOMPARE(c.position().stage, Stage::Feed);
    QCOMPARE(c.position().step, 0);
    c.nextStage();
    QCOMPARE(c.position().step, 1);
    QCOMPARE(c.position().stage, Stage::Prepare);
    c.previousStage();
    QCOMPARE(c.position().step, 0);
    QCOMPARE(c.position().stage, Stage::Feed);
    QSignalSpy moves(&c, &StepController::positionChanged);
    c.first();
    c.play();
    QTRY_VERIFY(!c.isPlaying());
    for (const QList<QVariant>& m : moves) {
        const Stage st = m.front().value<StepPosition>().stage;
        QVERIFY(st == Stage::Prepare || st == Stage::Feed);
    }
    QCOMPARE(c.position().index(), c.lastIndex());
    // back with attention: every stage again
    c.setAttentionStages(true);
    c.first();
    c.nextStage();
    QCOMPARE(c.position().stage, Stage::Score);
}

void TestStepController::stagesWrapIntoSteps()
{
    StepController c;
    c.setStageDuration(0);
    c.setStepCount(3);
    QCOMPARE(c.position().index(), 0);
    for (int i = 0; i < 6; ++i)
        c.nextStage();
    QCOMPARE(c.position().step, 1);
    QCOMPARE(c.position().stage, Stage::Prepare);
    c.previousStage();
    QCOMPARE(c.position().step, 0);
    QCOMPARE(c.position().stage, Stage::Feed);
    QCOMPARE(c.position().progress, 1.0);
}

void TestStepController::stepsKeepTheStage()
{
    StepController c;
    c.setStageDuration(0);
    c.setStepCount(3);
    c.seek(2);  // step 0, softmax
    c.nextStep();
    QCOMPARE(c.position().step, 1);
    QCOMPARE(c.position().stage, Stage::Softmax);
    c.nextStep();
    c.nextStep();  // no step 3: stays
    QCOMPARE(c.position().step, 2);
    c.previousStep();
    QCOMPARE(c.position().index(), 1 * 6 + 2);
}

void TestStepController::firstLastAndClamping()
{
    StepController c;
    c.setStageDuration(0);
    c.setStepCount(2);
    c.last();
    QCOMPARE(c.position().index(), 11);
    c.nextStage();
    QCOMPARE(c.position().index(), 11);
    c.first();
    QCOMPARE(c.position().index(), 0);
    c.previousStage();
    QCOMPARE(c.position().index(), 0);
    c.seek(999);
    QCOMPARE(c.position().index(), 11);
    c.seek(-5);
    QCOMPARE(c.position().index(), 0);
}

void TestStepController::seekIsScrubbing()
{
    StepController c;
    c.setStepCount(4);
    QSignalSpy spy(&c, &StepController::positionChanged);
    c.seek(15, 0.25);
    QCOMPARE(spy.count(), 1);
    const auto pos = spy.last().at(0).value<StepPosition>();
    QCOMPARE(pos.step, 2);
    QCOMPARE(pos.stage, Stage::Align);
    QCOMPARE(pos.progress, 0.25);
    c.seekStep(0);
    QCOMPARE(c.position().index(), 3);  // same stage, first step
}

void TestStepController::animatedMoveEndsAtFullProgress()
{
    StepController c;
    c.setStageDuration(20);
    c.setStepCount(1);
    QSignalSpy spy(&c, &StepController::positionChanged);
    c.nextStage();
    QCOMPARE(c.position().stage, Stage::Score);
    QCOMPARE(c.position().progress, 0.0);  // the move starts at the beginning of the stage…
    QTRY_COMPARE(c.position().progress, 1.0);  // …and eases to the end
    // Progress only grows within the stage.
    double last = -1;
    for (const QList<QVariant>& args : spy) {
        const double p = args.at(0).value<StepPosition>().progress;
        QVERIFY(p >= last);
        last = p;
    }
    QVERIFY(spy.count() >= 2);
}

void TestStepController::playRunsToTheEndAndStops()
{
    StepController c;
    c.setStageDuration(0);
    c.setStepCount(2);
    QSignalSpy playing(&c, &StepController::playingChanged);
    c.play();
    QVERIFY(c.isPlaying());
    QTRY_VERIFY(!c.isPlaying());
    QCOMPARE(c.position().index(), c.lastIndex());
    QCOMPARE(playing.count(), 2);
    // Play at the end starts again from the beginning.
    c.togglePlay();
    QCOMPARE(c.position().index(), 0);
    c.pause();
    QVERIFY(!c.isPlaying());
}

void TestStepController::speedIsClamped()
{
    StepController c;
    QSignalSpy spy(&c, &StepController::speedChanged);
    c.setSpeed(2.0);
    c.setSpeed(100.0);
    c.setSpeed(8.0);  // already clamped to 8: no signal
    QCOMPARE(c.speed(), 8.0);
    QCOMPARE(spy.count(), 2);
}

void TestStepController::newTraceClampsThePosition()
{
    StepController c;
    c.setStageDuration(0);
    c.setStepCount(5);
    c.seek(27);
    QSignalSpy spy(&c, &StepController::positionChanged);
    c.setStepCount(2);
    QCOMPARE(c.position().index(), 11);
    QCOMPARE(spy.count(), 1);
    c.setStepCount(2);  // same length, new trace: views still hear about it
    QCOMPARE(spy.count(), 2);
}

QTEST_MAIN(TestStepController)
#include "tst_step_controller.moc"
