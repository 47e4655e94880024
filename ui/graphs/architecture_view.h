#pragma once
// The loaded model's network, drawn from its ArchitectureGraph (ui/graphs/architecture_painter.h), animated with
// the step controller's position; the current step's attention as lines to the encoder positions.
// Zoom: wheel or Ctrl +/-; pan: drag; fit: F. Hover shows what a node is.
#include "core/formats/trace.h"
#include "core/model/architecture_graph.h"
#include "ui/graphs/architecture_painter.h"
#include "ui/step/step_state.h"
#include "ui/views/zoom_pan.h"

#include <memory>
#include <optional>

namespace attnviz {
struct Model;
}

namespace attnviz::ui {

class ArchitectureView : public ZoomPanWidget {
    Q_OBJECT
public:
    explicit ArchitectureView(QWidget* parent = nullptr);

    // The model whose wiring is drawn (null: the preset named by the trace's "architecture", with its
    // default layer count). The graph is rebuilt for the trace's source length and number of steps.
    void setModel(std::shared_ptr<const attnviz::Model> model);
    const ArchitectureGraph* graph() const { return graph_ ? &*graph_ : nullptr; }
    const StepPosition& position() const { return pos_; }
    int attentionLayer() const { return attentionLayer_; }
    const QString& attentionHeads() const { return attentionHeads_; }
    QSize sizeHint() const override { return QSize(900, 520); }

public slots:
    void setTrace(std::shared_ptr<const attnviz::Trace> trace);
    void setPosition(const attnviz::ui::StepPosition& pos);
    // A transformer's decoder layer whose cross-attention the window shows (−1: the last) and how its heads are
    // shown ("mean of 4 heads"): that layer is highlighted.
    void setAttentionLayer(int layer, const QString& heads);

protected:
    QRectF sceneBounds() const override;
    QRectF sceneViewport() const override;
    // Opens readable (9 pt text at 0.9 or more), centred on the current decoder step's column.
    double readableZoom() const override { return 0.9; }
    QPointF focusPoint() const override;
    void paintEvent(QPaintEvent* e) override;
    bool event(QEvent* e) override;

private:
    void rebuild();

    std::shared_ptr<const attnviz::Model> model_;
    std::shared_ptr<const attnviz::Trace> trace_;
    std::optional<ArchitectureGraph> graph_;
    QRectF bounds_;
    StepPosition pos_;
    int attentionLayer_ = -1;
    QString attentionHeads_;
};

} // namespace attnviz::ui
