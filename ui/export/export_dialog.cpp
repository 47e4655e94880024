#include "ui/export/export_dialog.h"

#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>

namespace attnviz::ui {

namespace {

QSpinBox* spin(QWidget* parent, int lo, int hi, int value, const QString& suffix)
{
    auto* s = new QSpinBox(parent);
    s->setRange(lo, hi);
    s->setValue(value);
    s->setSuffix(suffix);
    return s;
}

} // namespace

QStringList ExportDialog::formats(Kind kind)
{
    if (kind == Kind::Animation)
        return {QStringLiteral("gif")};
    return {QStringLiteral("png"), QStringLiteral("jpg"), QStringLiteral("svg"), QStringLiteral("pdf")};
}

QString ExportDialog::fileFilter(Kind kind)
{
    if (kind == Kind::Animation)
        return tr("Animated GIF (*.gif)");
    return tr("PNG image (*.png);;JPEG image (*.jpg *.jpeg);;SVG drawing (*.svg);;PDF document (*.pdf)");
}

ExportDialog::ExportDialog(Kind kind, const QString& suggestedPath, QWidget* parent)
    : QDialog(parent), kind_(kind), path_(new QLineEdit(suggestedPath, this)), width_(spin(this, 16, 8000, 1200, tr(" px"))),
      height_(spin(this, 16, 8000, 800, tr(" px"))), dpi_(spin(this, 36, 1200, 96, tr(" dpi")))
{
    setWindowTitle(kind == Kind::Heatmap     ? tr("Export heatmap")
                   : kind == Kind::StepFrame ? tr("Export step view")
                   : kind == Kind::Architecture ? tr("Export architecture")
                   : kind == Kind::BeamTree     ? tr("Export beam tree")
                                                : tr("Export animation"));
    auto* browse = new QPushButton(tr("Browse…"), this);
    auto* fileRow = new QHBoxLayout;
    fileRow->addWidget(path_, 1);
    fileRow->addWidget(browse);
    auto* form = new QFormLayout;
    form->addRow(tr("File:"), fileRow);
    form->addRow(tr("Width:"), width_);
    form->addRow(tr("Height:"), height_);
    form->addRow(tr("Resolution:"), dpi_);
    if (kind == Kind::Animation) {
        fps_ = spin(this, 1, 50, 20, tr(" frames/s"));
        form->addRow(tr("Frame rate:"), fps_);
    }
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Export"));
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons);
    path_->setMinimumWidth(360);

    connect(browse, &QPushButton::clicked, this, &ExportDialog::browse);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(path_, &QLineEdit::textChanged, this, &ExportDialog::validate);
    okButton_ = buttons->button(QDialogButtonBox::Ok);
    validate();
}

QString ExportDialog::path() const
{
    return path_->text().trimmed();
}

QSize ExportDialog::size() const
{
    return {width_->value(), height_->value()};
}

double ExportDialog::dpi() const
{
    return dpi_->value();
}

int ExportDialog::fps() const
{
    return fps_ ? fps_->value() : 20;
}

void ExportDialog::setPixelSize(const QSize& size)
{
    width_->setValue(size.width());
    height_->setValue(size.height());
}

void ExportDialog::browse()
{
    const QString chosen = QFileDialog::getSaveFileName(this, windowTitle(), path(), fileFilter(kind_));
    if (!chosen.isEmpty())
        path_->setText(chosen);
}

void ExportDialog::validate()
{
    if (!okButton_)
        return;
    QString suffix = QFileInfo(path()).suffix().toLower();
    if (suffix == QLatin1String("jpeg"))
        suffix = QStringLiteral("jpg");
    const bool ok = formats(kind_).contains(suffix);
    okButton_->setEnabled(ok);
    okButton_->setToolTip(ok ? QString() : tr("The file name must end in .%1").arg(formats(kind_).join(tr(", ."))));
}

} // namespace attnviz::ui
