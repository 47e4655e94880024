#pragma once
// Where the step-through is: which decoder step, which stage of SPEC §1, and how far into the
// stage's animation. Plain value type shared by the step controller, the renderer and every view.
#include <QtGlobal>

namespace attnviz::ui {

enum class Stage : int { Prepare = 0, Score = 1, Softmax = 2, Align = 3, Context = 4, Feed = 5 };
constexpr int kStageCount = 6;

const char* stageName(Stage s);  // "prepare", "score", …

struct StepPosition {
    int step = 0;                   // index into Trace::steps (0-based; trace t = step + 1)
    Stage stage = Stage::Prepare;
    double progress = 1.0;          // 0 → 1 within the stage (1 = the stage fully shown)

    // Linear index over (step, stage) for timelines: step * kStageCount + stage.
    int index() const { return step * kStageCount + static_cast<int>(stage); }
    static StepPosition fromIndex(int index, double progress = 1.0)
    {
        StepPosition p;
        p.step = index / kStageCount;
        p.stage = static_cast<Stage>(index % kStageCount);
        p.progress = progress;
        return p;
    }
    bool operator==(const StepPosition& o) const { return step == o.step && stage == o.stage && qFuzzyCompare(1.0 + progress, 1.0 + o.progress); }
    bool operator!=(const StepPosition& o) const { return !(*this == o); }
};

} // namespace attnviz::ui
