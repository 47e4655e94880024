#include "core/train/bleu.h"

#include "core/formats/error.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <unordered_map>

namespace attnviz {

namespace {

// n-gram → count for one token sequence; the n tokens are joined with a unit separator (0x1f),
// which the whitespace tokenizer never produces inside a token.
std::unordered_map<std::string, long long> ngramCounts(const Tokens& tokens, std::size_t n)
{
    std::unordered_map<std::string, long long> counts;
    for (std::size_t i = 0; i + n <= tokens.size(); ++i) {
        std::string key = tokens[i];
        for (std::size_t k = 1; k < n; ++k) {
            key += '\x1f';
            key += tokens[i + k];
        }
        ++counts[key];
    }
    return counts;
}

// The tokenization of sacreBLEU's default "13a" (after mteval-v13a.pl): punctuation and symbols become
// tokens of their own, except '.' and ',' between digits ("3.5", "1,000"); '-' after a digit is split.
// Inverted marks ¿ ¡ (Spanish) and the ellipsis are split too. Already tokenized text ("el coche .")
// is unchanged, so BLEU on pre-tokenized corpora is as before.
Tokens splitWhitespace(const std::string& text)
{
    auto isDigit = [](char c) { return c >= '0' && c <= '9'; };
    auto isSymbol = [](char c) {
        return (c >= '{' && c <= '~') || (c >= '[' && c <= '`') || (c >= ' ' + 1 && c <= '&') || (c >= '(' && c <= '+')
               || (c >= ':' && c <= '@') || c == '/';
    };
    std::string spaced;
    spaced.reserve(text.size() * 2);
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const char prev = i ? text[i - 1] : ' ', next = i + 1 < text.size() ? text[i + 1] : ' ';
        if (c == '<') {  // a special token (<unk>, <eos>) stays one token
            std::size_t k = i + 1;
            while (k < text.size() && text[k] >= 'a' && text[k] <= 'z') ++k;
            if (k > i + 1 && k < text.size() && text[k] == '>') {
                spaced += ' ' + text.substr(i, k + 1 - i) + ' ';
                i = k;
                continue;
            }
        }
        bool split = isSymbol(c);
        if (c == '.' || c == ',')
            split = !(isDigit(prev) && isDigit(next));
        if (c == '-')
            split = isDigit(prev);
        if (split) {
            spaced += ' ';
            spaced += c;
            spaced += ' ';
            continue;
        }
        // ¿ (C2 BF), ¡ (C2 A1), … (E2 80 A6)
        if (c == '\xC2' && (next == '\xBF' || next == '\xA1')) {
            spaced += ' ';
            spaced += text.substr(i, 2);
            spaced += ' ';
            ++i;
            continue;
        }
        if (c == '\xE2' && next == '\x80' && i + 2 < text.size() && text[i + 2] == '\xA6') {
            spaced += " \xE2\x80\xA6 ";
            i += 2;
            continue;
        }
        spaced += c;
    }
    Tokens tokens;
    std::istringstream in(spaced);
    std::string word;
    while (in >> word)
        tokens.push_back(word);
    return tokens;
}

} // namespace

BleuStats& BleuStats::operator+=(const BleuStats& other)
{
    for (int n = 0; n < kBleuMaxOrder; ++n) {
        matches[n] += other.matches[n];
        totals[n] += other.totals[n];
    }
    hypLength += other.hypLength;
    refLength += other.refLength;
    return *this;
}

BleuStats operator+(BleuStats a, const BleuStats& b)
{
    a += b;
    return a;
}

bool operator==(const BleuStats& a, const BleuStats& b)
{
    return a.matches == b.matches && a.totals == b.totals && a.hypLength == b.hypLength
        && a.refLength == b.refLength;
}

double BleuStats::precision(int n) const
{
    if (n < 1 || n > kBleuMaxOrder)
        throw ShapeError("BleuStats::precision: n must be 1.." + std::to_string(kBleuMaxOrder) + ", found "
                         + std::to_string(n));
    const long long total = totals[n - 1];
    return total == 0 ? 0.0 : static_cast<double>(matches[n - 1]) / static_cast<double>(total);
}

double BleuStats::brevityPenalty() const
{
    // Papineni et al. 2002 §2.2.2: BP = 1 if c > r, else e^(1 − r/c).
    if (hypLength == 0)
        return 0.0;
    if (hypLength > refLength)
        return 1.0;
    return std::exp(1.0 - static_cast<double>(refLength) / static_cast<double>(hypLength));
}

// hypothesis: (c) tokens, reference: (r) tokens. For each n = 1..4:
//   matches[n-1] = Σ_g min(count_hyp(g), count_ref(g)) ("modified" / clipped counts, §2.1)
//   totals[n-1]  = max(0, c − n + 1)
BleuStats bleuStats(const Tokens& hypothesis, const Tokens& reference)
{
    BleuStats s;
    s.hypLength = static_cast<long long>(hypothesis.size());
    s.refLength = static_cast<long long>(reference.size());
    for (int n = 1; n <= kBleuMaxOrder; ++n) {
        const auto un = static_cast<std::size_t>(n);
        if (hypothesis.size() < un)
            continue;
        s.totals[n - 1] = static_cast<long long>(hypothesis.size() - un + 1);
        const auto ref = ngramCounts(reference, un);
        for (const auto& [gram, count] : ngramCounts(hypothesis, un)) {
            const auto it = ref.find(gram);
            if (it != ref.end())
                s.matches[n - 1] += std::min(count, it->second);
        }
    }
    return s;
}

BleuStats bleuStats(const std::string& hypothesis, const std::string& reference)
{
    return bleuStats(splitWhitespace(hypothesis), splitWhitespace(reference));
}

// BLEU = 100 · BP · exp((1/4) Σ_n log p_n) — Papineni et al. 2002 §2.3, uniform weights w_n = 1/4.
double bleuScore(const BleuStats& stats)
{
    if (stats.hypLength == 0 && stats.refLength == 0)
        throw ShapeError("bleuScore: nothing to score (hypothesis and reference lengths are both 0)");
    double logSum = 0.0;
    for (int n = 1; n <= kBleuMaxOrder; ++n) {
        const double p = stats.precision(n);
        if (p <= 0.0)
            return 0.0;  // log 0: the geometric mean is 0 (no smoothing)
        logSum += std::log(p);
    }
    return 100.0 * stats.brevityPenalty() * std::exp(logSum / kBleuMaxOrder);
}

double corpusBleu(const std::vector<Tokens>& hypotheses, const std::vector<Tokens>& references)
{
    if (hypotheses.size() != references.size())
        throw ShapeError("corpusBleu: expected as many references as hypotheses, found "
                         + std::to_string(references.size()) + " references for "
                         + std::to_string(hypotheses.size()) + " hypotheses");
    if (hypotheses.empty())
        throw ShapeError("corpusBleu: expected at least one sentence, found an empty corpus");
    BleuStats total;
    for (std::size_t i = 0; i < hypotheses.size(); ++i)
        total += bleuStats(hypotheses[i], references[i]);
    return bleuScore(total);
}

double corpusBleu(const std::vector<std::string>& hypotheses, const std::vector<std::string>& references)
{
    std::vector<Tokens> h, r;
    h.reserve(hypotheses.size());
    r.reserve(references.size());
    for (const auto& s : hypotheses)
        h.push_back(splitWhitespace(s));
    for (const auto& s : references)
        r.push_back(splitWhitespace(s));
    return corpusBleu(h, r);
}

std::vector<LengthBucket> bleuByLength(const std::vector<int>& sourceLengths,
                                       const std::vector<BleuStats>& perSentence,
                                       const std::vector<int>& upperBounds)
{
    if (sourceLengths.size() != perSentence.size())
        throw ShapeError("bleuByLength: expected one source length per sentence, found "
                         + std::to_string(sourceLengths.size()) + " lengths for "
                         + std::to_string(perSentence.size()) + " sentences");
    std::vector<LengthBucket> buckets;
    int previous = 0;
    for (int bound : upperBounds) {
        if (bound <= previous)
            throw ShapeError("bleuByLength: expected strictly increasing upper bounds ≥ 1, found "
                             + std::to_string(bound) + " after " + std::to_string(previous));
        LengthBucket b;
        b.minLength = previous + 1;
        b.maxLength = bound;
        buckets.push_back(b);
        previous = bound;
    }
    LengthBucket last;
    last.minLength = previous + 1;
    buckets.push_back(last);

    for (std::size_t i = 0; i < sourceLengths.size(); ++i) {
        for (auto& b : buckets) {
            if (sourceLengths[i] <= b.maxLength) {  // lengths ≤ 0 fall in the first bucket
                b.stats += perSentence[i];
                ++b.sentences;
                break;
            }
        }
    }
    for (auto& b : buckets)
        if (b.sentences > 0 && (b.stats.hypLength > 0 || b.stats.refLength > 0))
            b.bleu = bleuScore(b.stats);
    return buckets;
}

} // namespace attnviz
