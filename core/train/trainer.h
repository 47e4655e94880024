#pragma once
// Training loop (issue 4): teacher forcing, cross-entropy averaged over real target tokens, mini-batches
// with padding and masks, Adam (Kingma & Ba 2015), gradient clipping by global norm, seeded and
// reproducible for a given seed and thread count. Each batch is split across `threads` threads for the
// encoder–decoder (gradients summed in a fixed order); the output layer and loss run over the whole batch,
// split across the threads by vocabulary (core/train/output_layer.h). After every epoch: validation loss and greedy
// exact-match accuracy; the parameters with the best validation accuracy are kept.
#include "core/model/model.h"
#include "core/train/tasks.h"
#include "core/train/train_graph.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace attnviz {

struct TrainOptions {
    int epochs = 10;
    int batchSize = 32;
    double learningRate = 1e-3;
    double clipNorm = 5.0;     // global gradient norm limit; ≤ 0: no clipping
    std::uint64_t seed = 1;    // initialisation and batch order
    int threads = 2;           // threads per batch (≥ 1)
    bool float32Output = true; // matrix products (output layer, loss, recurrent and attention layers) in single
                               // precision; the rest of the graph, the sums and Adam stay float64
    double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
    // Learning-rate schedule: 0 keeps learningRate throughout; w > 0 warms up linearly over the first w
    // updates, then decays as the inverse square root of the update count (Vaswani et al. 2017 §5.3, "Noam"),
    // learningRate being the peak: lr_s = learningRate · min(s / w, √(w / s)).
    int warmupSteps = 0;
};

// The learning rate of update s (from 1) under options' schedule.
double scheduledLearningRate(const TrainOptions& options, long long step);

struct TrainProgress {
    int epoch = 0, epochs = 0;      // epoch from 1
    int batch = 0, batches = 0;     // batch from 1 within the epoch
    double loss = 0.0;              // running mean loss per target token in this epoch
    double tokensPerSecond = 0.0;   // target tokens trained per second (this epoch)
    double etaSeconds = 0.0;        // to the end of the last epoch
};

struct EpochResult {
    int epoch = 0;
    double trainLoss = 0.0;      // mean per target token
    double validLoss = 0.0;      // mean per target token, teacher forced
    double validAccuracy = 0.0;  // greedy exact match, 0..1
    double seconds = 0.0;        // wall time of the epoch including validation
    bool best = false;           // the best validation accuracy so far
};

struct TrainResult {
    Model best;                  // weights of the best epoch (or the last state when cancelled before any)
    double bestAccuracy = -1.0;
    int bestEpoch = 0;           // 0: no epoch finished
    std::vector<EpochResult> history;
    bool cancelled = false;
    long long skippedBatches = 0;  // batches whose loss or gradient was not finite (no update made)
};

// Data as ids for `model`'s vocabularies and tokenizer (unknown tokens → <unk>).
std::vector<PairIds> encodePairs(const Model& model, const std::vector<TextPair>& pairs);

// A finalized model for `task`'s data: preset defaults from presetConfig(arch, hidden, embedding) with
// `config` fields overriding them where set by the caller, vocabularies built from the training split
// (minCount for whitespace tokens, 1 for characters), initialised weights (seeded). Throws ShapeError /
// ConfigError for a bad configuration.
Model newModelForTask(const std::string& architecture, const ModelConfig& config, const TaskData& task, int minCount,
                      std::uint64_t seed);

struct ValidationResult {
    double loss = 0.0, accuracy = 0.0;
};
// Teacher-forced loss per target token and greedy exact-match accuracy of `params` on `data`.
ValidationResult evaluate(const Model& model, const ParamStore& params, const std::vector<PairIds>& data, int batchSize,
                          int threads);

// One optimisation step at a time — what train() does for each batch: the gradient of the summed loss
// over the batch (split across options.threads), divided by its target tokens, clipped, then Adam.
// Used by train() and by the training benchmark (bench/bench_train.cpp).
// Adam's moments (Kingma & Ba 2015): m, v per parameter (created at the first step) and the step count t.
struct AdamState {
    ParamStore m, v;
    long long step = 0;
};

class Optimizer {
public:
    // Starts from the model's weights (copied; the model is not changed and must outlive the optimizer).
    Optimizer(Model& model, const TrainOptions& options);
    struct Step {
        bool applied = false;  // false: the loss or gradient was not finite, nothing changed
        double lossSum = 0.0;  // Σ −log p over the batch's target tokens
        long long tokens = 0;  // target tokens (incl. <eos>)
    };
    // A step on the pairs data[indices[0]], data[indices[1]], … (one batch).
    Step step(const std::vector<PairIds>& data, const std::vector<std::size_t>& indices);
    const ParamStore& params() const { return params_; }
    const AdamState& adam() const { return adam_; }
    // Continues from saved parameters and moments (a checkpoint); shapes must be the model's.
    void restore(ParamStore params, AdamState adam);

private:
    void refreshFloatCopy();
    const Model& model_;
    TrainOptions options_;
    ParamStore params_;
    AdamState adam_;
    Eigen::MatrixXf outWeightF_;  // out.weight in float (float32Output), refreshed by every update
    Mat outWGrad_, outBGrad_;     // the output layer's gradient buffers, reused from step to step
    Eigen::MatrixXf outWGradF_;   // out.weight's gradient in float (float32Output)
};

// Everything train() needs to continue exactly where it stopped (a checkpoint, core/train/checkpoint.h): the
// current parameters, Adam's moments, the batch-order RNG and where in which epoch training is.
// Continuing from it gives bitwise the weights of an uninterrupted run with the same thread count.
struct TrainState {
    TrainOptions options;
    ParamStore params;          // current (not best) parameters
    AdamState adam;
    std::string rng;            // the batch-order std::mt19937_64 at the start of `epoch` (its stream form)
    int epoch = 1;              // the epoch in progress, from 1 (options.epochs + 1: all done)
    int batch = 0;              // batches of `epoch` already trained
    double epochLossSum = 0.0;  // Σ loss and tokens of those batches (for the epoch's train loss)
    long long epochTokens = 0;
    double bestAccuracy = -1.0;
    int bestEpoch = 0;
    long long skippedBatches = 0;
    std::vector<EpochResult> history;
};

// Saving and resuming (attnviz train --resume). save is called after every epoch (after epochEnd),
// after a batch when everySeconds have passed since the last save (< 0: never mid-epoch; 0: after every
// batch) and when cancelled mid-epoch. resume: continue from this state with
// `best` (the model file) as the best model so far (nullptr: none yet, or the state's own weights).
struct Checkpointing {
    const TrainState* resume = nullptr;
    const Model* best = nullptr;
    std::function<void(const TrainState&)> save;
    double everySeconds = -1.0;
};

// What train() tells an observer (e.g. a timeline recorder, core/train/timeline_recorder.h) about each batch, with
// the weights of that moment. Reported once before the first batch of the session (start = true: batch =
// batches already trained, 0 for a fresh run, no loss), after every batch, and once when training stops
// (stop = true, after the last epochEnd; batch = the last one trained, no loss). The pointer is valid only
// during the call.
struct BatchDone {
    long long batch = 0;           // batches trained in the whole run (across epochs and resumes)
    int epoch = 1;                 // the epoch this batch belongs to, from 1
    int batchInEpoch = 0;          // from 1 (0: before the epoch's first batch)
    int batchesPerEpoch = 0;
    double lossSum = 0.0;          // this batch's Σ −log p, computed with the weights before its update
    long long tokens = 0;          // its target tokens (0 when nothing was trained: start, stop, a skipped batch)
    bool applied = false;          // the update was made (false for a non-finite batch)
    bool start = false, stop = false;
    const ParamStore* params = nullptr;  // the current weights (after this batch's update)
};

// Trains `model` (finalized, with initial weights) on train, validating on valid after each epoch.
// progress: called after every batch (from the calling thread). epochEnd: after each epoch with the
// current best model (e.g. to save it). cancel: checked between batches; when set, training stops and the
// best model so far is returned (cancelled = true). batchDone: see BatchDone (empty: no cost).
TrainResult train(Model model, const std::vector<PairIds>& train, const std::vector<PairIds>& valid,
                  const TrainOptions& options, const std::function<void(const TrainProgress&)>& progress = {},
                  const std::function<void(const EpochResult&, const Model& best)>& epochEnd = {},
                  const std::atomic<bool>* cancel = nullptr, const Checkpointing& checkpointing = {},
                  const std::function<void(const BatchDone&)>& batchDone = {});

} // namespace attnviz
