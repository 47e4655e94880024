#pragma once
// The main window: wires the views to the document and the step controller. Holds no attention logic.
#include <QMainWindow>

namespace attnviz::ui {

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);

    // Opens an example or model; on failure shows a message and keeps the current document.
    bool openFile(const QString& path);
    void openBuiltInExample();
};

} // namespace attnviz::ui
