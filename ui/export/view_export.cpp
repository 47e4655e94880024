#include "ui/export/view_export.h"

#include "ui/graphs/architecture_layout.h"
#include "ui/graphs/architecture_painter.h"
#include "ui/graphs/beam_layout.h"
#include "ui/graphs/beam_view.h"

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

QSize fittedCanvas(const QRectF& scene, const QMarginsF& chrome, QSize box, int minWidth, double minScale, QSize maxBox)
{
    if (scene.width() <= 0 || scene.height() <= 0)
        return box;
    if (!maxBox.isValid())
        maxBox = box;
    const double cw = chrome.left() + chrome.right(), ch = chrome.top() + chrome.bottom();
    double s = std::min({(box.width() - cw) / scene.width(), (box.height() - ch) / scene.height(), 4.0});
    if (s < minScale)  // readable text wins over the default box, within maxBox
        s = std::min({minScale, (maxBox.width() - cw) / scene.width(), (maxBox.height() - ch) / scene.height()});
    const int w = static_cast<int>(std::ceil(scene.width() * s + cw));
    const int h = static_cast<int>(std::ceil(scene.height() * s + ch));
    return {std::clamp(std::max(w, minWidth), 16, std::max(maxBox.width(), minWidth)), std::clamp(h, 16, maxBox.height())};
}

QSize architectureExportSize(const ArchitectureGraph& graph)
{
    return fittedCanvas(layoutArchitecture(graph).bounds, kArchitectureChrome, kDefaultSize, kArchitectureMinWidth);
}

QSize beamExportSize(const DecodeResult& result)
{
    // Scale at least 1 (node labels about 10 px; at the 1400 × 800 fit a deep tree had 5 px text), up to 2400 a side.
    return fittedCanvas(layoutBeamTree(result.tree).bounds, kBeamChrome, kDefaultSize, kBeamMinWidth, 1.0, QSize(2400, 2400));
}

bool exportArchitecture(const ArchitectureGraph& graph, const Trace* trace, const StepPosition& pos, const ExportOptions& options,
                        QString* error, int attentionLayer, const QString& attentionHeads)
{
    const QRectF scene = layoutArchitecture(graph).bounds;
    return writePainting(options, architectureExportSize(graph), [&](QPainter& p, const QRectF& r) {
        ArchitecturePaintOptions o;
        o.font = viewFont(options.font);
        o.attentionLayer = attentionLayer;
        o.attentionHeads = attentionHeads;
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
