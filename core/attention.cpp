#include "core/attention.h"

#include "core/error.h"
#include "core/softmax.h"

namespace attnviz {

AttentionResult attend(const ScoreFunction& score, const Eigen::Ref<const Vec>& query, const Eigen::Ref<const Mat>& keys)
{
    if (keys.rows() == 0)
        throw ShapeError("attention needs at least one encoder state, found none");
    return attendWithScores(score.scores(query, keys), keys);
}

AttentionResult attendWithScores(Vec scores, const Eigen::Ref<const Mat>& keys)
{
    if (keys.rows() == 0)
        throw ShapeError("attention needs at least one encoder state, found none");
    AttentionResult r;
    r.scores = std::move(scores);
    r.weights = softmax(r.scores);                           // a (n)
    r.alignment = r.weights.asDiagonal() * keys;             // v_j = a_j h_j  (n × dk)
    r.context = r.alignment.colwise().sum().transpose();     // c = Σ_j v_j  (dk)
    return r;
}

} // namespace attnviz
