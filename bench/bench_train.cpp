// Training throughput (issue 4): one optimisation step (teacher-forced forward, backward, clipping, Adam)
// of the Bahdanau model with hidden 256, embedding 128, vocabulary 8,000, batch 32, source and target
// length 10, on random token ids — the shapes of bench/pytorch_train_bench.py, which times PyTorch eager.
// Counters: target tokens per second of wall time ("tok/s") and per CPU-second of the process
// ("tok/cpu_s", robust to other load). Arguments: threads (1, 2) and the precision of the matrix products
// (32: output layer, recurrent and attention products in float32, the trainer's default; 64: float64 throughout).
// BM_TrainTransformer: the same step for the transformer preset at a similar parameter count (d_model 256,
// 4 heads, 3 + 3 layers, ff 1,024, vocabulary 8,000: 11.6 M parameters against Bahdanau's 10.7 M), same data.
//   ./build-bench/bench/attnviz_bench --benchmark_filter=Train --benchmark_repetitions=5
#include "core/model/model.h"
#include "core/train/train_graph.h"
#include "core/train/trainer.h"

#include <benchmark/benchmark.h>

#include <ctime>
#include <random>

namespace {

using namespace attnviz;

constexpr int kHidden = 256, kEmbedding = 128, kVocab = 8000, kBatch = 32, kLength = 10;

Model trainBenchModel(const std::string& arch = "bahdanau")
{
    Model m;
    m.architecture = arch;
    if (arch == "transformer") {
        m.config = presetConfig(arch, kHidden, kHidden);
        m.config.heads = 4;
        m.config.encoderLayers = m.config.decoderLayers = 3;
        m.config.ffSize = 1024;
    } else {
        m.config = presetConfig("bahdanau", kHidden, kEmbedding);
        m.config.attentionSize = kHidden;  // da = H, as in the PyTorch script
    }
    m.tokenizer = "whitespace";
    Tokens words{"<pad>", "<sos>", "<eos>", "<unk>"};
    for (int i = 4; i < kVocab; ++i)
        words.push_back("w" + std::to_string(i));
    m.source = Vocab(words, "", "/vocab/source");
    m.target = Vocab(words, "", "/vocab/target");
    finalizeModel(m);
    paramsIntoModel(initParams(m, 1), m);
    return m;
}

double processCpuSeconds()
{
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

void trainStep(benchmark::State& state, const std::string& arch)
{
    Model model = trainBenchModel(arch);
    // Every pair has kLength source tokens and kLength − 1 target words, so with <eos> each sentence has
    // kLength target positions, as in the PyTorch script (which has no <eos>; the token count is the same).
    std::mt19937 rng(0);
    std::uniform_int_distribution<int> id(4, kVocab - 1);
    std::vector<PairIds> data(kBatch);
    for (PairIds& p : data) {
        for (int i = 0; i < kLength; ++i)
            p.src.push_back(id(rng));
        for (int i = 0; i < kLength - 1; ++i)
            p.tgt.push_back(id(rng));
    }
    std::vector<std::size_t> batch(kBatch);
    for (std::size_t i = 0; i < batch.size(); ++i)
        batch[i] = i;

    TrainOptions o;
    o.threads = static_cast<int>(state.range(0));
    o.float32Output = state.range(1) == 32;
    o.clipNorm = 1.0;
    if (model.isTransformer()) {
        o.beta2 = 0.98;
        o.warmupSteps = 4000;
    }
    Optimizer opt(model, o);
    opt.step(data, batch);  // warm-up: Adam moments and the allocator's pools
    long long tokens = 0;
    double cpu = 0.0;
    for (auto _ : state) {
        const double c0 = processCpuSeconds();
        const Optimizer::Step s = opt.step(data, batch);
        cpu += processCpuSeconds() - c0;
        tokens += s.tokens;
        benchmark::DoNotOptimize(s.lossSum);
    }
    state.counters["tok/s"] = benchmark::Counter(static_cast<double>(tokens), benchmark::Counter::kIsRate);
    state.counters["tok/cpu_s"] = static_cast<double>(tokens) / cpu;
}

void BM_TrainBahdanau(benchmark::State& state)
{
    trainStep(state, "bahdanau");
}

void BM_TrainTransformer(benchmark::State& state)
{
    trainStep(state, "transformer");
}

} // namespace

BENCHMARK(BM_TrainTransformer)
    ->ArgNames({"threads", "bits"})
    ->Args({1, 32})
    ->Args({2, 32})
    ->Args({1, 64})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK(BM_TrainBahdanau)
    ->ArgNames({"threads", "bits"})
    ->Args({1, 32})
    ->Args({2, 32})
    ->Args({1, 64})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
