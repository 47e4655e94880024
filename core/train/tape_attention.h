#pragma once
// Differentiable attention operations on a Tape (core/train/tape.h), batched. The encoder states of a batch
// are kept in "sequence" layout: K is (n·B × dk) and row j·B + b is position j of example b (see
// ad::stackRows). Scores and weights are (B × n); a mask (B × n) holds 1 for real source positions and
// 0 for padding.
#include "core/train/tape.h"

namespace attnviz::ad {

// q: (B × d), K: (n·B × d) → e: (B × n), e_bj = q_b · K_{jB+b}            SPEC §2 "dot" (Luong 2015 eq. 8)
Var dotScores(Tape& t, Var q, Var K);
// qp: (B × da) = W_q s + b, Kp: (n·B × da) = K W_kᵀ, v: (da × 1)
// → e: (B × n), e_bj = vᵀ tanh(qp_b + Kp_{jB+b})                          SPEC §2 "additive" (Bahdanau 2015 eq. 6)
Var additiveScores(Tape& t, Var qp, Var Kp, Var v);
// q: (B × d), K: (n·B × d) → e_bj = q_b · K_{jB+b} / (‖q_b‖ ‖K_{jB+b}‖), 0 where a norm is 0   SPEC §2 "cosine"
Var cosineScores(Tape& t, Var q, Var K);
// e: (B × n), mask: (B × n) → a: (B × n), a_bj = m_bj exp(e_bj − max) / Σ_k m_bk exp(e_bk − max), the max
// over unmasked k (SPEC §1 stage 2). Masked positions get weight 0; a row without any unmasked position is all 0.
Var maskedSoftmax(Tape& t, Var e, const Eigen::Ref<const Mat>& mask);
// a: (B × n), K: (n·B × dk) → c: (B × dk), c_b = Σ_j a_bj K_{jB+b}          SPEC §1 stages 3–4
Var weightedSum(Tape& t, Var a, Var K);

} // namespace attnviz::ad
