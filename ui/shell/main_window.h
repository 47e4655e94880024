#pragma once
// The main window: wires the document, the step controller and the views. Holds no attention logic
// and no drawing: the document calls core, the views paint, the controller moves.
#include "core/model/heads.h"
#include "ui/step/step_state.h"
#include "ui/views/colormap.h"

#include <QFileInfo>
#include <QMainWindow>

#include <functional>
#include <memory>

class QActionGroup;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QMenu;
class QPushButton;
class QSpinBox;
class QTableView;

namespace attnviz {
struct Trace;
}

namespace attnviz::ui {

class ContextView;
class Document;
class ExportDialog;
class ScoreTableModel;
class StepController;
class TransportBar;
class ValueDelegate;
class HeatmapView;
class ArchitectureView;
class BeamView;
class StepView;
class TrainPanel;
class HeadsView;
class ViewHub;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    static QString builtInExample() { return QStringLiteral(":/samples/textbook_dot.json"); }

    // Starts opening an example, model or trace (off the GUI thread). On failure the error reporter
    // shows the problem and the current document stays open.
    void openFile(const QString& path);
    void openBuiltInExample();
    // Where the shipped samples live (File → Samples lists examples/ and models/ in it).
    void setSamplesDir(const QString& dir);
    // Issue 12: a new document or translation plays its first decoder step (stages 0–5) once by itself, then
    // pauses there; Space goes on. Off by default (tests); the application turns it on.
    void setAutoplayOnOpen(bool on) { autoplayOnOpen_ = on; }

    // Failed loads and exports go here; by default a warning message box. Tests install their own.
    using ErrorReporter = std::function<void(const QString& message)>;
    void setErrorReporter(ErrorReporter reporter);

    Document* document() const { return doc_; }
    StepController* controller() const { return ctl_; }
    ScoreTableModel* scoreTable() const { return table_; }
    QTableView* scoreTableView() const { return tableView_; }
    ContextView* contextView() const { return context_; }
    TransportBar* transportBar() const { return transport_; }
    QComboBox* scorePicker() const { return score_; }
    QLabel* problemLabel() const { return problem_; }
    StepView* stepView() const { return stepView_; }
    HeatmapView* heatmapView() const { return heatmap_; }
    ArchitectureView* architectureView() const { return arch_; }
    BeamView* beamView() const { return beamView_; }
    HeadsView* headsView() const { return headsView_; }
    // Issues 13 and 16: which layer and head every view shows for a trace with per-head attention (transformer
    // models, precomputed heads); the default is the last layer's mean, what the trace's weights are.
    void setHeadSelection(attnviz::HeadSelection sel);
    attnviz::HeadSelection headSelection() const;
    // The trace the views show: the document's, or its selectHeads view.
    std::shared_ptr<const attnviz::Trace> shownTrace() const;
    // What every view shows; the views follow its signals (issue 18).
    ViewHub* viewHub() const { return hub_; }
    ColorMap colorMap() const { return colorMap_; }
    void setColorMap(ColorMap map);

    // File → Export without the dialog: the heatmap, the current step frame, the GIF of the whole
    // step-through (progress dialog, cancellable), the architecture view (at the current step) or the
    // beam tree (needs a model's decode result). Reports failures; returns success.
    enum class ExportKind { Heatmap = 0, StepFrame, Animation, Architecture, BeamTree };  // = ExportDialog::Kind
    // File → Train a model… (issue 15): shows the Train panel (made on first use; ui/train/main_window_train.cpp).
    void showTrainPanel();
    // Opens a training timeline in the Train panel (openFile does for attnviz-timeline files); a problem is
    // shown there and in the toolbar, with everything kept as it was.
    bool openTimeline(const QString& path);
    // Whether `path` looks like an attnviz-timeline file (a peek at its start, not a validation).
    static bool isTimelineFile(const QString& path);
    TrainPanel* trainPanel() const { return trainPanel_; }
    bool exportTo(ExportKind kind, const QString& path, const QSize& size, double dpi = 96, int fps = 4);

protected:
    void closeEvent(QCloseEvent* e) override;
    void dragEnterEvent(QDragEnterEvent* e) override;
    void dropEvent(QDropEvent* e) override;
    bool eventFilter(QObject* watched, QEvent* event) override;  // the mouse leaving the score table

private:
    void buildViews();
    void buildInputBar();
    void buildMenus();          // main_window_menus.cpp
    void buildPlaybackActions(QMenu* menu);
    void buildWhatIf(QMenu* edit);   // main_window_whatif.cpp
    void showOutputMenu(int step, const QPoint& globalPos);
    void updateWhatIf();
    void saveTrace();
    void compareWith(const QString& otherModel);
    void rebuildCompareMenu();
    void rebuildRecentMenu();
    void rebuildSamplesMenu();
    QFileInfoList sampleFiles(const QString& folder, const QStringList& patterns) const;  // samplesDir/folder, by name
    void chooseFile();
    void showAbout();
    void exportWith(int kind);  // ExportDialog::Kind

    void onTraceChanged(std::shared_ptr<const attnviz::Trace> trace);  // the document's: into the hub
    void onShownTrace(std::shared_ptr<const attnviz::Trace> trace);   // what the window does beside the views
    void setHighlightedSource(int j);  // issue 12: hovering a source position in one view outlines it in all
    // main_window_heads.cpp
    void buildHeadInputs(class QToolBar* bar);
    void buildHeadsDock(class QDockWidget* tabWith);
    void buildHeadActions(QMenu* view);
    void updateHeadInputs();
    void stepHead(int delta);   // H and Shift+H: mean, max, head 1 … h of the layer
    void stepLayer(int delta);  // L and Shift+L
    void onDocumentChanged();
    void onPosition(const StepPosition& pos);
    void onScorePicked(int index);
    void showProblem(const QString& message);
    void reportError(const QString& message);
    void updateTitle();

    Document* doc_;
    StepController* ctl_;
    ViewHub* hub_;
    ScoreTableModel* table_;
    ValueDelegate* delegate_ = nullptr;
    QTableView* tableView_ = nullptr;
    QTableView* pinnedView_ = nullptr;  // the score table's context row, always in view
    void pinContextRow();
    ContextView* context_ = nullptr;
    TransportBar* transport_ = nullptr;
    StepView* stepView_ = nullptr;
    HeatmapView* heatmap_ = nullptr;
    ArchitectureView* arch_ = nullptr;
    BeamView* beamView_ = nullptr;
    TrainPanel* trainPanel_ = nullptr;

    QComboBox* score_ = nullptr;
    QLabel* problem_ = nullptr;
    QLabel* docTitle_ = nullptr;
    QLineEdit* sentence_ = nullptr;
    QSpinBox* beam_ = nullptr;
    QPushButton* translate_ = nullptr;
    QCheckBox* mergeWords_ = nullptr;
    QAction* revealAll_ = nullptr;           // View → Show everything
    QAction* undoWhatIf_ = nullptr;          // Edit → Undo / Redo / Clear what-if
    QAction* redoWhatIf_ = nullptr;
    QAction* clearWhatIf_ = nullptr;
    void applyReveal();
    // The file name stem for exports, or "" after telling the user there is nothing to export.
    QString exportBaseName();        // SentencePiece models: pieces ↔ words
    QAction* mergeWordsAction_ = nullptr;
    QList<QAction*> exampleInputs_, modelInputs_;
    QLabel* statusPosition_ = nullptr;
    QMenu* recentMenu_ = nullptr;
    QMenu* samplesMenu_ = nullptr;
    QActionGroup* colorMaps_ = nullptr;

    ErrorReporter errorReporter_;
    ColorMap colorMap_ = ColorMap::Viridis;
    QString samplesDir_;
    bool autoplayOnOpen_ = false;
    bool autoplaying_ = false;  // the first step is playing by itself
    QMenu* compareMenu_ = nullptr;
    QWidget* compare_ = nullptr;  // the open side-by-side window (CompareWindow), deleted on close
    HeadsView* headsView_ = nullptr;
    QComboBox* layerBox_ = nullptr;
    QComboBox* headBox_ = nullptr;
    QList<QAction*> headInputs_;
    bool restartPosition_ = true;
};

} // namespace attnviz::ui
