#include "ui/shell/transport_bar.h"

#include "ui/shell/step_controller.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSlider>
#include <QStyle>
#include <QToolButton>

#include <cmath>

namespace attnviz::ui {

namespace {

QToolButton* button(QWidget* parent, QStyle::StandardPixmap icon, const QString& tip)
{
    auto* b = new QToolButton(parent);
    b->setIcon(parent->style()->standardIcon(icon));
    b->setToolTip(tip);
    b->setAutoRaise(true);
    b->setFocusPolicy(Qt::NoFocus);  // keys belong to the window's shortcuts
    return b;
}

} // namespace

const QList<double>& TransportBar::speeds()
{
    static const QList<double> s{0.25, 0.5, 1.0, 1.5, 2.0, 4.0};
    return s;
}

TransportBar::TransportBar(StepController* controller, QWidget* parent)
    : QWidget(parent), controller_(controller), timeline_(new QSlider(Qt::Horizontal, this)), speed_(new QComboBox(this)),
      where_(new QLabel(this))
{
    auto* first = button(this, QStyle::SP_MediaSkipBackward, tr("First (Home)"));
    auto* prevStep = button(this, QStyle::SP_MediaSeekBackward, tr("Previous decoder step (Shift+Left, Up)"));
    auto* prevStage = button(this, QStyle::SP_ArrowLeft, tr("Previous stage (Left)"));
    play_ = button(this, QStyle::SP_MediaPlay, tr("Play / pause (Space)"));
    auto* nextStage = button(this, QStyle::SP_ArrowRight, tr("Next stage (Right)"));
    auto* nextStep = button(this, QStyle::SP_MediaSeekForward, tr("Next decoder step (Shift+Right, Down)"));
    auto* last = button(this, QStyle::SP_MediaSkipForward, tr("Last (End)"));

    timeline_->setToolTip(tr("Timeline over (decoder step, stage): drag to scrub"));
    timeline_->setPageStep(kStageCount);
    timeline_->setTickPosition(QSlider::TicksBelow);
    timeline_->setTickInterval(kStageCount);
    timeline_->setFocusPolicy(Qt::NoFocus);
    for (double s : speeds())
        speed_->addItem(QStringLiteral("%1×").arg(s), s);
    speed_->setToolTip(tr("Animation speed"));
    speed_->setFocusPolicy(Qt::NoFocus);
    where_->setMinimumWidth(where_->fontMetrics().horizontalAdvance(QStringLiteral("step 88/88 · stage 5 context · «wwwwwww»")));

    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(6, 2, 6, 2);
    for (QWidget* w : {static_cast<QWidget*>(first), static_cast<QWidget*>(prevStep), static_cast<QWidget*>(prevStage),
                       static_cast<QWidget*>(play_), static_cast<QWidget*>(nextStage), static_cast<QWidget*>(nextStep),
                       static_cast<QWidget*>(last)})
        layout->addWidget(w);
    layout->addWidget(timeline_, 1);
    layout->addWidget(where_);
    // The first screen says how to move (issue 12): the keys, in small grey type.
    auto* keys = new QLabel(tr("Space play · ←/→ stage · ↑/↓ step"), this);
    keys->setObjectName(QStringLiteral("keysHint"));
    keys->setStyleSheet(QStringLiteral("QLabel { color: #6e7781; }"));
    QFont small = keys->font();
    small.setPointSizeF(small.pointSizeF() * 0.9);
    keys->setFont(small);
    layout->addWidget(keys);
    layout->addWidget(new QLabel(tr("Speed"), this));
    layout->addWidget(speed_);

    connect(first, &QToolButton::clicked, controller_, &StepController::first);
    connect(prevStep, &QToolButton::clicked, controller_, &StepController::previousStep);
    connect(prevStage, &QToolButton::clicked, controller_, &StepController::previousStage);
    connect(play_, &QToolButton::clicked, controller_, &StepController::togglePlay);
    connect(nextStage, &QToolButton::clicked, controller_, &StepController::nextStage);
    connect(nextStep, &QToolButton::clicked, controller_, &StepController::nextStep);
    connect(last, &QToolButton::clicked, controller_, &StepController::last);
    // Only user moves of the slider seek; programmatic updates are made with signals blocked.
    connect(timeline_, &QSlider::valueChanged, controller_, [this](int v) { controller_->seek(v); });
    connect(speed_, &QComboBox::activated, controller_, [this](int i) { controller_->setSpeed(speed_->itemData(i).toDouble()); });

    connect(controller_, &StepController::positionChanged, this, &TransportBar::showPosition);
    connect(controller_, &StepController::playingChanged, this, &TransportBar::showPlaying);
    connect(controller_, &StepController::speedChanged, this, &TransportBar::showSpeed);
    sync();
}

void TransportBar::setReveal(const Reveal& reveal)
{
    reveal_ = reveal;
    showPosition(controller_->position());
}

void TransportBar::setStepLabels(const QStringList& labels)
{
    labels_ = labels;
    showPosition(controller_->position());
}

void TransportBar::sync()
{
    {
        const QSignalBlocker block(timeline_);
        timeline_->setRange(0, controller_->lastIndex());
    }
    setEnabled(controller_->stepCount() > 0);
    showPosition(controller_->position());
    showPlaying(controller_->isPlaying());
    showSpeed(controller_->speed());
}

void TransportBar::showPosition(const StepPosition& pos)
{
    {
        const QSignalBlocker block(timeline_);
        timeline_->setValue(pos.index());
    }
    // Stages are numbered 0–5 everywhere (the step view's chips and caption, the status bar).
    QString text = tr("step %1/%2 · stage %3 %4")
                       .arg(pos.step + 1)
                       .arg(controller_->stepCount())
                       .arg(stageNumber(pos.stage))
                       .arg(QLatin1String(stageName(pos.stage)));
    if (pos.step < labels_.size() && !labels_[pos.step].isEmpty())
        text += QStringLiteral(" · «%1»").arg(reveal_.output(pos.step, pos) ? labels_[pos.step] : QStringLiteral("?"));
    where_->setText(text);
}

void TransportBar::showPlaying(bool playing)
{
    play_->setIcon(style()->standardIcon(playing ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
}

void TransportBar::showSpeed(double speed)
{
    int best = 0;
    for (int i = 1; i < speed_->count(); ++i)
        if (std::abs(speed_->itemData(i).toDouble() - speed) < std::abs(speed_->itemData(best).toDouble() - speed))
            best = i;
    speed_->setCurrentIndex(best);
}

} // namespace attnviz::ui
