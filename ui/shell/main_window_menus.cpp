// The main window's menus and their actions: files, export, playback shortcuts, colour maps, help.
#include "ui/shell/view_hub.h"
#include "ui/shell/main_window.h"

#include "core/formats/numbers_out.h"
#include "core/formats/trace.h"
#include "ui/graphs/architecture_view.h"
#include "ui/graphs/beam_view.h"
#include "ui/shell/document.h"
#include "ui/export/export.h"
#include "ui/export/export_dialog.h"
#include "ui/export/view_export.h"
#include "ui/shell/settings.h"
#include "ui/shell/step_controller.h"


#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressDialog>
#include <QSaveFile>
#include <QStatusBar>

#include <stdexcept>

namespace attnviz::ui {

void MainWindow::buildMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open…"), this, &MainWindow::chooseFile);
    open->setShortcut(QKeySequence::Open);
    recentMenu_ = file->addMenu(tr("Open &Recent"));
    connect(recentMenu_, &QMenu::aboutToShow, this, &MainWindow::rebuildRecentMenu);
    samplesMenu_ = file->addMenu(tr("&Samples"));
    connect(samplesMenu_, &QMenu::aboutToShow, this, &MainWindow::rebuildSamplesMenu);
    compareMenu_ = file->addMenu(tr("&Compare with…"));
    connect(compareMenu_, &QMenu::aboutToShow, this, &MainWindow::rebuildCompareMenu);
    file->addSeparator();
    QAction* exHeat = file->addAction(tr("Export &heatmap…"), this, [this] { exportWith(int(ExportDialog::Kind::Heatmap)); });
    exHeat->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    file->addAction(tr("Export &step view…"), this, [this] { exportWith(int(ExportDialog::Kind::StepFrame)); });
    file->addAction(tr("Export &animation (GIF)…"), this, [this] { exportWith(int(ExportDialog::Kind::Animation)); });
    file->addAction(tr("Export a&rchitecture…"), this, [this] { exportWith(int(ExportDialog::Kind::Architecture)); });
    file->addAction(tr("Export &beam tree…"), this, [this] { exportWith(int(ExportDialog::Kind::BeamTree)); });
    // Numbers out (core/formats/numbers_out.h): scores, weights and contexts for a paper's own plots; as `attnviz
    // attend --format csv|npz`.
    file->addAction(tr("Export &numbers (CSV, NPZ)…"), this, [this] {
        const QString base = exportBaseName();
        if (base.isEmpty())
            return;
        const QString path = QFileDialog::getSaveFileName(this, tr("Export numbers"), QDir(Settings::lastExportFolder()).filePath(base + QStringLiteral("_numbers.csv")),
                                                          tr("CSV, one number a row (*.csv);;NumPy arrays (*.npz)"));
        if (path.isEmpty())
            return;
        Settings::setLastExportFolder(QFileInfo(path).absolutePath());
        const std::shared_ptr<const Trace> trace = hub_->trace();
        try {
            if (path.endsWith(QStringLiteral(".npz"), Qt::CaseInsensitive)) {
                saveTraceNpz(path.toStdString(), *trace);
            } else {
                const std::string csv = traceCsv(*trace);
                QSaveFile f(path);
                if (!f.open(QIODevice::WriteOnly) || f.write(csv.data(), static_cast<qint64>(csv.size())) != static_cast<qint64>(csv.size()) || !f.commit())
                    throw std::runtime_error(path.toStdString() + ": cannot write");
            }
            statusBar()->showMessage(tr("Exported %1").arg(QFileInfo(path).fileName()), 4000);
        } catch (const std::exception& e) {
            reportError(QString::fromStdString(e.what()));
        }
    });
    QAction* saveTraceAction = file->addAction(tr("Save &trace…"), this, &MainWindow::saveTrace);
    saveTraceAction->setShortcut(QKeySequence::Save);
    file->addSeparator();
    file->addAction(tr("Tra&in a model…"), this, &MainWindow::showTrainPanel);
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    buildWhatIf(menuBar()->addMenu(tr("&Edit")));

    QMenu* play = menuBar()->addMenu(tr("&Playback"));
    buildPlaybackActions(play);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    QMenu* maps = view->addMenu(tr("&Colour map"));
    colorMaps_ = new QActionGroup(this);
    const QStringList names = colorMapNames();
    for (int i = 0; i < names.size(); ++i) {
        QAction* a = maps->addAction(names[i]);
        a->setCheckable(true);
        a->setData(i);
        colorMaps_->addAction(a);
        connect(a, &QAction::triggered, this, [this, i] { setColorMap(static_cast<ColorMap>(i)); });
    }
    revealAll_ = view->addAction(tr("Show &everything"));
    revealAll_->setCheckable(true);
    revealAll_->setToolTip(tr("Off: each number appears at the stage that computes it, as in the article"));
    revealAll_->setChecked(Settings::revealEverything());
    connect(revealAll_, &QAction::toggled, this, [this](bool on) {
        Settings::setRevealEverything(on);
        applyReveal();
    });
    buildHeadActions(view);
    view->addSeparator();
    for (QDockWidget* dock : findChildren<QDockWidget*>())
        view->addAction(dock->toggleViewAction());

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About AttnViz"), this, &MainWindow::showAbout);
    help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
}

void MainWindow::buildPlaybackActions(QMenu* menu)
{
    struct Entry {
        QString text;
        QList<QKeySequence> keys;
        void (StepController::*slot)();
    };
    const QList<Entry> entries{
        {tr("Play / pause"), {QKeySequence(Qt::Key_Space)}, &StepController::togglePlay},
        {tr("Next stage"), {QKeySequence(Qt::Key_Right)}, &StepController::nextStage},
        {tr("Previous stage"), {QKeySequence(Qt::Key_Left)}, &StepController::previousStage},
        {tr("Next decoder step"), {QKeySequence(Qt::SHIFT | Qt::Key_Right), QKeySequence(Qt::Key_Down)}, &StepController::nextStep},
        {tr("Previous decoder step"), {QKeySequence(Qt::SHIFT | Qt::Key_Left), QKeySequence(Qt::Key_Up)}, &StepController::previousStep},
        {tr("First"), {QKeySequence(Qt::Key_Home)}, &StepController::first},
        {tr("Last"), {QKeySequence(Qt::Key_End)}, &StepController::last},
    };
    for (const Entry& e : entries) {
        QAction* a = menu->addAction(e.text);
        a->setShortcuts(e.keys);
        a->setShortcutContext(Qt::WindowShortcut);
        connect(a, &QAction::triggered, ctl_, e.slot);
        addAction(a);  // shortcuts work with the menu bar hidden too
    }
    menu->addSeparator();
    QAction* faster = menu->addAction(tr("Faster"), ctl_, [this] { ctl_->setSpeed(ctl_->speed() * 1.5); });
    faster->setShortcut(QKeySequence(Qt::Key_BracketRight));
    QAction* slower = menu->addAction(tr("Slower"), ctl_, [this] { ctl_->setSpeed(ctl_->speed() / 1.5); });
    slower->setShortcut(QKeySequence(Qt::Key_BracketLeft));
}

void MainWindow::rebuildRecentMenu()
{
    recentMenu_->clear();
    const QStringList files = Settings::recentFiles();
    for (const QString& f : files) {
        QAction* a = recentMenu_->addAction(QFileInfo(f).fileName());
        a->setToolTip(f);
        a->setStatusTip(f);
        connect(a, &QAction::triggered, this, [this, f] {
            if (!QFileInfo::exists(f)) {
                Settings::removeRecentFile(f);
                reportError(tr("%1: the file no longer exists").arg(f));
                return;
            }
            openFile(f);
        });
    }
    if (files.isEmpty())
        recentMenu_->addAction(tr("(none yet)"))->setEnabled(false);
}

void MainWindow::setSamplesDir(const QString& dir)
{
    samplesDir_ = dir;
}

QFileInfoList MainWindow::sampleFiles(const QString& folder, const QStringList& patterns) const
{
    return samplesDir_.isEmpty() ? QFileInfoList() : QDir(samplesDir_ + QLatin1Char('/') + folder).entryInfoList(patterns, QDir::Files, QDir::Name);
}

void MainWindow::rebuildSamplesMenu()
{
    samplesMenu_->clear();
    // Examples are built in (resources); models are read from the samples folder when there is one.
    samplesMenu_->addSection(tr("Examples (built in)"));
    const QFileInfoList examples = QDir(QStringLiteral(":/samples")).entryInfoList({QStringLiteral("*.json")}, QDir::Files, QDir::Name);
    for (const QFileInfo& f : examples) {
        const QString path = f.filePath();
        samplesMenu_->addAction(f.completeBaseName(), this, [this, path] { openFile(path); });
    }
    const QFileInfoList models = sampleFiles(QStringLiteral("models"), {QStringLiteral("*.json"), QStringLiteral("*.cbor")});
    if (!models.isEmpty())
        samplesMenu_->addSection(tr("Models"));
    for (const QFileInfo& f : models) {
        const QString path = f.absoluteFilePath();
        samplesMenu_->addAction(f.completeBaseName(), this, [this, path] { openFile(path); });
    }
    // Recorded training runs (issue 15): they open in the Train panel.
    const QFileInfoList timelines = sampleFiles(QStringLiteral("timelines"), {QStringLiteral("*.timeline.cbor"), QStringLiteral("*.timeline.json")});
    if (!timelines.isEmpty())
        samplesMenu_->addSection(tr("Training timelines"));
    for (const QFileInfo& f : timelines) {
        const QString path = f.absoluteFilePath();
        QAction* a = samplesMenu_->addAction(tr("%1 (timeline)").arg(f.fileName().section(QLatin1Char('.'), 0, 0)), this, [this, path] { openTimeline(path); });
        a->setStatusTip(tr("How attention emerged while this model trained, in the Train panel"));
    }
}

void MainWindow::chooseFile()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Open example, model, trace or timeline"), Settings::lastFolder(),
                                                      tr("AttnViz files (*.json *.cbor *.npz *.safetensors *.pt *.pth);;"
                                                         "Training timelines (*.timeline.cbor *.timeline.json);;All files (*)"));
    if (!path.isEmpty())
        openFile(path);
}

void MainWindow::showAbout()
{
    QMessageBox::about(
        this, tr("About AttnViz"),
        tr("<h3>AttnViz %1</h3>"
           "<p>Step by step, animated: how attention works in encoder–decoder neural machine translation. "
           "The decoder scores every encoder state, softmax turns the scores into weights, the weighted states "
           "sum into the context vector, and the context feeds the decoder — once per decoder step.</p>"
           "<p><b>Architectures</b></p><ul>"
           "<li>seq2seq: Sutskever, Vinyals &amp; Le 2014, <i>Sequence to Sequence Learning with Neural Networks</i>; "
           "Cho et al. 2014, <i>Learning Phrase Representations using RNN Encoder–Decoder</i></li>"
           "<li>bahdanau (additive attention): Bahdanau, Cho &amp; Bengio 2015, <i>Neural Machine Translation by Jointly "
           "Learning to Align and Translate</i></li>"
           "<li>luong (dot, general, concat, location): Luong, Pham &amp; Manning 2015, <i>Effective Approaches to "
           "Attention-based Neural Machine Translation</i></li>"
           "<li>gnmt: Wu et al. 2016, <i>Google's Neural Machine Translation System</i></li></ul>"
           "<p><b>Score functions</b></p><ul>"
           "<li>scaled_dot: Vaswani et al. 2017, <i>Attention Is All You Need</i></li>"
           "<li>cosine (content-based): Graves, Wayne &amp; Danihelka 2014, <i>Neural Turing Machines</i></li></ul>")
            .arg(QApplication::applicationVersion()));
}

QString MainWindow::exportBaseName()
{
    if (!hub_->trace() || hub_->trace()->steps.empty()) {
        reportError(tr("Nothing to export: the open document has no decoder steps."));
        return {};
    }
    const QString base = QFileInfo(doc_->filePath()).completeBaseName();
    return base.isEmpty() ? QStringLiteral("attnviz") : base;
}

void MainWindow::exportWith(int kindValue)
{
    const auto kind = static_cast<ExportDialog::Kind>(kindValue);
    const QString base = exportBaseName();
    if (base.isEmpty())
        return;
    if (kind == ExportDialog::Kind::BeamTree && !doc_->decodeResult()) {
        reportError(tr("Nothing to export: the beam tree exists once a model has translated a sentence."));
        return;
    }
    const QString suffix = kind == ExportDialog::Kind::Heatmap        ? QStringLiteral("_heatmap.png")
                           : kind == ExportDialog::Kind::StepFrame    ? QStringLiteral("_step.png")
                           : kind == ExportDialog::Kind::Architecture ? QStringLiteral("_architecture.png")
                           : kind == ExportDialog::Kind::BeamTree     ? QStringLiteral("_beam.png")
                                                                      : QStringLiteral("_steps.gif");
    ExportDialog dialog(kind, QDir(Settings::lastExportFolder()).filePath(base + suffix), this);
    const bool graphView = kind == ExportDialog::Kind::Architecture || kind == ExportDialog::Kind::BeamTree;
    const QSize graphSize = kind == ExportDialog::Kind::Architecture && arch_->graph() ? architectureExportSize(*arch_->graph())
                            : kind == ExportDialog::Kind::BeamTree && doc_->decodeResult() ? beamExportSize(*doc_->decodeResult())
                                                                                          : QSize(1400, 800);
    dialog.setPixelSize(graphView ? graphSize  // cropped to the content (ui/export/view_export.h)
                                  : defaultExportSize(kind == ExportDialog::Kind::Heatmap     ? ExportWhat::Heatmap
                                                      : kind == ExportDialog::Kind::StepFrame ? ExportWhat::StepFrame
                                                                                              : ExportWhat::Animation));
    if (dialog.exec() != QDialog::Accepted)
        return;
    Settings::setLastExportFolder(QFileInfo(dialog.path()).absolutePath());
    exportTo(static_cast<ExportKind>(kindValue), dialog.path(), dialog.size(), dialog.dpi(), dialog.fps());
}

bool MainWindow::exportTo(ExportKind kind, const QString& path, const QSize& size, double dpi, int fps)
{
    if (!hub_->trace() || hub_->trace()->steps.empty()) {
        reportError(tr("Nothing to export: the open document has no decoder steps."));
        return false;
    }
    ExportOptions opt;
    opt.path = path;
    opt.size = size;
    opt.dpi = dpi;
    opt.fps = fps;
    opt.colorMap = colorMap_;
    QString error;
    bool ok = false;
    const std::shared_ptr<const Trace> trace = hub_->trace();  // stays alive through the export
    if (kind == ExportKind::Heatmap) {
        ok = exportHeatmap(*trace, opt, &error);
    } else if (kind == ExportKind::StepFrame) {
        ok = exportStepFrame(*trace, ctl_->position(), opt, &error);
    } else if (kind == ExportKind::Architecture) {
        const ArchitectureGraph* graph = arch_->graph();
        ok = graph ? exportArchitecture(*graph, trace.get(), ctl_->position(), opt, &error, arch_->attentionLayer(), arch_->attentionHeads())
                   : false;
        if (!graph)
            error = tr("Nothing to export: no architecture is known for this document.");
    } else if (kind == ExportKind::BeamTree) {
        const std::shared_ptr<const DecodeResult> result = beamView_->result();
        ok = result ? exportBeamTree(*result, beamView_->selectedHypothesis(), opt, &error) : false;
        if (!result)
            error = tr("Nothing to export: the beam tree exists once a model has translated a sentence.");
    } else {
        QProgressDialog progress(tr("Writing the animation…"), tr("Cancel"), 0, 100, this);
        progress.setWindowModality(Qt::WindowModal);
        progress.setMinimumDuration(300);
        ok = exportAnimation(*trace, opt, &error, [&progress](int done, int total) {
            progress.setMaximum(total);
            progress.setValue(done);
            QApplication::processEvents();
            return !progress.wasCanceled();
        });
    }
    if (ok)
        statusBar()->showMessage(tr("Wrote %1").arg(opt.path), 6000);
    else
        reportError(error.isEmpty() ? tr("Export to %1 failed.").arg(opt.path) : error);
    return ok;
}

} // namespace attnviz::ui
