#include "core/numeric/score_functions.h"

#include "core/formats/error.h"

#include <cmath>

namespace attnviz {

namespace {

std::string dims(Eigen::Index r, Eigen::Index c)
{
    return std::to_string(r) + " × " + std::to_string(c);
}

[[noreturn]] void shapeFail(ScoreKind kind, const std::string& what)
{
    throw ShapeError("score function \"" + scoreId(kind) + "\": " + what);
}

} // namespace

std::optional<ScoreKind> scoreKindFromId(const std::string& id)
{
    if (id == "dot") return ScoreKind::Dot;
    if (id == "scaled_dot") return ScoreKind::ScaledDot;
    if (id == "general") return ScoreKind::General;
    if (id == "additive" || id == "concat") return ScoreKind::Additive;
    if (id == "cosine") return ScoreKind::Cosine;
    if (id == "location") return ScoreKind::Location;
    return std::nullopt;
}

std::string scoreId(ScoreKind kind)
{
    switch (kind) {
    case ScoreKind::Dot: return "dot";
    case ScoreKind::ScaledDot: return "scaled_dot";
    case ScoreKind::General: return "general";
    case ScoreKind::Additive: return "additive";
    case ScoreKind::Cosine: return "cosine";
    case ScoreKind::Location: return "location";
    }
    return "dot";
}

const std::vector<std::string>& allScoreIds()
{
    static const std::vector<std::string> ids{"dot", "scaled_dot", "general", "additive", "cosine", "location"};
    return ids;
}

std::vector<std::string> requiredScoreParams(ScoreKind kind)
{
    switch (kind) {
    case ScoreKind::General: return {"W"};
    case ScoreKind::Additive: return {"W_q", "W_k", "v"};
    case ScoreKind::Location: return {"W_loc"};
    default: return {};
    }
}

ScoreFunction::ScoreFunction(ScoreKind kind, ScoreParams params) : kind_(kind), params_(std::move(params)) {}

void ScoreFunction::checkParams() const
{
    const ScoreParams& p = params_;
    switch (kind_) {
    case ScoreKind::General:
        if (p.W.size() == 0)
            shapeFail(kind_, "needs the parameter W (dq × dk), found none");
        break;
    case ScoreKind::Additive:
        if (p.W_q.size() == 0 || p.W_k.size() == 0 || p.v.size() == 0)
            shapeFail(kind_, "needs the parameters W_q (da × dq), W_k (da × dk) and v (da), found "
                                 + std::string(p.W_q.size() ? "" : "no W_q ") + (p.W_k.size() ? "" : "no W_k ")
                                 + (p.v.size() ? "" : "no v"));
        if (p.W_q.rows() != p.v.size() || p.W_k.rows() != p.v.size())
            shapeFail(kind_, "expected W_q, W_k and v to share the attention size da, found W_q " + dims(p.W_q.rows(), p.W_q.cols())
                                 + ", W_k " + dims(p.W_k.rows(), p.W_k.cols()) + ", v of " + std::to_string(p.v.size()));
        if (p.b.size() != 0 && p.b.size() != p.v.size())
            shapeFail(kind_, "expected b of size da = " + std::to_string(p.v.size()) + ", found " + std::to_string(p.b.size()));
        break;
    case ScoreKind::Location:
        if (p.W_loc.size() == 0)
            shapeFail(kind_, "needs the parameter W_loc (max_len × dq), found none");
        if (p.b_loc.size() != 0 && p.b_loc.size() != p.W_loc.rows())
            shapeFail(kind_, "expected b_loc of size max_len = " + std::to_string(p.W_loc.rows()) + ", found " + std::to_string(p.b_loc.size()));
        break;
    default:
        break;
    }
}

void ScoreFunction::check(Eigen::Index dq, Eigen::Index dk, Eigen::Index n) const
{
    checkParams();
    const ScoreParams& p = params_;
    switch (kind_) {
    case ScoreKind::Dot:
    case ScoreKind::ScaledDot:
    case ScoreKind::Cosine:
        if (dq != dk)
            shapeFail(kind_, "needs the query and the encoder states to have the same size, found query size dq = "
                                 + std::to_string(dq) + " and encoder state size dk = " + std::to_string(dk));
        break;
    case ScoreKind::General:
        if (p.W.rows() != dq || p.W.cols() != dk)
            shapeFail(kind_, "expected W of dq × dk = " + dims(dq, dk) + " (query size dq = " + std::to_string(dq)
                                 + ", encoder state size dk = " + std::to_string(dk) + "), found W " + dims(p.W.rows(), p.W.cols()));
        break;
    case ScoreKind::Additive:
        if (p.W_q.cols() != dq)
            shapeFail(kind_, "expected W_q with dq = " + std::to_string(dq) + " columns (the query size), found W_q "
                                 + dims(p.W_q.rows(), p.W_q.cols()));
        if (p.W_k.cols() != dk)
            shapeFail(kind_, "expected W_k with dk = " + std::to_string(dk) + " columns (the encoder state size), found W_k "
                                 + dims(p.W_k.rows(), p.W_k.cols()));
        break;
    case ScoreKind::Location:
        if (p.W_loc.cols() != dq)
            shapeFail(kind_, "expected W_loc with dq = " + std::to_string(dq) + " columns (the query size), found W_loc "
                                 + dims(p.W_loc.rows(), p.W_loc.cols()));
        if (n > p.W_loc.rows())
            shapeFail(kind_, "scores at most max_len = " + std::to_string(p.W_loc.rows()) + " encoder states, found n = "
                                 + std::to_string(n));
        break;
    }
}

Vec ScoreFunction::scores(const Eigen::Ref<const Vec>& s, const Eigen::Ref<const Mat>& H) const
{
    check(s.size(), H.cols(), H.rows());
    const ScoreParams& p = params_;
    switch (kind_) {
    case ScoreKind::Dot:
        return H * s;  // (n × dk)(dk) → (n)
    case ScoreKind::ScaledDot:
        return (H * s) / std::sqrt(static_cast<double>(H.cols()));
    case ScoreKind::General:
        return H * (p.W.transpose() * s);  // e_j = (Wᵀs)ᵀ h_j = sᵀ W h_j
    case ScoreKind::Additive:
        return scoresProjected(s, H, projectKeys(H));
    case ScoreKind::Cosine: {
        const double sn = s.norm();
        Vec e = H * s;
        for (Eigen::Index j = 0; j < e.size(); ++j) {
            const double hn = H.row(j).norm();
            e(j) = (sn == 0.0 || hn == 0.0) ? 0.0 : e(j) / (sn * hn);
        }
        return e;
    }
    case ScoreKind::Location: {
        const Eigen::Index n = H.rows();
        Vec e = p.W_loc.topRows(n) * s;  // (n × dq)(dq) → (n): only rows 1..n are scored
        if (p.b_loc.size() != 0)
            e += p.b_loc.head(n);
        return e;
    }
    }
    return Vec();
}

Mat ScoreFunction::projectKeys(const Eigen::Ref<const Mat>& H) const
{
    if (kind_ != ScoreKind::Additive)
        return Mat();
    return H * params_.W_k.transpose();  // (n × dk)(dk × da) → (n × da)
}

Vec ScoreFunction::scoresProjected(const Eigen::Ref<const Vec>& s, const Eigen::Ref<const Mat>& H,
                                   const Eigen::Ref<const Mat>& K) const
{
    if (kind_ != ScoreKind::Additive)
        return scores(s, H);
    check(s.size(), H.cols(), H.rows());
    const ScoreParams& p = params_;
    Eigen::RowVectorXd q = (p.W_q * s).transpose();  // (da)
    if (p.b.size() != 0)
        q += p.b.transpose();
    // tanh(K + 1 qᵀ) v : (n × da)(da) → (n)
    return (K.rowwise() + q).array().tanh().matrix() * p.v;
}

} // namespace attnviz
