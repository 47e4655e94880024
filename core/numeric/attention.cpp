#include "core/numeric/attention.h"

#include "core/formats/attention_override.h"
#include "core/formats/error.h"
#include "core/numeric/softmax.h"

#include <cmath>
#include <limits>
#include <string>

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
    if (scores.size() != keys.rows())
        throw ShapeError("attention: expected one score per encoder state (n = " + std::to_string(keys.rows()) + "), found "
                         + std::to_string(scores.size()) + " scores");
    // Finite inputs can still overflow (e.g. the dot product of two 1e200 vectors). −inf is allowed
    // (a masked position gets weight 0) as long as one score is finite.
    for (Eigen::Index j = 0; j < scores.size(); ++j)
        if (std::isnan(scores(j)) || scores(j) == std::numeric_limits<double>::infinity())
            throw NumericError("attention: the score of encoder state " + std::to_string(j + 1)
                             + " is not a finite number (the states or parameters are too large)");
    if (!std::isfinite(scores.maxCoeff()))
        throw NumericError("attention: every score is -inf, so no encoder state can be attended");
    AttentionResult r;
    r.scores = std::move(scores);
    r.weights = softmax(r.scores);                           // a (n)
    r.alignment = r.weights.asDiagonal() * keys;             // v_j = a_j h_j  (n × dk)
    r.context = r.alignment.colwise().sum().transpose();     // c = Σ_j v_j  (dk)
    if (!r.context.allFinite())
        throw NumericError("attention: the context vector is not finite (the encoder states are too large)");
    return r;
}

void applyWeightOverride(AttentionResult& r, const Eigen::Ref<const Vec>& weights, const Eigen::Ref<const Mat>& keys)
{
    if (weights.size() != keys.rows())
        throw ShapeError("attention override: expected " + std::to_string(keys.rows()) + " weights (one per source token), found "
                         + std::to_string(weights.size()));
    if (const std::string problem = overrideWeightsProblem(weights); !problem.empty())
        throw ShapeError("attention override: " + problem);
    r.weights = weights / weights.sum();
    r.alignment = r.weights.asDiagonal() * keys;
    r.context = r.alignment.colwise().sum().transpose();
    if (!r.context.allFinite())
        throw NumericError("attention override: the context vector is not finite (the encoder states are too large)");
}

} // namespace attnviz
