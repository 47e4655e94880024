#include "ui/step/step_view.h"

#include "ui/step/step_text.h"

#include <QContextMenuEvent>
#include <QDateTime>
#include <QDoubleValidator>
#include <QHelpEvent>
#include <QKeyEvent>
#include <QLineEdit>
#include <QLocale>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <cmath>

namespace attnviz::ui {

StepView::StepView(QWidget* parent) : QWidget(parent)
{
    setMouseTracking(true);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setFocusPolicy(Qt::ClickFocus);
    opt_.font = font();
}

void StepView::setTrace(std::shared_ptr<const Trace> trace)
{
    closeEditor();
    trace_ = std::move(trace);
    invalidate();
}

void StepView::setPosition(const StepPosition& pos)
{
    if (pos.step != pos_.step)
        closeEditor();
    pos_ = pos;
    invalidate();
}

void StepView::setColorMap(ColorMap map)
{
    opt_.colorMap = map;
    update();
}

void StepView::setEditable(bool editable)
{
    editable_ = editable;
    if (!editable)
        closeEditor();
}

void StepView::setDarkBackground(bool dark)
{
    opt_.darkBackground = dark;
    update();
}

void StepView::invalidate()
{
    layoutValid_ = false;
    update();
}

const StepLayout& StepView::layout() const
{
    if (!layoutValid_) {
        static const Trace empty;
        layout_ = layoutStepView(QRectF(rect()), trace_ ? *trace_ : empty, pos_, opt_);
        layoutValid_ = true;
    }
    return layout_;
}

void StepView::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    if (!trace_) {
        p.fillRect(rect(), opt_.darkBackground ? QColor(0x1e, 0x1f, 0x22) : QColor(Qt::white));
        p.setPen(QColor(0x6e, 0x77, 0x81));
        p.drawText(rect(), Qt::AlignCenter, tr("Open an example or a model to see attention step by step."));
        return;
    }
    opt_.font = font();
    opt_.ghost = ghost_.get();
    paintStepView(p, QRectF(rect()), *trace_, pos_, opt_);
}

void StepView::resizeEvent(QResizeEvent* event)
{
    closeEditor();
    layoutValid_ = false;
    QWidget::resizeEvent(event);
}

QString StepView::toolTipAt(const QPointF& pos) const
{
    if (!trace_)
        return {};
    return describeStepHit(*trace_, pos_, hitTest(layout(), pos));
}

bool StepView::event(QEvent* event)
{
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const QString text = toolTipAt(help->pos());
        if (text.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(help->globalPos(), text, this);
        return true;
    }
    return QWidget::event(event);
}

void StepView::mouseDoubleClickEvent(QMouseEvent* event)
{
    if (!editAt(event->position()))
        QWidget::mouseDoubleClickEvent(event);
}

bool StepView::editAt(const QPointF& pos)
{
    if (!editable_ || !trace_ || trace_->steps.empty())
        return false;
    const StepLayout& L = layout();
    const StepHit hit = hitTest(L, pos);
    const int step = std::clamp(pos_.step, 0, static_cast<int>(trace_->steps.size()) - 1);
    QRectF cell;
    double value = 0;
    if (hit.part == StepPart::EncoderCell && !showsHeadKeys(*trace_) && hit.index < trace_->encoderStates.rows()
        && hit.component < trace_->encoderStates.cols()) {  // one head's keys/values are the model's, not editable
        cell = cellRect(L.stateRects[static_cast<std::size_t>(hit.index)], L.dk, hit.component);
        value = trace_->encoderStates(hit.index, hit.component);
    } else if (hit.part == StepPart::QueryCell && hit.component < trace_->steps[static_cast<std::size_t>(step)].query.size()) {
        cell = cellRect(L.queryRect, L.dq, hit.component);
        value = trace_->steps[static_cast<std::size_t>(step)].query(hit.component);
    } else {
        return false;
    }
    closeEditor();
    editing_ = hit;
    editor_ = new QLineEdit(this);
    auto* validator = new QDoubleValidator(editor_);
    validator->setLocale(QLocale::c());
    validator->setNotation(QDoubleValidator::ScientificNotation);
    editor_->setValidator(validator);
    editor_->setText(QString::number(value, 'g', 10));
    editor_->selectAll();
    const QSizeF size(std::max(cell.width(), 80.0), std::max(cell.height(), editor_->sizeHint().height() * 1.0));
    editor_->setGeometry(QRectF(QPointF(cell.center().x() - size.width() / 2, cell.center().y() - size.height() / 2), size).toRect());
    connect(editor_, &QLineEdit::returnPressed, this, &StepView::commitEdit);
    editor_->installEventFilter(this);
    editor_->show();
    editor_->setFocus();
    return true;
}

bool StepView::eventFilter(QObject* watched, QEvent* event)
{
    if (editor_ && watched == editor_) {
        if (event->type() == QEvent::KeyPress && static_cast<QKeyEvent*>(event)->key() == Qt::Key_Escape) {
            closeEditor();
            return true;
        }
        if (event->type() == QEvent::FocusOut) {
            commitEdit();
            return false;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void StepView::commitEdit()
{
    if (!editor_)
        return;
    bool ok = false;
    const double value = QLocale::c().toDouble(editor_->text(), &ok);
    const StepHit hit = editing_;
    closeEditor();
    if (!ok || !std::isfinite(value))
        return;
    if (hit.part == StepPart::EncoderCell)
        emit stateEdited(false, hit.index, hit.component, value);
    else if (hit.part == StepPart::QueryCell)
        emit stateEdited(true, std::clamp(pos_.step, 0, std::max(0, static_cast<int>(trace_ ? trace_->steps.size() : 1) - 1)), hit.component, value);
}

void StepView::closeEditor()
{
    if (!editor_)
        return;
    QLineEdit* e = editor_;
    editor_ = nullptr;
    editing_ = {};
    e->hide();
    e->deleteLater();
}

void StepView::setWhatIfEnabled(bool enabled)
{
    whatIf_ = enabled;
    if (!enabled)
        dragIndex_ = -1;
}

void StepView::setGhost(std::shared_ptr<const Trace> ghost)
{
    ghost_ = std::move(ghost);
    update();
}

int StepView::currentStep() const
{
    if (!trace_ || trace_->steps.empty())
        return -1;
    return std::clamp(pos_.step, 0, static_cast<int>(trace_->steps.size()) - 1);
}

Vec StepView::draggedWeights(const Vec& weights, int j, double value)
{
    const Eigen::Index n = weights.size();
    if (n < 2 || j < 0 || j >= n)
        return {};
    value = std::clamp(value, 0.0, 1.0);
    Vec w = weights;
    const double others = weights.sum() - weights(j);
    for (Eigen::Index k = 0; k < n; ++k)
        if (k != j)
            w(k) = others > 1e-12 ? weights(k) * (1.0 - value) / others : (1.0 - value) / static_cast<double>(n - 1);
    w(j) = value;
    return w;
}

bool StepView::dragTo(const QPointF& pos, bool final)
{
    const int step = currentStep();
    const StepLayout& L = layout();
    if (step < 0 || dragIndex_ < 0 || L.barHeight <= 0)
        return false;
    const double baseY = L.weightBand.top() + L.barHeight;
    const Vec w = draggedWeights(dragBase_, dragIndex_, (baseY - pos.y()) / L.barHeight);
    if (w.size() == 0)
        return false;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (final || now - lastDragEmit_ >= 33) {
        lastDragEmit_ = now;
        emit weightsEdited(step + 1, w, final);
    }
    return true;
}

void StepView::mousePressEvent(QMouseEvent* event)
{
    const int step = currentStep();
    if (whatIf_ && event->button() == Qt::LeftButton && step >= 0 && static_cast<int>(pos_.stage) >= static_cast<int>(Stage::Softmax)) {
        const StepTrace& st = trace_->steps[static_cast<std::size_t>(step)];
        const StepHit hit = hitTest(layout(), event->position());
        if (hit.part == StepPart::Weight && st.attention && hit.index < st.attention->weights.size()) {
            dragIndex_ = hit.index;
            dragBase_ = st.attention->weights;
            lastDragEmit_ = 0;
            setCursor(Qt::SizeVerCursor);
            dragTo(event->position(), false);
            return;
        }
    }
    QWidget::mousePressEvent(event);
}

void StepView::mouseMoveEvent(QMouseEvent* event)
{
    if (dragIndex_ >= 0 && (event->buttons() & Qt::LeftButton)) {
        dragTo(event->position(), false);
        return;
    }
    const StepHit hit = hitTest(layout(), event->position());
    if (whatIf_ && static_cast<int>(pos_.stage) >= static_cast<int>(Stage::Softmax) && hit.part == StepPart::Weight)
        setCursor(Qt::SizeVerCursor);
    else
        unsetCursor();
    const bool column = hit.part == StepPart::EncoderCell || hit.part == StepPart::AlignCell || hit.part == StepPart::Score
                        || hit.part == StepPart::Weight || hit.part == StepPart::Token;
    const int j = column ? hit.index : -1;
    if (j != hovered_) {
        hovered_ = j;
        emit sourceHovered(j);
    }
    QWidget::mouseMoveEvent(event);
}

void StepView::leaveEvent(QEvent* event)
{
    if (hovered_ >= 0) {
        hovered_ = -1;
        emit sourceHovered(-1);
    }
    QWidget::leaveEvent(event);
}

void StepView::setHighlightedSource(int j)
{
    if (j == opt_.highlightSource)
        return;
    opt_.highlightSource = j;
    update();
}

void StepView::mouseReleaseEvent(QMouseEvent* event)
{
    if (dragIndex_ >= 0 && event->button() == Qt::LeftButton) {
        dragTo(event->position(), true);
        dragIndex_ = -1;
        unsetCursor();
        return;
    }
    QWidget::mouseReleaseEvent(event);
}

void StepView::contextMenuEvent(QContextMenuEvent* event)
{
    const int step = currentStep();
    if (whatIf_ && step >= 0 && layout().decoderRect.contains(event->pos())) {
        emit outputMenuRequested(step + 1, event->globalPos());
        return;
    }
    QWidget::contextMenuEvent(event);
}

} // namespace attnviz::ui
