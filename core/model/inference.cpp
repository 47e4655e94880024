#include "core/model/inference.h"

#include "core/model/model.h"

#include <algorithm>
#include <cmath>

namespace attnviz {

std::optional<Precision> precisionFromId(const std::string& id)
{
    if (id == "float32") return Precision::Float32;
    if (id == "float64") return Precision::Float64;
    return std::nullopt;
}

std::string precisionId(Precision p)
{
    return p == Precision::Float32 ? "float32" : "float64";
}

namespace {

// Visits every (float64 weight, float32 copy) pair of `model`; false when the layer counts differ.
template <typename F>
bool forEachPair(const Model& m, const InferenceWeights& w, F&& f)
{
    if (m.isTransformer()) {
        const TransformerWeights& t = m.weights.transformer;
        if (w.transformerDecoder.size() != t.decoderLayers.size())
            return false;
        for (std::size_t k = 0; k < t.decoderLayers.size(); ++k) {
            const TransformerDecoderLayerWeights& l = t.decoderLayers[k];
            const TransformerDecoderLayerF& lf = w.transformerDecoder[k];
            const Eigen::Index d = l.selfAttn.outProjWeight.rows();
            if (!f(l.selfAttn.inProjWeight, lf.selfInProj) || !f(l.selfAttn.outProjWeight, lf.selfOutProj)
                || !f(l.crossAttn.inProjWeight.topRows(d), lf.crossQuery) || !f(l.crossAttn.outProjWeight, lf.crossOutProj)
                || !f(l.ff.linear1Weight, lf.linear1) || !f(l.ff.linear2Weight, lf.linear2))
                return false;
        }
        return f(t.outWeight, w.out) && f(t.outBias, w.outBias);
    }
    if (w.decoder.size() != m.weights.decoder.size() || w.encoder.size() != m.weights.encoder.size())
        return false;
    const auto cells = [&](const RnnWeights& r, const RnnWeightsF& rf) {
        return f(r.weight_ih, rf.weight_ih) && f(r.weight_hh, rf.weight_hh) && f(r.bias_ih, rf.bias_ih) && f(r.bias_hh, rf.bias_hh);
    };
    for (std::size_t k = 0; k < m.weights.encoder.size(); ++k)
        if (!cells(m.weights.encoder[k], w.encoder[k]))
            return false;
    if (m.topology.bidirectionalBottom && !cells(m.weights.encoderReverse, w.encoderReverse))
        return false;
    for (std::size_t k = 0; k < m.weights.decoder.size(); ++k) {
        const RnnWeights& r = m.weights.decoder[k];
        const RnnWeightsF& rf = w.decoder[k];
        if (!f(r.weight_ih, rf.weight_ih) || !f(r.weight_hh, rf.weight_hh) || !f(r.bias_ih, rf.bias_ih) || !f(r.bias_hh, rf.bias_hh))
            return false;
    }
    if (m.topology.attentionalState && !f(m.weights.combineWeight, w.combine))
        return false;
    return f(m.weights.outWeight, w.out) && f(m.weights.outBias, w.outBias);
}

// Does `copy` still hold `source` rounded to float? Every element of a small matrix (≤ 4,096) or any vector; 64
// evenly spread elements of a larger matrix (a full comparison would read as many bytes as a rebuild).
template <typename D, typename Fl>
bool stillMatches(const Eigen::MatrixBase<D>& source, const Eigen::MatrixBase<Fl>& copy)
{
    if (source.rows() != copy.rows() || source.cols() != copy.cols())
        return false;
    const Eigen::Index n = source.size();
    constexpr Eigen::Index kFull = 4096, kSamples = 64;  // a GNMT model checked in full cost as much as its products
    const bool vector = source.cols() == 1;
    const Eigen::Index stride = (vector || n <= kFull) ? 1 : n / kSamples;
    for (Eigen::Index i = 0; i < n; i += stride) {
        const Eigen::Index r = i % source.rows(), c = i / source.rows();
        if (static_cast<float>(source(r, c)) != copy(r, c))
            return false;
    }
    return true;
}

} // namespace

std::shared_ptr<const InferenceWeights> buildInferenceWeights(const Model& m)
{
    auto w = std::make_shared<InferenceWeights>();
    if (m.isTransformer()) {
        const TransformerWeights& t = m.weights.transformer;
        for (const TransformerDecoderLayerWeights& l : t.decoderLayers) {
            const Eigen::Index d = l.selfAttn.outProjWeight.rows();
            w->transformerDecoder.push_back({l.selfAttn.inProjWeight.cast<float>(), l.selfAttn.outProjWeight.cast<float>(),
                                             l.crossAttn.inProjWeight.topRows(d).cast<float>(), l.crossAttn.outProjWeight.cast<float>(),
                                             l.ff.linear1Weight.cast<float>(), l.ff.linear2Weight.cast<float>()});
        }
        w->out = t.outWeight.cast<float>();
        w->outBias = t.outBias.cast<float>();
        return w;
    }
    const auto cells = [](const RnnWeights& r) {
        return RnnWeightsF{r.weight_ih.cast<float>(), r.weight_hh.cast<float>(), r.bias_ih.cast<float>(), r.bias_hh.cast<float>()};
    };
    for (const RnnWeights& r : m.weights.encoder)
        w->encoder.push_back(cells(r));
    if (m.topology.bidirectionalBottom)
        w->encoderReverse = cells(m.weights.encoderReverse);
    for (const RnnWeights& r : m.weights.decoder)
        w->decoder.push_back(cells(r));
    if (m.topology.attentionalState)
        w->combine = m.weights.combineWeight.cast<float>();
    w->out = m.weights.outWeight.cast<float>();
    w->outBias = m.weights.outBias.cast<float>();
    return w;
}

void InferenceCache::reset()
{
    const std::lock_guard<std::mutex> lock(mutex_);
    weights_.reset();
}

std::shared_ptr<const InferenceWeights> InferenceCache::get(const Model& model) const
{
    const std::lock_guard<std::mutex> lock(mutex_);
    if (weights_ && forEachPair(model, *weights_, [](const auto& s, const auto& c) { return stillMatches(s, c); }))
        return weights_;
    weights_ = buildInferenceWeights(model);
    ++builds_;
    return weights_;
}

int InferenceCache::builds() const
{
    const std::lock_guard<std::mutex> lock(mutex_);
    return builds_;
}

namespace {

template <typename S>
void softmaxTopKImpl(const S* l, Eigen::Index V, int k, TopLogProbs& out)
{
    out.ids.clear();
    out.logProbs.clear();
    if (V <= 0)
        return;
    const auto keep = static_cast<std::size_t>(std::max(1, static_cast<int>(std::min<Eigen::Index>(k, V))));
    // 1. the `keep` largest logits, best first; a later equal value never displaces an earlier one (ties to
    //    the lower id), so the comparison with the current last is strict.
    std::vector<int>& ids = out.ids;
    ids.reserve(keep + 1);
    for (Eigen::Index j = 0; j < V; ++j) {
        const S v = l[j];
        if (ids.size() == keep && !(v > l[ids.back()]))
            continue;
        auto at = std::upper_bound(ids.begin(), ids.end(), v, [&](S value, int id) { return value > l[id]; });
        ids.insert(at, static_cast<int>(j));
        if (ids.size() > keep)
            ids.pop_back();
    }
    // 2. Σ exp(l − m) in one vectorised pass, no probability vector kept.
    const S m = l[ids.front()];
    const Eigen::Map<const Eigen::Matrix<S, Eigen::Dynamic, 1>> col(l, V);
    const double z = static_cast<double>((col.array() - m).exp().sum());
    out.logNormaliser = static_cast<double>(m) + std::log(z);
    if (k <= 0)
        ids.clear();
    for (int id : ids)
        out.logProbs.push_back(static_cast<double>(l[id]) - out.logNormaliser);
}

} // namespace

void softmaxTopK(const float* logits, Eigen::Index V, int k, TopLogProbs& out)
{
    softmaxTopKImpl(logits, V, k, out);
}

void softmaxTopK(const double* logits, Eigen::Index V, int k, TopLogProbs& out)
{
    softmaxTopKImpl(logits, V, k, out);
}

} // namespace attnviz
