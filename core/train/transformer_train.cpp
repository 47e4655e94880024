#include "core/train/transformer_train.h"

#include "core/formats/error.h"
#include "core/train/tape_ops.h"
#include "core/train/tape_transformer.h"

#include <cmath>
#include <random>

namespace attnviz {

namespace {

using namespace ad;

// E[x]·√d + PE(pos) for a batch-major id list of B sentences of n positions each.
Var embed(Tape& t, Var table, const std::vector<int>& ids, int n, int d)
{
    Mat pe(static_cast<Eigen::Index>(ids.size()), d);
    for (std::size_t r = 0; r < ids.size(); ++r)
        pe.row(static_cast<Eigen::Index>(r)) = transformerPositionalEncoding(static_cast<int>(r % static_cast<std::size_t>(n)), d).transpose();
    return add(t, scale(t, embedding(t, table, ids), std::sqrt(static_cast<double>(d))), t.constant(std::move(pe)));
}

struct Names {
    const ParamStore& p;
    Tape& t;
    Var operator()(const std::string& name) const { return t.param(p, name); }
};

Var feedForward(Tape& t, const Names& P, const std::string& prefix, Var x)
{
    // FF(x) = W_2 relu(W_1 x + b_1) + b_2
    Var hidden = relu(t, linear(t, x, P(prefix + ".linear1.weight"), P(prefix + ".linear1.bias")));
    return linear(t, hidden, P(prefix + ".linear2.weight"), P(prefix + ".linear2.bias"));
}

Var norm(Tape& t, const Names& P, const std::string& prefix, Var x)
{
    return layerNorm(t, x, P(prefix + ".weight"), P(prefix + ".bias"));
}

// MHA(x, x, x): one in_proj product gives [Q K V]; out_proj of the concatenated heads.
Var selfAttention(Tape& t, const Names& P, const std::string& prefix, Var x, int d, const AttentionLayout& layout)
{
    Var qkv = linear(t, x, P(prefix + ".in_proj_weight"), P(prefix + ".in_proj_bias"));  // (R × 3d)
    Var heads = multiHeadAttention(t, qkv, 0, qkv, d, qkv, 2 * d, d, layout);
    return linear(t, heads, P(prefix + ".out_proj.weight"), P(prefix + ".out_proj.bias"));
}

// MHA(x, m, m): Q from the decoder rows, K and V from the memory rows.
Var crossAttention(Tape& t, const Names& P, const std::string& prefix, Var x, Var memory, int d, const AttentionLayout& layout)
{
    Var W = P(prefix + ".in_proj_weight"), b = P(prefix + ".in_proj_bias");
    Var q = linearRows(t, x, W, b, 0, d);        // x W_Qᵀ + b_Q
    Var kv = linearRows(t, memory, W, b, d, 2 * d);  // m [W_K; W_V]ᵀ + [b_K; b_V]
    Var heads = multiHeadAttention(t, q, 0, kv, 0, kv, d, d, layout);
    return linear(t, heads, P(prefix + ".out_proj.weight"), P(prefix + ".out_proj.bias"));
}

} // namespace

TeacherForcedFeatures transformerTeacherForcedFeatures(Tape& t, const ParamStore& params, const Model& model, const Batch& batch)
{
    const TransformerConfig c = model.transformerConfig();
    checkTransformerConfig(c);
    const int B = batch.B, n = batch.n, T = batch.T, d = c.dModel;
    if (n > c.maxLen || T > c.maxLen)
        throw ShapeError("transformer: a batch with " + std::to_string(n) + " source tokens and " + std::to_string(T)
                         + " target steps, more than max_len " + std::to_string(c.maxLen));
    // batch-major ids and lengths
    std::vector<int> src(static_cast<std::size_t>(B) * n), tgt(static_cast<std::size_t>(B) * T);
    std::vector<int> srcLen(static_cast<std::size_t>(B), 0), tgtLen(static_cast<std::size_t>(B), 0);
    TeacherForcedFeatures f;
    f.targets.resize(static_cast<std::size_t>(B) * T);
    f.weights.resize(static_cast<Eigen::Index>(B) * T);
    for (int b = 0; b < B; ++b) {
        const auto Bs = static_cast<std::size_t>(b);
        for (int j = 0; j < n; ++j) {
            src[Bs * n + j] = batch.src[static_cast<std::size_t>(j)][Bs];
            if (batch.srcMask(b, j) != 0.0)
                srcLen[Bs] = j + 1;
        }
        for (int s = 0; s < T; ++s) {
            const auto S = static_cast<std::size_t>(s);
            tgt[Bs * T + S] = batch.tgtIn[S][Bs];
            f.targets[Bs * T + S] = batch.tgtOut[S][Bs];
            f.weights(static_cast<Eigen::Index>(b) * T + s) = batch.tgtMask[S](b);
            if (batch.tgtMask[S](b) != 0.0)
                tgtLen[Bs] = s + 1;
        }
        if (srcLen[Bs] < 1 || tgtLen[Bs] < 1)
            throw ShapeError("transformer: sentence " + std::to_string(b) + " of the batch has an empty source or target");
    }
    const Names P{params, t};
    AttentionLayout encSelf{B, n, n, c.heads, srcLen, false};
    AttentionLayout decSelf{B, T, T, c.heads, tgtLen, true};
    AttentionLayout cross{B, T, n, c.heads, srcLen, false};

    // Encoder: x = LN1(x + MHA(x, x, x)); x = LN2(x + FF(x)); memory = final norm
    Var x = embed(t, P("encoder.embedding"), src, n, d);
    for (int k = 0; k < c.encoderLayers; ++k) {
        const std::string p = "transformer.encoder.layers." + std::to_string(k);
        x = norm(t, P, p + ".norm1", add(t, x, selfAttention(t, P, p + ".self_attn", x, d, encSelf)));
        x = norm(t, P, p + ".norm2", add(t, x, feedForward(t, P, p, x)));
    }
    Var memory = norm(t, P, "transformer.encoder.norm", x);

    // Decoder: y = LN1(y + MHA_causal(y, y, y)); y = LN2(y + MHA(y, m, m)); y = LN3(y + FF(y)); final norm
    Var y = embed(t, P("decoder.embedding"), tgt, T, d);
    for (int k = 0; k < c.decoderLayers; ++k) {
        const std::string p = "transformer.decoder.layers." + std::to_string(k);
        y = norm(t, P, p + ".norm1", add(t, y, selfAttention(t, P, p + ".self_attn", y, d, decSelf)));
        y = norm(t, P, p + ".norm2", add(t, y, crossAttention(t, P, p + ".multihead_attn", y, memory, d, cross)));
        y = norm(t, P, p + ".norm3", add(t, y, feedForward(t, P, p, y)));
    }
    f.x = norm(t, P, "transformer.decoder.norm", y);
    return f;
}

TransformerWeights transformerWeightsFromParams(const ParamStore& params, const Model& model)
{
    TransformerWeights w;
    for (const TransformerSlot& s : transformerWeightSlots(w, model.transformerConfig(), model.source.size(), model.target.size())) {
        auto it = params.find(s.name);
        if (it == params.end())
            throw ShapeError("transformer: no parameter named \"" + s.name + "\"");
        if (s.matrix)
            *s.matrix = it->second;
        else
            *s.vector = it->second.col(0);
    }
    checkTransformerWeights(model.transformerConfig(), w);
    return w;
}

std::vector<std::vector<int>> transformerGreedyDecode(const ParamStore& params, const Model& model, const Batch& batch,
                                                      const SpecialIds& ids)
{
    const TransformerConfig c = model.transformerConfig();
    const TransformerWeights w = transformerWeightsFromParams(params, model);
    std::vector<std::vector<int>> out(static_cast<std::size_t>(batch.B));
    TransformerStep step;
    for (int b = 0; b < batch.B; ++b) {
        std::vector<int> src;
        for (int j = 0; j < batch.n && batch.srcMask(b, j) != 0.0; ++j)
            src.push_back(batch.src[static_cast<std::size_t>(j)][static_cast<std::size_t>(b)]);
        const TransformerEncoding enc = transformerEncode(c, w, src);
        TransformerDecoderCache cache = transformerStartDecoding(c, w, enc);
        int prev = ids.sos;
        for (int s = 0; s < c.maxLen; ++s) {
            transformerDecodeStep(c, w, enc, cache, prev, step);
            Eigen::Index best = 0;
            step.logits.maxCoeff(&best);  // argmax over the whole target vocabulary (first on ties)
            if (best == ids.eos)
                break;
            prev = static_cast<int>(best);
            out[static_cast<std::size_t>(b)].push_back(prev);
        }
    }
    return out;
}

ParamStore transformerInitParams(Model& model, std::uint64_t seed)
{
    std::mt19937_64 rng(seed);
    // 53 random bits → [0, 1) → [−r, r): the same on every platform.
    auto uniform = [&](double r) { return (static_cast<double>(rng() >> 11) * 0x1.0p-53 * 2.0 - 1.0) * r; };
    const auto ends = [](const std::string& s, const std::string& tail) {
        return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
    };
    const double d = model.config.hiddenSize;
    ParamStore p;
    for (const WeightSlot& s : weightSlots(model)) {
        Mat m = Mat::Zero(s.rows, s.matrix ? s.cols : 1);
        if (s.name == "encoder.embedding" || s.name == "decoder.embedding") {
            const double r = std::sqrt(3.0 / d);  // uniform(−r, r) has variance r²/3 = 1/d
            for (Eigen::Index j = 0; j < m.cols(); ++j)
                for (Eigen::Index i = 0; i < m.rows(); ++i)
                    m(i, j) = uniform(r);
        } else if (s.matrix) {
            const double r = std::sqrt(6.0 / static_cast<double>(s.rows + s.cols));  // Xavier (Glorot & Bengio 2010)
            for (Eigen::Index j = 0; j < m.cols(); ++j)
                for (Eigen::Index i = 0; i < m.rows(); ++i)
                    m(i, j) = uniform(r);
        } else if (ends(s.name, ".weight")) {  // a LayerNorm's γ
            m.setOnes();
        }
        p[s.name] = std::move(m);
    }
    return p;
}

} // namespace attnviz
