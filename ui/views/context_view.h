#pragma once
// The context vector of the current decoder step and the decoder state it feeds, with numbers:
// query s_t, context c_t, every decoder layer's state (models), the output token and the top-k
// candidates with their probabilities. Rich text in a label: selectable and copyable.
#include "core/formats/trace.h"
#include "ui/step/reveal.h"
#include "ui/step/step_state.h"
#include "ui/views/colormap.h"

#include <QWidget>

#include <memory>

class QLabel;

namespace attnviz::ui {

class ContextView : public QWidget {
    Q_OBJECT
public:
    explicit ContextView(QWidget* parent = nullptr);

    void setTrace(std::shared_ptr<const attnviz::Trace> trace);
    void setPosition(const StepPosition& pos);
    void setColorMap(ColorMap map);
    void setReveal(const Reveal& reveal);

    int step() const { return step_; }
    QString plainText() const;   // what the view shows, without markup (tests, copy)

private:
    void refresh();

    QLabel* label_ = nullptr;
    std::shared_ptr<const attnviz::Trace> trace_;
    int step_ = 0;
    Stage stage_ = Stage::Feed;
    Reveal reveal_;
    ColorMap map_ = ColorMap::Viridis;
};

} // namespace attnviz::ui
