#pragma once
// The "Heads" view (issues 13 and 16): every attention head at once, bertviz's "model view" as small multiples —
// one mini heatmap per decoder layer and head, plus each layer's mean and max — and the picked one enlarged with
// its token labels. Cross-attention, decoder self-attention (the causal mask greyed) or encoder self-attention.
// Clicking a small multiple picks what every view shows (selectionChanged); the engine computes the matrices
// (core/model/heads.h), this widget only draws them.
#include "ui/views/head_selection.h"
#include "ui/step/reveal.h"
#include "ui/step/step_state.h"
#include "ui/views/colormap.h"

#include <QWidget>

#include <memory>

class QComboBox;
class QLabel;

namespace attnviz::ui {

class HeadsView : public QWidget {
    Q_OBJECT
public:
    explicit HeadsView(QWidget* parent = nullptr);

    void setTrace(std::shared_ptr<const Trace> trace);  // the document's trace, every head
    void setSelection(HeadSelection sel);
    HeadSelection selection() const { return sel_; }
    void setPosition(const StepPosition& pos);
    void setReveal(const Reveal& reveal);
    void setColorMap(ColorMap map);
    void setKind(HeadMatrices kind);
    HeadMatrices kind() const { return kind_; }
    // Which kinds this trace holds (the kind picker offers only those).
    bool hasKind(HeadMatrices kind) const;

    // Geometry, for tests and hit-testing: the small multiple of `layer` and `column` (0..h−1 the heads, h the
    // mean, h+1 the max), and the enlarged matrix.
    QRectF cellRect(int layer, int column) const;
    QRectF focusRect() const;
    // Rows of the cross/decoder self-attention matrices revealed at the current position (all for encoder).
    int revealedRows() const;

signals:
    void selectionChanged(attnviz::HeadSelection sel);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    bool event(QEvent* event) override;

private:
    struct Geometry {
        QRectF grid, focus;
        double cellW = 0, cellH = 0, labelH = 0, gap = 4, rowLabelW = 0;
    };
    Geometry geometry() const;
    void rebuild();          // matrices for the current kind
    void updateLabel();
    QImage matrixImage(const Mat& m, int rows) const;
    const Mat* cellMatrix(int layer, int column) const;
    HeadSelection selectionAt(int layer, int column) const;
    void drawFocus(QPainter& p, const QRectF& r);
    QString tooltipAt(const QPointF& pos) const;

    std::shared_ptr<const Trace> trace_;
    HeadSelection sel_;
    HeadMatrices kind_ = HeadMatrices::Cross;
    std::vector<std::vector<Mat>> all_;      // [layer][head]
    std::vector<std::vector<Mat>> derived_;  // [layer][0 = mean, 1 = max]
    StepPosition pos_;
    Reveal reveal_;
    ColorMap map_ = ColorMap::Viridis;
    QComboBox* kindBox_ = nullptr;
    QLabel* label_ = nullptr;
};

} // namespace attnviz::ui
