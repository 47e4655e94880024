// File → Train a model… (issue 15): the Train panel, a window of its own beside the main one, made on first use.
#include "ui/main_window.h"

#include "ui/train_panel.h"

#include <QAction>
#include <QActionGroup>

namespace attnviz::ui {

void MainWindow::showTrainPanel()
{
    if (!trainPanel_) {
        trainPanel_ = new TrainPanel(doc_, this);
        trainPanel_->setSamplesDir(samplesDir_);
        trainPanel_->setColorMap(colorMap_);
        // View → Colour map reaches the panel's heatmap too (each action's data is the ColorMap)
        connect(colorMaps_, &QActionGroup::triggered, trainPanel_,
                [this](QAction* a) { trainPanel_->setColorMap(static_cast<ColorMap>(a->data().toInt())); });
    }
    trainPanel_->show();
    trainPanel_->raise();
    trainPanel_->activateWindow();
}

} // namespace attnviz::ui
