#include "core/model/batch_step.h"

#include "core/formats/error.h"
#include "core/numeric/few_columns.h"

#include <cmath>
#include <type_traits>

namespace attnviz {

namespace {

// The matrices a step multiplies by, in precision S: the model's own (double, column-major) or its float32
// copies (row-major).
template <typename S>
struct StepWeights {
    using M = std::conditional_t<std::is_same_v<S, float>, MatRF, Mat>;
    using V = Eigen::Matrix<S, Eigen::Dynamic, 1>;
    struct Cell {
        const M* ih;
        const M* hh;
        const V* bih;
        const V* bhh;
    };
    std::vector<Cell> cells;
    const M* combine = nullptr;
    const M* out = nullptr;
    const V* outBias = nullptr;
};

StepWeights<double> weightsOf(const Model& m)
{
    StepWeights<double> w;
    for (const RnnWeights& r : m.weights.decoder)
        w.cells.push_back({&r.weight_ih, &r.weight_hh, &r.bias_ih, &r.bias_hh});
    w.combine = &m.weights.combineWeight;
    w.out = &m.weights.outWeight;
    w.outBias = &m.weights.outBias;
    return w;
}

StepWeights<float> weightsOf(const InferenceWeights& f)
{
    StepWeights<float> w;
    for (const RnnWeightsF& r : f.decoder)
        w.cells.push_back({&r.weight_ih, &r.weight_hh, &r.bias_ih, &r.bias_hh});
    w.combine = &f.combine;
    w.out = &f.out;
    w.outBias = &f.outBias;
    return w;
}

// Buffers of one precision, reused across steps.
template <typename S>
struct Work {
    using M = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;
    StepWeights<S> w;
    M emb, X, Hp, Cp, Gi, Gh, Hn, below, ctx, CH, F, logits;
};

void attendOne(const Model& m, const Encoding& enc, const Vec& query, HypothesisStep& out, const Vec* overrideWeights)
{
    const ScoreFunction& score = m.scoreFunction();
    out.query = query;
    Vec e = m.config.score == ScoreKind::Additive ? score.scoresProjected(query, enc.keys, enc.projectedKeys) : score.scores(query, enc.keys);
    out.attention = attendWithScores(std::move(e), enc.keys);
    if (overrideWeights)
        applyWeightOverride(*out.attention, *overrideWeights, enc.keys);
}

// σ(x) = 1 / (1 + exp(−x)), elementwise
template <typename A>
auto sigmoid(const A& x)
{
    using S = typename A::Scalar;
    return ((-x).exp() + S(1)).inverse();  // as core/numeric/cells.cpp: exp(−x) = inf gives 0
}

template <typename S>
void stepImpl(const Model& m, const Encoding& enc, Work<S>& w, const std::vector<int>& prevTokens,
              const std::vector<const DecoderState*>& prev, std::vector<DecoderState>& next, std::vector<HypothesisStep>& steps,
              const Vec* overrideWeights)
{
    using M = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;
    const Dims& d = m.dims;
    const Topology& t = m.topology;
    const auto B = static_cast<Eigen::Index>(prev.size());
    const Eigen::Index H = d.H;
    next.resize(prev.size());
    steps.assign(prev.size(), HypothesisStep{});

    // E_tgt y_{t−1} for every hypothesis (E × B)
    w.emb.resize(d.E, B);
    for (Eigen::Index b = 0; b < B; ++b) {
        const int y = prevTokens[static_cast<std::size_t>(b)];
        if (y < 0 || y >= d.Vt)
            throw ShapeError("target token id " + std::to_string(y) + " outside the vocabulary of " + std::to_string(d.Vt));
        w.emb.col(b) = m.weights.decoderEmbedding.row(y).transpose().template cast<S>();
    }
    // Query from the previous step (Bahdanau: s_{i−1}; GNMT: bottom output y¹_{i−1}).
    if (t.queriesPrevious()) {
        const auto q = static_cast<std::size_t>(t.queryLayer(d.L));
        for (Eigen::Index b = 0; b < B; ++b)
            attendOne(m, enc, prev[static_cast<std::size_t>(b)]->layers[q].h, steps[static_cast<std::size_t>(b)], overrideWeights);
        w.ctx.resize(d.keySize, B);
        for (Eigen::Index b = 0; b < B; ++b)
            w.ctx.col(b) = steps[static_cast<std::size_t>(b)].attention->context.template cast<S>();
    }

    // The parts of a layer's or the output layer's input, one column per hypothesis, as the topology orders them.
    auto concatenate = [&](const InputParts& parts, M& into) {
        into.resize(d.size(parts), B);
        Eigen::Index at = 0;
        for (InputPart p : parts) {
            const Eigen::Index rows = d.size(p);
            if (p == InputPart::Attentional) {  // h̃_{t−1}, kept per hypothesis
                for (Eigen::Index b = 0; b < B; ++b)
                    into.col(b).segment(at, rows) = prev[static_cast<std::size_t>(b)]->attentional.template cast<S>();
            } else {
                into.middleRows(at, rows) = p == InputPart::Embedding ? w.emb : p == InputPart::Context ? w.ctx : w.below;
            }
            at += rows;
        }
    };
    const bool lstm = m.config.cell == CellKind::Lstm;
    for (int k = 0; k < d.L; ++k) {
        const auto K = static_cast<std::size_t>(k);
        const auto& cell = w.w.cells[K];
        concatenate(t.decoderInput(k), w.X);  // X (I_k × B): [E y; h̃_{t−1}; c] for the bottom layer, [y^k; c] above
        w.Hp.resize(H, B);
        if (lstm)
            w.Cp.resize(H, B);
        for (Eigen::Index b = 0; b < B; ++b) {
            const CellState& s = prev[static_cast<std::size_t>(b)]->layers[K];
            w.Hp.col(b) = s.h.template cast<S>();
            if (lstm)
                w.Cp.col(b) = s.c.template cast<S>();
        }
        // gates, one product each for all hypotheses: Gi = W_ih X + b_ih, Gh = W_hh H_prev + b_hh  (G·H × B)
        productFewColumns(*cell.ih, w.X, w.Gi);
        w.Gi.colwise() += *cell.bih;
        productFewColumns(*cell.hh, w.Hp, w.Gh);
        w.Gh.colwise() += *cell.bhh;
        w.Hn.resize(H, B);
        if (!lstm) {
            // GRU (SPEC §3): r, z = σ(gi + gh), n = tanh(gi_n + r ⊙ gh_n), h' = (1 − z) ⊙ n + z ⊙ h
            const auto r = sigmoid((w.Gi.topRows(H) + w.Gh.topRows(H)).array()).eval();
            const auto z = sigmoid((w.Gi.middleRows(H, H) + w.Gh.middleRows(H, H)).array()).eval();
            const auto n = (w.Gi.bottomRows(H).array() + r * w.Gh.bottomRows(H).array()).tanh().eval();
            w.Hn = ((S(1) - z) * n + z * w.Hp.array()).matrix();
        } else {
            // LSTM: [i; f; g; o] = gi + gh; c' = f ⊙ c + i ⊙ g; h' = o ⊙ tanh(c')
            w.Gi += w.Gh;
            const auto i = sigmoid(w.Gi.topRows(H).array()).eval();
            const auto f = sigmoid(w.Gi.middleRows(H, H).array()).eval();
            const auto g = w.Gi.middleRows(2 * H, H).array().tanh().eval();
            const auto o = sigmoid(w.Gi.bottomRows(H).array()).eval();
            w.Cp = (f * w.Cp.array() + i * g).matrix();
            w.Hn = (o * w.Cp.array().tanh()).matrix();
        }
        for (Eigen::Index b = 0; b < B; ++b) {
            CellState& s = next[static_cast<std::size_t>(b)].layers.emplace_back();
            s.h = w.Hn.col(b).template cast<double>();
            if (lstm)
                s.c = w.Cp.col(b).template cast<double>();
        }
        // the layer's output feeds the layer above; GNMT adds the input (without the context) from layer index 2
        if (t.residual(k))
            w.below += w.Hn;
        else
            w.below = w.Hn;
    }
    // w.below is now the top output (y^N for GNMT, h_t otherwise), one column per hypothesis.

    if (t.queriesCurrent()) {
        w.ctx.resize(d.keySize, B);
        for (Eigen::Index b = 0; b < B; ++b) {
            HypothesisStep& hs = steps[static_cast<std::size_t>(b)];
            attendOne(m, enc, w.below.col(b).template cast<double>(), hs, overrideWeights);
            w.ctx.col(b) = hs.attention->context.template cast<S>();
        }
    }
    const Eigen::Index dk = d.keySize;
    if (t.attentionalState) {
        // h̃_t = tanh(W_c [c_t; h_t])  — Luong 2015 eq. 5, for every hypothesis: (H × B)
        w.CH.resize(dk + H, B);
        w.CH.topRows(dk) = w.ctx;
        w.CH.bottomRows(H) = w.below;
        productFewColumns(*w.w.combine, w.CH, w.F);
        w.F = w.F.array().tanh().matrix();
        if (t.inputFeeding)
            for (Eigen::Index b = 0; b < B; ++b)
                next[static_cast<std::size_t>(b)].attentional = w.F.col(b).template cast<double>();
    } else {
        concatenate(t.outputInput(), w.F);  // [h_t; c_t; E y_{t−1}] with the parts the topology uses (F × B)
    }
    // logits (V_t × B) = W_out F + b_out 1ᵀ: the main cost of a step, one product for the whole beam
    productFewColumns(*w.w.out, w.F, w.logits);
    w.logits.colwise() += *w.w.outBias;
}

} // namespace

namespace {

// One float32 layer over the columns of X (I × n); returns its outputs (H × n), column j = position j.
// reverse: reads x_n..x_1. finalState: the state after the last read.
MatF runLayerFloat32(CellKind kind, const RnnWeightsF& w, const MatF& X, bool reverse, CellState& finalState)
{
    const Eigen::Index n = X.cols(), H = w.weight_hh.cols();
    MatF Gi = w.weight_ih * X;  // (G·H × n): every position's input projection at once
    Gi.colwise() += w.bias_ih;
    MatF out(H, n);
    VecF h = VecF::Zero(H), c = VecF::Zero(H), gh(w.weight_hh.rows());
    for (Eigen::Index i = 0; i < n; ++i) {
        const Eigen::Index j = reverse ? n - 1 - i : i;
        gh.noalias() = w.weight_hh * h;
        gh += w.bias_hh;
        const auto gi = Gi.col(j);
        if (kind == CellKind::Gru) {
            const auto r = sigmoid((gi.head(H) + gh.head(H)).array()).eval();
            const auto z = sigmoid((gi.segment(H, H) + gh.segment(H, H)).array()).eval();
            const auto nn = (gi.tail(H).array() + r * gh.tail(H).array()).tanh().eval();
            h = ((1.0f - z) * nn + z * h.array()).matrix();
        } else {
            const auto g = (gi + gh).eval();
            c = (sigmoid(g.segment(H, H).array()) * c.array() + sigmoid(g.head(H).array()) * g.segment(2 * H, H).array().tanh()).matrix();
            h = (sigmoid(g.tail(H).array()) * c.array().tanh()).matrix();
        }
        out.col(j) = h;
    }
    finalState.h = h.cast<double>();
    finalState.c = kind == CellKind::Lstm ? Vec(c.cast<double>()) : Vec();
    return out;
}

} // namespace

Encoding encodeFloat32(const Model& m, const std::vector<int>& ids, const InferenceWeights& f)
{
    if (m.isTransformer())
        throw ShapeError("encode: a transformer is not recurrent; use transformerEncode (core/model/transformer.h) or translateTokens");
    const Dims& d = m.dims;
    const auto n = static_cast<Eigen::Index>(ids.size());
    if (n == 0)
        throw ShapeError("the encoder needs at least one source token, found none (empty sentence)");
    if (m.config.score == ScoreKind::Location && n > m.config.maxLen)
        throw ShapeError("score function \"location\" scores at most max_len = " + std::to_string(m.config.maxLen)
                         + " source tokens, found a sentence of n = " + std::to_string(n) + " tokens");
    MatF in(d.E, n);  // E_src x_j, one per column
    for (Eigen::Index j = 0; j < n; ++j) {
        const int id = ids[static_cast<std::size_t>(j)];
        if (id < 0 || id >= d.Vs)
            throw ShapeError("source token id " + std::to_string(id) + " outside the vocabulary of " + std::to_string(d.Vs));
        in.col(j) = m.weights.encoderEmbedding.row(id).transpose().cast<float>();
    }
    Encoding enc;
    enc.final.resize(static_cast<std::size_t>(d.L));
    for (int k = 0; k < d.L; ++k) {
        const auto K = static_cast<std::size_t>(k);
        MatF out = runLayerFloat32(m.config.cell, f.encoder[K], in, false, enc.final[K]);
        if (m.topology.encoderBidirectional(k)) {
            CellState backFinal;
            const MatF back = runLayerFloat32(m.config.cell, f.encoderReverse, in, true, backFinal);
            enc.backwardFirst = back.col(0).cast<double>();  // ←h_1
            MatF both(2 * d.H, n);                            // [→h_j; ←h_j]
            both << out, back;
            out = std::move(both);
        }
        if (m.topology.residual(k))
            out += in;  // GNMT: out_k = RNN_k(in_k) + in_k
        in = std::move(out);
    }
    enc.keys = in.transpose().cast<double>();
    if (m.config.score == ScoreKind::Additive)
        enc.projectedKeys = m.scoreFunction().projectKeys(enc.keys);
    return enc;
}

struct RecurrentBatchStep::Impl {
    const Model& m;
    const Encoding& enc;
    Precision precision;
    std::shared_ptr<const InferenceWeights> f32;  // kept alive while stepping
    Work<float> wf;
    Work<double> wd;
};

RecurrentBatchStep::RecurrentBatchStep(const Model& model, const Encoding& enc, Precision precision,
                                       std::shared_ptr<const InferenceWeights> f32)
    : impl_(std::make_unique<Impl>(Impl{model, enc, precision, std::move(f32), {}, {}}))
{
    if (model.isTransformer())
        throw ShapeError("RecurrentBatchStep: a transformer is not recurrent");
    if (precision == Precision::Float32) {
        if (!impl_->f32)
            impl_->f32 = model.inference.get(model);
        impl_->wf.w = weightsOf(*impl_->f32);
    } else {
        impl_->wd.w = weightsOf(model);
    }
}

RecurrentBatchStep::~RecurrentBatchStep() = default;

void RecurrentBatchStep::step(const std::vector<int>& prevTokens, const std::vector<const DecoderState*>& prev,
                              std::vector<DecoderState>& next, std::vector<HypothesisStep>& steps, const Vec* overrideWeights)
{
    for (DecoderState& s : next)
        s.layers.clear();
    if (impl_->precision == Precision::Float32)
        stepImpl(impl_->m, impl_->enc, impl_->wf, prevTokens, prev, next, steps, overrideWeights);
    else
        stepImpl(impl_->m, impl_->enc, impl_->wd, prevTokens, prev, next, steps, overrideWeights);
}

void RecurrentBatchStep::topLogProbs(Eigen::Index b, int k, TopLogProbs& out) const
{
    if (impl_->precision == Precision::Float32)
        softmaxTopK(impl_->wf.logits.col(b).data(), impl_->wf.logits.rows(), k, out);
    else
        softmaxTopK(impl_->wd.logits.col(b).data(), impl_->wd.logits.rows(), k, out);
}

double RecurrentBatchStep::logit(Eigen::Index b, int id) const
{
    return impl_->precision == Precision::Float32 ? static_cast<double>(impl_->wf.logits(id, b)) : impl_->wd.logits(id, b);
}

} // namespace attnviz
