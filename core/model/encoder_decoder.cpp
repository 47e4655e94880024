#include "core/model/encoder_decoder.h"

#include "core/formats/error.h"

namespace attnviz {

namespace {

// Runs one RNN layer over the rows of X (n × I); returns the outputs (n × H), one per position.
// reverse: reads x_n..x_1 (output row j is still position j). finalState: state after the last read.
Mat runLayer(CellKind cell, const RnnWeights& w, const Mat& X, bool reverse, CellState& finalState, CellScratch& scratch)
{
    const Eigen::Index n = X.rows();
    const Eigen::Index H = w.hiddenSize();
    Mat out(n, H);
    CellState s = zeroState(cell, H), next = zeroState(cell, H);
    for (Eigen::Index i = 0; i < n; ++i) {
        const Eigen::Index j = reverse ? n - 1 - i : i;
        cellStep(cell, w, X.row(j).transpose(), s, next, scratch);
        std::swap(s, next);
        out.row(j) = s.h.transpose();
    }
    finalState = s;
    return out;
}

} // namespace

Encoding encode(const Model& m, const std::vector<int>& ids)
{
    if (m.isTransformer())
        throw ShapeError("encode: a transformer is not recurrent; use transformerEncode (core/model/transformer.h) or translateTokens");
    const Dims& d = m.dims;
    const ModelWeights& w = m.weights;
    const Eigen::Index n = static_cast<Eigen::Index>(ids.size());
    if (n == 0)
        throw ShapeError("the encoder needs at least one source token, found none (empty sentence)");
    if (m.config.score == ScoreKind::Location && n > m.config.maxLen)
        throw ShapeError("score function \"location\" scores at most max_len = " + std::to_string(m.config.maxLen)
                         + " source tokens, found a sentence of n = " + std::to_string(n) + " tokens");
    Mat X(n, d.E);  // E_src x_j, one per row
    for (Eigen::Index j = 0; j < n; ++j) {
        const int id = ids[static_cast<std::size_t>(j)];
        if (id < 0 || id >= d.Vs)
            throw ShapeError("source token id " + std::to_string(id) + " outside the vocabulary of " + std::to_string(d.Vs));
        X.row(j) = w.encoderEmbedding.row(id);
    }
    const Topology& t = m.topology;
    Encoding enc;
    enc.final.resize(static_cast<std::size_t>(d.L));
    CellScratch scratch;
    Mat in = std::move(X);
    for (int k = 0; k < d.L; ++k) {
        CellState& fin = enc.final[static_cast<std::size_t>(k)];
        Mat out = runLayer(m.config.cell, w.encoder[static_cast<std::size_t>(k)], in, false, fin, scratch);
        if (t.encoderBidirectional(k)) {
            CellState backFinal;
            Mat back = runLayer(m.config.cell, w.encoderReverse, in, true, backFinal, scratch);
            enc.backwardFirst = back.row(0).transpose();  // ←h_1
            Mat both(n, 2 * d.H);                          // [→h_j; ←h_j]
            both << out, back;
            out = std::move(both);
        }
        if (t.residual(k))
            out += in;  // GNMT: out_k = RNN_k(in_k) + in_k
        in = std::move(out);
    }
    enc.keys = std::move(in);
    if (m.config.score == ScoreKind::Additive)
        enc.projectedKeys = m.scoreFunction().projectKeys(enc.keys);
    return enc;
}

DecoderState initialState(const Model& m, const Encoding& enc)
{
    const Dims& d = m.dims;
    DecoderState s;
    switch (m.topology.init) {
    case DecoderInit::EncoderFinal:
        s.layers = enc.final;  // per layer (h, c)
        break;
    case DecoderInit::Bridge:
        s.layers.assign(static_cast<std::size_t>(d.L), zeroState(m.config.cell, d.H));
        // s_0 = tanh(W_bridge ←h_1 + b_bridge)  — Bahdanau 2015 appendix A.2.2
        s.layers[0].h = (m.weights.bridgeWeight * enc.backwardFirst + m.weights.bridgeBias).array().tanh().matrix();
        break;
    case DecoderInit::Zero:
        s.layers.assign(static_cast<std::size_t>(d.L), zeroState(m.config.cell, d.H));
        break;
    }
    if (m.topology.inputFeeding)
        s.attentional = Vec::Zero(d.H);  // h̃_0 = 0
    return s;
}

namespace {

void runAttention(const Model& m, const Encoding& enc, const Eigen::Ref<const Vec>& query, StepResult& out, const Vec* overrideWeights)
{
    const ScoreFunction& score = m.scoreFunction();
    out.query = query;
    Vec e = m.config.score == ScoreKind::Additive ? score.scoresProjected(query, enc.keys, enc.projectedKeys)
                                                  : score.scores(query, enc.keys);
    out.attention = attendWithScores(std::move(e), enc.keys);
    if (overrideWeights)
        applyWeightOverride(*out.attention, *overrideWeights, enc.keys);
}

} // namespace

void decoderStep(const Model& m, const Encoding& enc, int prevToken, const DecoderState& prev, DecoderState& next,
                 StepResult& out, StepWorkspace& ws, const Vec* overrideWeights)
{
    const Dims& d = m.dims;
    const Topology& t = m.topology;
    const ModelWeights& w = m.weights;
    if (prevToken < 0 || prevToken >= d.Vt)
        throw ShapeError("target token id " + std::to_string(prevToken) + " outside the vocabulary of " + std::to_string(d.Vt));
    ws.embedding = w.decoderEmbedding.row(prevToken).transpose();  // E_tgt y_{t-1} (E)
    out.query.resize(0);
    out.attention.reset();

    // Query from the previous step (Bahdanau: s_{i-1}; GNMT: bottom output y¹_{i-1}, zero at i = 1).
    if (t.queriesPrevious())
        runAttention(m, enc, prev.layers[static_cast<std::size_t>(t.queryLayer(d.L))].h, out, overrideWeights);

    // The parts of a layer's or the output layer's input, as the topology orders them.
    auto concatenate = [&](const InputParts& parts, Vec& into) {
        into.resize(d.size(parts));
        Eigen::Index at = 0;
        for (InputPart p : parts) {
            const Vec& v = p == InputPart::Embedding ? ws.embedding
                : p == InputPart::Attentional        ? prev.attentional
                : p == InputPart::Context            ? out.attention->context
                                                     : ws.below;  // Below, Top
            into.segment(at, v.size()) = v;
            at += v.size();
        }
    };
    next.layers.resize(prev.layers.size());
    for (int k = 0; k < d.L; ++k) {
        const auto K = static_cast<std::size_t>(k);
        concatenate(t.decoderInput(k), ws.input);  // [E y; h̃_{t-1}; c] for the bottom, [y^{k}; c] above
        cellStep(m.config.cell, w.decoder[K], ws.input, prev.layers[K], next.layers[K], ws.cell);
        // the layer's output feeds the layer above; GNMT adds the input (without the context) from layer index 2
        if (t.residual(k))
            ws.below += next.layers[K].h;
        else
            ws.below = next.layers[K].h;
    }
    // ws.below is now the top output (y^N for GNMT, h_t otherwise).

    // Query by the current top state h_t (seq2seq_attention, Luong).
    if (t.queriesCurrent())
        runAttention(m, enc, ws.below, out, overrideWeights);

    if (t.attentionalState) {
        // h̃_t = tanh(W_c [c_t; h_t])  — Luong 2015 eq. 5
        const Eigen::Index dk = d.keySize;
        out.features.resize(d.H);
        out.features.noalias() = w.combineWeight.leftCols(dk) * out.attention->context;
        out.features.noalias() += w.combineWeight.rightCols(d.H) * ws.below;
        out.features = out.features.array().tanh().matrix();
        if (t.inputFeeding)
            next.attentional = out.features;
    } else {
        concatenate(t.outputInput(), out.features);  // [h_t; c_t; E y_{t-1}] with the parts the topology uses
    }
    // logits = W_out features + b_out  (V_t × F)(F): the main cost of a step
    out.logits.resize(d.Vt);
    out.logits.noalias() = w.outWeight * out.features;
    out.logits += w.outBias;
}

} // namespace attnviz
