#pragma once
// One decoder step of a recurrent preset for B hypotheses at once (issue 17): beam search steps its k live
// hypotheses together, greedy decoding is B = 1. The same maths as decoderStep() (core/model/encoder_decoder.h),
// laid out so every weight is read once per step, not once per hypothesis:
//   gates (G·H × B) = W_ih X + b_ih 1ᵀ, W_hh H_prev + b_hh 1ᵀ    X: the B layer inputs as columns
//   logits (V_t × B) = W_out F + b_out 1ᵀ                           F: the B output-layer inputs as columns
// one product each (core/numeric/few_columns.h) instead of B GEMVs. Attention (n × dk per hypothesis) stays per
// hypothesis, in float64. Precision::Float32 multiplies by the model's float32 copies (core/model/inference.h);
// Float64 by its own weights.
#include "core/model/encoder_decoder.h"
#include "core/model/inference.h"

#include <memory>
#include <optional>
#include <vector>

namespace attnviz {

// encode() (core/model/encoder_decoder.h) with float32 products by `f`'s copies of the encoder cells: each layer's
// input projection for all n positions in one product (W_ih X, G·H × n), then the recurrence (W_hh h per position).
// The encoding holds double numbers, as encode()'s. Throws ShapeError as encode() does.
Encoding encodeFloat32(const Model& model, const std::vector<int>& sourceIds, const InferenceWeights& f);

// What one hypothesis's step computed besides its new state.
struct HypothesisStep {
    Vec query;                                 // empty without attention
    std::optional<AttentionResult> attention;  // scores, weights, alignment, context
};

class RecurrentBatchStep {
public:
    // float32: f32 = model.inference.get(model) when not given.
    RecurrentBatchStep(const Model& model, const Encoding& enc, Precision precision, std::shared_ptr<const InferenceWeights> f32 = nullptr);
    ~RecurrentBatchStep();
    RecurrentBatchStep(const RecurrentBatchStep&) = delete;
    RecurrentBatchStep& operator=(const RecurrentBatchStep&) = delete;

    // Steps B = prev.size() hypotheses: input y_{t−1} = prevTokens[b], state s_{t−1} = *prev[b] → next[b]
    // (resized to B), steps[b]. overrideWeights (what-if, not normalised): every hypothesis's softmax weights
    // are replaced by them. Afterwards topLogProbs()/logit() read hypothesis b's logits.
    void step(const std::vector<int>& prevTokens, const std::vector<const DecoderState*>& prev, std::vector<DecoderState>& next,
              std::vector<HypothesisStep>& steps, const Vec* overrideWeights);
    // Fused softmax + top-k over hypothesis b's logits (core/model/inference.h).
    void topLogProbs(Eigen::Index b, int k, TopLogProbs& out) const;
    double logit(Eigen::Index b, int id) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace attnviz
