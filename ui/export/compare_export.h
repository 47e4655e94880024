#pragma once
// Side by side (issue 14, "what does attention buy?"): two translations of the same sentence — two models,
// or one model before and after a what-if — drawn next to each other with their outputs, and, when both
// attend over the same source tokens, a third map of the difference of their weights (A − B, red where A
// looks more). A model without attention gets its output and a note on the bottleneck instead of a map.
// `attnviz export A --compare B --input "…" -o side.png` and File → Compare with… call this.
#include "core/formats/trace.h"
#include "ui/export/export.h"

#include <QString>

namespace attnviz::ui {

struct CompareSide {
    Trace trace;
    QString name;         // "en_es_seq2seq", "before", …
    QString translation;  // the output as text (detokenized)
};

// The difference of the two traces' weights, row by row for the steps both have (A − B), as a trace the
// heatmap can draw; empty steps when they do not attend over the same source tokens.
Trace weightDifference(const Trace& a, const Trace& b);

// png, jpg, svg, pdf. Default size 1500 × 700 (1000 × 700 without a difference map).
bool exportComparison(const CompareSide& a, const CompareSide& b, const ExportOptions& options, QString* error);

} // namespace attnviz::ui
