#pragma once
// Draws a trace's alignment heatmap into part of any QPainter (the HeatmapView's own QCustomPlot drawing,
// rendered off screen): for exports that put several heatmaps on one canvas — the training timeline
// (ui/export/timeline_export.h) and the side-by-side comparison (ui/export/compare_export.h).
#include "core/formats/trace.h"
#include "ui/views/colormap.h"
#include "ui/views/heatmap_view.h"

#include <QFont>
#include <QImage>
#include <QPainter>

#include <algorithm>
#include <cmath>
#include <memory>

namespace attnviz::ui {

// A heatmap's title, axis titles and source labels take about this much height; each row wants kMinRowHeight.
constexpr double kHeatmapChrome = 110, kMinRowHeight = 13;

// One HeatmapView reused for every heatmap of an export (a QCustomPlot widget is costly to create).
class HeatmapPainter {
public:
    explicit HeatmapPainter(ColorMap map)
    {
        view_.setAttribute(Qt::WA_DontShowOnScreen);
        view_.setColorMap(map);
    }
    HeatmapView& view() { return view_; }  // e.g. setValueRange for a difference map
    // The trace's heatmap titled `title` in `target` (logical coordinates of `p`), rendered at `scale` pixels per
    // unit. Only as many decoder steps as get kMinRowHeight each are drawn (an untrained model may babble up to
    // max_len tokens); the title then says "R/T rows".
    void draw(QPainter& p, const QRectF& target, const Trace& trace, QString title, double scale)
    {
        const QSize logical(std::max(16, static_cast<int>(std::floor(target.width()))), std::max(16, static_cast<int>(std::floor(target.height()))));
        auto t = std::make_shared<Trace>(trace);
        const int maxRows = std::max(3, static_cast<int>((logical.height() - kHeatmapChrome) / kMinRowHeight));
        if (static_cast<int>(t->steps.size()) > maxRows) {
            title += QStringLiteral(" · %1/%2 rows").arg(maxRows).arg(t->steps.size());
            t->steps.resize(static_cast<std::size_t>(maxRows));
            if (static_cast<int>(t->targetTokens.size()) > maxRows)
                t->targetTokens.resize(static_cast<std::size_t>(maxRows));
        }
        t->title = title.toStdString();
        view_.resize(logical);
        view_.setTrace(t);
        if (trace.steps.empty()) {
            p.save();
            p.setPen(Qt::gray);
            QFont f(QStringLiteral("DejaVu Sans"));
            f.setPointSizeF(9);
            p.setFont(f);
            p.drawText(target, Qt::AlignCenter, title + QStringLiteral("\nno output"));
            p.restore();
            return;
        }
        StepPosition last;
        last.step = static_cast<int>(trace.steps.size()) - 1;
        last.stage = Stage::Feed;
        view_.setPosition(last);
        view_.setCurrentRowMarked(false);
        QImage img(QSize(static_cast<int>(std::ceil(logical.width() * scale)), static_cast<int>(std::ceil(logical.height() * scale))),
                   QImage::Format_ARGB32_Premultiplied);
        img.fill(Qt::white);
        view_.renderTo(img, logical, scale);
        p.drawImage(QRectF(target.topLeft(), QSizeF(logical)), img);
    }

private:
    HeatmapView view_;
};


} // namespace attnviz::ui
