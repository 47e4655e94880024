#pragma once
// Y = W X for a weight matrix W and a few columns X: a decoding step's products, one column per beam
// hypothesis (greedy: one). Issue 17.
#include <Eigen/Core>

#include <algorithm>

namespace attnviz {

namespace detail {

// Y (V × B, column-major, leading dimension ldy) = W (V × F, row-major) X (F × B, column-major, contiguous):
// rows of W four at a time, 4·B accumulators of one SIMD register each; W is read once whatever B is, X's B
// pieces of 64 bytes are reloaded from L1 for every 4 rows. 4 rows × B ≤ 8 columns = at most 32 accumulators.
template <typename S, int B>
void rowsTimesColumns(const S* W, Eigen::Index V, Eigen::Index F, const S* X, S* Y, Eigen::Index ldy)
{
    constexpr int L = 64 / static_cast<int>(sizeof(S));  // numbers in 64 bytes: one AVX-512 register
    constexpr int R = 4;
    using P = Eigen::Array<S, L, 1>;
    const Eigen::Index F0 = F / L * L;
    Eigen::Index v = 0;
    for (; v + R <= V; v += R) {
        P acc[R][B];
        for (int r = 0; r < R; ++r)
            for (int b = 0; b < B; ++b)
                acc[r][b].setZero();
        for (Eigen::Index j = 0; j < F0; j += L) {
            P x[B];
            for (int b = 0; b < B; ++b)
                x[b] = Eigen::Map<const P>(X + b * F + j);
            for (int r = 0; r < R; ++r) {
                const P w = Eigen::Map<const P>(W + (v + r) * F + j);
                for (int b = 0; b < B; ++b)
                    acc[r][b] += w * x[b];
            }
        }
        for (int r = 0; r < R; ++r)
            for (int b = 0; b < B; ++b) {
                S s = acc[r][b].sum();
                for (Eigen::Index j = F0; j < F; ++j)
                    s += W[(v + r) * F + j] * X[b * F + j];
                Y[b * ldy + v + r] = s;
            }
    }
    for (; v < V; ++v)
        for (int b = 0; b < B; ++b) {
            S s = 0;
            for (Eigen::Index j = 0; j < F; ++j)
                s += W[v * F + j] * X[b * F + j];
            Y[b * ldy + v] = s;
        }
}

} // namespace detail

// W (V × F, row-major) X (F × B) → Y (V × B). Every weight is read once per call, for any B: beam search's k
// hypotheses cost one pass over W (measured here, V 8,000 × F 896 in float32: 1.3 ms for B = 5 against 3.5 ms
// for five GEMVs and 2.3 ms for Eigen's GEMM, which copies — packs — W at every call).
template <typename S>
void productFewColumns(const Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>& W,
                       const Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>& X, Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>& Y)
{
    const Eigen::Index V = W.rows(), F = W.cols(), B = X.cols();
    Y.resize(V, B);
    for (Eigen::Index b0 = 0; b0 < B; b0 += 8) {
        const S* x = X.data() + b0 * F;
        S* y = Y.data() + b0 * V;
        switch (std::min<Eigen::Index>(8, B - b0)) {
        case 1: detail::rowsTimesColumns<S, 1>(W.data(), V, F, x, y, V); break;
        case 2: detail::rowsTimesColumns<S, 2>(W.data(), V, F, x, y, V); break;
        case 3: detail::rowsTimesColumns<S, 3>(W.data(), V, F, x, y, V); break;
        case 4: detail::rowsTimesColumns<S, 4>(W.data(), V, F, x, y, V); break;
        case 5: detail::rowsTimesColumns<S, 5>(W.data(), V, F, x, y, V); break;
        case 6: detail::rowsTimesColumns<S, 6>(W.data(), V, F, x, y, V); break;
        case 7: detail::rowsTimesColumns<S, 7>(W.data(), V, F, x, y, V); break;
        default: detail::rowsTimesColumns<S, 8>(W.data(), V, F, x, y, V); break;
        }
    }
}

// W column-major (the model's own float64 weights, the reference path): Eigen's GEMV per column below four
// columns, its GEMM from four on (where the packing pays for itself).
template <typename S>
void productFewColumns(const Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>& W, const Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>& X,
                       Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>& Y)
{
    if (X.cols() >= 4) {
        Y.noalias() = W * X;
        return;
    }
    Y.resize(W.rows(), X.cols());
    for (Eigen::Index b = 0; b < X.cols(); ++b)
        Y.col(b).noalias() = W * X.col(b);
}

} // namespace attnviz
