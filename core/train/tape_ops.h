#pragma once
// Differentiable operations on a Tape (core/train/tape.h). Shapes are batch-major: B examples, one per row.
// Each operation checks its shapes (ShapeError naming the operation and both shapes).
#include "core/train/tape.h"

#include <vector>

namespace attnviz::ad {

// x: (B × I), W: (O × I), b: (O × 1) or invalid → y = x Wᵀ + 1 bᵀ: (B × O)   (PyTorch nn.Linear layout)
Var linear(Tape& t, Var x, Var W, Var b = Var{});
// a + b, a − b, a ⊙ b: same shapes.
Var add(Tape& t, Var a, Var b);
Var sub(Tape& t, Var a, Var b);
Var mul(Tape& t, Var a, Var b);
// s · a
Var scale(Tape& t, Var a, double s);
// σ(a) = 1 / (1 + e^−a), tanh(a), elementwise.
Var sigmoid(Tape& t, Var a);
Var tanh(Tape& t, Var a);
// [a₁ a₂ …] along columns (features): (B × Σ dᵢ).
Var concat(Tape& t, const std::vector<Var>& parts);
// Columns [col, col + count) of a: (B × count).
Var slice(Tape& t, Var a, Eigen::Index col, Eigen::Index count);
// Rows of a table W (V × E) picked by ids (B): (B × E). Ids must be in [0, V).
Var embedding(Tape& t, Var W, const std::vector<int>& ids);
// Row-wise choice: m (B, entries 0 or 1) → y_b = m_b a_b + (1 − m_b) b_b. Keeps a state unchanged
// over padded positions.
Var select(Tape& t, const Eigen::Ref<const Vec>& m, Var a, Var b);
// Stacks n blocks of (B × d) into (n·B × d): row j·B + b is row b of block j ("sequence" layout).
Var stackRows(Tape& t, const std::vector<Var>& blocks);
// Sum of all entries: (1 × 1).
Var sumAll(Tape& t, Var a);

// Σ_b w_b · (−log softmax(logits_b)_{target_b}): (1 × 1). logits: (B × V), targets and weights: (B).
// A weight of 0 (a <pad> target) removes the row from the loss and its gradient.
Var crossEntropySum(Tape& t, Var logits, const std::vector<int>& targets, const Eigen::Ref<const Vec>& weights);

// The output layer and its loss in one operation: Σ_b w_b · (−log softmax(x_b Wᵀ + b)_{target_b}): (1 × 1).
// x: (R × I), W: (V × I), b: (V × 1), targets and weights: (R). Equal to crossEntropySum(linear(x, W, b), …)
// but computed for all rows at once (the teacher-forced steps of a batch stacked), skipping rows of
// weight 0, and — with float32 = true — with the two big products (R × I)(I × V) and their gradients in
// single precision (the loss and the gradients handed back are float64). The output layer is most of
// the arithmetic of training; float32 doubles its SIMD width. Gradient checks use float32 = false.
Var linearCrossEntropySum(Tape& t, Var x, Var W, Var b, const std::vector<int>& targets,
                          const Eigen::Ref<const Vec>& weights, bool float32);

} // namespace attnviz::ad
