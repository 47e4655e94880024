#pragma once
// Recurrent cells with PyTorch's parameter layout (SPEC §3), so a state_dict loads without transposes.
// GRU gates are stacked [r; z; n], LSTM gates [i; f; g; o]; H = hidden size, I = input size,
// G = 3 (GRU) or 4 (LSTM).
#include "core/numeric/types.h"

#include <optional>
#include <string>

namespace attnviz {

enum class CellKind { Gru, Lstm };

std::optional<CellKind> cellKindFromId(const std::string& id);  // "gru", "lstm"
std::string cellId(CellKind kind);
int gateCount(CellKind kind);  // 3 for GRU, 4 for LSTM

// One layer (one direction) of a recurrent network.
struct RnnWeights {
    Mat weight_ih;  // (G·H × I)
    Mat weight_hh;  // (G·H × H)
    Vec bias_ih;    // (G·H)
    Vec bias_hh;    // (G·H)
    Eigen::Index hiddenSize() const { return weight_hh.cols(); }
    Eigen::Index inputSize() const { return weight_ih.cols(); }
};

// Scratch space so a step allocates nothing once sized (two G·H buffers).
struct CellScratch {
    Vec gi, gh;
};

// GRU step — Cho et al. 2014, PyTorch nn.GRUCell. x: (I), h: (H) → hOut: (H); hOut may not alias h.
//   r = σ(W_ir x + b_ir + W_hr h + b_hr)
//   z = σ(W_iz x + b_iz + W_hz h + b_hz)
//   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
//   h' = (1 − z) ⊙ n + z ⊙ h
void gruStep(const RnnWeights& w, const Eigen::Ref<const Vec>& x, const Eigen::Ref<const Vec>& h,
             Eigen::Ref<Vec> hOut, CellScratch& scratch);

// LSTM step — Hochreiter & Schmidhuber 1997, PyTorch nn.LSTMCell. x: (I), h, c: (H) → hOut, cOut: (H);
// outputs may not alias the inputs.
//   [i; f; g; o] = W_ih x + b_ih + W_hh h + b_hh,  i, f, o through σ, g through tanh
//   c' = f ⊙ c + i ⊙ g;   h' = o ⊙ tanh(c')
void lstmStep(const RnnWeights& w, const Eigen::Ref<const Vec>& x, const Eigen::Ref<const Vec>& h,
              const Eigen::Ref<const Vec>& c, Eigen::Ref<Vec> hOut, Eigen::Ref<Vec> cOut, CellScratch& scratch);

// The recurrent state of one layer: h (H) and, for LSTM, c (H); c stays empty for GRU.
struct CellState {
    Vec h, c;
};

CellState zeroState(CellKind kind, Eigen::Index hidden);

// Dispatches to gruStep / lstmStep: out = cell(x, in).
void cellStep(CellKind kind, const RnnWeights& w, const Eigen::Ref<const Vec>& x, const CellState& in, CellState& out,
              CellScratch& scratch);

} // namespace attnviz
