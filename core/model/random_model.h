#pragma once
// Small models with random weights of the right shapes, for tests, benchmarks and the UI.
#include "core/model/model.h"

#include <cstdint>
#include <string>

namespace attnviz {

struct RandomModelOptions {
    int hidden = 8;               // H
    int embedding = 6;            // E
    int sourceVocab = 20;         // V_s including the 4 special tokens (≥ 4)
    int targetVocab = 20;         // V_t including the 4 special tokens (≥ 4)
    int layers = 0;               // 0: the preset's default
    std::string cell;             // "": the preset's default
    std::string score;            // "": the preset's default; "none" for no attention
    int attentionSize = 0;        // 0: H
    int maxLen = 0;               // 0: 50
    int inputFeeding = -1;        // -1: the preset's default, 0 false, 1 true
    std::string tokenizer = "whitespace";
    double scale = 0.5;           // weights uniform in [-scale, scale]
};

// Vocabularies are <pad> <sos> <eos> <unk> then "s4", "s5", … (source) and "t4", "t5", … (target);
// with the char tokenizer, lower-case letters instead while they last. Deterministic for a seed.
// Throws ShapeError for an unknown preset or a configuration the preset rejects.
Model randomModel(const std::string& preset, const RandomModelOptions& options = {}, std::uint64_t seed = 1);

} // namespace attnviz
