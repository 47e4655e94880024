#pragma once
// What the views of one window show, held in one place (issue 18, Hotspot-style wiring): the document's trace
// (every head), the trace as shown (the head selection applied by core's selectHeads), the model, the step
// position, the hovered source position, how much is revealed and the colour map. The window sets it; each view
// is attached once and from then on follows the hub's signals (and its hover goes back into the hub), so the
// window no longer relays every change to every view by hand. Computes nothing itself beyond asking core for
// the head view.
#include "ui/views/head_selection.h"
#include "ui/step/reveal.h"
#include "ui/step/step_state.h"
#include "ui/views/colormap.h"

#include <QObject>

#include <memory>

namespace attnviz {
struct Model;
struct Trace;
}

namespace attnviz::ui {

class ArchitectureView;
class ContextView;
class HeadsView;
class HeatmapView;
class ScoreTableModel;
class StepView;
class TransportBar;

class ViewHub : public QObject {
    Q_OBJECT
public:
    explicit ViewHub(QObject* parent = nullptr);

    // Wires a view: it gets the current state now and every change after (the connection ends with the view).
    void attach(ScoreTableModel* view);
    void attach(ContextView* view);
    void attach(StepView* view);
    void attach(HeatmapView* view);
    void attach(HeadsView* view);
    void attach(ArchitectureView* view);
    void attach(TransportBar* view);

    // A new trace (and the model it came from, null for an example or a trace file). A trace whose head shape
    // differs from the last one starts on the default selection (the last layer's mean).
    void setDocument(std::shared_ptr<const Trace> trace, std::shared_ptr<const Model> model);
    // Resolved against the trace's head shape; false (and nothing emitted) when the views already show it or
    // the trace has no heads.
    bool setHeadSelection(HeadSelection sel);
    void setPosition(const StepPosition& pos);
    void setHighlightedSource(int j);
    void setReveal(const Reveal& reveal);
    void setColorMap(ColorMap map);

    std::shared_ptr<const Trace> documentTrace() const { return documentTrace_; }
    std::shared_ptr<const Trace> trace() const { return trace_; }  // as shown
    std::shared_ptr<const Model> model() const { return model_; }
    HeadShape headShape() const;
    HeadSelection headSelection() const;  // resolved; the default when the trace has no heads
    const StepPosition& position() const { return position_; }
    int highlightedSource() const { return highlighted_; }
    const Reveal& reveal() const { return reveal_; }
    ColorMap colorMap() const { return colorMap_; }

signals:
    void modelChanged(std::shared_ptr<const attnviz::Model> model);
    void documentTraceChanged(std::shared_ptr<const attnviz::Trace> trace);  // every head
    void headSelectionChanged(attnviz::HeadSelection sel);                   // resolved
    void traceChanged(std::shared_ptr<const attnviz::Trace> trace);          // as shown; after the two above
    void positionChanged(const attnviz::ui::StepPosition& pos);
    void highlightedSourceChanged(int j);
    void revealChanged(const attnviz::ui::Reveal& reveal);
    void colorMapChanged(attnviz::ui::ColorMap map);

private:
    void showHeads();  // trace_ from documentTrace_ and heads_, then traceChanged

    std::shared_ptr<const Trace> documentTrace_, trace_;
    std::shared_ptr<const Model> model_;
    HeadSelection heads_;
    StepPosition position_;
    int highlighted_ = -1;
    Reveal reveal_;
    ColorMap colorMap_ = ColorMap::Viridis;
};

} // namespace attnviz::ui
