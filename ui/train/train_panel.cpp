#include "ui/train/train_panel.h"

#include "core/formats/error.h"
#include "core/model/decoding.h"
#include "core/model/model.h"
#include "ui/export/timeline_export.h"
#include "ui/shell/document.h"
#include "ui/shell/settings.h"
#include "ui/views/heatmap_view.h"

#include <qcustomplot.h>

#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QProgressDialog>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QSplitter>
#include <QStandardPaths>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <memory>

namespace attnviz::ui {

namespace {

constexpr int kDrainMs = 50;  // 20 Hz

QString duration(double s)
{
    const long long t = static_cast<long long>(std::max(0.0, s) + 0.5);
    if (t >= 3600)
        return QStringLiteral("%1h%2m").arg(t / 3600).arg((t % 3600) / 60, 2, 10, QLatin1Char('0'));
    if (t >= 60)
        return QStringLiteral("%1m%2s").arg(t / 60).arg(t % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1 s").arg(t);
}

QString percent(double a)
{
    return QString::number(100.0 * a, 'f', 1) + QStringLiteral("%");
}

// The probe's decoding as the heatmap shows it: every row filled, no current-row outline.
std::shared_ptr<const Trace> traceOf(const TrainSnapshot& s)
{
    return s.probe ? std::make_shared<const Trace>(s.probe->best) : nullptr;
}

} // namespace

TrainPanel::TrainPanel(Document* doc, QWidget* parent) : QWidget(parent, Qt::Window), doc_(doc), timer_(new QTimer(this))
{
    setWindowTitle(tr("Train a model — AttnViz"));
    setObjectName(QStringLiteral("trainPanel"));
    const QString data = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    autosaveDir_ = data.isEmpty() ? QString() : QDir(data).filePath(QStringLiteral("trained"));
    buildUi();
    setSettings(TrainSettings::load());
    timer_->setInterval(kDrainMs);
    connect(timer_, &QTimer::timeout, this, &TrainPanel::drain);
    if (parent)
        parent->installEventFilter(this);  // the main window closing stops training
    updateControls();
    resize(1100, 720);
}

TrainPanel::~TrainPanel()
{
    if (worker_) {
        worker_->stop();
        worker_->join();  // the worker has written the autosave files
    }
}

void TrainPanel::buildUi()
{
    // --- left: the settings and the buttons ---
    auto* form = form_ = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    task_ = new QComboBox;
    task_->addItem(tr("Dates → ISO"), TrainSettings::taskId(TrainSettings::Task::Dates));
    task_->addItem(tr("Reverse a string"), TrainSettings::taskId(TrainSettings::Task::Reverse));
    task_->addItem(tr("English → Spanish"), TrainSettings::taskId(TrainSettings::Task::EnEs));
    task_->addItem(tr("A TSV file…"), TrainSettings::taskId(TrainSettings::Task::File));
    task_->setToolTip(tr("Dates: \"25th of November 2026\" → 2026-11-25 in ten written forms; reverse: 3–20 letters and digits "
                         "backwards; English → Spanish: the everyday corpus with SentencePiece pieces; a file: one "
                         "\"source<TAB>target\" pair a line, words as tokens (.gz is read too)"));
    form->addRow(tr("&Task"), task_);
    fileRow_ = new QWidget;
    auto* fileLayout = new QHBoxLayout(fileRow_);
    fileLayout->setContentsMargins(0, 0, 0, 0);
    file_ = new QLineEdit;
    file_->setPlaceholderText(tr("source<TAB>target lines"));
    browse_ = new QToolButton;
    browse_->setText(tr("…"));
    browse_->setToolTip(tr("Choose the file"));
    fileLayout->addWidget(file_, 1);
    fileLayout->addWidget(browse_);
    form->addRow(tr("&File"), fileRow_);
    connect(browse_, &QToolButton::clicked, this, &TrainPanel::chooseFile);
    // A task picked by the person brings sizes for a short run on it (TrainSettings::suggested).
    connect(task_, qOverload<int>(&QComboBox::activated), this, [this] {
        setSettings(TrainSettings::suggested(settings().task, settings()));
    });
    connect(task_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] { updateControls(); });

    arch_ = new QComboBox;
    for (const std::string& p : allPresets())
        if (trainablePreset(p))
            arch_->addItem(QString::fromStdString(p), QString::fromStdString(p));
    arch_->setToolTip(tr("The presets of SPEC §4: bahdanau (additive attention, bidirectional GRU encoder), luong (general, "
                         "2 layers), seq2seq_attention (dot), seq2seq (no attention), gnmt (8 layers), transformer "
                         "(multi-head attention, post-norm nn.Transformer)"));
    form->addRow(tr("&Architecture"), arch_);
    // Picking an architecture brings its learning rate (a transformer's is the peak after the warm-up).
    connect(arch_, qOverload<int>(&QComboBox::activated), this, [this] {
        TrainSettings before = settings();
        before.architecture = architecture_;
        setSettings(TrainSettings::suggestedForArchitecture(arch_->currentData().toString(), before));
    });
    connect(arch_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] { updateControls(); });
    hidden_ = new QSpinBox;
    hidden_->setRange(1, 1024);
    form->addRow(tr("&Hidden size"), hidden_);
    embedding_ = new QSpinBox;
    embedding_->setRange(1, 1024);
    form->addRow(tr("&Embedding size"), embedding_);
    // the transformer's sizes, as attnviz train --arch transformer takes them
    auto spin = [](int lo, int hi, const QString& tip) {
        auto* b = new QSpinBox;
        b->setRange(lo, hi);
        b->setToolTip(tip);
        return b;
    };
    dModel_ = spin(1, 1024, tr("d_model: the size of every token vector (embeddings, attention, layer outputs)"));
    form->addRow(tr("d_&model"), dModel_);
    heads_ = spin(1, 64, tr("Attention heads per layer; must divide d_model (each head gets d_model / heads numbers)"));
    form->addRow(tr("H&eads"), heads_);
    auto* layersRow = new QWidget;
    auto* layersLayout = new QHBoxLayout(layersRow);
    layersLayout->setContentsMargins(0, 0, 0, 0);
    encoderLayers_ = spin(1, 16, tr("Encoder layers"));
    decoderLayers_ = spin(1, 16, tr("Decoder layers"));
    layersLayout->addWidget(encoderLayers_, 1);
    layersLayout->addWidget(new QLabel(tr("+")));
    layersLayout->addWidget(decoderLayers_, 1);
    form->addRow(tr("La&yers (enc + dec)"), layersRow);
    ffSize_ = spin(1, 8192, tr("The feed-forward network's inner size (dim_feedforward; often 4 × d_model)"));
    form->addRow(tr("&Feed-forward size"), ffSize_);
    warmup_ = spin(1, 1'000'000, tr("Updates of linear warm-up to the learning rate, which then decays as 1/√step (Vaswani et al. 2017 §5.3)"));
    warmup_->setSingleStep(100);
    form->addRow(tr("&Warm-up updates"), warmup_);
    epochs_ = new QSpinBox;
    epochs_->setRange(0, 1000);
    form->addRow(tr("E&pochs"), epochs_);
    pairs_ = new QSpinBox;
    pairs_->setRange(0, 10'000'000);
    pairs_->setSingleStep(1000);
    pairs_->setGroupSeparatorShown(true);
    pairs_->setToolTip(tr("Dates and reverse: how many pairs are generated; a file: the first pairs used (at most)"));
    form->addRow(tr("Training &pairs"), pairs_);
    lr_ = new QDoubleSpinBox;
    lr_->setDecimals(4);
    lr_->setRange(0.0001, 1.0);
    lr_->setSingleStep(0.0005);
    form->addRow(tr("&Learning rate"), lr_);
    probe_ = new QLineEdit;
    probe_->setPlaceholderText(tr("the first validation sentence"));
    probe_->setToolTip(tr("The sentence whose alignment is shown while the model trains"));
    form->addRow(tr("Probe &sentence"), probe_);

    auto* settingsBox = new QGroupBox(tr("Settings"));
    settingsBox->setLayout(form);

    start_ = new QPushButton(tr("&Start"));
    start_->setDefault(true);
    pause_ = new QPushButton(tr("Pa&use"));
    stop_ = new QPushButton(tr("S&top"));
    stop_->setToolTip(tr("Stop after the current batch and keep the best model so far"));
    connect(start_, &QPushButton::clicked, this, [this] { start(); });
    connect(pause_, &QPushButton::clicked, this, [this] { setPaused(!isPaused()); });
    connect(stop_, &QPushButton::clicked, this, &TrainPanel::stop);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(start_);
    buttons->addWidget(pause_);
    buttons->addWidget(stop_);

    message_ = new QLabel;
    message_->setWordWrap(true);
    message_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    message_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    message_->setObjectName(QStringLiteral("trainMessage"));

    auto* left = new QVBoxLayout;
    left->addWidget(settingsBox);
    left->addLayout(buttons);
    left->addWidget(message_, 1);
    auto* leftWidget = new QWidget;
    leftWidget->setLayout(left);
    leftWidget->setFixedWidth(340);

    // --- right: progress, curves, the probe's heatmap, the snapshot slider ---
    described_ = new QLabel;
    described_->setWordWrap(true);
    status_ = new QLabel;
    progress_ = new QProgressBar;
    progress_->setTextVisible(false);
    progress_->setMaximumHeight(10);

    plot_ = new QCustomPlot;
    plot_->setMinimumHeight(180);
    plot_->xAxis->setLabel(tr("epoch"));
    plot_->yAxis->setLabel(tr("loss per token"));
    plot_->yAxis->setScaleType(QCPAxis::stLogarithmic);
    plot_->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    plot_->yAxis->setNumberFormat(QStringLiteral("gb"));
    plot_->yAxis2->setVisible(true);
    plot_->yAxis2->setLabel(tr("validation accuracy (%)"));
    plot_->yAxis2->setRange(0, 100);
    auto* trainLoss = plot_->addGraph(plot_->xAxis, plot_->yAxis);
    trainLoss->setName(tr("training loss"));
    trainLoss->setPen(QPen(QColor(31, 119, 180), 1.6));
    auto* validLoss = plot_->addGraph(plot_->xAxis, plot_->yAxis);
    validLoss->setName(tr("validation loss (epoch end)"));
    validLoss->setLineStyle(QCPGraph::lsNone);
    validLoss->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDiamond, QColor(255, 127, 14), 9));
    auto* quickAcc = plot_->addGraph(plot_->xAxis, plot_->yAxis2);
    quickAcc->setName(tr("accuracy (100 validation pairs)"));
    quickAcc->setPen(QPen(QColor(44, 160, 44, 150), 1.2, Qt::DashLine));
    auto* epochAcc = plot_->addGraph(plot_->xAxis, plot_->yAxis2);
    epochAcc->setName(tr("accuracy (epoch end)"));
    epochAcc->setLineStyle(QCPGraph::lsNone);
    epochAcc->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, QColor(44, 160, 44), 8));
    plot_->legend->setVisible(true);
    QFont legendFont = font();
    legendFont.setPointSizeF(std::max(7.0, font().pointSizeF() - 1));
    plot_->legend->setFont(legendFont);
    plot_->legend->setBrush(QColor(255, 255, 255, 210));
    // the legend in a row of its own above the curves, which it would otherwise hide
    plot_->plotLayout()->insertRow(0);
    plot_->plotLayout()->addElement(0, 0, plot_->legend);
    plot_->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    plot_->legend->setBorderPen(Qt::NoPen);
    plot_->plotLayout()->setRowStretchFactor(0, 0.001);
    marker_ = new QCPItemStraightLine(plot_);
    marker_->setPen(QPen(QColor(214, 39, 40), 1.2, Qt::DashLine));
    marker_->setVisible(false);

    heatmap_ = new HeatmapView;
    heatmap_->setReveal(Reveal{true});
    heatmap_->setCurrentRowMarked(false);
    heatmap_->setMinimumHeight(200);

    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(plot_);
    split->addWidget(heatmap_);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    split->setChildrenCollapsible(false);

    slider_ = new QSlider(Qt::Horizontal);
    slider_->setRange(0, 0);
    slider_->setToolTip(tr("The model as it was at each snapshot: the probe's decoding then, in every view of the main window"));
    sliderLabel_ = new QLabel;
    sliderLabel_->setMinimumWidth(300);
    connect(slider_, &QSlider::valueChanged, this, [this](int v) { showSnapshot(v, true); });
    auto* sliderRow = new QHBoxLayout;
    sliderRow->addWidget(new QLabel(tr("Snapshot")));
    sliderRow->addWidget(slider_, 1);
    sliderRow->addWidget(sliderLabel_);

    saveModel_ = new QPushButton(tr("Save &model…"));
    saveTimeline_ = new QPushButton(tr("Save t&imeline…"));
    export_ = new QPushButton(tr("E&xport GIF/PNG…"));
    export_->setToolTip(tr("The probe's heatmaps across training beside the loss curve (as attnviz export TIMELINE)"));
    connect(saveModel_, &QPushButton::clicked, this, &TrainPanel::chooseSaveModel);
    connect(saveTimeline_, &QPushButton::clicked, this, &TrainPanel::chooseSaveTimeline);
    connect(export_, &QPushButton::clicked, this, &TrainPanel::chooseExport);
    auto* saveRow = new QHBoxLayout;
    saveRow->addStretch(1);
    saveRow->addWidget(saveModel_);
    saveRow->addWidget(saveTimeline_);
    saveRow->addWidget(export_);

    auto* right = new QVBoxLayout;
    right->addWidget(described_);
    right->addWidget(status_);
    right->addWidget(progress_);
    right->addWidget(split, 1);
    right->addLayout(sliderRow);
    right->addLayout(saveRow);

    auto* top = new QHBoxLayout(this);
    top->addWidget(leftWidget);
    top->addLayout(right, 1);
}

void TrainPanel::setColorMap(ColorMap map)
{
    heatmap_->setColorMap(map);
}

TrainSettings TrainPanel::settings() const
{
    TrainSettings s;
    s.task = TrainSettings::taskFromId(task_->currentData().toString()).value_or(TrainSettings::Task::Dates);
    s.file = file_->text();
    s.architecture = arch_->currentData().toString();
    s.hidden = hidden_->value();
    s.embedding = embedding_->value();
    s.epochs = epochs_->value();
    s.trainPairs = pairs_->value();
    s.learningRate = lr_->value();
    s.probe = probe_->text();
    s.dModel = dModel_->value();
    s.heads = heads_->value();
    s.encoderLayers = encoderLayers_->value();
    s.decoderLayers = decoderLayers_->value();
    s.ffSize = ffSize_->value();
    s.warmup = warmup_->value();
    return s;
}

void TrainPanel::setSettings(const TrainSettings& s)
{
    task_->setCurrentIndex(std::max(0, task_->findData(TrainSettings::taskId(s.task))));
    file_->setText(s.file);
    arch_->setCurrentIndex(std::max(0, arch_->findData(s.architecture)));
    architecture_ = arch_->currentData().toString();
    hidden_->setValue(s.hidden);
    embedding_->setValue(s.embedding);
    epochs_->setValue(s.epochs);
    pairs_->setValue(s.trainPairs);
    lr_->setValue(s.learningRate);
    probe_->setText(s.probe);
    dModel_->setValue(s.dModel);
    heads_->setValue(s.heads);
    encoderLayers_->setValue(s.encoderLayers);
    decoderLayers_->setValue(s.decoderLayers);
    ffSize_->setValue(s.ffSize);
    warmup_->setValue(s.warmup);
    updateControls();
}

bool TrainPanel::isPaused() const
{
    return worker_ && worker_->paused();
}

QString TrainPanel::message() const
{
    return message_->text();
}

void TrainPanel::showMessage(const QString& text, bool problem)
{
    message_->setText(text);
    message_->setStyleSheet(problem ? QStringLiteral("color: #b00020;") : QString());
}

QString TrainPanel::baseName() const
{
    if (state_ == State::Review)  // "dates_bahdanau.timeline.cbor" → "dates_bahdanau"
        return QFileInfo(timelinePath_).fileName().section(QLatin1Char('.'), 0, 0);
    const TrainSettings s = settings();
    QString task = TrainSettings::taskId(s.task);
    if (s.task == TrainSettings::Task::File)
        task = QFileInfo(s.file).completeBaseName().section(QLatin1Char('.'), 0, 0);
    return task + QLatin1Char('_') + (model_ ? QString::fromStdString(model_->architecture) : s.architecture);
}

bool TrainPanel::start()
{
    if (worker_)
        return false;
    const TrainSettings s = settings();
    QString error;
    std::optional<TrainRequest> request = makeTrainRequest(s, samplesDir_, &error);
    if (!request) {
        showMessage(error, true);
        return false;
    }
    s.save();
    if (!autosaveDir_.isEmpty() && QDir().mkpath(autosaveDir_)) {
        const QString stem = QDir(autosaveDir_).filePath(baseName() + QDateTime::currentDateTime().toString(QStringLiteral("_yyyyMMdd-HHmmss")));
        request->autosaveModel = (stem + QStringLiteral(".cbor")).toStdString();
        request->autosaveTimeline = (stem + QStringLiteral("_timeline.json")).toStdString();
    }
    if (adjustRequest)
        adjustRequest(*request);
    lastRequest_ = *request;

    timelinePath_.clear();
    prepared_.reset();
    loss_.clear();
    snapshots_.clear();
    validations_.clear();
    trainStatus_ = TrainStatus{};
    model_.reset();
    timeline_.reset();
    finished_ = TrainFinished{};
    heatmap_->setTrace(nullptr);
    marker_->setVisible(false);
    {
        const QSignalBlocker block(slider_);
        slider_->setRange(0, 0);
    }
    sliderLabel_->clear();
    described_->setText(tr("Preparing the task and the model…"));
    status_->clear();
    showMessage(QString(), false);
    plotDirty_ = true;
    updatePlot();

    worker_ = std::make_unique<TrainWorker>(std::move(*request));
    state_ = State::Running;
    timer_->start();
    updateControls();
    emit started();
    return true;
}

bool TrainPanel::openTimeline(const QString& path)
{
    if (worker_) {
        showMessage(tr("%1: a model is training; stop it before opening a timeline.").arg(QDir::toNativeSeparators(path)), true);
        return false;
    }
    std::shared_ptr<const Timeline> timeline;
    try {
        timeline = std::make_shared<const Timeline>(loadTimeline(path.toStdString()));
    } catch (const std::bad_alloc&) {
        showMessage(tr("%1: out of memory (the file is too large)").arg(QDir::toNativeSeparators(path)), true);
        return false;
    } catch (const std::exception& e) {
        showMessage(QString::fromStdString(e.what()), true);
        return false;
    }
    // Everything is built before anything of the panel changes.
    std::vector<TrainLossPoint> loss;
    std::vector<TrainValidation> validations;
    std::vector<TrainSnapshot> snapshots;
    for (const TimelineSnapshot& t : timeline->snapshots) {
        loss.push_back(TrainLossPoint{t.batch, t.epoch, t.trainLoss});
        if (t.validLoss || t.validAccuracy)
            validations.push_back(TrainValidation{t.batch, t.epoch, t.validLoss.value_or(0.0), t.validAccuracy.value_or(0.0), true});
        TrainSnapshot s;
        s.batch = t.batch;
        s.epoch = t.epoch;
        s.trainLoss = t.trainLoss;
        if (!t.traces.empty()) {  // the first probe, as a one-hypothesis decoding (no beam tree)
            auto r = std::make_shared<DecodeResult>();
            r->best = t.traces.front();
            r->hypotheses.push_back(r->best);
            r->scores.push_back(0.0);
            r->finishedCount = 1;
            s.probe = std::move(r);
        }
        snapshots.push_back(std::move(s));
    }
    TrainPrepared prepared;
    prepared.probe = timeline->probes.empty() ? std::string() : timeline->probes.front();
    prepared.epochs = std::max(1, static_cast<int>(std::ceil(timeline->snapshots.back().epoch - 1e-9)));
    prepared.totalBatches = timeline->snapshots.back().batch;
    prepared.description = timeline->architecture;

    timelinePath_ = path;
    prepared_ = prepared;
    loss_ = std::move(loss);
    validations_ = std::move(validations);
    snapshots_ = std::move(snapshots);
    trainStatus_ = TrainStatus{};
    model_.reset();
    timeline_ = timeline;
    finished_ = TrainFinished{};
    state_ = State::Review;

    QString hidden;
    if (timeline->config.is_object() && timeline->config.contains("hidden_size") && timeline->config["hidden_size"].is_number_integer())
        hidden = tr(", H %1").arg(timeline->config["hidden_size"].get<long long>());
    described_->setText(tr("Timeline %1: %2%3, %Ln snapshot(s) over %4 epoch(s)", nullptr, static_cast<int>(snapshots_.size()))
                            .arg(QFileInfo(path).fileName(), QString::fromStdString(timeline->architecture), hidden)
                            .arg(timeline->snapshots.back().epoch, 0, 'g', 3)
                        + QStringLiteral("\n") + tr("Probe: %1").arg(QString::fromStdString(prepared.probe)));
    status_->setText(tr("review · %L1 batches · final loss %2").arg(timeline->snapshots.back().batch).arg(timeline->snapshots.back().trainLoss, 0, 'f', 4));
    progress_->setRange(0, 1);
    progress_->setValue(1);
    showMessage(tr("A recorded training run, not a model: move the snapshot slider to see the probe's decoding at each "
                   "snapshot in the main window."),
                false);
    {
        const QSignalBlocker block(slider_);
        slider_->setRange(0, std::max(0, static_cast<int>(snapshots_.size()) - 1));
        slider_->setValue(slider_->maximum());
    }
    updatePlot();
    updateControls();
    showSnapshot(slider_->value(), true);
    return true;
}

void TrainPanel::setPaused(bool paused)
{
    if (!worker_ || state_ != State::Running)
        return;
    worker_->setPaused(paused);
    updateControls();
    drain();
}

void TrainPanel::stop()
{
    if (!worker_ || state_ == State::Stopping)
        return;
    worker_->stop();
    state_ = State::Stopping;
    showMessage(tr("Stopping after this batch; the model so far is checked on the validation pairs and kept…"), false);
    updateControls();
}

void TrainPanel::drain()
{
    if (!worker_)
        return;
    TrainUpdate u = worker_->take();
    if (u.prepared) {
        prepared_ = std::move(u.prepared);
        described_->setText(QString::fromStdString(prepared_->description) + QStringLiteral("\n") + tr("Probe: %1").arg(QString::fromStdString(prepared_->probe)));
        progress_->setRange(0, static_cast<int>(std::min<long long>(prepared_->totalBatches, 1 << 30)));
        plotDirty_ = true;
    }
    if (!u.loss.empty() || !u.validations.empty())
        plotDirty_ = true;
    loss_.insert(loss_.end(), u.loss.begin(), u.loss.end());
    validations_.insert(validations_.end(), u.validations.begin(), u.validations.end());
    if (!u.snapshots.empty()) {
        for (TrainSnapshot& s : u.snapshots)
            snapshots_.push_back(std::move(s));
        if (!u.finished) {  // the latest, live; the slider (disabled while training) follows
            const QSignalBlocker block(slider_);
            slider_->setRange(0, static_cast<int>(snapshots_.size()) - 1);
            slider_->setValue(slider_->maximum());
            showSnapshot(slider_->value(), false);
        }
    }
    if (u.status)
        trainStatus_ = *u.status;
    if (prepared_ && !u.finished) {
        QString line = tr("epoch %1/%2 · batch %L3 of %L4 · %L5 tokens/s · ETA %6 · %7 trained")
                           .arg(trainStatus_.epoch)
                           .arg(trainStatus_.epochs)
                           .arg(trainStatus_.batch)
                           .arg(trainStatus_.totalBatches)
                           .arg(static_cast<long long>(trainStatus_.tokensPerSecond + 0.5))
                           .arg(duration(trainStatus_.etaSeconds))
                           .arg(duration(trainStatus_.elapsedSeconds));
        if (!loss_.empty())
            line += tr(" · loss %1").arg(loss_.back().loss, 0, 'f', 4);
        if (isPaused())
            line += tr(" · paused");
        else if (trainStatus_.validating && state_ == State::Running)
            line += tr(" · validating…");
        status_->setText(line);
        progress_->setValue(static_cast<int>(std::min<long long>(trainStatus_.batch, progress_->maximum())));
    }
    if (plotDirty_)
        updatePlot();
    if (u.finished)
        onFinished(std::move(*u.finished));
}

void TrainPanel::updatePlot()
{
    plotDirty_ = false;
    QVector<double> x, y;
    for (const TrainLossPoint& p : loss_) {
        x.push_back(p.epoch);
        y.push_back(std::max(1e-5, p.loss));
    }
    plot_->graph(0)->setData(x, y, true);
    QVector<double> vx, vy, qx, qy, ax, ay;
    for (const TrainValidation& v : validations_) {
        if (v.epochEnd) {
            vx.push_back(v.epoch);
            vy.push_back(std::max(1e-5, v.loss));
            ax.push_back(v.epoch);
            ay.push_back(100.0 * v.accuracy);
        } else {
            qx.push_back(v.epoch);
            qy.push_back(100.0 * v.accuracy);
        }
    }
    plot_->graph(1)->setData(vx, vy, true);
    plot_->graph(2)->setData(qx, qy, true);
    plot_->graph(3)->setData(ax, ay, true);
    const double epochs = std::max(1, prepared_ ? prepared_->epochs : epochs_->value());
    plot_->xAxis->setRange(0, epochs);
    double lo = 1e9, hi = 0;
    for (double v : y) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    for (double v : vy) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    if (hi > 0)
        plot_->yAxis->setRange(lo / 1.5, hi * 1.5);
    else
        plot_->yAxis->setRange(0.01, 10);
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void TrainPanel::onFinished(TrainFinished f)
{
    timer_->stop();
    if (worker_) {
        worker_->join();
        worker_.reset();
    }
    finished_ = f;
    state_ = f.error.empty() ? State::Done : State::Idle;
    if (!f.error.empty()) {
        described_->clear();
        status_->clear();
        showMessage(tr("Nothing was trained: %1").arg(QString::fromStdString(f.error)), true);
        updateControls();
        emit finished(false);
        return;
    }
    model_ = f.model;
    timeline_ = f.timeline;
    if (!timeline_)
        snapshots_.clear();  // stopped before the first batch had a loss: nothing worth showing
    progress_->setValue(f.cancelled ? progress_->value() : progress_->maximum());
    status_->setText(tr("%1 · %L2 batches · %3").arg(f.cancelled ? tr("stopped") : tr("finished")).arg(trainStatus_.batch).arg(duration(f.seconds)));

    QString text = f.cancelled ? tr("Stopped after %1.").arg(duration(f.seconds)) : tr("Finished in %1.").arg(duration(f.seconds));
    if (f.bestEpoch > 0)
        text += QLatin1Char(' ') + tr("The model of epoch %1 (validation accuracy %2) is open in the main window.").arg(f.bestEpoch).arg(percent(f.bestAccuracy));
    else
        text += QLatin1Char(' ') + tr("No epoch finished: the model as it was when stopped (validation accuracy %1) is open in the main window.").arg(percent(std::max(0.0, f.bestAccuracy)));
    if (!snapshots_.empty())
        text += QLatin1Char(' ') + tr("Move the snapshot slider to see it as it was during training.");
    if (!f.savedModel.empty())
        text += QStringLiteral("\n\n") + tr("Kept in %1").arg(QDir::toNativeSeparators(QString::fromStdString(f.savedModel)));
    if (!f.saveError.empty())
        text += QStringLiteral("\n\n") + tr("Could not keep a copy: %1").arg(QString::fromStdString(f.saveError));
    showMessage(text, false);

    {
        const QSignalBlocker block(slider_);
        slider_->setRange(0, std::max(0, static_cast<int>(snapshots_.size()) - 1));
        slider_->setValue(slider_->maximum());
    }
    if (!snapshots_.empty())
        showSnapshot(slider_->value(), false);
    updatePlot();
    updateControls();
    if (doc_ && model_)
        doc_->setModel(model_, QString::fromStdString(f.savedModel));
    emit finished(true);
}

void TrainPanel::showSnapshot(int index, bool inDocument)
{
    if (index < 0 || index >= static_cast<int>(snapshots_.size()))
        return;
    const TrainSnapshot& s = snapshots_[static_cast<std::size_t>(index)];
    const std::shared_ptr<const Trace> trace = traceOf(s);
    heatmap_->setTrace(trace);
    if (trace && !trace->steps.empty()) {
        StepPosition end;
        end.step = static_cast<int>(trace->steps.size()) - 1;
        end.stage = Stage::Feed;
        heatmap_->setPosition(end);
    }
    sliderLabel_->setText(tr("%1 of %2 · batch %L3 · epoch %4 · loss %5")
                              .arg(index + 1)
                              .arg(snapshots_.size())
                              .arg(s.batch)
                              .arg(s.epoch, 0, 'f', 2)
                              .arg(s.trainLoss, 0, 'g', 3));
    if (state_ == State::Done || state_ == State::Review) {
        marker_->point1->setCoords(s.epoch, 0);
        marker_->point2->setCoords(s.epoch, 1);
        marker_->setVisible(true);
        plot_->replot(QCustomPlot::rpQueuedReplot);
    }
    if (inDocument && doc_ && (state_ == State::Done || state_ == State::Review) && s.probe)
        doc_->showDecodeResult(s.probe);
}

void TrainPanel::updateControls()
{
    const bool running = worker_ != nullptr;
    const bool isFile = task_->currentData().toString() == TrainSettings::taskId(TrainSettings::Task::File);
    fileRow_->setVisible(isFile);
    if (auto* form = qobject_cast<QFormLayout*>(fileRow_->parentWidget() ? fileRow_->parentWidget()->layout() : nullptr))
        if (QWidget* label = form->labelForField(fileRow_))
            label->setVisible(isFile);
    // a transformer's own sizes instead of hidden and embedding
    const bool transformer = isTransformerPreset(arch_->currentData().toString());
    for (QWidget* w : std::initializer_list<QWidget*>{hidden_, embedding_})
        form_->setRowVisible(w, !transformer);
    for (QWidget* w : std::initializer_list<QWidget*>{dModel_, heads_, encoderLayers_->parentWidget(), ffSize_, warmup_})
        form_->setRowVisible(w, transformer);
    const bool review = state_ == State::Review;  // the settings are not the recorded run's: greyed out
    for (QWidget* w : std::initializer_list<QWidget*>{task_, file_, browse_, arch_, hidden_, embedding_, epochs_, pairs_, lr_, probe_,
                                                      dModel_, heads_, encoderLayers_, decoderLayers_, ffSize_, warmup_})
        w->setEnabled(!running && !review);
    start_->setEnabled(!running && !review);
    pause_->setEnabled(running && state_ == State::Running);
    pause_->setText(isPaused() ? tr("Res&ume") : tr("Pa&use"));
    stop_->setEnabled(running && state_ == State::Running);
    const bool done = state_ == State::Done && model_;
    slider_->setEnabled((done || review) && snapshots_.size() > 1);
    saveModel_->setEnabled(done);
    saveTimeline_->setEnabled((done || review) && timeline_);
    export_->setEnabled((done || review) && timeline_);
}

void TrainPanel::closeEvent(QCloseEvent* e)
{
    if (worker_)
        stop();  // the result still opens in the main window when the worker is done
    QWidget::closeEvent(e);
}

bool TrainPanel::eventFilter(QObject* watched, QEvent* e)
{
    if (watched == parent() && e->type() == QEvent::Close && worker_) {
        worker_->stop();  // the destructor joins; the worker writes the autosave files before it ends
        state_ = State::Stopping;
    }
    return QWidget::eventFilter(watched, e);
}

void TrainPanel::chooseFile()
{
    const QString start = file_->text().isEmpty() ? Settings::lastFolder() : QFileInfo(file_->text()).absolutePath();
    const QString path = QFileDialog::getOpenFileName(this, tr("Sentence pairs to train on"), start,
                                                      tr("Sentence pairs (*.tsv *.tsv.gz *.txt *.gz);;All files (*)"));
    if (!path.isEmpty())
        file_->setText(path);
}

bool TrainPanel::saveModelTo(const QString& path)
{
    if (!model_)
        return false;
    try {
        saveModel(*model_, path.toStdString());
    } catch (const std::exception& e) {
        showMessage(QString::fromStdString(e.what()), true);
        return false;
    }
    showMessage(tr("Model saved as %1.").arg(QDir::toNativeSeparators(path)), false);
    return true;
}

bool TrainPanel::saveTimelineTo(const QString& path)
{
    if (!timeline_)
        return false;
    try {
        saveTimeline(*timeline_, path.toStdString());
    } catch (const std::exception& e) {
        showMessage(QString::fromStdString(e.what()), true);
        return false;
    }
    showMessage(tr("Timeline saved as %1.").arg(QDir::toNativeSeparators(path)), false);
    return true;
}

bool TrainPanel::exportTimelineTo(const QString& path)
{
    if (!timeline_)
        return false;
    ExportOptions o;
    o.path = path;
    o.colorMap = heatmap_->colorMap();
    o.fps = 8;
    QString error;
    std::unique_ptr<QProgressDialog> progress;
    std::function<bool(int, int)> step;
    if (path.endsWith(QStringLiteral(".gif"), Qt::CaseInsensitive) && isVisible()) {
        progress = std::make_unique<QProgressDialog>(tr("Writing %1…").arg(QFileInfo(path).fileName()), tr("Cancel"), 0, 100, this);
        progress->setWindowModality(Qt::WindowModal);
        progress->setMinimumDuration(300);
        step = [&progress](int done, int total) {
            progress->setMaximum(total);
            progress->setValue(done);
            QApplication::processEvents();
            return !progress->wasCanceled();
        };
    }
    if (!exportTimeline(*timeline_, o, &error, step)) {
        showMessage(error, true);
        return false;
    }
    showMessage(tr("Exported %1.").arg(QDir::toNativeSeparators(path)), false);
    return true;
}

void TrainPanel::chooseSaveModel()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Save the trained model"), QDir(Settings::lastFolder()).filePath(baseName() + QStringLiteral(".cbor")),
                                                      tr("AttnViz model (*.cbor *.json)"));
    if (path.isEmpty())
        return;
    Settings::setLastFolder(QFileInfo(path).absolutePath());
    saveModelTo(path);
}

void TrainPanel::chooseSaveTimeline()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Save the training timeline"),
                                                      QDir(Settings::lastFolder()).filePath(baseName() + QStringLiteral("_timeline.json")),
                                                      tr("AttnViz timeline (*.json *.cbor)"));
    if (path.isEmpty())
        return;
    Settings::setLastFolder(QFileInfo(path).absolutePath());
    saveTimelineTo(path);
}

void TrainPanel::chooseExport()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Export how attention emerged"),
                                                      QDir(Settings::lastExportFolder()).filePath(baseName() + QStringLiteral("_emerging.gif")),
                                                      tr("Animation (*.gif);;Still (*.png *.jpg *.svg *.pdf)"));
    if (path.isEmpty())
        return;
    Settings::setLastExportFolder(QFileInfo(path).absolutePath());
    exportTimelineTo(path);
}

} // namespace attnviz::ui
