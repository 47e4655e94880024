#pragma once
// Where the step-through is and how it moves (STYLE 9): position over (decoder step, stage), playing,
// speed. Buttons, shortcuts, the timeline and timers only call these slots; every view follows
// positionChanged. The `progress` of the current stage is animated 0 → 1 with an ease-in-out curve.
#include "ui/step/step_state.h"

#include <array>

#include <QObject>

class QVariantAnimation;

namespace attnviz::ui {

class StepController : public QObject {
    Q_OBJECT
public:
    explicit StepController(QObject* parent = nullptr);

    // Number of decoder steps of the open trace; the timeline runs over index 0 .. stepCount*6 − 1.
    void setStepCount(int steps);
    int stepCount() const { return steps_; }
    int lastIndex() const { return steps_ > 0 ? steps_ * kStageCount - 1 : 0; }

    StepPosition position() const { return pos_; }
    bool isPlaying() const { return playing_; }
    double speed() const { return speed_; }

    // Duration of one stage's animation at speed 1 (default 900 ms). 0 = no animation: moves land at
    // progress 1 at once (used by tests and exports).
    void setStageDuration(int ms);
    // Issue 12: a model without attention (seq2seq) has no score, softmax, align or context stage; with false,
    // playing and stepping go from stage 0 (prepare) straight to stage 5 (feed) and on to the next step.
    void setAttentionStages(bool present);
    bool hasAttentionStages() const { return stages_[1]; }
    // Issue 13: precomputed attention shows only the stages its numbers allow (e.g. weights alone: prepare,
    // softmax, feed). Prepare and feed always exist; `present` is indexed by Stage.
    void setStages(const std::array<bool, kStageCount>& present);
    bool hasStage(Stage s) const { return stages_[static_cast<std::size_t>(s)]; }
    int nextIndex(int index) const;      // the next position index that exists
    int previousIndex(int index) const;  // the previous one
    int stageDuration() const { return stageMs_; }

public slots:
    void play();
    void pause();
    void togglePlay();
    void nextStage();
    void previousStage();
    void nextStep();      // same stage, next decoder step
    void previousStep();
    void first();
    void last();
    // Jumps to index = step*6 + stage (clamped) showing `progress` without animating.
    void seek(int index, double progress = 1.0);
    void seekStep(int step);  // that step, stage kept
    void setSpeed(double speed);  // clamped to [0.1, 8]

signals:
    void positionChanged(const attnviz::ui::StepPosition& pos);
    void playingChanged(bool playing);
    void speedChanged(double speed);

private:
    void animateTo(int index);   // moves to `index` and eases its progress from 0 to 1
    void setPosition(const StepPosition& p);
    void onAnimationFinished();

    int steps_ = 0;
    std::array<bool, kStageCount> stages_{true, true, true, true, true, true};
    StepPosition pos_;
    bool playing_ = false;
    double speed_ = 1.0;
    int stageMs_ = 900;
    QVariantAnimation* anim_ = nullptr;
};

} // namespace attnviz::ui
