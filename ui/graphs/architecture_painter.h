#pragma once
// Draws an ArchitectureGraph (laid out by layoutArchitecture) with the current decoder step and stage
// highlighted and the step's attention weights as lines from the decoder step to the encoder positions.
// Shared by ArchitectureView and the export (ui/export/view_export.h).
#include "core/formats/trace.h"
#include "core/model/architecture_graph.h"
#include "ui/step/step_state.h"
#include "ui/views/zoom_pan.h"

#include <QFont>
#include <QString>
#include <QStringList>

class QPainter;

namespace attnviz::ui {

struct ArchitecturePaintOptions {
    QFont font;                 // default: DejaVu Sans 9 pt
    bool showHeader = true;     // description of the wiring, top left (not zoomed)
    bool showLegend = true;     // edge kinds, bottom left (not zoomed)
    // transformer: the decoder layer whose cross-attention the window shows (its layer/head picker; −1: the
    // last, the trace's default) and how its heads are shown ("mean of 4 heads"; "" → not written)
    int attentionLayer = -1;
    QString attentionHeads;
};

// `trace` may be null (no weights, no tokens). `t` maps the scene to the painter's device coordinates.
void paintArchitecture(QPainter& p, const QRectF& rect, const ArchitectureGraph& graph, const Trace* trace,
                       const StepPosition& pos, const ViewTransform& t, const ArchitecturePaintOptions& options = {});

// Two lines describing the wiring in words (e.g. "query: previous bottom decoder state …").
QStringList describeArchitecture(const ArchitectureGraph& graph);
// A node's tooltip text ("encoder layer 1 ←, position 3 "cat"").
QString describeNode(const ArchitectureGraph& graph, int node, const Trace* trace);
// The legend's name of an edge kind (a transformer's main path is "data flow", not "feed-forward").
QString edgeLegendName(const ArchitectureGraph& graph, ArchEdgeKind kind);
// An arrow head at `tip`, pointing away from `from` (shared with ui/graphs/transformer_painter.cpp).
void paintArrowHead(QPainter& p, const QPointF& tip, const QPointF& from, const QColor& color, double size);

} // namespace attnviz::ui
