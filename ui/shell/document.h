#pragma once
// What is open: an example (hand-written states), a model (translates a sentence) or a saved trace.
// Every view is driven by trace(): an immutable Trace, replaced by a new pointer on every change.
// Loading and translating run off the GUI thread; a failure leaves the open document untouched.
// Holds no attention maths: it calls core (withScore, withValue, exampleTrace, translate).
#include "core/formats/attention_override.h"
#include "core/formats/example.h"
#include "core/formats/trace.h"

#include <QList>
#include <QObject>
#include <QPair>
#include <QString>

#include <memory>
#include <optional>

namespace attnviz {
struct Model;
struct DecodeResult;
}

namespace attnviz::ui {

class Document : public QObject {
    Q_OBJECT
public:
    enum class Kind { None, Example, Model, Trace };

    explicit Document(QObject* parent = nullptr);
    ~Document() override;

    Kind kind() const { return kind_; }
    QString filePath() const { return path_; }
    QString title() const;
    std::shared_ptr<const attnviz::Trace> trace() const { return trace_; }
    const attnviz::Example* example() const { return example_ ? &*example_ : nullptr; }
    std::shared_ptr<const attnviz::Model> model() const { return model_; }
    QString scoreId() const;      // active score function ("" when none)
    bool isBusy() const { return busy_ > 0; }
    QString lastSentence() const { return sentence_; }
    int lastBeam() const { return beam_; }
    // The last translation's search (every hypothesis and the beam tree); null when none.
    std::shared_ptr<const attnviz::DecodeResult> decodeResult() const { return decode_; }

    // Whether this build can open and run models (the decoder is part of the engine).
    static bool modelsSupported();

    // Starts loading `path` (an attnviz-example, -model or -trace; ":/…" reads a Qt resource) off the
    // GUI thread. Emits opened() on success, loadFailed() on failure (the open document stays).
    void openFile(const QString& path);
    // Loads at once on the calling thread (small files: the built-in example). Returns success.
    bool openFileNow(const QString& path);
    // Installs an example built in memory.
    void setExample(attnviz::Example ex);
    // Installs a model built in memory (the Train panel's), as if opened from `path` ("" when unsaved).
    void setModel(std::shared_ptr<const attnviz::Model> model, const QString& path);
    // Shows a decoding made elsewhere (a training snapshot's probe) in every view; the model stays open and
    // the views keep their step and stage (lastDecodeWasWhatIf() is true), so scrubbing snapshots compares them.
    void showDecodeResult(std::shared_ptr<const attnviz::DecodeResult> result);

    // Examples: switches the score function and recomputes. On failure (the file lacks the
    // parameters or dimensions) emits recomputeFailed and keeps the current function.
    bool setScore(const QString& id);
    // Examples: for every score function id, why this example cannot use it ("" when it can) — the
    // window greys out what it would refuse (issue 12). Empty for models and traces.
    QList<QPair<QString, QString>> scoreAvailability() const;
    // Examples: what-if editing of one number of an encoder state (decoder=false) or a decoder
    // state/query (decoder=true); recomputes everything.
    bool setValue(bool decoder, int row, int col, double value);
    // Models: translates `sentence` with beam width `beam` off the GUI thread; emits traceChanged.
    void translate(const QString& sentence, int beam);
    // Shows hypothesis `index` of decodeResult() (its trace) in every view; out of range: ignored.
    void selectHypothesis(int index);
    // SentencePiece models: show words instead of pieces (core mergeWords: a source word's attention summed
    // over its pieces, a target word's rows averaged). Re-emits traceChanged. No effect on word models.
    void setMergeWords(bool merge);
    bool mergesWords() const { return mergeWords_; }

    // What-if decoding (SPEC §4, issue 14) of the open model and sentence. Every edit re-decodes off the GUI
    // thread with the forced prefix and the attention overrides below; the run before the first edit stays
    // as baseline() — the ghost the views draw — until another sentence is translated. Edits are undoable.
    struct WhatIf {
        std::vector<int> prefix;                            // forced target ids y_1..y_k
        std::vector<attnviz::AttentionOverride> overrides;  // replaced softmax weights, by step
        bool empty() const { return prefix.empty() && overrides.empty(); }
    };
    const WhatIf& whatIf() const { return whatIf_; }
    // Whether the last decode came from a what-if edit (or its undo) or showDecodeResult: views keep their position then.
    bool lastDecodeWasWhatIf() const { return lastDecodeWhatIf_; }
    // The translation without any what-if; null while no what-if is active.
    std::shared_ptr<const attnviz::Trace> baseline() const { return whatIf_.empty() ? nullptr : baseline_; }
    // Say `tokenId` at `step` (1-based, pieces): the tokens before it are kept, later ones follow from it.
    // Refused (recomputeFailed) while words are merged, without a model or for a step past the translation.
    void forceToken(int step, int tokenId);
    // Say the target ids `path` as steps 1..k (a beam branch followed); overrides past step k are dropped.
    void forcePrefix(const std::vector<int>& path);
    // Same with text the person typed (the model's target tokenizer; words outside the vocabulary are refused).
    void forceText(int step, const QString& text);
    // Replace the softmax weights of `step` (divided by their sum). transient: a drag in progress — the views
    // follow live and one undo entry is made when the drag ends with transient = false.
    void overrideWeights(int step, const attnviz::Vec& weights, bool transient = false);
    void clearOverride(int step);
    void clearWhatIf();
    bool canUndoWhatIf() const { return !undo_.empty(); }
    bool canRedoWhatIf() const { return !redo_.empty(); }
    void undoWhatIf();
    void redoWhatIf();

signals:
    void traceChanged(std::shared_ptr<const attnviz::Trace> trace);
    void documentChanged();               // kind, file or title changed (a new document is open)
    void opened(const QString& path);
    void loadFailed(const QString& message);
    void recomputeFailed(const QString& message);  // score switch or edit refused; nothing changed
    void scoreChanged(const QString& id);
    void busyChanged(bool busy);
    void decodeResultChanged(std::shared_ptr<const attnviz::DecodeResult> result);  // null: none
    void whatIfChanged();  // the what-if state, its undo stack or the baseline changed

private:
    struct Loaded;
    static Loaded load(const QString& path);
    bool install(Loaded&& loaded);
    void setBusy(bool busy);
    bool recompute(attnviz::Example ex);
    void setTrace(std::shared_ptr<const attnviz::Trace> trace);
    void decode();  // the open sentence with beam_ and whatIf_
    bool whatIfAllowed(int step);
    void applyWhatIf(WhatIf next, bool record);

    Kind kind_ = Kind::None;
    QString path_;
    QString fileScore_;  // the score function the example file names (the title describes that one)
    std::optional<attnviz::Example> example_;
    std::shared_ptr<const attnviz::Model> model_;
    std::shared_ptr<const attnviz::Trace> trace_;     // what the views show
    std::shared_ptr<const attnviz::Trace> rawTrace_;  // as computed (pieces)
    bool mergeWords_ = false;
    std::shared_ptr<const attnviz::DecodeResult> decode_;
    QString sentence_;
    int beam_ = 1;
    WhatIf whatIf_;
    bool lastDecodeWhatIf_ = false, decodingWhatIf_ = false;
    std::vector<WhatIf> undo_, redo_;
    std::optional<WhatIf> dragOrigin_;                   // the state before a drag of weights began
    std::shared_ptr<const attnviz::Trace> baseline_;     // the last run without what-if (raw pieces)
    int busy_ = 0;
    quint64 loadGeneration_ = 0;
    quint64 translateGeneration_ = 0;
};

} // namespace attnviz::ui
