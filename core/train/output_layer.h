#pragma once
// The output layer and its loss for training, split over the target vocabulary across threads
// (the "vocabulary-parallel" output embedding of Shoeybi et al. 2019, Megatron-LM, §3): W_out is cut into
// blocks of rows, a thread takes a block, computes its logits for every target position of the batch, and
// the softmax is assembled from per-block maxima and sums; then it writes that block's rows of dW and db —
// no V-wide gradient is summed across threads. The input gradient dX = G W is split by columns. Blocks are
// handed out as threads come free (a thread sharing its core with other work does fewer), and the numbers do
// not depend on the thread count. Off the tape: the features come from the batch parts' tapes, and dX is fed back to
// them with Tape::backwardFrom. Same maths as ad::linearCrossEntropySum (tested against it).
#include "core/numeric/types.h"

#include <vector>

namespace attnviz {

// One batch part's features and targets: x (R_p × I), targets and weights (R_p); weight 0 skips a row.
struct OutputRows {
    const Mat* x = nullptr;
    const std::vector<int>* targets = nullptr;
    const Vec* weights = nullptr;
};

// loss = Σ_parts Σ_r w_r · (−log softmax(x_r Wᵀ + b)_{target_r}); returns it and sets
//   dX[p] (R_p × I) = ∂loss/∂x_p, dW (V × I) = ∂loss/∂W, db (V × 1) = ∂loss/∂b  (resized if needed).
// W: (V × I), b: (V × 1). float32: the products in single precision, with Wf (V × I) W's float copy
// (nullptr: converted here), and the weight gradient in float, in dWf (dW is left alone); float64: in dW. threads: vocabulary parts (≥ 1). Throws ShapeError for shapes that do not fit
// or a target outside [0, V).
double outputLayerLoss(const std::vector<OutputRows>& parts, const Mat& W, const Mat& b, bool float32,
                       const Eigen::MatrixXf* Wf, int threads, std::vector<Mat>& dX, Mat& dW, Eigen::MatrixXf& dWf,
                       Mat& db);

} // namespace attnviz
