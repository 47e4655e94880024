// attnviz train --task TASK --arch PRESET -o MODEL [options]   (SPEC §6, issue 4)
// attnviz train --resume MODEL [--epochs N] [--threads T]
// Trains on a built-in task (dates, reverse) or file:PATH with a progress bar on stderr. After every epoch
// that improves validation accuracy the model is written (atomically); Ctrl-C stops after the current
// batch and keeps the best model so far. stdout gets one summary line. A checkpoint MODEL.ckpt (current
// weights, Adam, batch order, position; core/train/checkpoint.h) is written after every epoch, every few minutes
// within one and on Ctrl-C; --resume continues from it. --timeline FILE also records the attnviz-timeline of
// the run (core/train/timeline_recorder.h), written with the checkpoints and at the end.
#include "app/args.h"
#include "app/commands.h"

#include "core/formats/timeline.h"
#include "core/model/model.h"
#include "core/train/checkpoint.h"
#include "core/train/timeline_recorder.h"
#include "core/train/trainer.h"

#include <atomic>
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <vector>

namespace attnviz::app {

namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void onInterrupt(int)
{
    g_interrupted.store(true);
}

// Installs the SIGINT handler for the lifetime of the object; a second Ctrl-C ends the process as usual.
class InterruptGuard {
public:
    InterruptGuard()
    {
        g_interrupted = false;
        struct sigaction sa {};
        sa.sa_handler = onInterrupt;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESETHAND;
        sigaction(SIGINT, &sa, &old_);
    }
    ~InterruptGuard() { sigaction(SIGINT, &old_, nullptr); }

private:
    struct sigaction old_ {};
};

std::string duration(double s)
{
    const long long t = static_cast<long long>(s + 0.5);
    std::ostringstream o;
    if (t >= 3600)
        o << t / 3600 << "h" << (t % 3600) / 60 << "m";
    else if (t >= 60)
        o << t / 60 << "m" << t % 60 << "s";
    else
        o << t << "s";
    return o.str();
}

const char* kUsage =
    "attnviz train --task dates|reverse|file:PATH --arch PRESET -o MODEL[.json|.cbor] [--epochs N] [--seed S] "
    "[--hidden H] [--embedding E] [--layers L] [--cell gru|lstm] [--score ID] [--attention-size A] [--no-input-feeding] "
    "[--max-len N] [--batch B] [--lr X] [--clip C] [--threads T] [--train-size N] [--valid-size N] [--min-count K] "
    "[--d-model D] [--heads N] [--encoder-layers N] [--decoder-layers N] [--ff-size F] [--warmup W] "
    "[--lowercase] [--tokenizer whitespace|sentencepiece] [--pieces N] [--source-pieces N] [--target-pieces N] [--bpe] "
    "[--checkpoint-minutes M] [--timeline FILE [--probe \"sentence\"]... [--snapshot-every N] [--precision float32|float64]] [--quiet]\n"
    "       attnviz train --init TRAINED_MODEL --task TASK -o MODEL [--epochs N] [--seed S] [--batch B] [--lr X] [--clip C] [--warmup W] [--threads T] [--train-size N] [--valid-size N] [--checkpoint-minutes M] [--timeline FILE ...] [--quiet]\n"
    "       attnviz train --resume MODEL [--data file:PATH] [--epochs N] [--threads T] [--checkpoint-minutes M] [--timeline FILE [--snapshot-every N]] [--quiet]";

const char* kHelp =
    "\n\nA checkpoint MODEL.ckpt (current weights, Adam state, batch order, position, options and task) is written\n"
    "atomically after every epoch, every M minutes within one (default 5; 0: after epochs only) and on Ctrl-C.\n"
    "MODEL itself holds the best epoch's weights. --resume MODEL continues a killed or finished training from\n"
    "its checkpoint with the saved options and data (re-created from the task and seed); --epochs N sets the\n"
    "total number of epochs (default: the saved one). With the same thread count the result is bitwise that of\n"
    "an uninterrupted run.\n\n"
    "--resume MODEL --data file:PATH continues on other data (fine-tuning, or a corpus regenerated since):\n"
    "the weights, Adam state, tokenizer and vocabularies carry over; an epoch in progress starts again on the new\n"
    "pairs, and the best-so-far restarts (the validation set changed), so MODEL is replaced at the first epoch end\n"
    "on the new data. Give --epochs N beyond the finished epochs to train a finished model further.\n\n"
    "--init TRAINED_MODEL starts a new training (fine-tuning) from a model file's weights, with its architecture,\n"
    "configuration, tokenizer and vocabularies, and a fresh Adam state: for a model whose checkpoint is gone, or a\n"
    "shipped model on your own data, usually with a smaller --lr. Options that shape the model cannot be given.\n\n"
    "--timeline FILE records how attention emerges (SPEC §5 attnviz-timeline; .cbor for CBOR): a snapshot before\n"
    "any update, every N batches (--snapshot-every; default: about 50 snapshots over the run), at every epoch\n"
    "end (with the validation loss and accuracy) and at the end, each with the training loss since the previous\n"
    "snapshot and the greedy trace of every --probe sentence (default: the first validation sentence). It is\n"
    "written with every checkpoint and at the end; with --resume, --timeline FILE continues the timeline in FILE\n"
    "(same probes). attnviz export FILE -o emerging.gif animates it. The probes are decoded in float32 (the\n"
    "default of decoding) or, with --precision float64, in float64.\n\n"
    "--arch transformer (SPEC §4, post-norm nn.Transformer, dropout off) takes --d-model (default 64), --heads\n"
    "(default 4), --encoder-layers and --decoder-layers (default 2 each) and --ff-size (default 4·d_model) instead\n"
    "of --hidden/--embedding/--layers/--cell/--score; its learning rate warms up linearly over --warmup updates\n"
    "(default 400) to --lr (default 0.001) and then decays as 1/√step; Adam β2 = 0.98 (Vaswani et al. 2017 §5.3).\n"
    "Pairs whose source, or target with <eos>, is longer than --max-len are left out.";

// The options that shape a model (architecture, sizes, tokenizer, vocabulary): fixed by a checkpoint (--resume)
// or by the model file (--init).
const char* const kShapeOptions[] = {"--arch", "--hidden", "--embedding", "--layers", "--cell", "--score",
                                     "--attention-size", "--no-input-feeding", "--max-len", "--min-count", "--lowercase",
                                     "--tokenizer", "--pieces", "--source-pieces", "--target-pieces", "--bpe", "--d-model",
                                     "--heads", "--encoder-layers", "--decoder-layers", "--ff-size"};

// The model without its weights and labels: what must agree between a model file and its checkpoint.
json skeleton(const Model& m)
{
    json j = modelToJson(m);
    for (const char* key : {"weights", "title", "examples"})
        j.erase(key);
    return j;
}

// The training pairs as ids for `model`; location attention scores at most max_len source positions, and a
// transformer has positions for max_len source tokens and max_len decoder steps (the target and <eos>).
void encodeTask(const Model& model, const TaskData& task, std::vector<PairIds>& trainIds, std::vector<PairIds>& validIds)
{
    trainIds = encodePairs(model, task.train);
    validIds = encodePairs(model, task.valid);
    if (model.isTransformer()) {
        auto tooLong = [&](const PairIds& p) {
            return static_cast<int>(p.src.size()) > model.config.maxLen || static_cast<int>(p.tgt.size()) + 1 > model.config.maxLen;
        };
        trainIds.erase(std::remove_if(trainIds.begin(), trainIds.end(), tooLong), trainIds.end());
        validIds.erase(std::remove_if(validIds.begin(), validIds.end(), tooLong), validIds.end());
    } else if (model.config.score == ScoreKind::Location) {
        auto tooLong = [&](const PairIds& p) { return static_cast<int>(p.src.size()) > model.config.maxLen; };
        trainIds.erase(std::remove_if(trainIds.begin(), trainIds.end(), tooLong), trainIds.end());
        validIds.erase(std::remove_if(validIds.begin(), validIds.end(), tooLong), validIds.end());
    }
}

} // namespace

int cmdTrain(const CommandArgs& argv)
{
    ArgSpec spec;
    spec.valueOptions = {"--task", "--arch", "-o", "--epochs", "--seed", "--hidden", "--embedding", "--layers", "--cell",
                         "--score", "--attention-size", "--max-len", "--batch", "--lr", "--clip", "--threads",
                         "--train-size", "--valid-size", "--min-count", "--resume", "--checkpoint-minutes", "--tokenizer",
                         "--pieces", "--source-pieces", "--target-pieces", "--timeline", "--probe", "--snapshot-every", "--precision",
                         "--d-model", "--heads", "--encoder-layers", "--decoder-layers", "--ff-size", "--warmup", "--data", "--init"};
    spec.repeatable = {"--probe"};
    spec.flags = {"--no-input-feeding", "--lowercase", "--quiet", "--help", "--bpe"};
    spec.usage = kUsage;
    const Args args(argv, spec);
    if (args.has("--help")) {
        std::cout << "usage: " << kUsage << kHelp << "\n";
        return 0;
    }
    const bool resume = args.has("--resume");
    if (resume) {
        std::vector<const char*> fixed(std::begin(kShapeOptions), std::end(kShapeOptions));
        fixed.insert(fixed.end(), {"--task", "-o", "--seed", "--batch", "--lr", "--clip", "--train-size", "--valid-size",
                                   "--warmup", "--init"});
        for (const char* option : fixed)
            if (args.has(option))
                throw UsageError(std::string("--resume continues with the saved options; ") + option
                                 + " cannot change them (only --epochs, --threads, --checkpoint-minutes, --timeline, --snapshot-every, --quiet)\nusage: " + kUsage);
        if (args.has("--probe"))
            throw UsageError("--resume continues the timeline with its own probes; --probe cannot change them\nusage: " + std::string(kUsage));
    } else {
        if (args.has("--data"))
            throw UsageError("--data goes with --resume MODEL (new data for a trained model); a new training takes --task\nusage: " + std::string(kUsage));
        if (args.has("--init"))
            for (const char* shape : kShapeOptions)
                if (args.has(shape))
                    throw UsageError(std::string("--init starts from the model's own architecture, configuration and tokenizer; ")
                                     + shape + " cannot change them\nusage: " + kUsage);
        for (const char* required : {"--task", args.has("--init") ? "--init" : "--arch", "-o"})
            if (!args.has(required))
                throw UsageError(std::string("missing ") + required + "\nusage: " + kUsage);
    }
    const std::string out = resume ? args.value("--resume") : args.value("-o");
    const std::string ckptFile = checkpointFileFor(out);
    const bool recordTimeline = args.has("--timeline");
    const std::string timelineFile = args.value("--timeline");
    if (!recordTimeline && (args.has("--probe") || args.has("--snapshot-every") || args.has("--precision")))
        throw UsageError("--probe and --snapshot-every go with --timeline FILE (and so does --precision)\nusage: " + std::string(kUsage));
    const std::string timelinePrecision = precisionOption(args);
    const long long snapshotEvery = args.integer("--snapshot-every", 0, 1, 1'000'000'000'000LL);  // 0: default
    if (recordTimeline) {
        namespace fs = std::filesystem;
        const auto same = [](const std::string& a, const std::string& b) {
            return fs::absolute(a).lexically_normal() == fs::absolute(b).lexically_normal();
        };
        if (timelineFile.empty() || same(timelineFile, out) || same(timelineFile, ckptFile))
            throw UsageError("--timeline: expected a file of its own, found \"" + timelineFile + "\" (the model or its checkpoint)");
        if (fs::is_directory(timelineFile))
            throw UsageError("--timeline: expected a file, found the directory \"" + timelineFile + "\"");
    }
    const double checkpointMinutes = args.number("--checkpoint-minutes", 5.0, 0.0, 1e6);

    Checkpoint meta;  // everything but the training state, written with it
    TrainOptions o;
    Model model, best;
    bool haveBest = false;
    TaskData task;
    std::vector<PairIds> trainIds, validIds;
    if (resume) {
        meta = loadCheckpoint(ckptFile);
        if (std::filesystem::exists(out) || meta.state.bestEpoch > 0) {
            best = loadModel(out);  // InputError naming the model file when it is missing or broken
            if (skeleton(best) != skeleton(meta.model))
                throw InputError(ckptFile, "", "expected the checkpoint of " + out + ", found one for another model "
                                                   "(architecture, configuration, vocabulary or tokenizer differ)");
            haveBest = meta.state.bestEpoch > 0;
        }
        model = meta.model;  // its tokenizer and vocabularies encode the data
        if (args.has("--data")) {
            std::string dataName = args.value("--data");
            if (dataName.rfind("file:", 0) != 0 || dataName.size() == 5)
                throw UsageError("--data: expected file:PATH (a tab-separated corpus), found \"" + dataName + "\"");
            dataName = "file:" + std::filesystem::absolute(dataName.substr(5)).lexically_normal().string();
            if (meta.task.rfind("file:", 0) != 0)
                throw UsageError("--data: " + out + " was trained on the built-in task " + meta.task
                                 + "; only a model trained on file:PATH data continues on other data");
            task = makeTask(dataName, meta.taskOptions);
            encodeTask(model, task, trainIds, validIds);
            meta.task = dataName;
            meta.trainPairs = static_cast<long long>(trainIds.size());
            meta.validPairs = static_cast<long long>(validIds.size());
            meta.dataHash = dataFingerprint(trainIds, validIds);
            TrainState& s = meta.state;
            s.batch = 0;  // the epoch in progress starts again on the new pairs
            s.epochLossSum = 0.0;
            s.epochTokens = 0;
            s.bestAccuracy = -1.0;  // measured on another validation set: not comparable
            s.bestEpoch = 0;
            haveBest = false;
            if (!args.has("--quiet"))
                std::cerr << "continuing on new data " << dataName << " from epoch " << s.epoch
                          << " (weights, Adam state and tokenizer kept; best-so-far restarts)\n";
        } else {
            task = makeTask(meta.task, meta.taskOptions);
            encodeTask(model, task, trainIds, validIds);
        }
        if (static_cast<long long>(trainIds.size()) != meta.trainPairs || static_cast<long long>(validIds.size()) != meta.validPairs
            || dataFingerprint(trainIds, validIds) != meta.dataHash)
            throw InputError(ckptFile, "/task", "expected the data it was trained on (" + meta.task + ": "
                                                    + std::to_string(meta.trainPairs) + " training / " + std::to_string(meta.validPairs)
                                                    + " validation pairs, hash " + meta.dataHash + "), found different data ("
                                                    + std::to_string(trainIds.size()) + " / " + std::to_string(validIds.size())
                                                    + " pairs, hash " + dataFingerprint(trainIds, validIds) + ")");
        o = meta.state.options;
        o.epochs = static_cast<int>(args.integer("--epochs", o.epochs, 1, 100000));
        o.threads = static_cast<int>(args.integer("--threads", o.threads, 1, 64));
    } else {
        // --init: the trained model's architecture, configuration, tokenizer and weights (a new Adam state)
        std::optional<Model> initial;
        if (args.has("--init")) {
            const std::string from = args.value("--init");
            initial = loadModel(from);  // InputError naming the file when it is missing or broken
            if (!isPreset(initial->architecture))
                throw InputError(from, "/architecture", "expected a model attnviz can train (seq2seq, seq2seq_attention, bahdanau, "
                                                        "luong, gnmt, transformer), found \"" + initial->architecture + "\"");
            initial->file.clear();
            initial->title.clear();  // another model once trained further; its examples still apply
        }
        const std::string arch = initial ? initial->architecture : args.value("--arch");
        if (!isPreset(arch))
            throw UsageError("--arch: expected one of seq2seq, seq2seq_attention, bahdanau, luong, gnmt, transformer, found \"" + arch + "\"");
        const bool transformer = arch == "transformer";
        for (const char* only : {"--d-model", "--heads", "--encoder-layers", "--decoder-layers", "--ff-size", "--warmup"})
            if (!transformer && args.has(only))
                throw UsageError(std::string(only) + " goes with --arch transformer\nusage: " + kUsage);
        for (const char* recurrent : {"--hidden", "--embedding", "--layers", "--cell", "--score", "--attention-size", "--no-input-feeding"})
            if (transformer && args.has(recurrent))
                throw UsageError(std::string(recurrent) + " is for the recurrent presets; a transformer takes --d-model, --heads, "
                                 "--encoder-layers, --decoder-layers and --ff-size\nusage: " + kUsage);
        o.epochs = static_cast<int>(args.integer("--epochs", 10, 1, 100000));
        o.seed = static_cast<std::uint64_t>(args.integer("--seed", 1, 0, 1LL << 62));
        o.batchSize = static_cast<int>(args.integer("--batch", 32, 1, 100000));
        o.learningRate = args.number("--lr", 1e-3, 1e-9, 10.0);
        o.clipNorm = args.number("--clip", 5.0, 0.0, 1e9);
        o.threads = static_cast<int>(args.integer("--threads", 2, 1, 64));

        ModelConfig c;
        if (transformer) {
            // Adam as Vaswani et al. 2017 §5.3 (β2 0.98, ε 1e-9), linear warm-up then 1/√step
            o.beta2 = 0.98;
            o.epsilon = 1e-9;
            o.warmupSteps = static_cast<int>(args.integer("--warmup", 400, 1, 1'000'000'000));
            const int dModel = static_cast<int>(args.integer("--d-model", 64, 1, 8192));
            c = presetConfig(arch, dModel, dModel);
            c.heads = static_cast<int>(args.integer("--heads", 4, 1, 1024));
            if (dModel % c.heads != 0)
                throw UsageError("--heads: expected a number that divides --d-model " + std::to_string(dModel) + ", found "
                                 + std::to_string(c.heads));
            c.encoderLayers = static_cast<int>(args.integer("--encoder-layers", 2, 1, 64));
            c.decoderLayers = static_cast<int>(args.integer("--decoder-layers", 2, 1, 64));
            c.layers = c.decoderLayers;
            c.ffSize = static_cast<int>(args.integer("--ff-size", 4LL * dModel, 1, 1'000'000));
        } else {
            c = presetConfig(arch, static_cast<int>(args.integer("--hidden", 128, 1, 4096)),
                             static_cast<int>(args.integer("--embedding", 64, 1, 4096)));
            c.layers = static_cast<int>(args.integer("--layers", c.layers, 1, 64));
            c.attentionSize = static_cast<int>(args.integer("--attention-size", c.hiddenSize, 1, 4096));
        }
        c.maxLen = static_cast<int>(args.integer("--max-len", c.maxLen, 1, 10000));
        c.lowercase = args.has("--lowercase");
        if (args.has("--no-input-feeding"))
            c.inputFeeding = false;
        if (args.has("--cell")) {
            const auto k = cellKindFromId(args.value("--cell"));
            if (!k)
                throw UsageError("--cell: expected gru or lstm, found \"" + args.value("--cell") + "\"");
            c.cell = *k;
        }
        if (args.has("--score")) {
            const std::string s = args.value("--score");
            if (s == "none") {
                c.score.reset();
            } else {
                const auto k = scoreKindFromId(s);
                if (!k)
                    throw UsageError("--score: expected one of dot, scaled_dot, general, additive, cosine, location, none, found \"" + s + "\"");
                c.score = *k;
            }
        }

        TaskOptions to;
        to.trainSize = static_cast<std::size_t>(args.integer("--train-size", 20000, 1, 100000000));
        to.validSize = static_cast<std::size_t>(args.integer("--valid-size", 1000, 1, 10000000));
        to.seed = o.seed;
        std::string taskName = args.value("--task");
        if (taskName.rfind("file:", 0) == 0)  // so --resume finds it from any folder
            taskName = "file:" + std::filesystem::absolute(taskName.substr(5)).lexically_normal().string();
        task = makeTask(taskName, to);
        if (args.has("--tokenizer")) {
            const std::string id = args.value("--tokenizer");
            if (id != "whitespace" && id != "sentencepiece")
                throw UsageError("--tokenizer: expected whitespace or sentencepiece, found \"" + id + "\"");
            if (task.name.rfind("file:", 0) != 0)
                throw UsageError("--tokenizer: only file:PATH tasks take a tokenizer (dates and reverse use characters)");
            task.tokenizer = *tokenizerFromId(id);
        }
        const int pieces = static_cast<int>(args.integer("--pieces", 8000, 300, 1000000));
        task.pieces.sourceSize = static_cast<int>(args.integer("--source-pieces", pieces, 300, 1000000));
        task.pieces.targetSize = static_cast<int>(args.integer("--target-pieces", pieces, 300, 1000000));
        task.pieces.bpe = args.has("--bpe");
        if (task.tokenizer == TokenizerKind::SentencePiece && !args.has("--quiet"))
            std::cerr << "learning SentencePiece pieces (" << task.pieces.sourceSize << " source, " << task.pieces.targetSize
                      << " target) from " << task.train.size() << " training pairs…\n";
        const int minCount = static_cast<int>(args.integer("--min-count", 2, 1, 1000000));
        model = initial ? std::move(*initial) : newModelForTask(arch, c, task, minCount, o.seed);
        encodeTask(model, task, trainIds, validIds);
        meta.task = taskName;
        meta.taskOptions = to;
        meta.minCount = minCount;
        meta.trainPairs = static_cast<long long>(trainIds.size());
        meta.validPairs = static_cast<long long>(validIds.size());
        meta.dataHash = dataFingerprint(trainIds, validIds);
        meta.model = model;
    }
    if (trainIds.empty())
        throw InputError(resume ? meta.task : args.value("--task"), "", "expected training pairs, found none usable");
    const std::string arch = model.architecture;
    const ModelConfig& c = model.config;
    const bool quiet = args.has("--quiet");

    // The timeline (checked before any training: bad probes or a timeline of another model exit with status 2).
    std::unique_ptr<TimelineRecorder> recorder;
    if (recordTimeline) {
        const long long perEpoch = (static_cast<long long>(trainIds.size()) + o.batchSize - 1) / o.batchSize;
        std::optional<Timeline> previous;
        if (resume) {
            previous = loadTimeline(timelineFile);
            if (previous->architecture != model.architecture || previous->config != timelineConfig(model))
                throw InputError(timelineFile, "/config", "expected the timeline of " + out + " (" + model.architecture
                                                              + ", the same configuration), found one of another model");
        }
        std::vector<std::string> probes = args.values("--probe");
        if (!resume && probes.empty()) {
            const std::vector<TextPair>& from = task.valid.empty() ? task.train : task.valid;
            if (!from.empty())
                probes.push_back(from.front().source);
            if (!quiet)
                std::cerr << "timeline probe (the first " << (task.valid.empty() ? "training" : "validation") << " sentence): \""
                          << (probes.empty() ? std::string() : probes.front()) << "\"\n";
        }
        const long long every = snapshotEvery > 0 ? snapshotEvery
            : previous && previous->snapshotEvery > 0 ? previous->snapshotEvery
                                                      : defaultSnapshotEvery(perEpoch * o.epochs);
        try {
            recorder = std::make_unique<TimelineRecorder>(model, probes, every, std::move(previous));
            recorder->precision = *precisionFromId(timelinePrecision);
        } catch (const InputError& e) {
            if (!e.file().empty())
                throw;
            throw UsageError(e.what());
        }
    }
    if (model.isTransformer())
        std::cerr << "training transformer (d_model " << c.hiddenSize << ", heads " << c.heads << ", layers " << c.encoderLayers
                  << " + " << c.decoderLayers << ", ff " << c.ffSize << ", warm-up " << o.warmupSteps << " to lr " << o.learningRate
                  << ") on " << task.name << ": ";
    else
        std::cerr << "training " << arch << " (" << cellId(c.cell) << ", H " << c.hiddenSize << ", E " << c.embeddingSize
                  << ", layers " << c.layers << ", score " << (c.score ? scoreId(*c.score) : "none") << ") on " << task.name << ": ";
    std::cerr << trainIds.size() << " training / " << validIds.size() << " validation pairs, vocab " << model.source.size()
              << " → " << model.target.size() << ", " << o.threads << " thread(s)\n";

    double timelineWriteSeconds = 0.0;
    const auto writeTimeline = [&] {
        if (!recorder || recorder->timeline().snapshots.empty())
            return;
        const auto t0 = std::chrono::steady_clock::now();
        saveTimeline(recorder->timeline(), timelineFile);
        timelineWriteSeconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    };

    auto lastDraw = std::chrono::steady_clock::now() - std::chrono::seconds(1);
    auto progress = [&](const TrainProgress& p) {
        const auto now = std::chrono::steady_clock::now();
        if (quiet || (p.batch != p.batches && now - lastDraw < std::chrono::milliseconds(200)))
            return;
        lastDraw = now;
        const int width = 24, filled = p.batches ? width * p.batch / p.batches : 0;
        std::fprintf(stderr, "\repoch %d/%d [%s%s] batch %d/%d  loss %.4f  %.0f tok/s  ETA %s   ", p.epoch, p.epochs,
                     std::string(static_cast<std::size_t>(filled), '#').c_str(),
                     std::string(static_cast<std::size_t>(width - filled), '.').c_str(), p.batch, p.batches, p.loss,
                     p.tokensPerSecond, duration(p.etaSeconds).c_str());
        std::fflush(stderr);
    };
    auto epochEnd = [&](const EpochResult& e, const Model& best) {
        if (recorder)
            recorder->onEpochEnd(e);
        if (e.best)
            saveModel(best, out);  // atomic: temp file + rename
        std::fprintf(stderr, "\repoch %d/%d  train loss %.4f  valid loss %.4f  valid accuracy %.2f%%%s  %s%s\n", e.epoch,
                     o.epochs, e.trainLoss, e.validLoss, 100.0 * e.validAccuracy, e.best ? " (best, saved)" : "",
                     duration(e.seconds).c_str(), std::string(30, ' ').c_str());
    };

    Checkpointing ck;
    ck.everySeconds = checkpointMinutes > 0.0 ? 60.0 * checkpointMinutes : -1.0;
    ck.save = [&](const TrainState& s) {
        meta.state = s;
        saveCheckpoint(ckptFile, meta);
        meta.state = TrainState{};
        writeTimeline();  // consistent with the checkpoint: --resume continues both
    };
    std::function<void(const BatchDone&)> batchDone;
    if (recorder)
        batchDone = [&](const BatchDone& b) { recorder->onBatch(b); };
    if (resume) {
        const TrainState& s = meta.state;
        ck.resume = &s;
        ck.best = haveBest ? &best : nullptr;
        std::cerr << "resuming from " << ckptFile << ": epoch " << s.epoch << " of " << o.epochs << " (" << s.batch
                  << " batches of it done), best so far "
                  << (s.bestEpoch > 0 ? "epoch " + std::to_string(s.bestEpoch) + " (" + std::to_string(100.0 * s.bestAccuracy) + "%)"
                                      : std::string("none"))
                  << "\n";
    }

    const auto t0 = std::chrono::steady_clock::now();
    TrainResult r;
    {
        InterruptGuard guard;
        r = train(model, trainIds, validIds, o, progress, epochEnd, &g_interrupted, ck, batchDone);
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (r.cancelled)
        std::cerr << "\ninterrupted: keeping the best model so far (epoch " << r.bestEpoch << "); --resume " << out
                  << " continues from " << ckptFile << "\n";
    saveModel(r.best, out);
    if (recorder) {
        writeTimeline();
        const double snap = recorder->snapshotSeconds();
        if (recorder->timeline().snapshots.empty())
            std::cerr << "timeline: no batch trained, " << timelineFile << " not written\n";
        else
            std::cerr << "timeline: " << recorder->timeline().snapshots.size() << " snapshots (every " << recorder->timeline().snapshotEvery
                      << " batches and at epoch ends) → " << timelineFile << "; snapshots took " << std::fixed << std::setprecision(2)
                      << snap << " s (" << std::setprecision(1) << 100.0 * snap / std::max(1e-9, secs - snap - timelineWriteSeconds)
                      << "% of the training time), writing the file " << std::setprecision(2) << timelineWriteSeconds << " s\n"
                      << std::defaultfloat;
    }
    std::cout << out << "\tbest epoch " << r.bestEpoch << "\tvalid accuracy " << 100.0 * r.bestAccuracy << "%\t"
              << duration(secs) << (r.cancelled ? "\tinterrupted" : "") << "\n";
    return 0;
}

} // namespace attnviz::app
