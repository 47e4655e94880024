#pragma once
// Where every node of an ArchitectureGraph sits in the scene (scale 1, y down). Plain geometry so the
// painter, hit-testing, export and tests share it.
//
// Encoder block on the left (one column per source position), decoder block on the right (one column
// per step), both stacked bottom-up: embeddings, layer 0 (a bidirectional layer as its forward then
// backward row), …, top layer; above the decoder: attention (α), context (c), the attentional state
// (h̃, Luong) and the output token. A bridge (Bahdanau) sits between the blocks.
//
// A transformer (ui/graphs/transformer_layout.cpp) is drawn as Vaswani et al.'s figure 1 with every layer spelt out:
// the encoder stack on the left, the decoder stack on the right, bottom-up, one box per sublayer; the source
// tokens under the encoder and the encoder output m (one cell per source token) on top of it; the decoder's
// input tokens (<sos> y1 … shifted right) under the decoder and its outputs above the softmax.
#include "core/model/architecture_graph.h"

#include <QRectF>
#include <QString>

#include <vector>

namespace attnviz::ui {

struct ArchRowLabel {
    double y = 0;        // centre
    QString text;
    bool decoder = false;
};

struct ArchLayerBlock {     // transformer: the frame around one layer's sublayers
    QRectF rect;
    int layer = 0;
    bool decoder = false;
};

struct ArchitectureLayout {
    std::vector<QRectF> nodes;      // per graph node
    std::vector<double> stepX;      // centre of decoder column i
    std::vector<double> positionX;  // centre of encoder column j
    QRectF encoderBlock, decoderBlock;
    double sourceTokenY = 0;        // baseline of the source tokens (under the embeddings)
    double targetTokenY = 0;        // baseline of the output tokens (above the output nodes)
    double inputTokenY = 0;         // baseline of y_{i-1} under the decoder embeddings
    double columnWidth = 0;         // decoder column pitch
    std::vector<ArchRowLabel> rows;
    QRectF bounds;                  // everything, with a margin
    // transformer only
    std::vector<ArchLayerBlock> layerBlocks;
    std::vector<QRectF> sourceCells;   // x_j under the encoder (n)
    std::vector<QRectF> memoryCells;   // m_j on top of the encoder (n): what cross-attention reads
    std::vector<QRectF> inputCells;    // decoder inputs <sos>, y_1 … y_{T−1} (T)
    std::vector<QRectF> outputCells;   // y_1 … y_T above the softmax (T)
    double memoryBusX = 0;             // the vertical line m runs along to every cross-attention
    double feedbackX = 0;              // the line y_t runs down to the decoder input, right of the decoder
};

// Row index (0 = embeddings) of an encoder/decoder cell; fractional rows centre the decoder's layer 0
// against a bidirectional encoder layer 0.
double encoderRow(const ArchitectureGraph& g, int layer, ArchDirection dir);
double decoderRow(const ArchitectureGraph& g, int layer);

ArchitectureLayout layoutArchitecture(const ArchitectureGraph& g);  // either kind
ArchitectureLayout layoutTransformer(const ArchitectureGraph& g);   // g.transformer()
// The node under a scene point, or -1.
int architectureNodeAt(const ArchitectureLayout& layout, const QPointF& scene);

} // namespace attnviz::ui
