#pragma once
// The transformer preset (SPEC §4): the maths and weight layout of PyTorch's torch.nn.Transformer — post-norm
// layers, ReLU feed-forward, LayerNorm eps 1e-5, dropout off — with embeddings E[x]·√d_model plus sinusoidal
// positions and an output layer, so a trained nn.Transformer loads unchanged.
//
// A self-contained engine: encode a source once, then decode step by step with cached keys and values
// (step t feeds y_{t−1} at position t−1 and costs O(t), not O(t²)). Every step exposes what the trace of SPEC §4
// holds: cross-attention per decoder layer and head, decoder self-attention, and per layer/head the
// cross-attention query, scaled scores and head output. transformerDecodeSequence recomputes a whole prefix
// at once (causal mask, no cache): the reference the cached path is tested against, and the teacher-forced
// forward pass training will need.
//
// Conventions: a matrix W maps x to W x (nn.Linear layout); matrices of token vectors hold one token per row.
// Bad arguments throw ShapeError (core/formats/error.h) with a message that names the value, the limit or the weight.
#include "core/model/inference.h"
#include "core/numeric/types.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace attnviz {

struct TransformerConfig {
    int dModel = 0;         // d_model
    int heads = 0;          // h; d_model must be divisible by h
    int encoderLayers = 0;
    int decoderLayers = 0;
    int ffSize = 0;         // dim_feedforward
    int maxLen = 0;         // longest source, and most decoder steps
    int headSize() const { return heads > 0 ? dModel / heads : 0; }  // d/h
};

// nn.MultiheadAttention: in_proj_weight stacks [W_Q; W_K; W_V] (3d × d), in_proj_bias [b_Q; b_K; b_V] (3d).
struct TransformerAttentionWeights {
    Mat inProjWeight;   // 3d × d
    Vec inProjBias;     // 3d
    Mat outProjWeight;  // d × d
    Vec outProjBias;    // d
};

struct TransformerLayerNormWeights {
    Vec weight, bias;  // d
};

// FF(x) = W_2 relu(W_1 x + b_1) + b_2 (linear1, linear2)
struct TransformerFeedForwardWeights {
    Mat linear1Weight;  // ff × d
    Vec linear1Bias;    // ff
    Mat linear2Weight;  // d × ff
    Vec linear2Bias;    // d
};

struct TransformerEncoderLayerWeights {
    TransformerAttentionWeights selfAttn;       // self_attn
    TransformerFeedForwardWeights ff;           // linear1, linear2
    TransformerLayerNormWeights norm1, norm2;
};

struct TransformerDecoderLayerWeights {
    TransformerAttentionWeights selfAttn;       // self_attn (causal)
    TransformerAttentionWeights crossAttn;      // multihead_attn (queries the encoder output)
    TransformerFeedForwardWeights ff;
    TransformerLayerNormWeights norm1, norm2, norm3;
};

struct TransformerWeights {
    Mat encoderEmbedding;  // encoder.embedding, V_s × d
    Mat decoderEmbedding;  // decoder.embedding, V_t × d
    std::vector<TransformerEncoderLayerWeights> encoderLayers;  // transformer.encoder.layers.{k}.*
    TransformerLayerNormWeights encoderNorm;                     // transformer.encoder.norm.*
    std::vector<TransformerDecoderLayerWeights> decoderLayers;  // transformer.decoder.layers.{k}.*
    TransformerLayerNormWeights decoderNorm;                     // transformer.decoder.norm.*
    Mat outWeight;         // out.weight, V_t × d
    Vec outBias;           // out.bias, V_t
};

// One weight as a loader sees it: its SPEC name, expected shape (cols = -1 for a vector of `rows`) and storage.
struct TransformerSlot {
    std::string name;
    Eigen::Index rows = 0, cols = -1;
    Mat* matrix = nullptr;
    Vec* vector = nullptr;
};

// Checks the config (positive sizes, d_model divisible by heads), sizes the layer lists of w to the config and
// lists every weight the model needs: encoder.embedding, decoder.embedding, every name of
// nn.Transformer(...).state_dict() prefixed with "transformer.", then out.weight and out.bias.
std::vector<TransformerSlot> transformerWeightSlots(TransformerWeights& w, const TransformerConfig& c,
                                                    int sourceVocab, int targetVocab);

// ff_size is the row count of this weight (encoder layer 0's linear1.weight).
std::string transformerFfSizeWeightName();
// ff_size read from the weights when a config omits it: rowsOf(name) gives a weight's row count, if present.
std::optional<int> transformerFfSizeFromWeights(const std::function<std::optional<long long>(const std::string&)>& rowsOf);

// Throws ShapeError unless the config is valid: every size positive and d_model divisible by heads.
void checkTransformerConfig(const TransformerConfig& c);
// Throws ShapeError unless the config is valid and every weight has its shape (vocabulary sizes from the
// embeddings); the message names the weight and both shapes.
void checkTransformerWeights(const TransformerConfig& c, const TransformerWeights& w);

// ---------------------------------------------------------------------------------------------------------
// Encoder

struct TransformerEncoding {
    Mat memory;  // n × d: the encoder output after the final encoder norm (what cross-attention reads)
    // [encoder_layers][h], each n × n: row i = query position i's weights over the source (rows sum to 1)
    std::vector<std::vector<Mat>> selfAttention;
};

// sourceIds: x_1..x_n as rows of encoder.embedding. Throws ShapeError for an invalid config or weights, an empty
// source, a source longer than max_len, or an id outside the source vocabulary.
TransformerEncoding transformerEncode(const TransformerConfig& c, const TransformerWeights& w,
                                      const std::vector<int>& sourceIds);

// PE(pos, ·), pos counted from 0: sin at even indices, cos at odd ones (d values).
Vec transformerPositionalEncoding(int pos, int dModel);

// ---------------------------------------------------------------------------------------------------------
// Incremental decoding

// Keys and values of everything decoded so far. Copying a cache (a beam hypothesis) copies the self-attention
// keys/values and shares the cross-attention ones, which never change for a source.
struct TransformerDecoderCache {
    int steps = 0;                 // positions fed so far (the next step feeds position `steps`)
    std::vector<Mat> selfKeys;     // [decoder_layers] d × max_len, column p = position p's key
    std::vector<Mat> selfValues;   // [decoder_layers] d × max_len
    std::shared_ptr<const std::vector<Mat>> crossKeys;    // [decoder_layers] d × n, from the memory
    std::shared_ptr<const std::vector<Mat>> crossValues;  // [decoder_layers] d × n; head i = rows i·d/h …
};

// An empty cache for decoding this encoding (computes every layer's cross-attention keys and values once).
TransformerDecoderCache transformerStartDecoding(const TransformerConfig& c, const TransformerWeights& w,
                                                 const TransformerEncoding& enc);

// What one decoder step computed; [L][h] = per decoder layer, per head.
struct TransformerStep {
    int t = 0;                                    // step, from 1
    Vec logits;                                   // V_t
    Vec weights;                                  // last layer's cross-attention averaged over heads (n)
    std::vector<std::vector<Vec>> crossAttention; // [L][h] (n): weights used (the override's, if any)
    std::vector<std::vector<Vec>> selfAttention;  // [L][h] (t): over positions 0..t−1 (causal)
    std::vector<std::vector<Vec>> query;          // [L][h] (d/h): cross-attention query q_i
    std::vector<std::vector<Vec>> scores;         // [L][h] (n): q_i·k_j/√(d/h), before the softmax
    std::vector<std::vector<Vec>> context;        // [L][h] (d/h): head output a_i V_i
    std::vector<Vec> layerOutputs;                // [L] (d): each decoder layer's output (after its norm3)
    Vec output;                                   // d: decoder output after the final decoder norm
    bool overridden = false;
};

// Step t = cache.steps + 1: feeds prevToken (y_{t−1}; <sos> at t = 1) at position t−1, appends its keys and
// values to the cache and fills `out`. overrideWeights (n, already normalised by the caller), if given,
// replaces the cross-attention weights of every head of the last decoder layer after the softmax; the scores
// are still computed, and everything downstream follows from the replaced weights (SPEC §4 what-if decoding).
// Throws ShapeError for a token outside the target vocabulary, a step beyond max_len, a cache that does not
// belong to this model/encoding, or an override of the wrong length.
// float32 (issue 17): the layers' products use these float32 copies of their matrices (core/model/inference.h,
// one per decoder layer) instead of w's; the numbers between them stay double. logits = false leaves
// out.logits empty (the caller projects out.output itself, e.g. all beam hypotheses in one product).
void transformerDecodeStep(const TransformerConfig& c, const TransformerWeights& w, const TransformerEncoding& enc,
                           TransformerDecoderCache& cache, int prevToken, TransformerStep& out,
                           const Vec* overrideWeights = nullptr, const std::vector<TransformerDecoderLayerF>* float32 = nullptr,
                           bool logits = true);

// ---------------------------------------------------------------------------------------------------------
// Whole prefix at once (no cache)

struct TransformerSequenceDecoding {
    Mat logits;                                    // T × V_t, row p = the step that fed position p
    std::vector<std::vector<Mat>> crossAttention;  // [L][h] T × n
    std::vector<std::vector<Mat>> selfAttention;   // [L][h] T × T, zero above the diagonal
    Mat output;                                    // T × d after the final decoder norm
};

// inputs: <sos> y_1 … y_{T−1} (T ≤ max_len). Row p of every result equals step p + 1 of incremental decoding.
TransformerSequenceDecoding transformerDecodeSequence(const TransformerConfig& c, const TransformerWeights& w,
                                                      const TransformerEncoding& enc, const std::vector<int>& inputs);

} // namespace attnviz
