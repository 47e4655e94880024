#pragma once
// File → Compare with… (issue 14): a second model translates the open sentence; its alignment heatmap, the
// open one's and the difference of their weights sit side by side and follow the main window's step and
// stage (the same progressive reveal). A model without attention shows its output and the bottleneck note.
#include "ui/step/step_state.h"

#include <QWidget>

#include <memory>

class QLabel;

namespace attnviz {
struct Trace;
}

namespace attnviz::ui {

class Document;
class HeatmapView;

class CompareWindow : public QWidget {
    Q_OBJECT
public:
    // `main` is the window's document (A); `otherModel` is opened in a document of its own (B).
    CompareWindow(Document* main, const QString& otherModel, QWidget* parent = nullptr);

    Document* other() const { return other_; }
    HeatmapView* heatmapA() const { return a_; }
    HeatmapView* heatmapB() const { return b_; }
    HeatmapView* difference() const { return diff_; }

public slots:
    void setPosition(const attnviz::ui::StepPosition& pos);

signals:
    void failed(const QString& message);

private:
    void refresh();

    Document* main_;
    Document* other_;
    HeatmapView *a_, *b_, *diff_;
    QLabel *outA_, *outB_, *noteB_, *noteA_;
    StepPosition pos_;
};

} // namespace attnviz::ui
