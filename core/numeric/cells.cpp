#include "core/numeric/cells.h"

#include <cmath>

namespace attnviz {

namespace {

inline double sigmoid(double x)
{
    return 1.0 / (1.0 + std::exp(-x));
}

// gi = W_ih x + b_ih, gh = W_hh h + b_hh  (G·H each), without temporaries.
void gatePreactivations(const RnnWeights& w, const Eigen::Ref<const Vec>& x, const Eigen::Ref<const Vec>& h, CellScratch& s)
{
    s.gi.resize(w.weight_ih.rows());
    s.gh.resize(w.weight_hh.rows());
    s.gi.noalias() = w.weight_ih * x;
    s.gi += w.bias_ih;
    s.gh.noalias() = w.weight_hh * h;
    s.gh += w.bias_hh;
}

} // namespace

std::optional<CellKind> cellKindFromId(const std::string& id)
{
    if (id == "gru") return CellKind::Gru;
    if (id == "lstm") return CellKind::Lstm;
    return std::nullopt;
}

std::string cellId(CellKind kind)
{
    return kind == CellKind::Gru ? "gru" : "lstm";
}

int gateCount(CellKind kind)
{
    return kind == CellKind::Gru ? 3 : 4;
}

void gruStep(const RnnWeights& w, const Eigen::Ref<const Vec>& x, const Eigen::Ref<const Vec>& h,
             Eigen::Ref<Vec> hOut, CellScratch& scratch)
{
    const Eigen::Index H = w.hiddenSize();
    gatePreactivations(w, x, h, scratch);
    const Vec& gi = scratch.gi;
    const Vec& gh = scratch.gh;
    for (Eigen::Index k = 0; k < H; ++k) {
        const double r = sigmoid(gi(k) + gh(k));                     // reset gate
        const double z = sigmoid(gi(H + k) + gh(H + k));             // update gate
        const double n = std::tanh(gi(2 * H + k) + r * gh(2 * H + k));  // candidate
        hOut(k) = (1.0 - z) * n + z * h(k);
    }
}

void lstmStep(const RnnWeights& w, const Eigen::Ref<const Vec>& x, const Eigen::Ref<const Vec>& h,
              const Eigen::Ref<const Vec>& c, Eigen::Ref<Vec> hOut, Eigen::Ref<Vec> cOut, CellScratch& scratch)
{
    const Eigen::Index H = w.hiddenSize();
    gatePreactivations(w, x, h, scratch);
    const Vec& gi = scratch.gi;
    const Vec& gh = scratch.gh;
    for (Eigen::Index k = 0; k < H; ++k) {
        const double i = sigmoid(gi(k) + gh(k));
        const double f = sigmoid(gi(H + k) + gh(H + k));
        const double g = std::tanh(gi(2 * H + k) + gh(2 * H + k));
        const double o = sigmoid(gi(3 * H + k) + gh(3 * H + k));
        const double cn = f * c(k) + i * g;
        cOut(k) = cn;
        hOut(k) = o * std::tanh(cn);
    }
}

CellState zeroState(CellKind kind, Eigen::Index hidden)
{
    CellState s;
    s.h = Vec::Zero(hidden);
    if (kind == CellKind::Lstm)
        s.c = Vec::Zero(hidden);
    return s;
}

void cellStep(CellKind kind, const RnnWeights& w, const Eigen::Ref<const Vec>& x, const CellState& in, CellState& out,
              CellScratch& scratch)
{
    const Eigen::Index H = w.hiddenSize();
    out.h.resize(H);
    if (kind == CellKind::Gru) {
        gruStep(w, x, in.h, out.h, scratch);
        out.c.resize(0);
    } else {
        out.c.resize(H);
        lstmStep(w, x, in.h, in.c, out.h, out.c, scratch);
    }
}

} // namespace attnviz
