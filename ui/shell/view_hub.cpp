#include "ui/shell/view_hub.h"

#include "core/model/model.h"
#include "core/formats/trace.h"
#include "ui/graphs/architecture_view.h"
#include "ui/shell/transport_bar.h"
#include "ui/step/step_view.h"
#include "ui/views/context_view.h"
#include "ui/views/heads_view.h"
#include "ui/views/heatmap_view.h"
#include "ui/views/score_table_model.h"

namespace attnviz::ui {

ViewHub::ViewHub(QObject* parent) : QObject(parent) {}

// Each attach names what that view follows, connects it with the view as context (so the connection ends
// with the view) and hands it the current state in the same order the signals come in.
void ViewHub::attach(ScoreTableModel* v)
{
    connect(this, &ViewHub::traceChanged, v, &ScoreTableModel::setTrace);
    connect(this, &ViewHub::positionChanged, v, &ScoreTableModel::setPosition);
    connect(this, &ViewHub::revealChanged, v, &ScoreTableModel::setReveal);
    connect(this, &ViewHub::highlightedSourceChanged, v, &ScoreTableModel::setHighlightedSource);
    v->setTrace(trace_);
    v->setPosition(position_);
    v->setReveal(reveal_);
    v->setHighlightedSource(highlighted_);
}

void ViewHub::attach(ContextView* v)
{
    connect(this, &ViewHub::traceChanged, v, &ContextView::setTrace);
    connect(this, &ViewHub::positionChanged, v, &ContextView::setPosition);
    connect(this, &ViewHub::revealChanged, v, &ContextView::setReveal);
    connect(this, &ViewHub::colorMapChanged, v, &ContextView::setColorMap);
    v->setTrace(trace_);
    v->setPosition(position_);
    v->setReveal(reveal_);
    v->setColorMap(colorMap_);
}

void ViewHub::attach(StepView* v)
{
    connect(this, &ViewHub::traceChanged, v, &StepView::setTrace);
    connect(this, &ViewHub::positionChanged, v, &StepView::setPosition);
    connect(this, &ViewHub::colorMapChanged, v, &StepView::setColorMap);
    connect(this, &ViewHub::highlightedSourceChanged, v, &StepView::setHighlightedSource);
    connect(v, &StepView::sourceHovered, this, &ViewHub::setHighlightedSource);
    v->setTrace(trace_);
    v->setPosition(position_);
    v->setColorMap(colorMap_);
    v->setHighlightedSource(highlighted_);
}

void ViewHub::attach(HeatmapView* v)
{
    connect(this, &ViewHub::traceChanged, v, &HeatmapView::setTrace);
    connect(this, &ViewHub::positionChanged, v, &HeatmapView::setPosition);
    connect(this, &ViewHub::revealChanged, v, &HeatmapView::setReveal);
    connect(this, &ViewHub::colorMapChanged, v, &HeatmapView::setColorMap);
    connect(this, &ViewHub::highlightedSourceChanged, v, &HeatmapView::setHighlightedSource);
    connect(v, &HeatmapView::sourceHovered, this, &ViewHub::setHighlightedSource);
    v->setTrace(trace_);
    v->setPosition(position_);
    v->setReveal(reveal_);
    v->setColorMap(colorMap_);
    v->setHighlightedSource(highlighted_);
}

void ViewHub::attach(HeadsView* v)
{
    // the small multiples show every head of the document's trace, with the picked one marked
    connect(this, &ViewHub::documentTraceChanged, v, &HeadsView::setTrace);
    connect(this, &ViewHub::headSelectionChanged, v, &HeadsView::setSelection);
    connect(this, &ViewHub::positionChanged, v, &HeadsView::setPosition);
    connect(this, &ViewHub::revealChanged, v, &HeadsView::setReveal);
    connect(this, &ViewHub::colorMapChanged, v, &HeadsView::setColorMap);
    v->setTrace(documentTrace_);
    v->setSelection(headSelection());
    v->setPosition(position_);
    v->setReveal(reveal_);
    v->setColorMap(colorMap_);
}

void ViewHub::attach(ArchitectureView* v)
{
    connect(this, &ViewHub::modelChanged, v, &ArchitectureView::setModel);
    connect(this, &ViewHub::traceChanged, v, &ArchitectureView::setTrace);
    connect(this, &ViewHub::positionChanged, v, &ArchitectureView::setPosition);
    v->setModel(model_);
    v->setTrace(trace_);
    v->setPosition(position_);
}

void ViewHub::attach(TransportBar* v)
{
    connect(this, &ViewHub::revealChanged, v, &TransportBar::setReveal);
    v->setReveal(reveal_);
}

HeadShape ViewHub::headShape() const
{
    return documentTrace_ ? attnviz::headShape(*documentTrace_) : HeadShape{};
}

HeadSelection ViewHub::headSelection() const
{
    const HeadShape shape = headShape();
    return shape.empty() ? HeadSelection{} : resolved(heads_, shape);
}

void ViewHub::setDocument(std::shared_ptr<const Trace> trace, std::shared_ptr<const Model> model)
{
    const HeadShape before = headShape();
    documentTrace_ = std::move(trace);
    const HeadShape after = headShape();
    if (after.layers != before.layers || after.heads != before.heads)
        heads_ = {};
    if (model != model_) {
        model_ = std::move(model);
        emit modelChanged(model_);
    }
    emit documentTraceChanged(documentTrace_);
    emit headSelectionChanged(headSelection());
    showHeads();
}

bool ViewHub::setHeadSelection(HeadSelection sel)
{
    const HeadShape shape = headShape();
    if (shape.empty())
        return false;
    sel = resolved(sel, shape);
    if (sel == resolved(heads_, shape))
        return false;
    heads_ = sel;
    emit headSelectionChanged(sel);
    showHeads();
    return true;
}

void ViewHub::showHeads()
{
    const HeadShape shape = headShape();
    trace_ = !documentTrace_ || shape.empty() || isDefaultSelection(heads_, shape)
                 ? documentTrace_
                 : std::make_shared<const Trace>(selectHeads(*documentTrace_, heads_));
    emit traceChanged(trace_);
}

void ViewHub::setPosition(const StepPosition& pos)
{
    position_ = pos;
    emit positionChanged(pos);
}

void ViewHub::setHighlightedSource(int j)
{
    if (j == highlighted_)
        return;
    highlighted_ = j;
    emit highlightedSourceChanged(j);
}

void ViewHub::setReveal(const Reveal& reveal)
{
    reveal_ = reveal;
    emit revealChanged(reveal);
}

void ViewHub::setColorMap(ColorMap map)
{
    colorMap_ = map;
    emit colorMapChanged(map);
}

} // namespace attnviz::ui
