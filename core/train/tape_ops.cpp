#include "core/train/tape_ops.h"

#include "core/formats/error.h"

#include <cmath>
#include <string>

namespace attnviz::ad {

namespace {

std::string shapeStr(const Mat& m)
{
    return std::to_string(m.rows()) + " × " + std::to_string(m.cols());
}

void sameShape(const char* op, const Mat& a, const Mat& b)
{
    if (a.rows() != b.rows() || a.cols() != b.cols())
        throw ShapeError(std::string(op) + ": shapes differ, " + shapeStr(a) + " vs " + shapeStr(b));
}

} // namespace

Var linear(Tape& t, Var x, Var W, Var b)
{
    const Mat& X = t.value(x);
    const Mat& Wm = t.value(W);
    if (X.cols() != Wm.cols())
        throw ShapeError("linear: input " + shapeStr(X) + " does not match weight " + shapeStr(Wm));
    if (b.valid()) {
        const Mat& bm = t.value(b);
        if (bm.rows() != Wm.rows() || bm.cols() != 1)
            throw ShapeError("linear: bias " + shapeStr(bm) + " does not match weight " + shapeStr(Wm));
    }
    const auto addBias = [&](Mat& y) {
        if (b.valid())
            y.rowwise() += t.value(b).col(0).transpose();  // + 1 bᵀ
    };
    const auto biasGrad = [b](Tape& t, const Mat& g) {
        if (b.valid() && t.needsGrad(b))
            t.gradRef(b).col(0) += g.colwise().sum().transpose();
    };
    if (t.float32Products()) {
        // The same in single precision: y = float(x) float(W)ᵀ, gradients from float(g); sums stay float64.
        Eigen::MatrixXf Xf = X.cast<float>();
        Eigen::MatrixXf yf(X.rows(), Wm.rows());
        yf.noalias() = Xf * t.floatValue(W).transpose();
        Mat y = yf.cast<double>();
        addBias(y);
        return t.push(std::move(y), {x, W, b.valid() ? b : x},
                      [x, W, Xf = std::move(Xf), biasGrad](Tape& t, const Mat&, const Mat& g) mutable {
            // y = x Wᵀ + 1 bᵀ  →  dx = g W, dW = gᵀ x (deferred: one product over all steps), db = Σ_rows g
            Eigen::MatrixXf gf = g.cast<float>();
            if (t.needsGrad(x)) {
                Eigen::MatrixXf dx(gf.rows(), Xf.cols());
                dx.noalias() = gf * t.floatValue(W);
                t.addGrad(x, dx.cast<double>());
            }
            if (t.needsGrad(W))
                t.addWeightGrad(W, std::move(gf), std::move(Xf));  // backward runs once per tape
            biasGrad(t, g);
        });
    }
    Mat y(X.rows(), Wm.rows());
    y.noalias() = X * Wm.transpose();  // y = x Wᵀ
    addBias(y);
    return t.push(std::move(y), {x, W, b.valid() ? b : x}, [x, W, biasGrad](Tape& t, const Mat&, const Mat& g) {
        // y = x Wᵀ + 1 bᵀ  →  dx = g W, dW = gᵀ x, db = Σ_rows g
        if (t.needsGrad(x))
            t.addGrad(x, g * t.value(W));
        if (t.needsGrad(W))
            t.addGrad(W, g.transpose() * t.value(x));
        biasGrad(t, g);
    });
}

Var add(Tape& t, Var a, Var b)
{
    sameShape("add", t.value(a), t.value(b));
    return t.push(t.value(a) + t.value(b), {a, b}, [a, b](Tape& t, const Mat&, const Mat& g) {
        // y = a + b
        if (t.needsGrad(a))
            t.gradRef(a) += g;
        if (t.needsGrad(b))
            t.gradRef(b) += g;
    });
}

Var sub(Tape& t, Var a, Var b)
{
    sameShape("sub", t.value(a), t.value(b));
    return t.push(t.value(a) - t.value(b), {a, b}, [a, b](Tape& t, const Mat&, const Mat& g) {
        // y = a − b
        if (t.needsGrad(a))
            t.gradRef(a) += g;
        if (t.needsGrad(b))
            t.gradRef(b) -= g;
    });
}

Var mul(Tape& t, Var a, Var b)
{
    sameShape("mul", t.value(a), t.value(b));
    return t.push(t.value(a).cwiseProduct(t.value(b)), {a, b}, [a, b](Tape& t, const Mat&, const Mat& g) {
        // y = a ⊙ b  →  da = g ⊙ b, db = g ⊙ a
        if (t.needsGrad(a))
            t.gradRef(a) += g.cwiseProduct(t.value(b));
        if (t.needsGrad(b))
            t.gradRef(b) += g.cwiseProduct(t.value(a));
    });
}

Var scale(Tape& t, Var a, double s)
{
    return t.push(t.value(a) * s, {a}, [a, s](Tape& t, const Mat&, const Mat& g) {
        // y = s · a
        t.gradRef(a) += s * g;
    });
}

Var sigmoid(Tape& t, Var a)
{
    Mat y = (1.0 + (-t.value(a).array()).exp()).inverse().matrix();
    return t.push(std::move(y), {a}, [a](Tape& t, const Mat& y, const Mat& g) {
        // y = σ(a)  →  da = g ⊙ y ⊙ (1 − y)
        t.gradRef(a).array() += g.array() * y.array() * (1.0 - y.array());
    });
}

Var tanh(Tape& t, Var a)
{
    // Under float32 products (training) in single precision: Eigen vectorises float tanh, not double.
    Mat y = t.float32Products() ? Mat(t.value(a).cast<float>().array().tanh().matrix().cast<double>())
                                : Mat(t.value(a).array().tanh().matrix());
    return t.push(std::move(y), {a}, [a](Tape& t, const Mat& y, const Mat& g) {
        // y = tanh(a)  →  da = g ⊙ (1 − y²)
        t.gradRef(a).array() += g.array() * (1.0 - y.array().square());
    });
}

Var concat(Tape& t, const std::vector<Var>& parts)
{
    if (parts.empty())
        throw ShapeError("concat: no parts");
    const Eigen::Index rows = t.value(parts[0]).rows();
    Eigen::Index cols = 0;
    for (Var p : parts) {
        if (t.value(p).rows() != rows)
            throw ShapeError("concat: row counts differ, " + shapeStr(t.value(parts[0])) + " vs " + shapeStr(t.value(p)));
        cols += t.value(p).cols();
    }
    Mat y(rows, cols);
    Eigen::Index c = 0;
    for (Var p : parts) {
        y.middleCols(c, t.value(p).cols()) = t.value(p);
        c += t.value(p).cols();
    }
    return t.push(std::move(y), parts, [parts](Tape& t, const Mat&, const Mat& g) {
        // y = [a₁ a₂ …]  →  daᵢ = the columns of g that aᵢ filled
        Eigen::Index c = 0;
        for (Var p : parts) {
            const Eigen::Index w = t.value(p).cols();
            if (t.needsGrad(p))
                t.gradRef(p) += g.middleCols(c, w);
            c += w;
        }
    });
}

Var slice(Tape& t, Var a, Eigen::Index col, Eigen::Index count)
{
    const Mat& A = t.value(a);
    if (col < 0 || count < 0 || col + count > A.cols())
        throw ShapeError("slice: columns [" + std::to_string(col) + ", " + std::to_string(col + count) + ") of "
                         + shapeStr(A));
    return t.push(A.middleCols(col, count), {a}, [a, col, count](Tape& t, const Mat&, const Mat& g) {
        // y = a[:, col : col + count]
        t.gradRef(a).middleCols(col, count) += g;
    });
}

Var embedding(Tape& t, Var W, const std::vector<int>& ids)
{
    const Mat& table = t.value(W);
    Mat y(static_cast<Eigen::Index>(ids.size()), table.cols());
    for (std::size_t b = 0; b < ids.size(); ++b) {
        if (ids[b] < 0 || ids[b] >= table.rows())
            throw ShapeError("embedding: id " + std::to_string(ids[b]) + " outside a table of " + std::to_string(table.rows())
                             + " rows");
        y.row(static_cast<Eigen::Index>(b)) = table.row(ids[b]);
    }
    return t.push(std::move(y), {W}, [W, ids](Tape& t, const Mat&, const Mat& g) {
        // y_b = W[ids_b]  →  dW[ids_b] += g_b
        Mat& dW = t.gradRef(W);
        for (std::size_t b = 0; b < ids.size(); ++b)
            dW.row(ids[b]) += g.row(static_cast<Eigen::Index>(b));
    });
}

Var select(Tape& t, const Eigen::Ref<const Vec>& m, Var a, Var b)
{
    sameShape("select", t.value(a), t.value(b));
    if (m.size() != t.value(a).rows())
        throw ShapeError("select: mask of " + std::to_string(m.size()) + " for " + shapeStr(t.value(a)));
    Vec mask = m;
    Mat y = t.value(b);
    for (Eigen::Index r = 0; r < y.rows(); ++r)
        if (mask(r) != 0.0)
            y.row(r) = mask(r) * t.value(a).row(r) + (1.0 - mask(r)) * t.value(b).row(r);
    return t.push(std::move(y), {a, b}, [a, b, mask](Tape& t, const Mat&, const Mat& g) {
        // y_b = m_b a_b + (1 − m_b) b_b
        if (t.needsGrad(a))
            t.gradRef(a) += mask.asDiagonal() * g;
        if (t.needsGrad(b))
            t.gradRef(b) += (1.0 - mask.array()).matrix().asDiagonal() * g;
    });
}

Var stackRows(Tape& t, const std::vector<Var>& blocks)
{
    if (blocks.empty())
        throw ShapeError("stackRows: no blocks");
    const Mat& first = t.value(blocks[0]);
    const Eigen::Index B = first.rows();
    Mat y(B * static_cast<Eigen::Index>(blocks.size()), first.cols());
    for (std::size_t j = 0; j < blocks.size(); ++j) {
        sameShape("stackRows", first, t.value(blocks[j]));
        y.middleRows(static_cast<Eigen::Index>(j) * B, B) = t.value(blocks[j]);
    }
    return t.push(std::move(y), blocks, [blocks, B](Tape& t, const Mat&, const Mat& g) {
        // y[j·B + b] = block_j[b]
        for (std::size_t j = 0; j < blocks.size(); ++j)
            if (t.needsGrad(blocks[j]))
                t.gradRef(blocks[j]) += g.middleRows(static_cast<Eigen::Index>(j) * B, B);
    });
}

Var sumAll(Tape& t, Var a)
{
    Mat y(1, 1);
    y(0, 0) = t.value(a).sum();
    return t.push(std::move(y), {a}, [a](Tape& t, const Mat&, const Mat& g) {
        // y = Σ a
        t.gradRef(a).array() += g(0, 0);
    });
}

Var crossEntropySum(Tape& t, Var logits, const std::vector<int>& targets, const Eigen::Ref<const Vec>& weights)
{
    const Mat& L = t.value(logits);
    if (static_cast<Eigen::Index>(targets.size()) != L.rows() || weights.size() != L.rows())
        throw ShapeError("crossEntropySum: " + std::to_string(targets.size()) + " targets and " + std::to_string(weights.size())
                         + " weights for logits " + shapeStr(L));
    // p_b = softmax(logits_b) with the max subtracted; loss = Σ_b w_b (log Σ exp − logit_target)
    Mat p(L.rows(), L.cols());
    double loss = 0.0;
    for (Eigen::Index b = 0; b < L.rows(); ++b) {
        const int y = targets[static_cast<std::size_t>(b)];
        if (y < 0 || y >= L.cols())
            throw ShapeError("crossEntropySum: target " + std::to_string(y) + " outside " + std::to_string(L.cols()) + " classes");
        const double mx = L.row(b).maxCoeff();
        p.row(b) = (L.row(b).array() - mx).exp().matrix();
        const double z = p.row(b).sum();
        p.row(b) /= z;
        if (weights(b) != 0.0)
            loss += weights(b) * (std::log(z) + mx - L(b, y));
    }
    Mat out(1, 1);
    out(0, 0) = loss;
    Vec w = weights;
    return t.push(std::move(out), {logits}, [logits, targets, w = std::move(w), p = std::move(p)](Tape& t, const Mat&, const Mat& g) {
        // loss = Σ_b w_b (−log p_b[y_b])  →  dlogits_b = g · w_b (p_b − onehot(y_b))
        Mat& d = t.gradRef(logits);
        for (Eigen::Index b = 0; b < p.rows(); ++b) {
            if (w(b) == 0.0)
                continue;
            d.row(b) += (g(0, 0) * w(b)) * p.row(b);
            d(b, targets[static_cast<std::size_t>(b)]) -= g(0, 0) * w(b);
        }
    });
}

namespace {

// The fused output layer for scalar type S (double or float); see linearCrossEntropySum.
template <typename S>
Var fusedOutputLoss(Tape& t, Var x, Var W, Var b, const std::vector<int>& targets, const Vec& weights)
{
    using M = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;
    const Mat& X = t.value(x);
    const Mat& Wd = t.value(W);
    const Mat& bd = t.value(b);
    std::vector<Eigen::Index> rows;  // rows with a non-zero weight
    for (Eigen::Index r = 0; r < X.rows(); ++r)
        if (weights(r) != 0.0)
            rows.push_back(r);
    const auto R = static_cast<Eigen::Index>(rows.size());
    M Xs(R, X.cols());
    for (Eigen::Index i = 0; i < R; ++i)
        Xs.row(i) = X.row(rows[static_cast<std::size_t>(i)]).template cast<S>();
    M Ws = Wd.template cast<S>();
    // P = softmax(X Wᵀ + 1 bᵀ) row by row, the max subtracted; loss = Σ w (log Σ exp − logit_target)
    M P(R, Wd.rows());
    P.noalias() = Xs * Ws.transpose();
    P.rowwise() += bd.col(0).transpose().template cast<S>();
    double loss = 0.0;
    for (Eigen::Index i = 0; i < R; ++i) {
        const Eigen::Index r = rows[static_cast<std::size_t>(i)];
        const int y = targets[static_cast<std::size_t>(r)];
        const S mx = P.row(i).maxCoeff();
        const double target = static_cast<double>(P(i, y)) - static_cast<double>(mx);
        P.row(i) = (P.row(i).array() - mx).exp().matrix();
        const double z = static_cast<double>(P.row(i).template cast<double>().sum());
        P.row(i) /= static_cast<S>(z);
        loss += weights(r) * (std::log(z) - target);
    }
    Mat out(1, 1);
    out(0, 0) = loss;
    return t.push(std::move(out), {x, W, b},
                  [x, W, b, rows = std::move(rows), targets, weights, P = std::move(P), Xs = std::move(Xs),
                   Ws = std::move(Ws), done = false](Tape& t, const Mat&, const Mat& g) mutable {
                      // P is turned into G in place (no second V-wide buffer), so this runs once per tape.
                      if (done)
                          throw ShapeError("linearCrossEntropySum: backward() ran twice on the same tape");
                      done = true;
                      // loss = Σ_i w_i (−log p_i[y_i]),  logits = X Wᵀ + 1 bᵀ
                      //   →  G_i = g w_i (p_i − onehot(y_i)),  dX = G W,  dW = Gᵀ X,  db = Σ_i G_i
                      for (Eigen::Index i = 0; i < P.rows(); ++i) {
                          const Eigen::Index r = rows[static_cast<std::size_t>(i)];
                          const S gw = static_cast<S>(g(0, 0) * weights(r));
                          P.row(i) *= gw;
                          P(i, targets[static_cast<std::size_t>(r)]) -= gw;
                      }
                      if (t.needsGrad(x)) {
                          M dXs(P.rows(), Ws.cols());
                          dXs.noalias() = P * Ws;
                          Mat& dX = t.gradRef(x);
                          for (Eigen::Index i = 0; i < P.rows(); ++i)
                              dX.row(rows[static_cast<std::size_t>(i)]) += dXs.row(i).template cast<double>();
                      }
                      if (t.needsGrad(W)) {
                          M dWs(P.cols(), Xs.cols());
                          dWs.noalias() = P.transpose() * Xs;
                          t.addGrad(W, dWs.template cast<double>());
                      }
                      if (t.needsGrad(b))
                          t.addGrad(b, P.colwise().sum().transpose().template cast<double>());
                  });
}

} // namespace

Var linearCrossEntropySum(Tape& t, Var x, Var W, Var b, const std::vector<int>& targets,
                          const Eigen::Ref<const Vec>& weights, bool float32)
{
    const Mat& X = t.value(x);
    const Mat& Wm = t.value(W);
    const Mat& bm = t.value(b);
    if (X.cols() != Wm.cols() || bm.rows() != Wm.rows() || bm.cols() != 1)
        throw ShapeError("linearCrossEntropySum: input " + shapeStr(X) + ", weight " + shapeStr(Wm) + " and bias "
                         + shapeStr(bm) + " do not fit");
    if (static_cast<Eigen::Index>(targets.size()) != X.rows() || weights.size() != X.rows())
        throw ShapeError("linearCrossEntropySum: " + std::to_string(targets.size()) + " targets and "
                         + std::to_string(weights.size()) + " weights for input " + shapeStr(X));
    for (std::size_t r = 0; r < targets.size(); ++r)
        if (weights(static_cast<Eigen::Index>(r)) != 0.0 && (targets[r] < 0 || targets[r] >= Wm.rows()))
            throw ShapeError("linearCrossEntropySum: target " + std::to_string(targets[r]) + " outside "
                             + std::to_string(Wm.rows()) + " classes");
    const Vec w = weights;
    return float32 ? fusedOutputLoss<float>(t, x, W, b, targets, w) : fusedOutputLoss<double>(t, x, W, b, targets, w);
}

} // namespace attnviz::ad
