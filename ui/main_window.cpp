#include "ui/main_window.h"

#include <QLabel>

namespace attnviz::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent)
{
    setWindowTitle(QStringLiteral("AttnViz"));
    setCentralWidget(new QLabel(QStringLiteral("AttnViz"), this));
}

bool MainWindow::openFile(const QString&)
{
    return false;
}

void MainWindow::openBuiltInExample() {}

} // namespace attnviz::ui
