#include "ui/view_export.h"

#include "ui/architecture_layout.h"
#include "ui/architecture_painter.h"
#include "ui/beam_layout.h"
#include "ui/beam_view.h"

#include <QPainter>

namespace attnviz::ui {

namespace {

constexpr QSize kDefaultSize(1400, 800);

// The options' font, or DejaVu Sans 9 pt when none was set (also a QFont made before the QApplication,
// which has no family and point size −1, as `attnviz export` builds its options).
QFont viewFont(const QFont& f)
{
    return f.family().isEmpty() || f.pointSizeF() <= 0 || f == QFont() ? QFont(QStringLiteral("DejaVu Sans"), 9) : f;
}

} // namespace

bool exportArchitecture(const ArchitectureGraph& graph, const Trace* trace, const StepPosition& pos, const ExportOptions& options,
                        QString* error)
{
    const QRectF scene = layoutArchitecture(graph).bounds;
    return writePainting(options, kDefaultSize, [&](QPainter& p, const QRectF& r) {
        ArchitecturePaintOptions o;
        o.font = viewFont(options.font);
        paintArchitecture(p, r, graph, trace, pos, fitTransform(scene, r.adjusted(4, 52, -4, -24), 4.0), o);
    }, error);
}

bool exportBeamTree(const DecodeResult& result, int selected, const ExportOptions& options, QString* error)
{
    const QRectF scene = layoutBeamTree(result.tree).bounds;
    return writePainting(options, kDefaultSize, [&](QPainter& p, const QRectF& r) {
        paintBeamTree(p, r, result, selected, fitTransform(scene, r.adjusted(4, 24, -4, -4), 4.0),
                      viewFont(options.font));
    }, error);
}

} // namespace attnviz::ui
