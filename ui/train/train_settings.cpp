#include "ui/train/train_settings.h"

#include "core/model/model.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSettings>

#include <cmath>

namespace attnviz::ui {

namespace {

constexpr int kMaxSize = 1024, kMaxEpochs = 1000, kMaxPairs = 10'000'000;
constexpr int kMaxHeads = 64, kMaxLayers = 16, kMaxFf = 8192, kMaxWarmup = 1'000'000;
constexpr double kTransformerLearningRate = 0.001;  // attnviz train --arch transformer's default --lr

} // namespace

QString TrainSettings::taskId(Task t)
{
    switch (t) {
    case Task::Dates: return QStringLiteral("dates");
    case Task::Reverse: return QStringLiteral("reverse");
    case Task::EnEs: return QStringLiteral("en-es");
    case Task::File: return QStringLiteral("file");
    }
    return QStringLiteral("dates");
}

std::optional<TrainSettings::Task> TrainSettings::taskFromId(const QString& id)
{
    for (Task t : {Task::Dates, Task::Reverse, Task::EnEs, Task::File})
        if (taskId(t) == id)
            return t;
    return std::nullopt;
}

TrainSettings TrainSettings::suggested(Task task, TrainSettings from)
{
    const TrainSettings d = defaults();
    from.task = task;
    switch (task) {
    case Task::Dates:
    case Task::Reverse:
        from.hidden = d.hidden;
        from.embedding = d.embedding;
        from.epochs = d.epochs;
        from.trainPairs = d.trainPairs;
        from.learningRate = d.learningRate;
        break;
    case Task::EnEs:
        from.hidden = 128;
        from.embedding = 64;
        from.epochs = 2;
        from.trainPairs = 8000;
        from.learningRate = 0.003;
        break;
    case Task::File:
        break;  // unknown data: the sizes stay as they are
    }
    if (task != Task::File)
        from.probe.clear();  // a probe of another task would not fit
    if (isTransformerPreset(from.architecture))
        from.learningRate = kTransformerLearningRate;
    return from;
}

TrainSettings TrainSettings::suggestedForArchitecture(const QString& architecture, TrainSettings from)
{
    const bool was = isTransformerPreset(from.architecture), now = isTransformerPreset(architecture);
    from.architecture = architecture;
    if (now && !was)
        from.learningRate = kTransformerLearningRate;
    else if (was && !now)
        from.learningRate = suggested(from.task, from).learningRate;
    return from;
}

TrainSettings TrainSettings::load()
{
    QSettings q;
    q.beginGroup(QStringLiteral("train"));
    TrainSettings s;
    s.task = taskFromId(q.value(QStringLiteral("task")).toString()).value_or(s.task);
    s.file = q.value(QStringLiteral("file"), s.file).toString();
    const QString arch = q.value(QStringLiteral("architecture"), s.architecture).toString();
    if (trainablePreset(arch.toStdString()))
        s.architecture = arch;
    const auto integer = [&q](const char* key, int fallback, int lo, int hi) {
        bool ok = false;
        const int v = q.value(QLatin1String(key), fallback).toInt(&ok);
        return ok && v >= lo && v <= hi ? v : fallback;
    };
    s.hidden = integer("hidden", s.hidden, 1, kMaxSize);
    s.embedding = integer("embedding", s.embedding, 1, kMaxSize);
    s.epochs = integer("epochs", s.epochs, 1, kMaxEpochs);
    s.trainPairs = integer("trainPairs", s.trainPairs, 1, kMaxPairs);
    bool ok = false;
    const double lr = q.value(QStringLiteral("learningRate"), s.learningRate).toDouble(&ok);
    if (ok && std::isfinite(lr) && lr > 0 && lr <= 1)
        s.learningRate = lr;
    s.probe = q.value(QStringLiteral("probe"), s.probe).toString();
    s.dModel = integer("dModel", s.dModel, 1, kMaxSize);
    s.heads = integer("heads", s.heads, 1, kMaxHeads);
    s.encoderLayers = integer("encoderLayers", s.encoderLayers, 1, kMaxLayers);
    s.decoderLayers = integer("decoderLayers", s.decoderLayers, 1, kMaxLayers);
    s.ffSize = integer("ffSize", s.ffSize, 1, kMaxFf);
    s.warmup = integer("warmup", s.warmup, 1, kMaxWarmup);
    return s;
}

void TrainSettings::save() const
{
    QSettings q;
    q.beginGroup(QStringLiteral("train"));
    q.setValue(QStringLiteral("task"), taskId(task));
    q.setValue(QStringLiteral("file"), file);
    q.setValue(QStringLiteral("architecture"), architecture);
    q.setValue(QStringLiteral("hidden"), hidden);
    q.setValue(QStringLiteral("embedding"), embedding);
    q.setValue(QStringLiteral("epochs"), epochs);
    q.setValue(QStringLiteral("trainPairs"), trainPairs);
    q.setValue(QStringLiteral("learningRate"), learningRate);
    q.setValue(QStringLiteral("probe"), probe);
    q.setValue(QStringLiteral("dModel"), dModel);
    q.setValue(QStringLiteral("heads"), heads);
    q.setValue(QStringLiteral("encoderLayers"), encoderLayers);
    q.setValue(QStringLiteral("decoderLayers"), decoderLayers);
    q.setValue(QStringLiteral("ffSize"), ffSize);
    q.setValue(QStringLiteral("warmup"), warmup);
}

bool trainablePreset(const std::string& preset)
{
    return isPreset(preset);
}

bool isTransformerPreset(const QString& architecture)
{
    return architecture == QLatin1String("transformer");
}

QString enEsCorpus(const QString& samplesDir)
{
    return QDir(samplesDir).filePath(QStringLiteral("data/en-es/everyday-train.tsv.gz"));
}

namespace {

// The first few non-blank lines of a plain (not .gz) file must be "source<TAB>target": a quick look so a
// wrong file is refused at once (core reads the whole file, .gz ones too, and names the bad line).
QString checkPairsFile(const QString& path)
{
    if (path.endsWith(QStringLiteral(".gz"), Qt::CaseInsensitive))
        return {};
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return QObject::tr("Cannot read %1.").arg(QDir::toNativeSeparators(path));
    int checked = 0, lineNo = 0;
    while (checked < 5 && !f.atEnd()) {
        QByteArray line = f.readLine(1 << 20);
        ++lineNo;
        while (line.endsWith('\n') || line.endsWith('\r'))
            line.chop(1);
        if (line.trimmed().isEmpty())
            continue;
        ++checked;
        // as core's readParallelFile: source, tab, target (columns after a second tab are ignored)
        const int tab = line.indexOf('\t');
        const int end = tab < 0 ? -1 : line.indexOf('\t', tab + 1);
        const bool emptySide = tab >= 0 && (line.left(tab).trimmed().isEmpty() || line.mid(tab + 1, end < 0 ? -1 : end - tab - 1).trimmed().isEmpty());
        if (tab < 0 || emptySide)
            return QObject::tr("%1, line %2: expected \"source<TAB>target\" (two sentences with a tab between), found %3.")
                .arg(QFileInfo(path).fileName())
                .arg(lineNo)
                .arg(tab < 0 ? QObject::tr("no tab") : QObject::tr("an empty side"));
    }
    if (checked == 0)
        return QObject::tr("%1 holds no sentence pairs.").arg(QFileInfo(path).fileName());
    return {};
}

} // namespace

std::optional<TrainRequest> makeTrainRequest(const TrainSettings& s, const QString& samplesDir, QString* error)
{
    const auto fail = [error](const QString& m) -> std::optional<TrainRequest> {
        if (error)
            *error = m;
        return std::nullopt;
    };
    if (error)
        error->clear();
    TrainRequest r;
    switch (s.task) {
    case TrainSettings::Task::Dates: r.task = "dates"; break;
    case TrainSettings::Task::Reverse: r.task = "reverse"; break;
    case TrainSettings::Task::EnEs:
    case TrainSettings::Task::File: {
        const QString path = s.task == TrainSettings::Task::EnEs ? enEsCorpus(samplesDir) : s.file.trimmed();
        if (path.isEmpty())
            return fail(QObject::tr("Choose a file of sentence pairs (one \"source<TAB>target\" a line) to train on."));
        const QFileInfo fi(path);
        if (!fi.exists())
            return fail(QObject::tr("%1 does not exist.").arg(QDir::toNativeSeparators(path)));
        if (!fi.isFile())
            return fail(QObject::tr("%1 is not a file.").arg(QDir::toNativeSeparators(path)));
        if (const QString bad = checkPairsFile(path); !bad.isEmpty())
            return fail(bad);
        r.task = "file:" + QDir::cleanPath(fi.absoluteFilePath()).toStdString();
        // the everyday corpus is typed text: SentencePiece pieces (as the shipped en-es models)
        r.sentencePiece = s.task == TrainSettings::Task::EnEs;
        break;
    }
    }
    if (!trainablePreset(s.architecture.toStdString()))
        return fail(QObject::tr("Architecture \"%1\": expected a preset the trainer can train (seq2seq, seq2seq_attention, bahdanau, luong, gnmt, transformer).").arg(s.architecture));
    if (s.epochs < 1 || s.epochs > kMaxEpochs)
        return fail(QObject::tr("Epochs: expected 1 to %1, found %2.").arg(kMaxEpochs).arg(s.epochs));
    const bool transformer = isTransformerPreset(s.architecture);
    if (transformer) {  // as attnviz train --arch transformer checks them
        if (s.dModel < 1 || s.dModel > kMaxSize)
            return fail(QObject::tr("d_model: expected 1 to %1, found %2.").arg(kMaxSize).arg(s.dModel));
        if (s.heads < 1 || s.heads > kMaxHeads || s.dModel % s.heads != 0)
            return fail(QObject::tr("Heads: expected a number that divides d_model %1 (each head gets d_model / heads numbers), found %2.").arg(s.dModel).arg(s.heads));
        if (s.encoderLayers < 1 || s.encoderLayers > kMaxLayers || s.decoderLayers < 1 || s.decoderLayers > kMaxLayers)
            return fail(QObject::tr("Layers: expected 1 to %1 encoder and decoder layers, found %2 and %3.").arg(kMaxLayers).arg(s.encoderLayers).arg(s.decoderLayers));
        if (s.ffSize < 1 || s.ffSize > kMaxFf)
            return fail(QObject::tr("Feed-forward size: expected 1 to %1, found %2.").arg(kMaxFf).arg(s.ffSize));
        if (s.warmup < 1 || s.warmup > kMaxWarmup)
            return fail(QObject::tr("Warm-up: expected 1 to %1 updates, found %2.").arg(kMaxWarmup).arg(s.warmup));
    } else if (s.hidden < 1 || s.hidden > kMaxSize || s.embedding < 1 || s.embedding > kMaxSize) {
        return fail(QObject::tr("Hidden and embedding sizes: expected 1 to %1, found %2 and %3.").arg(kMaxSize).arg(s.hidden).arg(s.embedding));
    }
    if (s.trainPairs < 1 || s.trainPairs > kMaxPairs)
        return fail(QObject::tr("Training pairs: expected 1 to %1, found %2.").arg(kMaxPairs).arg(s.trainPairs));
    if (!(std::isfinite(s.learningRate) && s.learningRate > 0 && s.learningRate <= 1))
        return fail(QObject::tr("Learning rate: expected a number above 0 and at most 1, found %1.").arg(s.learningRate));
    r.architecture = s.architecture.toStdString();
    r.hidden = transformer ? s.dModel : s.hidden;
    r.embedding = transformer ? s.dModel : s.embedding;
    if (transformer) {
        r.heads = s.heads;
        r.encoderLayers = s.encoderLayers;
        r.decoderLayers = s.decoderLayers;
        r.ffSize = s.ffSize;
        r.warmup = s.warmup;
    }
    r.epochs = s.epochs;
    r.learningRate = s.learningRate;
    r.trainPairs = static_cast<std::size_t>(s.trainPairs);
    r.probe = s.probe.trimmed().toStdString();
    return r;
}

} // namespace attnviz::ui
