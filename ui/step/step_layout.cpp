#include "ui/step/step_layout.h"

#include <algorithm>
#include <cmath>

namespace attnviz::ui {

namespace {

double clampd(double x, double lo, double hi)
{
    return std::max(lo, std::min(hi, x));
}

// Component index of `y` within a column of `count` cells starting at `top`, each `h` tall.
int componentAt(double y, double top, double h, int count)
{
    if (count <= 0 || h <= 0)
        return -1;
    const int i = static_cast<int>(std::floor((y - top) / h));
    return std::clamp(i, 0, count - 1);
}

} // namespace

double lerp(double a, double b, double t)
{
    return a + (b - a) * t;
}

QRectF lerpRect(const QRectF& a, const QRectF& b, double t)
{
    return QRectF(lerp(a.x(), b.x(), t), lerp(a.y(), b.y(), t), lerp(a.width(), b.width(), t), lerp(a.height(), b.height(), t));
}

std::vector<int> labelsThatFit(const std::vector<double>& centers, const std::vector<double>& widths,
                               const std::vector<double>& priority, double gap, int maxLabels)
{
    const std::size_t n = std::min({centers.size(), widths.size(), priority.size()});
    std::vector<int> order(n);
    for (std::size_t j = 0; j < n; ++j) order[j] = static_cast<int>(j);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        return priority[static_cast<std::size_t>(a)] > priority[static_cast<std::size_t>(b)];
    });
    std::vector<int> taken;
    for (int j : order) {
        if (static_cast<int>(taken.size()) >= maxLabels) break;
        const auto u = static_cast<std::size_t>(j);
        if (!std::isfinite(centers[u]) || !std::isfinite(widths[u]) || !(priority[u] == priority[u])) continue;
        const double lo = centers[u] - widths[u] / 2, hi = centers[u] + widths[u] / 2;
        bool clear = true;
        for (int k : taken) {
            const auto v = static_cast<std::size_t>(k);
            const double klo = centers[v] - widths[v] / 2, khi = centers[v] + widths[v] / 2;
            if (lo < khi + gap && klo < hi + gap) { clear = false; break; }
        }
        if (clear) taken.push_back(j);
    }
    std::sort(taken.begin(), taken.end());
    return taken;
}

double easeInOut(double p)
{
    p = clampd(p, 0.0, 1.0);
    // 4p³ for the first half, 1 − (2 − 2p)³ / 2 for the second: continuous in value and slope at ½.
    return p < 0.5 ? 4 * p * p * p : 1 - std::pow(-2 * p + 2, 3) / 2;
}

double staggered(double p, int j, int n, double span)
{
    p = clampd(p, 0.0, 1.0);
    if (n <= 1)
        return p;
    span = clampd(span, 1.0 / n, 1.0);
    const double start = (1.0 - span) * j / (n - 1);
    return clampd((p - start) / span, 0.0, 1.0);
}

QRectF cellRect(const QRectF& column, int count, int i)
{
    if (count <= 0)
        return column;
    const double h = column.height() / count;
    return QRectF(column.left(), column.top() + i * h, column.width(), h);
}

StepLayout computeStepLayout(const StepLayoutInput& in)
{
    StepLayout L;
    L.area = in.area;
    L.n = std::max(in.n, 0);
    L.dk = std::max(in.dk, 0);
    L.dq = std::max(in.dq, 0);
    L.hasAttention = in.hasAttention;

    const QRectF& a = in.area;
    const double margin = clampd(std::min(a.width(), a.height()) * 0.025, 6, 24);
    const double headerH = in.titleLineHeight + in.lineHeight + 14;
    const double legendH = in.lineHeight + 14;
    L.header = QRectF(a.left() + margin, a.top() + margin, a.width() - 2 * margin, headerH);
    L.legend = QRectF(a.left() + margin, a.bottom() - margin - legendH, a.width() - 2 * margin, legendH);
    L.content = QRectF(L.header.left(), L.header.bottom() + 8, L.header.width(), std::max(0.0, L.legend.top() - 8 - L.header.bottom() - 8));

    // 1. Zones: band labels | encoder columns | query, context and decoder.
    const QRectF& c = L.content;
    const double labelsW = c.width() > 600 ? 44 : 30;
    // The right zone holds the query and context columns (about 24 + 40 + 48 px) and the decoder box, which gets
    // the room its widest output word needs (issue 12: output tokens never elided), up to 42% of the width.
    const double rightBase = c.width() > 600 ? clampd(c.width() * 0.30, 200, 400) : c.width() * 0.34;
    const double rightW = std::max(rightBase, std::min(c.width() * 0.42, 24 + std::max(40.0, in.numberWidth + 10) + 48 + in.decoderWidth));
    const double zoneGap = c.width() > 600 ? 24 : 10;
    L.rowLabels = QRectF(c.left(), c.top(), labelsW, c.height());
    L.rightZone = QRectF(c.right() - rightW, c.top(), rightW, c.height());
    L.encoderZone = QRectF(c.left() + labelsW, c.top(), std::max(0.0, c.width() - labelsW - rightW - zoneGap), c.height());

    // 2. Columns: pitch, cell width, token labels.
    const int n = std::max(L.n, 1);
    L.colWidth = std::min(L.encoderZone.width() / n, kMaxColumnWidth);
    const double colGap = clampd(L.colWidth * 0.22, 1, 30);
    L.cellWidth = std::max(1.0, std::min(L.colWidth - colGap, std::max(in.numberWidth + 18, 72.0)));
    L.rotatedTokens = in.tokenWidth + 6 > L.colWidth;
    const double tokenBandH = L.rotatedTokens ? std::min(in.tokenWidth, 90.0) + 8 : in.lineHeight + in.smallLineHeight + 6;
    const double g = 10;

    // 3. Bands, top to bottom. Attention: tokens, states, scores, weights, alignment label, alignment vectors.
    double scoreBandH = 0, weightBandH = 0, alignLabelH = 0, barMax = 0;
    if (L.hasAttention) {
        L.arithmeticInColumns = in.arithmeticWidth > 0 && in.arithmeticWidth + 6 <= L.colWidth;
        scoreBandH = in.lineHeight + in.smallLineHeight + 8;
        L.weightNumbers = in.weightNumberWidth + 4 <= L.colWidth;
        barMax = clampd(c.height() * 0.15, 28, 110);  // the weights are the hero (issue 12): the tallest bars on screen
        L.barHeight = barMax;
        weightBandH = barMax + in.smallLineHeight + 4 + 4;  // numbers under the bars (all, or the largest that fit)
        alignLabelH = in.smallLineHeight + 8;
    } else {
        scoreBandH = 2 * in.lineHeight + 8;  // room for the bottleneck explanation
    }
    const double fixed = tokenBandH + 4 + (L.hasAttention ? 3 * g + scoreBandH + weightBandH + alignLabelH : g + scoreBandH);
    const double avail = std::max(0.0, c.height() - fixed);
    const int dmax = std::max({L.dk, L.dq, 1});
    const double stateBandH = L.hasAttention ? std::min(avail / 2, dmax * kMaxCellHeight) : std::min(avail, dmax * kMaxCellHeight);
    L.cellHeight = stateBandH / dmax;
    L.queryCellHeight = L.cellHeight;
    const double encoderH = L.dk > 0 ? L.dk * L.cellHeight : std::min(stateBandH, 2 * in.lineHeight + 8);
    const double total = fixed + (L.hasAttention ? stateBandH + encoderH : stateBandH);
    const double top = c.top() + std::max(0.0, (c.height() - total) * 0.4);

    L.numbersInCells = L.dk > 0 && L.cellHeight >= in.smallLineHeight * 0.95 && L.cellWidth >= in.numberWidth + 4;
    const double zx = L.encoderZone.left();
    const double zw = L.encoderZone.width();
    double y = top;
    L.tokenBand = QRectF(zx, y, zw, tokenBandH);
    y += tokenBandH + 4;
    L.stateBand = QRectF(zx, y, zw, stateBandH);
    y += stateBandH + g;
    L.scoreBand = QRectF(zx, y, zw, scoreBandH);
    y += scoreBandH;
    if (L.hasAttention) {
        y += g;
        L.weightBand = QRectF(zx, y, zw, weightBandH);
        y += weightBandH + g;
        L.alignLabelBand = QRectF(zx, y, zw, alignLabelH);
        y += alignLabelH;
        L.alignBand = QRectF(zx, y, zw, encoderH);
    } else {
        L.weightBand = L.alignLabelBand = L.alignBand = QRectF(zx, y, zw, 0);
    }

    // 4. Per-column rectangles, the block of columns centred in the zone.
    const double x0 = zx + std::max(0.0, (zw - L.n * L.colWidth) / 2);
    for (int j = 0; j < L.n; ++j) {
        const double cx = x0 + (j + 0.5) * L.colWidth;
        L.tokenRects.emplace_back(cx - L.colWidth / 2, L.tokenBand.top(), L.colWidth, L.tokenBand.height());
        L.stateRects.emplace_back(cx - L.cellWidth / 2, L.stateBand.top(), L.cellWidth, encoderH);
        L.scoreRects.emplace_back(cx - L.colWidth / 2, L.scoreBand.top(), L.colWidth, L.scoreBand.height());
        L.weightRects.emplace_back(cx - L.colWidth / 2, L.weightBand.top(), L.colWidth, L.weightBand.height());
        double w = L.cellWidth;
        if (j < static_cast<int>(in.weights.size()) && std::isfinite(in.weights[static_cast<std::size_t>(j)]))
            w = L.cellWidth * (0.3 + 0.7 * clampd(in.weights[static_cast<std::size_t>(j)], 0.0, 1.0));
        L.alignRects.emplace_back(cx - w / 2, L.alignBand.top(), w, L.hasAttention ? encoderH : 0.0);
    }

    // 5. Right zone: the query (or decoder state) column beside the encoder states, the context column
    //    beside the alignment vectors, the decoder box to their right.
    const QRectF& r = L.rightZone;
    const double qW = L.numbersInCells ? std::max(L.cellWidth, in.numberWidth + 10) : std::max(L.cellWidth, 24.0);
    const double qx = r.left() + std::min(24.0, r.width() * 0.1);
    const double queryH = L.dq > 0 ? L.dq * L.cellHeight : encoderH;
    L.queryRect = QRectF(qx, L.stateBand.top(), qW, queryH);
    L.queryLabel = QRectF(qx + qW / 2 - 70, L.tokenBand.top(), 140, L.tokenBand.height());
    if (L.hasAttention) {
        L.contextRect = QRectF(qx, L.alignBand.top(), qW, encoderH);
        L.contextLabel = QRectF(qx + qW / 2 - 100, L.alignLabelBand.top(), 200, L.alignLabelBand.height());
    } else {
        L.contextRect = L.contextLabel = QRectF(qx, L.stateBand.top(), 0, 0);
    }
    // The decoder box: from the query to the context (so both arrows run straight), at least as tall as its
    // content; without attention, centred on the decoder state.
    const double dx = std::min(qx + qW + 48, r.right() - 120);
    const double need = std::min(std::max(in.decoderHeight, 60.0), c.height());
    double dTop = L.queryRect.top(), dh = L.hasAttention ? L.contextRect.bottom() - L.queryRect.top() : 0.0;
    if (dh < need) {
        const double mid = L.hasAttention ? (L.queryRect.top() + L.contextRect.bottom()) / 2 : L.queryRect.center().y();
        dh = need;
        dTop = std::clamp(mid - dh / 2, c.top(), std::max(c.top(), c.bottom() - dh));
    }
    L.decoderRect = QRectF(dx, dTop, std::max(60.0, r.right() - dx), dh);
    return L;
}

StepHit hitTest(const StepLayout& L, const QPointF& pt)
{
    StepHit h;
    const int count = static_cast<int>(L.stateRects.size());
    for (int j = 0; j < count; ++j) {
        const auto u = static_cast<std::size_t>(j);
        if (L.dk > 0 && L.stateRects[u].contains(pt))
            return {StepPart::EncoderCell, j, componentAt(pt.y(), L.stateRects[u].top(), L.cellHeight, L.dk)};
        if (L.hasAttention && L.dk > 0 && L.alignRects[u].contains(pt))
            return {StepPart::AlignCell, j, componentAt(pt.y(), L.alignRects[u].top(), L.cellHeight, L.dk)};
        if (L.hasAttention && L.scoreRects[u].contains(pt))
            return {StepPart::Score, j, -1};
        if (L.hasAttention && L.weightRects[u].contains(pt))
            return {StepPart::Weight, j, -1};
        if (L.tokenRects[u].contains(pt))
            return {StepPart::Token, j, -1};
    }
    if (L.dq > 0 && L.queryRect.contains(pt))
        return {StepPart::QueryCell, -1, componentAt(pt.y(), L.queryRect.top(), L.queryCellHeight, L.dq)};
    if (L.hasAttention && L.dk > 0 && L.contextRect.contains(pt))
        return {StepPart::ContextCell, -1, componentAt(pt.y(), L.contextRect.top(), L.cellHeight, L.dk)};
    return h;
}

} // namespace attnviz::ui
