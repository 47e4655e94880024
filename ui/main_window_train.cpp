// File → Train a model… (issue 15): the Train panel, a window of its own beside the main one, made on first use.
#include "ui/main_window.h"

#include "ui/settings.h"
#include "ui/train_panel.h"

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
    // A cheap peek: the "format" is a top-level key near the start (keys are written sorted: "architecture",
    // "config", "format", …) in JSON and CBOR alike, whose text strings are stored as they are. The panel then
    // reads the whole file with loadTimeline, which checks every rule.
    if (path.startsWith(QLatin1Char(':')))
        return false;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return false;
    const QByteArray head = f.read(64 * 1024);
    const int at = head.indexOf("attnviz-timeline");
    return at >= 0 && head.lastIndexOf("format", at) >= 0;
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
