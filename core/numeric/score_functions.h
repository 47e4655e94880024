#pragma once
// The six score functions of SPEC §2. s: query (dq), H: encoder states, one per row (n × dk).
#include "core/numeric/types.h"

#include <optional>
#include <string>
#include <vector>

namespace attnviz {

enum class ScoreKind { Dot, ScaledDot, General, Additive, Cosine, Location };

// "dot", "scaled_dot", "general", "additive" (alias "concat"), "cosine", "location".
std::optional<ScoreKind> scoreKindFromId(const std::string& id);
std::string scoreId(ScoreKind kind);
const std::vector<std::string>& allScoreIds();  // canonical ids, in SPEC order
// Names of the parameters a kind needs (file keys), e.g. {"W_q", "W_k", "v"} for additive.
std::vector<std::string> requiredScoreParams(ScoreKind kind);

// Parameter names are the keys used in model and example files. Unused ones stay empty (size 0).
struct ScoreParams {
    Mat W;      // general: (dq × dk)
    Mat W_q;    // additive: (da × dq)
    Mat W_k;    // additive: (da × dk)
    Vec v;      // additive: (da)
    Vec b;      // additive, optional: (da)
    Mat W_loc;  // location: (max_len × dq)
    Vec b_loc;  // location, optional: (max_len)
};

class ScoreFunction {
public:
    explicit ScoreFunction(ScoreKind kind = ScoreKind::Dot, ScoreParams params = {});

    ScoreKind kind() const { return kind_; }
    std::string id() const { return scoreId(kind_); }
    const ScoreParams& params() const { return params_; }
    ScoreParams& params() { return params_; }

    // Throws ShapeError naming the score function and both dimensions when (dq, dk, n) violate the
    // constraint of SPEC §2 or the parameters' shapes.
    void check(Eigen::Index dq, Eigen::Index dk, Eigen::Index n) const;
    // Checks the parameters agree with each other (e.g. W_q and W_k have the same row count da).
    void checkParams() const;

    // s: (dq), H: (n × dk); returns e: (n), e_j = score(s, h_j). Calls check() first.
    //   dot         e_j = sᵀh_j                               Luong 2015 eq. 8 "dot"
    //   scaled_dot  e_j = sᵀh_j / √dk                         Vaswani 2017 eq. 1
    //   general     e_j = sᵀ W h_j                            Luong 2015 eq. 8 "general"
    //   additive    e_j = vᵀ tanh(W_q s + W_k h_j + b)        Bahdanau 2015 eq. 6 / Luong "concat"
    //   cosine      e_j = sᵀh_j / (‖s‖‖h_j‖), 0 if a norm is 0  Graves 2014 (content-based)
    //   location    e_j = (W_loc s + b_loc)_j                 Luong 2015 eq. 9
    Vec scores(const Eigen::Ref<const Vec>& s, const Eigen::Ref<const Mat>& H) const;

    // Additive attention only: K = H W_kᵀ (n × da), which does not depend on the query and can be
    // computed once per source sentence. scoresProjected(s, K) == scores(s, H).
    Mat projectKeys(const Eigen::Ref<const Mat>& H) const;
    Vec scoresProjected(const Eigen::Ref<const Vec>& s, const Eigen::Ref<const Mat>& H, const Eigen::Ref<const Mat>& K) const;

private:
    ScoreKind kind_;
    ScoreParams params_;
};

} // namespace attnviz
