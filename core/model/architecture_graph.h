#pragma once
// The network of a model unrolled over a source of n tokens and T decoder steps, as a plain graph
// (nodes and edges), built from the configuration and topology alone (SPEC §4, core/model/model_conventions.md).
// It is what the architecture view draws; tests check it without a display.
//
// Conventions: layers count from 0 (bottom); encoder positions j = 0..n-1, decoder steps i = 0..T-1
// (trace t = i + 1). A bidirectional bottom layer has two rows of cells, Forward and Backward.
// Residual skip of layer k (k ≥ residualFrom): an edge from layer k−1's cell to layer k's cell at the
// same position, meaning "layer k's input is added to its output" (out_k = RNN_k(in_k) + in_k).
//
// The transformer (SPEC §4, Vaswani et al. 2017 fig. 1) is not unrolled: its graph is the block diagram of
// nn.Transformer, one node per sublayer of every layer. Encoder: embedding ×√d → + positional encoding →
// per layer [self-attention, add & norm, feed-forward, add & norm] → final norm (the memory m). Decoder:
// embedding → + positional encoding → per layer [masked self-attention, add & norm, cross-attention over m,
// add & norm, feed-forward, add & norm] → final norm → linear → softmax. Residual edges run from a
// sublayer's input to its Add & Norm; Memory edges from the encoder's final norm to every cross-attention.
#include "core/model/model.h"

#include <string>
#include <vector>

namespace attnviz {

enum class ArchNodeKind {
    Embedding,         // side Encoder: E_src x_j (position j); side Decoder: E_tgt y_{i-1} (step i)
    EncoderCell,       // layer, direction, position
    DecoderCell,       // layer, step
    Bridge,            // bahdanau s_0 = tanh(W ←h_1 + b)
    Attention,         // the score + softmax of step i
    Context,           // c_i
    AttentionalState,  // luong h̃_i = tanh(W_c [c_i; h_i])
    Output,            // softmax over the target vocabulary, token y_i
    // transformer only (one node per sublayer; layer = the layer, sublayer = its index within the layer)
    PositionalEncoding,    // + PE(pos) (side Encoder or Decoder)
    SelfAttention,         // encoder multi-head self-attention
    MaskedSelfAttention,   // decoder causal self-attention
    CrossAttention,        // decoder attention over the encoder output m
    FeedForwardBlock,      // W_2 relu(W_1 x + b_1) + b_2
    AddNorm,               // x = LN(x + sublayer(x))
    FinalNorm,             // the stack's final LayerNorm (encoder: the memory m)
    Linear                 // out.weight, out.bias: d_model → target vocabulary
};
enum class ArchSide { Encoder, Decoder, Between };
enum class ArchDirection { None, Forward, Backward };

enum class ArchEdgeKind {
    Recurrent,     // a cell's state to the same layer's next position / step
    FeedForward,   // up the stack (embedding → layer 0 → layer 1 …, attention → context, … → output)
    Residual,      // skip around layer k (to = layer k's cell)
    Query,         // the decoder state that queries attention → attention node
    Attention,     // an encoder key (top layer, position j) → attention node of step i
    Context,       // context → decoder layer input / every layer / attentional state / output
    Init,          // encoder final state → decoder initial state (directly or via the bridge)
    InputFeed,     // luong input feeding: h̃_{i} → decoder layer 0 at step i+1
    TokenFeedback, // output token y_i → target embedding of step i+1
    Memory         // transformer: encoder output m → every decoder layer's cross-attention (keys and values)
};

struct ArchNode {
    ArchNodeKind kind = ArchNodeKind::Embedding;
    ArchSide side = ArchSide::Encoder;
    int layer = -1;                              // cells only
    ArchDirection direction = ArchDirection::None;
    int position = -1;                           // encoder position j, or decoder step i (recurrent presets)
    int sublayer = -1;                           // transformer: index of the node within its layer, from 0
};

struct ArchEdge {
    int from = -1, to = -1;  // node indices
    ArchEdgeKind kind = ArchEdgeKind::FeedForward;
};

struct ArchitectureGraph {
    std::string preset;
    std::string cell;        // "lstm" | "gru"
    std::string score;       // score id, "" without attention
    int sourceLength = 0;    // n
    int targetLength = 0;    // T
    int layers = 0;          // L (encoder and decoder)
    Topology topology;       // what the preset wires (attention, input feeding, recurrent or the transformer)
    bool hasAttention() const { return topology.attention; }
    bool transformer() const { return !topology.recurrent; }
    // transformer only (0 where unknown, e.g. a trace without its model: no ff size, no vocabularies)
    int dModel = 0, heads = 0, encoderLayers = 0, decoderLayers = 0, ffSize = 0;
    int sourceVocab = 0, targetVocab = 0;
    std::vector<ArchNode> nodes;
    std::vector<ArchEdge> edges;
    // Lookup tables filled by buildArchitectureGraph (-1 = absent).
    std::vector<int> encoderIndex;  // ((layer * 2 + (direction == Backward)) * n + j)
    std::vector<int> decoderIndex;  // (layer * T + i)

    // Index of the node, or -1. direction None matches a unidirectional layer's cells.
    int encoderCell(int layer, ArchDirection dir, int position) const;
    int decoderCell(int layer, int step) const;
    int find(ArchNodeKind kind, ArchSide side, int position) const;  // embedding, attention, context, … (-1 if absent)
    int bridge() const;
    bool encoderLayerBidirectional(int layer) const { return topology.encoderBidirectional(layer); }
    int encoderRows() const { return layers + (topology.bidirectionalBottom ? 1 : 0); }
    std::vector<ArchEdge> edgesOfKind(ArchEdgeKind kind) const;
    // The cells attention reads at position j (top encoder layer; both directions when it is bidirectional).
    std::vector<int> keyCells(int position) const;
    // transformer: the node of `kind` on `side` in layer `layer` (-1 for the nodes outside the layers), or -1.
    // Add & Norm nodes are told apart by `sublayer` (their index in the layer: 1, 3 in the encoder; 1, 3, 5 in
    // the decoder); for the other kinds it is ignored when −1.
    int transformerNode(ArchNodeKind kind, ArchSide side, int layer, int sublayer = -1) const;
};

// Throws ShapeError when n < 1, T < 0 or layers < 1 (a transformer: d_model, heads, encoder or decoder layers < 1).
// A transformer's vocabulary sizes are unknown (0) from a config alone; the Model overload fills them in.
ArchitectureGraph buildArchitectureGraph(const std::string& preset, const ModelConfig& config, const Topology& topology,
                                         int sourceLength, int targetLength);
ArchitectureGraph buildArchitectureGraph(const Model& model, int sourceLength, int targetLength);

const char* archNodeKindName(ArchNodeKind kind);
const char* archEdgeKindName(ArchEdgeKind kind);

} // namespace attnviz
