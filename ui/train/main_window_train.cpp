// File → Train a model… (issue 15): the Train panel, a window of its own beside the main one, made on first use.
#include "ui/shell/main_window.h"

#include "core/formats/any_file.h"
#include "core/formats/array_file.h"

#include "ui/shell/settings.h"
#include "ui/train/train_panel.h"

#include <QAction>
#include <QActionGroup>
#include <QFile>

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

bool MainWindow::isTimelineFile(const QString& path)
{
    // core's format sniffing (the same as every loader's; it stops at the top-level "format"). The panel then
    // reads the whole file with loadTimeline, which checks every rule.
    if (path.startsWith(QLatin1Char(':')))
        return false;
    try {
        const std::string file = path.toStdString();
        return !isArrayFile(detectFileKind(file)) && documentFormat(file) == "attnviz-timeline";
    } catch (const std::exception&) {
        return false;  // Document::openFile reports what is wrong with it
    }
}

bool MainWindow::openTimeline(const QString& path)
{
    showTrainPanel();
    if (!trainPanel_->openTimeline(path)) {
        reportError(trainPanel_->message());
        return false;
    }
    Settings::addRecentFile(path);
    rebuildRecentMenu();
    return true;
}

} // namespace attnviz::ui
