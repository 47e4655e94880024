#pragma once
// The transformer's block diagram (ui/graphs/architecture_layout.h), painted in scene coordinates by paintArchitecture
// (ui/graphs/architecture_painter.h), which adds the header and the legend. During step-through the picked decoder
// layer (the window's layer/head picker; the last layer by default) is framed, its cross-attention lights up
// stage by stage, and the encoder output m shows the current step's weights (of the shown head or mean) as
// tinted cells and bars.
#include "core/formats/trace.h"
#include "core/model/architecture_graph.h"
#include "ui/graphs/architecture_layout.h"
#include "ui/step/step_state.h"

#include <QFont>
#include <QString>
#include <QStringList>

class QPainter;

namespace attnviz::ui {

struct ArchitecturePaintOptions;

void paintTransformerScene(QPainter& p, const ArchitectureGraph& g, const ArchitectureLayout& L, const Trace* trace,
                           const StepPosition& pos, const ArchitecturePaintOptions& o, const QFont& font, const QFont& small);

// The text in a transformer node's box, with the model's sizes ("multi-head self-attention · 4 heads",
// "feed-forward 32 → 64 → 32, ReLU", "linear 32 → 15").
QString transformerNodeLabel(const ArchitectureGraph& g, int node);
// Header lines: sizes, then the wiring in words.
QStringList describeTransformer(const ArchitectureGraph& g);
// A node's tooltip ("decoder layer 2: cross-attention over m · 4 heads (d_k = 8)").
QString describeTransformerNode(const ArchitectureGraph& g, int node);
// The decoder layer the picture highlights: `picked` clamped, −1 → the last.
int highlightedLayer(const ArchitectureGraph& g, int picked);

} // namespace attnviz::ui
