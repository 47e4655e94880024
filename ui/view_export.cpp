#include "ui/view_export.h"

#include "ui/architecture_layout.h"
#include "ui/architecture_painter.h"
#include "ui/beam_layout.h"
#include "ui/beam_view.h"

#include <QPainter>

#include <algorithm>
#include <cmath>

namespace attnviz::ui {

namespace {

constexpr QSize kDefaultSize(1400, 800);

// The options' font, or DejaVu Sans 9 pt when none was set (also a QFont made before the QApplication,
// which has no family and point size −1, as `attnviz export` builds its options).
QFont viewFont(const QFont& f)
{
    return f.family().isEmpty() || f.pointSizeF() <= 0 || f == QFont() ? QFont(QStringLiteral("DejaVu Sans"), 9) : f;
}

// Room around the scene: the header lines above (and the legend below) the architecture, the caption above the tree.
const QMarginsF kArchitectureChrome(4, 52, 4, 24), kBeamChrome(4, 24, 4, 4);
// The widest header line needs about this much (DejaVu Sans 9 pt): the canvas is never narrower.
constexpr int kArchitectureMinWidth = 760, kBeamMinWidth = 980;

} // namespace

QSize fittedCanvas(const QRectF& scene, const QMarginsF& chrome, QSize box, int minWidth)
{
    if (scene.width() <= 0 || scene.height() <= 0)
        return box;
    const double room_w = box.width() - chrome.left() - chrome.right(), room_h = box.height() - chrome.top() - chrome.bottom();
    const double s = std::min({room_w / scene.width(), room_h / scene.height(), 4.0});
    const int w = static_cast<int>(std::ceil(scene.width() * s + chrome.left() + chrome.right()));
    const int h = static_cast<int>(std::ceil(scene.height() * s + chrome.top() + chrome.bottom()));
    return {std::clamp(std::max(w, minWidth), 16, box.width() > minWidth ? box.width() : minWidth), std::clamp(h, 16, box.height())};
}

QSize architectureExportSize(const ArchitectureGraph& graph)
{
    return fittedCanvas(layoutArchitecture(graph).bounds, kArchitectureChrome, kDefaultSize, kArchitectureMinWidth);
}

QSize beamExportSize(const DecodeResult& result)
{
    return fittedCanvas(layoutBeamTree(result.tree).bounds, kBeamChrome, kDefaultSize, kBeamMinWidth);
}

bool exportArchitecture(const ArchitectureGraph& graph, const Trace* trace, const StepPosition& pos, const ExportOptions& options,
                        QString* error)
{
    const QRectF scene = layoutArchitecture(graph).bounds;
    return writePainting(options, architectureExportSize(graph), [&](QPainter& p, const QRectF& r) {
        ArchitecturePaintOptions o;
        o.font = viewFont(options.font);
        paintArchitecture(p, r, graph, trace, pos, fitTransform(scene, r.marginsRemoved(kArchitectureChrome), 4.0), o);
    }, error);
}

bool exportBeamTree(const DecodeResult& result, int selected, const ExportOptions& options, QString* error)
{
    const QRectF scene = layoutBeamTree(result.tree).bounds;
    return writePainting(options, beamExportSize(result), [&](QPainter& p, const QRectF& r) {
        paintBeamTree(p, r, result, selected, fitTransform(scene, r.marginsRemoved(kBeamChrome), 4.0),
                      viewFont(options.font));
    }, error);
}

} // namespace attnviz::ui
