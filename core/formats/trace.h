#pragma once
// What the engine computed, step by step: the value type every view, the command line and the
// attnviz-trace file (SPEC §5) consume.
#include "core/formats/json_io.h"
#include "core/numeric/attention.h"
#include "core/numeric/types.h"

#include <optional>
#include <string>
#include <vector>

namespace attnviz {

struct TokenProb {
    std::string token;
    int id = -1;        // vocabulary index; -1 for examples
    double prob = 0.0;
};

// A transformer step's attention per decoder layer and head (SPEC §4), [L][h] = [decoder_layers][heads].
struct MultiHeadStep {
    std::vector<std::vector<Vec>> heads;          // [L][h] (n): cross-attention weights used (an override's, if any)
    std::vector<std::vector<Vec>> selfAttention;  // [L][h] (t): decoder self-attention over positions 0..t−1
    std::vector<std::vector<Vec>> query;          // [L][h] (d/h): cross-attention query q_i of this position
    std::vector<std::vector<Vec>> scores;         // [L][h] (n): q_i·k_j/√(d/h), before the softmax
    std::vector<std::vector<Vec>> context;        // [L][h] (d/h): head output a_i V_i
};

struct StepTrace {
    int t = 1;                                  // counts from 1
    Vec query;                                  // s (dq); empty when the model has no attention
    std::optional<AttentionResult> attention;   // absent for seq2seq (no attention)
    std::vector<Vec> decoderStates;             // each decoder layer's hidden state after this step (bottom first)
    std::vector<TokenProb> topK;                // most probable output tokens, best first
    std::string token;                          // the output token of this step ("" when unknown)
    std::optional<double> prob;                 // its probability, when a model produced it
    bool forced = false;      // what-if: the token was given (forced prefix), prob is what the model gave it
    bool overridden = false;  // what-if: the softmax weights were replaced (attention override, SPEC §4)
    // Forced to a token the model would not have chosen itself (not its most probable one).
    bool forcedAgainstModel() const { return forced && !topK.empty() && topK.front().token != token; }
    // Transformer steps only. Then `attention` is the view every other preset has (multiHeadView): weights =
    // the last decoder layer's cross-attention averaged over heads; scores = log of the model's own averaged
    // weights, mean_i softmax(scores_i) — so softmax(scores) = weights unless the step was overridden, when the
    // scores stay the model's as for every preset; alignment/context = the weights applied to the encoder output
    // (encoderStates). `query` = the last layer's cross-attention query, heads concatenated (d);
    // decoderStates = each decoder layer's output.
    std::optional<MultiHeadStep> multiHead;
};

struct Trace {
    Tokens sourceTokens;
    Tokens targetTokens;        // without <eos>
    Mat encoderStates;          // the keys/values h̄_j, one per row (n × dk); empty when unknown
    std::string score;          // score function id ("" for no attention)
    std::string architecture;   // preset id, "" for an example
    std::string title;
    std::vector<StepTrace> steps;
    bool mergedWords = false;   // pieces merged into words (core/model/merge_words.h); "merged_words" in the file
    // Transformer only: [encoder_layers][h] n × n, row i = source position i's weights over the source.
    std::vector<std::vector<Mat>> encoderSelfAttention;
    // Transformer only: each decoder layer's cross-attention keys k_j = W_K h̄_j + b_K and values v_j = W_V h̄_j + b_V
    // of the encoder output, [decoder_layers] n × d_model; head i is columns i·d/h … (i+1)·d/h − 1. What one
    // head's scores and output are made of (selectHeads). Empty when unknown (precomputed attention).
    std::vector<Mat> crossKeys, crossValues;
    // Set by selectHeads for one head with crossKeys known: that head's keys (n × d/h), the vectors its scores
    // compare the query with; encoderStates then holds its values (what the weights sum). Empty otherwise: the
    // encoder states are both keys and values.
    Mat keys;
    // Set by selectHeads: which heads the steps' attention shows ("layer 1 · head 2 of 4"), for headers and
    // captions. Empty for every other trace (a transformer trace as decoded shows the last layer's mean). Not
    // written to files.
    std::string headView;
};

// The number of source positions every view shows (one definition, issue 18): the encoder states' rows when the
// trace has them, else the source tokens, else the first attention's weights (precomputed, unnamed).
int sourceLength(const Trace& trace);

// A transformer step's attention view (see StepTrace::multiHead): `weights` (the head-averaged weights used),
// scores = log(max(mean_i softmax(mh.scores[last layer][i]), 1e-300)), and, when `values` (n × d, the encoder
// output) has n rows, alignment rows a_j·values_j and their sum as the context (else both empty).
AttentionResult multiHeadView(const MultiHeadStep& mh, const Vec& weights, const Mat& values);

// attnviz-trace document. Extra keys beyond SPEC §5: "encoder_states", "score", "architecture", "title".
// A transformer step (multiHead set) is written per SPEC §4: "query", "scores", "context" [L][h][…], "heads"
// [L][h][n], "self_attention" [L][h][t], "weights" the averaged ones; no "alignment" (the reader recomputes
// it and the flat scores/context with multiHeadView). Top level "encoder_self_attention" [L][h][n][n].
json traceToJson(const Trace& trace);
// Validates like every loader: throws InputError naming `file` and the JSON pointer.
Trace traceFromJson(const json& doc, const std::string& file);

} // namespace attnviz
