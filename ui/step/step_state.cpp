#include "ui/step/step_state.h"

namespace attnviz::ui {

const char* stageName(Stage s)
{
    switch (s) {
    case Stage::Prepare: return "prepare";
    case Stage::Score: return "score";
    case Stage::Softmax: return "softmax";
    case Stage::Align: return "align";
    case Stage::Context: return "context";
    case Stage::Feed: return "feed";
    }
    return "prepare";
}

} // namespace attnviz::ui
