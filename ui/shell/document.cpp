#include "ui/shell/document.h"

#include "core/formats/any_file.h"
#include "core/formats/array_file.h"
#include "core/model/merge_words.h"
#include "core/formats/error.h"
#include "core/formats/json_io.h"

#include "core/model/decoding.h"
#include "core/model/model.h"
#include "core/model/vocab.h"

#include <QFile>
#include <QFileInfo>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <exception>
#include <new>

// The built-in samples live in the ui library's resources; a static library must register them.
static void initAttnvizResources()
{
    Q_INIT_RESOURCE(resources);
}

namespace attnviz::ui {

struct Document::Loaded {
    Kind kind = Kind::None;
    std::optional<Example> example;
    std::shared_ptr<const Model> model;
    std::shared_ptr<const Trace> trace;
    QString error;
};

namespace {

QString messageOf(const std::exception& e)
{
    return QString::fromStdString(e.what());
}

// The document at `path` (a file, or ":/…" for a Qt resource); throws InputError.
json readDocument(const QString& path)
{
    const std::string name = path.toStdString();
    if (!path.startsWith(QLatin1Char(':')))
        return loadDocument(name, modelLimits());
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        throw InputError(name, "", "expected a readable built-in file, found none");
    const QByteArray bytes = f.readAll();
    return parseDocument(bytes.toStdString(), path.endsWith(QLatin1String(".cbor")), name, modelLimits());
}

// A sentence the model knows, so a freshly opened model shows a translation at once: the file's first
// example sentence, or else the first few ordinary source tokens.
QString defaultSentence(const Model& m)
{
    if (!m.examples.empty())
        return QString::fromStdString(m.examples.front());
    Tokens words;
    for (const std::string& t : m.source.tokens()) {
        if (t.empty() || t.front() == '<' || words.size() >= 4)
            continue;
        words.push_back(t);
    }
    return QString::fromStdString(m.detokenizeSource(words));
}

} // namespace

Document::Document(QObject* parent) : QObject(parent)
{
    static const bool registered = (initAttnvizResources(), true);
    Q_UNUSED(registered);
}

Document::~Document() = default;

bool Document::modelsSupported()
{
    return true;
}

QString Document::title() const
{
    if (example_ && !example_->title.empty()) {
        const QString t = QString::fromStdString(example_->title);
        // The file's title describes its own score function; say when another one is shown.
        return scoreId() == fileScore_ ? t : t + QStringLiteral(" — now scored with ") + scoreId();
    }
    if (trace_ && !trace_->title.empty())
        return QString::fromStdString(trace_->title);
    if (trace_ && !trace_->architecture.empty())
        return QString::fromStdString(trace_->architecture) + QStringLiteral(" model");
    return QFileInfo(path_).fileName();
}

QString Document::scoreId() const
{
    if (example_)
        return QString::fromStdString(example_->score.id());
    return trace_ ? QString::fromStdString(trace_->score) : QString();
}

Document::Loaded Document::load(const QString& path)
{
    Loaded out;
    try {
        const std::string file = path.toStdString();
        // A file: the one loading path in core (models through the streaming reader; hidden states from
        // .npz, .safetensors, .pt). Built-in resources (":/…", small examples) are parsed here.
        if (!path.startsWith(QLatin1Char(':'))) {
            AnyFile any = loadAnyFile(file);
            switch (any.content) {
            case FileContent::Example:
                out.trace = std::make_shared<const Trace>(exampleTrace(*any.example));
                out.example = std::move(any.example);
                out.kind = Kind::Example;
                break;
            case FileContent::Model:
                out.model = std::make_shared<const Model>(std::move(*any.model));
                out.kind = Kind::Model;
                break;
            case FileContent::Trace:
                out.trace = std::make_shared<const Trace>(std::move(*any.trace));
                out.kind = Kind::Trace;
                break;
            case FileContent::Timeline:
                throw InputError(file, "", "expected an example, model or trace here; a training timeline opens in the Train panel");
            }
            return out;
        }
        const json doc = readDocument(path);
        const json* format = doc.is_object() && doc.contains("format") ? &doc["format"] : nullptr;
        const std::string id = format && format->is_string() ? format->get<std::string>() : std::string();
        if (id == "attnviz-example") {
            Example ex = exampleFromJson(doc, file);
            out.trace = std::make_shared<const Trace>(exampleTrace(ex));
            out.example = std::move(ex);
            out.kind = Kind::Example;
        } else if (id == "attnviz-trace") {
            out.trace = std::make_shared<const Trace>(traceFromJson(doc, file));
            out.kind = Kind::Trace;
        } else if (id == "attnviz-model") {
            out.model = std::make_shared<const Model>(modelFromJson(doc, file));
            out.kind = Kind::Model;
        } else {
            throw InputError(file, "/format",
                             "expected \"attnviz-example\", \"attnviz-model\" or \"attnviz-trace\", found "
                                 + (format ? describeJson(*format) : std::string("no \"format\" key")));
        }
    } catch (const std::bad_alloc&) {
        out.error = path + QStringLiteral(": out of memory (the file is too large)");
    } catch (const std::exception& e) {
        out.error = messageOf(e);
    }
    return out;
}

void Document::openFile(const QString& path)
{
    const quint64 generation = ++loadGeneration_;
    setBusy(true);
    QtConcurrent::run([path] { return load(path); }).then(this, [this, path, generation](Loaded loaded) {
        setBusy(false);
        if (generation != loadGeneration_)
            return;  // a later open superseded this one
        if (!loaded.error.isEmpty()) {
            emit loadFailed(loaded.error);
            return;
        }
        path_ = path;
        install(std::move(loaded));
        emit opened(path);
    });
}

bool Document::openFileNow(const QString& path)
{
    ++loadGeneration_;
    Loaded loaded = load(path);
    if (!loaded.error.isEmpty()) {
        emit loadFailed(loaded.error);
        return false;
    }
    path_ = path;
    install(std::move(loaded));
    emit opened(path);
    return true;
}

void Document::setExample(Example ex)
{
    Loaded loaded;
    try {
        loaded.trace = std::make_shared<const Trace>(exampleTrace(ex));
    } catch (const std::exception& e) {
        emit loadFailed(messageOf(e));
        return;
    }
    loaded.kind = Kind::Example;
    path_ = QString::fromStdString(ex.file);
    loaded.example = std::move(ex);
    install(std::move(loaded));
}

void Document::setModel(std::shared_ptr<const Model> model, const QString& path)
{
    ++loadGeneration_;
    Loaded loaded;
    loaded.kind = Kind::Model;
    loaded.model = std::move(model);
    path_ = path;
    install(std::move(loaded));
    if (!path.isEmpty())
        emit opened(path);
}

void Document::showDecodeResult(std::shared_ptr<const DecodeResult> result)
{
    if (!result)
        return;
    ++translateGeneration_;  // a translation in flight would replace it
    whatIf_ = {};
    undo_.clear();
    redo_.clear();
    baseline_.reset();
    emit whatIfChanged();
    decode_ = std::move(result);
    lastDecodeWhatIf_ = true;  // the views keep their step and stage, as after a what-if edit
    emit decodeResultChanged(decode_);
    setTrace(std::make_shared<const Trace>(decode_->best));
}

bool Document::install(Loaded&& loaded)
{
    ++translateGeneration_;  // results of a translation for the previous model are stale
    kind_ = loaded.kind;
    example_ = std::move(loaded.example);
    model_ = std::move(loaded.model);
    fileScore_ = example_ ? QString::fromStdString(example_->score.id()) : QString();
    decode_.reset();
    if (kind_ == Kind::Model)
        sentence_ = defaultSentence(*model_);  // before documentChanged, so the window shows it
    emit decodeResultChanged(decode_);
    emit documentChanged();
    emit scoreChanged(scoreId());
    if (kind_ == Kind::Model) {
        setTrace(std::make_shared<const Trace>());
        translate(sentence_, beam_);
    } else {
        setTrace(std::move(loaded.trace));
    }
    return true;
}

void Document::setTrace(std::shared_ptr<const Trace> trace)
{
    rawTrace_ = std::move(trace);
    trace_ = mergeWords_ && rawTrace_ ? std::make_shared<const Trace>(attnviz::mergeWords(*rawTrace_)) : rawTrace_;
    emit traceChanged(trace_);
}

void Document::setMergeWords(bool merge)
{
    if (merge == mergeWords_)
        return;
    mergeWords_ = merge;
    setTrace(rawTrace_);
}

bool Document::recompute(Example ex)
{
    try {
        Trace t = exampleTrace(ex);
        example_ = std::move(ex);
        if (!t.title.empty())
            t.title = title().toStdString();  // "… — now scored with cosine" once another function is chosen
        setTrace(std::make_shared<const Trace>(std::move(t)));
        return true;
    } catch (const std::exception& e) {
        emit recomputeFailed(messageOf(e));
        return false;
    }
}

QList<QPair<QString, QString>> Document::scoreAvailability() const
{
    QList<QPair<QString, QString>> out;
    if (!example_)
        return out;
    for (const std::string& id : allScoreIds()) {
        QString reason;
        try {
            if (const std::optional<ScoreKind> kind = scoreKindFromId(id); kind && *kind != example_->score.kind())
                (void)exampleTrace(withScore(*example_, *kind));
        } catch (const InputError& e) {
            reason = QString::fromStdString(e.detail());
        } catch (const std::exception& e) {
            reason = QString::fromUtf8(e.what());
        }
        out.append({QString::fromStdString(id), reason});
    }
    return out;
}

bool Document::setScore(const QString& id)
{
    if (!example_) {
        emit recomputeFailed(QStringLiteral("Only examples can switch the score function; a model uses the one it was trained with."));
        return false;
    }
    const std::optional<ScoreKind> kind = scoreKindFromId(id.toStdString());
    if (!kind) {
        emit recomputeFailed(QStringLiteral("Unknown score function \"%1\".").arg(id));
        return false;
    }
    if (*kind == example_->score.kind())
        return true;
    try {
        if (!recompute(withScore(*example_, *kind)))
            return false;
    } catch (const InputError& e) {
        // About the open example: what is missing, without the file name and JSON pointer.
        emit recomputeFailed(QStringLiteral("Cannot switch to %1: %2").arg(id, QString::fromStdString(e.detail())));
        return false;
    } catch (const std::exception& e) {
        emit recomputeFailed(messageOf(e));
        return false;
    }
    emit scoreChanged(scoreId());
    return true;
}

bool Document::setValue(bool decoder, int row, int col, double value)
{
    if (!example_) {
        emit recomputeFailed(QStringLiteral("Only the states of an example can be edited."));
        return false;
    }
    try {
        return recompute(withValue(*example_, decoder ? "decoder" : "encoder", row, col, value));
    } catch (const std::exception& e) {
        emit recomputeFailed(messageOf(e));
        return false;
    }
}

void Document::translate(const QString& sentence, int beam)
{
    sentence_ = sentence;
    beam_ = beam < 1 ? 1 : beam;
    if (!model_) {
        emit recomputeFailed(QStringLiteral("Open a model to translate a sentence."));
        return;
    }
    // a new sentence (or beam) starts without what-if
    whatIf_ = {};
    undo_.clear();
    redo_.clear();
    dragOrigin_.reset();
    baseline_.reset();
    emit whatIfChanged();
    decodingWhatIf_ = false;
    decode();
}

void Document::decode()
{
    const quint64 generation = ++translateGeneration_;
    const std::shared_ptr<const Model> model = model_;
    const std::string text = sentence_.toStdString();
    DecodeOptions opt;
    opt.beam = beam_;
    opt.prefix = whatIf_.prefix;
    opt.overrides = whatIf_.overrides;
    opt.overridesMustBeReached = false;  // an earlier edit may have shortened the translation
    const bool plain = whatIf_.empty();
    const bool whatIfEdit = decodingWhatIf_;
    setBusy(true);
    QtConcurrent::run([model, text, opt]() -> std::pair<std::shared_ptr<const DecodeResult>, QString> {
        try {
            return {std::make_shared<const DecodeResult>(attnviz::translate(*model, text, opt)), QString()};
        } catch (const std::exception& e) {
            return {nullptr, messageOf(e)};
        }
    }).then(this, [this, generation, plain, whatIfEdit](std::pair<std::shared_ptr<const DecodeResult>, QString> r) {
        setBusy(false);
        if (generation != translateGeneration_)
            return;
        if (!r.first) {
            emit recomputeFailed(r.second);
            return;
        }
        decode_ = std::move(r.first);
        lastDecodeWhatIf_ = whatIfEdit;
        if (plain && !whatIfEdit) {
            baseline_ = std::make_shared<const Trace>(decode_->best);
            emit whatIfChanged();
        }
        emit decodeResultChanged(decode_);
        setTrace(std::make_shared<const Trace>(decode_->best));
    });
}

namespace {

template <typename Pred>
std::size_t dropOverrides(std::vector<AttentionOverride>& overrides, Pred pred)
{
    const auto end = std::remove_if(overrides.begin(), overrides.end(), pred);
    const auto n = static_cast<std::size_t>(overrides.end() - end);
    overrides.erase(end, overrides.end());
    return n;
}

} // namespace

bool Document::whatIfAllowed(int step)
{
    QString why;
    if (!model_ || kind_ != Kind::Model)
        why = QStringLiteral("What-if decoding needs a model: open one and translate a sentence.");
    else if (mergeWords_)
        why = QStringLiteral("What-if edits work on pieces: untick \"words\" to change a piece or its attention.");
    else if (!rawTrace_ || step < 1 || step > static_cast<int>(rawTrace_->steps.size()))
        why = QStringLiteral("Step %1 is not part of the translation.").arg(step);
    if (!why.isEmpty())
        emit recomputeFailed(why);
    return why.isEmpty();
}

void Document::applyWhatIf(WhatIf next, bool record)
{
    if (record) {
        undo_.push_back(dragOrigin_ ? *dragOrigin_ : whatIf_);
        redo_.clear();
        dragOrigin_.reset();
    }
    whatIf_ = std::move(next);
    emit whatIfChanged();
    decodingWhatIf_ = true;
    decode();
}

void Document::forceToken(int step, int tokenId)
{
    if (!whatIfAllowed(step))
        return;
    if (tokenId < 0 || tokenId >= model_->target.size()) {
        emit recomputeFailed(QStringLiteral("Token %1 is not in the target vocabulary.").arg(tokenId));
        return;
    }
    WhatIf next = whatIf_;
    next.prefix.clear();
    for (int t = 1; t < step; ++t)  // keep what was said before `step`
        next.prefix.push_back(model_->target.id(rawTrace_->steps[static_cast<std::size_t>(t - 1)].token));
    next.prefix.push_back(tokenId);
    dropOverrides(next.overrides, [step](const AttentionOverride& o) { return o.t > step; });  // they were about other words
    applyWhatIf(std::move(next), true);
}

void Document::forcePrefix(const std::vector<int>& path)
{
    if (path.empty() || !whatIfAllowed(1))
        return;
    for (int id : path)
        if (id < 0 || id >= model_->target.size()) {
            emit recomputeFailed(QStringLiteral("Token %1 is not in the target vocabulary.").arg(id));
            return;
        }
    WhatIf next = whatIf_;
    next.prefix = path;
    const int k = static_cast<int>(path.size());
    dropOverrides(next.overrides, [k](const AttentionOverride& o) { return o.t > k; });
    applyWhatIf(std::move(next), true);
}

void Document::forceText(int step, const QString& text)
{
    if (!whatIfAllowed(step))
        return;
    std::vector<int> ids;
    try {
        ids = targetPrefixIds(*model_, text.toStdString());
    } catch (const InputError& e) {
        emit recomputeFailed(QStringLiteral("Cannot say \"%1\": %2").arg(text, QString::fromStdString(e.detail())));
        return;
    }
    if (ids.empty()) {
        emit recomputeFailed(QStringLiteral("Type a word to say at step %1.").arg(step));
        return;
    }
    WhatIf next = whatIf_;
    next.prefix.clear();
    for (int t = 1; t < step; ++t)
        next.prefix.push_back(model_->target.id(rawTrace_->steps[static_cast<std::size_t>(t - 1)].token));
    next.prefix.insert(next.prefix.end(), ids.begin(), ids.end());
    if (static_cast<int>(next.prefix.size()) > model_->config.maxLen) {
        emit recomputeFailed(QStringLiteral("The translation can have at most %1 tokens.").arg(model_->config.maxLen));
        return;
    }
    dropOverrides(next.overrides, [step](const AttentionOverride& o) { return o.t > step; });
    applyWhatIf(std::move(next), true);
}

void Document::overrideWeights(int step, const Vec& weights, bool transient)
{
    if (!whatIfAllowed(step))
        return;
    if (!model_->hasAttention()) {
        emit recomputeFailed(QStringLiteral("This model has no attention to change: seq2seq reads the source only through its final state."));
        return;
    }
    if (const std::string problem = overrideWeightsProblem(weights); !problem.empty()) {
        emit recomputeFailed(QString::fromStdString(problem));
        return;
    }
    if (transient && !dragOrigin_)
        dragOrigin_ = whatIf_;
    WhatIf next = whatIf_;
    dropOverrides(next.overrides, [step](const AttentionOverride& o) { return o.t == step; });
    next.overrides.push_back({step, weights, ""});
    applyWhatIf(std::move(next), !transient);
}

void Document::clearOverride(int step)
{
    WhatIf next = whatIf_;
    if (dropOverrides(next.overrides, [step](const AttentionOverride& o) { return o.t == step; }) > 0)
        applyWhatIf(std::move(next), true);
}

void Document::clearWhatIf()
{
    if (!whatIf_.empty())
        applyWhatIf({}, true);
}

void Document::undoWhatIf()
{
    if (undo_.empty())
        return;
    redo_.push_back(whatIf_);
    WhatIf prev = std::move(undo_.back());
    undo_.pop_back();
    applyWhatIf(std::move(prev), false);
}

void Document::redoWhatIf()
{
    if (redo_.empty())
        return;
    undo_.push_back(whatIf_);
    WhatIf next = std::move(redo_.back());
    redo_.pop_back();
    applyWhatIf(std::move(next), false);
}

void Document::selectHypothesis(int index)
{
    if (!decode_ || index < 0 || index >= static_cast<int>(decode_->hypotheses.size()))
        return;
    setTrace(std::make_shared<const Trace>(decode_->hypotheses[static_cast<std::size_t>(index)]));
}

void Document::setBusy(bool busy)
{
    const bool was = isBusy();
    busy_ += busy ? 1 : -1;
    if (was != isBusy())
        emit busyChanged(isBusy());
}

} // namespace attnviz::ui
