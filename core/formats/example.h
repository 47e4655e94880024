#pragma once
// attnviz-example documents (SPEC §5): hand-written hidden states, no model needed.
#include "core/formats/trace.h"
#include "core/numeric/score_functions.h"

#include <string>

namespace attnviz {

struct Example {
    std::string title;
    Tokens sourceTokens;   // labels for encoder states (may be empty)
    Tokens targetTokens;   // labels for decoder steps (may be empty)
    Mat encoderStates;     // keys/values h_j, one per row (n × dk), n ≥ 1
    Mat decoderStates;     // queries s_t, one per row (T × dq), T ≥ 1
    ScoreFunction score;   // the active score function with its parameters
    // Every score parameter the file gives (from the "score" object and the optional top-level
    // "parameters" object), so the score function can be switched without inventing values.
    ScoreParams availableParams;
    std::string file;      // where it was loaded from ("" when built in memory)
};

// Largest attention trace an example may produce: decoder steps × encoder states × (state size + 2)
// numbers (plus the additive score's (steps + 1) × states × da). 8 million numbers = 64 MB.
constexpr double kMaxExampleTraceNumbers = 8e6;

// Loads and validates an example (JSON, or CBOR for *.cbor). Throws InputError naming the file, the
// JSON pointer and expected-versus-found; the score function's constraints are checked against the
// file's dimensions. Limits: exampleLimits() (16 MiB, depth 32, 100,000 rows/columns, 4 M numbers).
Example loadExample(const std::string& file);
Example exampleFromJson(const json& doc, const std::string& file);

// Switches the score function using only parameters the file gave. Throws InputError (pointer "/score")
// when the function needs parameters or dimensions the example lacks.
Example withScore(const Example& ex, ScoreKind kind);

// Replaces one number and checks the result still satisfies the score function (what-if editing).
// which: "encoder" or "decoder". Throws ShapeError on a bad index, an unknown `which` or a non-finite value.
// The caller recomputes with exampleTrace(); the original example is unchanged.
Example withValue(const Example& ex, const std::string& which, Eigen::Index row, Eigen::Index col, double value);

json exampleToJson(const Example& ex);
void saveExample(const std::string& file, const Example& ex);  // atomic; CBOR for *.cbor

// One attention step per row of decoderStates (SPEC §5). Steps carry the target token when given.
Trace exampleTrace(const Example& ex);

} // namespace attnviz
