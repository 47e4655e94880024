#include "ui/views/heads_view.h"

#include "ui/views/token_label.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHelpEvent>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QStandardItemModel>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace attnviz::ui {

namespace {

constexpr double kTop = 34;       // the kind picker's row
constexpr double kMaxCell = 96;   // a small multiple is at most this wide
const QColor kSelected(0xe3, 0x6c, 0x0a);
const QColor kMasked(0xe6, 0xe6, 0xe6);

QString kindName(HeadMatrices k)
{
    switch (k) {
    case HeadMatrices::Cross: return QObject::tr("Cross-attention (decoder → source)");
    case HeadMatrices::DecoderSelf: return QObject::tr("Decoder self-attention (causal)");
    case HeadMatrices::EncoderSelf: return QObject::tr("Encoder self-attention");
    }
    return {};
}

QString elided(const QString& s, int chars = 10)
{
    return s.size() <= chars ? s : s.left(chars - 1) + QChar(0x2026);
}

} // namespace

HeadsView::HeadsView(QWidget* parent) : QWidget(parent)
{
    setMinimumSize(240, 240);
    kindBox_ = new QComboBox(this);
    for (HeadMatrices k : {HeadMatrices::Cross, HeadMatrices::DecoderSelf, HeadMatrices::EncoderSelf})
        kindBox_->addItem(kindName(k), static_cast<int>(k));
    kindBox_->setToolTip(tr("Which attention the small multiples show"));
    label_ = new QLabel(this);
    label_->setStyleSheet(QStringLiteral("QLabel { color: #57606a; }"));
    auto* row = new QHBoxLayout;
    row->setContentsMargins(4, 4, 4, 0);
    row->addWidget(kindBox_);
    row->addWidget(label_, 1);
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addLayout(row);
    outer->addStretch(1);
    connect(kindBox_, &QComboBox::activated, this, [this](int i) { setKind(static_cast<HeadMatrices>(kindBox_->itemData(i).toInt())); });
}

void HeadsView::setTrace(std::shared_ptr<const Trace> trace)
{
    trace_ = std::move(trace);
    if (auto* items = qobject_cast<QStandardItemModel*>(kindBox_->model()))  // kinds the trace lacks are greyed out
        for (int i = 0; i < kindBox_->count(); ++i)
            items->item(i)->setEnabled(hasKind(static_cast<HeadMatrices>(kindBox_->itemData(i).toInt())));
    if (!hasKind(kind_))
        kind_ = HeadMatrices::Cross;
    rebuild();
}

bool HeadsView::hasKind(HeadMatrices kind) const
{
    if (!trace_)
        return false;
    if (kind == HeadMatrices::EncoderSelf)
        return !trace_->encoderSelfAttention.empty();
    for (const StepTrace& s : trace_->steps)
        if (s.multiHead && !(kind == HeadMatrices::Cross ? s.multiHead->heads : s.multiHead->selfAttention).empty())
            return true;
    return false;
}

void HeadsView::setKind(HeadMatrices kind)
{
    if (kind == kind_ && !all_.empty())
        return;
    kind_ = kind;
    rebuild();
}

void HeadsView::rebuild()
{
    all_ = trace_ ? headMatrices(*trace_, kind_) : std::vector<std::vector<Mat>>{};
    derived_.clear();
    for (std::size_t l = 0; l < all_.size(); ++l) {
        HeadSelection mean{static_cast<int>(l), HeadMode::Mean, 0}, max{static_cast<int>(l), HeadMode::Max, 0};
        derived_.push_back({selectMatrix(all_, mean), selectMatrix(all_, max)});
    }
    const QSignalBlocker block(kindBox_);
    kindBox_->setCurrentIndex(kindBox_->findData(static_cast<int>(kind_)));
    updateLabel();
    update();
}

void HeadsView::setSelection(HeadSelection sel)
{
    sel_ = sel;
    updateLabel();
    update();
}

void HeadsView::updateLabel()
{
    if (all_.empty()) {
        label_->setText(trace_ ? tr("no per-head attention in this trace") : QString());
        return;
    }
    const HeadShape shape{static_cast<int>(all_.size()), static_cast<int>(all_.front().size())};
    label_->setText(QString::fromStdString(describeSelection(sel_, shape)));
}

void HeadsView::setPosition(const StepPosition& pos)
{
    const int before = revealedRows(), step = pos_.step;
    pos_ = pos;
    if (revealedRows() != before || pos.step != step)  // new rows, or the current-step outline moved
        update();
}

void HeadsView::setReveal(const Reveal& reveal)
{
    reveal_ = reveal;
    update();
}

void HeadsView::setColorMap(ColorMap map)
{
    map_ = map;
    update();
}

int HeadsView::revealedRows() const
{
    if (all_.empty() || all_.front().empty())
        return 0;
    const int rows = static_cast<int>(all_.front().front().rows());
    if (kind_ == HeadMatrices::EncoderSelf || reveal_.everything)
        return rows;
    return std::clamp(pos_.step + (reveal_.weights(pos_.step, pos_) ? 1 : 0), 0, rows);
}

HeadsView::Geometry HeadsView::geometry() const
{
    Geometry g;
    const double w = width() - 8, h = height() - kTop - 4;
    const int layers = static_cast<int>(all_.size()), cols = all_.empty() ? 1 : static_cast<int>(all_.front().size()) + 2;
    g.labelH = fontMetrics().height() + 2;
    g.rowLabelW = fontMetrics().horizontalAdvance(QStringLiteral("L00 ")) + 4;
    g.cellW = std::min(kMaxCell, (w - g.rowLabelW - g.gap * (cols + 1)) / std::max(1, cols));  // +1: the gap before mean/max
    const double gridMax = layers > 0 ? (h * 0.48 - g.labelH) / layers - g.gap : 0;
    g.cellH = std::max(8.0, std::min(g.cellW, gridMax));
    g.cellW = std::max(8.0, g.cellW);
    const double gridH = g.labelH + layers * (g.cellH + g.gap);
    g.grid = QRectF(4, kTop, w, gridH);
    g.focus = QRectF(4, kTop + gridH + 8, w, std::max(0.0, h - gridH - 8));
    return g;
}

QRectF HeadsView::cellRect(int layer, int column) const
{
    const Geometry g = geometry();
    const int heads = all_.empty() ? 0 : static_cast<int>(all_.front().size());
    const double x = g.grid.left() + g.rowLabelW + column * (g.cellW + g.gap) + (column >= heads ? g.gap * 2 : 0);
    const double y = g.grid.top() + g.labelH + layer * (g.cellH + g.gap);
    return {x, y, g.cellW, g.cellH};
}

QRectF HeadsView::focusRect() const
{
    return geometry().focus;
}

const Mat* HeadsView::cellMatrix(int layer, int column) const
{
    if (layer < 0 || layer >= static_cast<int>(all_.size()))
        return nullptr;
    const auto l = static_cast<std::size_t>(layer);
    const int heads = static_cast<int>(all_[l].size());
    if (column >= 0 && column < heads)
        return &all_[l][static_cast<std::size_t>(column)];
    if (column == heads || column == heads + 1)
        return &derived_[l][static_cast<std::size_t>(column - heads)];
    return nullptr;
}

HeadSelection HeadsView::selectionAt(int layer, int column) const
{
    const int heads = all_.empty() ? 0 : static_cast<int>(all_.front().size());
    if (column < heads)
        return {layer, HeadMode::One, column};
    return {layer, column == heads ? HeadMode::Mean : HeadMode::Max, 0};
}

QImage HeadsView::matrixImage(const Mat& m, int rows) const
{
    QImage img(std::max<int>(1, static_cast<int>(m.cols())), std::max<int>(1, static_cast<int>(m.rows())), QImage::Format_RGB32);
    img.fill(Qt::white);
    for (Eigen::Index r = 0; r < m.rows() && r < rows; ++r)
        for (Eigen::Index c = 0; c < m.cols(); ++c) {
            const double v = m(r, c);
            img.setPixel(static_cast<int>(c), static_cast<int>(r), std::isnan(v) ? kMasked.rgb() : colorAt(map_, v).rgb());
        }
    return img;
}

void HeadsView::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.fillRect(rect(), palette().base());
    if (all_.empty()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(rect().adjusted(12, int(kTop), -12, -12), Qt::AlignCenter | Qt::TextWordWrap,
                   trace_ ? tr("This trace has no per-head attention.\nTransformer models and traces with \"heads\" "
                               "(e.g. a Hugging Face model's cross-attentions) show every head here.")
                          : QString());
        return;
    }
    const Geometry g = geometry();
    const int layers = static_cast<int>(all_.size()), heads = static_cast<int>(all_.front().size());
    const int rows = revealedRows();
    QFont small = font();
    small.setPointSizeF(std::max(6.5, font().pointSizeF() - 1.5));
    p.setFont(small);
    p.setPen(palette().color(QPalette::Text));
    for (int c = 0; c < heads + 2; ++c) {
        const QRectF r = cellRect(0, c);
        const QString text = c < heads ? tr("H%1").arg(c + 1) : c == heads ? tr("mean") : tr("max");
        p.drawText(QRectF(r.left(), g.grid.top(), r.width(), g.labelH), Qt::AlignCenter, text);
    }
    const HeadShape shape{layers, heads};
    const HeadSelection sel = resolved(sel_, shape);
    for (int l = 0; l < layers; ++l) {
        const QRectF first = cellRect(l, 0);
        p.setPen(palette().color(QPalette::Text));
        p.drawText(QRectF(g.grid.left(), first.top(), g.rowLabelW - 4, first.height()), Qt::AlignRight | Qt::AlignVCenter, tr("L%1").arg(l + 1));
        for (int c = 0; c < heads + 2; ++c) {
            const QRectF r = cellRect(l, c);
            if (const Mat* m = cellMatrix(l, c))
                p.drawImage(r, matrixImage(*m, rows));
            const HeadSelection here = selectionAt(l, c);
            const bool picked = here.layer == sel.layer && here.mode == sel.mode && (here.mode != HeadMode::One || here.head == sel.head);
            p.setPen(picked ? QPen(kSelected, 2.5) : QPen(QColor(0xd0, 0xd7, 0xde), 1));
            p.setBrush(Qt::NoBrush);
            p.drawRect(r.adjusted(-1, -1, 1, 1));
        }
    }
    drawFocus(p, g.focus);
}

void HeadsView::drawFocus(QPainter& p, const QRectF& area)
{
    if (area.height() < 60 || !trace_)
        return;
    const HeadShape shape{static_cast<int>(all_.size()), static_cast<int>(all_.front().size())};
    const HeadSelection sel = resolved(sel_, shape);
    const int column = sel.mode == HeadMode::One ? sel.head : sel.mode == HeadMode::Mean ? shape.heads : shape.heads + 1;
    const Mat* m = cellMatrix(sel.layer, column);
    if (!m || m->size() == 0)
        return;
    Tokens rowTokens, colTokens;
    Tokens outputs;  // each step's output, <eos> included (target_tokens stops before it)
    for (const StepTrace& s : trace_->steps)
        outputs.push_back(s.token);
    switch (kind_) {
    case HeadMatrices::Cross: rowTokens = outputs, colTokens = trace_->sourceTokens; break;
    case HeadMatrices::DecoderSelf:  // step t reads position t−1: <sos> first, then the outputs so far
        rowTokens = outputs;
        colTokens.push_back("<sos>");
        colTokens.insert(colTokens.end(), outputs.begin(), outputs.end());
        break;
    case HeadMatrices::EncoderSelf: rowTokens = colTokens = trace_->sourceTokens; break;
    }
    auto label = [](const Tokens& t, Eigen::Index i) {
        return i < static_cast<Eigen::Index>(t.size()) ? elided(tokenLabel(t[static_cast<std::size_t>(i)])) : QStringLiteral("·");
    };
    QFont small = font();
    small.setPointSizeF(std::max(6.5, font().pointSizeF() - 1.5));
    p.setFont(small);
    const QFontMetricsF fm(small);
    double rowW = 0, colH = 0;
    for (Eigen::Index r = 0; r < m->rows(); ++r) rowW = std::max(rowW, fm.horizontalAdvance(label(rowTokens, r)));
    for (Eigen::Index c = 0; c < m->cols(); ++c) colH = std::max(colH, fm.horizontalAdvance(label(colTokens, c)));
    rowW += 6, colH += 6;
    const double title = fm.height() + 4;
    p.setPen(palette().color(QPalette::Text));
    QFont bold = small;
    bold.setBold(true);
    p.setFont(bold);
    p.drawText(QRectF(area.left(), area.top(), area.width(), title), Qt::AlignLeft | Qt::AlignVCenter,
               kindName(kind_) + QStringLiteral(" · ") + QString::fromStdString(describeSelection(sel, shape)));
    p.setFont(small);
    const double cell = std::min({(area.width() - rowW) / std::max<double>(1, m->cols()),
                                  (area.height() - title - colH) / std::max<double>(1, m->rows()), 40.0});
    if (cell < 2)
        return;
    const QRectF plot(area.left() + rowW, area.top() + title + colH, cell * m->cols(), cell * m->rows());
    const int rows = revealedRows();
    p.drawImage(plot, matrixImage(*m, rows));
    p.setPen(QColor(0xd0, 0xd7, 0xde));
    p.drawRect(plot);
    // Column labels, turned upright (−90°); rows to the left. Thinned when the cells are smaller than a line.
    const int every = std::max(1, static_cast<int>(std::ceil(fm.height() / cell)));
    p.setPen(palette().color(QPalette::Text));
    for (Eigen::Index c = 0; c < m->cols(); c += every) {
        p.save();
        p.translate(plot.left() + (c + 0.5) * cell + fm.height() / 3, plot.top() - 3);
        p.rotate(-90);
        p.drawText(QPointF(0, 0), label(colTokens, c));
        p.restore();
    }
    for (Eigen::Index r = 0; r < m->rows(); r += every)
        if (kind_ == HeadMatrices::EncoderSelf || r < rows)
            p.drawText(QRectF(area.left(), plot.top() + r * cell, rowW - 4, cell), Qt::AlignRight | Qt::AlignVCenter, label(rowTokens, r));
    if (cell >= 26) {  // the numbers, when they fit
        for (Eigen::Index r = 0; r < m->rows() && r < rows; ++r)
            for (Eigen::Index c = 0; c < m->cols(); ++c) {
                const double v = (*m)(r, c);
                if (std::isnan(v))
                    continue;
                p.setPen(textColorOn(colorAt(map_, v)));
                p.drawText(QRectF(plot.left() + c * cell, plot.top() + r * cell, cell, cell), Qt::AlignCenter, QString::number(v, 'f', 2));
            }
    }
    if (kind_ != HeadMatrices::EncoderSelf && pos_.step < m->rows() && !reveal_.everything) {  // the current step
        p.setPen(QPen(kSelected, 2));
        p.setBrush(Qt::NoBrush);
        p.drawRect(QRectF(plot.left(), plot.top() + pos_.step * cell, plot.width(), cell));
    }
}

void HeadsView::mousePressEvent(QMouseEvent* event)
{
    if (event->button() != Qt::LeftButton || all_.empty())
        return QWidget::mousePressEvent(event);
    const int heads = static_cast<int>(all_.front().size());
    for (int l = 0; l < static_cast<int>(all_.size()); ++l)
        for (int c = 0; c < heads + 2; ++c)
            if (cellRect(l, c).adjusted(-2, -2, 2, 2).contains(event->position())) {
                sel_ = selectionAt(l, c);
                updateLabel();
                update();
                emit selectionChanged(sel_);
                return;
            }
}

QString HeadsView::tooltipAt(const QPointF& pos) const
{
    if (all_.empty())
        return {};
    const int heads = static_cast<int>(all_.front().size());
    const HeadShape shape{static_cast<int>(all_.size()), heads};
    for (int l = 0; l < shape.layers; ++l)
        for (int c = 0; c < heads + 2; ++c)
            if (cellRect(l, c).contains(pos))
                return QString::fromStdString(describeSelection(selectionAt(l, c), shape)) + tr("\nClick: show it in every view");
    return {};
}

bool HeadsView::event(QEvent* event)
{
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const QString text = tooltipAt(help->pos());
        if (text.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(help->globalPos(), text, this);
        return true;
    }
    return QWidget::event(event);
}

} // namespace attnviz::ui
