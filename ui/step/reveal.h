#pragma once
// Progressive reveal (issue 12, the article's order): each quantity of a decoder step appears at the stage
// that computes it — scores at stage 1, weights at 2, alignment vectors at 3, the context at 4, the output
// token at 5 — and nothing of a later step shows before that step is reached. `everything` (View → Show
// everything) turns it off. Plain value type: every view asks it, tests check it without a display.
#include "ui/step/step_state.h"

namespace attnviz::ui {

struct Reveal {
    bool everything = false;

    // Decoder step `row` (0-based) at position `pos`: is the quantity computed at stage `stage` visible?
    bool shown(int row, Stage stage, const StepPosition& pos) const
    {
        return everything || row < pos.step || (row == pos.step && static_cast<int>(pos.stage) >= static_cast<int>(stage));
    }
    bool scores(int row, const StepPosition& pos) const { return shown(row, Stage::Score, pos); }
    bool weights(int row, const StepPosition& pos) const { return shown(row, Stage::Softmax, pos); }
    bool alignment(int row, const StepPosition& pos) const { return shown(row, Stage::Align, pos); }
    bool context(int row, const StepPosition& pos) const { return shown(row, Stage::Context, pos); }
    bool output(int row, const StepPosition& pos) const { return shown(row, Stage::Feed, pos); }
    // A row of the heatmap's y-axis: its label is known once its output is.
    bool rowLabel(int row, const StepPosition& pos) const { return output(row, pos); }
};

// "stage 3 · align" — stages are numbered 0–5 everywhere (caption, chips, transport, status bar).
inline int stageNumber(Stage s)
{
    return static_cast<int>(s);
}

} // namespace attnviz::ui
