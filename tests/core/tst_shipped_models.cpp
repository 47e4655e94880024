// The models shipped in samples/models/: they load, carry a title and example sentences, translate their
// examples, and keep their quality on freshly generated held-out data (a small sample here; the README's
// figures are on 1,000 examples).
#include "core/model/decoding.h"
#include "core/model/merge_words.h"
#include "core/model/model.h"
#include "core/train/bleu.h"
#include "core/train/tasks.h"

#include <QtTest>

using namespace attnviz;

namespace {

std::string modelPath(const char* name)
{
    return std::string(ATTNVIZ_SAMPLES_DIR) + "/models/" + name + ".cbor";
}

std::string joined(const Trace& t, const Model& m)
{
    return m.detokenizeTarget(t.targetTokens);
}

// Exact-match accuracy of greedy decoding on `pairs`.
double accuracy(const Model& m, const std::vector<TextPair>& pairs)
{
    int right = 0;
    for (const TextPair& p : pairs)
        right += joined(translate(m, p.source).best, m) == p.target ? 1 : 0;
    return static_cast<double>(right) / static_cast<double>(pairs.size());
}

} // namespace

class TestShippedModels : public QObject {
    Q_OBJECT
private slots:
    void examplesTranslate_data();
    void examplesTranslate();
    void heldOutQuality_data();
    void heldOutQuality();
    void typedEnglishSpanish_data();
    void typedEnglishSpanish();
    void typedEnglishSpanishReorders_data();
    void typedEnglishSpanishReorders();
};

void TestShippedModels::examplesTranslate_data()
{
    QTest::addColumn<QString>("name");
    QTest::newRow("dates_bahdanau") << QStringLiteral("dates_bahdanau");
    QTest::newRow("dates_luong") << QStringLiteral("dates_luong");
    QTest::newRow("dates_seq2seq") << QStringLiteral("dates_seq2seq");
    QTest::newRow("dates_transformer") << QStringLiteral("dates_transformer");
    QTest::newRow("reverse_bahdanau") << QStringLiteral("reverse_bahdanau");
}

// The English → Spanish models retrained on the everyday corpus with SentencePiece pieces (issue 11): typed
// examples and typed sentences never give <unk>, corpus BLEU on the first 300 sentences of the everyday test
// split and on all of the hand-typed held-out set (typed.tsv; the README's table uses the 3,000 test sentences).
void TestShippedModels::typedEnglishSpanish_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<double>("minimumTestBleu");
    QTest::addColumn<double>("minimumTypedBleu");
    QTest::addColumn<bool>("contentWords");  // the sentences with every content word (the attention models)
    // Measured when each model was added (float32 file, greedy; all 2,969 test sentences / the 162 typed ones, and
    // the first 300 test sentences): bahdanau 93.33 / 68.39 (92.87), seq2seq_attention 92.22 / 68.49 (90.69),
    // luong 91.87 / 65.01 (90.42), transformer 94.06 / 73.57 (93.92), gnmt 91.53 / 66.84 (90.77). The minimums are about 5 points below the
    // first 300 and the typed set (rounding differences between machines flip a few greedy choices); the bar
    // for attention models is 60 on the test split and 40 on typed text; seq2seq, without attention, is reported,
    // not held to it: seq2seq 51.81 / 32.85 (50.17).
    QTest::newRow("en_es_bahdanau") << QStringLiteral("en_es_bahdanau") << 88.0 << 63.0 << true;
    QTest::newRow("en_es_seq2seq_attention") << QStringLiteral("en_es_seq2seq_attention") << 85.0 << 63.0 << true;
    QTest::newRow("en_es_luong") << QStringLiteral("en_es_luong") << 85.0 << 60.0 << true;
    QTest::newRow("en_es_transformer") << QStringLiteral("en_es_transformer") << 88.0 << 68.0 << true;
    QTest::newRow("en_es_gnmt") << QStringLiteral("en_es_gnmt") << 86.0 << 62.0 << true;
    QTest::newRow("en_es_seq2seq") << QStringLiteral("en_es_seq2seq") << 45.0 << 27.0 << false;
}

void TestShippedModels::typedEnglishSpanish()
{
    QFETCH(QString, name);
    QFETCH(double, minimumTestBleu);
    QFETCH(double, minimumTypedBleu);
    QFETCH(bool, contentWords);
    const Model m = loadModel(modelPath(qPrintable(name)));
    QVERIFY(!m.title.empty());
    QVERIFY(m.tokenizerKind() == TokenizerKind::SentencePiece);
    QVERIFY(m.examples.size() >= 4);
    for (const std::string& e : m.examples) {
        const std::string out = joined(translate(m, e).best, m);
        QVERIFY2(!out.empty() && out.find("<unk>") == std::string::npos, (e + " → " + out).c_str());
    }
    const auto bleuOn = [&](std::vector<TextPair> pairs, std::size_t atMost) {
        if (pairs.size() > atMost)
            pairs.resize(atMost);
        std::vector<std::string> hyps, refs;
        for (const TextPair& p : pairs) {
            hyps.push_back(joined(translate(m, p.source).best, m));
            refs.push_back(p.target);
            if (hyps.back().find("<unk>") != std::string::npos) {  // the issue: no <unk> in any output
                qWarning("%s: \"%s\" → \"%s\"", qPrintable(name), p.source.c_str(), hyps.back().c_str());
                return -1.0;
            }
        }
        return corpusBleu(hyps, refs);
    };
    const std::string data = std::string(ATTNVIZ_SAMPLES_DIR) + "/data/en-es/";
    const std::vector<TextPair> test = readParallelFile(data + "everyday-test.tsv.gz");
    QVERIFY(test.size() >= 2000);
    const std::vector<TextPair> typed = readParallelFile(data + "typed.tsv");
    QVERIFY(typed.size() >= 150);
    const double testBleu = bleuOn(test, 300), typedBleu = bleuOn(typed, typed.size());
    qInfo("%s: BLEU %.2f on the first 300 test sentences, %.2f on the %zu typed ones", qPrintable(name), testBleu,
          typedBleu, typed.size());
    QVERIFY2(testBleu >= minimumTestBleu, qPrintable(QStringLiteral("test BLEU %1 < %2").arg(testBleu).arg(minimumTestBleu)));
    QVERIFY2(typedBleu >= minimumTypedBleu,
             qPrintable(QStringLiteral("typed BLEU %1 < %2").arg(typedBleu).arg(minimumTypedBleu)));
    if (contentWords) {
        // the sentences, typed as people type them: every content word translated
        const std::string out = joined(translate(m, "I went to the park with my dog.").best, m);
        for (const char* w : {"parque", "perro"})
            QVERIFY2(out.find(w) != std::string::npos, out.c_str());
        // Apertium cannot say the third; the respelt corpus can
        const std::string station = joined(translate(m, "Where is the train station?").best, m);
        for (const char* w : {"estación", "tren", "¿", "?"})
            QVERIFY2(station.find(w) != std::string::npos, station.c_str());
    }
}

// "The red car is very fast.": the adjective follows the noun in Spanish, and the attention crosses over: while
// writing "coche" the model looks at "car", while writing "rojo" at "red" (pieces merged into words). For the
// transformer the weights are its last decoder layer's cross-attention, the mean of its heads (the window's default).
void TestShippedModels::typedEnglishSpanishReorders_data()
{
    QTest::addColumn<QString>("name");
    QTest::newRow("en_es_bahdanau") << QStringLiteral("en_es_bahdanau");
    QTest::newRow("en_es_transformer") << QStringLiteral("en_es_transformer");
    QTest::newRow("en_es_gnmt") << QStringLiteral("en_es_gnmt");
}

void TestShippedModels::typedEnglishSpanishReorders()
{
    QFETCH(QString, name);
    const Model m = loadModel(modelPath(qPrintable(name)));
    const Trace pieces = translate(m, "The red car is very fast.").best;
    const Trace t = mergeWords(pieces);
    const std::string out = joined(pieces, m);
    QVERIFY2(out.rfind("El coche rojo es muy", 0) == 0, out.c_str());
    QVERIFY(t.steps.size() >= 3);
    auto argmax = [&](std::size_t step) {
        Eigen::Index j = 0;
        t.steps[step].attention->weights.maxCoeff(&j);
        return t.sourceTokens[static_cast<std::size_t>(j)];
    };
    QCOMPARE(t.targetTokens[1], std::string("coche"));
    QCOMPARE(argmax(1), std::string("car"));
    QCOMPARE(t.targetTokens[2], std::string("rojo"));
    QCOMPARE(argmax(2), std::string("red"));
}

void TestShippedModels::examplesTranslate()
{
    QFETCH(QString, name);
    const Model m = loadModel(modelPath(qPrintable(name)));
    QVERIFY(!m.title.empty());
    QVERIFY(m.examples.size() >= 4);
    // Hand-written answers for the example sentences (dates: the ISO date; reverse: the string reversed).
    const std::map<std::string, std::string> dates{
        {"25th of November 2026", "2026-11-25"}, {"Wednesday, November 25, 2026", "2026-11-25"},
        {"nov 25 2026", "2026-11-25"},           {"05.01.1999", "1999-01-05"},
        {"11/25/2026", "2026-11-25"},            {"2026/11/25", "2026-11-25"},
        {"Nov 3rd, 1984", "1984-11-03"},         {"1 January 2000", "2000-01-01"}};
    int right = 0;
    for (const std::string& e : m.examples) {
        std::string want;
        if (name.startsWith(QLatin1String("dates"))) {
            QVERIFY2(dates.count(e), e.c_str());
            want = dates.at(e);
        } else {
            want.assign(e.rbegin(), e.rend());
        }
        const std::string got = joined(translate(m, e).best, m);
        right += got == want ? 1 : 0;
        if (got != want)
            qInfo("%s: \"%s\" → \"%s\" (expected \"%s\")", qPrintable(name), e.c_str(), got.c_str(), want.c_str());
    }
    // The attention models get every example right; the seq2seq baseline (97% held out) may miss one.
    const int allowed = name == QLatin1String("dates_seq2seq") ? 1 : 0;
    QVERIFY2(right >= static_cast<int>(m.examples.size()) - allowed,
             qPrintable(QStringLiteral("%1 of %2 examples right").arg(right).arg(m.examples.size())));
}

void TestShippedModels::heldOutQuality_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<double>("minimum");
    QTest::newRow("dates_bahdanau") << QStringLiteral("dates_bahdanau") << 0.98;
    QTest::newRow("dates_luong") << QStringLiteral("dates_luong") << 0.98;
    QTest::newRow("dates_transformer") << QStringLiteral("dates_transformer") << 0.98;
    QTest::newRow("reverse_bahdanau") << QStringLiteral("reverse_bahdanau") << 0.97;
}

void TestShippedModels::heldOutQuality()
{
    QFETCH(QString, name);
    QFETCH(double, minimum);
    const Model m = loadModel(modelPath(qPrintable(name)));
    // Seed 987654 is used by no training run (the trainer's validation and training streams use the --seed).
    const std::vector<TextPair> pairs = name.startsWith(QLatin1String("dates")) ? generateDates(200, 987654) : generateReverse(200, 987654);
    const double acc = accuracy(m, pairs);
    qInfo("%s: %.1f%% exact match on 200 held-out examples", qPrintable(name), 100.0 * acc);
    QVERIFY2(acc >= minimum, qPrintable(QStringLiteral("accuracy %1 < %2").arg(acc).arg(minimum)));
}

QTEST_GUILESS_MAIN(TestShippedModels)
#include "tst_shipped_models.moc"
