#include "core/train/tape_attention.h"

#include "core/formats/error.h"

#include <cmath>
#include <string>

namespace attnviz::ad {

namespace {

// Checks K (n·B × d) against q (B × d') and returns n.
Eigen::Index positions(const char* op, const Mat& q, const Mat& K, bool sameWidth)
{
    const Eigen::Index B = q.rows();
    if (B == 0 || K.rows() % B != 0 || (sameWidth && K.cols() != q.cols()))
        throw ShapeError(std::string(op) + ": keys " + std::to_string(K.rows()) + " × " + std::to_string(K.cols())
                         + " do not fit queries " + std::to_string(q.rows()) + " × " + std::to_string(q.cols()));
    return K.rows() / B;
}

} // namespace

Var dotScores(Tape& t, Var q, Var K)
{
    const Mat& Q = t.value(q);
    const Mat& Km = t.value(K);
    const Eigen::Index B = Q.rows(), n = positions("dotScores", Q, Km, true);
    Mat e(B, n);
    for (Eigen::Index j = 0; j < n; ++j)
        e.col(j) = Q.cwiseProduct(Km.middleRows(j * B, B)).rowwise().sum();
    return t.push(std::move(e), {q, K}, [q, K, B, n](Tape& t, const Mat&, const Mat& g) {
        // e_bj = q_b · K_{jB+b}  →  dq_b += Σ_j g_bj K_{jB+b},  dK_{jB+b} += g_bj q_b
        for (Eigen::Index j = 0; j < n; ++j) {
            if (t.needsGrad(q))
                t.gradRef(q) += g.col(j).asDiagonal() * t.value(K).middleRows(j * B, B);
            if (t.needsGrad(K))
                t.gradRef(K).middleRows(j * B, B) += g.col(j).asDiagonal() * t.value(q);
        }
    });
}

Var additiveScores(Tape& t, Var qp, Var Kp, Var v)
{
    const Mat& Q = t.value(qp);
    const Mat& Km = t.value(Kp);
    const Mat& vm = t.value(v);
    const Eigen::Index B = Q.rows(), n = positions("additiveScores", Q, Km, true);
    if (vm.rows() != Q.cols() || vm.cols() != 1)
        throw ShapeError("additiveScores: v has " + std::to_string(vm.rows()) + " rows, attention size is "
                         + std::to_string(Q.cols()));
    Mat T(n * B, Q.cols());  // T_{jB+b} = tanh(qp_b + Kp_{jB+b})
    Mat e(B, n);
    for (Eigen::Index j = 0; j < n; ++j) {
        T.middleRows(j * B, B) = (Km.middleRows(j * B, B) + Q).array().tanh().matrix();
        e.col(j).noalias() = T.middleRows(j * B, B) * vm.col(0);
    }
    return t.push(std::move(e), {qp, Kp, v}, [qp, Kp, v, B, n, T = std::move(T)](Tape& t, const Mat&, const Mat& g) {
        // e_bj = vᵀ T_{jB+b}, T = tanh(qp_b + Kp_{jB+b})
        //   →  dv += Σ g_bj T_{jB+b};  dPre_{jB+b} = g_bj v ⊙ (1 − T²) flows to qp_b and Kp_{jB+b}
        const Mat& vm = t.value(v);
        for (Eigen::Index j = 0; j < n; ++j) {
            const auto Tj = T.middleRows(j * B, B);
            if (t.needsGrad(v))
                t.gradRef(v).col(0).noalias() += Tj.transpose() * g.col(j);
            Mat dPre = (g.col(j) * vm.col(0).transpose()).cwiseProduct((1.0 - Tj.array().square()).matrix());
            if (t.needsGrad(qp))
                t.gradRef(qp) += dPre;
            if (t.needsGrad(Kp))
                t.gradRef(Kp).middleRows(j * B, B) += dPre;
        }
    });
}

Var cosineScores(Tape& t, Var q, Var K)
{
    const Mat& Q = t.value(q);
    const Mat& Km = t.value(K);
    const Eigen::Index B = Q.rows(), n = positions("cosineScores", Q, Km, true);
    Mat e = Mat::Zero(B, n);
    const Vec qn = Q.rowwise().norm();
    const Vec kn = Km.rowwise().norm();
    for (Eigen::Index j = 0; j < n; ++j)
        for (Eigen::Index b = 0; b < B; ++b)
            if (qn(b) > 0.0 && kn(j * B + b) > 0.0)
                e(b, j) = Q.row(b).dot(Km.row(j * B + b)) / (qn(b) * kn(j * B + b));
    return t.push(std::move(e), {q, K}, [q, K, B, n, qn, kn](Tape& t, const Mat& e, const Mat& g) {
        // e = q·k / (‖q‖‖k‖)  →  de/dq = k/(‖q‖‖k‖) − e q/‖q‖²,  de/dk = q/(‖q‖‖k‖) − e k/‖k‖²  (0 where e was set to 0)
        const Mat& Q = t.value(q);
        const Mat& Km = t.value(K);
        for (Eigen::Index j = 0; j < n; ++j)
            for (Eigen::Index b = 0; b < B; ++b) {
                const Eigen::Index r = j * B + b;
                if (!(qn(b) > 0.0 && kn(r) > 0.0))
                    continue;
                const double s = g(b, j), inv = 1.0 / (qn(b) * kn(r));
                if (t.needsGrad(q))
                    t.gradRef(q).row(b) += s * (Km.row(r) * inv - e(b, j) / (qn(b) * qn(b)) * Q.row(b));
                if (t.needsGrad(K))
                    t.gradRef(K).row(r) += s * (Q.row(b) * inv - e(b, j) / (kn(r) * kn(r)) * Km.row(r));
            }
    });
}

Var maskedSoftmax(Tape& t, Var e, const Eigen::Ref<const Mat>& mask)
{
    const Mat& E = t.value(e);
    if (mask.rows() != E.rows() || mask.cols() != E.cols())
        throw ShapeError("maskedSoftmax: mask " + std::to_string(mask.rows()) + " × " + std::to_string(mask.cols())
                         + " for scores " + std::to_string(E.rows()) + " × " + std::to_string(E.cols()));
    Mat a = Mat::Zero(E.rows(), E.cols());
    for (Eigen::Index b = 0; b < E.rows(); ++b) {
        double mx = -INFINITY;
        for (Eigen::Index j = 0; j < E.cols(); ++j)
            if (mask(b, j) != 0.0)
                mx = std::max(mx, E(b, j));
        if (mx == -INFINITY)
            continue;
        double z = 0.0;
        for (Eigen::Index j = 0; j < E.cols(); ++j)
            if (mask(b, j) != 0.0)
                z += (a(b, j) = std::exp(E(b, j) - mx));
        a.row(b) /= z;
    }
    return t.push(std::move(a), {e}, [e](Tape& t, const Mat& a, const Mat& g) {
        // a = softmax(e) over unmasked positions  →  de_bj = a_bj (g_bj − Σ_k a_bk g_bk)  (0 where a = 0)
        const Vec dotAG = a.cwiseProduct(g).rowwise().sum();
        t.gradRef(e) += a.cwiseProduct(g - dotAG.replicate(1, a.cols()));
    });
}

Var weightedSum(Tape& t, Var a, Var K)
{
    const Mat& A = t.value(a);
    const Mat& Km = t.value(K);
    const Eigen::Index B = A.rows(), n = positions("weightedSum", A, Km, false);
    if (n != A.cols())
        throw ShapeError("weightedSum: " + std::to_string(A.cols()) + " weights per row for " + std::to_string(n) + " positions");
    Mat c = Mat::Zero(B, Km.cols());
    for (Eigen::Index j = 0; j < n; ++j)
        c += A.col(j).asDiagonal() * Km.middleRows(j * B, B);
    return t.push(std::move(c), {a, K}, [a, K, B, n](Tape& t, const Mat&, const Mat& g) {
        // c_b = Σ_j a_bj K_{jB+b}  →  da_bj = g_b · K_{jB+b},  dK_{jB+b} += a_bj g_b
        for (Eigen::Index j = 0; j < n; ++j) {
            if (t.needsGrad(a))
                t.gradRef(a).col(j) += g.cwiseProduct(t.value(K).middleRows(j * B, B)).rowwise().sum();
            if (t.needsGrad(K))
                t.gradRef(K).middleRows(j * B, B) += t.value(a).col(j).asDiagonal() * g;
        }
    });
}

} // namespace attnviz::ad
