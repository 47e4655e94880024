#include "ui/train/train_worker.h"

#include "core/formats/error.h"
#include "core/train/tasks.h"
#include "core/train/timeline_recorder.h"
#include "core/train/trainer.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <exception>
#include <new>
#include <sstream>
#include <stdexcept>

namespace attnviz::ui {

namespace {

using Clock = std::chrono::steady_clock;

double secondsBetween(Clock::time_point a, Clock::time_point b)
{
    return std::chrono::duration<double>(b - a).count();
}

} // namespace

TrainWorker::TrainWorker(TrainRequest request) : request_(std::move(request))
{
    thread_ = std::thread([this] { run(); });
}

TrainWorker::~TrainWorker()
{
    stop();
    join();
}

void TrainWorker::setPaused(bool paused)
{
    {
        std::lock_guard<std::mutex> lock(mutex_);
        paused_ = paused;
    }
    resume_.notify_all();
}

bool TrainWorker::paused() const
{
    std::lock_guard<std::mutex> lock(mutex_);
    return paused_;
}

void TrainWorker::stop()
{
    {
        std::lock_guard<std::mutex> lock(mutex_);
        cancel_.store(true);
    }
    resume_.notify_all();
}

void TrainWorker::join()
{
    if (thread_.joinable())
        thread_.join();
}

TrainUpdate TrainWorker::take()
{
    std::lock_guard<std::mutex> lock(mutex_);
    TrainUpdate out = std::move(queue_);
    queue_ = TrainUpdate{};
    return out;
}

void TrainWorker::waitWhilePaused()
{
    std::unique_lock<std::mutex> lock(mutex_);
    resume_.wait(lock, [this] { return !paused_ || cancel_.load(); });
}

void TrainWorker::run()
{
    const TrainRequest& r = request_;
    const auto queue = [this](auto&& edit) {
        std::lock_guard<std::mutex> lock(mutex_);
        edit(queue_);
    };
    TrainFinished fin;
    const auto t0 = Clock::now();
    try {
        // --- the task and the model (as `attnviz train` makes them) ---
        TaskOptions to;
        to.trainSize = r.trainPairs;
        to.validSize = r.validPairs;
        to.seed = r.seed;
        TaskData task = makeTask(r.task, to);
        if (task.train.size() > r.trainPairs)
            task.train.resize(r.trainPairs);
        if (r.sentencePiece) {
            task.tokenizer = TokenizerKind::SentencePiece;
            task.pieces.sourceSize = task.pieces.targetSize = r.pieces;
        }
        if (cancel_.load())
            throw std::runtime_error("stopped before training began");
        const bool transformer = r.architecture == "transformer";
        ModelConfig c = presetConfig(r.architecture, r.hidden, r.embedding);
        if (transformer) {  // as attnviz train --arch transformer
            c.heads = r.heads;
            c.encoderLayers = r.encoderLayers;
            c.decoderLayers = c.layers = r.decoderLayers;
            c.ffSize = r.ffSize;
        }
        Model model = newModelForTask(r.architecture, c, task, 2, r.seed);
        std::vector<PairIds> trainIds = encodePairs(model, task.train);
        std::vector<PairIds> validIds = encodePairs(model, task.valid);
        if (transformer) {  // positions for max_len source tokens and max_len decoder steps (the target and <eos>)
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
        if (trainIds.empty())
            throw InputError(r.task, "", "expected training pairs, found none usable");

        TrainOptions o;
        o.epochs = r.epochs;
        o.batchSize = r.batchSize;
        o.learningRate = r.learningRate;
        o.threads = r.threads;
        o.seed = r.seed;
        if (transformer) {  // Adam as Vaswani et al. 2017 §5.3 (β2 0.98, ε 1e-9), linear warm-up then 1/√step
            o.beta2 = 0.98;
            o.epsilon = 1e-9;
            o.warmupSteps = r.warmup;
        }
        const int perEpoch = static_cast<int>((trainIds.size() + static_cast<std::size_t>(o.batchSize) - 1) / static_cast<std::size_t>(o.batchSize));
        const long long total = static_cast<long long>(perEpoch) * o.epochs;

        std::string probe = r.probe;
        if (probe.empty()) {
            const std::vector<TextPair>& from = task.valid.empty() ? task.train : task.valid;
            probe = from.front().source;
        }
        // The probe is checked here (tokenizes to something, decodes): a bad one ends the run before training.
        std::optional<TimelineRecorder> made;
        try {
            made.emplace(model, std::vector<std::string>{probe}, std::max<long long>(1, total / std::max(1, r.snapshots)));
        } catch (const InputError& e) {
            if (!e.file().empty())
                throw;
            throw std::runtime_error("Probe sentence: " + e.detail());
        }
        TimelineRecorder& recorder = *made;
        recorder.onSnapshot = [&](const TimelineSnapshot& s, std::vector<DecodeResult>&& full) {
            TrainSnapshot out;
            out.batch = s.batch;
            out.epoch = s.epoch;
            out.trainLoss = s.trainLoss;
            if (!full.empty())
                out.probe = std::make_shared<const DecodeResult>(std::move(full.front()));
            queue([&](TrainUpdate& q) { q.snapshots.push_back(std::move(out)); });
        };

        {
            TrainPrepared p;
            const std::string shownTask = task.name.rfind("file:", 0) == 0 ? task.name.substr(task.name.find_last_of('/') + 1) : task.name;
            p.probe = probe;
            p.batchesPerEpoch = perEpoch;
            p.totalBatches = total;
            p.epochs = o.epochs;
            std::ostringstream d;
            if (transformer)
                d << r.architecture << " (d_model " << model.config.hiddenSize << ", " << model.config.heads << " heads, "
                  << model.config.encoderLayers << " + " << model.config.decoderLayers << " layers, ff " << model.config.ffSize
                  << ", warm-up " << o.warmupSteps << ")";
            else
                d << r.architecture << " (" << cellId(c.cell) << ", H " << c.hiddenSize << ", E " << c.embeddingSize << ", layers "
                  << model.config.layers << ")";
            d << " on " << shownTask << ": " << trainIds.size() << " training / " << validIds.size()
              << " validation pairs, vocabulary " << model.source.size() << " → " << model.target.size();
            p.description = d.str();
            queue([&](TrainUpdate& q) { q.prepared = std::move(p); });
        }

        // A quick look at accuracy between epoch ends: the first validation pairs, at every snapshot.
        const std::vector<PairIds> quickValid(validIds.begin(), validIds.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(validIds.size(), 100)));

        // --- training ---
        const long long lossEvery = std::max<long long>(1, total / std::max(1, r.lossPoints));
        double lossSum = 0.0;
        long long lossTokens = 0;
        std::deque<std::pair<double, long long>> recent;  // (seconds, tokens) of the last batches
        double trainSeconds = 0.0, validationSeconds = 0.0, quickSeconds = 0.0;
        int validations = 0;
        auto last = Clock::now();
        TrainStatus status;
        status.totalBatches = total;
        status.epochs = o.epochs;

        const auto batchDone = [&](const BatchDone& b) {
            const auto now = Clock::now();
            const double dt = secondsBetween(last, now);
            const std::size_t snapsBefore = recorder.timeline().snapshots.size();
            recorder.onBatch(b);
            if (!b.start && !b.stop) {
                trainSeconds += dt;
                recent.emplace_back(dt, b.tokens);
                if (recent.size() > 30)
                    recent.pop_front();
                if (b.applied) {
                    lossSum += b.lossSum;
                    lossTokens += b.tokens;
                }
                if ((b.batch == 1 || b.batch % lossEvery == 0 || b.batchInEpoch == b.batchesPerEpoch) && lossTokens > 0) {
                    TrainLossPoint p{b.batch, static_cast<double>(b.batch) / std::max(1, b.batchesPerEpoch), lossSum / static_cast<double>(lossTokens)};
                    lossSum = 0.0;
                    lossTokens = 0;
                    queue([&](TrainUpdate& q) { q.loss.push_back(p); });
                }
                double s = 0.0;
                long long tok = 0;
                for (const auto& [sec, n] : recent) {
                    s += sec;
                    tok += n;
                }
                status.batch = b.batch;
                status.epoch = b.epoch;
                status.tokensPerSecond = s > 0.0 ? static_cast<double>(tok) / s : 0.0;
                const double perBatch = recent.empty() ? 0.0 : s / static_cast<double>(recent.size());
                const double perValidation = validations > 0 ? validationSeconds / validations : 0.0;
                const double overhead = trainSeconds > 0.0 ? (quickSeconds + recorder.snapshotSeconds()) / trainSeconds : 0.0;
                status.etaSeconds = perBatch * static_cast<double>(total - b.batch) * (1.0 + overhead) + perValidation * (o.epochs - b.epoch + 1);
                status.elapsedSeconds = trainSeconds + validationSeconds;
                status.validating = b.batchInEpoch == b.batchesPerEpoch;
                queue([&](TrainUpdate& q) { q.status = status; });
                // within a budget of 5 % of the training time (a large vocabulary makes decoding costly)
                if (recorder.timeline().snapshots.size() > snapsBefore && !quickValid.empty() && !status.validating
                    && quickSeconds <= 0.05 * trainSeconds) {
                    const auto q0 = Clock::now();
                    const ValidationResult v = evaluate(model, *b.params, quickValid, std::max(o.batchSize, 64), o.threads);
                    quickSeconds += secondsBetween(q0, Clock::now());
                    TrainValidation tv{b.batch, static_cast<double>(b.batch) / std::max(1, b.batchesPerEpoch), v.loss, v.accuracy, false};
                    queue([&](TrainUpdate& q) { q.validations.push_back(tv); });
                }
                waitWhilePaused();  // pause: the trainer waits here, between two batches
            }
            last = Clock::now();
        };
        const auto epochEnd = [&](const EpochResult& e, const Model&) {
            recorder.onEpochEnd(e);
            const auto now = Clock::now();
            validationSeconds += secondsBetween(last, now);
            ++validations;
            last = now;
            const long long batch = static_cast<long long>(e.epoch) * perEpoch;
            TrainValidation tv{std::min(batch, status.batch), static_cast<double>(std::min(batch, status.batch)) / perEpoch, e.validLoss, e.validAccuracy, true};
            status.validating = false;
            status.elapsedSeconds = trainSeconds + validationSeconds;
            queue([&](TrainUpdate& q) {
                q.validations.push_back(tv);
                q.status = status;
            });
        };

        TrainResult result = train(model, trainIds, validIds, o, {}, epochEnd, &cancel_, {}, batchDone);

        Model best = std::move(result.best);
        best.examples = {probe};  // the window opens it on the probe sentence
        if (best.title.empty())
            best.title = r.architecture + " on " + (task.name.rfind("file:", 0) == 0 ? task.name.substr(task.name.find_last_of('/') + 1) : task.name) + ", trained in the window";
        fin.model = std::make_shared<const Model>(std::move(best));
        fin.cancelled = result.cancelled;
        fin.bestEpoch = result.bestEpoch;
        fin.bestAccuracy = result.bestAccuracy;
        if (!recorder.timeline().snapshots.empty())
            fin.timeline = std::make_shared<const Timeline>(recorder.timeline());
        // Kept whatever happens next (the window may be closing): the autosave files.
        try {
            if (!r.autosaveModel.empty()) {
                saveModel(*fin.model, r.autosaveModel);
                fin.savedModel = r.autosaveModel;
            }
            if (!r.autosaveTimeline.empty() && fin.timeline) {
                saveTimeline(*fin.timeline, r.autosaveTimeline);
                fin.savedTimeline = r.autosaveTimeline;
            }
        } catch (const std::exception& e) {
            fin.saveError = e.what();
        }
    } catch (const std::bad_alloc&) {
        fin = TrainFinished{};
        fin.error = "out of memory: try smaller sizes or fewer training pairs";
    } catch (const std::exception& e) {
        fin = TrainFinished{};
        fin.error = e.what();
    }
    fin.seconds = secondsBetween(t0, Clock::now());
    queue([&](TrainUpdate& q) { q.finished = std::move(fin); });
    done_.store(true);
}

} // namespace attnviz::ui
