#pragma once
// The step view widget: shows paintStepView for the current trace and position, tooltips with the value
// under the mouse (also in colour-strip mode), and — for examples — a double-click editor on the state
// cells. It does not animate by itself: the step controller drives StepPosition::progress.
#include "core/formats/trace.h"
#include "ui/step/step_layout.h"
#include "ui/step/step_renderer.h"
#include "ui/step/step_state.h"
#include "ui/views/colormap.h"

#include <QWidget>

#include <memory>

class QLineEdit;

namespace attnviz::ui {

class StepView : public QWidget {
    Q_OBJECT
public:
    explicit StepView(QWidget* parent = nullptr);

    void setTrace(std::shared_ptr<const Trace> trace);
    void setPosition(const StepPosition& pos);
    void setColorMap(ColorMap map);
    void setEditable(bool editable);  // examples only: double-click a state cell to edit it
    void setDarkBackground(bool dark);
    // What-if (issue 14): models only — drag an a_j bar to set this step's weights; right-click the decoder
    // box for other words. ghost: the run before the what-if (drawn as dashed outlines), null for none.
    void setWhatIfEnabled(bool enabled);
    void setGhost(std::shared_ptr<const Trace> ghost);
    bool isWhatIfEnabled() const { return whatIf_; }
    // Issue 12: the source position hovered in any view, outlined here (−1 none).
    void setHighlightedSource(int j);
    int highlightedSource() const { return opt_.highlightSource; }
    // The weights after dragging bar j to height `value` (0–1): a_j = value, the others scaled to share the rest
    // (evenly when they were all 0). Empty when n < 2.
    static Vec draggedWeights(const Vec& weights, int j, double value);

    std::shared_ptr<const Trace> trace() const { return trace_; }
    StepPosition position() const { return pos_; }
    ColorMap colorMap() const { return opt_.colorMap; }
    bool isEditable() const { return editable_; }

    // The layout of the frame as painted (widget coordinates), for hit-testing.
    const StepLayout& layout() const;
    // Tooltip text for a widget point ("" when nothing is there).
    QString toolTipAt(const QPointF& pos) const;
    // Opens the inline editor on the state cell at `pos`; false when it is not an editable cell.
    bool editAt(const QPointF& pos);
    QLineEdit* editor() const { return editor_; }

    QSize sizeHint() const override { return {1100, 680}; }
    QSize minimumSizeHint() const override { return {480, 320}; }

signals:
    // A state cell was edited: decoder = the query of step `row`, otherwise encoder state `row`; col = component.
    void stateEdited(bool decoder, int row, int col, double value);
    // What-if: the weights of step `step` (1-based) dragged; final = the mouse was released.
    void weightsEdited(int step, const attnviz::Vec& weights, bool final);
    // What-if: the person asked for other words at step `step` (1-based), at `globalPos`.
    void outputMenuRequested(int step, const QPoint& globalPos);
    // The mouse is over source position j's column (token, state, score, weight or v_j); −1 when it left.
    void sourceHovered(int j);

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    bool event(QEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void leaveEvent(QEvent* event) override;
    void contextMenuEvent(QContextMenuEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;  // Escape / focus loss close the editor

private:
    void invalidate();
    void commitEdit();
    void closeEditor();

    std::shared_ptr<const Trace> trace_;
    StepPosition pos_;
    StepRenderOptions opt_;
    bool editable_ = false;
    mutable StepLayout layout_;
    mutable bool layoutValid_ = false;
    QLineEdit* editor_ = nullptr;
    StepHit editing_;
    bool whatIf_ = false;
    std::shared_ptr<const Trace> ghost_;
    int dragIndex_ = -1;        // the bar being dragged
    Vec dragBase_;              // the weights when the drag began
    qint64 lastDragEmit_ = 0;   // ms, to keep live recomputation at about 30 a second
    int currentStep() const;    // 0-based, clamped; -1 without steps
    int hovered_ = -1;          // the source column under the mouse (emitted as sourceHovered)
    bool dragTo(const QPointF& pos, bool final);
};

} // namespace attnviz::ui
