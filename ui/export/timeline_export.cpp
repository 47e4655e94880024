#include "ui/export/timeline_export.h"

#include "ui/views/heatmap_painter.h"
#include "ui/views/heatmap_view.h"

#include <QFontMetricsF>
#include <QImage>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

namespace attnviz::ui {

namespace {

constexpr double kMargin = 16;
constexpr double kTitleHeight = 30;
constexpr double kProbeLabelHeight = 22;
constexpr double kCellWidth = 340, kCellHeight = 320;
constexpr double kLossHeight = 240;
// A heatmap's title, axis titles and source labels take about this much height; each row wants kMinRowHeight
// for its label, each source column kMinColumnWidth (rotated labels), plus kHeatmapSide for the row labels, the
// axis title and the colour scale.
constexpr double kMinColumnWidth = 14, kHeatmapSide = 150;

// Width of a heatmap whose source labels do not overlap, at least `base`. HeatmapView rotates them for more than
// 12 tokens or more than 60 characters in all (then kMinColumnWidth a column); horizontal, every column must hold
// the longest label (about 7.5 px a character at the plot's font).
double heatmapWidth(const Timeline& t, std::size_t probes, double base)
{
    double w = base;
    for (std::size_t k = 0; k < probes && !t.snapshots.empty(); ++k) {
        const Tokens& tokens = t.snapshots.front().traces[k].sourceTokens;
        const auto n = static_cast<double>(tokens.size());
        double longest = 0;
        for (const std::string& token : tokens)
            longest = std::max(longest, static_cast<double>(QString::fromStdString(token).size()));
        const bool rotated = tokens.size() > 12 || longest * n > 60;
        w = std::max(w, (rotated ? kMinColumnWidth : std::max(kMinColumnWidth, 7.5 * longest + 8)) * n + kHeatmapSide);
    }
    return w;
}

const QColor kTrainColor(31, 119, 180), kValidColor(255, 127, 14), kAccuracyColor(44, 160, 44), kMarkColor(214, 39, 40);

QFont font(double points, bool bold = false)
{
    QFont f(QStringLiteral("DejaVu Sans"));
    f.setPointSizeF(points);
    f.setBold(bold);
    return f;
}

QString number(double v, int decimals)
{
    return QString::number(v, 'f', decimals);
}

QString snapshotCaption(const TimelineSnapshot& s)
{
    return QStringLiteral("batch %1 · epoch %2").arg(s.batch).arg(number(s.epoch, s.epoch < 10 ? 2 : 1));
}

QString probeText(const Timeline& t, std::size_t k)
{
    return QString::fromUtf8("probe %1: “%2”").arg(k + 1).arg(QString::fromStdString(t.probes[k]));
}

QString headline(const Timeline& t)
{
    return QStringLiteral("Attention emerging during training — %1").arg(QString::fromStdString(t.architecture));
}

// "Nice" tick step for a range: 1, 2 or 5 × 10^k giving about `ticks` intervals.
double tickStep(double range, int ticks)
{
    if (!(range > 0))
        return 1;
    const double raw = range / ticks, mag = std::pow(10.0, std::floor(std::log10(raw)));
    const double f = raw / mag;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

QString tickText(double v, double step)
{
    const int decimals = step >= 1 ? 0 : std::min(6, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
    return QString::number(v, 'f', decimals);
}

} // namespace

std::vector<int> timelineStillSnapshots(int count, int columns)
{
    std::vector<int> out;
    if (count <= 0 || columns <= 0)
        return out;
    if (columns == 1 || count == 1)
        return {count - 1};
    for (int k = 0; k < columns; ++k) {
        const int i = static_cast<int>(std::lround(static_cast<double>(k) * (count - 1) / (columns - 1)));
        if (out.empty() || out.back() != i)
            out.push_back(i);
    }
    return out;
}

std::vector<int> timelineFrameSnapshots(int count, int maxFrames)
{
    std::vector<int> out;
    if (count <= 0 || maxFrames <= 0)
        return out;
    if (count <= maxFrames) {
        for (int i = 0; i < count; ++i)
            out.push_back(i);
        return out;
    }
    return timelineStillSnapshots(count, maxFrames);
}

QSize defaultTimelineSize(const Timeline& t, bool animation)
{
    const int probes = static_cast<int>(std::min<std::size_t>(t.probes.size(), animation ? kMaxAnimatedProbes : kMaxTimelineProbes));
    if (animation)
        return {std::max(1024, static_cast<int>(std::ceil(2 * kMargin + probes * heatmapWidth(t, static_cast<std::size_t>(probes), 300)))), 640};
    const int columns = static_cast<int>(timelineStillSnapshots(static_cast<int>(t.snapshots.size())).size());
    return {static_cast<int>(std::ceil(2 * kMargin + std::max(2, columns) * heatmapWidth(t, static_cast<std::size_t>(probes), kCellWidth))),
            static_cast<int>(kMargin + kTitleHeight + probes * (kProbeLabelHeight + kCellHeight) + kLossHeight + kMargin)};
}

void paintLossCurve(QPainter& p, const QRectF& rect, const Timeline& t, const std::vector<int>& marked, int current)
{
    p.save();
    p.setRenderHint(QPainter::Antialiasing, true);
    const QFont small = font(8.5);
    const QFontMetricsF fm(small);
    p.setFont(small);
    bool anyValid = false, anyAccuracy = false;
    double maxLoss = 0, maxBatch = 1;
    for (const TimelineSnapshot& s : t.snapshots) {
        maxLoss = std::max(maxLoss, s.trainLoss);
        if (s.validLoss) {
            maxLoss = std::max(maxLoss, *s.validLoss);
            anyValid = true;
        }
        anyAccuracy = anyAccuracy || s.validAccuracy.has_value();
        maxBatch = std::max(maxBatch, static_cast<double>(s.batch));
    }
    if (!(maxLoss > 0))
        maxLoss = 1;
    const double yStep = tickStep(maxLoss, 4);
    const double yMax = std::ceil(maxLoss / yStep - 1e-9) * yStep;

    // legend row above the plot
    const double legendH = fm.height() + 8;
    double x = rect.left() + 60;
    const double ly = rect.top() + legendH / 2;
    auto legend = [&](const QColor& c, const QString& text, bool line) {
        p.setPen(QPen(c, 2));
        p.setBrush(c);
        if (line)
            p.drawLine(QPointF(x, ly), QPointF(x + 18, ly));
        else
            p.drawEllipse(QPointF(x + 9, ly), 3.5, 3.5);
        p.setPen(Qt::black);
        p.drawText(QPointF(x + 24, ly + fm.ascent() / 2 - 1), text);
        x += 24 + fm.horizontalAdvance(text) + 22;
    };
    legend(kTrainColor, QStringLiteral("training loss (since the previous snapshot)"), true);
    if (anyValid)
        legend(kValidColor, QStringLiteral("validation loss"), false);
    if (anyAccuracy)
        legend(kAccuracyColor, QStringLiteral("validation accuracy (right axis)"), false);

    const double left = rect.left() + 12 + fm.horizontalAdvance(QStringLiteral("00.00")) + 16;  // y tick labels and title
    const double right = rect.right() - (anyAccuracy ? fm.horizontalAdvance(QStringLiteral("100%")) + 14 : 12);
    const double top = rect.top() + legendH + 14;  // room for marker numbers
    const double bottom = rect.bottom() - 2 * fm.height() - 8;  // tick labels and the axis title
    if (right - left < 40 || bottom - top < 30) {
        p.restore();
        return;
    }
    const QRectF plot(QPointF(left, top), QPointF(right, bottom));
    auto px = [&](double batch) { return plot.left() + batch / maxBatch * plot.width(); };
    auto py = [&](double loss) { return plot.bottom() - loss / yMax * plot.height(); };
    auto pyAcc = [&](double a) { return plot.bottom() - a * plot.height(); };

    // grid, axes, ticks
    p.setPen(QPen(QColor(225, 225, 225), 1));
    for (double v = yStep; v <= yMax + 1e-9; v += yStep)
        p.drawLine(QPointF(plot.left(), py(v)), QPointF(plot.right(), py(v)));
    p.setPen(QPen(Qt::black, 1));
    p.setBrush(Qt::NoBrush);
    p.drawRect(plot);
    for (double v = 0; v <= yMax + 1e-9; v += yStep) {
        const QString s = tickText(v, yStep);
        p.drawText(QPointF(plot.left() - 6 - fm.horizontalAdvance(s), py(v) + fm.ascent() / 2 - 1), s);
    }
    const double xStep = std::max(1.0, tickStep(maxBatch, std::max(2, static_cast<int>(plot.width() / 90))));
    for (double v = 0; v <= maxBatch + 1e-9; v += xStep) {
        const QString s = tickText(v, xStep);
        const double w = fm.horizontalAdvance(s);
        p.drawLine(QPointF(px(v), plot.bottom()), QPointF(px(v), plot.bottom() + 4));
        p.drawText(QPointF(std::clamp(px(v) - w / 2, plot.left() - w / 2, rect.right() - w), plot.bottom() + 4 + fm.ascent()), s);
    }
    const QString xTitle = QStringLiteral("batch");
    p.drawText(QPointF(plot.center().x() - fm.horizontalAdvance(xTitle) / 2, rect.bottom() - fm.descent() - 2), xTitle);
    p.save();
    p.translate(rect.left() + fm.ascent() + 2, plot.center().y());
    p.rotate(-90);
    p.drawText(QPointF(-fm.horizontalAdvance(QStringLiteral("loss")) / 2, 0), QStringLiteral("loss"));
    p.restore();
    if (anyAccuracy)
        for (int a = 0; a <= 100; a += 25) {
            const QString s = QStringLiteral("%1%").arg(a);
            p.setPen(kAccuracyColor.darker(130));
            p.drawText(QPointF(plot.right() + 5, pyAcc(a / 100.0) + fm.ascent() / 2 - 1), s);
        }

    // the curves
    p.setClipRect(plot.adjusted(-6, -6, 6, 6));
    QPainterPath train;
    for (std::size_t i = 0; i < t.snapshots.size(); ++i) {
        const QPointF pt(px(static_cast<double>(t.snapshots[i].batch)), py(t.snapshots[i].trainLoss));
        if (i == 0)
            train.moveTo(pt);
        else
            train.lineTo(pt);
    }
    p.setPen(QPen(kTrainColor, 2));
    p.setBrush(Qt::NoBrush);
    p.drawPath(train);
    for (const TimelineSnapshot& s : t.snapshots) {
        if (s.validLoss) {
            p.setPen(Qt::NoPen);
            p.setBrush(kValidColor);
            p.drawEllipse(QPointF(px(static_cast<double>(s.batch)), py(*s.validLoss)), 3.5, 3.5);
        }
        if (s.validAccuracy) {
            p.setPen(Qt::NoPen);
            p.setBrush(kAccuracyColor);
            p.drawEllipse(QPointF(px(static_cast<double>(s.batch)), pyAcc(*s.validAccuracy)), 3.5, 3.5);
        }
    }
    p.setClipping(false);

    // marked snapshots: numbered circles on the training curve, the number above the plot
    for (std::size_t k = 0; k < marked.size(); ++k) {
        const int i = marked[k];
        if (i < 0 || i >= static_cast<int>(t.snapshots.size()))
            continue;
        const TimelineSnapshot& s = t.snapshots[static_cast<std::size_t>(i)];
        const QPointF pt(px(static_cast<double>(s.batch)), py(s.trainLoss));
        p.setPen(QPen(kMarkColor, 1, Qt::DashLine));
        p.drawLine(QPointF(pt.x(), plot.top()), QPointF(pt.x(), plot.bottom()));
        p.setPen(QPen(kMarkColor, 2));
        p.setBrush(Qt::white);
        p.drawEllipse(pt, 5, 5);
        const QString label = QString::number(k + 1);
        p.setPen(kMarkColor);
        p.drawText(QPointF(pt.x() - fm.horizontalAdvance(label) / 2, plot.top() - 4), label);
    }
    if (current >= 0 && current < static_cast<int>(t.snapshots.size())) {
        const TimelineSnapshot& s = t.snapshots[static_cast<std::size_t>(current)];
        const QPointF pt(px(static_cast<double>(s.batch)), py(s.trainLoss));
        p.setPen(QPen(kMarkColor, 1.5));
        p.drawLine(QPointF(pt.x(), plot.top()), QPointF(pt.x(), plot.bottom()));
        p.setPen(Qt::NoPen);
        p.setBrush(kMarkColor);
        p.drawEllipse(pt, 5, 5);
    }
    p.restore();
}

bool exportTimeline(const Timeline& t, const ExportOptions& options, QString* error, std::function<bool(int, int)> progress)
{
    const auto fail = [&](const QString& text) {
        if (error)
            *error = text;
        return false;
    };
    if (t.snapshots.empty() || t.probes.empty())
        return fail(QStringLiteral("the timeline has no snapshots: nothing to draw"));
    const bool gif = exportFormatFor(options.path) == ExportFormat::Gif;
    const double scale = options.dpi / 96.0;
    HeatmapPainter heatmaps(options.colorMap);
    const int count = static_cast<int>(t.snapshots.size());

    if (!gif) {
        const std::vector<int> columns = timelineStillSnapshots(count);
        const std::size_t probes = std::min<std::size_t>(t.probes.size(), kMaxTimelineProbes);
        return writePainting(options, defaultTimelineSize(t, false), [&](QPainter& p, const QRectF& canvas) {
            const QRectF area = canvas.adjusted(kMargin, kMargin, -kMargin, -kMargin);
            p.setPen(Qt::black);
            p.setFont(font(12, true));
            QString title = headline(t);
            if (probes < t.probes.size())
                title += QStringLiteral(" (the first %1 of %2 probes)").arg(probes).arg(t.probes.size());
            p.drawText(QRectF(area.left(), area.top(), area.width(), kTitleHeight), Qt::AlignLeft | Qt::AlignTop,
                       QFontMetricsF(p.font()).elidedText(title, Qt::ElideRight, area.width()));
            const double lossH = std::min(kLossHeight, area.height() * 0.4);
            const double gridTop = area.top() + kTitleHeight, gridBottom = area.bottom() - lossH;
            const double rowH = (gridBottom - gridTop) / static_cast<double>(probes);
            const double colW = area.width() / static_cast<double>(std::max<std::size_t>(2, columns.size()));
            for (std::size_t k = 0; k < probes; ++k) {
                const double y = gridTop + static_cast<double>(k) * rowH;
                p.setPen(Qt::black);
                p.setFont(font(10, true));
                p.drawText(QRectF(area.left(), y, area.width(), kProbeLabelHeight), Qt::AlignLeft | Qt::AlignVCenter,
                           QFontMetricsF(p.font()).elidedText(probeText(t, k), Qt::ElideRight, area.width()));
                for (std::size_t c = 0; c < columns.size(); ++c) {
                    const TimelineSnapshot& s = t.snapshots[static_cast<std::size_t>(columns[c])];
                    const QRectF cell(area.left() + static_cast<double>(c) * colW, y + kProbeLabelHeight, colW - 6, rowH - kProbeLabelHeight - 4);
                    // "Alignment — 2 · batch 40" fits a 340 px heatmap; the epoch too from 440 px
                    const QString caption = cell.width() >= 440 ? snapshotCaption(s) : QStringLiteral("batch %1").arg(s.batch);
                    heatmaps.draw(p, cell, s.traces[k], QStringLiteral("%1 · ").arg(c + 1) + caption, scale);
                }
            }
            paintLossCurve(p, QRectF(area.left(), gridBottom, area.width(), lossH), t, columns, -1);
        }, error);
    }

    if (options.fps < 1 || options.fps > 50)
        return fail(QStringLiteral("frame rate must be 1..50 frames per second, found %1").arg(options.fps));
    const std::vector<int> frames = timelineFrameSnapshots(count);
    const std::size_t probes = std::min<std::size_t>(t.probes.size(), kMaxAnimatedProbes);
    const int delay = std::max(2, static_cast<int>(std::lround(100.0 / options.fps)));
    return writeGif(options, defaultTimelineSize(t, true), static_cast<int>(frames.size()),
                    [&](QPainter& p, const QRectF& canvas, int index) {
                        const TimelineSnapshot& s = t.snapshots[static_cast<std::size_t>(frames[static_cast<std::size_t>(index)])];
                        const QRectF area = canvas.adjusted(kMargin, kMargin, -kMargin, -kMargin);
                        QString title = headline(t) + QStringLiteral(" · training loss %1").arg(number(s.trainLoss, 3));
                        if (s.validAccuracy)
                            title += QStringLiteral(" · validation accuracy %1%").arg(number(100.0 * *s.validAccuracy, 1));
                        p.setPen(Qt::black);
                        p.setFont(font(11, true));
                        p.drawText(QRectF(area.left(), area.top(), area.width(), kTitleHeight), Qt::AlignLeft | Qt::AlignTop,
                                   QFontMetricsF(p.font()).elidedText(title, Qt::ElideRight, area.width()));
                        const double lossH = std::min(200.0, area.height() * 0.35);
                        const double top = area.top() + kTitleHeight, bottom = area.bottom() - lossH;
                        const double colW = area.width() / static_cast<double>(probes);
                        for (std::size_t k = 0; k < probes; ++k) {
                            const double x = area.left() + static_cast<double>(k) * colW;
                            p.setPen(Qt::black);
                            p.setFont(font(9.5, true));
                            p.drawText(QRectF(x, top, colW - 6, kProbeLabelHeight), Qt::AlignLeft | Qt::AlignVCenter,
                                       QFontMetricsF(p.font()).elidedText(probeText(t, k), Qt::ElideRight, colW - 6));
                            heatmaps.draw(p, QRectF(x, top + kProbeLabelHeight, colW - 6, bottom - top - kProbeLabelHeight - 4), s.traces[k],
                                          snapshotCaption(s), scale);
                        }
                        paintLossCurve(p, QRectF(area.left(), bottom, area.width(), lossH), t, {}, frames[static_cast<std::size_t>(index)]);
                    },
                    [&](int index) { return index + 1 == static_cast<int>(frames.size()) ? std::max(delay, 200) : delay; }, error, progress);
}

} // namespace attnviz::ui
