#pragma once
// The Train panel's training run (issue 15) on a thread of its own: prepares the task and the model, then
// calls core train() with a batchDone observer. The observer only copies numbers (and the snapshots'
// decodings, made by core's TimelineRecorder with the weights of that moment) into a mutex-protected
// queue that the GUI drains with a timer (take()); it never touches a widget.
//   pause:  the observer blocks on a condition variable until resumed or stopped;
//   stop:   the cancel flag train() checks between batches (as Ctrl-C does in `attnviz train`), so the best
//           model so far is kept — the last state when no epoch has finished (train() validates it).
// When training ends, however it ends, the best model and the timeline are written to the autosave files
// (if named) by the worker itself, so closing the window mid-run keeps them. The destructor stops and joins.
// No Qt here: plain C++ over core.
#include "core/formats/timeline.h"
#include "core/model/decoding.h"
#include "core/model/model.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace attnviz::ui {

// What to train, resolved (paths absolute, sizes checked by the panel's validation).
struct TrainRequest {
    std::string task = "dates";          // "dates", "reverse" or "file:/absolute/path.tsv[.gz]"
    bool sentencePiece = false;          // file tasks: learn SentencePiece pieces (else whitespace tokens)
    int pieces = 2000;                   // per side, with sentencePiece
    std::string architecture = "bahdanau";
    int hidden = 64, embedding = 32, epochs = 3, batchSize = 32, threads = 2;  // a transformer: hidden = d_model
    // transformer only (as attnviz train --arch transformer): heads, layers, feed-forward size, warm-up updates
    int heads = 4, encoderLayers = 2, decoderLayers = 2, ffSize = 256, warmup = 400;
    double learningRate = 0.003;
    std::size_t trainPairs = 20000;      // generated tasks: how many; files: at most this many (the first ones)
    std::size_t validPairs = 500;
    std::uint64_t seed = 1;
    std::string probe;                   // "" → the first validation sentence
    int snapshots = 60;                  // about this many snapshots over the run (plus epoch ends and the end)
    int lossPoints = 300;                // about this many points on the loss curve
    std::string autosaveModel, autosaveTimeline;  // written when training ends ("" → not written)
};

struct TrainPrepared {
    std::string probe;                   // the probe sentence actually used
    std::string description;             // "bahdanau (gru, H 64, E 32) on dates: 20000 / 500 pairs, vocab 49 → 15"
    int batchesPerEpoch = 0;
    long long totalBatches = 0;
    int epochs = 0;
};

struct TrainLossPoint {
    long long batch = 0;                 // batches trained when the point was taken
    double epoch = 0.0;                  // batch / batches per epoch
    double loss = 0.0;                   // mean loss per target token over the batches since the previous point
};

struct TrainSnapshot {
    long long batch = 0;
    double epoch = 0.0;
    double trainLoss = 0.0;
    std::shared_ptr<const DecodeResult> probe;  // the probe's greedy decoding with the weights of that moment
};

struct TrainValidation {
    long long batch = 0;
    double epoch = 0.0;
    double loss = 0.0, accuracy = 0.0;   // per target token; greedy exact match 0..1
    bool epochEnd = false;               // false: a quick check on a few validation pairs at a snapshot
};

struct TrainStatus {
    long long batch = 0, totalBatches = 0;
    int epoch = 1, epochs = 0;
    double tokensPerSecond = 0.0;        // recent, pauses excluded
    double etaSeconds = 0.0;
    double elapsedSeconds = 0.0;         // training time, pauses excluded
    bool validating = false;             // the epoch's last batch is done, validation under way
};

struct TrainFinished {
    std::string error;                   // preparation or training failed: nothing trained
    bool cancelled = false;
    std::shared_ptr<const Model> model;  // the best model (null on error)
    std::shared_ptr<const Timeline> timeline;  // null on error or when no batch was trained
    int bestEpoch = 0;
    double bestAccuracy = -1.0;
    double seconds = 0.0;
    std::string savedModel, savedTimeline;  // autosave files written ("" → not written)
    std::string saveError;
};

// Everything queued since the last take().
struct TrainUpdate {
    std::optional<TrainPrepared> prepared;
    std::vector<TrainLossPoint> loss;
    std::vector<TrainSnapshot> snapshots;
    std::vector<TrainValidation> validations;
    std::optional<TrainStatus> status;   // the latest
    std::optional<TrainFinished> finished;
    bool empty() const
    {
        return !prepared && loss.empty() && snapshots.empty() && validations.empty() && !status && !finished;
    }
};

class TrainWorker {
public:
    explicit TrainWorker(TrainRequest request);  // starts the thread
    ~TrainWorker();                              // stop() and join()
    TrainWorker(const TrainWorker&) = delete;
    TrainWorker& operator=(const TrainWorker&) = delete;

    void setPaused(bool paused);
    bool paused() const;
    void stop();                 // ends after the current batch (and validation of what was trained)
    bool stopRequested() const { return cancel_.load(); }
    void join();
    bool done() const { return done_.load(); }  // the thread has queued its TrainFinished
    TrainUpdate take();
    const TrainRequest& request() const { return request_; }

private:
    void run();
    void waitWhilePaused();

    TrainRequest request_;
    std::atomic<bool> cancel_{false};
    std::atomic<bool> done_{false};
    mutable std::mutex mutex_;
    std::condition_variable resume_;
    bool paused_ = false;
    TrainUpdate queue_;
    std::thread thread_;
};

} // namespace attnviz::ui
