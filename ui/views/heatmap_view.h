#pragma once
// The alignment heatmap: target tokens (rows, one per decoder step) × source tokens (columns), the
// softmax weights a_tj as colours on a fixed 0–1 scale. Rows fill up to the current step; the current
// row is outlined. Hover shows the value, a click on a row emits stepClicked. QCustomPlot lives only
// in heatmap_view.cpp (each file including qcustomplot.h costs seconds to compile).
#include "core/formats/trace.h"
#include "ui/step/reveal.h"
#include "ui/step/step_state.h"
#include "ui/views/colormap.h"

#include <QWidget>

#include <memory>

class QCustomPlot;
class QCPColorMap;
class QCPColorScale;
class QCPItemRect;
class QCPItemText;
class QCPTextElement;
class QMouseEvent;
class QPaintDevice;

namespace attnviz::ui {

class HeatmapView : public QWidget {
    Q_OBJECT
public:
    explicit HeatmapView(QWidget* parent = nullptr);
    ~HeatmapView() override;

    void setTrace(std::shared_ptr<const Trace> trace);
    // Fills the rows revealed at `pos` (earlier steps; the current one from its softmax stage on), labels
    // the rows whose output is known, marks row pos.step.
    void setPosition(const StepPosition& pos);
    void setReveal(const Reveal& reveal);  // progressive (default) or everything
    void setCurrentRowMarked(bool marked);  // the orange outline of the current row (off in exports)
    void setColorMap(ColorMap map);
    // The values the colour scale spans and its label (default 0–1, "attention weight"); e.g. −1–1 for a
    // difference of two models' weights.
    void setValueRange(double lo, double hi, const QString& label);
    // Issue 12: the source position hovered in any view, its column outlined (−1 none; never in exports).
    void setHighlightedSource(int j);
    int highlightedSource() const { return highlight_; }

    std::shared_ptr<const Trace> trace() const { return trace_; }
    ColorMap colorMap() const { return colorMap_; }
    int rows() const;         // decoder steps
    int columns() const;      // source positions
    int currentRow() const;   // the marked row (-1 without trace)
    int filledRows() const;   // rows holding data, counted from the colour map itself
    // The colour map's value at (row, col): the weight, or NaN for a row not reached yet.
    double cellValue(int row, int col) const;
    // Row (= decoder step) and column under a point in this widget's coordinates; -1 outside the map.
    int stepAt(const QPointF& pos) const;
    int sourceAt(const QPointF& pos) const;
    // "je ← student: 0.93" for the cell under `pos` ("" outside or in an unfilled row).
    QString valueTextAt(const QPointF& pos) const;
    QCustomPlot* plot() const { return plot_; }
    // The plot title in full ("Alignment — …") and as shown: elided to the widget's width (the 440 px
    // dock cuts long sentences); exports (renderTo) elide to their own, usually wider, canvas.
    QString fullTitle() const { return fullTitle_; }
    QString noteText() const;  // the note shown instead of cells ("" when cells are shown)
    QString shownTitle() const;

    // Draws the heatmap on any paint device (image, SVG, PDF) with the plot laid out for `logicalSize`
    // and scaled by `scale` — the same QCustomPlot drawing as on screen (used by export).
    void renderTo(QPaintDevice& device, const QSize& logicalSize, double scale);
    // SVG/PDF exports draw each cell as a rectangle up to this many cells (a bitmap beyond).
    static constexpr long long kMaxVectorCells = 250000;

signals:
    void stepClicked(int step);
    // Right button on a row or its label: step (0-based) and where, for the what-if menu.
    void stepMenuRequested(int step, const QPoint& globalPos);
    // The mouse is over source column j (−1 when it left the map).
    void sourceHovered(int j);

protected:
    void resizeEvent(QResizeEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;  // the mouse leaving the plot

private:
    void rebuild();
    void fillRows();
    void fitTitle(int width);
    void labelColumns(int width);
    int labelHeight_ = 600;        // the height row labels are thinned for (the widget's, or an export's)  // source labels upright, turned or thinned so they never overlap at `width` px  // title_ = fullTitle_ elided to `width` pixels
    void onMouseMove(QMouseEvent* event);
    void onMousePress(QMouseEvent* event);
    QPointF toPlot(const QPointF& widgetPos) const;

    QCustomPlot* plot_ = nullptr;
    QCPColorMap* map_ = nullptr;
    QCPColorScale* scale_ = nullptr;
    QCPItemRect* marker_ = nullptr;
    QCPItemRect* column_ = nullptr;  // the hovered source column
    int highlight_ = -1;
    bool renderingExport_ = false;  // renderTo lays the plot out for an export's size: the title is fitted there
    int hovered_ = -1;
    QCPItemText* note_ = nullptr;
    QCPTextElement* title_ = nullptr;
    QString fullTitle_;
    std::shared_ptr<const Trace> trace_;
    int current_ = -1;
    StepPosition pos_;
    Reveal reveal_;
    bool marked_ = true;
    void relabelRows();
    ColorMap colorMap_ = ColorMap::Viridis;
};

} // namespace attnviz::ui
