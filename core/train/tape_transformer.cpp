#include "core/train/tape_transformer.h"

#include "core/formats/error.h"

#include <cmath>
#include <memory>
#include <string>

namespace attnviz::ad {

namespace {

std::string shapeStr(const Mat& m)
{
    return std::to_string(m.rows()) + " × " + std::to_string(m.cols());
}

} // namespace

Var linearRows(Tape& t, Var x, Var W, Var b, Eigen::Index r0, Eigen::Index rows)
{
    const Mat& X = t.value(x);
    const Mat& Wm = t.value(W);
    if (X.cols() != Wm.cols() || r0 < 0 || rows < 1 || r0 + rows > Wm.rows())
        throw ShapeError("linearRows: input " + shapeStr(X) + " and rows [" + std::to_string(r0) + ", "
                         + std::to_string(r0 + rows) + ") of weight " + shapeStr(Wm));
    if (b.valid() && (t.value(b).rows() != Wm.rows() || t.value(b).cols() != 1))
        throw ShapeError("linearRows: bias " + shapeStr(t.value(b)) + " does not match weight " + shapeStr(Wm));
    Mat y(X.rows(), rows);
    std::shared_ptr<Eigen::MatrixXf> Xf;
    if (t.float32Products()) {
        Xf = std::make_shared<Eigen::MatrixXf>(X.cast<float>());
        Eigen::MatrixXf yf(X.rows(), rows);
        yf.noalias() = *Xf * t.floatValue(W).middleRows(r0, rows).transpose();
        y = yf.cast<double>();
    } else {
        y.noalias() = X * Wm.middleRows(r0, rows).transpose();  // y = x W[r0 : r0 + rows]ᵀ
    }
    if (b.valid())
        y.rowwise() += t.value(b).col(0).segment(r0, rows).transpose();
    return t.push(std::move(y), {x, W, b.valid() ? b : x}, [x, W, b, r0, rows, Xf](Tape& t, const Mat&, const Mat& g) {
        // y = x W_blkᵀ + 1 b_blkᵀ  →  dx = g W_blk, dW_blk = gᵀ x, db_blk = Σ_rows g
        if (Xf) {
            const Eigen::MatrixXf gf = g.cast<float>();
            if (t.needsGrad(x)) {
                Eigen::MatrixXf dx(gf.rows(), Xf->cols());
                dx.noalias() = gf * t.floatValue(W).middleRows(r0, rows);
                t.addGrad(x, dx.cast<double>());
            }
            if (t.needsGrad(W)) {
                Eigen::MatrixXf dW(rows, Xf->cols());
                dW.noalias() = gf.transpose() * *Xf;
                t.gradRef(W).middleRows(r0, rows) += dW.cast<double>();
            }
        } else {
            if (t.needsGrad(x))
                t.addGrad(x, g * t.value(W).middleRows(r0, rows));
            if (t.needsGrad(W))
                t.gradRef(W).middleRows(r0, rows).noalias() += g.transpose() * t.value(x);
        }
        if (b.valid() && t.needsGrad(b))
            t.gradRef(b).col(0).segment(r0, rows) += g.colwise().sum().transpose();
    });
}

Var relu(Tape& t, Var a)
{
    return t.push(t.value(a).cwiseMax(0.0), {a}, [a](Tape& t, const Mat& y, const Mat& g) {
        // y = max(a, 0)  →  da = g where a > 0
        t.gradRef(a).array() += (y.array() > 0.0).select(g.array(), 0.0);
    });
}

Var layerNorm(Tape& t, Var x, Var gamma, Var beta, double eps)
{
    const Mat& X = t.value(x);
    const Mat& G = t.value(gamma);
    const Mat& Bt = t.value(beta);
    const Eigen::Index d = X.cols();
    if (G.rows() != d || G.cols() != 1 || Bt.rows() != d || Bt.cols() != 1)
        throw ShapeError("layerNorm: weight " + shapeStr(G) + " and bias " + shapeStr(Bt) + " for rows of " + std::to_string(d));
    // x̂ = (x − mean) / √(var + eps), var = mean((x − mean)²) (biased, as nn.LayerNorm); y = x̂ ⊙ γ + β
    Mat xhat = X.colwise() - X.rowwise().mean();
    const Vec inv = ((xhat.array().square().rowwise().sum() / static_cast<double>(d)) + eps).sqrt().inverse().matrix();
    xhat = inv.asDiagonal() * xhat;
    Mat y = xhat * G.col(0).asDiagonal();
    y.rowwise() += Bt.col(0).transpose();
    return t.push(std::move(y), {x, gamma, beta},
                  [x, gamma, beta, xhat = std::move(xhat), inv, d](Tape& t, const Mat&, const Mat& g) {
        // dγ = Σ_rows g ⊙ x̂, dβ = Σ_rows g; with dx̂ = g ⊙ γ:
        // dx = inv · (dx̂ − mean(dx̂) − x̂ ⊙ mean(dx̂ ⊙ x̂))   (means over the row)
        if (t.needsGrad(gamma))
            t.gradRef(gamma).col(0) += g.cwiseProduct(xhat).colwise().sum().transpose();
        if (t.needsGrad(beta))
            t.gradRef(beta).col(0) += g.colwise().sum().transpose();
        if (t.needsGrad(x)) {
            const Mat dxhat = g * t.value(gamma).col(0).asDiagonal();
            const Vec m1 = dxhat.rowwise().mean();
            const Vec m2 = dxhat.cwiseProduct(xhat).rowwise().mean();
            Mat dx = dxhat;
            dx.colwise() -= m1;
            dx -= m2.asDiagonal() * xhat;
            t.addGrad(x, inv.asDiagonal() * dx);
        }
    });
}

Var multiHeadAttention(Tape& t, Var q, Eigen::Index qc, Var k, Eigen::Index kc, Var v, Eigen::Index vc, Eigen::Index d,
                       const AttentionLayout& L)
{
    const Mat& Q = t.value(q);
    const Mat& K = t.value(k);
    const Mat& V = t.value(v);
    const Eigen::Index B = L.B, nq = L.nq, nk = L.nk, h = L.heads;
    if (B < 1 || nq < 1 || nk < 1 || h < 1 || d < 1 || d % h != 0 || static_cast<Eigen::Index>(L.keyLengths.size()) != B
        || (L.causal && nq != nk))
        throw ShapeError("multiHeadAttention: bad layout (B " + std::to_string(B) + ", nq " + std::to_string(nq) + ", nk "
                         + std::to_string(nk) + ", heads " + std::to_string(h) + ", d " + std::to_string(d) + ", "
                         + std::to_string(L.keyLengths.size()) + " key lengths)");
    if (Q.rows() != B * nq || K.rows() != B * nk || V.rows() != B * nk || qc < 0 || kc < 0 || vc < 0 || qc + d > Q.cols()
        || kc + d > K.cols() || vc + d > V.cols())
        throw ShapeError("multiHeadAttention: queries " + shapeStr(Q) + ", keys " + shapeStr(K) + " and values " + shapeStr(V)
                         + " do not fit " + std::to_string(B) + " sentences of " + std::to_string(nq) + " × "
                         + std::to_string(nk) + " positions and width " + std::to_string(d));
    for (int len : L.keyLengths)
        if (len < 1 || len > nk)
            throw ShapeError("multiHeadAttention: a key length of " + std::to_string(len) + " for " + std::to_string(nk) + " keys");
    const Eigen::Index dh = d / h;
    const double scale = 1.0 / std::sqrt(static_cast<double>(dh));
    Mat out(B * nq, d);
    std::vector<Mat> A(static_cast<std::size_t>(B * h));  // [b·h + i]: nq × len_b, zero where masked
    for (Eigen::Index b = 0; b < B; ++b) {
        const Eigen::Index len = L.keyLengths[static_cast<std::size_t>(b)];
        for (Eigen::Index i = 0; i < h; ++i) {
            Mat S(nq, len);
            S.noalias() = Q.block(b * nq, qc + i * dh, nq, dh) * K.block(b * nk, kc + i * dh, len, dh).transpose();
            for (Eigen::Index r = 0; r < nq; ++r) {
                // a = softmax(q·k / √(d/h)) over the keys row r sees
                const Eigen::Index seen = L.causal ? std::min(r + 1, len) : len;
                auto row = S.row(r);
                const double mx = row.head(seen).maxCoeff();
                row.head(seen) = ((row.head(seen).array() - mx) * scale).exp().matrix();
                row.head(seen) /= row.head(seen).sum();
                row.tail(len - seen).setZero();
            }
            out.block(b * nq, i * dh, nq, dh).noalias() = S * V.block(b * nk, vc + i * dh, len, dh);
            A[static_cast<std::size_t>(b * h + i)] = std::move(S);
        }
    }
    return t.push(std::move(out), {q, k, v},
                  [q, k, v, qc, kc, vc, B, nq, nk, h, dh, scale, lens = L.keyLengths, A = std::move(A)](Tape& t, const Mat&,
                                                                                                     const Mat& g) {
        // o = A V, A = softmax(S), S = Q Kᵀ / √(d/h), per sentence and head:
        //   dA = g Vᵀ, dV = Aᵀ g, dS = A ⊙ (dA − rowsum(A ⊙ dA)) / √(d/h), dQ = dS K, dK = dSᵀ Q
        for (Eigen::Index b = 0; b < B; ++b) {
            const Eigen::Index len = lens[static_cast<std::size_t>(b)];
            for (Eigen::Index i = 0; i < h; ++i) {
                const Mat& Ab = A[static_cast<std::size_t>(b * h + i)];
                const auto gO = g.block(b * nq, i * dh, nq, dh);
                Mat dS(nq, len);
                dS.noalias() = gO * t.value(v).block(b * nk, vc + i * dh, len, dh).transpose();
                if (t.needsGrad(v))
                    t.gradRef(v).block(b * nk, vc + i * dh, len, dh).noalias() += Ab.transpose() * gO;
                const Vec rs = Ab.cwiseProduct(dS).rowwise().sum();
                dS = (Ab.array() * (dS.colwise() - rs).array() * scale).matrix();
                if (t.needsGrad(q))
                    t.gradRef(q).block(b * nq, qc + i * dh, nq, dh).noalias() += dS * t.value(k).block(b * nk, kc + i * dh, len, dh);
                if (t.needsGrad(k))
                    t.gradRef(k).block(b * nk, kc + i * dh, len, dh).noalias() += dS.transpose() * t.value(q).block(b * nq, qc + i * dh, nq, dh);
            }
        }
    });
}

} // namespace attnviz::ad
