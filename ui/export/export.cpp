#include "ui/export/export.h"

#include "core/formats/safe_write.h"

#include "ui/export/gif_writer.h"
#include "ui/step/step_renderer.h"
#include "ui/views/heatmap_view.h"

#include <QFileInfo>
#include <QImage>
#include <QPageLayout>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QSaveFile>
#include <QSvgGenerator>

#include <cmath>
#include <memory>

namespace attnviz::ui {

namespace {

// The output in pixels, the canvas the drawing is laid out on, and the scale between them.
struct Canvas {
    QSize pixels, logical;
    double scale = 1.0;
};

// Paints on a device: lays out for `logical`, scales by `scale`.
using PaintFn = std::function<void(QPaintDevice& device, const QSize& logical, double scale)>;

bool setError(QString* error, const QString& text)
{
    if (error)
        *error = text;
    return false;
}

bool prepare(const ExportOptions& o, QSize defaultSize, Canvas* c, QString* error)
{
    if (o.path.isEmpty())
        return setError(error, QStringLiteral("no output file given"));
    if (!std::isfinite(o.dpi) || o.dpi < 10 || o.dpi > 2400)
        return setError(error, QStringLiteral("DPI must be between 10 and 2400, found %1").arg(o.dpi));
    const QSize px = o.size.isEmpty() ? defaultSize : o.size;
    if (px.width() < 16 || px.height() < 16 || px.width() > 16384 || px.height() > 16384)
        return setError(error, QStringLiteral("size must be 16..16384 pixels per side, found %1×%2").arg(px.width()).arg(px.height()));
    c->pixels = px;
    c->scale = o.dpi / 96.0;
    c->logical = QSize(std::max(1, static_cast<int>(std::ceil(px.width() / c->scale - 1e-9))),
                       std::max(1, static_cast<int>(std::ceil(px.height() / c->scale - 1e-9))));
    return true;
}

bool commit(QSaveFile& file, QString* error)
{
    const QString name = file.fileName();
    const bool existed = QFileInfo::exists(name);
    const QFileDevice::Permissions old = existed ? QFile::permissions(name) : QFileDevice::Permissions();
    if (!file.commit())
        return setError(error, QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString()));
    if (existed)  // the replaced file keeps its mode
        QFile::setPermissions(name, old);
    return true;
}

bool openSaveFile(QSaveFile& file, QString* error)
{
    try {  // symbolic links written through; read-only files, directories and devices refused (core/formats/safe_write.h)
        file.setFileName(QString::fromStdString(writeTarget(file.fileName().toStdString())));
    } catch (const std::exception& e) {
        return setError(error, QString::fromStdString(e.what()));
    }
    if (!file.open(QIODevice::WriteOnly))
        return setError(error, QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString()));
    return true;
}

bool writeRaster(const ExportOptions& o, ExportFormat fmt, const Canvas& c, const PaintFn& paint, QString* error)
{
    QImage img(c.pixels, QImage::Format_RGB32);
    if (img.isNull())
        return setError(error, QStringLiteral("not enough memory for a %1×%2 image").arg(c.pixels.width()).arg(c.pixels.height()));
    img.fill(Qt::white);
    paint(img, c.logical, c.scale);
    const int dpm = static_cast<int>(std::lround(o.dpi / 0.0254));
    img.setDotsPerMeterX(dpm);
    img.setDotsPerMeterY(dpm);
    QSaveFile file(o.path);
    if (!openSaveFile(file, error))
        return false;
    if (!img.save(&file, fmt == ExportFormat::Png ? "PNG" : "JPG", fmt == ExportFormat::Jpg ? 92 : -1)) {
        file.cancelWriting();
        return setError(error, QStringLiteral("cannot encode %1").arg(o.path));
    }
    return commit(file, error);
}

bool writeSvg(const ExportOptions& o, const Canvas& c, const PaintFn& paint, QString* error)
{
    QSaveFile file(o.path);
    if (!openSaveFile(file, error))
        return false;
    {
        QSvgGenerator gen;
        gen.setOutputDevice(&file);
        gen.setResolution(96);  // the default 72 makes text too small (fonts convert at this DPI)
        gen.setSize(c.logical);
        gen.setViewBox(QRect(QPoint(0, 0), c.logical));
        gen.setTitle(QStringLiteral("AttnViz"));
        paint(gen, c.logical, 1.0);
    }
    return commit(file, error);
}

bool writePdf(const ExportOptions& o, const Canvas& c, const PaintFn& paint, QString* error)
{
    QSaveFile file(o.path);
    if (!openSaveFile(file, error))
        return false;
    {
        QPdfWriter pdf(&file);
        pdf.setCreator(QStringLiteral("AttnViz"));
        pdf.setResolution(96);
        const QSizeF points(c.logical.width() * 72.0 / 96.0, c.logical.height() * 72.0 / 96.0);
        pdf.setPageLayout(QPageLayout(QPageSize(points, QPageSize::Point, QString(), QPageSize::ExactMatch),
                                      points.width() > points.height() ? QPageLayout::Landscape : QPageLayout::Portrait, QMarginsF(0, 0, 0, 0)));
        paint(pdf, c.logical, static_cast<double>(pdf.width()) / c.logical.width());
    }
    return commit(file, error);
}

bool writeStill(const ExportOptions& o, const Canvas& c, const PaintFn& paint, QString* error)
{
    switch (exportFormatFor(o.path)) {
    case ExportFormat::Png: return writeRaster(o, ExportFormat::Png, c, paint, error);
    case ExportFormat::Jpg: return writeRaster(o, ExportFormat::Jpg, c, paint, error);
    case ExportFormat::Svg: return writeSvg(o, c, paint, error);
    case ExportFormat::Pdf: return writePdf(o, c, paint, error);
    case ExportFormat::Gif:
        return setError(error, QStringLiteral("%1: a .gif is the animated step-through (Export animation); a picture is png, jpg, svg or pdf").arg(o.path));
    case ExportFormat::Unknown: break;
    }
    return setError(error, QStringLiteral("%1: unknown image type; expected one of %2").arg(o.path, exportExtensions()));
}

StepRenderOptions stepOptions(const ExportOptions& o)
{
    StepRenderOptions s;
    s.colorMap = o.colorMap;
    s.font = o.font.family().isEmpty() || o.font == QFont() ? defaultStepFont() : o.font;
    s.darkBackground = o.darkBackground;
    return s;
}

} // namespace

ExportFormat exportFormatFor(const QString& path)
{
    const QString ext = QFileInfo(path).suffix().toLower();
    if (ext == QLatin1String("png")) return ExportFormat::Png;
    if (ext == QLatin1String("jpg") || ext == QLatin1String("jpeg")) return ExportFormat::Jpg;
    if (ext == QLatin1String("svg")) return ExportFormat::Svg;
    if (ext == QLatin1String("pdf")) return ExportFormat::Pdf;
    if (ext == QLatin1String("gif")) return ExportFormat::Gif;
    return ExportFormat::Unknown;
}

QString exportExtensions()
{
    return QStringLiteral("png, jpg, svg, pdf, gif");
}

QSize defaultExportSize(ExportWhat what)
{
    switch (what) {
    case ExportWhat::Heatmap: return {900, 700};
    case ExportWhat::StepFrame: return {1280, 800};
    case ExportWhat::Animation: return {1024, 640};
    }
    return {1280, 800};
}

bool exportHeatmap(const Trace& trace, const ExportOptions& options, QString* error)
{
    Canvas c;
    if (!prepare(options, defaultExportSize(ExportWhat::Heatmap), &c, error))
        return false;
    if (trace.steps.empty())
        return setError(error, QStringLiteral("the trace has no decoder steps: nothing to draw"));
    HeatmapView view;
    view.setAttribute(Qt::WA_DontShowOnScreen);
    view.resize(c.logical);
    view.setColorMap(options.colorMap);
    view.setTrace(std::make_shared<const Trace>(trace));
    StepPosition last;
    last.step = static_cast<int>(trace.steps.size()) - 1;
    last.stage = Stage::Feed;
    view.setPosition(last);
    view.setCurrentRowMarked(false);  // a window-only decoration
    return writeStill(options, c, [&view](QPaintDevice& dev, const QSize& logical, double scale) { view.renderTo(dev, logical, scale); }, error);
}

bool writePainting(const ExportOptions& options, QSize defaultSize, const std::function<void(QPainter&, const QRectF&)>& paint,
                   QString* error)
{
    Canvas c;
    if (!prepare(options, defaultSize, &c, error))
        return false;
    return writeStill(options, c, [&paint](QPaintDevice& dev, const QSize& logical, double scale) {
        QPainter p(&dev);
        p.scale(scale, scale);
        paint(p, QRectF(QPointF(0, 0), QSizeF(logical)));
    }, error);
}

bool writeGif(const ExportOptions& options, QSize defaultSize, int frames,
              const std::function<void(QPainter&, const QRectF&, int index)>& paint, const std::function<int(int index)>& delayCs,
              QString* error, const std::function<bool(int done, int total)>& progress)
{
    Canvas c;
    if (!prepare(options, defaultSize, &c, error))
        return false;
    if (exportFormatFor(options.path) != ExportFormat::Gif)
        return setError(error, QStringLiteral("%1: an animation is written as GIF; give a file ending in .gif").arg(options.path));
    if (c.pixels.width() > kMaxGifSide || c.pixels.height() > kMaxGifSide)
        return setError(error, QStringLiteral("an animated GIF can be at most %1 pixels a side, found %2×%3 (use a PNG, SVG or PDF "
                                              "still for larger pictures)")
                                   .arg(kMaxGifSide)
                                   .arg(c.pixels.width())
                                   .arg(c.pixels.height()));
    if (frames < 1)
        return setError(error, QStringLiteral("nothing to animate"));
    QSaveFile file(options.path);
    if (!openSaveFile(file, error))
        return false;
    GifWriter gif(&file);
    if (!gif.begin(c.pixels, 0, error)) {
        file.cancelWriting();
        return false;
    }
    QImage frame(c.pixels, QImage::Format_RGB32);
    for (int index = 0; index < frames; ++index) {
        frame.fill(Qt::white);
        {
            QPainter p(&frame);
            p.scale(c.scale, c.scale);
            paint(p, QRectF(QPointF(0, 0), QSizeF(c.logical)), index);
        }
        if (!gif.addFrame(frame, delayCs(index), error)) {
            file.cancelWriting();
            return false;
        }
        if (progress && !progress(index + 1, frames)) {
            file.cancelWriting();
            return setError(error, QStringLiteral("cancelled"));
        }
    }
    if (!gif.finish(error)) {
        file.cancelWriting();
        return false;
    }
    return commit(file, error);
}

bool exportStepFrame(const Trace& trace, const StepPosition& pos, const ExportOptions& options, QString* error)
{
    if (trace.steps.empty()) {
        Canvas c;  // option errors first, as for the other exports
        if (!prepare(options, defaultExportSize(ExportWhat::StepFrame), &c, error))
            return false;
        return setError(error, QStringLiteral("the trace has no decoder steps: nothing to draw"));
    }
    const StepRenderOptions opt = stepOptions(options);
    return writePainting(options, defaultExportSize(ExportWhat::StepFrame), [&](QPainter& p, const QRectF& canvas) {
        paintStepView(p, canvas, trace, pos, opt);
    }, error);
}

std::vector<AnimationFrame> animationFrames(int steps, int framesPerStage, int fps)
{
    std::vector<AnimationFrame> out;
    if (steps <= 0)
        return out;
    fps = std::clamp(fps, 1, 50);
    int f = std::clamp(framesPerStage, 1, 60);
    const long long stages = static_cast<long long>(steps) * kStageCount;
    if (stages * f > kMaxGifFrames)
        f = static_cast<int>(std::max(1LL, kMaxGifFrames / stages));
    const int delay = std::max(2, static_cast<int>(std::lround(100.0 / fps)));  // browsers treat < 2 cs as 10
    out.reserve(static_cast<std::size_t>(stages * f));
    for (long long index = 0; index < stages; ++index)
        for (int k = 1; k <= f; ++k) {
            AnimationFrame a;
            a.pos = StepPosition::fromIndex(static_cast<int>(index), static_cast<double>(k) / f);
            a.delayCs = delay;
            if (k == f)  // hold the finished stage long enough to read it
                a.delayCs = std::max(delay, a.pos.stage == Stage::Feed ? 120 : 60);
            out.push_back(a);
        }
    return out;
}

bool exportAnimation(const Trace& trace, const ExportOptions& options, QString* error, std::function<bool(int, int)> progress)
{
    Canvas c;
    if (!prepare(options, defaultExportSize(ExportWhat::Animation), &c, error))
        return false;
    if (exportFormatFor(options.path) != ExportFormat::Gif)
        return setError(error, QStringLiteral("%1: the animation is written as GIF; give a file ending in .gif").arg(options.path));
    if (options.fps < 1 || options.fps > 50)
        return setError(error, QStringLiteral("frame rate must be 1..50 frames per second, found %1").arg(options.fps));
    if (options.framesPerStage < 1 || options.framesPerStage > 60)
        return setError(error, QStringLiteral("frames per stage must be 1..60, found %1").arg(options.framesPerStage));
    if (c.pixels.width() > kMaxGifSide || c.pixels.height() > kMaxGifSide)
        return setError(error, QStringLiteral("an animated GIF can be at most %1 pixels a side, found %2×%3 (use a PNG, SVG or PDF "
                                              "still for larger pictures)")
                                   .arg(kMaxGifSide)
                                   .arg(c.pixels.width())
                                   .arg(c.pixels.height()));
    if (trace.steps.empty())
        return setError(error, QStringLiteral("the trace has no decoder steps: nothing to animate"));
    const StepRenderOptions opt = stepOptions(options);
    const std::vector<AnimationFrame> frames = animationFrames(static_cast<int>(trace.steps.size()), options.framesPerStage, options.fps);
    return writeGif(
        options, defaultExportSize(ExportWhat::Animation), static_cast<int>(frames.size()),
        [&](QPainter& p, const QRectF& canvas, int index) { paintStepView(p, canvas, trace, frames[static_cast<std::size_t>(index)].pos, opt); },
        [&](int index) { return frames[static_cast<std::size_t>(index)].delayCs; }, error, progress);
}

} // namespace attnviz::ui
