// attnviz-example documents (SPEC §5): every bad-input class through the loader, the samples,
// switching the score function, what-if edits, and JSON/CBOR/trace round-trips.
#include "core/formats/error.h"
#include "core/formats/example.h"
#include "core/formats/json_io.h"
#include "core/formats/trace.h"
#include "input_failure.h"

#include <QtTest>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include <cmath>
#include <random>
#include <string>

using namespace attnviz;

namespace {

const QString kSamples = QStringLiteral(ATTNVIZ_SAMPLES_DIR "/examples");
const QString kBad = QStringLiteral(ATTNVIZ_TESTDATA_DIR "/bad_examples");

std::string textbookPath()
{
    return (kSamples + QStringLiteral("/textbook_dot.json")).toStdString();
}

using attnviz_test::Failure;
using attnviz_test::inputFailure;

void writeFile(const QString& path, const QByteArray& bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    QCOMPARE(f.write(bytes), qint64(bytes.size()));
}

// The header of an example as CBOR: a map of 4 entries whose last key is "encoder_states" (value follows).
QByteArray cborHeaderThenEncoderStates()
{
    QByteArray b;
    b += char(0xA4);
    b += char(0x66) + QByteArray("format") + char(0x6F) + QByteArray("attnviz-example");
    b += char(0x67) + QByteArray("version") + char(0x01);
    b += char(0x65) + QByteArray("score") + char(0x63) + QByteArray("dot");
    b += char(0x6E) + QByteArray("encoder_states");
    return b;
}

} // namespace

class TestExampleIo : public QObject {
    Q_OBJECT
private slots:
    void badFixtures_data();
    void badFixtures();
    void generatedBadInputs();
    void failedLoadChangesNothing();
    void mangledInputsNeverCrash();
    void textbook();
    void everySampleAttends();
    void cborSamplesMatchJson();
    void switchScore();
    void switchScoreUsesFileParameters();
    void jsonAndCborRoundTrip();
    void withValueRecomputes();
    void traceRoundTrip();
    void traceRejectsInconsistentSteps();
};

void TestExampleIo::badFixtures_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("pointer");
    QTest::addColumn<QString>("says");
    QFile list(kBad + QStringLiteral("/expected.tsv"));
    QVERIFY(list.open(QIODevice::ReadOnly | QIODevice::Text));
    int rows = 0;
    while (!list.atEnd()) {
        const QString line = QString::fromUtf8(list.readLine()).trimmed();
        if (line.isEmpty() || line.startsWith(QLatin1Char('#')))
            continue;
        const QStringList parts = line.split(QLatin1Char('\t'));
        QCOMPARE(parts.size(), 3);
        QTest::newRow(qPrintable(parts[0])) << kBad + QLatin1Char('/') + parts[0] << parts[1] << parts[2];
        ++rows;
    }
    QVERIFY(rows >= 30);
}

void TestExampleIo::badFixtures()
{
    QFETCH(QString, file);
    QFETCH(QString, pointer);
    QFETCH(QString, says);
    const Failure f = inputFailure([&] { loadExample(file.toStdString()); });
    QVERIFY2(f.thrown, "loaded without an error");
    QCOMPARE(QString::fromStdString(f.file), file);
    QCOMPARE(QString::fromStdString(f.where), pointer);
    const QString msg = QString::fromStdString(f.message);
    QVERIFY2(msg.startsWith(file + QStringLiteral(": ") + pointer + QStringLiteral(": ")), qPrintable(msg));
    QVERIFY2(msg.contains(says), qPrintable(msg));
    QVERIFY(!msg.contains(QLatin1Char('\n')));
    // the same document from memory names the name it was given
    if (!file.endsWith(QStringLiteral("json")))
        return;
    QFile in(file);
    QVERIFY(in.open(QIODevice::ReadOnly));
    const Failure g = inputFailure([&] {
        exampleFromJson(parseDocument(in.readAll().toStdString(), false, "memory", exampleLimits()), "memory");
    });
    QVERIFY(g.thrown);
    QCOMPARE(g.file, std::string("memory"));
    QCOMPARE(QString::fromStdString(g.where), pointer);
}

// Bad inputs too large or too binary to keep as fixtures, generated at run time.
void TestExampleIo::generatedBadInputs()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    struct Case {
        QString name;
        QString pointerStart;  // the pointer must start with this ("" = no pointer)
        QString says;
    };
    std::vector<Case> cases;

    // 10,000 levels of nesting in JSON and in CBOR
    const QByteArray header = R"({"format": "attnviz-example", "version": 1, "score": "dot", "encoder_states": )";
    writeFile(dir.filePath("deep.json"), header + QByteArray(10000, '[') + QByteArray(10000, ']') + "}");
    cases.push_back({"deep.json", "/encoder_states/0/0/0", "at most 32 levels"});
    writeFile(dir.filePath("deep.cbor"), cborHeaderThenEncoderStates() + QByteArray(10000, char(0x81)) + char(0x00));
    cases.push_back({"deep.cbor", "/encoder_states/0/0/0", "at most 32 levels"});
    // 50 MB (sparse: refused from its size before reading)
    {
        QFile big(dir.filePath("big.json"));
        QVERIFY(big.open(QIODevice::WriteOnly));
        QVERIFY(big.resize(50LL * 1000 * 1000));
    }
    cases.push_back({"big.json", "", "at most 16 MiB"});
    // truncated CBOR
    const std::string good = dir.filePath("good.cbor").toStdString();
    saveExample(good, loadExample(textbookPath()));
    QFile g(QString::fromStdString(good));
    QVERIFY(g.open(QIODevice::ReadOnly));
    const QByteArray cbor = g.readAll();
    writeFile(dir.filePath("truncated.cbor"), cbor.left(cbor.size() / 2));
    cases.push_back({"truncated.cbor", "/", "expected valid CBOR"});
    // NaN stored as a CBOR float
    json doc = exampleToJson(loadExample(textbookPath()));
    doc["decoder_states"][0][1] = std::nan("");
    const std::vector<std::uint8_t> nanBytes = json::to_cbor(doc);
    writeFile(dir.filePath("nan.cbor"), QByteArray(reinterpret_cast<const char*>(nanBytes.data()), int(nanBytes.size())));
    cases.push_back({"nan.cbor", "/decoder_states/0/1", "expected a finite number, found NaN"});
    // a small file (800 KB) whose trace would hold 10^10 numbers
    QByteArray rows = "[";
    for (int i = 0; i < 100000; ++i)
        rows += i ? ",[0]" : "[0]";
    rows += "]";
    writeFile(dir.filePath("huge_trace.json"),
              R"({"format": "attnviz-example", "version": 1, "score": "dot", "encoder_states": )" + rows + R"(, "decoder_states": )" + rows + "}");
    cases.push_back({"huge_trace.json", "/decoder_states", "at most 8000000 numbers"});

    for (const Case& c : cases) {
        const QString path = dir.filePath(c.name);
        const Failure f = inputFailure([&] { loadExample(path.toStdString()); });
        QVERIFY2(f.thrown, qPrintable(c.name));
        QCOMPARE(QString::fromStdString(f.file), path);
        const QString msg = QString::fromStdString(f.message);
        QVERIFY2(msg.startsWith(path + QStringLiteral(": ") + c.pointerStart), qPrintable(msg));
        QVERIFY2(msg.contains(c.says), qPrintable(msg));
        QVERIFY(!msg.contains(QLatin1Char('\n')));
    }

    // finite numbers whose dot products overflow: the loader accepts them, the step refuses them
    writeFile(dir.filePath("overflow.json"),
              R"({"format": "attnviz-example", "version": 1, "score": "dot", "encoder_states": [[1e200, 1e200]], "decoder_states": [[1e200, 1e200]]})");
    const Example ex = loadExample(dir.filePath("overflow.json").toStdString());
    QVERIFY_THROWS_EXCEPTION(ShapeError, exampleTrace(ex));
}

void TestExampleIo::failedLoadChangesNothing()
{
    Example ex = loadExample(textbookPath());
    const Mat before = ex.encoderStates;
    try {
        ex = loadExample((kBad + QStringLiteral("/ragged_rows.json")).toStdString());
        QFAIL("expected an InputError");
    } catch (const InputError&) {
    }
    QVERIFY(ex.encoderStates == before);
    QCOMPARE(ex.score.id(), std::string("dot"));
}

// Every prefix of a sample and random byte changes: an InputError (or a valid example), nothing else.
void TestExampleIo::mangledInputsNeverCrash()
{
    for (const QString& name : {QStringLiteral("additive_good_morning.json"), QStringLiteral("additive_good_morning.cbor")}) {
        QFile f(kSamples + QLatin1Char('/') + name);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const std::string bytes = f.readAll().toStdString();
        const bool cbor = name.endsWith(QStringLiteral(".cbor"));
        auto load = [&](const std::string& b) { return exampleFromJson(parseDocument(b, cbor, "m", exampleLimits()), "m"); };
        // a JSON prefix that still holds the closing brace (only the trailing newline cut) is valid
        const std::size_t complete = cbor ? bytes.size() : bytes.find_last_not_of(" \n") + 1;
        for (std::size_t len = 0; len < complete; ++len) {
            QVERIFY2(inputFailure([&] { load(bytes.substr(0, len)); }).thrown, qPrintable(QStringLiteral("prefix %1").arg(len)));
        }
        std::mt19937 rng(5);
        int rejected = 0;
        for (int trial = 0; trial < 2000; ++trial) {
            std::string m = bytes;
            for (int k = 0; k < 3; ++k)
                m[rng() % m.size()] = static_cast<char>(rng() % 256);
            try {
                load(m);
            } catch (const InputError& e) {
                ++rejected;
                QVERIFY(std::string(e.what()).find("m: ") == 0);
            }
        }
        QVERIFY(rejected > 100);
    }
}

void TestExampleIo::textbook()
{
    const Example ex = loadExample(textbookPath());
    QCOMPARE(ex.sourceTokens, (Tokens{"I", "am", "a", "student"}));
    const Trace t = exampleTrace(ex);
    QCOMPARE(t.steps.size(), std::size_t{1});
    const StepTrace& s = t.steps[0];
    QCOMPARE(s.t, 1);
    QCOMPARE(s.token, std::string("je"));
    QVERIFY(s.attention.has_value());
    // SPEC §1: dot scores 15, 60, 15, 35; context ≈ [5, 0, 1]
    QCOMPARE(s.attention->scores(0), 15.0);
    QCOMPARE(s.attention->scores(1), 60.0);
    QCOMPARE(s.attention->scores(2), 15.0);
    QCOMPARE(s.attention->scores(3), 35.0);
    QVERIFY(std::fabs(s.attention->context(0) - 5) < 1e-9);
    QVERIFY(std::fabs(s.attention->context(1) - 0) < 1e-9);
    QVERIFY(std::fabs(s.attention->context(2) - 1) < 1e-9);
}

void TestExampleIo::everySampleAttends()
{
    const QStringList files = QDir(kSamples).entryList({QStringLiteral("*.json"), QStringLiteral("*.cbor")}, QDir::Files);
    QVERIFY(files.size() >= 8);
    QSet<QString> kinds;
    for (const QString& name : files) {
        const Example ex = loadExample((kSamples + QLatin1Char('/') + name).toStdString());
        kinds.insert(QString::fromStdString(ex.score.id()));
        QVERIFY2(!ex.title.empty(), qPrintable(name));
        QCOMPARE(ex.sourceTokens.size(), std::size_t(ex.encoderStates.rows()));
        QCOMPARE(ex.targetTokens.size(), std::size_t(ex.decoderStates.rows()));
        const Trace t = exampleTrace(ex);
        QCOMPARE(t.steps.size(), std::size_t(ex.decoderStates.rows()));
        if (!name.startsWith(QStringLiteral("textbook")))
            QVERIFY2(t.steps.size() >= 2 && t.steps.size() <= 4, qPrintable(name));
        for (const StepTrace& s : t.steps) {
            QVERIFY(s.attention->weights.allFinite());
            QVERIFY2(std::fabs(s.attention->weights.sum() - 1.0) < 1e-12, qPrintable(name));
            QVERIFY(!s.token.empty());
        }
    }
    // one sample per score function of SPEC §2
    for (const std::string& id : allScoreIds())
        QVERIFY2(kinds.contains(QString::fromStdString(id)), id.c_str());
}

void TestExampleIo::cborSamplesMatchJson()
{
    const QStringList files = QDir(kSamples).entryList({QStringLiteral("*.cbor")}, QDir::Files);
    QVERIFY(!files.isEmpty());
    for (const QString& name : files) {
        const QString base = kSamples + QLatin1Char('/') + name.chopped(5);
        const json fromCbor = exampleToJson(loadExample((base + QStringLiteral(".cbor")).toStdString()));
        const json fromJson = exampleToJson(loadExample((base + QStringLiteral(".json")).toStdString()));
        QVERIFY2(fromCbor == fromJson, qPrintable(name));
    }
}

void TestExampleIo::switchScore()
{
    const Example ex = loadExample(textbookPath());
    // scaled_dot divides by √dk = √3: 15/√3 = 8.660254037844387, 60/√3 = 34.64101615137755
    const Trace t = exampleTrace(withScore(ex, ScoreKind::ScaledDot));
    QCOMPARE(t.score, std::string("scaled_dot"));
    QVERIFY(std::fabs(t.steps[0].attention->scores(0) - 8.660254037844387) < 1e-14);
    QVERIFY(std::fabs(t.steps[0].attention->scores(1) - 34.64101615137755) < 1e-13);
    QVERIFY(std::fabs(t.steps[0].attention->scores(3) - 35.0 / std::sqrt(3.0)) < 1e-13);
    QCOMPARE(exampleTrace(withScore(ex, ScoreKind::Cosine)).score, std::string("cosine"));
    // functions that need parameters the file lacks: bad input at /score naming the parameter
    for (const auto& [kind, param] : {std::pair{ScoreKind::General, "\"W\""}, std::pair{ScoreKind::Additive, "\"W_q\""},
                                     std::pair{ScoreKind::Location, "\"W_loc\""}}) {
        const Failure f = inputFailure([&, k = kind] { withScore(ex, k); });
        QVERIFY(f.thrown);
        QCOMPARE(f.where, std::string("/score"));
        QCOMPARE(f.file, textbookPath());
        QVERIFY2(QString::fromStdString(f.message).contains(QString::fromUtf8(param)), f.message.c_str());
    }
    QCOMPARE(ex.score.id(), std::string("dot"));  // the original is unchanged
}

void TestExampleIo::switchScoreUsesFileParameters()
{
    // "parameters" holds parameters for other score functions, so switching needs no invented values.
    const json doc = json::parse(R"({"format": "attnviz-example", "version": 1,
        "encoder_states": [[1, 0], [0, 1], [1, 1]], "decoder_states": [[1, 2]], "score": "dot",
        "parameters": {"W": [[1, 2], [0, 1]], "W_loc": [[1, 0], [0, 1]]}})");
    const Example ex = exampleFromJson(doc, "p.json");
    // general with W = [[1, 2], [0, 1]]: sᵀW = [1, 4] → scores 1, 4, 5
    const Trace t = exampleTrace(withScore(ex, ScoreKind::General));
    QCOMPARE(t.steps[0].attention->scores(2), 5.0);
    // location's max_len = 2 < n = 3: bad input naming both numbers
    const Failure f = inputFailure([&] { withScore(ex, ScoreKind::Location); });
    QVERIFY(f.thrown);
    QVERIFY2(QString::fromStdString(f.message).contains("max_len = 2") && QString::fromStdString(f.message).contains("n = 3"), f.message.c_str());
    // saving keeps the offered parameters, and the switched function's own
    const Example switched = withScore(ex, ScoreKind::General);
    const json saved = exampleToJson(switched);
    QCOMPARE(saved["score"]["type"].get<std::string>(), std::string("general"));
    QVERIFY(saved["parameters"].contains("W_loc"));
    const Example again = exampleFromJson(saved, "again.json");
    QVERIFY(again.score.params().W == switched.score.params().W);
    QVERIFY(again.availableParams.W_loc == ex.availableParams.W_loc);
}

void TestExampleIo::jsonAndCborRoundTrip()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QStringList files = QDir(kSamples).entryList({QStringLiteral("*.json")}, QDir::Files);
    for (const QString& name : files) {
        const Example ex = loadExample((kSamples + QLatin1Char('/') + name).toStdString());
        for (const QString& ext : {QStringLiteral(".json"), QStringLiteral(".cbor")}) {
            const std::string out = dir.filePath(name + ext).toStdString();
            saveExample(out, ex);
            const Example back = loadExample(out);
            QVERIFY(back.encoderStates == ex.encoderStates);
            QVERIFY(back.decoderStates == ex.decoderStates);
            QCOMPARE(back.sourceTokens, ex.sourceTokens);
            QCOMPARE(back.targetTokens, ex.targetTokens);
            QCOMPARE(back.title, ex.title);
            QCOMPARE(back.score.id(), ex.score.id());
            QVERIFY(exampleToJson(back) == exampleToJson(ex));
            QCOMPARE(back.file, out);
        }
    }
}

void TestExampleIo::withValueRecomputes()
{
    const Example ex = loadExample(textbookPath());
    // h_2 = [5, 0, 1] → [0, 0, 1]: its dot score 60 becomes sᵀh = 10, so "student" (35) wins
    const Example edited = withValue(ex, "encoder", 1, 0, 0.0);
    const Trace t = exampleTrace(edited);
    QCOMPARE(t.steps[0].attention->scores(1), 10.0);
    QCOMPARE(t.steps[0].attention->scores(3), 35.0);
    Eigen::Index best = 0;
    t.steps[0].attention->weights.maxCoeff(&best);
    QCOMPARE(best, Eigen::Index(3));
    QCOMPARE(ex.encoderStates(1, 0), 5.0);  // the original is untouched
    // the query: s = [10, 5, 10] → [10, 5, 0] scores [5, 50, 15, 25]
    const Trace q = exampleTrace(withValue(ex, "decoder", 0, 2, 0.0));
    QCOMPARE(q.steps[0].attention->scores(1), 50.0);
    QCOMPARE(q.steps[0].query(2), 0.0);
    QVERIFY_THROWS_EXCEPTION(ShapeError, withValue(ex, "encoder", 4, 0, 1.0));
    QVERIFY_THROWS_EXCEPTION(ShapeError, withValue(ex, "decoder", 0, -1, 1.0));
    QVERIFY_THROWS_EXCEPTION(ShapeError, withValue(ex, "keys", 0, 0, 1.0));
    QVERIFY_THROWS_EXCEPTION(ShapeError, withValue(ex, "encoder", 0, 0, std::nan("")));
}

void TestExampleIo::traceRoundTrip()
{
    for (const QString& name : QDir(kSamples).entryList({QStringLiteral("*.json")}, QDir::Files)) {
        Trace t = exampleTrace(loadExample((kSamples + QLatin1Char('/') + name).toStdString()));
        // the optional parts a model fills in
        t.architecture = "luong";
        t.steps[0].decoderStates = {Vec::Constant(2, 0.25), Vec::Constant(3, -1.5)};
        t.steps[0].topK = {{"je", 4, 0.75}, {"tu", 9, 0.125}};
        t.steps[0].prob = 0.75;
        const json j = traceToJson(t);
        // through text (the --json output) and back
        const Trace back = traceFromJson(json::parse(dumpReadable(j)), "t.json");
        QCOMPARE(traceToJson(back), j);
        QCOMPARE(back.sourceTokens, t.sourceTokens);
        QCOMPARE(back.targetTokens, t.targetTokens);
        QVERIFY(back.encoderStates == t.encoderStates);
        QCOMPARE(back.steps.size(), t.steps.size());
        for (std::size_t i = 0; i < t.steps.size(); ++i) {
            const StepTrace& a = t.steps[i];
            const StepTrace& b = back.steps[i];
            QCOMPARE(b.t, a.t);
            QCOMPARE(b.token, a.token);
            QVERIFY(b.query == a.query);
            QVERIFY(b.attention->scores == a.attention->scores);
            QVERIFY(b.attention->weights == a.attention->weights);  // exact: full precision in the text
            QVERIFY(b.attention->alignment == a.attention->alignment);
            QVERIFY(b.attention->context == a.attention->context);
        }
        QCOMPARE(back.steps[0].topK[1].id, 9);
        QCOMPARE(back.steps[0].topK[1].prob, 0.125);
        QVERIFY(back.steps[0].decoderStates[1] == t.steps[0].decoderStates[1]);
        QCOMPARE(*back.steps[0].prob, 0.75);
    }
}

void TestExampleIo::traceRejectsInconsistentSteps()
{
    json j = traceToJson(exampleTrace(loadExample(textbookPath())));
    json badWeights = j;
    badWeights["steps"][0]["weights"].erase(0);
    Failure f = inputFailure([&] { traceFromJson(badWeights, "t.json"); });
    QCOMPARE(f.where, std::string("/steps/0/weights"));
    json badAlignment = j;
    badAlignment["steps"][0]["alignment"].erase(0);
    f = inputFailure([&] { traceFromJson(badAlignment, "t.json"); });
    QCOMPARE(f.where, std::string("/steps/0/alignment"));
    json badFormat = j;
    badFormat["format"] = "attnviz-example";
    f = inputFailure([&] { traceFromJson(badFormat, "t.json"); });
    QCOMPARE(f.where, std::string("/format"));
    json noT = j;
    noT["steps"][0].erase("t");
    f = inputFailure([&] { traceFromJson(noT, "t.json"); });
    QCOMPARE(f.where, std::string("/steps/0/t"));
}

QTEST_GUILESS_MAIN(TestExampleIo)
#include "tst_example_io.moc"
