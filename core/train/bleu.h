#pragma once
// Corpus BLEU-4 with brevity penalty — Papineni, Roukos, Ward, Zhu 2002, "BLEU: a Method for
// Automatic Evaluation of Machine Translation", §2.1–2.3, with one reference per sentence.
//
//   p_n  = Σ_sentences Σ_{n-grams g in hyp} min(count_hyp(g), count_ref(g))  /  Σ_sentences #n-grams(hyp)
//   BP   = 1 if c > r else exp(1 − r/c)      c = total hypothesis length, r = total reference length
//   BLEU = 100 · BP · exp( (1/4) Σ_{n=1..4} log p_n )          reported on a 0–100 scale
//
// Counts are kept per sentence in BleuStats and are additive, so a caller can score any subset of a
// corpus (e.g. sentences bucketed by source length, as in Bahdanau et al. 2015, Fig. 2) by summing.
// Defined edge cases: any p_n = 0 (no matching n-gram of some order, or a hypothesis shorter than n
// everywhere) gives BLEU 0 — no smoothing, never NaN; c = 0 gives 0. Scoring nothing at all
// (no sentences, or stats with c = r = 0) throws ShapeError. Tokens are compared exactly.
#include "core/numeric/types.h"

#include <array>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace attnviz {

constexpr int kBleuMaxOrder = 4;

struct BleuStats {
    std::array<long long, kBleuMaxOrder> matches{};  // [n-1]: clipped n-gram matches
    std::array<long long, kBleuMaxOrder> totals{};   // [n-1]: n-grams in the hypotheses
    long long hypLength = 0;                         // c: hypothesis tokens
    long long refLength = 0;                         // r: reference tokens

    BleuStats& operator+=(const BleuStats& other);
    // Precision p_n as a fraction (n = 1..4); 0 when there are no n-grams of that order.
    double precision(int n) const;
    // BP = 1 if c > r else exp(1 − r/c); 0 when c = 0.
    double brevityPenalty() const;
};
BleuStats operator+(BleuStats a, const BleuStats& b);
bool operator==(const BleuStats& a, const BleuStats& b);

// Counts for one hypothesis against its reference (either may be empty).
BleuStats bleuStats(const Tokens& hypothesis, const Tokens& reference);
// Same, after sacreBLEU's default "13a" tokenization of both strings (punctuation split off, as in
// mteval-v13a.pl; whitespace-tokenized text with spaced punctuation is unchanged).
BleuStats bleuStats(const std::string& hypothesis, const std::string& reference);

// BLEU-4 on 0–100 from summed counts. Throws ShapeError when c = r = 0 (nothing was scored).
double bleuScore(const BleuStats& stats);

// Corpus BLEU of hypotheses[i] against references[i]. Throws ShapeError when the lists are empty
// or differ in length (the message gives both sizes).
double corpusBleu(const std::vector<Tokens>& hypotheses, const std::vector<Tokens>& references);
double corpusBleu(const std::vector<std::string>& hypotheses, const std::vector<std::string>& references);

// BLEU by source length. upperBounds are strictly increasing inclusive upper bounds (≥ 1) of the
// buckets [1..b0], [b0+1..b1], …; one more bucket [b_last+1 .. ∞) collects longer sources (its
// maxLength is INT_MAX). sourceLengths[i] is the token count of source i (a length ≤ 0 counts in the
// first bucket), perSentence[i] its stats.
// Throws ShapeError on mismatched sizes or bad bounds.
struct LengthBucket {
    int minLength = 0;
    int maxLength = std::numeric_limits<int>::max();
    int sentences = 0;
    BleuStats stats;
    std::optional<double> bleu;  // empty when the bucket holds no sentence
};
std::vector<LengthBucket> bleuByLength(const std::vector<int>& sourceLengths,
                                       const std::vector<BleuStats>& perSentence,
                                       const std::vector<int>& upperBounds);

} // namespace attnviz
