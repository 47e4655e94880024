#pragma once
// The textbook table for the current decoder step: the query, one row per encoder state (token,
// state h_j, score e_j, softmax weight a_j, alignment vector a_j·h_j) and the context row c = Σ v_j.
// Read-only numbers from the trace; the state cells of an example are editable (what-if): an edit
// emits stateEdited and the document recomputes — the model never computes attention itself.
#include "core/formats/trace.h"
#include "ui/step/reveal.h"

#include <QAbstractTableModel>

#include <memory>

namespace attnviz::ui {

class ScoreTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { TokenColumn = 0, StateColumn, ScoreColumn, WeightColumn, AlignmentColumn, ColumnCount };
    // 0..1 for the colour delegate (scores min–max normalised over the step, weights as they are);
    // invalid where a cell has no colour.
    static constexpr int ShadeRole = Qt::UserRole + 1;

    explicit ScoreTableModel(QObject* parent = nullptr);

    void setTrace(std::shared_ptr<const attnviz::Trace> trace);
    // The step shown, every stage revealed (as the text export and tests use it).
    void setStep(int step);
    // The step and stage: a column is filled once its stage is reached (scores at 1, weights at 2,
    // alignment at 3, the context row at 4), as progressive reveal wants (ui/step/reveal.h).
    void setPosition(const StepPosition& pos);
    void setReveal(const Reveal& reveal);
    int step() const { return step_; }
    // Whether the cell's quantity is computed yet at the current position.
    bool revealed(int row, int column) const;
    // State cells become editable (examples only).
    void setEditable(bool editable);
    // Issue 12: the source position hovered in any view; its token cell is shaded (−1 none).
    void setHighlightedSource(int j);
    int highlightedSource() const { return highlight_; }

    // Row layout: query first, then the n encoder states, then the context.
    int queryRow() const { return 0; }
    int encoderRow(int j) const { return 1 + j; }
    int contextRow() const { return 1 + encoderCount(); }
    int encoderCount() const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    // State cells accept "0, 1, 1" or "[0 1 1]" (exactly d finite numbers); each changed number is
    // reported through stateEdited. Returns false for text that is not such a vector.
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;

    // The cells as tab-separated text, one line per row (what Ctrl+C copies); with a header line
    // when more than one column is selected.
    QString textFor(const QModelIndexList& indexes) const;

signals:
    // decoder = true for the query row (the step's decoder state), false for encoder state `row`.
    void stateEdited(bool decoder, int row, int col, double value);
    void editRejected(const QString& message);

private:
    const attnviz::StepTrace* current() const;
    QString displayText(int row, int column) const;
    QVariant shade(int row, int column) const;

    std::shared_ptr<const attnviz::Trace> trace_;
    int step_ = 0;
    Stage stage_ = Stage::Feed;
    Reveal reveal_;
    bool editable_ = false;
    int highlight_ = -1;
};

} // namespace attnviz::ui
