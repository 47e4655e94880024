#pragma once
// Y = W X for a weight matrix W and a few columns X (a beam's hypotheses, issue 17).
#include <Eigen/Core>

#include <algorithm>

namespace attnviz {

// W (R × C, column-major), X (C × B) → Y (R × B), S = float or double.
// B = 1 is Eigen's GEMV. For 2 ≤ B ≤ 16, W is read once, in blocks of rows whose part of Y (rows × B) stays in
// the L1 cache: Y_block += W_block(:, j) X(j, b) for every column j of W and every b — B vectorised axpys per
// column piece. Eigen's GEMM would first copy ("pack") all of W into its own layout at every call: for a few
// columns that copy costs as much as the products (perf: gemm_pack_lhs ≈ 2× the kernel at B = 5), and a
// decoding step multiplies by each weight matrix once. More columns: Eigen's GEMM, where packing pays off.
template <typename S>
void productFewColumns(const Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>& W, const Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>& X,
                       Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>& Y)
{
    const Eigen::Index R = W.rows(), C = W.cols(), B = X.cols();
    if (B == 1 || B > 16) {
        Y.noalias() = W * X;
        return;
    }
    constexpr Eigen::Index kBlockBytes = 2048;  // a piece of one column of W: Y's block is B × that, in L1
    const Eigen::Index block = std::max<Eigen::Index>(64, kBlockBytes / static_cast<Eigen::Index>(sizeof(S)));
    Y.setZero(R, B);
    for (Eigen::Index r0 = 0; r0 < R; r0 += block) {
        const Eigen::Index n = std::min(block, R - r0);
        for (Eigen::Index j = 0; j < C; ++j) {
            const auto w = W.col(j).segment(r0, n);
            for (Eigen::Index b = 0; b < B; ++b)
                Y.col(b).segment(r0, n) += w * X(j, b);
        }
    }
}

} // namespace attnviz
