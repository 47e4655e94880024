#include "ui/graphs/architecture_painter.h"
#include "ui/views/token_label.h"

#include "ui/graphs/architecture_layout.h"
#include "ui/graphs/transformer_painter.h"

#include <QFontMetricsF>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>

namespace attnviz::ui {

namespace {

using K = ArchEdgeKind;
using N = ArchNodeKind;

QColor edgeColor(K kind)
{
    switch (kind) {
    case K::Recurrent: return QColor(0x8a, 0x8a, 0x8a);
    case K::FeedForward: return QColor(0x55, 0x55, 0x55);
    case K::Residual: return QColor(0x2e, 0x9e, 0x44);
    case K::Query: return QColor(0x1f, 0x6f, 0xd1);
    case K::Attention: return QColor(0xd9, 0x6a, 0x10);
    case K::Context: return QColor(0x8e, 0x44, 0xad);
    case K::Init: return QColor(0xc0, 0x39, 0x2b);
    case K::InputFeed: return QColor(0xb8, 0x86, 0x0b);
    case K::TokenFeedback: return QColor(0xb0, 0xb0, 0xb0);
    case K::Memory: return QColor(0xd9, 0x6a, 0x10);
    }
    return Qt::black;
}

QPen edgePen(K kind, double width)
{
    QPen pen(edgeColor(kind), width);
    if (kind == K::InputFeed)
        pen.setStyle(Qt::DashLine);
    else if (kind == K::TokenFeedback)
        pen.setStyle(Qt::DotLine);
    pen.setCapStyle(Qt::RoundCap);
    return pen;
}

void arrowHead(QPainter& p, const QPointF& tip, const QPointF& from, const QColor& c, double size)
{
    const QPointF d = tip - from;
    const double len = std::hypot(d.x(), d.y());
    if (len < 1e-9)
        return;
    const QPointF u = d / len, nrm(-u.y(), u.x());
    QPolygonF tri;
    tri << tip << tip - u * size + nrm * size * 0.5 << tip - u * size - nrm * size * 0.5;
    p.save();
    p.setPen(Qt::NoPen);
    p.setBrush(c);
    p.drawPolygon(tri);
    p.restore();
}

QPointF topMid(const QRectF& r) { return QPointF(r.center().x(), r.top()); }
QPointF bottomMid(const QRectF& r) { return QPointF(r.center().x(), r.bottom()); }

// The path of an edge (scene coordinates), routed around other nodes; `pre` = the point before the tip.
QPainterPath routeEdge(const ArchitectureGraph& g, const ArchitectureLayout& L, const ArchEdge& e, QPointF* pre)
{
    const ArchNode& a = g.nodes[static_cast<std::size_t>(e.from)];
    const ArchNode& b = g.nodes[static_cast<std::size_t>(e.to)];
    const QRectF ra = L.nodes[static_cast<std::size_t>(e.from)], rb = L.nodes[static_cast<std::size_t>(e.to)];
    const double pitch = L.columnWidth;
    QPainterPath path;
    auto poly = [&](std::initializer_list<QPointF> pts) {
        auto it = pts.begin();
        path.moveTo(*it);
        for (++it; it != pts.end(); ++it)
            path.lineTo(*it);
        *pre = *(pts.end() - 2);
    };
    switch (e.kind) {
    case K::Recurrent:
        if (ra.center().x() < rb.center().x())
            poly({QPointF(ra.right(), ra.center().y()), QPointF(rb.left(), rb.center().y())});
        else
            poly({QPointF(ra.left(), ra.center().y()), QPointF(rb.right(), rb.center().y())});
        return path;
    case K::Residual: {  // arc left of layer k's cell, into a ⊕ above its top-left corner
        const QPointF s(ra.left() + 6, ra.top());
        const QPointF t(rb.left() + 4, rb.top() - 5);
        path.moveTo(s);
        path.cubicTo(QPointF(rb.left() - 14, ra.top() - 6), QPointF(rb.left() - 14, rb.top() - 4), t);
        *pre = QPointF(t.x() - 6, t.y() + 1);
        return path;
    }
    case K::FeedForward:
        if (a.kind == N::Embedding && b.kind == N::Output) {  // E y_{i-1} straight to the output (Bahdanau)
            const double x = ra.left() - 10;
            path.moveTo(QPointF(ra.left(), ra.center().y()));
            path.quadTo(QPointF(x, ra.center().y()), QPointF(x, ra.top() - 10));
            path.lineTo(QPointF(x, rb.center().y() + 10));
            path.quadTo(QPointF(x, rb.center().y()), QPointF(rb.left(), rb.center().y()));
            *pre = QPointF(x, rb.center().y());
            return path;
        }
        if (std::abs(ra.center().x() - rb.center().x()) < 1) {
            // skip over the other direction's row of a bidirectional layer 0
            const bool overBackward = a.kind == N::EncoderCell && a.direction == ArchDirection::Forward && b.kind == N::EncoderCell;
            const bool intoBackward = b.kind == N::EncoderCell && b.direction == ArchDirection::Backward;
            if (overBackward || intoBackward) {
                const double side = overBackward ? -1 : 1;
                const QPointF s(ra.center().x() + side * 14, ra.top());
                const QPointF t(rb.center().x() + side * 14, rb.bottom());
                path.moveTo(s);
                path.cubicTo(s + QPointF(side * 16, -14), t + QPointF(side * 16, 14), t);
                *pre = t + QPointF(side * 3, 6);
                return path;
            }
        }
        poly({topMid(ra), bottomMid(rb)});
        return path;
    case K::Query:
        if (b.kind == N::Attention && a.kind == N::DecoderCell && a.position < b.position && a.layer == 0 && g.layers > 1) {
            // previous bottom state: up the gap between the columns
            const double x = ra.center().x() + pitch / 2;
            poly({QPointF(ra.right(), ra.top() + 4), QPointF(x, ra.top() - 8), QPointF(x, rb.center().y() + 14), QPointF(rb.left(), rb.center().y() + 3)});
            return path;
        }
        poly({QPointF(ra.center().x() + (a.kind == N::Bridge ? 0 : 12), ra.top()), QPointF(rb.left() + 3, rb.bottom() - 3)});
        return path;
    case K::Context:
        if (b.kind == N::DecoderCell) {  // down the right of the column, into the cell's right side
            const double x = ra.center().x() + 16;
            poly({QPointF(ra.right(), ra.center().y()), QPointF(x, ra.center().y() + 6), QPointF(x, rb.center().y() - 2), QPointF(rb.right(), rb.center().y())});
            return path;
        }
        poly({topMid(ra), QPointF(std::clamp(ra.center().x(), rb.left() + 4, rb.right() - 4), rb.bottom())});
        return path;
    case K::Init:
        if (b.kind == N::Bridge) {  // from ←h_1 (position 1, far left) under the encoder to the bridge
            const double yb = L.sourceTokenY + 12;
            poly({QPointF(ra.left(), ra.center().y()), QPointF(ra.left() - 12, ra.center().y()), QPointF(ra.left() - 12, yb),
                  QPointF(rb.center().x(), yb), bottomMid(rb)});
            return path;
        }
        poly({QPointF(ra.right(), ra.center().y()), QPointF(rb.left(), rb.center().y())});
        return path;
    case K::InputFeed: {
        const double x = ra.center().x() + pitch * 0.62;
        poly({QPointF(ra.right(), ra.center().y()), QPointF(x, ra.center().y()), QPointF(x, rb.center().y() - 6), QPointF(rb.left(), rb.center().y() - 6)});
        return path;
    }
    case K::TokenFeedback: {
        const double x = ra.center().x() + pitch * 0.7;
        poly({QPointF(ra.right(), ra.center().y() - 4), QPointF(x, ra.center().y() - 4), QPointF(x, rb.center().y()), QPointF(rb.left(), rb.center().y())});
        return path;
    }
    case K::Attention:
        poly({topMid(ra), rb.center()});
        return path;
    case K::Memory:  // transformer only (ui/graphs/transformer_painter.cpp)
        break;
    }
    return path;
}

double edgeWidth(K kind, const ArchitectureGraph& g)
{
    switch (kind) {
    case K::Init: return g.hasAttention() ? 2.2 : 4.5;
    case K::Residual: return 1.6;
    case K::Query: return 1.8;
    case K::Context: return 1.6;
    case K::InputFeed: return 1.4;
    case K::Memory: return 1.6;
    default: return 1.1;
    }
}

struct NodeStyle {
    QColor fill, border;
    QString text;
};

QString elide(const QString& s, const QFont& f, double w)
{
    return QFontMetricsF(f).elidedText(s, Qt::ElideRight, w);
}

QString outputToken(const Trace* trace, int step)
{
    if (!trace || step < 0 || step >= static_cast<int>(trace->steps.size()))
        return QString();
    return tokenLabel(trace->steps[static_cast<std::size_t>(step)].token);
}

NodeStyle nodeStyle(const ArchitectureGraph& g, const ArchNode& a)
{
    const QString cell = g.cell == "gru" ? QStringLiteral("GRU") : QStringLiteral("LSTM");
    switch (a.kind) {
    case N::Embedding: return {QColor(0xf0, 0xf0, 0xf0), QColor(0x99, 0x99, 0x99), QStringLiteral("emb")};
    case N::EncoderCell:
        if (a.direction == ArchDirection::Backward)
            return {QColor(0xe8, 0xdc, 0xf7), QColor(0x7a, 0x5a, 0xa5), QStringLiteral("←") + cell};
        if (a.direction == ArchDirection::Forward)
            return {QColor(0xdb, 0xe8, 0xf7), QColor(0x4a, 0x6f, 0xa5), QStringLiteral("→") + cell};
        return {QColor(0xdb, 0xe8, 0xf7), QColor(0x4a, 0x6f, 0xa5), cell};
    case N::DecoderCell: return {QColor(0xdc, 0xf0, 0xdc), QColor(0x3d, 0x80, 0x3d), cell};
    case N::Bridge: return {QColor(0xfd, 0xe0, 0xdc), QColor(0xc0, 0x39, 0x2b), QStringLiteral("bridge tanh")};
    case N::Attention: return {QColor(0xff, 0xe2, 0xb8), QColor(0xd9, 0x6a, 0x10), QStringLiteral("α")};
    case N::Context: return {QColor(0xee, 0xe0, 0xf8), QColor(0x8e, 0x44, 0xad), QStringLiteral("c")};
    case N::AttentionalState: return {QColor(0xff, 0xf3, 0xc4), QColor(0xb8, 0x86, 0x0b), QStringLiteral("h̃")};
    case N::Output: return {Qt::white, QColor(0x33, 0x33, 0x33), QString()};
    default: break;  // the transformer's kinds (ui/graphs/transformer_painter.cpp)
    }
    return {};
}

} // namespace

void paintArrowHead(QPainter& p, const QPointF& tip, const QPointF& from, const QColor& color, double size)
{
    arrowHead(p, tip, from, color, size);
}

QString edgeLegendName(const ArchitectureGraph& g, ArchEdgeKind kind)
{
    if (g.transformer()) {
        switch (kind) {
        case K::FeedForward: return QStringLiteral("data flow");
        case K::Residual: return QStringLiteral("residual: x + sublayer(x)");
        case K::Memory: return QStringLiteral("m → keys, values of cross-attention");
        case K::TokenFeedback: return QStringLiteral("y(t) → input of step t+1");
        default: break;
        }
    }
    return QString::fromLatin1(archEdgeKindName(kind));
}

QStringList describeArchitecture(const ArchitectureGraph& g)
{
    if (g.transformer())
        return describeTransformer(g);
    const Topology& t = g.topology;
    QString l1 = QStringLiteral("%1 — %2-layer %3 encoder–decoder")
                     .arg(QString::fromStdString(g.preset)).arg(g.layers).arg(g.cell == "gru" ? QStringLiteral("GRU") : QStringLiteral("LSTM"));
    if (t.bidirectionalBottom)
        l1 += QStringLiteral(", bidirectional bottom layer");
    if (t.residualFrom >= 0)
        l1 += QStringLiteral(", residual from layer %1").arg(t.residualFrom + 1);
    l1 += g.hasAttention() ? QStringLiteral(" · %1 attention").arg(QString::fromStdString(g.score)) : QStringLiteral(" · no attention");
    QStringList parts;
    if (g.hasAttention()) {
        switch (t.query) {
        case QuerySource::PreviousTop: parts << QStringLiteral("query: previous decoder state s(i−1)"); break;
        case QuerySource::CurrentTop: parts << QStringLiteral("query: current top decoder state h(t)"); break;
        case QuerySource::PreviousBottom: parts << QStringLiteral("query: previous bottom decoder output"); break;
        }
        QStringList to;
        if (t.contextToEveryLayer)
            to << QStringLiteral("every decoder layer");
        else if (t.contextToBottomInput)
            to << QStringLiteral("decoder input");
        if (t.attentionalState)
            to << QStringLiteral("attentional state h̃");
        if (t.outputHasContext)
            to << QStringLiteral("output layer");
        parts << QStringLiteral("context → ") + to.join(QStringLiteral(" and "));
        if (g.topology.inputFeeding)
            parts << QStringLiteral("input feeding h̃(t−1)");
    } else {
        parts << QStringLiteral("bottleneck: only the last encoder state reaches the decoder");
    }
    switch (t.init) {
    case DecoderInit::EncoderFinal: parts << QStringLiteral("decoder starts from the encoder's final state"); break;
    case DecoderInit::Bridge: parts << QStringLiteral("s0 = tanh(W ←h1 + b)"); break;
    case DecoderInit::Zero: parts << QStringLiteral("decoder starts at zero"); break;
    }
    return {l1, parts.join(QStringLiteral(" · "))};
}

QString describeNode(const ArchitectureGraph& g, int node, const Trace* trace)
{
    if (g.transformer())
        return describeTransformerNode(g, node);
    if (node < 0 || node >= static_cast<int>(g.nodes.size()))
        return QString();
    const ArchNode& a = g.nodes[static_cast<std::size_t>(node)];
    QString s = QString::fromLatin1(archNodeKindName(a.kind));
    if (a.layer >= 0)
        s += QStringLiteral(", layer %1").arg(a.layer + 1);
    if (a.direction != ArchDirection::None)
        s += a.direction == ArchDirection::Forward ? QStringLiteral(" (forward)") : QStringLiteral(" (backward)");
    if (a.side == ArchSide::Encoder) {
        s += QStringLiteral(", position %1").arg(a.position + 1);
        if (trace && a.position < static_cast<int>(trace->sourceTokens.size()))
            s += QStringLiteral(" “%1”").arg(tokenLabel(trace->sourceTokens[static_cast<std::size_t>(a.position)]));
    } else if (a.side == ArchSide::Decoder) {
        s += QStringLiteral(", step %1").arg(a.position + 1);
        const QString tok = outputToken(trace, a.position);
        if (!tok.isEmpty())
            s += QStringLiteral(" → “%1”").arg(tok);
    }
    return s;
}

namespace {

// The unrolled recurrent network (scene coordinates).
void paintRecurrentScene(QPainter& p, const ArchitectureGraph& g, const ArchitectureLayout& L, const Trace* trace,
                         const StepPosition& pos, const QFont& font, const QFont& small)
{
    const int T = g.targetLength, n = g.sourceLength;
    const int s = T > 0 ? std::clamp(pos.step, 0, T - 1) : -1;
    const int stage = static_cast<int>(pos.stage);
    const double prog = std::clamp(pos.progress, 0.0, 1.0);
    const StepTrace* st = (trace && s >= 0 && s < static_cast<int>(trace->steps.size())) ? &trace->steps[static_cast<std::size_t>(s)] : nullptr;
    Vec weights;
    if (st && st->attention && st->attention->weights.size() == n)
        weights = st->attention->weights;

    // Blocks and the current step's column.
    p.setPen(QPen(QColor(0xd0, 0xd8, 0xe4), 1, Qt::DashLine));
    p.setBrush(QColor(0xf7, 0xf9, 0xfc));
    p.drawRoundedRect(L.encoderBlock, 8, 8);
    if (T > 0) {
        p.setBrush(QColor(0xf6, 0xfb, 0xf6));
        p.setPen(QPen(QColor(0xcf, 0xe3, 0xcf), 1, Qt::DashLine));
        p.drawRoundedRect(L.decoderBlock, 8, 8);
        const double x = L.stepX[static_cast<std::size_t>(s)];
        p.setPen(Qt::NoPen);
        p.setBrush(QColor(0xff, 0xf1, 0xa8, 170));
        p.drawRoundedRect(QRectF(x - L.columnWidth * 0.36, L.decoderBlock.top() + 2, L.columnWidth * 0.84, L.decoderBlock.height() - 4), 6, 6);
    }
    p.setFont(small);
    p.setPen(QColor(0x50, 0x50, 0x50));
    for (const ArchRowLabel& r : L.rows) {
        const QRectF box = r.decoder ? QRectF(L.decoderBlock.right() + 6, r.y - 9, 200, 18) : QRectF(L.encoderBlock.left() - 206, r.y - 9, 200, 18);
        p.drawText(box, Qt::AlignVCenter | (r.decoder ? Qt::AlignLeft : Qt::AlignRight), r.text);
    }
    p.setFont(font);
    p.setPen(QColor(0x40, 0x40, 0x40));
    p.drawText(QRectF(L.encoderBlock.left(), L.encoderBlock.top() - 22, 200, 18), Qt::AlignLeft | Qt::AlignVCenter, QStringLiteral("encoder"));
    if (T > 0)
        p.drawText(QRectF(L.decoderBlock.left(), L.decoderBlock.top() - 22, 200, 18), Qt::AlignLeft | Qt::AlignVCenter, QStringLiteral("decoder"));

    auto stepOf = [&](int node) {
        const ArchNode& a = g.nodes[static_cast<std::size_t>(node)];
        return a.side == ArchSide::Decoder ? a.position : -1;
    };
    auto future = [&](int node) { return s >= 0 && stepOf(node) > s; };

    // Structural edges.
    for (const ArchEdge& e : g.edges) {
        if (e.kind == K::Attention)
            continue;
        const bool fut = future(e.to);
        const bool current = stepOf(e.to) == s;
        double w = edgeWidth(e.kind, g);
        if (current && ((e.kind == K::Query && stage <= 1) || (e.kind == K::Context && stage == 5)))
            w *= 2.2;
        QPointF pre;
        const QPainterPath path = routeEdge(g, L, e, &pre);
        p.setOpacity(fut ? 0.25 : 1.0);
        QPen pen = edgePen(e.kind, w);
        p.setPen(pen);
        p.setBrush(Qt::NoBrush);
        p.drawPath(path);
        arrowHead(p, path.currentPosition(), pre, pen.color(), 4 + w * 1.5);
        if (e.kind == K::Init && !g.hasAttention()) {  // the seq2seq bottleneck, spelled out
            p.setFont(small);
            p.setPen(edgeColor(K::Init));
            const QPointF m = path.pointAtPercent(0.5);
            p.drawText(QRectF(m.x() - 70, m.y() - 30, 140, 26), Qt::AlignCenter | Qt::TextWordWrap, QStringLiteral("final state only:\nthe bottleneck"));
        }
        if (e.kind == K::Residual) {  // ⊕
            const QPointF c = path.currentPosition() + QPointF(4, 0);
            p.setBrush(Qt::white);
            p.setPen(QPen(pen.color(), 1.2));
            p.drawEllipse(c, 4.5, 4.5);
            p.drawLine(c - QPointF(3, 0), c + QPointF(3, 0));
            p.drawLine(c - QPointF(0, 3), c + QPointF(0, 3));
        }
    }
    p.setOpacity(1.0);

    // Attention of the current step: from every key to the step's attention node, thickness/opacity by weight.
    const int att = s >= 0 ? g.find(N::Attention, ArchSide::Decoder, s) : -1;
    std::vector<double> shown(static_cast<std::size_t>(n), 1.0 / n);
    if (att >= 0 && weights.size() == n && stage >= 2) {
        const double mix = stage == 2 ? prog : 1.0;
        for (int j = 0; j < n; ++j)
            shown[static_cast<std::size_t>(j)] = (1 - mix) / n + mix * weights(j);
    }
    if (att >= 0) {
        const QColor c = edgeColor(K::Attention);
        for (const ArchEdge& e : g.edges) {
            if (e.kind != K::Attention || e.to != att)
                continue;
            const ArchNode& key = g.nodes[static_cast<std::size_t>(e.from)];
            if (key.direction == ArchDirection::Forward)  // a bidirectional key [→h; ←h]: one line, from the upper row
                continue;
            const double w = shown[static_cast<std::size_t>(g.nodes[static_cast<std::size_t>(e.from)].position)];
            QColor cc = c;
            cc.setAlphaF(std::clamp(0.12 + 0.88 * std::sqrt(w), 0.0, 1.0) * (stage == 0 ? 0.35 : 1.0));
            QPointF pre;
            const QPainterPath path = routeEdge(g, L, e, &pre);
            p.setPen(QPen(cc, 0.6 + 7.0 * w, Qt::SolidLine, Qt::RoundCap));
            p.drawPath(path);
        }
    }

    // Nodes.
    const int queryFrom = [&] {
        for (const ArchEdge& e : g.edges)
            if (e.kind == K::Query && e.to == att)
                return e.from;
        return -1;
    }();
    for (std::size_t k = 0; k < g.nodes.size(); ++k) {
        const ArchNode& a = g.nodes[k];
        const QRectF r = L.nodes[k];
        NodeStyle ns = nodeStyle(g, a);
        double border = 1.0;
        p.setOpacity(future(static_cast<int>(k)) ? 0.3 : 1.0);
        const bool isKey = a.kind == N::EncoderCell && a.layer == g.layers - 1;
        if (isKey && att >= 0 && stage >= 3 && weights.size() == n) {  // tinted by a_j
            const double w = weights(a.position) / std::max(1e-12, weights.maxCoeff());
            ns.fill = QColor::fromRgbF(1.0 - 0.15 * w, 1.0 - 0.55 * w, 1.0 - 0.9 * w);
        }
        if (isKey && att >= 0 && stage == 0)
            border = 2.6, ns.border = edgeColor(K::Attention);
        if (static_cast<int>(k) == queryFrom && stage <= 1)
            border = 2.8, ns.border = edgeColor(K::Query);
        if (a.position == s && a.side == ArchSide::Decoder) {
            if ((a.kind == N::Attention && stage >= 1 && stage <= 3) || (a.kind == N::Context && stage == 4))
                border = 2.8, ns.fill = ns.border.lighter(130);
            if (a.kind == N::Output && (stage == 5 || !g.hasAttention()))
                border = 2.4;
        }
        p.setPen(QPen(ns.border, border));
        p.setBrush(ns.fill);
        if (a.kind == N::Attention || a.kind == N::Context)
            p.drawEllipse(r);
        else
            p.drawRoundedRect(r, 4, 4);
        QString text = ns.text;
        if (a.kind == N::Output) {
            const bool shown = !trace ? false : (a.position < s || (a.position == s && (stage == 5 || !g.hasAttention())));
            text = shown ? outputToken(trace, a.position) : QStringLiteral("?");
        }
        p.setFont(a.kind == N::Attention || a.kind == N::Context || a.kind == N::Output ? font : small);
        p.setPen(a.kind == N::Attention && border > 2 ? Qt::white : QColor(0x20, 0x20, 0x20));
        p.drawText(r, Qt::AlignCenter, elide(text, p.font(), r.width() + 2));
    }
    p.setOpacity(1.0);

    // Tokens: source under the encoder, y(i−1) under the decoder embeddings.
    p.setFont(font);
    p.setPen(QColor(0x20, 0x20, 0x20));
    for (int j = 0; j < n; ++j) {
        QString tok = trace && j < static_cast<int>(trace->sourceTokens.size()) ? tokenLabel(trace->sourceTokens[static_cast<std::size_t>(j)])
                                                                               : QStringLiteral("x%1").arg(j + 1);
        const double x = L.positionX[static_cast<std::size_t>(j)];
        p.drawText(QRectF(x - 30, L.sourceTokenY - 10, 60, 16), Qt::AlignCenter, elide(tok, font, 60));
    }
    for (int i = 0; i < T; ++i) {
        QString tok = i == 0 ? QStringLiteral("<sos>") : (trace ? outputToken(trace, i - 1) : QStringLiteral("y%1").arg(i));
        if (i > s + 1 || (i == s + 1 && stage < 5))
            tok = QStringLiteral("…");
        const double x = L.stepX[static_cast<std::size_t>(i)];
        p.setPen(i == s ? QColor(0x10, 0x10, 0x10) : QColor(0x70, 0x70, 0x70));
        p.drawText(QRectF(x - 40, L.inputTokenY - 10, 80, 16), Qt::AlignCenter, elide(tok, font, 80));
        p.drawText(QRectF(x - 40, L.targetTokenY - 14, 80, 16), Qt::AlignCenter, QStringLiteral("t=%1").arg(i + 1));
    }
}

} // namespace

void paintArchitecture(QPainter& p, const QRectF& rect, const ArchitectureGraph& g, const Trace* trace,
                       const StepPosition& pos, const ViewTransform& vt, const ArchitecturePaintOptions& o)
{
    const ArchitectureLayout L = layoutArchitecture(g);
    QFont font = o.font;
    if (font.family().isEmpty() || o.font == QFont())
        font = QFont(QStringLiteral("DejaVu Sans"), 9);
    QFont small = font;
    small.setPointSizeF(font.pointSizeF() * 0.8);
    const int T = g.targetLength;
    const int s = T > 0 ? std::clamp(pos.step, 0, T - 1) : -1;
    const int stage = static_cast<int>(pos.stage);

    beginViewCanvas(p, rect, vt);
    if (g.transformer())
        paintTransformerScene(p, g, L, trace, pos, o, font, small);
    else
        paintRecurrentScene(p, g, L, trace, pos, font, small);
    p.restore();

    // Header and legend, not zoomed.
    p.setPen(QColor(0x20, 0x20, 0x20));
    if (o.showHeader) {
        QStringList lines = describeArchitecture(g);
        if (s >= 0)
            lines << QStringLiteral("step %1 / %2 · stage %3 %4").arg(s + 1).arg(T).arg(stage).arg(QString::fromLatin1(stageName(pos.stage)));
        QFont bold = font;
        bold.setBold(true);
        const QFontMetricsF fm(font);
        double y = rect.top() + 4;
        for (int k = 0; k < lines.size(); ++k) {
            p.setFont(k == 0 ? bold : font);
            const QRectF box(rect.left() + 8, y, rect.width() - 16, fm.height() + 2);
            p.fillRect(QRectF(box.left() - 2, box.top(), QFontMetricsF(p.font()).horizontalAdvance(lines[k]) + 4, box.height()), QColor(255, 255, 255, 220));
            p.drawText(box, Qt::AlignLeft | Qt::AlignVCenter, lines[k]);
            y += fm.height() + 2;
        }
    }
    if (o.showLegend) {
        std::vector<K> kinds;
        for (const ArchEdge& e : g.edges)
            if (std::find(kinds.begin(), kinds.end(), e.kind) == kinds.end())
                kinds.push_back(e.kind);
        std::sort(kinds.begin(), kinds.end());
        p.setFont(small);
        const QFontMetricsF fm(small);
        double x = rect.left() + 8;
        const double y = rect.bottom() - fm.height() - 6;
        for (K kind : kinds) {
            const QString name = edgeLegendName(g, kind);
            const double w = 26 + fm.horizontalAdvance(name) + 14;
            p.fillRect(QRectF(x - 2, y - 2, w, fm.height() + 4), QColor(255, 255, 255, 220));
            p.setPen(edgePen(kind, std::min(3.0, edgeWidth(kind, g))));
            p.drawLine(QPointF(x, y + fm.height() / 2), QPointF(x + 20, y + fm.height() / 2));
            p.setPen(QColor(0x30, 0x30, 0x30));
            p.drawText(QRectF(x + 24, y, w, fm.height()), Qt::AlignLeft | Qt::AlignVCenter, name);
            x += w;
        }
    }
    p.restore();
}

} // namespace attnviz::ui
