#pragma once
// What the Train panel asks for (issue 15), remembered between runs (QSettings, like ui/shell/settings.h), and its
// check: bad settings give a message and start nothing.
#include "ui/train/train_worker.h"

#include <QString>

#include <optional>
#include <string>

namespace attnviz::ui {

struct TrainSettings {
    enum class Task { Dates, Reverse, EnEs, File };
    Task task = Task::Dates;
    QString file;                     // Task::File: a TSV of "source<TAB>target" lines (.gz read through gzip)
    QString architecture = QStringLiteral("bahdanau");
    int hidden = 64, embedding = 32;
    int epochs = 3;
    int trainPairs = 20000;           // generated tasks: how many; files: at most this many
    double learningRate = 0.003;
    QString probe;                    // "" → the task's first validation sentence
    // The transformer preset (SPEC §4), as `attnviz train --arch transformer` takes them: d_model, heads (dividing
    // d_model), encoder and decoder layers, the feed-forward size and the warm-up (updates of linear warm-up to the
    // learning rate, then 1/√step). Defaults: a small dates transformer (as samples/models/dates_transformer.cbor).
    int dModel = 32, heads = 4, encoderLayers = 2, decoderLayers = 2, ffSize = 64, warmup = 400;

    // Defaults: the dates Bahdanau model of the README (H 64, E 32, lr 0.003) for 3 epochs of 20,000 dates,
    // about a minute on 2 cores, its alignment visible within the first half epoch.
    static TrainSettings defaults() { return {}; }
    // What the panel fills in when the person picks `task` (the other fields unchanged): sizes, epochs and
    // pairs for a 1–3 minute run on 2 cores — dates and reverse as the defaults (about a minute each), the
    // en-es corpus H 128, E 64, 8,000 pairs, 2 epochs (about 3 minutes; 2,000 SentencePiece pieces a side).
    static TrainSettings suggested(Task task, TrainSettings from);
    // What the panel fills in when the person picks an architecture: a transformer's learning rate is the peak
    // after the warm-up, 0.001 as `attnviz train`; back on a recurrent preset, the task's suggested rate.
    static TrainSettings suggestedForArchitecture(const QString& architecture, TrainSettings from);
    static TrainSettings load();      // the last settings used (defaults where unset or unreadable)
    void save() const;

    static QString taskId(Task t);    // "dates", "reverse", "en-es", "file"
    static std::optional<Task> taskFromId(const QString& id);
};

// Whether core's trainer trains this preset (every preset of SPEC §4, the transformer too).
bool trainablePreset(const std::string& preset);
bool isTransformerPreset(const QString& architecture);

// The en-es everyday corpus in the samples folder.
QString enEsCorpus(const QString& samplesDir);

// Checks the settings and resolves them into a request (paths absolute, SentencePiece for the en-es corpus).
// On a problem returns nothing and sets *error to a sentence for the person ("Choose a file…").
std::optional<TrainRequest> makeTrainRequest(const TrainSettings& s, const QString& samplesDir, QString* error);

} // namespace attnviz::ui
