// The transformer of attnviz_transformer_bench (bench_transformer.cpp: d_model 256, 8 heads, 4 + 4 layers, ff 1,024,
// vocabulary 8,000, a 30-token source, exactly 30 steps) decoded the way the app decodes: translateTokens with the
// full trace, float32 by default (issue 17) and float64 — beside BM_Greedy{Bahdanau,Luong,Gnmt} in attnviz_bench, so
// one google-benchmark run covers every architecture. bench_transformer.cpp times the engine's own loop
// (transformerDecodeStep, float64) on weights it writes for PyTorch; bench/run_all.py decodes those very weights
// through this path with attnviz_precision_bench --model. Here the weights are the trainer's initialisation: the work
// of a step does not depend on their values once <eos> cannot win.
#include "core/decoding.h"
#include "core/model.h"
#include "core/train_graph.h"

#include <benchmark/benchmark.h>

#include <string>

using namespace attnviz;

namespace {

const Model& transformerModel()
{
    static const Model model = [] {
        Model m;
        m.architecture = "transformer";
        m.config = presetConfig("transformer", 256, 256);  // d_model 256: 8 heads, ff 4 · 256
        m.config.encoderLayers = m.config.decoderLayers = 4;
        m.config.maxLen = 30;
        m.tokenizer = "whitespace";
        Tokens words{"<pad>", "<sos>", "<eos>", "<unk>"};
        for (int i = 4; i < 8000; ++i)
            words.push_back("w" + std::to_string(i));
        m.source = Vocab(words, "", "/vocab/source");
        m.target = Vocab(words, "", "/vocab/target");
        finalizeModel(m);
        paramsIntoModel(initParams(m, 2016), m);
        m.weights.transformer.outBias(m.target.eos()) = -1e4;  // never stops early: 30 steps
        return m;
    }();
    return model;
}

void greedyTransformer(benchmark::State& state, Precision precision)
{
    const Model& m = transformerModel();
    Tokens src;
    for (int i = 4; i < 34; ++i)
        src.push_back("w" + std::to_string(i));
    DecodeOptions o;
    o.precision = precision;
    std::size_t steps = 0;
    for (auto _ : state) {
        DecodeResult r = translateTokens(m, src, o);
        steps = r.best.steps.size();
        benchmark::DoNotOptimize(r);
    }
    state.counters["steps"] = static_cast<double>(steps);
}

void BM_GreedyTransformer(benchmark::State& s) { greedyTransformer(s, Precision::Float32); }
void BM_GreedyTransformerFloat64(benchmark::State& s) { greedyTransformer(s, Precision::Float64); }
BENCHMARK(BM_GreedyTransformer)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_GreedyTransformerFloat64)->Unit(benchmark::kMillisecond);

} // namespace
