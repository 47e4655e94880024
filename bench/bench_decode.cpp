// Greedy decoding of a 30-word sentence (30 output tokens, full trace of every step), issue 3; float32 (the
// default) and float64 (issue 17).
//   attnviz_bench                          run the benchmarks
//   attnviz_bench --write-models DIR       write DIR/{bahdanau,luong,gnmt}.model.json for bench/pytorch_decode.py
#include "bench_models.h"
#include "bench_transformer_model.h"

#include "core/model/decoding.h"

#include <benchmark/benchmark.h>

#include <cstring>
#include <iostream>
#include <map>

using namespace attnviz;

namespace {

const Model& cached(const std::string& name)
{
    static std::map<std::string, Model> models;
    auto it = models.find(name);
    if (it == models.end())
        it = models.emplace(name, name == "transformer" ? bench::transformerBenchModel() : bench::benchModel(name)).first;
    return it->second;
}

void greedy(benchmark::State& state, const std::string& name, Precision precision = Precision::Float32)
{
    const Model& m = cached(name);
    const Tokens src = bench::benchSentence();
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

void BM_GreedyBahdanau(benchmark::State& s) { greedy(s, "bahdanau"); }
void BM_GreedyLuong(benchmark::State& s) { greedy(s, "luong"); }
void BM_GreedyGnmt(benchmark::State& s) { greedy(s, "gnmt"); }
BENCHMARK(BM_GreedyBahdanau)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_GreedyLuong)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_GreedyGnmt)->Unit(benchmark::kMillisecond);
// The same in float64, the reference precision (issue 17; bench_precision.cpp prints the ratios).
void BM_GreedyBahdanauFloat64(benchmark::State& s) { greedy(s, "bahdanau", Precision::Float64); }
void BM_GreedyLuongFloat64(benchmark::State& s) { greedy(s, "luong", Precision::Float64); }
void BM_GreedyGnmtFloat64(benchmark::State& s) { greedy(s, "gnmt", Precision::Float64); }
BENCHMARK(BM_GreedyBahdanauFloat64)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_GreedyLuongFloat64)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_GreedyGnmtFloat64)->Unit(benchmark::kMillisecond);
// The transformer of attnviz_transformer_bench's shape (bench_transformer_model.h), both precisions.
void BM_GreedyTransformer(benchmark::State& s) { greedy(s, "transformer"); }
void BM_GreedyTransformerFloat64(benchmark::State& s) { greedy(s, "transformer", Precision::Float64); }
BENCHMARK(BM_GreedyTransformer)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_GreedyTransformerFloat64)->Unit(benchmark::kMillisecond);

// Beam 5 on the Luong model, for scale (not compared with PyTorch).
void BM_BeamLuong(benchmark::State& state)
{
    const Model& m = cached("luong");
    const Tokens src = bench::benchSentence();
    DecodeOptions o;
    o.beam = 5;
    for (auto _ : state)
        benchmark::DoNotOptimize(translateTokens(m, src, o));
}
BENCHMARK(BM_BeamLuong)->Unit(benchmark::kMillisecond);

} // namespace

int main(int argc, char** argv)
{
    if (argc == 3 && std::strcmp(argv[1], "--write-models") == 0) {
        for (const std::string& name : bench::benchModelNames()) {
            const std::string file = std::string(argv[2]) + "/" + name + ".model.json";
            saveModel(bench::benchModel(name), file);
            std::cout << file << "\n";
        }
        return 0;
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
