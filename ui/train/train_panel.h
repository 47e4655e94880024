#pragma once
// File → Train a model… (issue 15): a window beside the main one that trains a small model and shows it
// learning — the loss and validation accuracy (QCustomPlot), tokens/s and ETA, and the probe sentence's
// alignment heatmap from the snapshots. Training runs on a TrainWorker thread (ui/train/train_worker.h); a timer
// drains its queue at 20 Hz, so painting never waits for training. When the run ends or is stopped, the best
// model opens in the main window (Document) and a slider over the snapshots shows the probe's decoding of
// that moment in every view. Closing this window or the main one stops training; the worker writes the
// model and the timeline to the autosave folder whatever happens, and the destructor joins it.
// Draws and wires only: the task, the model, training and the decodings are core's, in the worker.
#include "ui/train/train_settings.h"
#include "ui/train/train_worker.h"
#include "ui/views/colormap.h"

#include <QWidget>

#include <functional>
#include <memory>
#include <vector>

class QComboBox;
class QCustomPlot;
class QCPItemStraightLine;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSlider;
class QSpinBox;
class QTimer;
class QToolButton;

namespace attnviz::ui {

class Document;
class HeatmapView;

class TrainPanel : public QWidget {
    Q_OBJECT
public:
    // `doc`: where the trained model opens. `parent`: the main window (closing it stops training).
    explicit TrainPanel(Document* doc, QWidget* parent = nullptr);
    ~TrainPanel() override;  // stops and joins a run in progress

    // Review: a timeline file opened (openTimeline) — its curves and snapshots, no live run and no model.
    enum class State { Idle, Running, Stopping, Done, Review };
    State state() const { return state_; }
    bool isRunning() const { return worker_ != nullptr; }
    bool isPaused() const;

    void setSamplesDir(const QString& dir) { samplesDir_ = dir; }
    // Where every run's best model and timeline are written when it ends (default: the application's data
    // folder, "trained"). "" → not written.
    void setAutosaveDir(const QString& dir) { autosaveDir_ = dir; }
    QString autosaveDir() const { return autosaveDir_; }
    void setColorMap(ColorMap map);

    TrainSettings settings() const;            // as the controls show them
    void setSettings(const TrainSettings& s);  // into the controls

    // Checks the settings; on a problem shows the message here and starts nothing. Returns whether it started.
    bool start();
    void setPaused(bool paused);
    void stop();                               // keeps the best model so far
    // Opens a training timeline (attnviz-timeline, core loadTimeline) for review: its loss curve, validation
    // points and snapshots fill the panel, the slider moves every view of the main window to each snapshot's
    // first probe decoding (the last one is shown first). No model: Start and Save model are disabled; Export
    // works. On a problem (unreadable, invalid, a run in progress) shows the message and keeps the panel as it was.
    bool openTimeline(const QString& path);
    QString timelinePath() const { return timelinePath_; }
    // The worker's request of the current or last run (sizes, snapshots), for tests.
    TrainRequest lastRequest() const { return lastRequest_; }
    // Test hook: the request made from the settings is passed through this before starting.
    std::function<void(TrainRequest&)> adjustRequest;

    QString message() const;
    const std::vector<TrainLossPoint>& lossPoints() const { return loss_; }
    const std::vector<TrainSnapshot>& snapshots() const { return snapshots_; }
    const std::vector<TrainValidation>& validations() const { return validations_; }
    std::shared_ptr<const Model> trainedModel() const { return model_; }
    std::shared_ptr<const Timeline> timeline() const { return timeline_; }
    const TrainFinished& lastResult() const { return finished_; }

    QSlider* snapshotSlider() const { return slider_; }
    HeatmapView* heatmap() const { return heatmap_; }
    QCustomPlot* plot() const { return plot_; }
    QPushButton* startButton() const { return start_; }
    QPushButton* pauseButton() const { return pause_; }
    QPushButton* stopButton() const { return stop_; }

    bool saveModelTo(const QString& path);      // atomic (core saveModel); reports failures here
    bool saveTimelineTo(const QString& path);   // atomic (core saveTimeline)
    bool exportTimelineTo(const QString& path); // still (png, …) or gif (ui/export/timeline_export.h)

signals:
    void started();
    void finished(bool ok);  // ok: a model was trained (also when stopped)

protected:
    void closeEvent(QCloseEvent* e) override;
    bool eventFilter(QObject* watched, QEvent* e) override;

private:
    void buildUi();
    void drain();
    void onFinished(TrainFinished f);
    void showSnapshot(int index, bool inDocument);
    void updateControls();
    void updatePlot();
    void showMessage(const QString& text, bool problem);
    void chooseFile();
    void chooseSaveModel();
    void chooseSaveTimeline();
    void chooseExport();
    QString baseName() const;

    Document* doc_;
    std::unique_ptr<TrainWorker> worker_;
    State state_ = State::Idle;
    QTimer* timer_;
    QString samplesDir_, autosaveDir_;
    QString timelinePath_;  // the file under review (State::Review)
    TrainRequest lastRequest_;

    std::optional<TrainPrepared> prepared_;
    std::vector<TrainLossPoint> loss_;
    std::vector<TrainSnapshot> snapshots_;
    std::vector<TrainValidation> validations_;
    TrainStatus trainStatus_;
    bool plotDirty_ = false;
    std::shared_ptr<const Model> model_;
    std::shared_ptr<const Timeline> timeline_;
    TrainFinished finished_;

    QComboBox* task_ = nullptr;
    QLineEdit* file_ = nullptr;
    QToolButton* browse_ = nullptr;
    QWidget* fileRow_ = nullptr;
    QComboBox* arch_ = nullptr;
    QSpinBox* hidden_ = nullptr;
    QSpinBox* embedding_ = nullptr;
    // the transformer's own sizes (shown instead of hidden and embedding when it is picked)
    QFormLayout* form_ = nullptr;
    QString architecture_;  // the architecture before the person picks another (its learning rate goes with it)
    QSpinBox* dModel_ = nullptr;
    QSpinBox* heads_ = nullptr;
    QSpinBox* encoderLayers_ = nullptr;
    QSpinBox* decoderLayers_ = nullptr;
    QSpinBox* ffSize_ = nullptr;
    QSpinBox* warmup_ = nullptr;
    QSpinBox* epochs_ = nullptr;
    QSpinBox* pairs_ = nullptr;
    QDoubleSpinBox* lr_ = nullptr;
    QLineEdit* probe_ = nullptr;
    QPushButton* start_ = nullptr;
    QPushButton* pause_ = nullptr;
    QPushButton* stop_ = nullptr;
    QLabel* message_ = nullptr;
    QLabel* status_ = nullptr;
    QLabel* described_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QCustomPlot* plot_ = nullptr;
    QCPItemStraightLine* marker_ = nullptr;
    HeatmapView* heatmap_ = nullptr;
    QSlider* slider_ = nullptr;
    QLabel* sliderLabel_ = nullptr;
    QPushButton* saveModel_ = nullptr;
    QPushButton* saveTimeline_ = nullptr;
    QPushButton* export_ = nullptr;
};

} // namespace attnviz::ui
