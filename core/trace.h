#pragma once
// What the engine computed, step by step: the value type every view, the command line and the
// attnviz-trace file (SPEC §5) consume.
#include "core/attention.h"
#include "core/json_io.h"
#include "core/types.h"

#include <optional>
#include <string>
#include <vector>

namespace attnviz {

struct TokenProb {
    std::string token;
    int id = -1;        // vocabulary index; -1 for examples
    double prob = 0.0;
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
};

struct Trace {
    Tokens sourceTokens;
    Tokens targetTokens;        // without <eos>
    Mat encoderStates;          // the keys/values h̄_j, one per row (n × dk); empty when unknown
    std::string score;          // score function id ("" for no attention)
    std::string architecture;   // preset id, "" for an example
    std::string title;
    std::vector<StepTrace> steps;
    bool mergedWords = false;   // pieces merged into words (core/merge_words.h); "merged_words" in the file
};

// attnviz-trace document. Extra keys beyond SPEC §5: "encoder_states", "score", "architecture", "title".
json traceToJson(const Trace& trace);
// Validates like every loader: throws InputError naming `file` and the JSON pointer.
Trace traceFromJson(const json& doc, const std::string& file);

} // namespace attnviz
