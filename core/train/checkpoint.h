#pragma once
// Training checkpoints (attnviz train --resume): a CBOR sidecar next to the model file, MODEL.ckpt,
// written atomically after every epoch and every few minutes within one. The model file keeps the BEST
// weights and stays an ordinary attnviz-model; the checkpoint holds what continuing needs:
//
//   {"format": "attnviz-checkpoint", "version": 1,
//    "model": an attnviz-model document without "weights" (vocabularies, tokenizer, config),
//    "params": {NAME: TENSOR} the CURRENT weights (the model file's names and shapes),
//    "task": {"name", "train_size", "valid_size", "seed", "min_count", "train_pairs", "valid_pairs", "data_hash"},
//    "options": {"epochs", "batch", "lr", "clip", "seed", "threads", "float32_output", "beta1", "beta2", "epsilon",
//                "warmup" (only with a warm-up / inverse-square-root schedule)},
//    "progress": {"epoch", "batch", "epoch_loss_sum", "epoch_tokens", "best_accuracy", "best_epoch",
//                 "skipped_batches", "rng", "history": [{"epoch", "train_loss", "valid_loss", "valid_accuracy",
//                 "seconds", "best"}]},
//    "adam": {"step", "m": {NAME: TENSOR}, "v": {NAME: TENSOR}}}
//
// The weights and Adam's moments are stored as {"shape": [rows, cols] or [n], "float64": byte string of
// little-endian doubles, column-major}: three copies of a large model as CBOR numbers were slow to write (11 s
// for the 10 M parameters of a Bahdanau H 256, V 8,000 model). Every number is kept exactly, so a resumed
// training is bitwise the uninterrupted one (same thread count).
#include "core/model/model.h"
#include "core/train/tasks.h"
#include "core/train/trainer.h"

#include <string>
#include <vector>

namespace attnviz {

struct Checkpoint {
    Model model;                  // structure, vocabularies and tokenizer; its weights are not used on save
    TrainState state;             // current parameters, Adam, RNG, position, best so far
    std::string task;             // makeTask() name ("dates", "file:/abs/path.tsv")
    TaskOptions taskOptions;
    int minCount = 1;
    long long trainPairs = 0, validPairs = 0;  // encoded pairs used (after filtering)
    std::string dataHash;         // dataFingerprint() of those pairs
};

// "MODEL.ckpt" for "MODEL".
std::string checkpointFileFor(const std::string& modelFile);

// FNV-1a (64 bit, hex) over the ids of every pair: the same task, seed and tokenizer give the same data.
std::string dataFingerprint(const std::vector<PairIds>& train, const std::vector<PairIds>& valid);

// Writes atomically (temporary file in the same folder, fsync, rename). The model is written with
// state.params as its weights. Throws std::runtime_error naming the file.
void saveCheckpoint(const std::string& file, const Checkpoint& checkpoint);

// Reads and validates a checkpoint; the model's weights are the current ones (state.params).
// Throws InputError naming the file for a missing, truncated or malformed one.
Checkpoint loadCheckpoint(const std::string& file);
// The same from the bytes of one (fuzz/fuzz_checkpoint.cpp); `file` names it in messages.
Checkpoint checkpointFromBytes(const std::string& bytes, const std::string& file);

} // namespace attnviz
