#include "ui/shell/main_window.h"
#include "ui/views/token_label.h"

#include "core/model/model.h"
#include "core/numeric/score_functions.h"
#include "ui/views/context_view.h"
#include "ui/views/heatmap_view.h"
#include "ui/views/heads_view.h"
#include "ui/graphs/architecture_view.h"
#include "ui/graphs/beam_view.h"
#include "ui/shell/document.h"
#include "ui/step/reveal.h"
#include "ui/views/score_table_model.h"
#include "ui/shell/settings.h"
#include "ui/shell/step_controller.h"
#include "ui/step/step_view.h"
#include "ui/shell/transport_bar.h"
#include "ui/shell/view_hub.h"
#include "ui/views/value_delegate.h"


#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QCheckBox>
#include <QComboBox>
#include <QStandardItemModel>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QCompleter>
#include <QLineEdit>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QSpinBox>
#include <QStatusBar>
#include <QScrollBar>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>

#include <algorithm>

namespace attnviz::ui {

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent), doc_(new Document(this)), ctl_(new StepController(this)), hub_(new ViewHub(this)),
      table_(new ScoreTableModel(this))
{
    setWindowTitle(QStringLiteral("AttnViz"));
    setAcceptDrops(true);
    setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowNestedDocks | QMainWindow::AllowTabbedDocks);
    errorReporter_ = [this](const QString& message) { QMessageBox::warning(this, tr("AttnViz"), message); };

    buildViews();
    buildInputBar();
    buildMenus();
    // Every view follows the hub (trace, head selection, position, hover, reveal, colours); the window only
    // feeds it (issue 18). The window's own reactions come after the views'.
    hub_->attach(table_);
    hub_->attach(context_);
    hub_->attach(stepView_);
    hub_->attach(heatmap_);
    hub_->attach(headsView_);
    hub_->attach(arch_);
    hub_->attach(transport_);
    connect(hub_, &ViewHub::traceChanged, this, &MainWindow::onShownTrace);
    connect(ctl_, &StepController::positionChanged, hub_, &ViewHub::setPosition);
    applyReveal();
    statusPosition_ = new QLabel(this);
    statusBar()->addPermanentWidget(statusPosition_);

    connect(doc_, &Document::traceChanged, this, &MainWindow::onTraceChanged);
    connect(doc_, &Document::documentChanged, this, &MainWindow::onDocumentChanged);
    connect(doc_, &Document::loadFailed, this, &MainWindow::reportError);
    connect(doc_, &Document::recomputeFailed, this, &MainWindow::showProblem);
    connect(doc_, &Document::opened, this, [this](const QString& path) {
        Settings::addRecentFile(path);
        if (!path.startsWith(QLatin1Char(':')))
            Settings::setLastFolder(QFileInfo(path).absolutePath());
        statusBar()->showMessage(tr("Opened %1").arg(QFileInfo(path).fileName()), 4000);
    });
    connect(doc_, &Document::scoreChanged, this, [this](const QString& id) {
        const QSignalBlocker block(score_);
        score_->setCurrentIndex(score_->findData(id));
        updateTitle();
    });
    connect(doc_, &Document::busyChanged, this, [this](bool busy) {
        translate_->setEnabled(!busy);
        if (busy)
            statusBar()->showMessage(doc_->kind() == Document::Kind::Model ? tr("Working…") : tr("Loading…"));
        else
            statusBar()->clearMessage();
    });
    connect(ctl_, &StepController::positionChanged, this, &MainWindow::onPosition);
    connect(ctl_, &StepController::speedChanged, this, [](double s) { Settings::setSpeed(s); });
    connect(ctl_, &StepController::playingChanged, this, [this](bool playing) {
        if (!playing)
            autoplaying_ = false;  // paused by hand: no automatic stop later
    });
    // Edits arrive while a view is still committing its editor: apply them from the event loop.
    connect(table_, &ScoreTableModel::stateEdited, doc_, &Document::setValue, Qt::QueuedConnection);
    connect(table_, &ScoreTableModel::editRejected, this, &MainWindow::showProblem);

    ctl_->setSpeed(Settings::speed());
    setColorMap(Settings::colorMap());
    resize(1280, 800);
    if (!restoreGeometry(Settings::geometry()))
        resize(1280, 800);
    restoreState(Settings::windowState());
}

MainWindow::~MainWindow() = default;

void MainWindow::buildViews()
{
    auto* centre = new QWidget(this);
    auto* layout = new QVBoxLayout(centre);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    stepView_ = new StepView(centre);
    connect(stepView_, &StepView::stateEdited, doc_, &Document::setValue, Qt::QueuedConnection);
    stepView_->setMinimumSize(480, 320);
    layout->addWidget(stepView_, 1);
    transport_ = new TransportBar(ctl_, centre);
    layout->addWidget(transport_);
    setCentralWidget(centre);

    heatmap_ = new HeatmapView(this);
    connect(heatmap_, &HeatmapView::stepClicked, ctl_, &StepController::seekStep);
    heatmap_->setMinimumSize(260, 220);
    auto* heatDock = new QDockWidget(tr("Alignment heatmap"), this);
    heatDock->setObjectName(QStringLiteral("heatmapDock"));
    heatDock->setWidget(heatmap_);
    addDockWidget(Qt::RightDockWidgetArea, heatDock);

    // Architecture and beam-search views (issue 6), tabbed with the heatmap.
    arch_ = new ArchitectureView(this);
    auto* archDock = new QDockWidget(tr("Architecture"), this);
    archDock->setObjectName(QStringLiteral("architectureDock"));
    archDock->setWidget(arch_);
    addDockWidget(Qt::RightDockWidgetArea, archDock);
    tabifyDockWidget(heatDock, archDock);
    beamView_ = new BeamView(this);
    auto* beamDock = new QDockWidget(tr("Beam search"), this);
    beamDock->setObjectName(QStringLiteral("beamDock"));
    beamDock->setWidget(beamView_);
    addDockWidget(Qt::RightDockWidgetArea, beamDock);
    tabifyDockWidget(archDock, beamDock);
    buildHeadsDock(beamDock);
    heatDock->raise();
    connect(doc_, &Document::decodeResultChanged, beamView_, &BeamView::setResult);
    // A new translation starts at step 1, stage 0 (issue 12), as a new document does.
    // A what-if edit keeps the step and stage where the person made it (issue 14).
    connect(doc_, &Document::decodeResultChanged, this, [this] {
        if (!doc_->lastDecodeWasWhatIf())
            restartPosition_ = true;
    });
    connect(beamView_, &BeamView::hypothesisSelected, doc_, &Document::selectHypothesis);

    context_ = new ContextView(this);
    auto* contextDock = new QDockWidget(tr("Context and decoder state"), this);
    contextDock->setObjectName(QStringLiteral("contextDock"));
    contextDock->setWidget(context_);

    tableView_ = new QTableView(this);
    tableView_->setModel(table_);
    delegate_ = new ValueDelegate(ScoreTableModel::ShadeRole, tableView_);
    tableView_->setItemDelegate(delegate_);
    tableView_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    tableView_->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed);
    tableView_->horizontalHeader()->setStretchLastSection(false);
    tableView_->horizontalHeader()->setMinimumSectionSize(60);
    tableView_->verticalHeader()->setDefaultSectionSize(tableView_->fontMetrics().height() + 8);
    auto* copy = new QAction(tr("Copy"), tableView_);
    copy->setShortcut(QKeySequence::Copy);
    copy->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    tableView_->addAction(copy);
    tableView_->setContextMenuPolicy(Qt::ActionsContextMenu);
    connect(copy, &QAction::triggered, this, [this] {
        QApplication::clipboard()->setText(table_->textFor(tableView_->selectionModel()->selectedIndexes()));
    });
    // The context row stays in view below the scrolling rows (issue 12): a one-row view of the same model,
    // its columns and horizontal scroll tied to the table's.
    pinnedView_ = new QTableView(this);
    pinnedView_->setModel(table_);
    pinnedView_->setItemDelegate(new ValueDelegate(ScoreTableModel::ShadeRole, pinnedView_));
    pinnedView_->horizontalHeader()->hide();
    pinnedView_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    pinnedView_->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    pinnedView_->verticalHeader()->setDefaultSectionSize(tableView_->verticalHeader()->defaultSectionSize());
    pinnedView_->setFixedHeight(tableView_->verticalHeader()->defaultSectionSize() + 2 * pinnedView_->frameWidth());
    pinnedView_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    pinnedView_->setToolTip(tr("The context vector c = Σ vⱼ, kept in view"));
    connect(tableView_->horizontalHeader(), &QHeaderView::sectionResized, pinnedView_,
            [this](int c, int, int w) { pinnedView_->setColumnWidth(c, w); });
    connect(tableView_->horizontalScrollBar(), &QScrollBar::valueChanged, pinnedView_->horizontalScrollBar(), &QScrollBar::setValue);
    connect(table_, &QAbstractItemModel::modelReset, this, &MainWindow::pinContextRow);
    connect(table_, &QAbstractItemModel::rowsInserted, this, &MainWindow::pinContextRow);
    connect(table_, &QAbstractItemModel::rowsRemoved, this, &MainWindow::pinContextRow);
    tableView_->setMouseTracking(true);  // entered(): hovering a token row outlines it in every view
    connect(tableView_, &QTableView::entered, this, [this](const QModelIndex& i) {
        const int j = i.row() - 1;
        setHighlightedSource(j >= 0 && j < table_->encoderCount() ? j : -1);
    });
    tableView_->viewport()->installEventFilter(this);
    auto* tablePane = new QWidget(this);
    auto* tableLayout = new QVBoxLayout(tablePane);
    tableLayout->setContentsMargins(0, 0, 0, 0);
    tableLayout->setSpacing(0);
    tableLayout->addWidget(tableView_, 1);
    tableLayout->addWidget(pinnedView_);
    auto* tableDock = new QDockWidget(tr("Score table"), this);
    tableDock->setObjectName(QStringLiteral("tableDock"));
    tableDock->setWidget(tablePane);
    addDockWidget(Qt::BottomDockWidgetArea, tableDock);
    splitDockWidget(tableDock, contextDock, Qt::Horizontal);
    resizeDocks({heatDock}, {440}, Qt::Horizontal);
    resizeDocks({tableDock, contextDock}, {700, 560}, Qt::Horizontal);
    resizeDocks({tableDock}, {200}, Qt::Vertical);
}

void MainWindow::buildInputBar()
{
    auto* bar = new QToolBar(tr("Input"), this);
    bar->setObjectName(QStringLiteral("inputBar"));
    bar->setMovable(false);
    docTitle_ = new QLabel(bar);
    docTitle_->setContentsMargins(4, 0, 12, 0);
    QFont bold = docTitle_->font();
    bold.setBold(true);
    docTitle_->setFont(bold);
    bar->addWidget(docTitle_);

    score_ = new QComboBox(bar);
    score_->setToolTip(tr("Score function: recomputes every step at once"));
    for (const std::string& id : allScoreIds())
        score_->addItem(QString::fromStdString(id), QString::fromStdString(id));
    exampleInputs_ << bar->addWidget(new QLabel(tr(" Score: "), bar)) << bar->addWidget(score_);
    connect(score_, &QComboBox::activated, this, &MainWindow::onScorePicked);

    sentence_ = new QLineEdit(bar);
    sentence_->setPlaceholderText(tr("Source sentence"));
    sentence_->setMinimumWidth(280);
    sentence_->setClearButtonEnabled(true);
    beam_ = new QSpinBox(bar);
    beam_->setRange(1, 16);
    beam_->setPrefix(tr("beam "));
    beam_->setToolTip(tr("Beam width (1 = greedy)"));
    translate_ = new QPushButton(tr("Translate"), bar);
    modelInputs_ << bar->addWidget(new QLabel(tr(" Source: "), bar)) << bar->addWidget(sentence_) << bar->addWidget(beam_)
                 << bar->addWidget(translate_);
    mergeWords_ = new QCheckBox(tr("words"), bar);
    mergeWords_->setToolTip(tr("Merge SentencePiece pieces into words: a source word's attention is the sum over its "
                               "pieces, a target word's row the mean of its pieces' rows"));
    mergeWordsAction_ = bar->addWidget(mergeWords_);
    connect(mergeWords_, &QCheckBox::toggled, doc_, &Document::setMergeWords);
    auto go = [this] { doc_->translate(sentence_->text(), beam_->value()); };
    connect(translate_, &QPushButton::clicked, this, go);
    connect(sentence_, &QLineEdit::returnPressed, this, go);

    buildHeadInputs(bar);

    problem_ = new QLabel(bar);
    problem_->setStyleSheet(QStringLiteral("QLabel { color: #b00020; padding-left: 12px; }"));
    problem_->setWordWrap(false);
    problem_->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    problem_->setMinimumWidth(200);
    bar->addWidget(problem_);
    addToolBar(Qt::TopToolBarArea, bar);
    for (QAction* a : modelInputs_)
        a->setVisible(false);
    mergeWordsAction_->setVisible(false);
}

void MainWindow::setErrorReporter(ErrorReporter reporter)
{
    errorReporter_ = std::move(reporter);
}

void MainWindow::reportError(const QString& message)
{
    statusBar()->showMessage(message, 8000);
    if (errorReporter_)
        errorReporter_(message);
}

void MainWindow::showProblem(const QString& message)
{
    // One line in the toolbar (elided to the room it has); the whole message in the tooltip and status bar.
    const int room = std::max(200, width() - problem_->x() - 24);
    problem_->setText(problem_->fontMetrics().elidedText(message, Qt::ElideRight, room));
    problem_->setToolTip(message);
    statusBar()->showMessage(message, 8000);
}

void MainWindow::openFile(const QString& path)
{
    if (isTimelineFile(path)) {  // a training timeline opens in the Train panel (issue 15)
        openTimeline(path);
        return;
    }
    doc_->openFile(path);
}

void MainWindow::openBuiltInExample()
{
    doc_->openFileNow(builtInExample());
}

void MainWindow::onScorePicked(int index)
{
    const QString id = score_->itemData(index).toString();
    if (!doc_->setScore(id)) {
        // Back to the function still in use; the reason is shown by showProblem.
        const QSignalBlocker block(score_);
        score_->setCurrentIndex(score_->findData(doc_->scoreId()));
    }
}

void MainWindow::onDocumentChanged()
{
    restartPosition_ = true;
    const bool isModel = doc_->kind() == Document::Kind::Model;
    const bool isExample = doc_->kind() == Document::Kind::Example;
    for (QAction* a : modelInputs_)
        a->setVisible(isModel);
    for (QAction* a : exampleInputs_)
        a->setVisible(isExample);
    // Score functions this example cannot use are greyed out, the reason in their tooltip (issue 12).
    if (auto* items = qobject_cast<QStandardItemModel*>(score_->model())) {
        const auto availability = doc_->scoreAvailability();
        for (int i = 0; i < score_->count(); ++i) {
            QStandardItem* item = items->item(i);
            QString reason;
            for (const auto& [id, why] : availability)
                if (id == score_->itemData(i).toString())
                    reason = why;
            item->setEnabled(reason.isEmpty());
            item->setToolTip(reason.isEmpty() ? QString() : tr("Not available for this example: %1").arg(reason));
        }
    }
    mergeWordsAction_->setVisible(isModel && doc_->model() && doc_->model()->tokenizerKind() == TokenizerKind::SentencePiece);
    if (isModel) {
        // A newly opened model starts on the sentence it was translated with; its example sentences
        // (the file's "examples") drop down from the source field.
        sentence_->setText(doc_->lastSentence());
        QStringList examples;
        if (doc_->model())
            for (const std::string& e : doc_->model()->examples)
                examples << QString::fromStdString(e);
        auto* completer = new QCompleter(examples, sentence_);
        completer->setCompletionMode(QCompleter::UnfilteredPopupCompletion);
        delete sentence_->completer();
        sentence_->setCompleter(completer);
        sentence_->setToolTip(examples.isEmpty() ? QString()
                                                 : tr("Examples (press ↓ in an empty field):\n") + examples.join(QLatin1Char('\n')));
    }
    table_->setEditable(isExample);
    stepView_->setEditable(isExample);
    problem_->clear();
    updateTitle();
}

void MainWindow::onTraceChanged(std::shared_ptr<const Trace> trace)
{
    problem_->clear();
    hub_->setDocument(std::move(trace), doc_->model());  // the views follow; then onShownTrace
    updateHeadInputs();
}

std::shared_ptr<const Trace> MainWindow::shownTrace() const { return hub_->trace(); }
HeadSelection MainWindow::headSelection() const { return hub_->headSelection(); }

void MainWindow::onShownTrace(std::shared_ptr<const Trace> trace)
{
    const int steps = trace ? static_cast<int>(trace->steps.size()) : 0;
    if (doc_->kind() == Document::Kind::Model && sentence_->text().isEmpty())
        sentence_->setText(doc_->lastSentence());
    QStringList labels;
    for (int i = 0; i < steps; ++i)
        labels << tokenLabel(trace->steps[static_cast<std::size_t>(i)].token);
    // The stages the numbers allow: seq2seq has none of score…context (issue 12); precomputed attention may
    // hold only weights, or no alignment rows (one head of a transformer), or no context (issue 13).
    std::array<bool, kStageCount> stages{true, steps == 0, steps == 0, steps == 0, steps == 0, true};
    for (int i = 0; i < steps; ++i)
        if (const auto& a = trace->steps[static_cast<std::size_t>(i)].attention) {
            stages[static_cast<std::size_t>(Stage::Score)] = stages[static_cast<std::size_t>(Stage::Score)] || a->scores.size() > 0;
            stages[static_cast<std::size_t>(Stage::Softmax)] = true;
            stages[static_cast<std::size_t>(Stage::Align)] = stages[static_cast<std::size_t>(Stage::Align)] || a->alignment.rows() > 0;
            stages[static_cast<std::size_t>(Stage::Context)] = stages[static_cast<std::size_t>(Stage::Context)] || a->context.size() > 0;
        }
    ctl_->setStages(stages);
    ctl_->setStepCount(steps);  // emits positionChanged: every view follows
    if (restartPosition_ && steps > 0) {
        restartPosition_ = false;
        ctl_->first();
        if (autoplayOnOpen_) {
            autoplaying_ = true;
            ctl_->play();
        }
    }
    transport_->sync();
    transport_->setStepLabels(labels);
    tableView_->resizeColumnsToContents();
    for (int c = 0; c < table_->columnCount(); ++c)  // long vectors: the tooltip has them in full
        tableView_->setColumnWidth(c, std::min(tableView_->columnWidth(c), c == ScoreTableModel::StateColumn ? 220 : 180));
    if (table_->contextRow() < table_->rowCount()) {  // the pinned row's label is not among the rows sized above
        const QString label = table_->data(table_->index(table_->contextRow(), ScoreTableModel::TokenColumn)).toString();
        const int need = tableView_->fontMetrics().horizontalAdvance(label) + 16;
        tableView_->setColumnWidth(ScoreTableModel::TokenColumn, std::max(tableView_->columnWidth(ScoreTableModel::TokenColumn), std::min(need, 180)));
    }
    pinContextRow();
    updateTitle();
}

void MainWindow::setHighlightedSource(int j) { hub_->setHighlightedSource(j); }

bool MainWindow::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == tableView_->viewport() && event->type() == QEvent::Leave)
        setHighlightedSource(-1);
    return QMainWindow::eventFilter(watched, event);
}

void MainWindow::pinContextRow()
{
    const int rows = table_->rowCount(), context = table_->contextRow();
    for (int r = 0; r < rows; ++r) {
        tableView_->setRowHidden(r, r == context);
        pinnedView_->setRowHidden(r, r != context);
    }
    pinnedView_->setVisible(context < rows);
    // The header's size hint is invalid (-1) until it has been laid out: Qt warned "Negative sizes" then.
    if (const int w = tableView_->verticalHeader()->sizeHint().width(); w >= 0)
        pinnedView_->verticalHeader()->setFixedWidth(w);
    for (int c = 0; c < table_->columnCount(); ++c)
        pinnedView_->setColumnWidth(c, tableView_->columnWidth(c));
}

void MainWindow::applyReveal()
{
    Reveal r;
    r.everything = revealAll_ && revealAll_->isChecked();
    hub_->setReveal(r);
}

void MainWindow::onPosition(const StepPosition& pos)
{
    if (autoplaying_ && (pos.step > 0 || (pos.stage == Stage::Feed && pos.progress >= 1.0))) {
        autoplaying_ = false;  // the first step was shown once: stop there, Space goes on
        ctl_->pause();
    }
    const int steps = ctl_->stepCount();
    QString text = steps == 0 ? tr("No steps")
                              : tr("Step %1 of %2 · stage %3 · %4")
                                    .arg(pos.step + 1)
                                    .arg(steps)
                                    .arg(stageNumber(pos.stage))
                                    .arg(QLatin1String(stageName(pos.stage)));
    statusPosition_->setText(text);
}

void MainWindow::updateTitle()
{
    const QString title = doc_->title();
    docTitle_->setText(title);
    const QString file = doc_->filePath().startsWith(QLatin1Char(':')) ? tr("built in") : QFileInfo(doc_->filePath()).fileName();
    setWindowTitle(title.isEmpty() ? QStringLiteral("AttnViz") : QStringLiteral("%1 (%2) — AttnViz").arg(title, file));
}

void MainWindow::setColorMap(ColorMap map)
{
    colorMap_ = map;
    delegate_->setColorMap(map);
    tableView_->viewport()->update();
    hub_->setColorMap(map);
    if (colorMaps_)
        for (QAction* a : colorMaps_->actions())
            a->setChecked(a->data().toInt() == static_cast<int>(map));
    Settings::setColorMap(map);
}

void MainWindow::closeEvent(QCloseEvent* e)
{
    Settings::setGeometry(saveGeometry());
    Settings::setWindowState(saveState());
    Settings::setSpeed(ctl_->speed());
    QMainWindow::closeEvent(e);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* e)
{
    const QList<QUrl> urls = e->mimeData()->urls();
    if (!urls.isEmpty() && urls.first().isLocalFile())
        e->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* e)
{
    const QList<QUrl> urls = e->mimeData()->urls();
    if (urls.isEmpty() || !urls.first().isLocalFile())
        return;
    e->acceptProposedAction();
    openFile(urls.first().toLocalFile());
}

} // namespace attnviz::ui
