#pragma once
// Image export of the heatmap, a step frame and the whole step-through (File → Export and
// `attnviz export`, SPEC §6). Format from the file's extension: png, jpg/jpeg, svg, pdf, gif.
//
// Size and DPI: `size` is the output's size in pixels (PNG/JPG exactly; SVG/PDF the same canvas in
// vector form). `dpi` is the physical resolution: the drawing is laid out on a canvas of
// size × 96 / dpi logical pixels and scaled by dpi / 96, so text keeps its point size when the file
// is printed at that DPI (96 = the screen look). PNG/JPG carry the DPI in their metadata; the SVG's
// width/height and the PDF page are size / dpi inches.
//
// Animation (GIF, via giflib): one frame per (decoder step, stage) — steps × 6 frames, each the stage
// at rest (progress 1), in order step 1 stage 0 … step T stage 5 — every frame shown 1/fps s, looping
// forever (GIF89a NETSCAPE2.0 extension).
//
// Every file is written atomically (a temporary file renamed over the target by QSaveFile): on any
// error the target is untouched and `error` says what went wrong. Needs a QApplication (the heatmap is
// the QCustomPlot widget itself, drawn off screen).
#include "core/formats/trace.h"
#include "ui/step/step_state.h"
#include "ui/views/colormap.h"

#include <QFont>
#include <QSize>
#include <QString>

#include <vector>

#include <functional>

class QPainter;
class QRectF;

namespace attnviz::ui {

struct ExportOptions {
    QString path;
    QSize size;           // pixels; empty → the default for what is exported (see defaultExportSize)
    double dpi = 96;      // 10..2400
    int fps = 20;         // GIF frame rate, 1..50
    int framesPerStage = 10;  // GIF: eased in-between frames per stage (1 = one still per stage), 1..60
    ColorMap colorMap = ColorMap::Viridis;
    QFont font;           // step view font; default: DejaVu Sans 10 pt
    bool darkBackground = false;  // step view only
};

// Animated GIFs are refused before any work beyond these (issue 18): a side of more than kMaxGifSide pixels;
// frames per stage are lowered so that a long sentence stays under kMaxGifFrames frames.
inline constexpr int kMaxGifSide = 2560;
inline constexpr int kMaxGifFrames = 1200;

// One frame of the animated step-through: where it is and how long it shows (GIF delays are centiseconds).
struct AnimationFrame {
    StepPosition pos;
    int delayCs = 5;
};
// The frames of a trace with `steps` decoder steps: per (step, stage), framesPerStage frames whose progress
// runs 1/F … 1 (the renderer eases it), at `fps`; the last frame of each stage holds 0.6 s (1.2 s after
// stage 5) so it can be read. framesPerStage is lowered, to 1 at least, to keep under kMaxGifFrames.
std::vector<AnimationFrame> animationFrames(int steps, int framesPerStage, int fps);

enum class ExportFormat { Png, Jpg, Svg, Pdf, Gif, Unknown };
ExportFormat exportFormatFor(const QString& path);  // by extension, case-insensitive
QString exportExtensions();                          // "png, jpg, svg, pdf, gif"

// Defaults when ExportOptions::size is empty: heatmap 900 × 700, step frame 1280 × 800, animation 1024 × 640.
enum class ExportWhat { Heatmap, StepFrame, Animation };
QSize defaultExportSize(ExportWhat what);

// The alignment heatmap with every row filled (the full translation). png, jpg, svg, pdf.
bool exportHeatmap(const Trace& trace, const ExportOptions& options, QString* error);
// One frame of the step view. png, jpg, svg, pdf.
bool exportStepFrame(const Trace& trace, const StepPosition& pos, const ExportOptions& options, QString* error);
// The animated step-through (gif only). `progress(done, total)` after each frame; returning false cancels
// (the target is left untouched and error says "cancelled").
bool exportAnimation(const Trace& trace, const ExportOptions& options, QString* error, std::function<bool(int done, int total)> progress = {});

// The shared still-image writer behind every export above and ui/export/view_export.h: checks the options (path,
// DPI 10..2400, size 16..16384 per side; `defaultSize` when options.size is empty), picks png/jpg/svg/pdf by
// the extension, and calls `paint(painter, canvas)` with the painter already scaled by dpi / 96 so that
// `canvas` (origin 0,0) is the logical layout rectangle. Written atomically (QSaveFile); raster output starts white.
bool writePainting(const ExportOptions& options, QSize defaultSize, const std::function<void(QPainter&, const QRectF&)>& paint,
                   QString* error);

// The shared animated-GIF writer for other animations (the training timeline, ui/export/timeline_export.h): checks the
// options (path ending in .gif, DPI, size, kMaxGifSide), then for each of `frames` frames calls
// `paint(painter, canvas, index)` on a white frame (painter scaled by dpi / 96) and shows it delayCs(index)
// hundredths of a second. `progress(done, total)` after each frame; false cancels. Written atomically.
bool writeGif(const ExportOptions& options, QSize defaultSize, int frames,
              const std::function<void(QPainter&, const QRectF&, int index)>& paint, const std::function<int(int index)>& delayCs,
              QString* error, const std::function<bool(int done, int total)>& progress = {});

} // namespace attnviz::ui
