#pragma once
// Float32 inference (issue 17). The models ship float32 weights, and a decoding step is dominated by the
// output projection W_out (V_t × F): a memory-bound product that streams every weight once per step, so
// float64 reads twice the bytes it needs. Decoding (greedy, beam search, the window's traces) runs in float32
// by default: the matrices a decoder step multiplies by are held once per model as float32 copies (built on
// first use, InferenceCache), the products run in single precision, and the numbers between them (states,
// attention, the trace) stay double. float64 (the model's own weights) remains for gradient checks, golden
// tests and `--precision float64`; both agree within 1e-4 (SPEC tolerance, tests/core/tst_precision.cpp).
#include "core/numeric/types.h"

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace attnviz {

struct Model;

enum class Precision { Float32, Float64 };

std::optional<Precision> precisionFromId(const std::string& id);  // "float32", "float64"
std::string precisionId(Precision p);

using MatF = Eigen::MatrixXf;
using VecF = Eigen::VectorXf;
// The float32 copies are row-major: a row of W is contiguous, so a product with a few columns reads W once
// (core/numeric/few_columns.h), and a matrix–vector product is a run of dot products.
using MatRF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// One recurrent layer in float32 (same layout as RnnWeights, core/numeric/cells.h).
struct RnnWeightsF {
    MatRF weight_ih, weight_hh;  // (G·H × I), (G·H × H)
    VecF bias_ih, bias_hh;      // (G·H)
};

// A transformer decoder layer's matrices in float32 (core/model/transformer.h layout).
struct TransformerDecoderLayerF {
    MatRF selfInProj, selfOutProj, crossQuery, crossOutProj, linear1, linear2;  // 3d × d, d × d, d × d, d × d, ff × d, d × ff
};

// The float32 copies decoding multiplies by. Recurrent presets: encoder and decoder cells, combine (Luong W_c),
// out; a transformer: its decoder layers' projections and out.
struct InferenceWeights {
    std::vector<RnnWeightsF> encoder;                 // l0..l{L-1}
    RnnWeightsF encoderReverse;                       // l0_reverse (bidirectional bottom only)
    std::vector<RnnWeightsF> decoder;                 // l0..l{L-1}
    MatRF combine;                                    // (H × (dk + H)), luong only
    std::vector<TransformerDecoderLayerF> transformerDecoder;
    MatRF out;                                        // (V_t × F)
    VecF outBias;                                     // (V_t)
};

// Builds the float32 copies of `model`'s decoding weights (each rounded to the nearest float).
std::shared_ptr<const InferenceWeights> buildInferenceWeights(const Model& model);

// Per-model holder of the float32 copies, made on first use. get() checks that the copies still match the
// model's weights (shapes, every bias, every weight of a matrix of up to 4,096, and 64 evenly spread weights of a
// larger one) and rebuilds them when they do not, so training between two decodings
// (timeline snapshots) never decodes stale weights. weightSlots() (core/model/model.h), which hands out the
// weights for writing, resets it too. Copying a model gives the copy an empty holder. Thread-safe.
class InferenceCache {
public:
    InferenceCache() = default;
    InferenceCache(const InferenceCache&) {}
    InferenceCache(InferenceCache&&) noexcept {}  // noexcept: a Model still moves (not copies) in a growing vector
    InferenceCache& operator=(const InferenceCache&)
    {
        reset();
        return *this;
    }
    InferenceCache& operator=(InferenceCache&&) noexcept
    {
        reset();
        return *this;
    }
    void reset();
    std::shared_ptr<const InferenceWeights> get(const Model& model) const;
    int builds() const;  // how many times the copies were made (tests)

private:
    mutable std::mutex mutex_;
    mutable std::shared_ptr<const InferenceWeights> weights_;
    mutable int builds_ = 0;
};

// Softmax and top-k fused over one column of logits l (V), without forming the V probabilities:
// pass 1 keeps the k largest logits (best first, ties to the lower id; the first is the maximum m),
// pass 2 sums exp(l − m). log p_j = l_j − m − log Σ exp(l − m)  (SPEC §1: the maximum subtracted).
struct TopLogProbs {
    std::vector<int> ids;           // the k most probable ids, best first
    std::vector<double> logProbs;   // their log-probabilities
    double logNormaliser = 0.0;     // m + log Σ exp(l − m): log p_j = l_j − logNormaliser
};
void softmaxTopK(const float* logits, Eigen::Index V, int k, TopLogProbs& out);
void softmaxTopK(const double* logits, Eigen::Index V, int k, TopLogProbs& out);

} // namespace attnviz
