#include "core/train/train_graph.h"

#include "core/formats/error.h"
#include "core/train/tape_attention.h"
#include "core/train/tape_ops.h"
#include "core/train/transformer_train.h"

#include <cmath>
#include <random>

namespace attnviz {

ParamStore paramsFromModel(Model& model)
{
    ParamStore p;
    for (const WeightSlot& s : weightSlots(model)) {
        if (s.matrix && s.matrix->size() > 0)
            p[s.name] = *s.matrix;
        else if (s.vector && s.vector->size() > 0)
            p[s.name] = *s.vector;  // (n × 1)
    }
    return p;
}

void paramsIntoModel(const ParamStore& params, Model& model)
{
    for (const WeightSlot& s : weightSlots(model)) {
        auto it = params.find(s.name);
        if (it == params.end())
            continue;
        const Mat& m = it->second;
        const bool ok = s.matrix ? (m.rows() == s.rows && m.cols() == s.cols) : (m.rows() == s.rows && m.cols() == 1);
        if (!ok)
            throw ShapeError("parameter " + s.name + ": expected " + std::to_string(s.rows) + " × "
                             + std::to_string(s.matrix ? s.cols : 1) + ", found " + std::to_string(m.rows()) + " × "
                             + std::to_string(m.cols()));
        if (s.matrix)
            *s.matrix = m;
        else
            *s.vector = m.col(0);
    }
}

ParamStore initParams(Model& model, std::uint64_t seed)
{
    if (model.isTransformer())
        return transformerInitParams(model, seed);
    std::mt19937_64 rng(seed);
    const double r = 1.0 / std::sqrt(static_cast<double>(std::max(1, model.dims.H)));
    // 53 random bits → [0, 1) → [−r, r): the same on every platform.
    auto uniform = [&]() { return (static_cast<double>(rng() >> 11) * 0x1.0p-53 * 2.0 - 1.0) * r; };
    ParamStore p;
    for (const WeightSlot& s : weightSlots(model)) {
        Mat m(s.rows, s.matrix ? s.cols : 1);
        for (Eigen::Index i = 0; i < m.rows(); ++i)
            for (Eigen::Index j = 0; j < m.cols(); ++j)
                m(i, j) = uniform();
        p[s.name] = std::move(m);
    }
    return p;
}

Batch makeBatch(const std::vector<PairIds>& pairs, std::size_t first, std::size_t count, const SpecialIds& ids)
{
    if (count == 0 || first + count > pairs.size())
        throw ShapeError("makeBatch: pairs [" + std::to_string(first) + ", " + std::to_string(first + count) + ") of "
                         + std::to_string(pairs.size()));
    Batch b;
    b.B = static_cast<int>(count);
    for (std::size_t i = first; i < first + count; ++i) {
        if (pairs[i].src.empty())
            throw ShapeError("makeBatch: empty source sentence at pair " + std::to_string(i));
        b.n = std::max(b.n, static_cast<int>(pairs[i].src.size()));
        b.T = std::max(b.T, static_cast<int>(pairs[i].tgt.size()) + 1);
    }
    b.src.assign(static_cast<std::size_t>(b.n), std::vector<int>(count, ids.pad));
    b.srcMask = Mat::Zero(b.B, b.n);
    b.tgtIn.assign(static_cast<std::size_t>(b.T), std::vector<int>(count, ids.pad));
    b.tgtOut.assign(static_cast<std::size_t>(b.T), std::vector<int>(count, ids.pad));
    b.tgtMask.assign(static_cast<std::size_t>(b.T), Vec::Zero(b.B));
    for (std::size_t k = 0; k < count; ++k) {
        const PairIds& p = pairs[first + k];
        for (std::size_t j = 0; j < p.src.size(); ++j) {
            b.src[j][k] = p.src[j];
            b.srcMask(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(j)) = 1.0;
        }
        // inputs <sos> y₁ … y_m, targets y₁ … y_m <eos>
        for (std::size_t t = 0; t <= p.tgt.size(); ++t) {
            b.tgtIn[t][k] = t == 0 ? ids.sos : p.tgt[t - 1];
            b.tgtOut[t][k] = t < p.tgt.size() ? p.tgt[t] : ids.eos;
            b.tgtMask[t](static_cast<Eigen::Index>(k)) = 1.0;
            ++b.targetTokens;
        }
    }
    return b;
}

// ---------------------------------------------------------------------------------------------------

GraphDecoder::GraphDecoder(Tape& tape, const ParamStore& params, const Model& model, const Batch& batch)
    : t_(tape), p_(params), m_(model), B_(batch.B), n_(batch.n), mask_(batch.srcMask)
{
    if (m_.config.score == ScoreKind::Location && n_ > m_.config.maxLen)
        throw ShapeError("score function \"location\" scores at most max_len = " + std::to_string(m_.config.maxLen)
                         + " source tokens, found a sentence of n = " + std::to_string(n_) + " tokens");
    encode(batch);
}

GraphDecoder::Rnn GraphDecoder::rnn(const std::string& prefix)
{
    return Rnn{t_.param(p_, prefix + ".weight_ih"), t_.param(p_, prefix + ".weight_hh"), t_.param(p_, prefix + ".bias_ih"),
               t_.param(p_, prefix + ".bias_hh")};
}

GraphDecoder::State GraphDecoder::zero()
{
    State s;
    s.h = t_.constant(Mat::Zero(B_, m_.dims.H));
    if (m_.config.cell == CellKind::Lstm)
        s.c = s.h;
    return s;
}

GraphDecoder::State GraphDecoder::cell(const Rnn& w, Var x, const State& s)
{
    using namespace ad;
    const Eigen::Index H = m_.dims.H;
    Var gi = linear(t_, x, w.wih, w.bih);    // W_ih x + b_ih: (B × G·H)
    Var gh = linear(t_, s.h, w.whh, w.bhh);  // W_hh h + b_hh: (B × G·H)
    State out;
    if (m_.config.cell == CellKind::Gru) {
        // SPEC §3 GRU, gates [r; z; n]: r = σ(..), z = σ(..), n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),
        // h' = (1 − z) ⊙ n + z ⊙ h = n + z ⊙ (h − n)
        Var r = sigmoid(t_, add(t_, slice(t_, gi, 0, H), slice(t_, gh, 0, H)));
        Var z = sigmoid(t_, add(t_, slice(t_, gi, H, H), slice(t_, gh, H, H)));
        Var n = tanh(t_, add(t_, slice(t_, gi, 2 * H, H), mul(t_, r, slice(t_, gh, 2 * H, H))));
        out.h = add(t_, n, mul(t_, z, sub(t_, s.h, n)));
    } else {
        // SPEC §3 LSTM, gates [i; f; g; o]: c' = f ⊙ c + i ⊙ g, h' = o ⊙ tanh(c')
        Var g = add(t_, gi, gh);
        Var i = sigmoid(t_, slice(t_, g, 0, H));
        Var f = sigmoid(t_, slice(t_, g, H, H));
        Var gg = tanh(t_, slice(t_, g, 2 * H, H));
        Var o = sigmoid(t_, slice(t_, g, 3 * H, H));
        out.c = add(t_, mul(t_, f, s.c), mul(t_, i, gg));
        out.h = mul(t_, o, tanh(t_, out.c));
    }
    return out;
}

std::vector<Var> GraphDecoder::runDirection(const std::vector<Var>& xs, const std::string& prefix, bool reverse, State& last)
{
    // A padded position (mask 0) keeps the state: the forward direction's final state is the state after
    // each sentence's last real token, and the backward direction starts reading at that token.
    const Rnn w = rnn(prefix);
    State s = zero();
    std::vector<Var> out(xs.size());
    for (int i = 0; i < n_; ++i) {
        const int j = reverse ? n_ - 1 - i : i;
        const Vec m = mask_.col(j);
        const State next = cell(w, xs[static_cast<std::size_t>(j)], s);
        s.h = ad::select(t_, m, next.h, s.h);
        if (m_.config.cell == CellKind::Lstm)
            s.c = ad::select(t_, m, next.c, s.c);
        out[static_cast<std::size_t>(j)] = s.h;
    }
    last = s;
    return out;
}

void GraphDecoder::encode(const Batch& batch)
{
    const Dims& d = m_.dims;
    const Topology& top = m_.topology;
    Var emb = t_.param(p_, "encoder.embedding");
    std::vector<Var> xs;
    for (int j = 0; j < n_; ++j)
        xs.push_back(ad::embedding(t_, emb, batch.src[static_cast<std::size_t>(j)]));  // E_src x_j: (B × E)
    std::vector<State> finals(static_cast<std::size_t>(d.L));
    Var backwardFirst;
    for (int k = 0; k < d.L; ++k) {
        std::vector<Var> out = runDirection(xs, "encoder.l" + std::to_string(k), false, finals[static_cast<std::size_t>(k)]);
        if (top.encoderBidirectional(k)) {
            State backFinal;
            std::vector<Var> back = runDirection(xs, "encoder.l0_reverse", true, backFinal);
            backwardFirst = back[0];  // ←h_1 (each sentence's backward state after reading its first token)
            for (int j = 0; j < n_; ++j)
                out[static_cast<std::size_t>(j)] = ad::concat(t_, {out[static_cast<std::size_t>(j)], back[static_cast<std::size_t>(j)]});
        }
        if (top.residual(k))
            for (int j = 0; j < n_; ++j)  // GNMT: out_k = RNN_k(in_k) + in_k
                out[static_cast<std::size_t>(j)] = ad::add(t_, out[static_cast<std::size_t>(j)], xs[static_cast<std::size_t>(j)]);
        xs = std::move(out);
    }
    keys_ = ad::stackRows(t_, xs);  // h̄: (n·B × dk)
    if (m_.config.score == ScoreKind::Additive)
        preKeys_ = ad::linear(t_, keys_, t_.param(p_, "attention.W_k"));  // K W_kᵀ: (n·B × da), once per batch
    else if (m_.config.score == ScoreKind::General)
        preKeys_ = ad::linear(t_, keys_, t_.param(p_, "attention.W"));    // row jB+b = (W h̄_j)ᵀ: (n·B × dq)

    switch (top.init) {
    case DecoderInit::EncoderFinal:
        state_ = finals;
        break;
    case DecoderInit::Bridge: {
        state_.assign(static_cast<std::size_t>(d.L), zero());
        // s_0 = tanh(W_bridge ←h_1 + b_bridge)  — Bahdanau 2015 appendix A.2.2 (LSTM: c_0 = 0)
        state_[0].h = ad::tanh(t_, ad::linear(t_, backwardFirst, t_.param(p_, "bridge.weight"), t_.param(p_, "bridge.bias")));
        break;
    }
    case DecoderInit::Zero:
        state_.assign(static_cast<std::size_t>(d.L), zero());
        break;
    }
    if (top.inputFeeding)
        feed_ = t_.constant(Mat::Zero(B_, d.H));  // h̃_0 = 0
}

Var GraphDecoder::attend(Var query)
{
    using namespace ad;
    Var e;
    switch (*m_.config.score) {
    case ScoreKind::Dot: e = dotScores(t_, query, keys_); break;
    case ScoreKind::ScaledDot:
        e = scale(t_, dotScores(t_, query, keys_), 1.0 / std::sqrt(static_cast<double>(m_.dims.keySize)));
        break;
    case ScoreKind::General: e = dotScores(t_, query, preKeys_); break;  // sᵀ W h̄_j
    case ScoreKind::Cosine: e = cosineScores(t_, query, keys_); break;
    case ScoreKind::Additive: {
        Var b = p_.count("attention.b") ? t_.param(p_, "attention.b") : Var{};
        Var qp = linear(t_, query, t_.param(p_, "attention.W_q"), b);  // W_q s + b: (B × da)
        e = additiveScores(t_, qp, preKeys_, t_.param(p_, "attention.v"));
        break;
    }
    case ScoreKind::Location: {
        Var b = p_.count("attention.b_loc") ? t_.param(p_, "attention.b_loc") : Var{};
        e = slice(t_, linear(t_, query, t_.param(p_, "attention.W_loc"), b), 0, n_);  // (W_loc s + b_loc)_{1..n}
        break;
    }
    }
    weights_ = maskedSoftmax(t_, e, mask_);
    return weightedSum(t_, weights_, keys_);  // c = Σ_j a_j h̄_j: (B × dk)
}

Var GraphDecoder::step(const std::vector<int>& prev)
{
    // logits = features W_outᵀ + b_out: (B × V_t)
    return ad::linear(t_, stepFeatures(prev), t_.param(p_, "out.weight"), t_.param(p_, "out.bias"));
}

Var GraphDecoder::stepFeatures(const std::vector<int>& prev)
{
    using namespace ad;
    const Dims& d = m_.dims;
    const Topology& top = m_.topology;
    Var emb = embedding(t_, t_.param(p_, "decoder.embedding"), prev);  // E_tgt y_{t−1}: (B × E)

    // Bahdanau: s_{i−1} queries; GNMT: y¹_{i−1} queries (zero at i = 1)
    Var context;
    if (top.queriesPrevious())
        context = attend(state_[static_cast<std::size_t>(top.queryLayer(d.L))].h);

    // The parts of a layer's or the output layer's input, as the topology orders them.
    Var below;
    auto concatenate = [&](const InputParts& parts) {
        std::vector<Var> vars;
        for (InputPart p : parts)
            vars.push_back(p == InputPart::Embedding ? emb : p == InputPart::Attentional ? feed_ : p == InputPart::Context ? context : below);
        return vars.size() == 1 ? vars[0] : concat(t_, vars);
    };
    for (int k = 0; k < d.L; ++k) {
        const auto K = static_cast<std::size_t>(k);
        Var in = concatenate(top.decoderInput(k));  // [E y; h̃_{t−1}; c] bottom, [y^k; c] above
        state_[K] = cell(rnn("decoder.l" + std::to_string(k)), in, state_[K]);
        if (top.residual(k))
            below = add(t_, state_[K].h, below);  // y^{k+1} = LSTM_k([y^k; a]) + y^k
        else
            below = state_[K].h;
    }
    if (top.queriesCurrent())
        context = attend(below);  // h_t queries (seq2seq_attention, Luong)

    if (!top.attentionalState)
        return concatenate(top.outputInput());  // [h_t; c_t; E y_{t−1}] with the parts the topology uses
    // h̃_t = tanh(W_c [c_t; h_t])  — Luong 2015 eq. 5
    Var features = tanh(t_, linear(t_, concat(t_, {context, below}), t_.param(p_, "combine.weight")));
    if (top.inputFeeding)
        feed_ = features;
    return features;
}

// ---------------------------------------------------------------------------------------------------

TeacherForcedFeatures teacherForcedFeatures(Tape& tape, const ParamStore& params, const Model& model, const Batch& batch)
{
    if (model.isTransformer())
        return transformerTeacherForcedFeatures(tape, params, model, batch);
    GraphDecoder dec(tape, params, model, batch);
    // The decoder runs step by step; the output layer and the loss then run once over all T·B rows.
    std::vector<Var> features;
    TeacherForcedFeatures f;
    f.weights.resize(static_cast<Eigen::Index>(batch.T) * batch.B);
    for (int t = 0; t < batch.T; ++t) {
        const auto T = static_cast<std::size_t>(t);
        features.push_back(dec.stepFeatures(batch.tgtIn[T]));
        f.targets.insert(f.targets.end(), batch.tgtOut[T].begin(), batch.tgtOut[T].end());
        f.weights.segment(static_cast<Eigen::Index>(t) * batch.B, batch.B) = batch.tgtMask[T];
    }
    f.x = ad::stackRows(tape, features);
    return f;
}

Var teacherForcedLoss(Tape& tape, const ParamStore& params, const Model& model, const Batch& batch, bool float32Output)
{
    const TeacherForcedFeatures f = teacherForcedFeatures(tape, params, model, batch);
    return ad::linearCrossEntropySum(tape, f.x, tape.param(params, "out.weight"), tape.param(params, "out.bias"),
                                     f.targets, f.weights, float32Output);
}

namespace {

Mat rowSoftmax(const Mat& logits)
{
    Mat p(logits.rows(), logits.cols());
    for (Eigen::Index b = 0; b < logits.rows(); ++b) {
        p.row(b) = (logits.row(b).array() - logits.row(b).maxCoeff()).exp().matrix();
        p.row(b) /= p.row(b).sum();
    }
    return p;
}

} // namespace

std::vector<Mat> teacherForcedProbs(const ParamStore& params, const Model& model, const Batch& batch)
{
    Tape tape(false);
    if (model.isTransformer()) {  // all steps at once, rows b·T + t
        const TeacherForcedFeatures f = transformerTeacherForcedFeatures(tape, params, model, batch);
        const Mat probs = rowSoftmax(tape.value(ad::linear(tape, f.x, tape.param(params, "out.weight"), tape.param(params, "out.bias"))));
        std::vector<Mat> out(static_cast<std::size_t>(batch.T), Mat(batch.B, probs.cols()));
        for (int b = 0; b < batch.B; ++b)
            for (int t = 0; t < batch.T; ++t)
                out[static_cast<std::size_t>(t)].row(b) = probs.row(static_cast<Eigen::Index>(b) * batch.T + t);
        return out;
    }
    GraphDecoder dec(tape, params, model, batch);
    std::vector<Mat> out;
    for (int t = 0; t < batch.T; ++t)
        out.push_back(rowSoftmax(tape.value(dec.step(batch.tgtIn[static_cast<std::size_t>(t)]))));
    return out;
}

std::vector<std::vector<int>> greedyDecode(const ParamStore& params, const Model& model, const Batch& batch,
                                           const SpecialIds& ids)
{
    if (model.isTransformer())
        return transformerGreedyDecode(params, model, batch, ids);
    Tape tape(false);
    GraphDecoder dec(tape, params, model, batch);
    std::vector<std::vector<int>> out(static_cast<std::size_t>(batch.B));
    std::vector<bool> done(static_cast<std::size_t>(batch.B), false);
    std::vector<int> prev(static_cast<std::size_t>(batch.B), ids.sos);
    int remaining = batch.B;
    for (int t = 0; t < model.config.maxLen && remaining > 0; ++t) {
        const Mat& logits = tape.value(dec.step(prev));
        for (int b = 0; b < batch.B; ++b) {
            Eigen::Index best = 0;
            logits.row(b).maxCoeff(&best);  // argmax over the whole target vocabulary (first on ties)
            const auto B = static_cast<std::size_t>(b);
            prev[B] = static_cast<int>(best);
            if (done[B])
                continue;
            if (best == ids.eos) {
                done[B] = true;
                --remaining;
            } else {
                out[B].push_back(static_cast<int>(best));
            }
        }
    }
    return out;
}

} // namespace attnviz
