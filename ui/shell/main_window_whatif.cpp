// What-if decoding in the window (SPEC §4, issue 14): right-click a word (heatmap row, decoder box) to make
// the model say another, drag a_j bars to change where it looks; undo, redo, clear; the run before the
// edits stays as a ghost in the step view. The Document does the decoding; this file only wires.
#include "ui/shell/view_hub.h"
#include "ui/shell/main_window.h"

#include "core/formats/json_io.h"
#include "core/formats/trace.h"
#include "core/model/model.h"
#include "ui/graphs/beam_view.h"
#include "ui/shell/compare_window.h"
#include "ui/shell/document.h"
#include "ui/shell/settings.h"
#include "ui/shell/step_controller.h"
#include "ui/step/step_view.h"
#include "ui/views/heatmap_view.h"
#include "ui/views/token_label.h"

#include <QAction>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QLabel>
#include <QMenu>
#include <QStatusBar>

namespace attnviz::ui {

void MainWindow::buildWhatIf(QMenu* edit)
{
    undoWhatIf_ = edit->addAction(tr("&Undo what-if"), doc_, &Document::undoWhatIf);
    undoWhatIf_->setShortcut(QKeySequence::Undo);
    redoWhatIf_ = edit->addAction(tr("&Redo what-if"), doc_, &Document::redoWhatIf);
    redoWhatIf_->setShortcuts({QKeySequence::Redo, QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z)});
    clearWhatIf_ = edit->addAction(tr("&Clear what-if (back to the model's own translation)"), doc_, &Document::clearWhatIf);
    clearWhatIf_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Backspace));
    edit->addSeparator();
    QAction* say = edit->addAction(tr("Say another word at this step…"), this, [this] {
        const QPoint at = stepView_->mapToGlobal(stepView_->layout().decoderRect.center().toPoint());
        showOutputMenu(ctl_->position().step + 1, at);
    });
    say->setShortcut(QKeySequence(Qt::Key_W));
    for (QAction* a : {undoWhatIf_, redoWhatIf_, clearWhatIf_, say})
        addAction(a);  // shortcuts work with the menu bar hidden too

    connect(doc_, &Document::whatIfChanged, this, &MainWindow::updateWhatIf);
    connect(doc_, &Document::documentChanged, this, &MainWindow::updateWhatIf);
    connect(doc_, &Document::traceChanged, this, &MainWindow::updateWhatIf);
    connect(heatmap_, &HeatmapView::stepMenuRequested, this, [this](int step, const QPoint& at) {
        ctl_->seekStep(step);
        showOutputMenu(step + 1, at);
    });
    connect(stepView_, &StepView::outputMenuRequested, this, &MainWindow::showOutputMenu);
    connect(beamView_, &BeamView::branchRequested, this, [this](const QList<int>& ids) {
        doc_->forcePrefix(std::vector<int>(ids.begin(), ids.end()));
    });
    connect(stepView_, &StepView::weightsEdited, this, [this](int step, const Vec& w, bool final) {
        doc_->overrideWeights(step, w, !final);
    });
    updateWhatIf();
}

void MainWindow::updateWhatIf()
{
    const bool model = doc_->kind() == Document::Kind::Model && doc_->model();
    const bool pieces = !doc_->mergesWords();
    // Dragged weights replace every head of the last layer (SPEC §4), so they are set on that view only.
    const bool defaultHeads = hub_->headShape().empty() || isDefaultSelection(hub_->headSelection(), hub_->headShape());
    stepView_->setWhatIfEnabled(model && pieces && defaultHeads);
    stepView_->setGhost(pieces && defaultHeads ? doc_->baseline() : nullptr);
    undoWhatIf_->setEnabled(doc_->canUndoWhatIf());
    redoWhatIf_->setEnabled(doc_->canRedoWhatIf());
    const Document::WhatIf& w = doc_->whatIf();
    clearWhatIf_->setEnabled(!w.empty());
    if (!model)
        return;
    if (w.empty()) {
        statusBar()->showMessage(doc_->model()->hasAttention()
                                     ? tr("What if? Right-click a word for another; drag the a\u2c7c bars to change where it looks.")
                                     : tr("What if? Right-click a word to make the model say another."),
                                 8000);
    } else {
        int forced = 0;  // words the model would not have said itself (▸ in the heatmap)
        if (hub_->trace())
            for (const StepTrace& st : hub_->trace()->steps)
                forced += st.forcedAgainstModel() ? 1 : 0;
        statusBar()->showMessage(tr("What-if: %1 word(s) forced (▸), %2 step(s) with weights set by hand (✎) — dashed outlines show "
                                    "the model's own; Ctrl+Z undoes, Ctrl+Backspace clears.")
                                     .arg(forced)
                                     .arg(w.overrides.size()));
    }
}

void MainWindow::showOutputMenu(int step, const QPoint& globalPos)
{
    const std::shared_ptr<const Trace> trace = hub_->trace();
    if (!trace || step < 1 || step > static_cast<int>(trace->steps.size()) || doc_->kind() != Document::Kind::Model)
        return;
    if (doc_->mergesWords()) {
        showProblem(tr("What-if edits work on pieces: untick \"words\" to change a piece or its attention."));
        return;
    }
    const StepTrace& st = trace->steps[static_cast<std::size_t>(step - 1)];
    QMenu menu(this);
    QAction* head = menu.addAction(tr("Step %1: the model %2 \u201c%3\u201d%4")
                                       .arg(step)
                                       .arg(st.forcedAgainstModel() ? tr("was made to say") : tr("said"))
                                       .arg(tokenLabel(st.token))
                                       .arg(st.prob ? tr(" (p = %1)").arg(*st.prob, 0, 'f', 3) : QString()));
    head->setEnabled(false);
    menu.addSeparator();
    for (const TokenProb& tp : st.topK) {
        if (tp.token == st.token || tp.id < 0)
            continue;
        const int id = tp.id;
        menu.addAction(tr("Say \u201c%1\u201d instead (p = %2)").arg(tokenLabel(tp.token)).arg(tp.prob, 0, 'f', 3), this,
                       [this, step, id] { doc_->forceToken(step, id); });
    }
    menu.addAction(tr("Type what it should say…"), this, [this, step] {
        bool ok = false;
        const QString text = QInputDialog::getText(this, tr("What if it had said…"),
                                                   tr("Words for step %1 on (the model's target tokenizer splits them):").arg(step),
                                                   QLineEdit::Normal, QString(), &ok);
        if (ok && !text.trimmed().isEmpty())
            doc_->forceText(step, text);
    });
    if (st.overridden) {
        menu.addSeparator();
        menu.addAction(tr("Give step %1 back its own attention").arg(step), this, [this, step] { doc_->clearOverride(step); });
    }
    if (!doc_->whatIf().empty()) {
        menu.addSeparator();
        menu.addAction(clearWhatIf_);
    }
    menu.exec(globalPos);
}

void MainWindow::saveTrace()
{
    const std::shared_ptr<const Trace> trace = hub_->trace();
    if (!trace || trace->steps.empty()) {
        showProblem(tr("Nothing to save yet: open an example or translate a sentence."));
        return;
    }
    const QString base = QFileInfo(doc_->filePath()).completeBaseName();
    const QString path = QFileDialog::getSaveFileName(this, tr("Save trace"),
                                                      QDir(Settings::lastExportFolder()).filePath((base.isEmpty() ? QStringLiteral("attnviz") : base)
                                                                                                  + QStringLiteral(".trace.json")),
                                                      tr("AttnViz trace (*.json);;AttnViz trace, CBOR (*.cbor)"));
    if (path.isEmpty())
        return;
    Settings::setLastExportFolder(QFileInfo(path).absolutePath());
    try {
        saveDocument(path.toStdString(), traceToJson(*trace));  // safe write; opens again with File → Open
        statusBar()->showMessage(tr("Saved %1").arg(QFileInfo(path).fileName()), 4000);
    } catch (const std::exception& e) {
        reportError(QString::fromStdString(e.what()));
    }
}

void MainWindow::rebuildCompareMenu()
{
    compareMenu_->clear();
    if (doc_->kind() != Document::Kind::Model) {
        compareMenu_->addAction(tr("(open a model first: the other model translates its sentence)"))->setEnabled(false);
        return;
    }
    const QFileInfoList models = sampleFiles(QStringLiteral("models"), {QStringLiteral("*.json"), QStringLiteral("*.cbor")});
    if (!models.isEmpty())
        compareMenu_->addSection(tr("Sample models"));
    for (const QFileInfo& f : models) {
        if (f.absoluteFilePath() == QFileInfo(doc_->filePath()).absoluteFilePath())
            continue;
        const QString path = f.absoluteFilePath();
        compareMenu_->addAction(f.completeBaseName(), this, [this, path] { compareWith(path); });
    }
    compareMenu_->addSeparator();
    compareMenu_->addAction(tr("Another model file…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Compare with model"), Settings::lastFolder(),
                                                          tr("AttnViz models (*.json *.cbor);;All files (*)"));
        if (!path.isEmpty())
            compareWith(path);
    });
}

void MainWindow::compareWith(const QString& otherModel)
{
    if (doc_->kind() != Document::Kind::Model) {
        showProblem(tr("Open a model first: the other model translates the same sentence."));
        return;
    }
    delete compare_;
    auto* w = new CompareWindow(doc_, otherModel, this);
    w->setAttribute(Qt::WA_DeleteOnClose);
    compare_ = w;
    connect(ctl_, &StepController::positionChanged, w, &CompareWindow::setPosition);
    connect(w, &CompareWindow::failed, this, [this, w](const QString& m) {
        reportError(m);
        w->close();
    });
    connect(w, &QObject::destroyed, this, [this, w] {
        if (compare_ == w)
            compare_ = nullptr;
    });
    w->setPosition(ctl_->position());
    w->show();
}

} // namespace attnviz::ui
