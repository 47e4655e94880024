// Greedy decoding with the transformer engine (core/model/transformer.h, issue 16): a perf-sized model — d_model 256,
// 8 heads, 4 + 4 layers, ff 1024, vocabulary 8,000 on both sides — decoding a 30-token source for exactly 30
// steps (out.bias[<eos>] = −1e4), every step computing the full trace (per-layer, per-head cross-attention,
// queries, scores, head outputs, decoder self-attention). A plain program printing medians.
//
//   attnviz_transformer_bench [--repeat N]              time it (median wall and CPU ms per sentence)
//   attnviz_transformer_bench --write PREFIX            write PREFIX.json (config, weight names, shapes, source)
//                                                       and PREFIX.bin (every weight, float64 row-major, in that
//                                                       order) for bench/pytorch_transformer_bench.py
#include "core/model/transformer.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

using namespace attnviz;

namespace {

constexpr int kVocab = 8000, kSourceLen = 30, kSteps = 30, kSos = 1, kEos = 2;

TransformerConfig benchConfig()
{
    return {256, 8, 4, 4, 1024, kSteps};
}

// Uniform ±0.1 (seed 2016); LayerNorm weights 1 ± 0.1; out.bias[<eos>] = −1e4 so every run decodes kSteps tokens.
TransformerWeights benchWeights(const TransformerConfig& c)
{
    TransformerWeights w;
    std::mt19937_64 rng(2016);
    std::uniform_real_distribution<double> u(-0.1, 0.1);
    for (const TransformerSlot& s : transformerWeightSlots(w, c, kVocab, kVocab)) {
        const bool normWeight = s.vector && s.name.find("norm") != std::string::npos
                                && s.name.compare(s.name.size() - 7, 7, ".weight") == 0;
        if (s.matrix)
            *s.matrix = Mat::NullaryExpr(s.rows, s.cols, [&] { return u(rng); });
        else
            *s.vector = Vec::NullaryExpr(s.rows, [&] { return (normWeight ? 1.0 : 0.0) + u(rng); });
    }
    w.outBias(kEos) = -1e4;
    return w;
}

std::vector<int> benchSource()
{
    std::vector<int> ids;
    for (int i = 0; i < kSourceLen; ++i)
        ids.push_back(4 + i);
    return ids;
}

std::vector<int> greedy(const TransformerConfig& c, const TransformerWeights& w, const std::vector<int>& src)
{
    const TransformerEncoding enc = transformerEncode(c, w, src);
    TransformerDecoderCache cache = transformerStartDecoding(c, w, enc);
    TransformerStep step;
    std::vector<int> out;
    int y = kSos;
    for (int t = 0; t < c.maxLen; ++t) {
        transformerDecodeStep(c, w, enc, cache, y, step);
        Eigen::Index best = 0;
        step.logits.maxCoeff(&best);
        y = static_cast<int>(best);
        out.push_back(y);
        if (y == kEos)
            break;
    }
    return out;
}

void write(const std::string& prefix, const TransformerConfig& c, TransformerWeights& w)
{
    nlohmann::json doc;
    doc["config"] = {{"d_model", c.dModel}, {"heads", c.heads}, {"encoder_layers", c.encoderLayers},
                     {"decoder_layers", c.decoderLayers}, {"ff_size", c.ffSize}, {"max_len", c.maxLen},
                     {"source_vocab", kVocab}, {"target_vocab", kVocab}, {"sos", kSos}, {"eos", kEos}};
    doc["source_ids"] = benchSource();
    doc["greedy_ids"] = greedy(c, w, benchSource());
    std::ofstream bin(prefix + ".bin", std::ios::binary);
    for (const TransformerSlot& s : transformerWeightSlots(w, c, kVocab, kVocab)) {
        if (s.matrix) {
            const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rm = *s.matrix;
            bin.write(reinterpret_cast<const char*>(rm.data()), static_cast<std::streamsize>(rm.size() * sizeof(double)));
            doc["weights"].push_back({{"name", s.name}, {"shape", {s.rows, s.cols}}});
        } else {
            bin.write(reinterpret_cast<const char*>(s.vector->data()), static_cast<std::streamsize>(s.vector->size() * sizeof(double)));
            doc["weights"].push_back({{"name", s.name}, {"shape", {s.rows}}});
        }
    }
    std::ofstream(prefix + ".json") << doc.dump() << "\n";
    std::cout << prefix << ".json, " << prefix << ".bin\n";
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

} // namespace

int main(int argc, char** argv)
{
    const TransformerConfig c = benchConfig();
    TransformerWeights w = benchWeights(c);
    if (argc == 3 && std::strcmp(argv[1], "--write") == 0) {
        write(argv[2], c, w);
        return 0;
    }
    int repeat = 15;
    if (argc == 3 && std::strcmp(argv[1], "--repeat") == 0)
        repeat = std::max(1, std::atoi(argv[2]));
    const std::vector<int> src = benchSource();
    std::size_t steps = greedy(c, w, src).size();  // warm-up
    std::vector<double> wall, cpu;
    for (int r = 0; r < repeat; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        const std::clock_t c0 = std::clock();
        steps = greedy(c, w, src).size();
        cpu.push_back(1000.0 * static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC);
        wall.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::printf("transformer d256 h8 4+4 ff1024 V8000, source 30, %zu steps, %d runs: median wall %.1f ms, "
                "median CPU %.1f ms per sentence (%.2f ms per step)\n",
                steps, repeat, median(wall), median(cpu), median(cpu) / static_cast<double>(steps));
    return 0;
}
