// Corpus BLEU-4 (Papineni et al. 2002) against hand-computed cases; the arithmetic is in the comments.
#include "core/formats/error.h"
#include "core/train/bleu.h"

#include <QtTest>

#include <cmath>

using namespace attnviz;

namespace {

constexpr double kTol = 1e-9;  // BLEU values are closed-form; only rounding separates them

BleuStats stats(const char* hyp, const char* ref)
{
    return bleuStats(std::string(hyp), std::string(ref));
}

using Counts = std::array<long long, kBleuMaxOrder>;

} // namespace

class TestBleu : public QObject {
    Q_OBJECT
private slots:
    void identicalCorpusIs100();
    void clippedUnigrams();
    void partialMatches();
    void brevityPenalty();
    void longerHypothesisHasNoPenalty();
    void zeroFourGramMatchesGiveZero();
    void shortSentencesGiveZeroNotNaN();
    void statsAreAdditive();
    void lengthBuckets();
    void lengthBucketErrors();
    void emptyInputIsAnError();
};

// Every n-gram of each hypothesis is in its reference and c = r, so p_1..p_4 = 1 and BP = e^0 = 1.
void TestBleu::identicalCorpusIs100()
{
    const std::vector<std::string> corpus{"the cat sat on the mat", "a dog ran in the big park today",
                                          "¿ dónde está el coche rojo ?"};
    QCOMPARE(corpusBleu(corpus, corpus), 100.0);
    const BleuStats s = stats("the cat sat on the mat", "the cat sat on the mat");
    QCOMPARE(s.matches, (Counts{6, 5, 4, 3}));
    QCOMPARE(s.totals, (Counts{6, 5, 4, 3}));
    QCOMPARE(s.brevityPenalty(), 1.0);
}

// Papineni et al. 2002 §2.1 style example: hypothesis "the" ×7, reference "the cat is on the mat".
// Unigram "the": 7 in the hypothesis, clipped to its 2 in the reference → p1 = 2/7.
// Bigram "the the" ×6 never occurs in the reference → p2 = 0/6, so BLEU = 0.
void TestBleu::clippedUnigrams()
{
    const BleuStats s = stats("the the the the the the the", "the cat is on the mat");
    QCOMPARE(s.matches, (Counts{2, 0, 0, 0}));
    QCOMPARE(s.totals, (Counts{7, 6, 5, 4}));
    QCOMPARE(s.hypLength, 7LL);
    QCOMPARE(s.refLength, 6LL);
    QVERIFY(std::fabs(s.precision(1) - 2.0 / 7.0) < kTol);
    QCOMPARE(s.brevityPenalty(), 1.0);  // c = 7 > r = 6
    QCOMPARE(bleuScore(s), 0.0);
}

// hyp "the cat sat on a mat", ref "the cat sat on the mat" (c = r = 6, BP = 1):
//   1-grams: the cat sat on mat match, "a" does not         → 5/6
//   2-grams: the·cat cat·sat sat·on match; on·a a·mat don't → 3/5
//   3-grams: the·cat·sat cat·sat·on match; 2 don't          → 2/4
//   4-grams: the·cat·sat·on matches; 2 don't                → 1/3
// BLEU = 100 · (5/6 · 3/5 · 2/4 · 1/3)^(1/4) = 100 · (1/12)^(1/4) = 53.7284965911771
void TestBleu::partialMatches()
{
    const BleuStats s = stats("the cat sat on a mat", "the cat sat on the mat");
    QCOMPARE(s.matches, (Counts{5, 3, 2, 1}));
    QCOMPARE(s.totals, (Counts{6, 5, 4, 3}));
    QVERIFY(std::fabs(bleuScore(s) - 53.7284965911771) < kTol);
}

// hyp "the cat sat on the" (c = 5) is a prefix of ref "the cat sat on the mat" (r = 6): every
// precision is 1 (5/5, 4/4, 3/3, 2/2) and BP = exp(1 − 6/5) = exp(−0.2) → BLEU = 81.87307530779819.
void TestBleu::brevityPenalty()
{
    const BleuStats s = stats("the cat sat on the", "the cat sat on the mat");
    QCOMPARE(s.matches, (Counts{5, 4, 3, 2}));
    QCOMPARE(s.totals, (Counts{5, 4, 3, 2}));
    QVERIFY(std::fabs(s.brevityPenalty() - std::exp(-0.2)) < kTol);
    QVERIFY(std::fabs(bleuScore(s) - 81.87307530779819) < kTol);
}

// The reverse: hyp = ref + "today" (c = 7 > r = 6) → BP = 1; precisions 6/7, 5/6, 4/5, 3/4:
// product = 360/840 = 3/7, BLEU = 100 · (3/7)^(1/4) = 80.91067115702212.
void TestBleu::longerHypothesisHasNoPenalty()
{
    const BleuStats s = stats("the cat sat on the mat today", "the cat sat on the mat");
    QCOMPARE(s.brevityPenalty(), 1.0);
    QCOMPARE(s.matches, (Counts{6, 5, 4, 3}));
    QCOMPARE(s.totals, (Counts{7, 6, 5, 4}));
    QVERIFY(std::fabs(bleuScore(s) - 100.0 * std::pow(3.0 / 7.0, 0.25)) < kTol);
    QVERIFY(std::fabs(bleuScore(s) - 80.91067115702212) < kTol);
}

// ref "one two three four five six", hyp "one two three six four five":
//   1-grams 6/6; 2-grams one·two two·three four·five → 3/5; 3-grams one·two·three → 1/4;
//   4-grams none of one·two·three·six, two·three·six·four, three·six·four·five → 0/3 → BLEU 0.
void TestBleu::zeroFourGramMatchesGiveZero()
{
    const BleuStats s = stats("one two three six four five", "one two three four five six");
    QCOMPARE(s.matches, (Counts{6, 3, 1, 0}));
    QCOMPARE(s.totals, (Counts{6, 5, 4, 3}));
    QVERIFY(s.precision(3) > 0.0);
    QCOMPARE(bleuScore(s), 0.0);
}

// A 2-token sentence has no 3- or 4-grams (totals 0): its sentence BLEU-4 is 0, not NaN.
// An empty hypothesis against a non-empty reference has c = 0: BLEU 0 as well.
void TestBleu::shortSentencesGiveZeroNotNaN()
{
    const BleuStats two = stats("the cat", "the cat");
    QCOMPARE(two.totals, (Counts{2, 1, 0, 0}));
    QCOMPARE(two.precision(3), 0.0);
    const double b = bleuScore(two);
    QVERIFY(!std::isnan(b));
    QCOMPARE(b, 0.0);
    const BleuStats empty = stats("", "the cat sat");
    QCOMPARE(empty.hypLength, 0LL);
    QCOMPARE(empty.brevityPenalty(), 0.0);
    QCOMPARE(bleuScore(empty), 0.0);
    QVERIFY_THROWS_EXCEPTION(ShapeError, two.precision(5));
}

// Sentence A = identical 6 tokens: matches {6,5,4,3}, totals {6,5,4,3}, c = r = 6.
// Sentence B = the clipping case:   matches {2,0,0,0}, totals {7,6,5,4}, c = 7, r = 6.
// Sum: matches {8,5,4,3}, totals {13,11,9,7}, c = 13 > r = 12 → BP = 1;
// BLEU = 100 · (8·5·4·3 / (13·11·9·7))^(1/4) = 100 · (480/9009)^(1/4) = 48.044221728783064,
// which is not the mean of the sentence scores (100 and 0): corpus BLEU sums counts first.
void TestBleu::statsAreAdditive()
{
    const BleuStats a = stats("the cat sat on the mat", "the cat sat on the mat");
    const BleuStats b = stats("the the the the the the the", "the cat is on the mat");
    const BleuStats sum = a + b;
    QCOMPARE(sum.matches, (Counts{8, 5, 4, 3}));
    QCOMPARE(sum.totals, (Counts{13, 11, 9, 7}));
    QCOMPARE(sum.hypLength, 13LL);
    QCOMPARE(sum.refLength, 12LL);
    QVERIFY(sum == b + a);
    BleuStats acc;
    acc += a;
    acc += b;
    QVERIFY(acc == sum);
    QVERIFY(std::fabs(bleuScore(sum) - 48.044221728783064) < kTol);
    const double corpus = corpusBleu(std::vector<std::string>{"the cat sat on the mat", "the the the the the the the"},
                                     std::vector<std::string>{"the cat sat on the mat", "the cat is on the mat"});
    QVERIFY(std::fabs(corpus - bleuScore(sum)) < kTol);
}

// Bounds {5, 10, 15} → buckets [1..5] [6..10] [11..15] [16..∞).
//   source length 3: identical sentence      {6,5,4,3}/{6,5,4,3}
//   source length 4: "the cat sat on a mat"  {5,3,2,1}/{6,5,4,3}
//     bucket 1 sum: matches {11,8,6,4}, totals {12,10,8,6}, c = r = 12 → BP 1,
//     BLEU = 100 · (11/12 · 8/10 · 6/8 · 4/6)^(1/4) = 77.81581271306612
//   source length 7: the clipping case → bucket 2 BLEU 0
//   source length 12: the brevity case → bucket 3 BLEU 81.87307530779819
//   nothing longer than 15 → bucket 4 empty, no score
void TestBleu::lengthBuckets()
{
    const std::vector<BleuStats> per{stats("the cat sat on the mat", "the cat sat on the mat"),
                                     stats("the the the the the the the", "the cat is on the mat"),
                                     stats("the cat sat on a mat", "the cat sat on the mat"),
                                     stats("the cat sat on the", "the cat sat on the mat")};
    const std::vector<int> lengths{3, 7, 4, 12};
    const std::vector<LengthBucket> buckets = bleuByLength(lengths, per, {5, 10, 15});
    QCOMPARE(buckets.size(), std::size_t(4));
    QCOMPARE(buckets[0].minLength, 1);
    QCOMPARE(buckets[0].maxLength, 5);
    QCOMPARE(buckets[1].minLength, 6);
    QCOMPARE(buckets[2].maxLength, 15);
    QCOMPARE(buckets[3].minLength, 16);
    QCOMPARE(buckets[3].maxLength, std::numeric_limits<int>::max());
    QCOMPARE(buckets[0].sentences, 2);
    QCOMPARE(buckets[1].sentences, 1);
    QCOMPARE(buckets[2].sentences, 1);
    QCOMPARE(buckets[3].sentences, 0);
    QCOMPARE(buckets[0].stats.matches, (Counts{11, 8, 6, 4}));
    QVERIFY(buckets[0].bleu.has_value());
    QVERIFY(std::fabs(*buckets[0].bleu - 77.81581271306612) < kTol);
    QCOMPARE(*buckets[1].bleu, 0.0);
    QVERIFY(std::fabs(*buckets[2].bleu - 81.87307530779819) < kTol);
    QVERIFY(!buckets[3].bleu.has_value());
    // The buckets partition the corpus: their stats add up to the corpus stats.
    BleuStats total;
    for (const auto& b : buckets)
        total += b.stats;
    QVERIFY(total == per[0] + per[1] + per[2] + per[3]);
}

void TestBleu::lengthBucketErrors()
{
    const std::vector<BleuStats> per{stats("a b", "a b")};
    QVERIFY_THROWS_EXCEPTION(ShapeError, bleuByLength({1, 2}, per, {5}));
    QVERIFY_THROWS_EXCEPTION(ShapeError, bleuByLength({1}, per, {5, 5}));
    QVERIFY_THROWS_EXCEPTION(ShapeError, bleuByLength({1}, per, {0}));
    QCOMPARE(bleuByLength({1}, per, {}).size(), std::size_t(1));  // one open bucket [1..∞)
}

void TestBleu::emptyInputIsAnError()
{
    QVERIFY_THROWS_EXCEPTION(ShapeError, corpusBleu(std::vector<std::string>{}, std::vector<std::string>{}));
    QVERIFY_THROWS_EXCEPTION(ShapeError,
                             corpusBleu(std::vector<std::string>{"a b c d"}, std::vector<std::string>{}));
    QVERIFY_THROWS_EXCEPTION(ShapeError, bleuScore(BleuStats{}));
    QVERIFY_THROWS_EXCEPTION(ShapeError, corpusBleu(std::vector<std::string>{""}, std::vector<std::string>{" "}));
    try {
        corpusBleu(std::vector<std::string>{"a", "b"}, std::vector<std::string>{"a"});
        QFAIL("no exception");
    } catch (const ShapeError& e) {
        QVERIFY(std::string(e.what()).find("1 references for 2 hypotheses") != std::string::npos);
    }
}

QTEST_GUILESS_MAIN(TestBleu)
#include "tst_bleu.moc"
