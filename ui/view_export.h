#pragma once
// Export of the architecture view and the beam tree as PNG/JPG/SVG/PDF, with the same options and the
// same rules as ui/export.h (size in pixels, DPI, atomic writes, format from the extension; GIF is not
// offered for these two). Both draw the whole scene fitted to the page.
#include "core/architecture_graph.h"
#include "core/decoding.h"
#include "core/trace.h"
#include "ui/export.h"
#include "ui/step_state.h"

namespace attnviz::ui {

// Default size 1400 × 800. `trace` may be null.
bool exportArchitecture(const ArchitectureGraph& graph, const Trace* trace, const StepPosition& pos, const ExportOptions& options,
                        QString* error);
// Default size 1400 × 800. `selected` as in BeamView (-1: none).
bool exportBeamTree(const DecodeResult& result, int selected, const ExportOptions& options, QString* error);

} // namespace attnviz::ui
