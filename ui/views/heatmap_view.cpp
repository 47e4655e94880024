#include "ui/views/heatmap_view.h"
#include "ui/views/token_label.h"
#include "core/model/merge_words.h"

#include "ui/step/step_text.h"

#include <qcustomplot.h>

#include <QFontMetrics>
#include <QFontMetricsF>
#include <QResizeEvent>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace attnviz::ui {

namespace {

// A dimension of size 1 is stored as two cells spanning ±0.25 around 0 (QCPColorMap draws a single
// cell with zero extent), so every cell is one unit wide and centred on its index.
int cellsFor(int count)
{
    return count == 1 ? 2 : std::max(count, 0);
}

QCPRange rangeFor(int count)
{
    return count == 1 ? QCPRange(-0.25, 0.25) : QCPRange(0, std::max(count - 1, 0));
}

QString targetLabel(const Trace& t, int i)
{
    const StepTrace& s = t.steps[static_cast<std::size_t>(i)];
    if (!s.token.empty())
        return tokenLabel(s.token);
    if (i < static_cast<int>(t.targetTokens.size()))
        return tokenLabel(t.targetTokens[static_cast<std::size_t>(i)]);
    return QStringLiteral("y") + subscript(i + 1);
}

} // namespace

HeatmapView::HeatmapView(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    plot_ = new QCustomPlot(this);
    layout->addWidget(plot_);
    plot_->setBackground(Qt::white);

    map_ = new QCPColorMap(plot_->xAxis, plot_->yAxis);
    map_->setInterpolate(false);
    map_->setTightBoundary(false);
    scale_ = new QCPColorScale(plot_);
    plot_->plotLayout()->addElement(0, 1, scale_);
    scale_->setType(QCPAxis::atRight);
    scale_->setBarWidth(12);
    scale_->axis()->setLabel(tr("attention weight"));
    map_->setColorScale(scale_);
    map_->setDataRange(QCPRange(0, 1));
    auto* group = new QCPMarginGroup(plot_);
    plot_->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, group);
    scale_->setMarginGroup(QCP::msBottom | QCP::msTop, group);

    for (QCPAxis* axis : {plot_->xAxis, plot_->yAxis}) {
        axis->grid()->setVisible(false);
        axis->setSubTicks(false);
        axis->setTickLength(0, 3);
        axis->setTicker(QSharedPointer<QCPAxisTickerText>::create());
    }
    plot_->plotLayout()->insertRow(0);
    title_ = new QCPTextElement(plot_, QString(), QFont(font().family(), font().pointSize() + 1, QFont::Bold));
    plot_->plotLayout()->addElement(0, 0, title_);
    plot_->xAxis->setLabel(tr("source"));
    plot_->yAxis->setLabel(tr("output (decoder step)"));
    plot_->yAxis->setRangeReversed(true);

    // The title's room is known after the layout (the y-axis labels' width): elide again then, if it changed.
    connect(plot_, &QCustomPlot::afterLayout, this, [this] {
        if (renderingExport_)
            return;
        const QString before = title_->text();
        fitTitle(width());
        if (title_->text() != before)
            plot_->replot(QCustomPlot::rpQueuedReplot);
    });
    marker_ = new QCPItemRect(plot_);
    marker_->setPen(QPen(QColor(0xe8, 0x59, 0x0c), 2.5));
    marker_->setBrush(Qt::NoBrush);
    marker_->setClipToAxisRect(true);
    marker_->setVisible(false);
    column_ = new QCPItemRect(plot_);
    column_->setPen(QPen(QColor(0xe8, 0x59, 0x0c), 1.5, Qt::DashLine));
    column_->setBrush(Qt::NoBrush);
    column_->setClipToAxisRect(true);
    column_->setVisible(false);
    plot_->installEventFilter(this);
    note_ = new QCPItemText(plot_);
    note_->position->setType(QCPItemPosition::ptAxisRectRatio);
    note_->position->setCoords(0.5, 0.5);
    note_->setPositionAlignment(Qt::AlignCenter);
    note_->setColor(QColor(0x6e, 0x77, 0x81));
    note_->setVisible(false);

    setColorMap(colorMap_);
    connect(plot_, &QCustomPlot::mouseMove, this, &HeatmapView::onMouseMove);
    connect(plot_, &QCustomPlot::mousePress, this, &HeatmapView::onMousePress);
    rebuild();
}

HeatmapView::~HeatmapView() = default;

void HeatmapView::setTrace(std::shared_ptr<const Trace> trace)
{
    trace_ = std::move(trace);
    current_ = trace_ && !trace_->steps.empty() ? std::clamp(current_, 0, static_cast<int>(trace_->steps.size()) - 1) : -1;
    rebuild();
    const int j = highlight_;
    highlight_ = -2;
    setHighlightedSource(j < columns() ? j : -1);  // re-placed for the new row and column counts
}

void HeatmapView::setPosition(const StepPosition& pos)
{
    const int row = trace_ && !trace_->steps.empty() ? std::clamp(pos.step, 0, static_cast<int>(trace_->steps.size()) - 1) : -1;
    StepPosition clamped = pos;
    clamped.step = row;
    clamped.progress = 1.0;
    if (row == current_ && clamped.stage == pos_.stage)
        return;
    current_ = row;
    pos_ = clamped;
    relabelRows();
    fillRows();
}

void HeatmapView::setReveal(const Reveal& reveal)
{
    reveal_ = reveal;
    relabelRows();
    fillRows();
}

void HeatmapView::setCurrentRowMarked(bool marked)
{
    marked_ = marked;
    fillRows();
}

void HeatmapView::relabelRows()
{
    auto yt = qSharedPointerCast<QCPAxisTickerText>(plot_->yAxis->ticker());
    yt->clear();
    const int T = rows();
    if (!trace_ || T == 0 || columns() == 0)
        return;
    // Rows thinned (every k-th label) when a line of text is taller than a row (issue 12: no overlaps); the
    // plot is the widget less the title, the source labels and the axis title.
    const double pitch = std::max(1.0, (labelHeight_ - 170.0) / T);
    const double line = QFontMetricsF(plot_->yAxis->tickLabelFont()).height();
    const int rowStride = std::max(1, static_cast<int>(std::ceil(line / pitch)));
    for (int i = 0; i < T; i += rowStride) {
        if (reveal_.rowLabel(i, pos_)) {
            // what-if marks (issue 14): ▸ a forced word, ✎ weights set by hand
            const StepTrace& st = trace_->steps[static_cast<std::size_t>(i)];
            yt->addTick(i, (st.forcedAgainstModel() ? QString::fromUtf8("▸ ") : QString()) + targetLabel(*trace_, i)
                               + (st.overridden ? QString::fromUtf8(" ✎") : QString()));
        }
        else if (i == pos_.step)
            yt->addTick(i, QStringLiteral("?"));  // the output being computed
    }
}

void HeatmapView::setColorMap(ColorMap map)
{
    colorMap_ = map;
    QCPColorGradient g;
    g.clearColorStops();
    for (const auto& stop : colorStops(map, 16))
        g.setColorStopAt(stop.first, stop.second);
    g.setNanHandling(QCPColorGradient::nhTransparent);
    map_->setGradient(g);
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void HeatmapView::setValueRange(double lo, double hi, const QString& label)
{
    map_->setDataRange(QCPRange(lo, hi));
    scale_->axis()->setLabel(label);
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

int HeatmapView::rows() const
{
    return trace_ ? static_cast<int>(trace_->steps.size()) : 0;
}

int HeatmapView::columns() const
{
    return trace_ ? sourceLength(*trace_) : 0;
}

int HeatmapView::currentRow() const
{
    return current_;
}

void HeatmapView::rebuild()
{
    const int n = columns(), T = rows();
    auto xt = qSharedPointerCast<QCPAxisTickerText>(plot_->xAxis->ticker());
    auto yt = qSharedPointerCast<QCPAxisTickerText>(plot_->yAxis->ticker());
    xt->clear();
    yt->clear();
    bool any = false;
    if (trace_)
        for (const StepTrace& s : trace_->steps)
            any = any || s.attention.has_value();
    labelColumns(width());
    map_->data()->setSize(cellsFor(n), cellsFor(T));
    map_->data()->setRange(rangeFor(n), rangeFor(T));
    plot_->xAxis->setRange(-0.5, std::max(n, 1) - 0.5);
    plot_->yAxis->setRange(-0.5, std::max(T, 1) - 0.5);
    QString title = trace_ ? QString::fromStdString(trace_->title) : QString();
    if (title.isEmpty() && trace_ && !trace_->sourceTokens.empty()) {  // a model's trace: the sentence it translated
        title = QString::fromUtf8("“") + QString::fromStdString(tokensText(trace_->sourceTokens)) + QString::fromUtf8("”");
    }
    fullTitle_ = title.isEmpty() ? tr("Alignment") : tr("Alignment — ") + title;
    fitTitle(width());
    note_->setVisible(!trace_ || !any);
    // no steps (nothing translated yet, or a translation that failed) is not the seq2seq bottleneck
    note_->setText(!trace_ ? tr("no trace")
                   : trace_->steps.empty() ? tr("No decoder steps to show.")
                           : tr("No attention (seq2seq):\nthe decoder sees the source\nonly through the encoder's\n"
                                "final state — the bottleneck\nthat attention removes."));
    scale_->setVisible(!trace_ || any);  // no 0–1 weight scale without weights
    relabelRows();
    fillRows();
}

QString HeatmapView::noteText() const
{
    return note_->visible() ? note_->text() : QString();
}

QString HeatmapView::shownTitle() const
{
    return title_->text();
}

void HeatmapView::fitTitle(int width)
{
    // The title sits in the axis rect's column: the colour scale's column (≈ 80 px before the first
    // layout) and the text element's margins are not room for it.
    // Once laid out, the axis rect's outer width (plot plus tick labels) is that column: in a narrow dock at
    // 1024 × 700 the estimate let a centred title overflow both edges.
    const int scaleWidth = scale_->outerRect().width() > 0 ? scale_->outerRect().width() : 80;
    const int column = plot_->axisRect()->outerRect().width();
    const int room = std::max(40, column > 0 && width == plot_->width() ? column - 8 : width - scaleWidth - 16);
    title_->setText(QFontMetrics(title_->font()).elidedText(fullTitle_, Qt::ElideRight, room));
}

void HeatmapView::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    fitTitle(width());
    labelColumns(width());
    labelHeight_ = height();
    relabelRows();
}

void HeatmapView::labelColumns(int width)
{
    auto xt = qSharedPointerCast<QCPAxisTickerText>(plot_->xAxis->ticker());
    xt->clear();
    const int n = columns();
    if (!trace_ || n == 0 || rows() == 0)
        return;
    QStringList labels;
    const QFontMetricsF fm(plot_->xAxis->tickLabelFont());
    double widest = 0;
    for (int j = 0; j < n; ++j) {
        labels << (j < static_cast<int>(trace_->sourceTokens.size()) ? tokenLabel(trace_->sourceTokens[static_cast<std::size_t>(j)])
                                                                     : QStringLiteral("h") + subscript(j + 1));
        widest = std::max(widest, fm.horizontalAdvance(labels.back()));
    }
    // Pixels per column: the plot is the widget less the row labels, the axis titles and the colour scale (issue
    // 12: labels must not run into each other). Upright while they fit; turned -60° beyond; thinned (every k-th)
    // when even turned labels (one line height each) would touch.
    const double pitch = std::max(1.0, (width - 190.0) / n);
    const bool turn = widest + 6 > pitch;
    const double need = turn ? fm.height() * 1.2 : widest + 6;
    const int stride = std::max(1, static_cast<int>(std::ceil(need / pitch)));
    for (int j = 0; j < n; j += stride)
        xt->addTick(j, labels[j]);
    plot_->xAxis->setTickLabelRotation(turn ? -60 : 0);
}

void HeatmapView::fillRows()
{
    const int n = columns(), T = rows();
    QCPColorMapData* d = map_->data();
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const int kc = cellsFor(n), vc = cellsFor(T);
    for (int v = 0; v < vc; ++v) {
        const int row = T == 1 ? 0 : v;
        const StepTrace* s = trace_ && current_ >= 0 && row < static_cast<int>(trace_->steps.size()) && reveal_.weights(row, pos_) ? &trace_->steps[static_cast<std::size_t>(row)] : nullptr;
        const bool has = s && s->attention && s->attention->weights.size() == n;
        for (int k = 0; k < kc; ++k) {
            const int col = n == 1 ? 0 : k;
            d->setCell(k, v, has ? s->attention->weights(col) : nan);
        }
    }
    marker_->setVisible(marked_ && current_ >= 0 && n > 0 && !note_->visible());
    marker_->topLeft->setCoords(-0.5, current_ - 0.5);
    marker_->bottomRight->setCoords(n - 0.5, current_ + 0.5);
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

int HeatmapView::filledRows() const
{
    int count = 0;
    for (int r = 0; r < rows(); ++r)
        if (columns() > 0 && !std::isnan(cellValue(r, 0)))
            ++count;
    return count;
}

double HeatmapView::cellValue(int row, int col) const
{
    const int n = columns(), T = rows();
    if (row < 0 || row >= T || col < 0 || col >= n)
        return std::numeric_limits<double>::quiet_NaN();
    return map_->data()->cell(n == 1 ? 0 : col, T == 1 ? 0 : row);
}

QPointF HeatmapView::toPlot(const QPointF& widgetPos) const
{
    const QPointF p = plot_->mapFrom(this, widgetPos.toPoint());
    if (!plot_->axisRect()->rect().contains(p.toPoint()))
        return {-1e9, -1e9};
    return {plot_->xAxis->pixelToCoord(p.x()), plot_->yAxis->pixelToCoord(p.y())};
}

int HeatmapView::stepAt(const QPointF& pos) const
{
    const QPointF c = toPlot(pos);
    const int row = static_cast<int>(std::lround(c.y()));
    return c.y() > -0.5 && row >= 0 && row < rows() ? row : -1;
}

int HeatmapView::sourceAt(const QPointF& pos) const
{
    const QPointF c = toPlot(pos);
    const int col = static_cast<int>(std::lround(c.x()));
    return c.x() > -0.5 && col >= 0 && col < columns() ? col : -1;
}

QString HeatmapView::valueTextAt(const QPointF& pos) const
{
    const int row = stepAt(pos), col = sourceAt(pos);
    if (row < 0 || col < 0 || !trace_)
        return {};
    const double v = cellValue(row, col);
    if (std::isnan(v))
        return {};
    return targetLabel(*trace_, row) + QString::fromUtf8(" ← ") + sourceLabel(*trace_, col) + QStringLiteral(": ") + displayNumber(v, 4);
}

void HeatmapView::setHighlightedSource(int j)
{
    if (j == highlight_)
        return;
    highlight_ = j;
    const int n = columns(), T = rows();
    column_->setVisible(j >= 0 && j < n && T > 0);
    column_->topLeft->setCoords(j - 0.5, -0.5);
    column_->bottomRight->setCoords(j + 0.5, T - 0.5);
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

bool HeatmapView::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == plot_ && event->type() == QEvent::Leave && hovered_ >= 0) {
        hovered_ = -1;
        emit sourceHovered(-1);
    }
    return QWidget::eventFilter(watched, event);
}

void HeatmapView::onMouseMove(QMouseEvent* event)
{
    const QPointF pos = plot_->mapTo(this, event->position().toPoint());
    const int j = stepAt(pos) >= 0 || sourceAt(pos) >= 0 ? sourceAt(pos) : -1;
    if (j != hovered_) {
        hovered_ = j;
        emit sourceHovered(j);
    }
    const QString text = valueTextAt(pos);
    if (text.isEmpty())
        QToolTip::hideText();
    else
        QToolTip::showText(event->globalPosition().toPoint(), text, plot_);
}

void HeatmapView::onMousePress(QMouseEvent* event)
{
    const int step = stepAt(plot_->mapTo(this, event->position().toPoint()));
    if (step < 0)
        return;
    if (event->button() == Qt::LeftButton)
        emit stepClicked(step);
    else if (event->button() == Qt::RightButton)
        emit stepMenuRequested(step, event->globalPosition().toPoint());
}

void HeatmapView::renderTo(QPaintDevice& device, const QSize& logicalSize, double scale)
{
    QCPPainter painter(&device);
    painter.setRenderHint(QPainter::Antialiasing, true);
    painter.setRenderHint(QPainter::TextAntialiasing, true);
    painter.scale(scale, scale);
    fitTitle(logicalSize.width());
    labelColumns(logicalSize.width());
    const int shownHeight = labelHeight_;
    labelHeight_ = logicalSize.height();
    relabelRows();
    // SVG and PDF get the cells as vector rectangles (one shape per cell, crisp at any zoom; text stays
    // text); QCPColorMap itself would embed a bitmap. Up to kMaxVectorCells, then the bitmap again.
    const bool vector = device.devType() == QInternal::Picture || device.paintEngine() == nullptr
                        || device.paintEngine()->type() == QPaintEngine::SVG || device.paintEngine()->type() == QPaintEngine::Pdf;
    std::vector<QCPItemRect*> cells;
    const int n = columns(), T = rows();
    if (vector && trace_ && static_cast<long long>(n) * T <= kMaxVectorCells) {
        for (int r = 0; r < T; ++r)
            for (int c = 0; c < n; ++c) {
                const double v = cellValue(r, c);
                if (std::isnan(v))
                    continue;
                auto* rect = new QCPItemRect(plot_);
                rect->topLeft->setCoords(c - 0.5, r - 0.5);
                rect->bottomRight->setCoords(c + 0.5, r + 0.5);
                const QColor color = map_->gradient().color(v, map_->dataRange());
                rect->setPen(QPen(color, 0));
                rect->setBrush(color);
                rect->setClipToAxisRect(true);
                cells.push_back(rect);
            }
        map_->setVisible(false);
    }
    // The colour scale draws its gradient as a bitmap too: for vectors, a legend of stacked rectangles and
    // text items just right of the plot instead, in the margin the scale's column leaves.
    std::vector<QCPAbstractItem*> legend;
    const bool vectorLegend = !cells.empty() && scale_->visible();
    const QMargins oldMargins = plot_->axisRect()->margins();
    const QCP::MarginSides oldAuto = plot_->axisRect()->autoMargins();
    if (vectorLegend) {
        scale_->setVisible(false);
        plot_->plotLayout()->take(scale_);
        plot_->plotLayout()->simplify();
        plot_->axisRect()->setAutoMargins(QCP::msLeft | QCP::msTop | QCP::msBottom);
        plot_->axisRect()->setMargins(QMargins(0, 0, 110, 0));
        const int slices = 64;
        for (int i = 0; i < slices; ++i) {
            auto* r = new QCPItemRect(plot_);
            r->setClipToAxisRect(false);
            for (QCPItemPosition* p : {r->topLeft, r->bottomRight}) {
                p->setType(QCPItemPosition::ptAxisRectRatio);
                p->setAxisRect(plot_->axisRect());
            }
            r->topLeft->setCoords(1.03, 1.0 - (i + 1.0) / slices);
            r->bottomRight->setCoords(1.06, 1.0 - static_cast<double>(i) / slices);
            const QColor color = map_->gradient().color((i + 0.5) / slices, QCPRange(0, 1));
            r->setPen(QPen(color, 0));
            r->setBrush(color);
            legend.push_back(r);
        }
        // tick labels and the title sit a few pixels right of the bar, whatever the canvas width
        auto* bar = new QCPItemRect(plot_);
        bar->setClipToAxisRect(false);
        bar->setPen(Qt::NoPen);
        for (QCPItemPosition* p : {bar->topLeft, bar->bottomRight}) {
            p->setType(QCPItemPosition::ptAxisRectRatio);
            p->setAxisRect(plot_->axisRect());
        }
        bar->topLeft->setCoords(1.03, 0.0);
        bar->bottomRight->setCoords(1.06, 1.0);
        legend.push_back(bar);
        auto besideBar = [&](QCPItemText* t, double pixels, double yRatio) {
            t->setClipToAxisRect(false);
            t->position->setAxisRect(plot_->axisRect());
            t->position->setParentAnchorX(bar->right);
            t->position->setTypeX(QCPItemPosition::ptAbsolute);
            t->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
            t->position->setCoords(pixels, yRatio);
        };
        for (int k = 0; k <= 4; ++k) {
            auto* t = new QCPItemText(plot_);
            besideBar(t, 5, 1.0 - k / 4.0);
            t->setPositionAlignment(Qt::AlignLeft | Qt::AlignVCenter);
            t->setText(QString::number(k / 4.0));
            t->setFont(plot_->xAxis->tickLabelFont());
            legend.push_back(t);
        }
        auto* label = new QCPItemText(plot_);
        besideBar(label, 42, 0.5);
        label->setRotation(90);
        label->setText(scale_->axis()->label());
        label->setFont(plot_->xAxis->labelFont());
        legend.push_back(label);
    }
    renderingExport_ = true;
    plot_->toPainter(&painter, logicalSize.width(), logicalSize.height());
    renderingExport_ = false;
    for (QCPItemRect* rect : cells)
        plot_->removeItem(rect);
    for (QCPAbstractItem* item : legend)
        plot_->removeItem(item);
    if (vectorLegend) {
        plot_->plotLayout()->addElement(0, 1, scale_);
        scale_->setVisible(true);
        plot_->axisRect()->setAutoMargins(oldAuto);
        plot_->axisRect()->setMargins(oldMargins);
    }
    map_->setVisible(true);
    painter.end();
    fitTitle(width());
    labelColumns(width());
    labelHeight_ = shownHeight;
    relabelRows();
    plot_->replot(QCustomPlot::rpQueuedReplot);  // back to the widget's own layout
}

} // namespace attnviz::ui
