#pragma once
// One attention step (SPEC §1): score every encoder state, softmax, scale, sum.
#include "core/numeric/score_functions.h"
#include "core/numeric/types.h"

namespace attnviz {

// Every stage's numbers for one decoder time step; the UI animates these, the CLI prints them.
struct AttentionResult {
    Vec scores;     // stage 1: e (n)
    Vec weights;    // stage 2: a = softmax(e) (n), sums to 1
    Mat alignment;  // stage 3: v_j = a_j h_j, one per row (n × dk)
    Vec context;    // stage 4: c = Σ_j v_j (dk)
};

// query s: (dq), keys H: (n × dk), values = keys (Bahdanau/Luong: c = Σ a_j h_j).
// Throws ShapeError for n = 0, a violated score constraint, or scores/context that overflow to ±inf/NaN.
AttentionResult attend(const ScoreFunction& score, const Eigen::Ref<const Vec>& query, const Eigen::Ref<const Mat>& keys);
// Same, with the scores already computed (e.g. by ScoreFunction::scoresProjected).
AttentionResult attendWithScores(Vec scores, const Eigen::Ref<const Mat>& keys);
// What-if (SPEC §4 "Attention override"): replaces r's softmax weights by `weights` divided by their sum
// and recomputes the alignment vectors and the context from them; the scores stay as computed.
// Throws ShapeError for a wrong count, a negative or non-finite weight, or weights summing to 0.
void applyWeightOverride(AttentionResult& r, const Eigen::Ref<const Vec>& weights, const Eigen::Ref<const Mat>& keys);

} // namespace attnviz
