#pragma once
// Export of the architecture view and the beam tree as PNG/JPG/SVG/PDF, with the same options and the
// same rules as ui/export/export.h (size in pixels, DPI, atomic writes, format from the extension; GIF is not
// offered for these two). Both draw the whole scene fitted to the page.
#include "core/formats/trace.h"
#include "core/model/architecture_graph.h"
#include "core/model/decoding.h"
#include "ui/export/export.h"
#include "ui/step/step_state.h"

namespace attnviz::ui {

// Issue 12: without a size (options.size invalid) the picture is cropped to its content: the scene at the scale
// that fits it in 1400 × 800, plus the header, and no wider blank margins than the header needs. `trace` may be null.
// attentionLayer, attentionHeads: a transformer's highlighted decoder layer and what its heads show
// (ArchitecturePaintOptions).
bool exportArchitecture(const ArchitectureGraph& graph, const Trace* trace, const StepPosition& pos, const ExportOptions& options,
                        QString* error, int attentionLayer = -1, const QString& attentionHeads = QString());
// `selected` as in BeamView (-1: none). Default size as above.
bool exportBeamTree(const DecodeResult& result, int selected, const ExportOptions& options, QString* error);
// The content-fitted default sizes (what the export dialog offers).
QSize architectureExportSize(const ArchitectureGraph& graph);
QSize beamExportSize(const DecodeResult& result);
// The scene (scene coordinates) scaled to fit `box` minus `chrome` (at most 4×, at least `minScale` so its text
// stays readable — the canvas may then grow up to `maxBox`), plus the chrome, at least `minWidth` wide: the canvas
// that holds it without blank bands. Plain maths, tested without a display.
QSize fittedCanvas(const QRectF& scene, const QMarginsF& chrome, QSize box, int minWidth, double minScale = 0, QSize maxBox = QSize());

} // namespace attnviz::ui
