#include "ui/view_export.h"

#include "ui/architecture_layout.h"
#include "ui/architecture_painter.h"
#include "ui/beam_layout.h"
#include "ui/beam_view.h"

#include <QImage>
#include <QPageLayout>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QSaveFile>
#include <QSvgGenerator>

#include <cmath>
#include <functional>

namespace attnviz::ui {

namespace {

bool fail(QString* error, const QString& text)
{
    if (error)
        *error = text;
    return false;
}

// Paints `paint(painter, logical rect)` into options.path (png/jpg/svg/pdf), atomically (QSaveFile).
// The drawing is laid out on size × 96 / dpi logical pixels and scaled by dpi / 96 (as ui/export.h).
bool writePainted(const ExportOptions& o, const std::function<void(QPainter&, const QRectF&)>& paint, QString* error)
{
    if (o.path.isEmpty())
        return fail(error, QStringLiteral("no output file given"));
    if (!std::isfinite(o.dpi) || o.dpi < 10 || o.dpi > 2400)
        return fail(error, QStringLiteral("DPI must be between 10 and 2400, found %1").arg(o.dpi));
    const QSize px = o.size.isEmpty() ? QSize(1400, 800) : o.size;
    if (px.width() < 16 || px.height() < 16 || px.width() > 16384 || px.height() > 16384)
        return fail(error, QStringLiteral("size must be 16..16384 pixels per side, found %1×%2").arg(px.width()).arg(px.height()));
    const ExportFormat fmt = exportFormatFor(o.path);
    if (fmt == ExportFormat::Gif || fmt == ExportFormat::Unknown)
        return fail(error, QStringLiteral("cannot export this view as %1: use png, jpg, svg or pdf").arg(o.path.section(QLatin1Char('.'), -1)));
    const double scale = o.dpi / 96.0;
    const QRectF logical(0, 0, std::ceil(px.width() / scale - 1e-9), std::ceil(px.height() / scale - 1e-9));
    QSaveFile file(o.path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(error, QStringLiteral("cannot write %1: %2").arg(o.path, file.errorString()));
    if (fmt == ExportFormat::Png || fmt == ExportFormat::Jpg) {
        QImage img(px, QImage::Format_RGB32);
        if (img.isNull())
            return fail(error, QStringLiteral("not enough memory for a %1×%2 image").arg(px.width()).arg(px.height()));
        img.fill(Qt::white);
        {
            QPainter p(&img);
            p.scale(scale, scale);
            paint(p, logical);
        }
        const int dpm = static_cast<int>(std::lround(o.dpi / 0.0254));
        img.setDotsPerMeterX(dpm);
        img.setDotsPerMeterY(dpm);
        if (!img.save(&file, fmt == ExportFormat::Png ? "PNG" : "JPG"))
            return fail(error, QStringLiteral("cannot encode %1").arg(o.path));
    } else if (fmt == ExportFormat::Svg) {
        QSvgGenerator svg;
        svg.setOutputDevice(&file);
        svg.setSize(px);
        svg.setViewBox(QRect(QPoint(0, 0), px));
        svg.setResolution(static_cast<int>(std::lround(o.dpi)));
        QPainter p(&svg);
        p.scale(scale, scale);
        paint(p, logical);
    } else {
        QPdfWriter pdf(&file);
        pdf.setResolution(static_cast<int>(std::lround(o.dpi)));
        pdf.setPageSize(QPageSize(QSizeF(px.width() / o.dpi * 25.4, px.height() / o.dpi * 25.4), QPageSize::Millimeter));
        pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
        QPainter p(&pdf);
        const double s = p.device()->width() / logical.width();
        p.scale(s, s);
        paint(p, logical);
    }
    if (!file.commit())
        return fail(error, QStringLiteral("cannot write %1: %2").arg(o.path, file.errorString()));
    return true;
}

} // namespace

bool exportArchitecture(const ArchitectureGraph& graph, const Trace* trace, const StepPosition& pos, const ExportOptions& options,
                        QString* error)
{
    const QRectF scene = layoutArchitecture(graph).bounds;
    return writePainted(options, [&](QPainter& p, const QRectF& r) {
        ArchitecturePaintOptions o;
        o.font = options.font == QFont() ? QFont(QStringLiteral("DejaVu Sans"), 9) : options.font;
        paintArchitecture(p, r, graph, trace, pos, fitTransform(scene, r.adjusted(4, 52, -4, -24), 4.0), o);
    }, error);
}

bool exportBeamTree(const DecodeResult& result, int selected, const ExportOptions& options, QString* error)
{
    const QRectF scene = layoutBeamTree(result.tree).bounds;
    return writePainted(options, [&](QPainter& p, const QRectF& r) {
        paintBeamTree(p, r, result, selected, fitTransform(scene, r.adjusted(4, 24, -4, -4), 4.0),
                      options.font == QFont() ? QFont(QStringLiteral("DejaVu Sans"), 9) : options.font);
    }, error);
}

} // namespace attnviz::ui
