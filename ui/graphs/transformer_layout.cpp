// Where the transformer's block diagram sits (see ui/graphs/architecture_layout.h): two stacks built bottom-up from a
// common baseline, every sublayer a box of the same width, layers framed, token cells under and over them.
#include "ui/graphs/architecture_layout.h"

#include <algorithm>

namespace attnviz::ui {

namespace {
constexpr double kBoxW = 280;                      // every box of a stack
constexpr double kBlockH = 26, kNormH = 18;        // attention / feed-forward boxes; add & norm
constexpr double kSubGap = 10;                     // between the boxes of a layer
constexpr double kLayerPad = 8, kLayerGap = 14;    // inside a layer's frame; between frames
constexpr double kFrameIn = 26, kFrameOut = 10;    // frame beyond the boxes: the residual side, the other side
constexpr double kTokPitch = 34, kTokW = 30, kTokH = 20;
constexpr double kMargin = 16, kLabelW = 64, kGap = 150;
constexpr double kDecoderLabelW = 104;             // "layer 2", "shown: mean of 4 heads" right of the decoder
constexpr double kBars = 24;                       // room for the attention bars over the memory cells
constexpr double kTitle = 24;                      // "encoder · 2 layers" over each stack

// A stack's boxes as heights above the baseline (0 = the bottom of its token cells), built upwards.
struct Column {
    double h = 0;
    double box(double height, double gapBefore)
    {
        h += gapBefore;
        const double bottom = h;
        h += height;
        return bottom;
    }
};
} // namespace

ArchitectureLayout layoutTransformer(const ArchitectureGraph& g)
{
    using K = ArchNodeKind;
    ArchitectureLayout L;
    const int n = g.sourceLength, T = g.targetLength;
    const double encW = std::max(kBoxW + kFrameIn + kFrameOut + 12, n * kTokPitch);
    const double decW = std::max(kBoxW + kFrameIn + kFrameOut + 12, T * kTokPitch);
    const double cxE = kMargin + kLabelW + encW / 2;
    const double cxD = cxE + encW / 2 + kGap + decW / 2;
    L.columnWidth = kTokPitch;

    // Heights (bottom of each box above the baseline); node index → (bottom, height, centre x).
    struct Place {
        double bottom = 0, height = 0, cx = 0, width = kBoxW;
    };
    std::vector<Place> at(g.nodes.size());
    auto find = [&](K kind, ArchSide side, int layer, int sub = -1) { return g.transformerNode(kind, side, layer, sub); };
    auto put = [&](int node, Column& col, double height, double gap, double cx) {
        const double b = col.box(height, gap);
        if (node >= 0)
            at[static_cast<std::size_t>(node)] = {b, height, cx, kBoxW};
        return b;
    };
    struct Frame {
        double bottom, top;
        int layer;
        bool decoder;
    };
    std::vector<Frame> frames;
    auto stack = [&](ArchSide side, double cx, int layers, const std::vector<K>& kinds, Column& col) {
        for (int k = 0; k < layers; ++k) {
            const double frameBottom = col.h + (k == 0 ? 16 : kLayerGap);
            col.h = frameBottom + kLayerPad;
            for (std::size_t s = 0; s < kinds.size(); ++s) {
                const bool norm = kinds[s] == K::AddNorm;
                put(find(kinds[s], side, k, static_cast<int>(s)), col, norm ? kNormH : kBlockH, s == 0 ? 0 : kSubGap, cx);
            }
            col.h += kLayerPad;
            frames.push_back({frameBottom, col.h, k, side == ArchSide::Decoder});
        }
    };

    Column enc;
    const double srcBottom = enc.box(kTokH, 0);
    put(find(K::Embedding, ArchSide::Encoder, -1), enc, 24, 18, cxE);
    put(find(K::PositionalEncoding, ArchSide::Encoder, -1), enc, 20, 10, cxE);
    stack(ArchSide::Encoder, cxE, g.encoderLayers, {K::SelfAttention, K::AddNorm, K::FeedForwardBlock, K::AddNorm}, enc);
    put(find(K::FinalNorm, ArchSide::Encoder, -1), enc, 20, 14, cxE);
    const double memBottom = enc.box(kTokH, 14);
    enc.h += kBars + kTitle;

    Column dec;
    const double inBottom = dec.box(kTokH, 0);
    put(find(K::Embedding, ArchSide::Decoder, -1), dec, 24, 18, cxD);
    put(find(K::PositionalEncoding, ArchSide::Decoder, -1), dec, 20, 10, cxD);
    stack(ArchSide::Decoder, cxD, g.decoderLayers,
          {K::MaskedSelfAttention, K::AddNorm, K::CrossAttention, K::AddNorm, K::FeedForwardBlock, K::AddNorm}, dec);
    put(find(K::FinalNorm, ArchSide::Decoder, -1), dec, 20, 14, cxD);
    put(find(K::Linear, ArchSide::Decoder, -1), dec, 22, 10, cxD);
    put(find(K::Output, ArchSide::Decoder, -1), dec, 22, 10, cxD);
    const double outBottom = dec.box(kTokH, 14);
    dec.h += 8 + kTitle;

    const double top = std::max(enc.h, dec.h);
    const double base = kMargin + top;  // scene y of height 0
    auto yOf = [&](double h) { return base - h; };
    auto rectOf = [&](const Place& p) { return QRectF(p.cx - p.width / 2, yOf(p.bottom + p.height), p.width, p.height); };

    L.nodes.resize(g.nodes.size());
    for (std::size_t k = 0; k < g.nodes.size(); ++k)
        L.nodes[k] = rectOf(at[k]);

    auto cells = [&](int count, double cx, double bottom) {
        std::vector<QRectF> out;
        for (int j = 0; j < count; ++j) {
            const double x = cx - count * kTokPitch / 2 + kTokPitch / 2 + j * kTokPitch;
            out.emplace_back(x - kTokW / 2, yOf(bottom + kTokH), kTokW, kTokH);
        }
        return out;
    };
    L.sourceCells = cells(n, cxE, srcBottom);
    L.memoryCells = cells(n, cxE, memBottom);
    L.inputCells = cells(T, cxD, inBottom);
    L.outputCells = cells(T, cxD, outBottom);
    for (const QRectF& r : L.sourceCells)
        L.positionX.push_back(r.center().x());
    for (const QRectF& r : L.outputCells)
        L.stepX.push_back(r.center().x());
    L.sourceTokenY = yOf(srcBottom);
    L.inputTokenY = yOf(inBottom);
    L.targetTokenY = yOf(outBottom + kTokH);

    const double boxLeftE = cxE - kBoxW / 2, boxLeftD = cxD - kBoxW / 2;
    for (const Frame& f : frames) {
        const double left = f.decoder ? boxLeftD - kFrameOut : boxLeftE - kFrameIn;
        L.layerBlocks.push_back({QRectF(QPointF(left, yOf(f.top)), QPointF(left + kBoxW + kFrameIn + kFrameOut, yOf(f.bottom))), f.layer, f.decoder});
        L.rows.push_back({yOf((f.top + f.bottom) / 2), QStringLiteral("layer %1").arg(f.layer + 1), f.decoder});
    }
    const auto span = [&](ArchSide side, double left, double right) {
        const int emb = find(K::Embedding, side, -1), norm = find(K::FinalNorm, side, -1);
        const int last = side == ArchSide::Decoder ? find(K::Output, side, -1) : norm;
        return QRectF(QPointF(left, L.nodes[static_cast<std::size_t>(last)].top() - 8),
                      QPointF(right, L.nodes[static_cast<std::size_t>(emb)].bottom() + 8));
    };
    L.encoderBlock = span(ArchSide::Encoder, boxLeftE - kFrameIn - 6, boxLeftE + kBoxW + kFrameOut + 6);
    L.decoderBlock = span(ArchSide::Decoder, boxLeftD - kFrameOut - 6, boxLeftD + kBoxW + kFrameIn + 6);
    const double memRight = L.memoryCells.empty() ? cxE : L.memoryCells.back().right();
    L.memoryBusX = std::max(memRight + 16, (L.encoderBlock.right() + L.decoderBlock.left()) / 2);
    L.memoryBusX = std::min(L.memoryBusX, L.decoderBlock.left() - 16);
    const double outRight = L.outputCells.empty() ? cxD : std::max(L.outputCells.back().right(), L.inputCells.back().right());
    L.feedbackX = std::max(L.decoderBlock.right() + kDecoderLabelW, outRight + 16);
    L.bounds = QRectF(QPointF(0, 0), QPointF(L.feedbackX + 12 + kMargin, base + kMargin));
    return L;
}

} // namespace attnviz::ui
