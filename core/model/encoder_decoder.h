#pragma once
// The one general encoder–decoder of SPEC §4. Every preset runs through encode(), initialState() and
// decoderStep(); the Topology in the Model decides the query, where the context goes and the
// residual connections. Decoding (decoding.h) and teacher-forced training both drive these.
#include "core/model/model.h"
#include "core/numeric/attention.h"
#include "core/numeric/cells.h"

#include <optional>
#include <vector>

namespace attnviz {

// The source read once.
struct Encoding {
    Mat keys;                       // h̄ (n × dk): top encoder outputs, keys and values of attention
    Mat projectedKeys;              // K = h̄ W_kᵀ (n × da) for additive attention, computed once per sentence
    std::vector<CellState> final;   // each encoder layer's final (forward) state, bottom first
    Vec backwardFirst;              // ←h_1 (H): backward bottom layer's output at position 1 (bidirectional only)
};

// sourceIds: x_1..x_n (n ≥ 1) vocabulary ids. Throws ShapeError for n = 0 and for location attention
// with n > max_len (naming both).
Encoding encode(const Model& model, const std::vector<int>& sourceIds);

// The decoder's recurrent state between steps.
struct DecoderState {
    std::vector<CellState> layers;  // each decoder layer's own (h, c), bottom first
    Vec attentional;                // h̃_{t-1} (H) for Luong input feeding; empty otherwise
};

// s_0: the encoder final states (seq2seq, luong), tanh(W_bridge ←h_1 + b) (bahdanau; LSTM c_0 = 0), or zero (gnmt).
DecoderState initialState(const Model& model, const Encoding& enc);

// What one decoder step computed.
struct StepResult {
    Vec query;                                 // the vector that queried attention (dq); empty without attention
    std::optional<AttentionResult> attention;  // scores, weights, alignment, context
    Vec features;                              // input of the output layer (out.weight columns)
    Vec logits;                                // (V_t)
};

// Buffers reused across steps so a step allocates little.
struct StepWorkspace {
    CellScratch cell;
    Vec input, below, embedding;
};

// One decoder step t: consumes y_{t-1} (prevToken) and s_{t-1} (prev), writes s_t (next) and the step's
// numbers (out). `next` must not be `prev`. overrideWeights (what-if, SPEC §4): replaces the softmax
// weights (divided by their sum) before the context is formed; everything after follows from them.
void decoderStep(const Model& model, const Encoding& enc, int prevToken, const DecoderState& prev, DecoderState& next,
                 StepResult& out, StepWorkspace& ws, const Vec* overrideWeights = nullptr);

} // namespace attnviz
