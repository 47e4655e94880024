#pragma once
// The transformer of attnviz_transformer_bench's shape (bench_transformer.cpp) as a Model, for attnviz_bench's
// BM_GreedyTransformer (bench_decode.cpp): decoded the way the app decodes, through translateTokens.
#include "core/model/model.h"

namespace attnviz::bench {

// d_model 256, 8 heads, 4 + 4 layers, ff 1,024, vocabulary 8,000 a side (source "s4" …, as benchSentence(); target
// "t4" …), max_len 30, the trainer's initial weights (seed 2016) with out.bias[<eos>] = −1e4: every run decodes
// exactly 30 steps. Not bench_transformer.cpp's weights (those it writes for PyTorch; bench/run_all.py decodes them
// through the same path with attnviz_precision_bench --model): the work of a step does not depend on the values.
Model transformerBenchModel();

} // namespace attnviz::bench
