#include "ui/graphs/transformer_painter.h"

#include "ui/graphs/architecture_painter.h"
#include "ui/views/token_label.h"

#include <QFontMetricsF>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>

namespace attnviz::ui {

namespace {

using K = ArchNodeKind;
using E = ArchEdgeKind;

const QColor kAttFill(0xff, 0xe2, 0xb8), kAttBorder(0xd9, 0x6a, 0x10);
const QColor kQuery(0x1f, 0x6f, 0xd1), kContext(0x8e, 0x44, 0xad), kResidual(0x2e, 0x9e, 0x44);
const QColor kFlow(0x55, 0x55, 0x55), kFeedback(0xb0, 0xb0, 0xb0);

struct BoxStyle {
    QColor fill, border;
};

BoxStyle boxStyle(K kind)
{
    switch (kind) {
    case K::SelfAttention:
    case K::MaskedSelfAttention:
    case K::CrossAttention: return {kAttFill, kAttBorder};
    case K::FeedForwardBlock: return {QColor(0xdb, 0xe8, 0xf7), QColor(0x4a, 0x6f, 0xa5)};
    case K::AddNorm:
    case K::FinalNorm: return {QColor(0xff, 0xf3, 0xc4), QColor(0xb8, 0x86, 0x0b)};
    case K::Embedding: return {QColor(0xfd, 0xe0, 0xdc), QColor(0xc0, 0x39, 0x2b)};
    case K::PositionalEncoding: return {QColor(0xf0, 0xf0, 0xf0), QColor(0x88, 0x88, 0x88)};
    case K::Linear: return {QColor(0xee, 0xe0, 0xf8), QColor(0x8e, 0x44, 0xad)};
    case K::Output: return {QColor(0xdc, 0xf0, 0xdc), QColor(0x3d, 0x80, 0x3d)};
    default: return {Qt::white, QColor(0x33, 0x33, 0x33)};
    }
}

QString sizeOr(int v, const char* unknown) { return v > 0 ? QString::number(v) : QString::fromLatin1(unknown); }

QString token(const Trace* trace, int step)  // the output token of step `step` (0-based)
{
    if (!trace || step < 0 || step >= static_cast<int>(trace->steps.size()))
        return QString();
    return tokenLabel(trace->steps[static_cast<std::size_t>(step)].token);
}

void arrow(QPainter& p, const QPainterPath& path, const QPointF& pre, const QPen& pen)
{
    p.setPen(pen);
    p.setBrush(Qt::NoBrush);
    p.drawPath(path);
    paintArrowHead(p, path.currentPosition(), pre, pen.color(), 4 + pen.widthF() * 1.5);
}

void line(QPainter& p, const QPointF& a, const QPointF& b, const QPen& pen)
{
    QPainterPath path(a);
    path.lineTo(b);
    arrow(p, path, a, pen);
}

} // namespace

int highlightedLayer(const ArchitectureGraph& g, int picked)
{
    if (g.decoderLayers < 1)
        return -1;
    return picked < 0 ? g.decoderLayers - 1 : std::min(picked, g.decoderLayers - 1);
}

QString transformerNodeLabel(const ArchitectureGraph& g, int node)
{
    if (node < 0 || node >= static_cast<int>(g.nodes.size()))
        return QString();
    const ArchNode& a = g.nodes[static_cast<std::size_t>(node)];
    const bool enc = a.side == ArchSide::Encoder;
    const QString d = sizeOr(g.dModel, "d");
    const QString heads = QStringLiteral(" · %1 heads").arg(g.heads);
    switch (a.kind) {
    case K::Embedding: {
        const int v = enc ? g.sourceVocab : g.targetVocab;
        const QString what = enc ? QStringLiteral("source embedding") : QStringLiteral("target embedding");
        return v > 0 ? QStringLiteral("%1 %2 × %3, ·√%3").arg(what).arg(v).arg(d) : QStringLiteral("%1, ·√%2").arg(what, d);
    }
    case K::PositionalEncoding: return QStringLiteral("+ positional encoding (sin, cos)");
    case K::SelfAttention: return QStringLiteral("multi-head self-attention") + heads;
    case K::MaskedSelfAttention: return QStringLiteral("masked self-attention") + heads;
    case K::CrossAttention: return QStringLiteral("cross-attention over m") + heads;
    case K::FeedForwardBlock: return QStringLiteral("feed-forward %1 → %2 → %1, ReLU").arg(d, sizeOr(g.ffSize, "ff"));
    case K::AddNorm: return QStringLiteral("add & norm");
    case K::FinalNorm: return enc ? QStringLiteral("layer norm → encoder output m") : QStringLiteral("layer norm");
    case K::Linear: return QStringLiteral("linear %1 → %2").arg(d, sizeOr(g.targetVocab, "V"));
    case K::Output: return QStringLiteral("softmax → y(t)");
    default: return QString::fromLatin1(archNodeKindName(a.kind));
    }
}

QStringList describeTransformer(const ArchitectureGraph& g)
{
    QString l1 = QStringLiteral("transformer — d_model %1, %2 heads (d_k = %3), %4 encoder + %5 decoder layers")
                     .arg(g.dModel).arg(g.heads).arg(g.heads > 0 ? g.dModel / g.heads : 0).arg(g.encoderLayers).arg(g.decoderLayers);
    if (g.ffSize > 0)
        l1 += QStringLiteral(", feed-forward %1").arg(g.ffSize);
    return {l1, QStringLiteral("post-norm: x = LayerNorm(x + sublayer(x)) · every decoder layer's cross-attention reads m · "
                               "decoder self-attention is causal (masked)")};
}

QString describeTransformerNode(const ArchitectureGraph& g, int node)
{
    if (node < 0 || node >= static_cast<int>(g.nodes.size()))
        return QString();
    const ArchNode& a = g.nodes[static_cast<std::size_t>(node)];
    QString where = a.side == ArchSide::Encoder ? QStringLiteral("encoder") : QStringLiteral("decoder");
    if (a.layer >= 0)
        where += QStringLiteral(" layer %1").arg(a.layer + 1);
    QString s = where + QStringLiteral(": ") + transformerNodeLabel(g, node);
    if (a.kind == K::SelfAttention || a.kind == K::MaskedSelfAttention || a.kind == K::CrossAttention)
        s += QStringLiteral(" (d_k = %1 per head)").arg(g.heads > 0 ? g.dModel / g.heads : 0);
    if (a.kind == K::MaskedSelfAttention)
        s += QStringLiteral("\nposition t sees positions 1 … t only");
    if (a.kind == K::CrossAttention)
        s += QStringLiteral("\nqueries from the decoder, keys and values from the encoder output m");
    return s;
}

void paintTransformerScene(QPainter& p, const ArchitectureGraph& g, const ArchitectureLayout& L, const Trace* trace,
                           const StepPosition& pos, const ArchitecturePaintOptions& o, const QFont& font, const QFont& small)
{
    const int n = g.sourceLength, T = g.targetLength;
    const int s = T > 0 ? std::clamp(pos.step, 0, T - 1) : -1;
    const int stage = static_cast<int>(pos.stage);
    const double prog = std::clamp(pos.progress, 0.0, 1.0);
    const StepTrace* st = (trace && s >= 0 && s < static_cast<int>(trace->steps.size())) ? &trace->steps[static_cast<std::size_t>(s)] : nullptr;
    Vec weights;
    if (st && st->attention && st->attention->weights.size() == n)
        weights = st->attention->weights;
    const int picked = highlightedLayer(g, o.attentionLayer);
    const bool stepping = s >= 0;
    const int cross = g.transformerNode(K::CrossAttention, ArchSide::Decoder, picked);
    const int crossNorm = g.transformerNode(K::AddNorm, ArchSide::Decoder, picked, 3);
    const int crossIn = g.transformerNode(K::AddNorm, ArchSide::Decoder, picked, 1);
    const int softmax = g.transformerNode(K::Output, ArchSide::Decoder, -1);
    auto rectOf = [&](int node) { return L.nodes[static_cast<std::size_t>(node)]; };

    // Stacks and layer frames; the picked decoder layer tinted like the current step's column of the recurrent view.
    p.setPen(QPen(QColor(0xd0, 0xd8, 0xe4), 1, Qt::DashLine));
    p.setBrush(QColor(0xf7, 0xf9, 0xfc));
    p.drawRoundedRect(L.encoderBlock, 8, 8);
    p.setPen(QPen(QColor(0xcf, 0xe3, 0xcf), 1, Qt::DashLine));
    p.setBrush(QColor(0xf6, 0xfb, 0xf6));
    p.drawRoundedRect(L.decoderBlock, 8, 8);
    for (const ArchLayerBlock& b : L.layerBlocks) {
        const bool hot = b.decoder && b.layer == picked;
        p.setPen(QPen(hot ? QColor(0xd9, 0xa4, 0x10) : QColor(0xb8, 0xc0, 0xcc), hot ? 1.6 : 1, hot ? Qt::SolidLine : Qt::DashLine));
        p.setBrush(hot ? QColor(0xff, 0xf1, 0xa8, 170) : QColor(255, 255, 255, 160));
        p.drawRoundedRect(b.rect, 6, 6);
    }
    p.setFont(small);
    p.setPen(QColor(0x50, 0x50, 0x50));
    for (const ArchRowLabel& r : L.rows) {
        const QRectF box = r.decoder ? QRectF(L.decoderBlock.right() + 6, r.y - 9, 200, 18) : QRectF(L.encoderBlock.left() - 206, r.y - 9, 200, 18);
        p.drawText(box, Qt::AlignVCenter | (r.decoder ? Qt::AlignLeft : Qt::AlignRight), r.text);
    }
    if (picked >= 0 && !o.attentionHeads.isEmpty()) {  // what the other views show, under the picked layer's label
        const ArchLayerBlock* b = nullptr;
        for (const ArchLayerBlock& x : L.layerBlocks)
            if (x.decoder && x.layer == picked)
                b = &x;
        if (b) {
            p.setPen(kAttBorder);
            const QRectF box(L.decoderBlock.right() + 6, b->rect.center().y() + 8, L.feedbackX - L.decoderBlock.right() - 10, 40);
            p.drawText(box, Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap, QStringLiteral("shown:\n") + o.attentionHeads);
        }
    }
    p.setFont(font);
    p.setPen(QColor(0x40, 0x40, 0x40));
    // titles over each stack: over the bars of m, over the outputs
    const double encTitle = L.memoryCells.empty() ? L.encoderBlock.top() : L.memoryCells.front().top() - 24;
    const double decTitle = L.outputCells.empty() ? L.decoderBlock.top() : L.outputCells.front().top() - 4;
    p.drawText(QRectF(L.encoderBlock.left(), encTitle - 20, 300, 18), Qt::AlignLeft | Qt::AlignVCenter,
               QStringLiteral("encoder · %1 layer%2").arg(g.encoderLayers).arg(g.encoderLayers == 1 ? QString() : QStringLiteral("s")));
    p.drawText(QRectF(L.decoderBlock.left(), decTitle - 20, 300, 18), Qt::AlignLeft | Qt::AlignVCenter,
               QStringLiteral("decoder · %1 layer%2").arg(g.decoderLayers).arg(g.decoderLayers == 1 ? QString() : QStringLiteral("s")));

    // Edges.
    for (const ArchEdge& e : g.edges) {
        const QRectF a = rectOf(e.from), b = rectOf(e.to);
        switch (e.kind) {
        case E::FeedForward: {
            const bool query = stepping && e.to == cross && stage <= 1;
            line(p, QPointF(a.center().x(), a.top()), QPointF(b.center().x(), b.bottom()), QPen(query ? kQuery : kFlow, query ? 3.2 : 1.1));
            break;
        }
        case E::Residual: {  // from the sublayer's input, around it (encoder: left, decoder: right), into LN(x + ·)
            const bool enc = g.nodes[static_cast<std::size_t>(e.to)].side == ArchSide::Encoder;
            const double x = enc ? b.left() - 14 : b.right() + 14;
            const QPointF start(a.center().x(), a.top() - 5);
            QPainterPath path(start);
            path.lineTo(QPointF(x, start.y()));
            path.lineTo(QPointF(x, b.center().y()));
            path.lineTo(QPointF(enc ? b.left() : b.right(), b.center().y()));
            arrow(p, path, QPointF(x, b.center().y()), QPen(kResidual, 1.4));
            p.setPen(Qt::NoPen);
            p.setBrush(kResidual);
            p.drawEllipse(start, 2.2, 2.2);
            break;
        }
        case E::Memory: {  // m along the bus to every decoder layer's cross-attention: its keys and values
            const bool hot = stepping && e.to == cross && stage >= 2 && stage <= 3;
            const double y0 = L.memoryCells.empty() ? a.center().y() : L.memoryCells.front().center().y();
            const double x0 = L.memoryCells.empty() ? a.right() : L.memoryCells.back().right();
            QPainterPath path(QPointF(x0, y0));
            path.lineTo(QPointF(L.memoryBusX, y0));
            path.lineTo(QPointF(L.memoryBusX, b.center().y()));
            path.lineTo(QPointF(b.left(), b.center().y()));
            arrow(p, path, QPointF(L.memoryBusX, b.center().y()), QPen(kAttBorder, hot ? 3.4 : 1.6, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
            break;
        }
        case E::TokenFeedback: {  // y(t) becomes the input of step t + 1 (the outputs shifted right)
            if (L.outputCells.empty())
                break;
            const QRectF outR = L.outputCells.back(), inR = L.inputCells.back();
            QPainterPath path(QPointF(outR.right(), outR.center().y()));
            path.lineTo(QPointF(L.feedbackX, outR.center().y()));
            path.lineTo(QPointF(L.feedbackX, inR.center().y()));
            path.lineTo(QPointF(inR.right(), inR.center().y()));
            arrow(p, path, QPointF(L.feedbackX, inR.center().y()), QPen(kFeedback, 1.3, Qt::DotLine));
            break;
        }
        default: break;
        }
    }
    // Token cells into the embeddings, the encoder's norm into m, the softmax into y.
    auto spine = [&](const QRectF& from, const QRectF& to) { line(p, QPointF(to.center().x(), from.top()), QPointF(to.center().x(), to.bottom()), QPen(kFlow, 1.1)); };
    auto stripSpan = [](const std::vector<QRectF>& c) { return c.empty() ? QRectF() : c.front().united(c.back()); };
    const int srcEmb = g.transformerNode(K::Embedding, ArchSide::Encoder, -1), tgtEmb = g.transformerNode(K::Embedding, ArchSide::Decoder, -1);
    if (n > 0)
        spine(stripSpan(L.sourceCells), rectOf(srcEmb));
    if (T > 0) {
        spine(stripSpan(L.inputCells), rectOf(tgtEmb));
        const QRectF sm = rectOf(softmax), out = stripSpan(L.outputCells);
        line(p, QPointF(sm.center().x(), sm.top()), QPointF(sm.center().x(), out.bottom()), QPen(kFlow, 1.1));
    }
    const QRectF encNorm = rectOf(g.transformerNode(K::FinalNorm, ArchSide::Encoder, -1));
    if (n > 0)
        line(p, QPointF(encNorm.center().x(), encNorm.top()), QPointF(encNorm.center().x(), stripSpan(L.memoryCells).bottom()), QPen(kFlow, 1.1));

    // Boxes.
    for (std::size_t k = 0; k < g.nodes.size(); ++k) {
        const ArchNode& a = g.nodes[k];
        const QRectF r = L.nodes[k];
        BoxStyle bs = boxStyle(a.kind);
        double border = 1.0;
        QColor text(0x20, 0x20, 0x20);
        const int node = static_cast<int>(k);
        if (node == cross) {
            border = 2.2;
            if (stepping && stage >= 1 && stage <= 3)
                bs.fill = kAttBorder, text = Qt::white;
        }
        if (stepping && node == crossIn && stage <= 1)
            border = 2.4, bs.border = kQuery;
        if (stepping && node == crossNorm && stage == 4)
            border = 2.6, bs.border = kContext, bs.fill = QColor(0xee, 0xe0, 0xf8);
        if (stepping && node == softmax && stage == 5)
            border = 2.4;
        p.setPen(QPen(bs.border, border));
        p.setBrush(bs.fill);
        p.drawRoundedRect(r, 4, 4);
        const QFont& f = a.kind == K::AddNorm ? small : font;
        p.setFont(f);
        p.setPen(text);
        p.drawText(r, Qt::AlignCenter, QFontMetricsF(f).elidedText(transformerNodeLabel(g, node), Qt::ElideRight, r.width() - 6));
        if (a.kind == K::MaskedSelfAttention) {  // the causal mask: a lower triangle
            const QRectF m(r.right() - 17, r.center().y() - 6, 12, 12);
            p.setPen(QPen(text, 0.8));
            p.setBrush(Qt::NoBrush);
            p.drawRect(m);
            p.setBrush(text);
            p.drawPolygon(QPolygonF({m.topLeft(), m.bottomLeft(), m.bottomRight()}));
        }
    }

    // Token cells: source and m (tinted by the current step's weights, with bars), decoder inputs and outputs.
    std::vector<double> shown(static_cast<std::size_t>(n), 0.0);
    bool showWeights = false;
    if (stepping && weights.size() == n && stage >= 2) {
        showWeights = true;
        const double mix = stage == 2 ? prog : 1.0;
        for (int j = 0; j < n; ++j)
            shown[static_cast<std::size_t>(j)] = (1 - mix) / n + mix * weights(j);
    }
    const double maxShown = showWeights ? *std::max_element(shown.begin(), shown.end()) : 1.0;
    auto cell = [&](const QRectF& r, const QString& label, const QColor& fill, const QColor& border, double width) {
        p.setPen(QPen(border, width));
        p.setBrush(fill);
        p.drawRoundedRect(r, 3, 3);
        p.setPen(QColor(0x20, 0x20, 0x20));
        // a token wider than its cell ("<sos>", a word): smaller, down to 70 %, then elided
        const QFont f = p.font();
        QFont fit = f;
        const double w = QFontMetricsF(f).horizontalAdvance(label);
        if (w > r.width() - 2)
            fit.setPointSizeF(f.pointSizeF() * std::max(0.7, (r.width() - 2) / w));
        p.setFont(fit);
        p.drawText(r, Qt::AlignCenter, QFontMetricsF(fit).elidedText(label, Qt::ElideRight, r.width() + 2));
        p.setFont(f);
    };
    p.setFont(small);
    for (int j = 0; j < n; ++j) {
        const QString tok = trace && j < static_cast<int>(trace->sourceTokens.size()) ? tokenLabel(trace->sourceTokens[static_cast<std::size_t>(j)])
                                                                                     : QStringLiteral("x%1").arg(j + 1);
        cell(L.sourceCells[static_cast<std::size_t>(j)], tok, Qt::white, QColor(0x99, 0x99, 0x99), 1.0);
        QColor fill(0xfb, 0xf3, 0xea), border(0xc8, 0xa0, 0x80);
        double bw = 1.0;
        if (stepping && stage == 0)
            border = kAttBorder, bw = 2.0;
        const QRectF m = L.memoryCells[static_cast<std::size_t>(j)];
        if (showWeights) {
            const double w = shown[static_cast<std::size_t>(j)] / std::max(1e-12, maxShown);
            fill = QColor::fromRgbF(1.0 - 0.15 * w, 1.0 - 0.55 * w, 1.0 - 0.9 * w);
            p.setPen(Qt::NoPen);
            p.setBrush(kAttBorder);
            const double h = 18 * w;
            p.drawRect(QRectF(m.left() + 6, m.top() - 3 - h, m.width() - 12, h));
        }
        cell(m, tok, fill, border, bw);
    }
    for (int i = 0; i < T; ++i) {
        const bool future = stepping && i > s;
        p.setOpacity(future ? 0.3 : 1.0);
        const QString in = i == 0 ? QStringLiteral("<sos>") : (trace ? token(trace, i - 1) : QStringLiteral("y%1").arg(i));
        const bool cur = i == s;
        cell(L.inputCells[static_cast<std::size_t>(i)], future ? QStringLiteral("…") : in, cur ? QColor(0xff, 0xf1, 0xa8) : Qt::white,
             cur ? QColor(0xd9, 0xa4, 0x10) : QColor(0x99, 0x99, 0x99), cur ? 2.0 : 1.0);
        QString out = trace ? token(trace, i) : QStringLiteral("y%1").arg(i + 1);
        if (future || (cur && stage < 5))
            out = cur ? QStringLiteral("?") : QString();
        cell(L.outputCells[static_cast<std::size_t>(i)], out, cur ? QColor(0xdc, 0xf0, 0xdc) : Qt::white,
             cur ? QColor(0x3d, 0x80, 0x3d) : QColor(0x99, 0x99, 0x99), cur ? 2.0 : 1.0);
    }
    p.setOpacity(1.0);
    p.setPen(QColor(0x60, 0x60, 0x60));
    if (n > 0) {
        const QRectF m = stripSpan(L.memoryCells);
        p.drawText(QRectF(m.left() - 206, m.top(), 200, m.height()), Qt::AlignRight | Qt::AlignVCenter, QStringLiteral("m"));
        const QRectF x = stripSpan(L.sourceCells);
        p.drawText(QRectF(x.left() - 206, x.top(), 200, x.height()), Qt::AlignRight | Qt::AlignVCenter, QStringLiteral("source"));
    }
    if (T > 0) {
        // left of the strips, in the gap between the stacks (the bus to m runs between the two heights)
        const QRectF in = stripSpan(L.inputCells), out = stripSpan(L.outputCells);
        const double left = std::max(L.encoderBlock.right(), n > 0 ? L.sourceCells.back().right() : 0.0) + 6;
        p.drawText(QRectF(left, in.top(), in.left() - left - 6, in.height()), Qt::AlignRight | Qt::AlignVCenter, QStringLiteral("input (shifted right)"));
        p.drawText(QRectF(left, out.top(), out.left() - left - 6, out.height()), Qt::AlignRight | Qt::AlignVCenter, QStringLiteral("output"));
    }
}

} // namespace attnviz::ui
