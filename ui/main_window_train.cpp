// File → Train a model… (issue 15): the Train panel, a window of its own beside the main one, made on first use.
#include "ui/main_window.h"

#include "ui/train_panel.h"

namespace attnviz::ui {

void MainWindow::showTrainPanel()
{
    if (!trainPanel_) {
        trainPanel_ = new TrainPanel(doc_, this);
        trainPanel_->setSamplesDir(samplesDir_);
        trainPanel_->setColorMap(colorMap_);
    }
    trainPanel_->show();
    trainPanel_->raise();
    trainPanel_->activateWindow();
}

} // namespace attnviz::ui
