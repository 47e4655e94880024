// Decoding in float32 against float64 (issue 17), and how far a step is from the memory-bandwidth floor of its
// output projection. A plain program printing medians of one run:
//
//   attnviz_precision_bench [--repeat N] [--json] [--only bahdanau|luong|gnmt]
//   attnviz_precision_bench --model FILE [--model FILE …] [--sentence "…"]   other models (e.g. the CBOR files
//                                   bench/pytorch_decode_bench.py --save-dir writes, the same weights as PyTorch's)
//
// Times are medians of the thread's CPU time (the machine is shared: wall time counts waits for a core; wall
// medians are printed beside the greedy ones).
// 1. Streaming-read bandwidth, one thread: Σ of a float array read again and again (vectorised), for a buffer of
//    each model's out.weight size in float32 (what a decoding step streams) and for a 1 GiB buffer (beyond every
//    cache). Median GB/s.
// 2. Greedy decoding of the 30-word sentence with the issue-3 models (bahdanau, luong, gnmt; bench_models.h),
//    full trace, float32 and float64: median wall and CPU ms per sentence, the ratio, ms per step.
// 3. The floor: bytes of out.weight + out.bias per step ÷ the bandwidth of (1); a step's time ÷ that floor. Also
//    the output product alone (Eigen GEMV, float32) against the same floor.
// 4. Beam 5, float32 and float64, and the batching: one step of 5 hypotheses in one product (RecurrentBatchStep,
//    B = 5) against 5 steps of one (what beam search did before: k GEMVs).
#include "bench_models.h"

#include "core/model/batch_step.h"
#include "core/model/decoding.h"
#include "core/model/inference.h"
#include "core/numeric/few_columns.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <time.h>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

using namespace attnviz;

namespace {

struct Timing {
    double wallMs = 0.0, cpuMs = 0.0;  // medians
};

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n == 0 ? 0.0 : (n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]));
}

double threadCpuSeconds()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// Runs f once to warm up, then `repeat` times; medians of wall and process CPU time.
Timing timeIt(int repeat, const std::function<void()>& f)
{
    f();
    std::vector<double> wall, cpu;
    for (int i = 0; i < repeat; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        const double c0 = threadCpuSeconds();
        f();
        cpu.push_back(1e3 * (threadCpuSeconds() - c0));
        wall.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    return {median(wall), median(cpu)};
}

volatile float gSink = 0.0f;

// Streaming read of `bytes` bytes of floats, one thread; median GB/s over enough passes for ~0.3 s a sample.
// Timed in CPU time of the thread: on a machine shared with other jobs, wall time counts the waits for a core.
double streamingBandwidth(std::size_t bytes, int samples)
{
    const auto n = static_cast<Eigen::Index>(bytes / sizeof(float));
    VecF a = VecF::LinSpaced(n, 0.0f, 1.0f);
    const int passes = std::max<int>(1, static_cast<int>(3e8 / static_cast<double>(bytes)));
    std::vector<double> gbs;
    for (int s = 0; s < samples + 1; ++s) {
        const double t0 = threadCpuSeconds();
        float acc = 0.0f;
        for (int p = 0; p < passes; ++p)
            acc += a.sum();
        const double sec = threadCpuSeconds() - t0;
        gSink = acc;
        if (s > 0)  // the first sample warms up (page faults, caches)
            gbs.push_back(static_cast<double>(bytes) * passes / sec / 1e9);
    }
    return median(gbs);
}

struct Case {
    std::string name;
    Model model;
    Tokens source;
};

} // namespace

int main(int argc, char** argv)
{
    int repeat = 11;
    bool asJson = false;
    std::vector<std::string> files;
    std::string sentence, only;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--repeat" && i + 1 < argc)
            repeat = std::max(1, std::atoi(argv[++i]));
        else if (a == "--json")
            asJson = true;
        else if (a == "--model" && i + 1 < argc)
            files.emplace_back(argv[++i]);
        else if (a == "--sentence" && i + 1 < argc)
            sentence = argv[++i];
        else if (a == "--only" && i + 1 < argc)
            only = argv[++i];
        else {
            std::cerr << "usage: attnviz_precision_bench [--repeat N] [--json] [--only bahdanau|luong|gnmt] [--model FILE … [--sentence \"…\"]]\n";
            return 2;
        }
    }
    std::vector<Case> cases;
    if (files.empty()) {
        for (const std::string& n : bench::benchModelNames())
            if (only.empty() || only == n)
                cases.push_back({n, bench::benchModel(n), bench::benchSentence()});
    } else {
        for (const std::string& f : files) {
            Model m = loadModel(f);
            const Tokens src = m.tokenizeSource(sentence.empty() ? "w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 w15 w16 w17 w18 w19 w20 w21 "
                                                                   "w22 w23 w24 w25 w26 w27 w28 w29 w30 w31 w32 w33 w34"
                                                                 : sentence);
            cases.push_back({f, std::move(m), src});
        }
    }

    nlohmann::json out;
    out["repeat"] = repeat;
    const double dramGBs = streamingBandwidth(std::size_t(1) << 30, 5);
    out["stream_read_1GiB_GBs"] = dramGBs;
    if (!asJson)
        std::printf("streaming read, 1 thread: 1 GiB buffer %.1f GB/s\n", dramGBs);

    for (Case& c : cases) {
        const Model& m = c.model;
        const bool transformer = m.isTransformer();
        const Eigen::Index V = m.dims.Vt;
        const Eigen::Index F = transformer ? m.config.hiddenSize : m.dims.outputFeatures;
        const double bytes32 = static_cast<double>(V) * static_cast<double>(F + 1) * 4.0;  // out.weight + out.bias
        const double bytes64 = 2.0 * bytes32;
        const double cacheGBs = streamingBandwidth(static_cast<std::size_t>(bytes32), 7);
        const double floorMs = bytes32 / (cacheGBs * 1e9) * 1e3;
        const double floorDramMs = bytes32 / (dramGBs * 1e9) * 1e3;

        // Every float32 matrix a recurrent step multiplies by (decoder cells, Luong's W_c, out), the bytes a step
        // must read at least once; the attention's own small matrices (double) are not counted. 0 for a transformer.
        const auto w = m.inference.get(m);  // the float32 copies (made once per model)
        double stepBytes32 = 0.0;
        if (!transformer) {
            auto add = [&](const auto& a) { stepBytes32 += 4.0 * static_cast<double>(a.size()); };
            for (const RnnWeightsF& r : w->decoder) {
                add(r.weight_ih);
                add(r.weight_hh);
                add(r.bias_ih);
                add(r.bias_hh);
            }
            add(w->combine);
            add(w->out);
            add(w->outBias);
        }
        const double stepGBs = stepBytes32 > 0 ? streamingBandwidth(static_cast<std::size_t>(stepBytes32), 7) : 0.0;
        const double stepFloorMs = stepBytes32 > 0 ? stepBytes32 / (stepGBs * 1e9) * 1e3 : 0.0;

        DecodeOptions f32, f64;
        f32.precision = Precision::Float32;
        f64.precision = Precision::Float64;
        std::size_t steps = 0;
        translateTokens(m, c.source, f32);  // makes the float32 copies (once per model)
        const Timing g32 = timeIt(repeat, [&] { steps = translateTokens(m, c.source, f32).best.steps.size(); });
        const Timing g64 = timeIt(repeat, [&] { translateTokens(m, c.source, f64); });
        const double perStep32 = g32.cpuMs / static_cast<double>(steps), perStep64 = g64.cpuMs / static_cast<double>(steps);
        // The encoder runs once a sentence, not once a step: a decoder step is the translation without it, ÷ steps.
        double encode32 = 0.0;
        if (!transformer) {
            const std::vector<int> ids = m.source.ids(c.source);
            encode32 = timeIt(repeat, [&] { encodeFloat32(m, ids, *w); }).cpuMs;
        }
        const double decoderStep32 = (g32.cpuMs - encode32) / static_cast<double>(steps);

        // the output product alone: logits = W_out x + b (float32, core/numeric/few_columns.h),
        // as a greedy step runs it
        MatF x = MatF::Constant(F, 1, 0.01f), logits(V, 1);
        const Timing gemv = timeIt(std::max(repeat, 50), [&] {
            for (int r = 0; r < 10; ++r) {
                productFewColumns(w->out, x, logits);
                logits.col(0) += w->outBias;
                x(0, 0) += logits(r, 0) * 1e-30f;  // a dependency between products
            }
        });
        const double gemvMs = gemv.cpuMs / 10.0;

        nlohmann::json j{{"model", c.name}, {"architecture", m.architecture}, {"V", V}, {"features", F}, {"steps", steps},
                         {"greedy_float32_ms", g32.wallMs}, {"greedy_float64_ms", g64.wallMs},
                         {"greedy_float32_cpu_ms", g32.cpuMs}, {"greedy_float64_cpu_ms", g64.cpuMs},
                         {"speedup_float32_cpu", g64.cpuMs / g32.cpuMs}, {"speedup_float32_wall", g64.wallMs / g32.wallMs}, {"step_float32_ms", perStep32}, {"step_float64_ms", perStep64},
                         {"out_bytes_per_step_float32", bytes32}, {"out_bytes_per_step_float64", bytes64},
                         {"stream_read_same_size_GBs", cacheGBs}, {"floor_ms", floorMs}, {"floor_1GiB_ms", floorDramMs},
                         {"step_over_floor", perStep32 / floorMs}, {"step_over_floor_1GiB", perStep32 / floorDramMs},
                         {"encode_float32_cpu_ms", encode32}, {"decoder_step_float32_ms", decoderStep32},
                         {"decoder_step_over_floor", decoderStep32 / floorMs}, {"decoder_step_over_floor_1GiB", decoderStep32 / floorDramMs},
                         {"gemv_ms", gemvMs}, {"gemv_over_floor", gemvMs / floorMs}};
        if (stepBytes32 > 0)
            j.update({{"step_bytes_float32", stepBytes32}, {"stream_read_step_size_GBs", stepGBs}, {"step_floor_ms", stepFloorMs},
                      {"step_over_step_floor", perStep32 / stepFloorMs}, {"decoder_step_over_step_floor", decoderStep32 / stepFloorMs}});

        // beam 5, both precisions (recurrent and transformer alike)
        DecodeOptions b32 = f32, b64 = f64;
        b32.beam = b64.beam = 5;
        const Timing beam32 = timeIt(std::max(3, repeat / 2), [&] { translateTokens(m, c.source, b32); });
        const Timing beam64 = timeIt(std::max(3, repeat / 2), [&] { translateTokens(m, c.source, b64); });
        j["beam5_float32_cpu_ms"] = beam32.cpuMs;
        j["beam5_float64_cpu_ms"] = beam64.cpuMs;
        j["beam5_float32_ms"] = beam32.wallMs;
        j["beam5_float64_ms"] = beam64.wallMs;

        // batching: one step of 5 hypotheses at once against 5 steps of one (recurrent presets)
        if (!transformer) {
            const Encoding enc = encode(m, m.source.ids(c.source));
            const DecoderState s0 = initialState(m, enc);
            const std::vector<const DecoderState*> five(5, &s0);
            const std::vector<int> tokens{m.target.sos(), 5, 6, 7, 8};
            RecurrentBatchStep batch(m, enc, Precision::Float32);
            std::vector<DecoderState> next;
            std::vector<HypothesisStep> hs;
            TopLogProbs top;
            const Timing together = timeIt(std::max(repeat, 30), [&] {
                batch.step(tokens, five, next, hs, nullptr);
                for (Eigen::Index b = 0; b < 5; ++b)
                    batch.topLogProbs(b, 5, top);
            });
            const Timing oneByOne = timeIt(std::max(repeat, 30), [&] {
                for (std::size_t b = 0; b < 5; ++b) {
                    batch.step({tokens[b]}, {&s0}, next, hs, nullptr);
                    batch.topLogProbs(0, 5, top);
                }
            });
            j["beam5_step_batched_ms"] = together.cpuMs;
            j["beam5_step_one_by_one_ms"] = oneByOne.cpuMs;
        }
        out["models"].push_back(j);

        if (!asJson) {
            std::printf("\n%s (%s, V %lld × F %lld, %zu steps)\n", c.name.c_str(), m.architecture.c_str(), static_cast<long long>(V),
                        static_cast<long long>(F), steps);
            std::printf("  greedy, full trace, CPU ms (wall): float32 %.2f (%.2f), float64 %.2f (%.2f): float32 %.2f× faster (wall %.2f×)\n",
                        g32.cpuMs, g32.wallMs, g64.cpuMs, g64.wallMs, g64.cpuMs / g32.cpuMs, g64.wallMs / g32.wallMs);
            std::printf("  per step, CPU: float32 %.3f ms, float64 %.3f ms; float32 without the encoder (%.3f ms a sentence): "
                        "%.3f ms a decoder step\n",
                        perStep32, perStep64, encode32, decoderStep32);
            std::printf("  output projection: %.1f MB per step in float32 (%.1f MB in float64); streaming read of that size %.1f GB/s\n",
                        bytes32 / 1e6, bytes64 / 1e6, cacheGBs);
            std::printf("  bandwidth floor %.3f ms per step (%.3f ms at the 1 GiB rate): a float32 step is %.2f× the floor, "
                        "the GEMV alone %.3f ms = %.2f× the floor\n",
                        floorMs, floorDramMs, perStep32 / floorMs, gemvMs, gemvMs / floorMs);
            if (stepBytes32 > 0)
                std::printf("  every matrix of a step: %.1f MB in float32, streaming read of that size %.1f GB/s, floor %.3f ms: "
                            "a decoder step is %.2f× it\n",
                            stepBytes32 / 1e6, stepGBs, stepFloorMs, decoderStep32 / stepFloorMs);
            std::printf("  beam 5, CPU ms: float32 %.1f, float64 %.1f (%.2f×)", beam32.cpuMs, beam64.cpuMs, beam64.cpuMs / beam32.cpuMs);
            if (j.contains("beam5_step_batched_ms"))
                std::printf("; one step of 5 hypotheses: batched %.3f ms, one by one %.3f ms (%.2f×)", j["beam5_step_batched_ms"].get<double>(),
                            j["beam5_step_one_by_one_ms"].get<double>(),
                            j["beam5_step_one_by_one_ms"].get<double>() / j["beam5_step_batched_ms"].get<double>());
            std::printf("\n");
        }
    }
    if (asJson)
        std::cout << out.dump(1) << "\n";
    return 0;
}
