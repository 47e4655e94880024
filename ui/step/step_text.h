#pragma once
// The words and formulas of the step view: the stage legend, the score arithmetic under each encoder
// state, captions that depend on the architecture. Only formatting: every number shown comes from
// the trace the engine computed (ui/ never computes attention).
#include "core/formats/trace.h"
#include "ui/step/step_state.h"

#include <QString>

namespace attnviz::ui {

// A number for people: formatNumber with a true minus sign (U+2212).
QString displayNumber(double x, int decimals = 2);

// Index k in Unicode subscript digits ("₁₂"); DejaVu Sans has every glyph the step view uses.
QString subscript(int k);

// "eⱼ = sᵀhⱼ" for dot, "eⱼ = vᵀtanh(W_q s + W_k hⱼ + b)" for additive, … (parameter names as in the files)
QString scoreFormula(const std::string& scoreId);

// The arithmetic behind score e_j, ending in the score the engine computed, e.g.
// "10×0 + 5×1 + 10×1 = 15" (dot, short vectors), "sᵀWh = 3.21" (general), "cos(s, h) = 0.71".
QString scoreArithmetic(const std::string& scoreId, const Vec& query, const Vec& key, double score, int j);

// "2 · softmax: aⱼ = exp(eⱼ − max e) / Σₖ exp(eₖ − max e)", for the legend line.
QString stageLegend(const Trace& trace, int step, Stage stage);
// The context written out as the article does, component by component: "[0+5+0+0, 0+0+0+0, 0+1+0+0] = [5, 0, 1]".
// Long sums keep their first terms and "…"; vectors longer than maxDims show maxDims components and "…".
QString contextArithmetic(const AttentionResult& attention, int maxTerms = 6, int maxDims = 4);

// How the context enters the decoder for the trace's architecture (stage 5), written from core's topology of its
// preset (presetShape): "sᵢ = GRU([E yᵢ₋₁; cᵢ], sᵢ₋₁);  logitsᵢ = W_out [sᵢ; cᵢ; E yᵢ₋₁] + b_out" for bahdanau.
QString feedFormula(const Trace& trace);

// Caption of the query column: what queries attention in this architecture ("s", "hₜ", "sᵢ₋₁", …)
// and a short description ("current decoder state"), from the topology of its preset (core).
QString queryTitle(const Trace& trace);
QString querySubtitle(const Trace& trace);

// "Luong 2015", "Bahdanau 2015", … ("example" for an example).
QString architectureLabel(const std::string& architecture);

// The input token of step `step` (the previous output, "<sos>" at the first step).
QString previousToken(const Trace& trace, int step);
// Source token j, or "hⱼ" when the trace has no label.
QString sourceLabel(const Trace& trace, int j);

// One transformer head with its own keys (core/model/heads.h selectHeads): the encoder column shows the head's keys Kⱼ
// up to the softmax and its values Vⱼ from the alignment stage on; otherwise the encoder states hⱼ throughout.
bool showsHeadKeys(const Trace& trace);
const Mat& statesShown(const Trace& trace, Stage stage);
QString stateLetter(const Trace& trace, Stage stage);   // "h", "K" or "V"
// The score function the arithmetic is written with: one head's is the scaled dot product q·Kⱼ/√dk.
std::string scoreShown(const Trace& trace);

// The score function as the step view's header names it: the id ("additive", "general"), or for a transformer
// "scaled dot product · " and the heads shown ("layer 2 · mean of 4 heads", "layer 1 · head 3 of 4").
QString scoreCaption(const Trace& trace);

} // namespace attnviz::ui
