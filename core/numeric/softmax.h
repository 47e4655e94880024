#pragma once
#include "core/numeric/types.h"

namespace attnviz {

// e: (n) scores; returns a: (n), a_j = exp(e_j − max e) / Σ_k exp(e_k − max e)  — SPEC §1 stage 2.
// Subtracting the max keeps every exponent ≤ 0, so scores of ±1e4 give finite weights summing to 1.
// An empty input gives an empty output.
Vec softmax(const Eigen::Ref<const Vec>& e);

// log a_j = e_j − max e − log Σ_k exp(e_k − max e), stable for the same reason.
Vec logSoftmax(const Eigen::Ref<const Vec>& e);

} // namespace attnviz
