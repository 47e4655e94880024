#pragma once
// Asks where and how big to export: file (format from the extension), pixel size, DPI, and the
// frame rate for the animated GIF. Collects values only; the window calls the exporter.
#include <QDialog>
#include <QSize>

class QLineEdit;
class QPushButton;
class QSpinBox;

namespace attnviz::ui {

class ExportDialog : public QDialog {
    Q_OBJECT
public:
    enum class Kind { Heatmap, StepFrame, Animation, Architecture, BeamTree };

    ExportDialog(Kind kind, const QString& suggestedPath, QWidget* parent = nullptr);

    QString path() const;
    QSize size() const;
    double dpi() const;
    int fps() const;
    void setPixelSize(const QSize& size);

    // "png", "jpg", "svg", "pdf" for images; "gif" for the animation.
    static QStringList formats(Kind kind);
    static QString fileFilter(Kind kind);

private:
    void browse();
    void validate();

    Kind kind_;
    QLineEdit* path_;
    QSpinBox* width_;
    QSpinBox* height_;
    QSpinBox* dpi_;
    QSpinBox* fps_ = nullptr;
    QPushButton* okButton_ = nullptr;
};

} // namespace attnviz::ui
