#include "ui/graphs/architecture_layout.h"

#include <algorithm>

namespace attnviz::ui {

namespace {
constexpr double kCellW = 46, kCellH = 22;
constexpr double kEncPitch = 62, kDecPitch = 96;  // column pitches
constexpr double kRowPitch = 46;
constexpr double kGap = 150;                      // between the encoder and the decoder block
constexpr double kLabelW = 84;                    // row labels left of the encoder / right of the decoder
constexpr double kMargin = 16;
constexpr double kCircle = 11;                    // radius of attention/context nodes
constexpr double kSideX = 24;                     // attention/context sit right of the column's spine
} // namespace

double encoderRow(const ArchitectureGraph& g, int layer, ArchDirection dir)
{
    const bool bidi = g.topology.bidirectionalBottom;
    if (layer == 0 && bidi)
        return dir == ArchDirection::Backward ? 2 : 1;
    return layer + 1 + (bidi ? 1 : 0);
}

double decoderRow(const ArchitectureGraph& g, int layer)
{
    const bool bidi = g.topology.bidirectionalBottom;
    if (!bidi)
        return layer + 1;
    return layer == 0 ? 1.5 : layer + 2;
}

ArchitectureLayout layoutArchitecture(const ArchitectureGraph& g)
{
    if (g.transformer())
        return layoutTransformer(g);
    ArchitectureLayout L;
    const int n = g.sourceLength, T = g.targetLength;
    const double top = g.encoderRows();
    const double attRow = top + 1.1, ctxRow = top + 1.85;
    const double hsRow = top + (g.hasAttention() ? 2.8 : 1.0);
    const double outRow = g.topology.attentionalState ? hsRow + 1.0 : (g.hasAttention() ? top + 2.8 : top + 1.1);
    const double maxRow = outRow;
    const double tokenSpace = 44;
    auto y = [&](double row) { return kMargin + tokenSpace + kCellH / 2 + (maxRow - row) * kRowPitch; };

    const double encLeft = kMargin + kLabelW;
    L.positionX.resize(static_cast<std::size_t>(n));
    for (int j = 0; j < n; ++j)
        L.positionX[static_cast<std::size_t>(j)] = encLeft + kCellW / 2 + j * kEncPitch;
    const double encRight = encLeft + (n - 1) * kEncPitch + kCellW;
    const double decLeft = encRight + kGap;
    L.columnWidth = kDecPitch;
    L.stepX.resize(static_cast<std::size_t>(T));
    for (int i = 0; i < T; ++i)
        L.stepX[static_cast<std::size_t>(i)] = decLeft + kCellW / 2 + i * kDecPitch;
    const double decRight = T > 0 ? L.stepX.back() + kCellW / 2 + kSideX + kCircle : decLeft;

    auto cellAt = [&](double x, double row) { return QRectF(x - kCellW / 2, y(row) - kCellH / 2, kCellW, kCellH); };
    auto circleAt = [&](double x, double row) { return QRectF(x - kCircle, y(row) - kCircle, 2 * kCircle, 2 * kCircle); };
    L.nodes.resize(g.nodes.size());
    for (std::size_t k = 0; k < g.nodes.size(); ++k) {
        const ArchNode& a = g.nodes[k];
        const auto p = static_cast<std::size_t>(std::max(0, a.position));
        const double xs = a.side == ArchSide::Encoder ? L.positionX[p] : (a.side == ArchSide::Decoder ? L.stepX[p] : 0);
        switch (a.kind) {
        case ArchNodeKind::Embedding: L.nodes[k] = cellAt(xs, 0); break;
        case ArchNodeKind::EncoderCell: L.nodes[k] = cellAt(xs, encoderRow(g, a.layer, a.direction)); break;
        case ArchNodeKind::DecoderCell: L.nodes[k] = cellAt(xs, decoderRow(g, a.layer)); break;
        case ArchNodeKind::Bridge: {
            const QRectF r = cellAt((encRight + decLeft) / 2, decoderRow(g, 0));
            L.nodes[k] = r.adjusted(-10, 0, 10, 0);
            break;
        }
        case ArchNodeKind::Attention: L.nodes[k] = circleAt(xs + kSideX, attRow); break;
        case ArchNodeKind::Context: L.nodes[k] = circleAt(xs + kSideX, ctxRow); break;
        case ArchNodeKind::AttentionalState: L.nodes[k] = cellAt(xs, hsRow); break;
        case ArchNodeKind::Output: L.nodes[k] = cellAt(xs, outRow); break;
        default: break;  // the transformer's kinds: layoutTransformer
        }
    }
    L.sourceTokenY = y(0) + kCellH / 2 + 16;
    L.inputTokenY = L.sourceTokenY;
    L.targetTokenY = y(outRow) - kCellH / 2 - 8;

    // Row labels: encoder on the left, decoder on the right.
    L.rows.push_back({y(0), QStringLiteral("embedding"), false});
    for (int k = 0; k < g.layers; ++k) {
        const QString name = QStringLiteral("layer %1").arg(k + 1);
        if (g.encoderLayerBidirectional(k)) {
            L.rows.push_back({y(encoderRow(g, k, ArchDirection::Forward)), name + QStringLiteral(" →"), false});
            L.rows.push_back({y(encoderRow(g, k, ArchDirection::Backward)), name + QStringLiteral(" ←"), false});
        } else {
            L.rows.push_back({y(encoderRow(g, k, ArchDirection::None)), name, false});
        }
        if (T > 0)
            L.rows.push_back({y(decoderRow(g, k)), name, true});
    }
    if (T > 0) {
        L.rows.push_back({y(0), QStringLiteral("embedding"), true});
        if (g.hasAttention()) {
            L.rows.push_back({y(attRow), QStringLiteral("attention α"), true});
            L.rows.push_back({y(ctxRow), QStringLiteral("context c"), true});
        }
        if (g.topology.attentionalState)
            L.rows.push_back({y(hsRow), QStringLiteral("h̃ = tanh(W[c;h])"), true});
        L.rows.push_back({y(outRow), QStringLiteral("softmax → y"), true});
    }

    const double bottom = L.sourceTokenY + 10;
    L.encoderBlock = QRectF(QPointF(encLeft - 8, y(top) - kCellH / 2 - 8), QPointF(encRight + 8, y(0) + kCellH / 2 + 8));
    L.decoderBlock = QRectF(QPointF(decLeft - 8, kMargin + 18), QPointF(decRight + 8, y(0) + kCellH / 2 + 8));
    L.bounds = QRectF(QPointF(0, 0), QPointF(decRight + kLabelW + 2 * kMargin + 40, bottom + kMargin));
    return L;
}

int architectureNodeAt(const ArchitectureLayout& layout, const QPointF& scene)
{
    for (std::size_t k = 0; k < layout.nodes.size(); ++k)
        if (layout.nodes[k].adjusted(-2, -2, 2, 2).contains(scene))
            return static_cast<int>(k);
    return -1;
}

} // namespace attnviz::ui
