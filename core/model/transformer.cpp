#include "core/model/transformer.h"

#include "core/formats/error.h"
#include "core/numeric/softmax.h"

#include <cmath>

namespace attnviz {

namespace {

constexpr double kLayerNormEps = 1e-5;  // nn.LayerNorm's default, nn.Transformer's layers and final norms

std::string shapeText(Eigen::Index rows, Eigen::Index cols)
{
    return cols < 0 ? std::to_string(rows) : std::to_string(rows) + " × " + std::to_string(cols);
}

void addAttention(std::vector<TransformerSlot>& s, const std::string& p, TransformerAttentionWeights& a, Eigen::Index d)
{
    s.push_back({p + ".in_proj_weight", 3 * d, d, &a.inProjWeight, nullptr});
    s.push_back({p + ".in_proj_bias", 3 * d, -1, nullptr, &a.inProjBias});
    s.push_back({p + ".out_proj.weight", d, d, &a.outProjWeight, nullptr});
    s.push_back({p + ".out_proj.bias", d, -1, nullptr, &a.outProjBias});
}

void addFeedForward(std::vector<TransformerSlot>& s, const std::string& p, TransformerFeedForwardWeights& f,
                    Eigen::Index d, Eigen::Index ff)
{
    s.push_back({p + ".linear1.weight", ff, d, &f.linear1Weight, nullptr});
    s.push_back({p + ".linear1.bias", ff, -1, nullptr, &f.linear1Bias});
    s.push_back({p + ".linear2.weight", d, ff, &f.linear2Weight, nullptr});
    s.push_back({p + ".linear2.bias", d, -1, nullptr, &f.linear2Bias});
}

void addNorm(std::vector<TransformerSlot>& s, const std::string& p, TransformerLayerNormWeights& n, Eigen::Index d)
{
    s.push_back({p + ".weight", d, -1, nullptr, &n.weight});
    s.push_back({p + ".bias", d, -1, nullptr, &n.bias});
}

// ---- row-wise building blocks (one token per row) ----

// X W^T + b for every row of X (nn.Linear)
Mat linearRows(const Eigen::Ref<const Mat>& X, const Eigen::Ref<const Mat>& W, const Eigen::Ref<const Vec>& b)
{
    Mat Y = X * W.transpose();
    Y.rowwise() += b.transpose();
    return Y;
}

Vec layerNorm(const Eigen::Ref<const Vec>& x, const TransformerLayerNormWeights& n)
{
    const double mean = x.mean();
    const Vec centred = (x.array() - mean).matrix();
    const double var = centred.squaredNorm() / static_cast<double>(x.size());  // biased, as nn.LayerNorm
    return (centred.array() / std::sqrt(var + kLayerNormEps) * n.weight.array() + n.bias.array()).matrix();
}

Mat layerNormRows(const Mat& X, const TransformerLayerNormWeights& n)
{
    Mat Y(X.rows(), X.cols());
    for (Eigen::Index r = 0; r < X.rows(); ++r)
        Y.row(r) = layerNorm(X.row(r).transpose(), n).transpose();
    return Y;
}

Mat feedForwardRows(const Mat& X, const TransformerFeedForwardWeights& f)
{
    const Mat hidden = linearRows(X, f.linear1Weight, f.linear1Bias).cwiseMax(0.0);
    return linearRows(hidden, f.linear2Weight, f.linear2Bias);
}

// Multi-head attention of query rows Xq over key/value rows Xkv (both before projection); returns the
// out_proj output (m × d). causal: query row p sees key rows 0..p only (Xq and Xkv are the same sequence).
// weightsOut[i] (m × nk) receives head i's weights.
Mat multiHeadRows(const Mat& Xq, const Mat& Xkv, const TransformerAttentionWeights& a, int heads, bool causal,
                  std::vector<Mat>& weightsOut)
{
    const Eigen::Index d = Xq.cols(), dh = d / heads, m = Xq.rows(), nk = Xkv.rows();
    const double scale = 1.0 / std::sqrt(static_cast<double>(dh));
    const Mat Q = linearRows(Xq, a.inProjWeight.topRows(d), a.inProjBias.head(d));
    const Mat K = linearRows(Xkv, a.inProjWeight.middleRows(d, d), a.inProjBias.segment(d, d));
    const Mat V = linearRows(Xkv, a.inProjWeight.bottomRows(d), a.inProjBias.tail(d));
    Mat heads_(m, d);
    weightsOut.assign(static_cast<std::size_t>(heads), Mat());
    for (int i = 0; i < heads; ++i) {
        const Mat S = (Q.middleCols(i * dh, dh) * K.middleCols(i * dh, dh).transpose()) * scale;
        Mat A = Mat::Zero(m, nk);
        for (Eigen::Index r = 0; r < m; ++r) {
            const Eigen::Index seen = causal ? r + 1 : nk;
            A.row(r).head(seen) = softmax(S.row(r).head(seen).transpose()).transpose();
        }
        heads_.middleCols(i * dh, dh) = A * V.middleCols(i * dh, dh);
        weightsOut[static_cast<std::size_t>(i)] = std::move(A);
    }
    return linearRows(heads_, a.outProjWeight, a.outProjBias);
}

// E[x]·√d + PE(pos) for tokens at positions 0..n−1
Mat embedRows(const Mat& E, const std::vector<int>& ids, int dModel)
{
    const double s = std::sqrt(static_cast<double>(dModel));
    Mat X(static_cast<Eigen::Index>(ids.size()), dModel);
    for (std::size_t p = 0; p < ids.size(); ++p)
        X.row(static_cast<Eigen::Index>(p)) = E.row(ids[p]) * s + transformerPositionalEncoding(static_cast<int>(p), dModel).transpose();
    return X;
}

void checkIds(const std::vector<int>& ids, Eigen::Index vocab, const char* what)
{
    for (std::size_t p = 0; p < ids.size(); ++p)
        if (ids[p] < 0 || ids[p] >= vocab)
            throw ShapeError(std::string("transformer: ") + what + " token id " + std::to_string(ids[p]) + " at position "
                             + std::to_string(p) + " is outside the " + what + " vocabulary (ids 0.."
                             + std::to_string(vocab - 1) + ")");
}

template <class T>
void resizeNested(std::vector<std::vector<T>>& v, int layers, int heads)
{
    v.resize(static_cast<std::size_t>(layers));
    for (auto& l : v)
        l.resize(static_cast<std::size_t>(heads));
}

} // namespace

// ---------------------------------------------------------------------------------------------------------

void checkTransformerConfig(const TransformerConfig& c)
{
    auto positive = [](int v, const char* name) {
        if (v < 1)
            throw ShapeError(std::string("transformer: ") + name + " must be positive, found " + std::to_string(v));
    };
    positive(c.dModel, "d_model");
    positive(c.heads, "heads");
    positive(c.encoderLayers, "encoder_layers");
    positive(c.decoderLayers, "decoder_layers");
    positive(c.ffSize, "ff_size");
    positive(c.maxLen, "max_len");
    if (c.dModel % c.heads != 0)
        throw ShapeError("transformer: d_model " + std::to_string(c.dModel) + " is not divisible by heads "
                         + std::to_string(c.heads));
}

std::vector<TransformerSlot> transformerWeightSlots(TransformerWeights& w, const TransformerConfig& c,
                                                    int sourceVocab, int targetVocab)
{
    checkTransformerConfig(c);
    if (sourceVocab < 1 || targetVocab < 1)
        throw ShapeError("transformer: vocabularies must not be empty, found " + std::to_string(sourceVocab) + " source and "
                         + std::to_string(targetVocab) + " target tokens");
    const Eigen::Index d = c.dModel, ff = c.ffSize;
    w.encoderLayers.resize(static_cast<std::size_t>(c.encoderLayers));
    w.decoderLayers.resize(static_cast<std::size_t>(c.decoderLayers));
    std::vector<TransformerSlot> s;
    s.push_back({"encoder.embedding", sourceVocab, d, &w.encoderEmbedding, nullptr});
    s.push_back({"decoder.embedding", targetVocab, d, &w.decoderEmbedding, nullptr});
    for (int k = 0; k < c.encoderLayers; ++k) {
        const std::string p = "transformer.encoder.layers." + std::to_string(k);
        TransformerEncoderLayerWeights& l = w.encoderLayers[static_cast<std::size_t>(k)];
        addAttention(s, p + ".self_attn", l.selfAttn, d);
        addFeedForward(s, p, l.ff, d, ff);
        addNorm(s, p + ".norm1", l.norm1, d);
        addNorm(s, p + ".norm2", l.norm2, d);
    }
    addNorm(s, "transformer.encoder.norm", w.encoderNorm, d);
    for (int k = 0; k < c.decoderLayers; ++k) {
        const std::string p = "transformer.decoder.layers." + std::to_string(k);
        TransformerDecoderLayerWeights& l = w.decoderLayers[static_cast<std::size_t>(k)];
        addAttention(s, p + ".self_attn", l.selfAttn, d);
        addAttention(s, p + ".multihead_attn", l.crossAttn, d);
        addFeedForward(s, p, l.ff, d, ff);
        addNorm(s, p + ".norm1", l.norm1, d);
        addNorm(s, p + ".norm2", l.norm2, d);
        addNorm(s, p + ".norm3", l.norm3, d);
    }
    addNorm(s, "transformer.decoder.norm", w.decoderNorm, d);
    s.push_back({"out.weight", targetVocab, d, &w.outWeight, nullptr});
    s.push_back({"out.bias", targetVocab, -1, nullptr, &w.outBias});
    return s;
}

std::string transformerFfSizeWeightName()
{
    return "transformer.encoder.layers.0.linear1.weight";
}

std::optional<int> transformerFfSizeFromWeights(const std::function<std::optional<long long>(const std::string&)>& rowsOf)
{
    for (const char* name : {"transformer.encoder.layers.0.linear1.weight", "transformer.decoder.layers.0.linear1.weight"})
        if (std::optional<long long> rows = rowsOf(name); rows && *rows >= 1 && *rows <= 1'000'000)
            return static_cast<int>(*rows);
    return std::nullopt;
}

void checkTransformerWeights(const TransformerConfig& c, const TransformerWeights& w)
{
    checkTransformerConfig(c);
    if (w.encoderLayers.size() != static_cast<std::size_t>(c.encoderLayers)
        || w.decoderLayers.size() != static_cast<std::size_t>(c.decoderLayers))
        throw ShapeError("transformer: the weights have " + std::to_string(w.encoderLayers.size()) + " encoder and "
                         + std::to_string(w.decoderLayers.size()) + " decoder layers, the config "
                         + std::to_string(c.encoderLayers) + " and " + std::to_string(c.decoderLayers));
    // transformerWeightSlots only resizes the layer lists, which already have their sizes: nothing changes.
    auto& mw = const_cast<TransformerWeights&>(w);
    const int vs = static_cast<int>(std::max<Eigen::Index>(w.encoderEmbedding.rows(), 1));
    const int vt = static_cast<int>(std::max<Eigen::Index>(w.decoderEmbedding.rows(), 1));
    for (const TransformerSlot& s : transformerWeightSlots(mw, c, vs, vt)) {
        const Eigen::Index rows = s.matrix ? s.matrix->rows() : s.vector->size();
        const Eigen::Index cols = s.matrix ? s.matrix->cols() : -1;
        if (rows != s.rows || cols != s.cols)
            throw ShapeError("transformer: weight " + s.name + ": expected " + shapeText(s.rows, s.cols) + ", found "
                             + shapeText(rows, cols));
    }
}

Vec transformerPositionalEncoding(int pos, int dModel)
{
    Vec pe(dModel);
    for (int k = 0; k < dModel; k += 2) {
        // pos / 10000^(2i/d) with 2i = k (SPEC §4)
        const double angle = pos / std::pow(10000.0, static_cast<double>(k) / dModel);
        pe(k) = std::sin(angle);
        if (k + 1 < dModel)
            pe(k + 1) = std::cos(angle);
    }
    return pe;
}

// ---------------------------------------------------------------------------------------------------------

TransformerEncoding transformerEncode(const TransformerConfig& c, const TransformerWeights& w,
                                      const std::vector<int>& sourceIds)
{
    checkTransformerWeights(c, w);
    if (sourceIds.empty())
        throw ShapeError("transformer: the source is empty (expected 1 to max_len " + std::to_string(c.maxLen) + " tokens)");
    if (sourceIds.size() > static_cast<std::size_t>(c.maxLen))
        throw ShapeError("transformer: the source has " + std::to_string(sourceIds.size()) + " tokens, more than max_len "
                         + std::to_string(c.maxLen));
    checkIds(sourceIds, w.encoderEmbedding.rows(), "source");

    TransformerEncoding enc;
    enc.selfAttention.resize(static_cast<std::size_t>(c.encoderLayers));
    Mat X = embedRows(w.encoderEmbedding, sourceIds, c.dModel);
    for (int k = 0; k < c.encoderLayers; ++k) {
        const TransformerEncoderLayerWeights& l = w.encoderLayers[static_cast<std::size_t>(k)];
        X = layerNormRows(X + multiHeadRows(X, X, l.selfAttn, c.heads, false, enc.selfAttention[static_cast<std::size_t>(k)]), l.norm1);
        X = layerNormRows(X + feedForwardRows(X, l.ff), l.norm2);
    }
    enc.memory = layerNormRows(X, w.encoderNorm);
    return enc;
}

TransformerDecoderCache transformerStartDecoding(const TransformerConfig& c, const TransformerWeights& w,
                                                 const TransformerEncoding& enc)
{
    checkTransformerWeights(c, w);
    const Eigen::Index d = c.dModel, n = enc.memory.rows();
    if (n < 1 || enc.memory.cols() != d)
        throw ShapeError("transformer: the encoding's memory is " + shapeText(n, enc.memory.cols()) + ", expected n × "
                         + std::to_string(d) + " with n ≥ 1");
    TransformerDecoderCache cache;
    auto keys = std::make_shared<std::vector<Mat>>();
    auto values = std::make_shared<std::vector<Mat>>();
    const Mat memT = enc.memory.transpose();  // d × n, one source position per column
    for (const TransformerDecoderLayerWeights& l : w.decoderLayers) {
        Mat K = l.crossAttn.inProjWeight.middleRows(d, d) * memT;
        K.colwise() += l.crossAttn.inProjBias.segment(d, d);
        Mat V = l.crossAttn.inProjWeight.bottomRows(d) * memT;
        V.colwise() += l.crossAttn.inProjBias.tail(d);
        keys->push_back(std::move(K));
        values->push_back(std::move(V));
        cache.selfKeys.emplace_back(d, c.maxLen);
        cache.selfValues.emplace_back(d, c.maxLen);
    }
    cache.crossKeys = std::move(keys);
    cache.crossValues = std::move(values);
    return cache;
}

namespace {

// W x, with W's float32 copy Wf when given (x rounded to float, the product back to double).
Vec product(const Eigen::Ref<const Mat>& W, const MatRF* Wf, const Vec& x)
{
    if (Wf)
        return (*Wf * x.cast<float>()).cast<double>();
    return W * x;
}

} // namespace

void transformerDecodeStep(const TransformerConfig& c, const TransformerWeights& w, const TransformerEncoding& enc,
                           TransformerDecoderCache& cache, int prevToken, TransformerStep& out,
                           const Vec* overrideWeights, const std::vector<TransformerDecoderLayerF>* float32, bool logits)
{
    const Eigen::Index d = c.dModel, dh = c.headSize(), n = enc.memory.rows();
    const int L = c.decoderLayers, h = c.heads;
    const std::size_t Ls = static_cast<std::size_t>(L);
    if (!cache.crossKeys || !cache.crossValues || cache.selfKeys.size() != Ls || cache.crossKeys->size() != Ls
        || (*cache.crossKeys)[0].rows() != d || (*cache.crossKeys)[0].cols() != n || cache.selfKeys[0].cols() != c.maxLen)
        throw ShapeError("transformer: the decoder cache does not belong to this model and encoding "
                         "(make it with transformerStartDecoding)");
    const int p = cache.steps;  // position fed now
    if (p >= c.maxLen)
        throw ShapeError("transformer: decoding step " + std::to_string(p + 1) + " is beyond max_len " + std::to_string(c.maxLen));
    if (prevToken < 0 || prevToken >= w.decoderEmbedding.rows())
        throw ShapeError("transformer: target token id " + std::to_string(prevToken) + " is outside the target vocabulary (ids 0.."
                         + std::to_string(w.decoderEmbedding.rows() - 1) + ")");
    if (float32 && float32->size() != Ls)
        throw ShapeError("transformer: " + std::to_string(float32->size()) + " float32 decoder layers for a model of "
                         + std::to_string(L));
    if (overrideWeights && overrideWeights->size() != n)
        throw ShapeError("transformer: the attention override has " + std::to_string(overrideWeights->size())
                         + " weights, the source " + std::to_string(n) + " tokens");

    const double scale = 1.0 / std::sqrt(static_cast<double>(dh));
    out.t = p + 1;
    out.overridden = overrideWeights != nullptr;
    resizeNested(out.crossAttention, L, h);
    resizeNested(out.selfAttention, L, h);
    resizeNested(out.query, L, h);
    resizeNested(out.scores, L, h);
    resizeNested(out.context, L, h);
    out.layerOutputs.resize(Ls);

    Vec x = w.decoderEmbedding.row(prevToken).transpose() * std::sqrt(static_cast<double>(d))
            + transformerPositionalEncoding(p, c.dModel);
    Vec heads(d);
    for (int k = 0; k < L; ++k) {
        const std::size_t ks = static_cast<std::size_t>(k);
        const TransformerDecoderLayerWeights& l = w.decoderLayers[ks];
        const TransformerDecoderLayerF* f = float32 ? &(*float32)[ks] : nullptr;
        // causal self-attention: this position's query over the cached keys of positions 0..p
        const Vec qkv = product(l.selfAttn.inProjWeight, f ? &f->selfInProj : nullptr, x) + l.selfAttn.inProjBias;
        Mat& Ks = cache.selfKeys[ks];
        Mat& Vs = cache.selfValues[ks];
        Ks.col(p) = qkv.segment(d, d);
        Vs.col(p) = qkv.tail(d);
        for (int i = 0; i < h; ++i) {
            const Vec s = Ks.block(i * dh, 0, dh, p + 1).transpose() * qkv.segment(i * dh, dh) * scale;
            Vec& a = out.selfAttention[ks][static_cast<std::size_t>(i)];
            a = softmax(s);
            heads.segment(i * dh, dh) = Vs.block(i * dh, 0, dh, p + 1) * a;
        }
        x = layerNorm(x + product(l.selfAttn.outProjWeight, f ? &f->selfOutProj : nullptr, heads) + l.selfAttn.outProjBias, l.norm1);

        // cross-attention over the memory
        const Vec q = product(l.crossAttn.inProjWeight.topRows(d), f ? &f->crossQuery : nullptr, x) + l.crossAttn.inProjBias.head(d);
        const Mat& Kc = (*cache.crossKeys)[ks];
        const Mat& Vc = (*cache.crossValues)[ks];
        const bool replace = overrideWeights && k == L - 1;
        for (int i = 0; i < h; ++i) {
            const std::size_t is = static_cast<std::size_t>(i);
            out.query[ks][is] = q.segment(i * dh, dh);
            out.scores[ks][is] = Kc.middleRows(i * dh, dh).transpose() * out.query[ks][is] * scale;
            out.crossAttention[ks][is] = replace ? *overrideWeights : softmax(out.scores[ks][is]);
            out.context[ks][is] = Vc.middleRows(i * dh, dh) * out.crossAttention[ks][is];
            heads.segment(i * dh, dh) = out.context[ks][is];
        }
        x = layerNorm(x + product(l.crossAttn.outProjWeight, f ? &f->crossOutProj : nullptr, heads) + l.crossAttn.outProjBias, l.norm2);

        // feed-forward
        const Vec hidden = (product(l.ff.linear1Weight, f ? &f->linear1 : nullptr, x) + l.ff.linear1Bias).cwiseMax(0.0);
        x = layerNorm(x + product(l.ff.linear2Weight, f ? &f->linear2 : nullptr, hidden) + l.ff.linear2Bias, l.norm3);
        out.layerOutputs[ks] = x;
    }
    out.output = layerNorm(x, w.decoderNorm);
    if (logits)
        out.logits = w.outWeight * out.output + w.outBias;
    else
        out.logits.resize(0);
    out.weights = Vec::Zero(n);
    for (const Vec& a : out.crossAttention[Ls - 1])
        out.weights += a;
    out.weights /= static_cast<double>(h);
    cache.steps = p + 1;
}

TransformerSequenceDecoding transformerDecodeSequence(const TransformerConfig& c, const TransformerWeights& w,
                                                      const TransformerEncoding& enc, const std::vector<int>& inputs)
{
    checkTransformerWeights(c, w);
    if (inputs.empty() || inputs.size() > static_cast<std::size_t>(c.maxLen))
        throw ShapeError("transformer: expected 1 to max_len " + std::to_string(c.maxLen) + " decoder inputs, found "
                         + std::to_string(inputs.size()));
    if (enc.memory.rows() < 1 || enc.memory.cols() != c.dModel)
        throw ShapeError("transformer: the encoding's memory is " + shapeText(enc.memory.rows(), enc.memory.cols())
                         + ", expected n × " + std::to_string(c.dModel));
    checkIds(inputs, w.decoderEmbedding.rows(), "target");
    TransformerSequenceDecoding r;
    r.selfAttention.resize(static_cast<std::size_t>(c.decoderLayers));
    r.crossAttention.resize(static_cast<std::size_t>(c.decoderLayers));
    Mat X = embedRows(w.decoderEmbedding, inputs, c.dModel);
    for (int k = 0; k < c.decoderLayers; ++k) {
        const std::size_t ks = static_cast<std::size_t>(k);
        const TransformerDecoderLayerWeights& l = w.decoderLayers[ks];
        X = layerNormRows(X + multiHeadRows(X, X, l.selfAttn, c.heads, true, r.selfAttention[ks]), l.norm1);
        X = layerNormRows(X + multiHeadRows(X, enc.memory, l.crossAttn, c.heads, false, r.crossAttention[ks]), l.norm2);
        X = layerNormRows(X + feedForwardRows(X, l.ff), l.norm3);
    }
    r.output = layerNormRows(X, w.decoderNorm);
    r.logits = linearRows(r.output, w.outWeight, w.outBias);
    return r;
}

} // namespace attnviz
