#pragma once
// The beam-search tree of a decode with beam width > 1: hypotheses per step with their log-probabilities,
// pruned candidates greyed, finished ones (<eos>) double-framed, the winning path in bold blue, the
// selected hypothesis in orange. Clicking a node selects the best ended hypothesis through it and emits
// hypothesisSelected(index into DecodeResult::hypotheses) so other views can show its attention.
#include "core/model/decoding.h"
#include "ui/views/zoom_pan.h"

#include <QFont>

#include <memory>

class QPainter;

namespace attnviz::ui {

// `selected`: index into result.hypotheses (-1: none). `t` maps the scene to the device.
void paintBeamTree(QPainter& p, const QRectF& rect, const DecodeResult& result, int selected, const ViewTransform& t,
                   const QFont& font = QFont());

class BeamView : public ZoomPanWidget {
    Q_OBJECT
public:
    explicit BeamView(QWidget* parent = nullptr);
    void setResult(std::shared_ptr<const attnviz::DecodeResult> result);
    std::shared_ptr<const attnviz::DecodeResult> result() const { return result_; }
    int selectedHypothesis() const { return selected_; }
    QSize sizeHint() const override { return QSize(800, 420); }

public slots:
    void setSelectedHypothesis(int index);  // no signal

signals:
    void hypothesisSelected(int index);
    // What-if (issue 14): right-click a node → "follow this branch": the target ids from the root to that node.
    void branchRequested(const QList<int>& tokenIds);

protected:
    QRectF sceneBounds() const override;
    void contextMenuEvent(QContextMenuEvent* e) override;
    QRectF sceneViewport() const override;
    // Opens readable (9 pt text at 0.9 or more) at the root, where the search starts.
    double readableZoom() const override { return 0.9; }

    // Opens at a readable zoom with the root at the left edge, vertically on the chosen path as far as it shows
    // (a deep tree's best path climbs away from the root; issue 12).
    QPointF focusPoint() const override;
    void paintEvent(QPaintEvent* e) override;
    void clicked(const QPointF& device) override;
    bool event(QEvent* e) override;

private:
    std::shared_ptr<const attnviz::DecodeResult> result_;
    QRectF bounds_;
    QRectF root_;  // the root node's rectangle (scene coordinates)
    std::vector<QRectF> bestPath_;  // the winning hypothesis's nodes, root first (scene coordinates)
    int selected_ = -1;
};

} // namespace attnviz::ui
