#include "core/model/architecture_graph.h"

#include "core/formats/error.h"

#include <algorithm>

namespace attnviz {

namespace {

struct Builder {
    ArchitectureGraph& g;

    int add(ArchNodeKind kind, ArchSide side, int position, int layer = -1, ArchDirection dir = ArchDirection::None)
    {
        ArchNode n;
        n.kind = kind;
        n.side = side;
        n.position = position;
        n.layer = layer;
        n.direction = dir;
        g.nodes.push_back(n);
        return static_cast<int>(g.nodes.size()) - 1;
    }
    void edge(int from, int to, ArchEdgeKind kind)
    {
        if (from >= 0 && to >= 0)
            g.edges.push_back({from, to, kind});
    }
};

} // namespace

int ArchitectureGraph::encoderCell(int layer, ArchDirection dir, int position) const
{
    if (encoderIndex.empty() || layer < 0 || layer >= layers || position < 0 || position >= sourceLength)
        return -1;
    const bool bidi = encoderLayerBidirectional(layer);
    if (bidi && dir == ArchDirection::None)
        return -1;
    if (!bidi && dir == ArchDirection::Backward)
        return -1;
    const int slot = dir == ArchDirection::Backward ? 1 : 0;
    return encoderIndex[static_cast<std::size_t>((layer * 2 + slot) * sourceLength + position)];
}

int ArchitectureGraph::decoderCell(int layer, int step) const
{
    if (decoderIndex.empty() || layer < 0 || layer >= layers || step < 0 || step >= targetLength)
        return -1;
    return decoderIndex[static_cast<std::size_t>(layer * targetLength + step)];
}

int ArchitectureGraph::find(ArchNodeKind kind, ArchSide side, int position) const
{
    for (std::size_t k = 0; k < nodes.size(); ++k)
        if (nodes[k].kind == kind && nodes[k].side == side && nodes[k].position == position)
            return static_cast<int>(k);
    return -1;
}

int ArchitectureGraph::bridge() const { return find(ArchNodeKind::Bridge, ArchSide::Between, 0); }

std::vector<ArchEdge> ArchitectureGraph::edgesOfKind(ArchEdgeKind kind) const
{
    std::vector<ArchEdge> out;
    std::copy_if(edges.begin(), edges.end(), std::back_inserter(out), [kind](const ArchEdge& e) { return e.kind == kind; });
    return out;
}

std::vector<int> ArchitectureGraph::keyCells(int position) const
{
    const int top = layers - 1;
    if (encoderLayerBidirectional(top))
        return {encoderCell(top, ArchDirection::Forward, position), encoderCell(top, ArchDirection::Backward, position)};
    return {encoderCell(top, ArchDirection::None, position)};
}

int ArchitectureGraph::transformerNode(ArchNodeKind kind, ArchSide side, int layer, int sublayer) const
{
    for (std::size_t k = 0; k < nodes.size(); ++k) {
        const ArchNode& a = nodes[k];
        if (a.kind == kind && a.side == side && a.layer == layer && (sublayer < 0 || a.sublayer == sublayer))
            return static_cast<int>(k);
    }
    return -1;
}

namespace {

// The block diagram of nn.Transformer (see the header): post-norm layers, x = LN(x + sublayer(x)).
ArchitectureGraph buildTransformerGraph(const ModelConfig& config, const Topology& topo, int n, int T)
{
    if (n < 1 || T < 0 || config.hiddenSize < 1 || config.heads < 1 || config.encoderLayers < 1 || config.decoderLayers < 1)
        throw ShapeError("architecture graph: expected n ≥ 1, T ≥ 0, d_model, heads, encoder and decoder layers ≥ 1, found n = "
                         + std::to_string(n) + ", T = " + std::to_string(T) + ", d_model = " + std::to_string(config.hiddenSize)
                         + ", heads = " + std::to_string(config.heads) + ", layers = " + std::to_string(config.encoderLayers)
                         + " + " + std::to_string(config.decoderLayers));
    ArchitectureGraph g;
    g.preset = "transformer";
    g.score = config.score ? scoreId(*config.score) : std::string("scaled_dot");
    g.sourceLength = n;
    g.targetLength = T;
    g.layers = config.decoderLayers;
    g.topology = topo;
    g.dModel = config.hiddenSize;
    g.heads = config.heads;
    g.encoderLayers = config.encoderLayers;
    g.decoderLayers = config.decoderLayers;
    g.ffSize = config.ffSize;
    Builder b{g};
    using K = ArchNodeKind;
    using E = ArchEdgeKind;
    auto node = [&](K kind, ArchSide side, int layer, int sublayer) {
        const int k = b.add(kind, side, -1, layer);
        g.nodes[static_cast<std::size_t>(k)].sublayer = sublayer;
        return k;
    };
    // One sublayer with its residual: x → sublayer → LN(x + ·). Returns the Add & Norm (the new x).
    auto sublayer = [&](int x, K kind, ArchSide side, int layer, int index) {
        const int s = node(kind, side, layer, index);
        const int norm = node(K::AddNorm, side, layer, index + 1);
        b.edge(x, s, E::FeedForward);
        b.edge(s, norm, E::FeedForward);
        b.edge(x, norm, E::Residual);
        return norm;
    };

    // Encoder: E[x]·√d + PE, the layers, the final norm (the memory m).
    const int srcEmb = node(K::Embedding, ArchSide::Encoder, -1, -1);
    int x = node(K::PositionalEncoding, ArchSide::Encoder, -1, -1);
    b.edge(srcEmb, x, E::FeedForward);
    for (int k = 0; k < g.encoderLayers; ++k) {
        x = sublayer(x, K::SelfAttention, ArchSide::Encoder, k, 0);
        x = sublayer(x, K::FeedForwardBlock, ArchSide::Encoder, k, 2);
    }
    const int memory = node(K::FinalNorm, ArchSide::Encoder, -1, -1);
    b.edge(x, memory, E::FeedForward);

    // Decoder: E[y]·√d + PE, the layers (cross-attention reads m), the final norm, linear, softmax.
    const int tgtEmb = node(K::Embedding, ArchSide::Decoder, -1, -1);
    x = node(K::PositionalEncoding, ArchSide::Decoder, -1, -1);
    b.edge(tgtEmb, x, E::FeedForward);
    for (int k = 0; k < g.decoderLayers; ++k) {
        x = sublayer(x, K::MaskedSelfAttention, ArchSide::Decoder, k, 0);
        x = sublayer(x, K::CrossAttention, ArchSide::Decoder, k, 2);
        b.edge(memory, g.transformerNode(K::CrossAttention, ArchSide::Decoder, k), E::Memory);
        x = sublayer(x, K::FeedForwardBlock, ArchSide::Decoder, k, 4);
    }
    const int norm = node(K::FinalNorm, ArchSide::Decoder, -1, -1);
    b.edge(x, norm, E::FeedForward);
    const int linear = node(K::Linear, ArchSide::Decoder, -1, -1);
    b.edge(norm, linear, E::FeedForward);
    const int out = node(K::Output, ArchSide::Decoder, -1, -1);
    b.edge(linear, out, E::FeedForward);
    b.edge(out, tgtEmb, E::TokenFeedback);  // y_t is the input of step t + 1 (outputs shifted right)
    return g;
}

} // namespace

ArchitectureGraph buildArchitectureGraph(const std::string& preset, const ModelConfig& config, const Topology& topo,
                                         int n, int T)
{
    if (!topo.recurrent)  // the transformer: stacks of attention layers, not a graph of recurrent cells
        return buildTransformerGraph(config, topo, n, T);
    if (n < 1 || T < 0 || config.layers < 1)
        throw ShapeError("architecture graph: expected n ≥ 1, T ≥ 0 and layers ≥ 1, found n = " + std::to_string(n) +
                         ", T = " + std::to_string(T) + ", layers = " + std::to_string(config.layers));
    ArchitectureGraph g;
    g.preset = preset;
    g.cell = cellId(config.cell);
    g.score = config.score ? scoreId(*config.score) : std::string();
    g.sourceLength = n;
    g.targetLength = T;
    g.layers = config.layers;
    g.topology = topo;
    const int L = g.layers;
    g.encoderIndex.assign(static_cast<std::size_t>(L * 2 * n), -1);
    g.decoderIndex.assign(static_cast<std::size_t>(L * T), -1);
    Builder b{g};
    using K = ArchNodeKind;
    using E = ArchEdgeKind;
    using D = ArchDirection;

    // Encoder: embeddings, then every layer bottom-up (a bidirectional layer: forward and backward rows).
    std::vector<int> srcEmb(static_cast<std::size_t>(n));
    for (int j = 0; j < n; ++j)
        srcEmb[static_cast<std::size_t>(j)] = b.add(K::Embedding, ArchSide::Encoder, j);
    for (int k = 0; k < L; ++k) {
        const bool bidi = g.encoderLayerBidirectional(k);
        for (const D dir : bidi ? std::vector<D>{D::Forward, D::Backward} : std::vector<D>{D::None}) {
            const int slot = dir == D::Backward ? 1 : 0;
            for (int j = 0; j < n; ++j)
                g.encoderIndex[static_cast<std::size_t>((k * 2 + slot) * n + j)] = b.add(K::EncoderCell, ArchSide::Encoder, j, k, dir);
        }
    }
    auto belowCells = [&](int k, int j) {  // what feeds encoder layer k at position j
        if (k == 0)
            return std::vector<int>{srcEmb[static_cast<std::size_t>(j)]};
        if (g.encoderLayerBidirectional(k - 1))
            return std::vector<int>{g.encoderCell(k - 1, D::Forward, j), g.encoderCell(k - 1, D::Backward, j)};
        return std::vector<int>{g.encoderCell(k - 1, D::None, j)};
    };
    for (int k = 0; k < L; ++k) {
        const bool bidi = g.encoderLayerBidirectional(k);
        for (int j = 0; j < n; ++j) {
            for (const D dir : bidi ? std::vector<D>{D::Forward, D::Backward} : std::vector<D>{D::None}) {
                const int cell = g.encoderCell(k, dir, j);
                for (int below : belowCells(k, j))
                    b.edge(below, cell, E::FeedForward);
                if (dir == D::Backward)
                    b.edge(g.encoderCell(k, dir, j + 1), cell, E::Recurrent);  // reads right to left
                else
                    b.edge(g.encoderCell(k, dir, j - 1), cell, E::Recurrent);
                if (topo.residual(k))
                    for (int below : belowCells(k, j))
                        b.edge(below, cell, E::Residual);
            }
        }
    }

    // Decoder, step by step.
    const bool bidiTop = g.encoderLayerBidirectional(L - 1);
    const D topDir = bidiTop ? D::Forward : D::None;
    int bridge = -1;
    if (topo.init == DecoderInit::Bridge) {
        bridge = b.add(K::Bridge, ArchSide::Between, 0);
        // s_0 = tanh(W ←h_1 + b): the backward bottom layer's state at position 1 (its final state)
        const D dir = g.encoderLayerBidirectional(0) ? D::Backward : D::None;
        b.edge(g.encoderCell(0, dir, dir == D::Backward ? 0 : n - 1), bridge, E::Init);
    }
    std::vector<int> prevAttState(static_cast<std::size_t>(T), -1);
    int prevOutput = -1;
    for (int i = 0; i < T; ++i) {
        const int emb = b.add(K::Embedding, ArchSide::Decoder, i);
        b.edge(prevOutput, emb, E::TokenFeedback);
        for (int k = 0; k < L; ++k)
            g.decoderIndex[static_cast<std::size_t>(k * T + i)] = b.add(K::DecoderCell, ArchSide::Decoder, i, k);
        for (int k = 0; k < L; ++k) {
            const int cell = g.decoderCell(k, i);
            b.edge(k == 0 ? emb : g.decoderCell(k - 1, i), cell, E::FeedForward);
            if (topo.residual(k))
                b.edge(g.decoderCell(k - 1, i), cell, E::Residual);
            if (i > 0)
                b.edge(g.decoderCell(k, i - 1), cell, E::Recurrent);
        }
        if (i == 0) {
            if (topo.init == DecoderInit::EncoderFinal) {
                // every decoder layer starts from the encoder layer's final state (the last position)
                for (int k = 0; k < L; ++k)
                    b.edge(g.encoderCell(k, g.encoderLayerBidirectional(k) ? D::Forward : D::None, n - 1), g.decoderCell(k, 0), E::Init);
            } else if (topo.init == DecoderInit::Bridge) {
                b.edge(bridge, g.decoderCell(0, 0), E::Init);
            }
        }
        if (g.topology.inputFeeding && i > 0)
            b.edge(prevAttState[static_cast<std::size_t>(i - 1)], g.decoderCell(0, i), E::InputFeed);

        int top = g.decoderCell(L - 1, i);
        if (g.hasAttention()) {
            const int att = b.add(K::Attention, ArchSide::Decoder, i);
            const int ctx = b.add(K::Context, ArchSide::Decoder, i);
            for (int j = 0; j < n; ++j) {
                b.edge(g.encoderCell(L - 1, topDir, j), att, E::Attention);
                if (bidiTop)
                    b.edge(g.encoderCell(L - 1, D::Backward, j), att, E::Attention);
            }
            switch (topo.query) {
            case QuerySource::CurrentTop: b.edge(g.decoderCell(L - 1, i), att, E::Query); break;
            case QuerySource::PreviousTop: b.edge(i == 0 ? bridge : g.decoderCell(L - 1, i - 1), att, E::Query); break;
            case QuerySource::PreviousBottom: b.edge(i == 0 ? -1 : g.decoderCell(0, i - 1), att, E::Query); break;  // zero at i = 0
            }
            b.edge(att, ctx, E::FeedForward);
            for (int k = 0; k < L; ++k)
                if (topo.decoderInput(k).has(InputPart::Context))
                    b.edge(ctx, g.decoderCell(k, i), E::Context);
            if (topo.attentionalState) {
                const int hs = b.add(K::AttentionalState, ArchSide::Decoder, i);
                b.edge(ctx, hs, E::Context);
                b.edge(top, hs, E::FeedForward);
                prevAttState[static_cast<std::size_t>(i)] = hs;
                top = hs;
            }
            const int out = b.add(K::Output, ArchSide::Decoder, i);
            b.edge(top, out, E::FeedForward);
            if (topo.outputInput().has(InputPart::Context))
                b.edge(ctx, out, E::Context);
            if (topo.outputInput().has(InputPart::Embedding))
                b.edge(emb, out, E::FeedForward);
            prevOutput = out;
        } else {
            const int out = b.add(K::Output, ArchSide::Decoder, i);
            b.edge(top, out, E::FeedForward);
            prevOutput = out;
        }
    }
    return g;
}

ArchitectureGraph buildArchitectureGraph(const Model& model, int sourceLength, int targetLength)
{
    ArchitectureGraph g = buildArchitectureGraph(model.architecture, model.config, model.topology, sourceLength, targetLength);
    if (g.transformer()) {
        g.sourceVocab = model.source.size();
        g.targetVocab = model.target.size();
        if (g.ffSize <= 0 && !model.weights.transformer.encoderLayers.empty())
            g.ffSize = static_cast<int>(model.weights.transformer.encoderLayers.front().ff.linear1Weight.rows());
    }
    return g;
}

const char* archNodeKindName(ArchNodeKind kind)
{
    switch (kind) {
    case ArchNodeKind::Embedding: return "embedding";
    case ArchNodeKind::EncoderCell: return "encoder cell";
    case ArchNodeKind::DecoderCell: return "decoder cell";
    case ArchNodeKind::Bridge: return "bridge";
    case ArchNodeKind::Attention: return "attention";
    case ArchNodeKind::Context: return "context";
    case ArchNodeKind::AttentionalState: return "attentional state";
    case ArchNodeKind::Output: return "output";
    case ArchNodeKind::PositionalEncoding: return "positional encoding";
    case ArchNodeKind::SelfAttention: return "self-attention";
    case ArchNodeKind::MaskedSelfAttention: return "masked self-attention";
    case ArchNodeKind::CrossAttention: return "cross-attention";
    case ArchNodeKind::FeedForwardBlock: return "feed-forward network";
    case ArchNodeKind::AddNorm: return "add & norm";
    case ArchNodeKind::FinalNorm: return "layer norm";
    case ArchNodeKind::Linear: return "linear";
    }
    return "?";
}

const char* archEdgeKindName(ArchEdgeKind kind)
{
    switch (kind) {
    case ArchEdgeKind::Recurrent: return "recurrent";
    case ArchEdgeKind::FeedForward: return "feed-forward";
    case ArchEdgeKind::Residual: return "residual";
    case ArchEdgeKind::Query: return "query";
    case ArchEdgeKind::Attention: return "attention";
    case ArchEdgeKind::Context: return "context";
    case ArchEdgeKind::Init: return "init";
    case ArchEdgeKind::InputFeed: return "input feeding";
    case ArchEdgeKind::TokenFeedback: return "token feedback";
    case ArchEdgeKind::Memory: return "encoder output m";
    }
    return "?";
}

} // namespace attnviz
