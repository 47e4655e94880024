#pragma once
// Which attention head the views show (issue 13's precomputed heads, issue 16's transformer views): one head
// of one layer, or the mean or the maximum over a layer's heads; and the per-head matrices the "Heads" small
// multiples draw. Pure functions of a Trace: the window picks, the engine computes.
#include "core/formats/trace.h"

#include <optional>
#include <string>
#include <vector>

namespace attnviz {

enum class HeadMode { Mean, Max, One };

struct HeadSelection {
    int layer = -1;                 // decoder (or encoder) layer, 0-based; −1 = the last one
    HeadMode mode = HeadMode::Mean;
    int head = 0;                   // with HeadMode::One, 0-based
    bool operator==(const HeadSelection& o) const { return layer == o.layer && mode == o.mode && (mode != HeadMode::One || head == o.head); }
    bool operator!=(const HeadSelection& o) const { return !(*this == o); }
};

// The decoder layers and heads of a trace's cross-attention (the first multi-head step's); {0, 0} when no step has
// per-head weights.
struct HeadShape {
    int layers = 0;
    int heads = 0;
    bool empty() const { return layers == 0 || heads == 0; }
};
HeadShape headShape(const Trace& trace);

// `sel` with layer −1 resolved and everything clamped into `shape`.
HeadSelection resolved(HeadSelection sel, HeadShape shape);

// True when `sel` is what a trace's `weights` already are (the last layer's mean; SPEC §4): selectHeads is a copy.
bool isDefaultSelection(HeadSelection sel, HeadShape shape);

// "layer 3 · mean of 4 heads", "layer 1 · head 2 of 4", "layer 2 · max over 4 heads".
std::string describeSelection(HeadSelection sel, HeadShape shape);

// "mean", "max", "3" (head 3 of the last layer), "2:3", "2:mean", "2:max" — layers and heads counted from 1, as
// `attnviz export --heads` takes them. Empty when the text is none of these (ranges are checked by the caller).
std::optional<HeadSelection> parseHeadSelection(const std::string& text);

// One step's attention as the views show it for `sel` (`values`: the encoder output, n × d, or empty):
// - One: that head's weights; its scaled scores q·k/√(d/h) as the scores and its output a V as the context, when
//   the trace has them (else empty); no alignment rows (a head's own values V are not in a trace).
// - Mean: the layer's heads averaged — a distribution; scores = log of the model's own averaged weights (as
//   multiHeadView); alignment and context the weights applied to `values`.
// - Max: the largest weight any head of the layer gives each position — not a distribution (it sums to ≥ 1), so
//   no scores, alignment or context.
AttentionResult headAttention(const MultiHeadStep& mh, HeadSelection sel, const Mat& values);

// The trace as the views show it: every multi-head step's `attention` (and `query`, for one head) replaced per
// headAttention. Steps without per-head weights and traces without any are returned unchanged. For one head of
// a trace that holds the layer's crossKeys/crossValues, `keys` becomes that head's keys k_j (n × d/h),
// `encoderStates` its values v_j, and every step's alignment rows a_j v_j with their sum (the head's output) as
// the context: the head's whole computation, q·k_j/√(d/h) → softmax → Σ a_j v_j.
Trace selectHeads(const Trace& trace, HeadSelection sel);

enum class HeadMatrices { Cross, DecoderSelf, EncoderSelf };

// Every head's matrix for the small multiples, [layer][head]:
// - Cross: steps × n, row t = step t's cross-attention weights (of that head);
// - DecoderSelf: steps × steps, row t = step t's self-attention over positions 0..t; the masked future (columns
//   after t) is NaN, so a view can show the causal mask;
// - EncoderSelf: n × n (Trace::encoderSelfAttention).
// Empty when the trace does not hold them (a step without the numbers leaves its row NaN).
std::vector<std::vector<Mat>> headMatrices(const Trace& trace, HeadMatrices which);

// The matrix for `sel` from headMatrices' output: one head's, or the mean or element-wise max over the layer's
// heads (NaN stays NaN). Empty when `all` is empty.
Mat selectMatrix(const std::vector<std::vector<Mat>>& all, HeadSelection sel);

} // namespace attnviz
