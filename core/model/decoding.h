#pragma once
// Greedy and beam-search decoding (SPEC §4 "Decoding") with a trace per hypothesis and the beam tree.
#include "core/formats/attention_override.h"
#include "core/formats/trace.h"
#include "core/model/encoder_decoder.h"
#include "core/model/model.h"

#include <string>
#include <vector>

namespace attnviz {

// Work bounded by input (issue 18): a source longer than kMaxSourceTokens tokens is refused, and so is a
// beam whose traces could hold more than kMaxTraceNumbers numbers (width × max_len × source length × key
// size: each step keeps its n alignment vectors), about 240 MB.
inline constexpr int kMaxSourceTokens = 400;
inline constexpr long long kMaxTraceNumbers = 30'000'000LL;

struct DecodeOptions {
    int beam = 1;     // width k; 1 = greedy
    int maxLen = 0;   // max output tokens (incl. <eos>); 0 = the config's max_len
    int topK = 5;     // tokens listed per step in the trace
    // What-if decoding (SPEC §4). prefix: target ids y_1..y_k fed and recorded for the first k steps (each
    // step keeps the probability the model gave its token), then decoding continues; every beam hypothesis
    // starts with it. overrides: softmax weights replaced at those steps (every hypothesis at that step).
    std::vector<int> prefix;
    std::vector<AttentionOverride> overrides;
    std::string overrideFile;  // where the overrides came from, for messages ("" when made in memory)
    // An override of a step the translation never reached is bad input (the command line); the window sets
    // this false, since an edit earlier in the sentence may shorten the translation.
    bool overridesMustBeReached = true;
    // Products in float32 with the model's float32 copies (the default: what the models ship, half the bytes
    // per step) or float64 with its own weights (gradient checks, golden tests, `--precision float64`). The
    // two agree within 1e-4 (core/model/inference.h).
    Precision precision = Precision::Float32;
};

// The forced prefix of `text`: the model's target tokenizer, then vocabulary ids. Throws InputError
// ("prefix") for a token outside the target vocabulary or a special token (<sos>, <eos>, <pad>, <unk>).
std::vector<int> targetPrefixIds(const Model& model, const std::string& text);

// One node of the beam tree: a hypothesis extended by one token at step t. The root (t = 0) is <sos>.
struct BeamNode {
    int id = 0;
    int parent = -1;          // node id; -1 for the root
    int step = 0;             // t: output position of `token` (root: 0)
    int token = -1;           // target vocabulary id
    std::string text;         // the token
    double logProb = 0.0;     // log p(token | prefix)
    double sumLogProb = 0.0;  // over the whole prefix
    double score = 0.0;       // sumLogProb / step (length-normalised)
    bool finished = false;    // token is <eos>
    bool pruned = false;      // a candidate that did not make the beam
    bool chosen = false;      // on the path of the winning hypothesis
};

struct BeamTree {
    std::vector<BeamNode> nodes;  // nodes[0] is the root; children come after parents
    int best = -1;                // leaf of the winning hypothesis
};

struct DecodeResult {
    Trace best;                     // the winning hypothesis
    double bestScore = 0.0;
    // Every hypothesis that ended, each with its attention: the finished ones (best first), then — only
    // when max_len stopped the search before k finished — the live ones (best first).
    std::vector<Trace> hypotheses;
    int finishedCount = 0;          // hypotheses[0 .. finishedCount) ended with <eos>
    std::vector<double> scores;     // score of hypotheses[i]
    std::vector<int> leaves;        // tree node of hypotheses[i]'s last token
    BeamTree tree;
};

// Tokenizes with the model's tokenizer (and lowercase option) and decodes. Throws InputError for an
// empty sentence, ShapeError for a location model with more than max_len source tokens.
DecodeResult translate(const Model& model, const std::string& sentence, const DecodeOptions& options = {});
DecodeResult translateTokens(const Model& model, const Tokens& source, const DecodeOptions& options = {});

// The `k` most probable entries of p (n), best first; ties go to the lower index.
std::vector<int> topIndices(const Eigen::Ref<const Vec>& p, int k);

} // namespace attnviz
