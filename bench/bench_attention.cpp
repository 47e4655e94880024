// One attention step (score, softmax, align, context) at n ∈ {10, 100, 1000} encoder states of size
// d ∈ {64, 512}, for dot, general and additive (keys projected once, as the decoder does), issue 3.
#include "core/numeric/attention.h"

#include <benchmark/benchmark.h>

using namespace attnviz;

namespace {

void attentionStep(benchmark::State& state, ScoreKind kind)
{
    const Eigen::Index n = state.range(0), d = state.range(1);
    const Mat H = Mat::Random(n, d);
    const Vec s = Vec::Random(d);
    ScoreParams p;
    if (kind == ScoreKind::General) p.W = Mat::Random(d, d) / static_cast<double>(d);
    if (kind == ScoreKind::Additive) {
        p.W_q = Mat::Random(d, d) / static_cast<double>(d);
        p.W_k = Mat::Random(d, d) / static_cast<double>(d);
        p.v = Vec::Random(d);
    }
    const ScoreFunction f(kind, p);
    const Mat K = f.projectKeys(H);  // once per sentence (empty unless additive)
    for (auto _ : state) {
        Vec e = kind == ScoreKind::Additive ? f.scoresProjected(s, H, K) : f.scores(s, H);
        AttentionResult r = attendWithScores(std::move(e), H);
        benchmark::DoNotOptimize(r);
    }
}

void BM_AttendDot(benchmark::State& s) { attentionStep(s, ScoreKind::Dot); }
void BM_AttendGeneral(benchmark::State& s) { attentionStep(s, ScoreKind::General); }
void BM_AttendAdditive(benchmark::State& s) { attentionStep(s, ScoreKind::Additive); }

void sizes(benchmark::internal::Benchmark* b)
{
    b->ArgNames({"n", "d"});
    for (int n : {10, 100, 1000})
        for (int d : {64, 512})
            b->Args({n, d});
    b->Unit(benchmark::kMicrosecond);
}

BENCHMARK(BM_AttendDot)->Apply(sizes);
BENCHMARK(BM_AttendGeneral)->Apply(sizes);
BENCHMARK(BM_AttendAdditive)->Apply(sizes);

} // namespace
