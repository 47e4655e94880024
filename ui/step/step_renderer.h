#pragma once
// The step view renderer: one attention step (SPEC §1, stages 0–5) of a trace as a function of
// (trace, step, stage, progress), painted on any QPainter. The widget (StepView), PNG/SVG/PDF export
// and the GIF frames all call paintStepView; there is no other drawing of the step.
#include "core/formats/trace.h"
#include "ui/step/step_layout.h"
#include "ui/step/step_state.h"
#include "ui/views/colormap.h"

#include <QFont>
#include <QRectF>
#include <QString>

class QPainter;

namespace attnviz::ui {

struct StepRenderOptions {
    ColorMap colorMap = ColorMap::Viridis;
    QFont font;                   // base font (the default font when left as is); sizes derive from it
    bool darkBackground = false;
    bool fillBackground = true;   // paint the background over the whole area first
    // What-if (issue 14): the run before the edits. Where the same step of the ghost differs, its weights are
    // drawn as dashed outlines behind the bars and its output beside the new one ("before: …").
    const Trace* ghost = nullptr;
    // Issue 12: the source position hovered in any view (−1 none): its column is outlined from token to v_j.
    int highlightSource = -1;
};

// The font used by headless exports and tests: DejaVu Sans 10 pt (installed with fonts-dejavu-core).
QFont defaultStepFont();

// Paints the frame of trace.steps[pos.step] at (pos.stage, pos.progress) into `area`.
// Positions out of range are clamped; an empty trace paints a short note. Never computes attention.
void paintStepView(QPainter& p, const QRectF& area, const Trace& trace, const StepPosition& pos, const StepRenderOptions& opt);

// The layout paintStepView uses for this frame (measured with opt.font), for hit-testing and tooltips.
StepLayout layoutStepView(const QRectF& area, const Trace& trace, const StepPosition& pos, const StepRenderOptions& opt);

// Text for a tooltip: the value under `hit`, e.g. "h_2 [1] = 0  (am)" or "a_3 = 0.0012". Empty when none.
QString describeStepHit(const Trace& trace, const StepPosition& pos, const StepHit& hit);

} // namespace attnviz::ui
