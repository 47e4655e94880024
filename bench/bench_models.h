#pragma once
// The three benchmark models of issue 3 (random weights, fixed seeds), shared by the C++ benchmark and
// written to files for bench/pytorch_decode.py so both sides time the very same weights.
#include "core/model/model.h"

#include <string>
#include <vector>

namespace attnviz::bench {

struct BenchModel {
    std::string name;  // bahdanau, luong, gnmt
    Model model;
};

// bahdanau: H 256, E 128, V 8000 (source and target); luong: 2 layers LSTM, H 256, E 128, general, V 8000;
// gnmt: 8 layers LSTM, H 128, E 128, additive (da 128), V 8000. Weights uniform ±0.1 rounded to 4 decimals
// (exact in JSON text); out.bias of <eos> is −1000 so every run decodes exactly max_len = 30 tokens.
Model benchModel(const std::string& name);
const std::vector<std::string>& benchModelNames();
// The 30-word source sentence: "s4 s5 … s33".
Tokens benchSentence();

} // namespace attnviz::bench
