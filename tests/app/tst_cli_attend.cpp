// `attnviz attend EXAMPLE [--score ID] [--json]` as a process (SPEC §6): the textbook table, trace JSON,
// score switching, and exit status 2 with one line on stderr (and nothing on stdout) for every bad input.
#include "core/formats/json_io.h"
#include "core/formats/trace.h"
#include "core/formats/npy.h"
#include "core/formats/zip_reader.h"

#include <QtTest>

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>

#include <cmath>

using namespace attnviz;

namespace {

const QString kSamples = QStringLiteral(ATTNVIZ_SAMPLES_DIR "/examples");
const QString kBad = QStringLiteral(ATTNVIZ_TESTDATA_DIR "/bad_examples");
const QString kTextbook = kSamples + QStringLiteral("/textbook_dot.json");

struct Run {
    int exitCode = -1;
    bool finished = false;
    QString out, err;
};

Run attend(const QStringList& args)
{
    QProcess p;
    p.setProgram(QStringLiteral(ATTNVIZ_BIN));
    p.setArguments(QStringList{QStringLiteral("attend")} + args);
    p.start();
    Run r;
    if (!p.waitForStarted(60000)) {
        r.err = QStringLiteral("could not start ") + p.program();
        return r;
    }
    // generous: only a hang (or a crash) may exceed it; no test here measures speed
    r.finished = p.waitForFinished(120000);
    if (!r.finished)
        p.kill();
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

// Exit 2, stdout empty, exactly one line on stderr that starts with "attnviz attend: FILE: POINTER".
void checkBadInput(const Run& r, const QString& file, const QString& pointerStart, const QString& says)
{
    QVERIFY2(r.finished, qPrintable(QStringLiteral("the process hung or did not start: ") + r.err));
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.out.isEmpty(), qPrintable(r.out.left(200)));
    QVERIFY2(r.err.endsWith(QLatin1Char('\n')) && r.err.count(QLatin1Char('\n')) == 1, qPrintable(r.err));
    QVERIFY2(r.err.startsWith(QStringLiteral("attnviz attend: ") + file + QStringLiteral(": ") + pointerStart), qPrintable(r.err));
    QVERIFY2(r.err.contains(says), qPrintable(r.err));
}

json traceOf(const Run& r)
{
    return json::parse(r.out.toStdString());
}

void writeFile(const QString& path, const QByteArray& bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    QCOMPARE(f.write(bytes), qint64(bytes.size()));
}

} // namespace

class TestCliAttend : public QObject {
    Q_OBJECT
private slots:
    void textbookTable();
    void textbookJson();
    void scoreSwitch();
    void scoreSwitchNeedsParameters();
    void usageErrors_data();
    void usageErrors();
    void badFixtures_data();
    void badFixtures();
    void generatedBadInputs();
    void everySample();
    void arrayFilesMatchJson_data();
    void arrayFilesMatchJson();
    void badArrayFiles_data();
    void badArrayFiles();
    void numbersOut();
};

void TestCliAttend::textbookTable()
{
    const Run r = attend({kTextbook});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.err.isEmpty(), qPrintable(r.err));
    // encoder state | score | softmax | alignment vector, then the context row
    const QStringList lines = r.out.split(QLatin1Char('\n'));
    auto row = [&](const QString& pattern) {
        const QRegularExpression re(pattern);
        for (const QString& l : lines)
            if (re.match(l).hasMatch())
                return true;
        return false;
    };
    QVERIFY2(row(QStringLiteral("^Step 1 → je .*\\[10, 5, 10\\].*dot")), qPrintable(r.out));
    QVERIFY(row(QStringLiteral("encoder state.*score.*softmax.*alignment")));
    QVERIFY(row(QStringLiteral("^1 +I +\\[0, 1, 1\\] +15 +0 +\\[0, 0, 0\\]$")));
    QVERIFY(row(QStringLiteral("^2 +am +\\[5, 0, 1\\] +60 +1 +\\[5, 0, 1\\]$")));
    QVERIFY(row(QStringLiteral("^3 +a +\\[1, 1, 0\\] +15 +0 +\\[0, 0, 0\\]$")));
    QVERIFY(row(QStringLiteral("^4 +student +\\[0, 5, 1\\] +35 +0 +\\[0, 0, 0\\]$")));
    QVERIFY(row(QStringLiteral("^ +context +1 +\\[5, 0, 1\\]$")));
}

void TestCliAttend::textbookJson()
{
    const Run r = attend({kTextbook, QStringLiteral("--json")});
    QCOMPARE(r.exitCode, 0);
    QVERIFY(r.err.isEmpty());
    const Trace t = traceFromJson(traceOf(r), "stdout");
    QCOMPARE(t.score, std::string("dot"));
    QCOMPARE(t.steps.size(), std::size_t{1});
    const AttentionResult& a = *t.steps[0].attention;
    QCOMPARE(a.scores(0), 15.0);
    QCOMPARE(a.scores(1), 60.0);
    QCOMPARE(a.scores(2), 15.0);
    QCOMPARE(a.scores(3), 35.0);
    QVERIFY(std::fabs(a.weights(0) - 2.9e-20) < 0.1e-20);  // SPEC §1: ≈ 2.9e-20
    QVERIFY(std::fabs(a.weights(3) - 1.4e-11) < 0.1e-11);
    QVERIFY(std::fabs(a.context(0) - 5) < 1e-9 && std::fabs(a.context(1)) < 1e-9 && std::fabs(a.context(2) - 1) < 1e-9);
    // readable: a vector on one line
    QVERIFY(r.out.contains(QStringLiteral("\"scores\": [15.0, 60.0, 15.0, 35.0]")));
    // the same through the CBOR copy
    const Run c = attend({kSamples + QStringLiteral("/textbook_dot.cbor"), QStringLiteral("--json")});
    QCOMPARE(c.exitCode, 0);
    QCOMPARE(c.out, r.out);
}

void TestCliAttend::scoreSwitch()
{
    // scaled_dot on the textbook: 15/√3, 60/√3, 15/√3, 35/√3
    const Run r = attend({kTextbook, QStringLiteral("--score"), QStringLiteral("scaled_dot"), QStringLiteral("--json")});
    QCOMPARE(r.exitCode, 0);
    const json j = traceOf(r);
    QCOMPARE(j["score"].get<std::string>(), std::string("scaled_dot"));
    const json& e = j["steps"][0]["scores"];
    QVERIFY(std::fabs(e[0].get<double>() - 8.660254037844387) < 1e-14);
    QVERIFY(std::fabs(e[1].get<double>() - 34.64101615137755) < 1e-13);
    QVERIFY(std::fabs(e[3].get<double>() - 35 / std::sqrt(3.0)) < 1e-13);
    // --score=ID works too, and the table names the function
    const Run t = attend({kTextbook, QStringLiteral("--score=cosine")});
    QCOMPARE(t.exitCode, 0);
    QVERIFY(t.out.contains(QStringLiteral("score: cosine")));
    // the general sample switched to dot: its states are 3-dimensional like its queries
    const Run g = attend({kSamples + QStringLiteral("/general_i_love_you.json"), QStringLiteral("--score"), QStringLiteral("dot")});
    QCOMPARE(g.exitCode, 0);
}

void TestCliAttend::scoreSwitchNeedsParameters()
{
    const Run r = attend({kTextbook, QStringLiteral("--score"), QStringLiteral("general")});
    checkBadInput(r, kTextbook, QStringLiteral("/score: "), QStringLiteral("\"W\""));
    const Run l = attend({kTextbook, QStringLiteral("--score"), QStringLiteral("location"), QStringLiteral("--json")});
    checkBadInput(l, kTextbook, QStringLiteral("/score: "), QStringLiteral("\"W_loc\""));
    // additive's alias needs W_q, W_k and v
    const Run c = attend({kTextbook, QStringLiteral("--score"), QStringLiteral("concat")});
    checkBadInput(c, kTextbook, QStringLiteral("/score: "), QStringLiteral("\"W_q\""));
    // dq ≠ dk: the location sample (dq = dk = 2) is fine with dot, the additive sample (dq = 2, dk = 3) is not
    const QString additive = kSamples + QStringLiteral("/additive_good_morning.json");
    const Run d = attend({additive, QStringLiteral("--score"), QStringLiteral("dot")});
    checkBadInput(d, additive, QStringLiteral("/score: "), QStringLiteral("dq = 2 and encoder state size dk = 3"));
}

void TestCliAttend::usageErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("says");
    QTest::newRow("no file") << QStringList{} << "missing argument";
    QTest::newRow("two files") << QStringList{kTextbook, kTextbook} << "unexpected argument";
    QTest::newRow("unknown option") << QStringList{kTextbook, QStringLiteral("--beam"), QStringLiteral("3")} << "unknown option --beam";
    QTest::newRow("score without id") << QStringList{kTextbook, QStringLiteral("--score")} << "needs a value";
    QTest::newRow("unknown score") << QStringList{kTextbook, QStringLiteral("--score"), QStringLiteral("bilinear")} << "found \"bilinear\"";
    QTest::newRow("json with value") << QStringList{kTextbook, QStringLiteral("--json=yes")} << "takes no value";
    QTest::newRow("missing file") << QStringList{QStringLiteral("/nonexistent/x.json")} << "no such file";
    QTest::newRow("directory") << QStringList{kSamples} << "directory";
}

void TestCliAttend::usageErrors()
{
    QFETCH(QStringList, args);
    QFETCH(QString, says);
    const Run r = attend(args);
    QCOMPARE(r.exitCode, 2);
    QVERIFY(r.out.isEmpty());
    QVERIFY2(r.err.startsWith(QStringLiteral("attnviz attend: ")) && r.err.contains(says), qPrintable(r.err));
}

void TestCliAttend::badFixtures_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("pointer");
    QTest::addColumn<QString>("says");
    QFile list(kBad + QStringLiteral("/expected.tsv"));
    QVERIFY(list.open(QIODevice::ReadOnly | QIODevice::Text));
    while (!list.atEnd()) {
        const QString line = QString::fromUtf8(list.readLine()).trimmed();
        if (line.isEmpty() || line.startsWith(QLatin1Char('#')))
            continue;
        const QStringList parts = line.split(QLatin1Char('\t'));
        QTest::newRow(qPrintable(parts[0])) << kBad + QLatin1Char('/') + parts[0] << parts.value(1) << parts.value(2);
    }
}

void TestCliAttend::badFixtures()
{
    QFETCH(QString, file);
    QFETCH(QString, pointer);
    QFETCH(QString, says);
    // with and without --json in turn (each process start costs time; both paths share the loader)
    static int row = 0;
    const QStringList args = (row++ % 2) ? QStringList{file, QStringLiteral("--json")} : QStringList{file};
    checkBadInput(attend(args), file, pointer + QStringLiteral(": "), says);
}

void TestCliAttend::generatedBadInputs()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QByteArray header = R"({"format": "attnviz-example", "version": 1, "score": "dot", "encoder_states": )";
    // 10,000 levels of nesting, JSON and CBOR
    writeFile(dir.filePath(QStringLiteral("deep.json")), header + QByteArray(10000, '[') + QByteArray(10000, ']') + "}");
    checkBadInput(attend({dir.filePath(QStringLiteral("deep.json"))}), dir.filePath(QStringLiteral("deep.json")),
                  QStringLiteral("/encoder_states/0/0/0"), QStringLiteral("at most 32 levels"));
    QByteArray cbor;
    cbor += char(0xA1);
    cbor += char(0x6E) + QByteArray("encoder_states");
    cbor += QByteArray(10000, char(0x81)) + char(0x00);
    writeFile(dir.filePath(QStringLiteral("deep.cbor")), cbor);
    checkBadInput(attend({dir.filePath(QStringLiteral("deep.cbor"))}), dir.filePath(QStringLiteral("deep.cbor")),
                  QStringLiteral("/encoder_states/0/0/0"), QStringLiteral("at most 32 levels"));
    // 50 MB: refused from its size (sparse file)
    {
        QFile big(dir.filePath(QStringLiteral("big.json")));
        QVERIFY(big.open(QIODevice::WriteOnly));
        QVERIFY(big.resize(50LL * 1000 * 1000));
    }
    checkBadInput(attend({dir.filePath(QStringLiteral("big.json"))}), dir.filePath(QStringLiteral("big.json")), QString(),
                  QStringLiteral("at most 16 MiB, found 50000000 bytes"));
    // truncated CBOR: the first half of the sample
    QFile sample(kSamples + QStringLiteral("/textbook_dot.cbor"));
    QVERIFY(sample.open(QIODevice::ReadOnly));
    const QByteArray full = sample.readAll();
    for (int cut : {1, int(full.size()) / 2, int(full.size()) - 1}) {
        const QString path = dir.filePath(QStringLiteral("cut%1.cbor").arg(cut));
        writeFile(path, full.left(cut));
        checkBadInput(attend({path}), path, QStringLiteral("/"), QStringLiteral("expected valid CBOR"));
    }
    // an 800 KB file whose trace would hold 10^10 numbers: refused, not computed
    QByteArray rows = "[";
    for (int i = 0; i < 100000; ++i)
        rows += i ? ",[0]" : "[0]";
    rows += "]";
    writeFile(dir.filePath(QStringLiteral("huge.json")), header + rows + R"(, "decoder_states": )" + rows + "}");
    checkBadInput(attend({dir.filePath(QStringLiteral("huge.json"))}), dir.filePath(QStringLiteral("huge.json")),
                  QStringLiteral("/decoder_states: "), QStringLiteral("at most 8000000 numbers"));
    // finite numbers whose dot products overflow
    writeFile(dir.filePath(QStringLiteral("overflow.json")), header + "[[1e200, 1e200]], \"decoder_states\": [[1e200, 1e200]]}");
    checkBadInput(attend({dir.filePath(QStringLiteral("overflow.json"))}), dir.filePath(QStringLiteral("overflow.json")),
                  QStringLiteral("/encoder_states: "), QStringLiteral("not a finite number"));
}

void TestCliAttend::everySample()
{
    const QStringList files = QDir(kSamples).entryList({QStringLiteral("*.json"), QStringLiteral("*.cbor")}, QDir::Files);
    QVERIFY(files.size() >= 8);
    for (const QString& name : files) {
        const QString path = kSamples + QLatin1Char('/') + name;
        if (name.endsWith(QStringLiteral(".json"))) {
            const Run table = attend({path});
            QCOMPARE(table.exitCode, 0);
            QVERIFY2(table.out.contains(QStringLiteral("context")), qPrintable(name));
        }
        const Run r = attend({path, QStringLiteral("--json")});
        QCOMPARE(r.exitCode, 0);
        const Trace t = traceFromJson(traceOf(r), name.toStdString());
        QVERIFY(!t.steps.empty());
        for (const StepTrace& s : t.steps)
            QVERIFY2(std::fabs(s.attention->weights.sum() - 1.0) < 1e-12, qPrintable(name));
    }
}

// SPEC §5 "Hidden states from numerical tools": the same table and trace as the JSON example holding those
// values (fixtures from tools/make_array_fixtures.py; a missing one fails).
const QString kArrays = QStringLiteral(ATTNVIZ_TESTDATA_DIR "/arrays/");

void TestCliAttend::arrayFilesMatchJson_data()
{
    QTest::addColumn<QString>("file");
    for (const char* f : {"states_mixed.npz", "states.safetensors", "states.pt"})
        QTest::newRow(f) << QString::fromLatin1(f);
}

void TestCliAttend::arrayFilesMatchJson()
{
    QFETCH(QString, file);
    QVERIFY2(QFile::exists(kArrays + file), qPrintable(QStringLiteral("missing fixture; run /usr/bin/python3 tools/make_array_fixtures.py")));
    for (const QString& mode : {QStringLiteral("--json"), QStringLiteral("--score")}) {
        QStringList args{QStringLiteral("--score"), QStringLiteral("general")};
        if (mode == QStringLiteral("--json"))
            args << mode;
        const Run ref = attend(QStringList{kArrays + QStringLiteral("states.json")} + args);
        const Run r = attend(QStringList{kArrays + file} + args);
        QCOMPARE(ref.exitCode, 0);
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.err.isEmpty(), qPrintable(r.err));
        QCOMPARE(r.out, ref.out);
    }
    // npz without tokens, default dot: same numbers as the JSON example with dot.
    const Run dot = attend({kArrays + QStringLiteral("states.npz"), QStringLiteral("--json")});
    QCOMPARE(dot.exitCode, 0);
    const Trace t = traceFromJson(traceOf(dot), "stdout");
    QCOMPARE(t.score, std::string("dot"));
    QCOMPARE(t.steps.size(), std::size_t{2});
}

void TestCliAttend::badArrayFiles_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("pointer");
    QTest::addColumn<QString>("says");
    QFile list(kArrays + QStringLiteral("bad.tsv"));
    QVERIFY2(list.open(QIODevice::ReadOnly | QIODevice::Text), "missing tests/data/arrays/bad.tsv");
    while (!list.atEnd()) {
        const QString line = QString::fromUtf8(list.readLine()).trimmed();
        if (line.isEmpty() || line.startsWith(QLatin1Char('#')))
            continue;
        const QStringList parts = line.split(QLatin1Char('\t'));
        QTest::newRow(qPrintable(parts[0])) << kArrays + parts[0] << parts.value(1) << parts.value(2);
    }
    QTest::newRow("general without W") << kArrays + QStringLiteral("general_without_W.npz") << QStringLiteral("W") << QStringLiteral("needs an array named W");
}

void TestCliAttend::badArrayFiles()
{
    QFETCH(QString, file);
    QFETCH(QString, pointer);
    QFETCH(QString, says);
    QStringList args{file};
    if (file.endsWith(QStringLiteral("general_without_W.npz")))
        args << QStringLiteral("--score") << QStringLiteral("general");
    const Run r = attend(args);
    checkBadInput(r, file, pointer.isEmpty() ? QString() : pointer + QStringLiteral(": "), says);
    QVERIFY2(!r.out.contains(QStringLiteral("attnviz-must-not-run-this")) && !r.err.contains(QStringLiteral("attnviz-must-not-run-this")), "the pickle ran");
}

// Numbers out: --format csv (long format on stdout) and --format npz -o FILE (np.load-able arrays).
void TestCliAttend::numbersOut()
{
    const QString pt = kArrays + QStringLiteral("states.pt");
    const Run csv = attend({pt, QStringLiteral("--score"), QStringLiteral("general"), QStringLiteral("--format"), QStringLiteral("csv")});
    QCOMPARE(csv.exitCode, 0);
    const QStringList lines = csv.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.first(), QStringLiteral("t,target_token,quantity,index,source_token,value"));
    QCOMPARE(lines.size(), 1 + 2 * (4 + 4 + 3));  // 2 steps × (4 scores, 4 weights, 3 context numbers)
    QVERIFY2(lines.contains(QStringLiteral("1,je,score,4,st\u00fcdent,78.125")), qPrintable(csv.out));

    QTemporaryDir dir;
    const QString out = dir.filePath(QStringLiteral("n.npz"));
    const Run npz = attend({pt, QStringLiteral("--score"), QStringLiteral("general"), QStringLiteral("--format"), QStringLiteral("npz"), QStringLiteral("-o"), out});
    QCOMPARE(npz.exitCode, 0);
    QVERIFY(npz.out.isEmpty());
    QFile f(out);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const std::string bytes = f.readAll().toStdString();
    ZipReader zip(bytes, "n.npz", ArrayLimits());
    ArrayFile arrays;
    long long total = 0;
    readNpy(zip.read("weights.npy", "weights"), "n.npz", "W", ArrayLimits(), arrays, total);
    readNpy(zip.read("source_tokens.npy", "source_tokens"), "n.npz", "source_tokens", ArrayLimits(), arrays, total);
    QCOMPARE(arrays.arrays.at("W").shape, (std::vector<long long>{2, 4}));
    const Trace ref = traceFromJson(traceOf(attend({pt, QStringLiteral("--score"), QStringLiteral("general"), QStringLiteral("--json")})), "ref");
    for (int j = 0; j < 4; ++j)
        QCOMPARE(arrays.arrays.at("W").data[static_cast<std::size_t>(4 + j)], ref.steps[1].attention->weights(j));
    QCOMPARE(arrays.strings.at("source_tokens").at(3), std::string("st\xc3\xbc" "dent"));

    QCOMPARE(attend({pt, QStringLiteral("--format"), QStringLiteral("npz")}).exitCode, 2);  // needs -o
    QCOMPARE(attend({pt, QStringLiteral("--format"), QStringLiteral("xml")}).exitCode, 2);
}

QTEST_GUILESS_MAIN(TestCliAttend)
#include "tst_cli_attend.moc"
