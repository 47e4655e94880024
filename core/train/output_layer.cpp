#include "core/train/output_layer.h"

#include "core/formats/error.h"
#include "core/train/parallel.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace attnviz {

namespace {

std::string shapeStr(const Mat& m)
{
    return std::to_string(m.rows()) + " × " + std::to_string(m.cols());
}

struct Row {
    std::size_t part = 0;
    Eigen::Index row = 0;
    int target = 0;
    double weight = 0.0;
};

// Wc: W in precision S (V × I).
// dW: the weight gradient in S (float: handed to Adam as it is — a V × I double copy would cost a pass).
template <typename S, typename WMat>
double vocabParallelLoss(const std::vector<OutputRows>& parts, const std::vector<Row>& rows, const WMat& Wc, const Mat& b,
                         int threads, std::vector<Mat>& dX, Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>& dW, Mat& db)
{
    using M = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;
    using V = Eigen::Matrix<S, Eigen::Dynamic, 1>;
    const Eigen::Index Vt = Wc.rows(), I = Wc.cols(), R = static_cast<Eigen::Index>(rows.size());
    // Xs (R × I): the rows that count, in S.
    M Xs(R, I);
    for (Eigen::Index r = 0; r < R; ++r) {
        const Row& row = rows[static_cast<std::size_t>(r)];
        Xs.row(r) = parts[row.part].x->row(row.row).template cast<S>();
    }
    // Vocabulary blocks [v_q, v_q + n_q) of about V/8 rows (multiples of 16: whole SIMD registers), taken by
    // the threads as they come free. The blocks do not depend on the thread count, nor does any sum below:
    // the output layer gives the same numbers with any number of threads.
    const Eigen::Index blockRows = std::max<Eigen::Index>(64, (Vt / 8 + 15) / 16 * 16);
    const int Q = static_cast<int>((Vt + blockRows - 1) / blockRows);
    const auto range = [&](int q) {
        const Eigen::Index v0 = blockRows * q;
        return std::pair<Eigen::Index, Eigen::Index>{v0, std::min(blockRows, Vt - v0)};
    };
    M L(Vt, R);  // column r: row r's logits, then its probabilities, then its gradient
    std::vector<V> mx(static_cast<std::size_t>(Q));
    std::vector<Eigen::VectorXd> sum(static_cast<std::size_t>(Q));
    std::vector<double> targetLogit(static_cast<std::size_t>(R), 0.0);

    // 1. L_q (n_q × R) = W_q Xsᵀ + b_q 1ᵀ: column r holds row r's logits over [v_q, v_q + n_q); column maxima.
    parallelTasks(threads, Q, [&](int q) {
        const auto [v0, n] = range(q);
        auto Lq = L.middleRows(v0, n);
        Lq.noalias() = Wc.middleRows(v0, n) * Xs.transpose();
        Lq.colwise() += b.col(0).segment(v0, n).template cast<S>();
        mx[static_cast<std::size_t>(q)] = Lq.colwise().maxCoeff().transpose();
        for (Eigen::Index r = 0; r < R; ++r) {
            const int y = rows[static_cast<std::size_t>(r)].target;
            if (y >= v0 && y < v0 + n)
                targetLogit[static_cast<std::size_t>(r)] = static_cast<double>(Lq(y - v0, r));
        }
    });
    // The row maxima over all blocks (softmax with the maximum subtracted, SPEC §1).
    V rowMax = mx[0];
    for (int q = 1; q < Q; ++q)
        rowMax = rowMax.cwiseMax(mx[static_cast<std::size_t>(q)]);

    // 2. E_q = exp(L_q − max) in place; per-block sums (in double), added in block order.
    parallelTasks(threads, Q, [&](int q) {
        const auto [v0, n] = range(q);
        Eigen::VectorXd& s = sum[static_cast<std::size_t>(q)];
        s.resize(R);
        for (Eigen::Index r = 0; r < R; ++r) {
            auto col = L.col(r).segment(v0, n);
            col = (col.array() - rowMax(r)).exp().matrix();
            s(r) = col.template cast<double>().sum();
        }
    });
    Eigen::VectorXd Z = sum[0];
    for (int q = 1; q < Q; ++q)
        Z += sum[static_cast<std::size_t>(q)];
    double loss = 0.0;
    for (Eigen::Index r = 0; r < R; ++r) {  // −log p_y = log Z − (logit_y − max)
        const Row& row = rows[static_cast<std::size_t>(r)];
        loss += row.weight * (std::log(Z(r)) - (targetLogit[static_cast<std::size_t>(r)] - static_cast<double>(rowMax(r))));
    }

    // 3. G_q = w (p − onehot(y)) in place; dW_q = G_q Xs, db_q = G_q 1 (the block's own rows of dW, db).
    //    (logits = X Wᵀ + 1 bᵀ  →  dW = Gᵀ X, db = Σ_rows G, dX = G W, with G here stored transposed)
    dW.resize(Vt, I);
    db.resize(Vt, 1);
    parallelTasks(threads, Q, [&](int q) {
        const auto [v0, n] = range(q);
        auto G = L.middleRows(v0, n);
        for (Eigen::Index r = 0; r < R; ++r) {
            const Row& row = rows[static_cast<std::size_t>(r)];
            G.col(r) *= static_cast<S>(row.weight / Z(r));
            if (row.target >= v0 && row.target < v0 + n)
                G(row.target - v0, r) -= static_cast<S>(row.weight);
        }
        dW.middleRows(v0, n).noalias() = G * Xs;
        db.col(0).segment(v0, n) = G.rowwise().sum().template cast<double>();
    });
    // 4. dX = Gᵀ W over the whole vocabulary, in blocks of columns of I: nothing to add up across threads.
    const Eigen::Index colBlock = std::max<Eigen::Index>(16, (I / 4 + 15) / 16 * 16);
    const int C = static_cast<int>((I + colBlock - 1) / colBlock);
    M dXs(R, I);
    parallelTasks(threads, C, [&](int c) {
        const Eigen::Index i0 = colBlock * c, ni = std::min(colBlock, I - i0);
        dXs.middleCols(i0, ni).noalias() = L.transpose() * Wc.middleCols(i0, ni);
    });
    dX.resize(parts.size());
    for (std::size_t p = 0; p < parts.size(); ++p)
        dX[p] = Mat::Zero(parts[p].x->rows(), I);
    for (Eigen::Index r = 0; r < R; ++r) {
        const Row& row = rows[static_cast<std::size_t>(r)];
        dX[row.part].row(row.row) = dXs.row(r).template cast<double>();
    }
    return loss;
}

} // namespace

double outputLayerLoss(const std::vector<OutputRows>& parts, const Mat& W, const Mat& b, bool float32,
                       const Eigen::MatrixXf* Wf, int threads, std::vector<Mat>& dX, Mat& dW, Eigen::MatrixXf& dWf,
                       Mat& db)
{
    if (b.rows() != W.rows() || b.cols() != 1)
        throw ShapeError("outputLayerLoss: weight " + shapeStr(W) + " and bias " + shapeStr(b) + " do not fit");
    if (Wf && (Wf->rows() != W.rows() || Wf->cols() != W.cols()))
        throw ShapeError("outputLayerLoss: the float copy of the weight has another shape than " + shapeStr(W));
    std::vector<Row> rows;
    for (std::size_t p = 0; p < parts.size(); ++p) {
        const OutputRows& in = parts[p];
        if (in.x->cols() != W.cols() || static_cast<Eigen::Index>(in.targets->size()) != in.x->rows()
            || in.weights->size() != in.x->rows())
            throw ShapeError("outputLayerLoss: input " + shapeStr(*in.x) + " with " + std::to_string(in.targets->size())
                             + " targets and " + std::to_string(in.weights->size()) + " weights does not fit weight "
                             + shapeStr(W));
        for (Eigen::Index r = 0; r < in.x->rows(); ++r) {
            const double w = (*in.weights)(r);
            if (w == 0.0)
                continue;
            const int y = (*in.targets)[static_cast<std::size_t>(r)];
            if (y < 0 || y >= W.rows())
                throw ShapeError("outputLayerLoss: target " + std::to_string(y) + " outside " + std::to_string(W.rows())
                                 + " classes");
            rows.push_back(Row{p, r, y, w});
        }
    }
    if (!float32)
        return vocabParallelLoss<double>(parts, rows, W, b, threads, dX, dW, db);
    if (Wf)
        return vocabParallelLoss<float>(parts, rows, *Wf, b, threads, dX, dWf, db);
    const Eigen::MatrixXf cast = W.cast<float>();
    return vocabParallelLoss<float>(parts, rows, cast, b, threads, dX, dWf, db);
}

} // namespace attnviz
