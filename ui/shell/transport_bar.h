#pragma once
// Play/pause, previous/next stage, previous/next decoder step, first/last, speed and the timeline
// over (step, stage). Every control only calls StepController slots and follows its signals.
#include "ui/step/reveal.h"
#include "ui/step/step_state.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QSlider;
class QToolButton;

namespace attnviz::ui {

class StepController;

class TransportBar : public QWidget {
    Q_OBJECT
public:
    explicit TransportBar(StepController* controller, QWidget* parent = nullptr);

    QSlider* timeline() const { return timeline_; }
    QComboBox* speedBox() const { return speed_; }
    // Step labels for the timeline tooltip / position text (target tokens), index = step.
    void setStepLabels(const QStringList& labels);
    // Re-reads the controller (call after setStepCount).
    void sync();
    // The current step's output token is named only once revealed (stage 5), unless everything shows.
    void setReveal(const Reveal& reveal);

    static const QList<double>& speeds();

private:
    void showPosition(const StepPosition& pos);
    void showPlaying(bool playing);
    void showSpeed(double speed);

    StepController* controller_;
    QSlider* timeline_;
    QComboBox* speed_;
    QLabel* where_;
    QToolButton* play_;
    QStringList labels_;
    Reveal reveal_;
};

} // namespace attnviz::ui
