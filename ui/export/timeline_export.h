#pragma once
// Pictures of a training timeline (core/formats/timeline.h; `attnviz export TIMELINE -o emerging.png|gif`, issue 15).
//
// Still (png, jpg, svg, pdf): the probes' alignment heatmaps at a few snapshots — the first, about 25 %,
// 50 %, 75 % and the last — one row per probe (at most kMaxTimelineProbes), one column per snapshot, above
// the loss curve on which those snapshots are marked 1…5.
// Animation (gif): one frame per snapshot (at most kMaxTimelineFrames, evenly sampled, the first and the last
// always in): the heatmaps of the probes (at most kMaxAnimatedProbes, side by side) above the loss curve with
// the current snapshot marked. Each frame shows 1/fps s, the last one 2 s.
//
// The heatmaps are HeatmapView's own drawing (as in File → Export), each rendered at the output's
// resolution; the loss curve is drawn with QPainter (training loss per snapshot, validation loss and
// accuracy at epoch ends). Written atomically like every export (ui/export/export.h).
#include "core/formats/timeline.h"
#include "ui/export/export.h"

#include <QSize>

#include <functional>
#include <vector>

class QPainter;
class QRectF;

namespace attnviz::ui {

inline constexpr int kMaxTimelineFrames = 200;
inline constexpr int kMaxTimelineProbes = 4;   // rows of the still
inline constexpr int kMaxAnimatedProbes = 3;   // heatmaps in an animation frame
inline constexpr int kTimelineStillColumns = 5;

// Indices of the snapshots of the still: `columns` spread evenly (first and last included), fewer when the
// timeline has fewer snapshots.
std::vector<int> timelineStillSnapshots(int count, int columns = kTimelineStillColumns);
// Indices of the animation's frames: every snapshot when there are at most maxFrames, else maxFrames evenly
// sampled (first and last included), increasing.
std::vector<int> timelineFrameSnapshots(int count, int maxFrames = kMaxTimelineFrames);

// Default sizes: the still grows with its columns and probe rows; the animation is 1024 × 640 (wider with
// more probes).
QSize defaultTimelineSize(const Timeline& timeline, bool animation);

// The loss curve in `rect`: the training loss (line), validation loss (dots) and accuracy (dots, right axis)
// over batches; a legend above the plot. `marked` snapshots get numbered circles (1, 2, …); `current` ≥ 0
// gets a vertical line and a filled dot.
void paintLossCurve(QPainter& painter, const QRectF& rect, const Timeline& timeline, const std::vector<int>& marked, int current);

// png/jpg/svg/pdf: the still; gif: the animation (fps from options, 1..50). `progress(done, total)` after
// each GIF frame; returning false cancels.
bool exportTimeline(const Timeline& timeline, const ExportOptions& options, QString* error,
                    std::function<bool(int done, int total)> progress = {});

} // namespace attnviz::ui
