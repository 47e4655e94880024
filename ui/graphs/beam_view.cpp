#include "ui/graphs/beam_view.h"

#include "ui/graphs/beam_layout.h"
#include "ui/views/token_label.h"

#include <QContextMenuEvent>
#include <QFontMetricsF>
#include <QMenu>
#include <QHelpEvent>
#include <QPainter>
#include <QPainterPath>
#include <QToolTip>

#include <algorithm>

namespace attnviz::ui {

namespace {

QString fmt(double v) { return QString::number(v, 'f', 2).replace(QLatin1Char('-'), QChar(0x2212)); }

} // namespace

void paintBeamTree(QPainter& p, const QRectF& rect, const DecodeResult& r, int selected, const ViewTransform& vt, const QFont& baseFont)
{
    const BeamTree& tree = r.tree;
    const BeamLayout L = layoutBeamTree(tree);
    QFont font = baseFont == QFont() ? QFont(QStringLiteral("DejaVu Sans"), 9) : baseFont;
    QFont small = font;
    small.setPointSizeF(font.pointSizeF() * 0.8);
    QFont bold = font;
    bold.setBold(true);
    std::vector<char> onSelected(tree.nodes.size(), 0);
    if (selected >= 0 && selected < static_cast<int>(r.leaves.size()))
        for (int k : beamPath(tree, r.leaves[static_cast<std::size_t>(selected)]))
            onSelected[static_cast<std::size_t>(k)] = 1;
    std::vector<int> hypOfLeaf(tree.nodes.size(), -1);
    for (std::size_t h = 0; h < r.leaves.size(); ++h)
        if (r.leaves[h] >= 0 && static_cast<std::size_t>(r.leaves[h]) < tree.nodes.size())
            hypOfLeaf[static_cast<std::size_t>(r.leaves[h])] = static_cast<int>(h);

    const QColor chosenC(0x1f, 0x5f, 0xc0), selC(0xe0, 0x70, 0x10), grey(0xb8, 0xb8, 0xb8);
    beginViewCanvas(p, rect, vt);
    // column headers
    p.setFont(small);
    p.setPen(QColor(0x60, 0x60, 0x60));
    for (std::size_t t = 0; t < L.stepX.size(); ++t)
        p.drawText(QRectF(L.stepX[t], 8, 104, 18), Qt::AlignCenter, t == 0 ? QStringLiteral("start") : QStringLiteral("t = %1").arg(t));
    // edges
    for (std::size_t k = 1; k < tree.nodes.size(); ++k) {
        const BeamNode& nd = tree.nodes[k];
        if (nd.parent < 0)
            continue;
        const QRectF a = L.nodes[static_cast<std::size_t>(nd.parent)], b = L.nodes[k];
        QPen pen(nd.pruned ? grey : QColor(0x70, 0x70, 0x70), 1.0);
        if (nd.pruned)
            pen.setStyle(Qt::DashLine);
        if (nd.chosen)
            pen = QPen(chosenC, 3.0);
        if (onSelected[k] && !nd.chosen)
            pen = QPen(selC, 3.0);
        p.setPen(pen);
        QPainterPath path(QPointF(a.right(), a.center().y()));
        const double mx = (a.right() + b.left()) / 2;
        path.cubicTo(QPointF(mx, a.center().y()), QPointF(mx, b.center().y()), QPointF(b.left(), b.center().y()));
        p.drawPath(path);
    }
    // nodes
    for (std::size_t k = 0; k < tree.nodes.size(); ++k) {
        const BeamNode& nd = tree.nodes[k];
        const QRectF box = L.nodes[k];
        QColor border = nd.pruned ? grey : QColor(0x50, 0x50, 0x50);
        QColor fill = nd.pruned ? QColor(0xf4, 0xf4, 0xf4) : QColor(0xee, 0xf4, 0xfb);
        double w = 1.0;
        if (nd.chosen)
            border = chosenC, w = 2.6, fill = QColor(0xdc, 0xe8, 0xfa);
        if (onSelected[k])
            border = selC, w = 2.6;
        if (nd.finished && !nd.pruned)
            fill = nd.chosen ? QColor(0xc8, 0xdc, 0xf8) : QColor(0xe6, 0xf2, 0xe6);
        p.setPen(QPen(border, w, nd.pruned ? Qt::DashLine : Qt::SolidLine));
        p.setBrush(fill);
        p.drawRoundedRect(box, 5, 5);
        if (nd.finished && !nd.pruned) {
            p.setBrush(Qt::NoBrush);
            p.setPen(QPen(border, 1.0));
            p.drawRoundedRect(box.adjusted(3, 3, -3, -3), 3, 3);
        }
        const QColor textC = nd.pruned ? QColor(0x99, 0x99, 0x99) : QColor(0x15, 0x15, 0x15);
        p.setPen(textC);
        p.setFont(nd.chosen ? bold : font);
        const QString tok = QFontMetricsF(p.font()).elidedText(tokenLabel(nd.text), Qt::ElideRight, box.width() - 8);
        p.drawText(QRectF(box.left(), box.top() + 1, box.width(), box.height() / 2), Qt::AlignCenter, tok);
        p.setFont(small);
        const QString lp = k == 0 ? QStringLiteral("log p 0") : QStringLiteral("%1  Σ %2").arg(fmt(nd.logProb), fmt(nd.sumLogProb));
        p.drawText(QRectF(box.left(), box.center().y() - 1, box.width(), box.height() / 2), Qt::AlignCenter, lp);
        const int h = hypOfLeaf[k];
        if (h >= 0) {  // an ended hypothesis: its rank and length-normalised score
            p.setPen(onSelected[k] ? selC : (nd.chosen ? chosenC : QColor(0x30, 0x30, 0x30)));
            p.setFont(nd.chosen ? bold : small);
            p.drawText(QRectF(box.right() + 6, box.top(), 90, box.height()), Qt::AlignVCenter | Qt::AlignLeft,
                       QStringLiteral("#%1 %2").arg(h + 1).arg(fmt(r.scores[static_cast<std::size_t>(h)])));
        }
    }
    p.restore();
    // header (not zoomed)
    int k = 0;
    for (const BeamNode& nd : tree.nodes)
        k = std::max(k, nd.step);
    p.setFont(font);
    const QString head = QStringLiteral("beam search · %1 hypotheses ended (%2 with <eos>) · best score %3 · bold blue: chosen path, orange: selected, grey dashed: pruned, double frame: finished")
                             .arg(r.hypotheses.size()).arg(r.finishedCount).arg(fmt(r.bestScore));
    const QFontMetricsF fm(font);
    p.fillRect(QRectF(rect.left() + 4, rect.top() + 2, fm.horizontalAdvance(head) + 8, fm.height() + 4), QColor(255, 255, 255, 230));
    p.setPen(QColor(0x20, 0x20, 0x20));
    p.drawText(QRectF(rect.left() + 8, rect.top() + 4, rect.width() - 16, fm.height()), Qt::AlignLeft | Qt::AlignVCenter, head);
    p.restore();
}

BeamView::BeamView(QWidget* parent) : ZoomPanWidget(parent)
{
    setMinimumSize(240, 160);
}

void BeamView::setResult(std::shared_ptr<const attnviz::DecodeResult> result)
{
    result_ = std::move(result);
    const BeamLayout layout = result_ ? layoutBeamTree(result_->tree) : BeamLayout{};
    bounds_ = layout.bounds;
    root_ = layout.nodes.empty() ? QRectF() : layout.nodes.front();
    bestPath_.clear();
    if (result_ && result_->tree.best >= 0)
        for (int id : beamPath(result_->tree, result_->tree.best))
            if (id >= 0 && id < static_cast<int>(layout.nodes.size()))
                bestPath_.push_back(layout.nodes[static_cast<std::size_t>(id)]);
    selected_ = result_ && !result_->hypotheses.empty() ? 0 : -1;
    fitOnNextPaint();
    update();
}

void BeamView::setSelectedHypothesis(int index)
{
    if (!result_ || index < -1 || index >= static_cast<int>(result_->hypotheses.size()))
        return;
    selected_ = index;
    update();
}

QPointF BeamView::focusPoint() const
{
    if (!root_.isValid())
        return bounds_.center();
    const double halfW = sceneViewport().width() / 2 / readableZoom();
    const double room = sceneViewport().height() / readableZoom() - 40;  // scene units the view shows, less a margin
    const double x = bounds_.left() - 12 + halfW, right = x + halfW;
    // The run of consecutive chosen-path nodes (within the view's width) that fits its height with the most nodes,
    // the earliest of equals: the root and its first steps when they fit, else where the path goes.
    std::size_t visible = 0;
    while (visible < bestPath_.size() && bestPath_[visible].right() <= right)
        ++visible;
    double bestLo = root_.top(), bestHi = root_.bottom();
    std::size_t bestCount = 0;
    for (std::size_t a = 0; a < visible; ++a) {
        double lo = bestPath_[a].top(), hi = bestPath_[a].bottom();
        std::size_t b = a + 1;
        for (; b < visible; ++b) {
            const double nlo = std::min(lo, bestPath_[b].top()), nhi = std::max(hi, bestPath_[b].bottom());
            if (nhi - nlo > room)
                break;
            lo = nlo, hi = nhi;
        }
        if (b - a > bestCount)
            bestCount = b - a, bestLo = lo, bestHi = hi;
    }
    return {x, (bestLo + bestHi) / 2};
}

QRectF BeamView::sceneBounds() const { return bounds_; }

QRectF BeamView::sceneViewport() const { return QRectF(rect()).adjusted(4, 24, -4, -4); }

void BeamView::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    if (!result_ || result_->tree.nodes.size() <= 1) {
        p.fillRect(rect(), Qt::white);
        p.setPen(QColor(0x60, 0x60, 0x60));
        p.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap, tr("Translate with a beam width above 1 to see the search tree."));
        return;
    }
    takeFitPending();
    paintBeamTree(p, QRectF(rect()), *result_, selected_, viewTransform(), QFont(font().family(), 9));
}

void BeamView::clicked(const QPointF& device)
{
    if (!result_)
        return;
    const int node = beamNodeAt(layoutBeamTree(result_->tree), viewTransform().unmap(device));
    const int h = node >= 0 ? hypothesisThrough(*result_, node) : -1;
    if (h < 0)
        return;
    selected_ = h;
    update();
    emit hypothesisSelected(h);
}

void BeamView::contextMenuEvent(QContextMenuEvent* e)
{
    if (!result_)
        return;
    const int node = beamNodeAt(layoutBeamTree(result_->tree), viewTransform().unmap(QPointF(e->pos())));
    if (node <= 0)
        return;
    const auto& nodes = result_->tree.nodes;
    QList<int> ids;
    for (int n = node; n > 0; n = nodes[static_cast<std::size_t>(n)].parent)
        ids.prepend(nodes[static_cast<std::size_t>(n)].token);
    const BeamNode& nd = nodes[static_cast<std::size_t>(node)];
    if (nd.finished)
        ids.removeLast();  // <eos> is not a word to force: the branch up to it
    if (ids.isEmpty())
        return;
    QMenu menu(this);
    menu.addAction(tr("Follow this branch: make the model say “%1” at step %2").arg(tokenLabel(nd.text)).arg(nd.step), this,
                   [this, ids] { emit branchRequested(ids); });
    menu.exec(e->globalPos());
}

bool BeamView::event(QEvent* e)
{
    if (e->type() == QEvent::ToolTip && result_) {
        auto* he = static_cast<QHelpEvent*>(e);
        const int node = beamNodeAt(layoutBeamTree(result_->tree), viewTransform().unmap(he->pos()));
        if (node >= 0) {
            const BeamNode& nd = result_->tree.nodes[static_cast<std::size_t>(node)];
            QString s = QStringLiteral("“%1” at t = %2\nlog p = %3, Σ log p = %4, score = %5")
                            .arg(tokenLabel(nd.text)).arg(nd.step).arg(nd.logProb, 0, 'f', 4).arg(nd.sumLogProb, 0, 'f', 4).arg(nd.score, 0, 'f', 4);
            if (nd.pruned)
                s += tr("\npruned: did not make the beam");
            if (nd.finished)
                s += tr("\nfinished (<eos>)");
            QToolTip::showText(he->globalPos(), s, this);
        } else {
            QToolTip::hideText();
        }
        return true;
    }
    return ZoomPanWidget::event(e);
}

} // namespace attnviz::ui
