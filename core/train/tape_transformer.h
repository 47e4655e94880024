#pragma once
// Differentiable operations of the transformer preset (SPEC §4) on a Tape (core/train/tape.h), batched.
// Sequences are kept batch-major: B sentences padded to n positions are (B·n × d) with row b·n + j =
// position j of sentence b, so every projection, feed-forward layer and norm is one matrix product or one
// pass over all tokens of the batch; only the attention itself works sentence by sentence and head by head.
#include "core/train/tape.h"

#include <vector>

namespace attnviz::ad {

// y = x W[r0 : r0 + rows]ᵀ + 1 b[r0 : r0 + rows]ᵀ: (R × rows), a block of rows of a stacked weight such as
// nn.MultiheadAttention's in_proj_weight [W_Q; W_K; W_V]. b may be invalid. Float32 products like linear().
Var linearRows(Tape& t, Var x, Var W, Var b, Eigen::Index r0, Eigen::Index rows);
// max(a, 0) elementwise.
Var relu(Tape& t, Var a);
// nn.LayerNorm over every row: (x − mean) / √(var + eps) ⊙ γ + β, var the biased variance; γ, β: (d × 1).
Var layerNorm(Tape& t, Var x, Var gamma, Var beta, double eps = 1e-5);

struct AttentionLayout {
    int B = 0;                    // sentences
    int nq = 0, nk = 0;           // query and key rows per sentence (rows b·nq + i, b·nk + j)
    int heads = 1;
    std::vector<int> keyLengths;  // per sentence: keys 0 .. len − 1 are real, the rest padding (weight 0)
    bool causal = false;          // query i sees keys j ≤ i only (self-attention of one sequence, nq = nk)
};

// Scaled dot-product attention of every head, SPEC §4: with Q = columns [qc, qc + d) of q (B·nq rows),
// K = columns [kc, kc + d) of k and V = columns [vc, vc + d) of v (B·nk rows), head i of sentence b is
// softmax(Q_i K_iᵀ / √(d/h)) V_i over the sentence's unmasked keys. Returns the heads concatenated,
// (B·nq × d), head i in columns [i·d/h, (i+1)·d/h) — what out_proj multiplies. q, k and v may be the same
// node (self-attention reads the three column blocks of one in_proj product).
Var multiHeadAttention(Tape& t, Var q, Eigen::Index qc, Var k, Eigen::Index kc, Var v, Eigen::Index vc, Eigen::Index d,
                       const AttentionLayout& layout);

} // namespace attnviz::ad
