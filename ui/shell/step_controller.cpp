#include "ui/shell/step_controller.h"

#include <QEasingCurve>
#include <QVariantAnimation>

#include <algorithm>

namespace attnviz::ui {

StepController::StepController(QObject* parent) : QObject(parent), anim_(new QVariantAnimation(this))
{
    anim_->setStartValue(0.0);
    anim_->setEndValue(1.0);
    anim_->setEasingCurve(QEasingCurve::InOutCubic);
    connect(anim_, &QVariantAnimation::valueChanged, this, [this](const QVariant& v) {
        StepPosition p = pos_;
        p.progress = v.toDouble();
        setPosition(p);
    });
    connect(anim_, &QVariantAnimation::finished, this, &StepController::onAnimationFinished);
}

void StepController::setStepCount(int steps)
{
    anim_->stop();
    steps_ = std::max(0, steps);
    if (playing_) {
        playing_ = false;
        emit playingChanged(false);
    }
    StepPosition p = StepPosition::fromIndex(std::min(pos_.index(), lastIndex()), 1.0);
    pos_ = StepPosition{};  // force a positionChanged: the trace behind the position is new
    pos_.progress = -1.0;
    setPosition(p);
}

void StepController::setAttentionStages(bool present)
{
    setStages({true, present, present, present, present, true});
}

void StepController::setStages(const std::array<bool, kStageCount>& present)
{
    stages_ = present;
    stages_[static_cast<std::size_t>(Stage::Prepare)] = stages_[static_cast<std::size_t>(Stage::Feed)] = true;
    if (!hasStage(pos_.stage))
        seek(pos_.step * kStageCount + static_cast<int>(Stage::Feed));
}

int StepController::nextIndex(int index) const
{
    ++index;
    while (!stages_[static_cast<std::size_t>(index % kStageCount)])
        ++index;
    return std::min(index, lastIndex());
}

int StepController::previousIndex(int index) const
{
    --index;
    while (index > 0 && !stages_[static_cast<std::size_t>(index % kStageCount)])
        --index;
    return std::max(index, 0);
}

void StepController::setStageDuration(int ms)
{
    stageMs_ = std::max(0, ms);
}

void StepController::setPosition(const StepPosition& p)
{
    if (p == pos_)
        return;
    pos_ = p;
    emit positionChanged(pos_);
}

void StepController::animateTo(int index)
{
    anim_->stop();
    index = std::clamp(index, 0, lastIndex());
    const int ms = static_cast<int>(stageMs_ / speed_);
    if (ms <= 0 || steps_ == 0) {
        setPosition(StepPosition::fromIndex(index, 1.0));
        if (playing_)
            onAnimationFinished();
        return;
    }
    setPosition(StepPosition::fromIndex(index, 0.0));
    anim_->setDuration(ms);
    anim_->start();
}

void StepController::onAnimationFinished()
{
    if (!playing_)
        return;
    if (pos_.index() >= lastIndex()) {
        pause();
        return;
    }
    if (stageMs_ <= 0) {
        // No animation: advance through the queue so a long trace does not recurse deeply.
        QMetaObject::invokeMethod(this, [this] { if (playing_) animateTo(nextIndex(pos_.index())); }, Qt::QueuedConnection);
        return;
    }
    animateTo(nextIndex(pos_.index()));
}

void StepController::play()
{
    if (playing_ || steps_ == 0)
        return;
    playing_ = true;
    emit playingChanged(true);
    if (pos_.index() >= lastIndex())
        animateTo(0);  // at the end, play starts again from the beginning
    else if (anim_->state() != QAbstractAnimation::Running)
        animateTo(pos_.progress < 1.0 ? pos_.index() : nextIndex(pos_.index()));
}

void StepController::pause()
{
    if (!playing_)
        return;
    playing_ = false;
    // Let the current stage finish its motion; only the advance to the next stage stops.
    emit playingChanged(false);
}

void StepController::togglePlay()
{
    if (playing_)
        pause();
    else
        play();
}

void StepController::nextStage()
{
    if (pos_.index() < lastIndex())
        animateTo(nextIndex(pos_.index()));
}

void StepController::previousStage()
{
    if (pos_.index() > 0)
        seek(previousIndex(pos_.index()));
}

void StepController::nextStep()
{
    if (pos_.step + 1 < steps_)
        animateTo(pos_.index() + kStageCount);
}

void StepController::previousStep()
{
    if (pos_.step > 0)
        seek(pos_.index() - kStageCount);
}

void StepController::first()
{
    seek(0);
}

void StepController::last()
{
    seek(lastIndex());
}

void StepController::seek(int index, double progress)
{
    anim_->stop();
    if (playing_) {  // scrubbing while playing: keep playing from there
        animateTo(index);
        return;
    }
    setPosition(StepPosition::fromIndex(std::clamp(index, 0, lastIndex()), std::clamp(progress, 0.0, 1.0)));
}

void StepController::seekStep(int step)
{
    Stage stage = pos_.stage;
    if (!hasStage(stage))
        stage = Stage::Feed;
    seek(std::clamp(step, 0, std::max(0, steps_ - 1)) * kStageCount + static_cast<int>(stage));
}

void StepController::setSpeed(double speed)
{
    speed = std::clamp(speed, 0.1, 8.0);
    if (qFuzzyCompare(speed, speed_))
        return;
    speed_ = speed;
    emit speedChanged(speed_);
}

} // namespace attnviz::ui
