// attnviz translate (SPEC §6) run as a process on the golden models: output text, JSON traces,
// --file, --beam, and exit 2 with a message on stderr (nothing on stdout) for bad input.
#include "cli_run.h"

#include <QtTest>

#include <cstdlib>
#include <sys/stat.h>

#include <QDir>
#include <QRegularExpression>
#include <QTemporaryDir>

#include <nlohmann/json.hpp>

#include <fstream>

using json = nlohmann::json;
using attnviz_test::attnviz;
using attnviz_test::golden;
using attnviz_test::Run;
using attnviz_test::writeFile;

namespace {

json readJson(const QString& file)
{
    std::ifstream in(file.toStdString());
    return json::parse(in);
}

QByteArray joined(const json& tokens, const char* sep)
{
    std::string s;
    for (std::size_t i = 0; i < tokens.size(); ++i)
        s += (i ? sep : "") + tokens[i].get<std::string>();
    return QByteArray::fromStdString(s);
}

} // namespace

class TestCliTranslate : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void sentence();
    void charTokenizer();
    void jsonTrace();
    void precision();
    void fileOfSentences();
    void beam();
    void bleuAgainstReferences();
    void bleuBucketsCountWords();
    void whatIf();
    void badInput_data();
    void badInput();
    void transformer();

private:
    QTemporaryDir dir_;
};

void TestCliTranslate::initTestCase()
{
    QVERIFY2(QFile::exists(golden("index.json")), qPrintable(QStringLiteral("the checked-in golden fixtures are missing: ") + golden("index.json")));
    QVERIFY(dir_.isValid());
}

void TestCliTranslate::sentence()
{
    const json trace = readJson(golden("bahdanau.trace.json"));
    const Run r = attnviz({QStringLiteral("translate"), golden("bahdanau.model.json"),
                           QString::fromStdString(trace["source"].get<std::string>())});
    QCOMPARE(r.status, 0);
    QVERIFY2(r.err.isEmpty(), r.err.constData());
    QCOMPARE(r.out, joined(trace["target_tokens"], " ") + "\n");
}

void TestCliTranslate::charTokenizer()
{
    const json trace = readJson(golden("bahdanau_char.trace.json"));
    const Run r = attnviz({QStringLiteral("translate"), golden("bahdanau_char.model.json"),
                           QString::fromStdString(trace["source"].get<std::string>())});
    QCOMPARE(r.status, 0);
    QCOMPARE(r.out, joined(trace["target_tokens"], "") + "\n");
}

void TestCliTranslate::jsonTrace()
{
    const json want = readJson(golden("luong_general.trace.json"));
    const Run r = attnviz({QStringLiteral("translate"), golden("luong_general.model.json"),
                           QString::fromStdString(want["source"].get<std::string>()), QStringLiteral("--json"),
                           QStringLiteral("--precision"), QStringLiteral("float64")});
    QCOMPARE(r.status, 0);
    const json got = json::parse(r.out.toStdString());
    QCOMPARE(got["format"].get<std::string>(), std::string("attnviz-trace"));
    QCOMPARE(got["target_tokens"], want["target_tokens"]);
    QCOMPARE(got["steps"].size(), want["steps"].size());
    QVERIFY(std::fabs(got["steps"][0]["weights"][0].get<double>() - want["steps"][0]["weights"][0].get<double>()) < 1e-9);
}

// --precision (issue 17): float32 is the default and agrees with float64, the golden reference, within 1e-4 —
// same tokens, every attention weight and probability; only float32 and float64 are accepted.
void TestCliTranslate::precision()
{
    const json want = readJson(golden("luong_general.trace.json"));
    const QString source = QString::fromStdString(want["source"].get<std::string>());
    const Run f = attnviz({QStringLiteral("translate"), golden("luong_general.model.json"), source, QStringLiteral("--json")});
    const Run d = attnviz({QStringLiteral("translate"), golden("luong_general.model.json"), source, QStringLiteral("--json"),
                           QStringLiteral("--precision"), QStringLiteral("float64")});
    const Run f2 = attnviz({QStringLiteral("translate"), golden("luong_general.model.json"), source, QStringLiteral("--json"),
                            QStringLiteral("--precision"), QStringLiteral("float32")});
    QCOMPARE(f.status, 0);
    QCOMPARE(d.status, 0);
    QCOMPARE(f2.out, f.out);  // the default is float32
    QVERIFY(f.out != d.out);  // and it is not float64: the last digits differ
    const json a = json::parse(f.out.toStdString()), b = json::parse(d.out.toStdString());
    QCOMPARE(a["target_tokens"], want["target_tokens"]);
    QCOMPARE(b["target_tokens"], want["target_tokens"]);
    double worst = 0.0;
    for (std::size_t i = 0; i < a["steps"].size(); ++i) {
        const json& x = a["steps"][i];
        const json& y = b["steps"][i];
        worst = std::max(worst, std::fabs(x["prob"].get<double>() - y["prob"].get<double>()));
        for (std::size_t j = 0; j < x["weights"].size(); ++j)
            worst = std::max(worst, std::fabs(x["weights"][j].get<double>() - y["weights"][j].get<double>()));
    }
    QVERIFY2(worst <= 1e-4, qPrintable(QString::number(worst)));
    QVERIFY(worst > 0.0);
}

void TestCliTranslate::fileOfSentences()
{
    const json trace = readJson(golden("seq2seq_lstm.trace.json"));
    const QString file = dir_.filePath(QStringLiteral("in.txt"));
    const std::string s = trace["source"].get<std::string>();
    writeFile(file, s + "\nthe\r\n" + s + "\n");
    const Run r = attnviz({QStringLiteral("translate"), golden("seq2seq_lstm.model.json"), QStringLiteral("--file"), file});
    QCOMPARE(r.status, 0);
    const QList<QByteArray> lines = r.out.split('\n');
    QCOMPARE(lines.size(), 4);  // three outputs and the final newline
    QCOMPARE(lines[0], joined(trace["target_tokens"], " "));
    QCOMPARE(lines[2], lines[0]);
    QVERIFY(lines[3].isEmpty());
    // --json with --file: one trace a line
    const Run j = attnviz({QStringLiteral("translate"), golden("seq2seq_lstm.model.json"), QStringLiteral("--file"), file, QStringLiteral("--json")});
    QCOMPARE(j.status, 0);
    const QList<QByteArray> docs = j.out.trimmed().split('\n');
    QCOMPARE(docs.size(), 3);
    for (const QByteArray& d : docs) QCOMPARE(json::parse(d.toStdString())["format"].get<std::string>(), std::string("attnviz-trace"));
}

void TestCliTranslate::beam()
{
    const json want = readJson(golden("bahdanau.beam3.json"));
    const Run r = attnviz({QStringLiteral("translate"), golden("bahdanau.model.json"),
                           QString::fromStdString(want["source"].get<std::string>()), QStringLiteral("--beam"), QStringLiteral("3")});
    QCOMPARE(r.status, 0);
    QCOMPARE(r.out, joined(want["tokens"], " ") + "\n");
}

// --ref: stdout unchanged, the BLEU report on stderr; exact references score 100, a wrong one less.
void TestCliTranslate::bleuAgainstReferences()
{
    const QString model = golden("seq2seq_lstm.model.json");
    const std::string s = readJson(golden("seq2seq_lstm.trace.json"))["source"].get<std::string>();
    const QString file = dir_.filePath(QStringLiteral("bleu.txt")), ref = dir_.filePath(QStringLiteral("bleu.ref"));
    writeFile(file, s + "\nthe\n" + s + "\n");
    const Run plain = attnviz({QStringLiteral("translate"), model, QStringLiteral("--file"), file});
    QCOMPARE(plain.status, 0);
    writeFile(ref, plain.out.toStdString());  // the model's own output as references
    const Run same = attnviz({QStringLiteral("translate"), model, QStringLiteral("--file"), file, QStringLiteral("--ref"), ref});
    QCOMPARE(same.status, 0);
    QCOMPARE(same.out, plain.out);
    QVERIFY2(same.err.startsWith("BLEU 100.00 on 3 sentences"), same.err.constData());
    QVERIFY2(same.err.contains("brevity penalty 1.000"), same.err.constData());
    QVERIFY2(same.err.contains("source words   sentences   BLEU"), same.err.constData());

    const QList<QByteArray> outs = plain.out.split('\n');
    writeFile(ref, outs[0].toStdString() + "\nqqq rrr sss ttt uuu vvv www xxx\n" + outs[2].toStdString() + " extra words here\n");
    const Run other = attnviz({QStringLiteral("translate"), model, QStringLiteral("--file"), file, QStringLiteral("--ref"), ref,
                               QStringLiteral("--buckets"), QStringLiteral("1,3")});
    QCOMPARE(other.status, 0);
    const double bleu = other.err.mid(5, other.err.indexOf(' ', 5) - 5).toDouble();
    QVERIFY2(bleu > 0.0 && bleu < 100.0, other.err.constData());
    QVERIFY2(other.err.contains("brevity penalty") && !other.err.contains("brevity penalty 1.000"), other.err.constData());
    // buckets [1], [2..3], [4+]: "the" (1 word) alone in the first
    QVERIFY2(QString::fromUtf8(other.err).contains(QRegularExpression(QStringLiteral("\n1 +1 +[0-9.]+\n"))), other.err.constData());
    QVERIFY2(other.err.contains(QByteArray("\n2-3 ")) && other.err.contains(QByteArray("\n4+ ")), other.err.constData());
}

// --buckets count a source sentence's words between spaces, not the model's pieces: "The red car is very fast." is
// 6 words (SentencePiece makes more pieces of it, the final "." among them), so it falls in the bucket 1–6.
void TestCliTranslate::bleuBucketsCountWords()
{
    const QString model = QStringLiteral(ATTNVIZ_SAMPLES_DIR "/models/en_es_seq2seq_attention.cbor");
    const QString file = dir_.filePath(QStringLiteral("words.txt")), ref = dir_.filePath(QStringLiteral("words.ref"));
    writeFile(file, "The red car is very fast.\n");
    writeFile(ref, "El coche rojo es muy rápido.\n");
    const Run pieces = attnviz({QStringLiteral("translate"), model, QStringLiteral("The red car is very fast."), QStringLiteral("--json")});
    QCOMPARE(pieces.status, 0);
    QVERIFY(json::parse(pieces.out.toStdString())["source_tokens"].size() > 6);
    const Run r = attnviz({QStringLiteral("translate"), model, QStringLiteral("--file"), file, QStringLiteral("--ref"), ref,
                           QStringLiteral("--buckets"), QStringLiteral("5,6")});
    QCOMPARE(r.status, 0);
    QVERIFY2(QString::fromUtf8(r.err).contains(QRegularExpression(QStringLiteral("\n6 +1 +[0-9.]+\n"))), r.err.constData());
    QVERIFY2(QString::fromUtf8(r.err).contains(QRegularExpression(QStringLiteral("\n7\\+ +0 +-\n"))), r.err.constData());
}

// SPEC §4 what-if decoding from the command line: --prefix forces the first tokens and keeps their
// probabilities; --attention-override replaces a step's weights and marks it.
void TestCliTranslate::whatIf()
{
    const json trace = readJson(golden("bahdanau.trace.json"));
    const QString sentence = QString::fromStdString(trace["source"].get<std::string>());
    const json model = readJson(golden("bahdanau.model.json"));
    const std::string plainFirst = trace["target_tokens"][0].get<std::string>();
    std::string other;  // a target word the model did not choose first
    for (const json& w : model["vocab"]["target"])
        if (w.get<std::string>()[0] != '<' && w.get<std::string>() != plainFirst) {
            other = w.get<std::string>();
            break;
        }
    const Run forced = attnviz({QStringLiteral("translate"), golden("bahdanau.model.json"), sentence, QStringLiteral("--prefix"),
                                QString::fromStdString(other), QStringLiteral("--json")});
    QCOMPARE(forced.status, 0);
    const json f = json::parse(forced.out.toStdString());
    QCOMPARE(f["steps"][0]["token"].get<std::string>(), other);
    QVERIFY(f["steps"][0]["forced"].get<bool>());
    QVERIFY(!f["steps"][1].contains("forced"));
    const double given = f["steps"][0]["prob"].get<double>();
    QVERIFY2(given > 0.0 && given < f["steps"][0]["top_k"][0]["prob"].get<double>(), forced.out.constData());

    const int n = static_cast<int>(trace["source_tokens"].size());
    json ov{{"format", "attnviz-override"}, {"version", 1}, {"steps", json::array()}};
    json w = json::array();
    for (int j = 0; j < n; ++j) w.push_back(j == n - 1 ? 2.0 : 0.0);
    ov["steps"].push_back({{"t", 1}, {"weights", w}});
    const QString ovFile = dir_.filePath(QStringLiteral("attnviz_tst_override.json"));
    writeFile(ovFile, ov.dump());
    const Run looked = attnviz({QStringLiteral("translate"), golden("bahdanau.model.json"), sentence,
                                QStringLiteral("--attention-override"), ovFile, QStringLiteral("--json"),
                                QStringLiteral("--precision"), QStringLiteral("float64")});  // scores against the golden trace
    QCOMPARE(looked.status, 0);
    const json l = json::parse(looked.out.toStdString());
    QVERIFY(l["steps"][0]["overridden"].get<bool>());
    QCOMPARE(l["steps"][0]["weights"][n - 1].get<double>(), 1.0);
    for (int j = 0; j < n; ++j)  // the scores are still the model's own
        QVERIFY(std::fabs(l["steps"][0]["scores"][j].get<double>() - trace["steps"][0]["scores"][j].get<double>()) < 1e-9);
    // both together, plain output
    const Run both = attnviz({QStringLiteral("translate"), golden("bahdanau.model.json"), sentence, QStringLiteral("--prefix"),
                              QString::fromStdString(other), QStringLiteral("--attention-override"), ovFile});
    QCOMPARE(both.status, 0);
    QVERIFY2(both.out.startsWith(QByteArray::fromStdString(other + " ")) || both.out == QByteArray::fromStdString(other + "\n"),
             both.out.constData());
    // a model without attention cannot be overridden
    const Run none = attnviz({QStringLiteral("translate"), golden("seq2seq_lstm.model.json"), QStringLiteral("the"),
                              QStringLiteral("--attention-override"), ovFile});
    QCOMPARE(none.status, 2);
    QVERIFY2(none.err.contains("attnviz_tst_override.json") && none.err.contains("attention"), none.err.constData());
}

void TestCliTranslate::badInput_data()
{
    QTest::addColumn<QString>("modelText");   // written to a temp file; "" = use the golden bahdanau model
    QTest::addColumn<QStringList>("args");    // after MODEL
    QTest::addColumn<QString>("mention");     // must appear on stderr

    json model = readJson(golden("bahdanau.model.json"));
    json noWeight = model;
    noWeight["weights"].erase("attention.W_k");
    json badShape = model;
    badShape["weights"]["bridge.weight"] = json::array({json::array({1.0, 2.0})});
    json badPreset = model;
    badPreset["architecture"] = "bert";
    json badCell = model;
    badCell["config"]["cell"] = "rnn";
    json noSpecials = model;
    auto& src = noSpecials["vocab"]["source"];
    src.erase(std::find(src.begin(), src.end(), json("<unk>")));
    json dotScore = model;
    dotScore["config"]["score"] = "dot";
    dotScore["weights"].erase("attention.W_q");
    json location = readJson(golden("luong_location.model.json"));
    const int maxLen = location["config"]["max_len"].get<int>();
    QString longSentence;
    for (int i = 0; i <= maxLen; ++i) longSentence += QStringLiteral("the ");

    const QString s = QStringLiteral("the cat");
    QTest::newRow("missing weight") << QString::fromStdString(noWeight.dump()) << QStringList{s} << QStringLiteral("attention.W_k");
    QTest::newRow("wrong shape") << QString::fromStdString(badShape.dump()) << QStringList{s} << QStringLiteral("bridge.weight");
    QTest::newRow("unknown preset") << QString::fromStdString(badPreset.dump()) << QStringList{s} << QStringLiteral("/architecture");
    QTest::newRow("unknown cell") << QString::fromStdString(badCell.dump()) << QStringList{s} << QStringLiteral("/config/cell");
    QTest::newRow("vocab without <unk>") << QString::fromStdString(noSpecials.dump()) << QStringList{s} << QStringLiteral("<unk>");
    QTest::newRow("score vs dims") << QString::fromStdString(dotScore.dump()) << QStringList{s} << QStringLiteral("/config/score");
    QTest::newRow("location too long") << QString::fromStdString(location.dump()) << QStringList{longSentence} << QStringLiteral("max_len");
    QTest::newRow("empty sentence") << QString() << QStringList{QStringLiteral("  ")} << QStringLiteral("empty sentence");
    QTest::newRow("not json") << QStringLiteral("{\"format\": ") << QStringList{s} << QStringLiteral("JSON");
    QTest::newRow("beam 0") << QString() << QStringList{s, QStringLiteral("--beam"), QStringLiteral("0")} << QStringLiteral("--beam");
    QTest::newRow("no sentence") << QString() << QStringList{} << QStringLiteral("sentence");
    QTest::newRow("missing --file") << QString() << QStringList{QStringLiteral("--file"), QStringLiteral("/nonexistent/x.txt")} << QStringLiteral("x.txt");
    const QString two = dir_.filePath(QStringLiteral("attnviz_tst_two_lines.txt"));
    writeFile(two, "the cat\nthe dog\n");
    const QString one = dir_.filePath(QStringLiteral("attnviz_tst_one_line.txt"));
    writeFile(one, "el gato\n");
    QTest::newRow("--ref without --file") << QString() << QStringList{s, QStringLiteral("--ref"), one} << QStringLiteral("--ref needs --file");
    QTest::newRow("--ref line count") << QString() << QStringList{QStringLiteral("--file"), two, QStringLiteral("--ref"), one}
                                      << QStringLiteral("attnviz_tst_one_line.txt: expected one reference per sentence");
    QTest::newRow("missing --ref") << QString() << QStringList{QStringLiteral("--file"), two, QStringLiteral("--ref"), QStringLiteral("/nonexistent/r.txt")}
                                   << QStringLiteral("r.txt");
    QTest::newRow("--buckets order") << QString() << QStringList{QStringLiteral("--file"), two, QStringLiteral("--ref"), two, QStringLiteral("--buckets"), QStringLiteral("8,6")}
                                     << QStringLiteral("--buckets");
    QTest::newRow("--buckets trailing comma") << QString() << QStringList{QStringLiteral("--file"), two, QStringLiteral("--ref"), two, QStringLiteral("--buckets"), QStringLiteral("6,8,")}
                                              << QStringLiteral("--buckets");
    QTest::newRow("--buckets text") << QString() << QStringList{QStringLiteral("--file"), two, QStringLiteral("--ref"), two, QStringLiteral("--buckets"), QStringLiteral("6,x")}
                                    << QStringLiteral("--buckets");
    // issue 18: readers refuse what is not a regular file, at once (a device or FIFO could never end)
    QTest::newRow("--file /dev/zero") << QString() << QStringList{QStringLiteral("--file"), QStringLiteral("/dev/zero")}
                                      << QStringLiteral("a character device");
    QTest::newRow("--ref /dev/zero") << QString() << QStringList{QStringLiteral("--file"), two, QStringLiteral("--ref"), QStringLiteral("/dev/zero")}
                                     << QStringLiteral("a character device");
    const QString fifo = dir_.filePath(QStringLiteral("attnviz_tst_fifo"));
    QFile::remove(fifo);
    QVERIFY(::mkfifo(fifo.toLocal8Bit().constData(), 0600) == 0);
    QTest::newRow("FIFO as a model") << QStringLiteral("-fifo") << QStringList{s} << QStringLiteral("FIFO");
    const QString bomb = dir_.filePath(QStringLiteral("attnviz_tst_bomb.gz"));  // 300 MB of zeros in about 300 KB
    if (!QFile::exists(bomb))
        QVERIFY(std::system(("head -c 300000000 /dev/zero | gzip -1 > '" + bomb.toStdString() + "'").c_str()) == 0);
    QTest::newRow("--file gzip bomb") << QString() << QStringList{QStringLiteral("--file"), bomb} << QStringLiteral("at most 256 MiB once decompressed");
    QTest::newRow("--file directory") << QString() << QStringList{QStringLiteral("--file"), QStringLiteral(ATTNVIZ_TESTDATA_DIR)}
                                      << QStringLiteral("a directory");
    const QString latin1 = dir_.filePath(QStringLiteral("attnviz_tst_latin1.txt"));  // "the café" in Latin-1
    writeFile(latin1, "the cat\nthe caf\xE9\n");
    QTest::newRow("invalid UTF-8 --json") << QString() << QStringList{QStringLiteral("--file"), latin1, QStringLiteral("--json")}
                                          << QStringLiteral("line 2: expected UTF-8 text, found an invalid byte 0xE9 at byte 8");
    QTest::newRow("invalid UTF-8") << QString() << QStringList{QStringLiteral("--file"), latin1} << QStringLiteral("line 2");
    QString huge;
    for (int i = 0; i < 10000; ++i) huge += QStringLiteral("cat ");
    QTest::newRow("10,000 words") << QString() << QStringList{huge, QStringLiteral("--json")} << QStringLiteral("at most 400 source tokens");
    // what-if decoding (issue 14)
    auto overrideFile = [&](const char* name, const std::string& text) {
        const QString f = dir_.filePath(QString::fromLatin1(name));
        writeFile(f, text);
        return f;
    };
    const QString ovArg = QStringLiteral("--attention-override");
    QTest::newRow("--prefix unknown word") << QString() << QStringList{s, QStringLiteral("--prefix"), QStringLiteral("zzyzx")}
                                           << QStringLiteral("prefix: expected words of the target vocabulary, found \"zzyzx\"");
    QTest::newRow("--prefix empty") << QString() << QStringList{s, QStringLiteral("--prefix"), QStringLiteral(" ")} << QStringLiteral("prefix");
    QTest::newRow("--prefix with --file") << QString() << QStringList{QStringLiteral("--file"), two, QStringLiteral("--prefix"), QStringLiteral("x")}
                                          << QStringLiteral("one sentence");
    QTest::newRow("override count") << QString()
        << QStringList{s, ovArg, overrideFile("ov_count.json", R"({"format":"attnviz-override","version":1,"steps":[{"t":1,"weights":[1,1,1,1,1]}]})")}
        << QStringLiteral("ov_count.json: /steps/0/weights: expected 2 weights");
    QTest::newRow("override beyond the translation") << QString()
        << QStringList{s, ovArg, overrideFile("ov_beyond.json", R"({"format":"attnviz-override","version":1,"steps":[{"t":99,"weights":[1,1]}]})")}
        << QStringLiteral("ov_beyond.json: /steps/0/t: expected a step of the decoded translation");
    QTest::newRow("override negative") << QString()
        << QStringList{s, ovArg, overrideFile("ov_neg.json", R"({"format":"attnviz-override","version":1,"steps":[{"t":1,"weights":[1,-1]}]})")}
        << QStringLiteral("/steps/0/weights: expected a finite weight");
    QTest::newRow("override all zero") << QString()
        << QStringList{s, ovArg, overrideFile("ov_zero.json", R"({"format":"attnviz-override","version":1,"steps":[{"t":1,"weights":[0,0]}]})")}
        << QStringLiteral("positive sum");
    QTest::newRow("override step 0") << QString()
        << QStringList{s, ovArg, overrideFile("ov_t0.json", R"({"format":"attnviz-override","version":1,"steps":[{"t":0,"weights":[1,1]}]})")}
        << QStringLiteral("/steps/0/t");
    QTest::newRow("override NaN") << QString()
        << QStringList{s, ovArg, overrideFile("ov_nan.json", R"({"format":"attnviz-override","version":1,"steps":[{"t":1,"weights":[NaN,1]}]})")}
        << QStringLiteral("ov_nan.json");
    QTest::newRow("override of another format") << QString()
        << QStringList{s, ovArg, overrideFile("ov_fmt.json", R"({"format":"attnviz-trace","version":1,"steps":[]})")}
        << QStringLiteral("ov_fmt.json: /format");
    QTest::newRow("override truncated") << QString()
        << QStringList{s, ovArg, overrideFile("ov_trunc.json", R"({"format":"attnviz-override","version":1,"steps":[{"t":1,"weig)")}
        << QStringLiteral("ov_trunc.json");
    QTest::newRow("override missing") << QString() << QStringList{s, ovArg, QStringLiteral("/nonexistent/ov.json")} << QStringLiteral("ov.json");
    QTest::newRow("--precision double") << QString() << QStringList{s, QStringLiteral("--precision"), QStringLiteral("double")}
                                        << QStringLiteral("--precision: expected float32 or float64, found \"double\"");
    QTest::newRow("--merge-words without --json") << QString() << QStringList{s, QStringLiteral("--merge-words")} << QStringLiteral("--merge-words");
}

void TestCliTranslate::badInput()
{
    QFETCH(QString, modelText);
    QFETCH(QStringList, args);
    QFETCH(QString, mention);
    QString model = golden("bahdanau.model.json");
    if (modelText == QStringLiteral("-fifo")) {
        model = dir_.filePath(QStringLiteral("attnviz_tst_fifo"));  // a named pipe nobody writes: must not block
    } else if (!modelText.isEmpty()) {
        model = dir_.filePath(QStringLiteral("bad.model.json"));
        writeFile(model, modelText.toStdString());
    }
    const Run r = attnviz(QStringList{QStringLiteral("translate"), model} + args);
    QCOMPARE(r.status, 2);
    QVERIFY2(r.out.isEmpty(), r.out.constData());
    QVERIFY2(r.err.contains(mention.toUtf8()), r.err.constData());
}

// The transformer preset (issue 16) on tests/data/transformer_tiny.json, a random nn.Transformer model converted
// by tools/pytorch_transformer_to_attnviz.py (d_model 8, 2 heads, 1 encoder + 2 decoder layers, max_len 10).
void TestCliTranslate::transformer()
{
    const QString model = QStringLiteral(ATTNVIZ_TESTDATA_DIR "/transformer_tiny.json");
    const QString sentence = QStringLiteral("the cat sat on the mat");
    Run r = attnviz({QStringLiteral("translate"), model, sentence, QStringLiteral("--json")});
    QVERIFY2(r.status == 0, r.err.constData());
    const json trace = json::parse(r.out.toStdString());
    QCOMPARE(trace["architecture"].get<std::string>(), std::string("transformer"));
    QCOMPARE(trace["score"].get<std::string>(), std::string("multi_head"));
    QCOMPARE(trace["source_tokens"].size(), std::size_t(6));
    QCOMPARE(trace["encoder_self_attention"].size(), std::size_t(1));      // encoder layers
    QCOMPARE(trace["encoder_self_attention"][0].size(), std::size_t(2));   // heads
    QCOMPARE(trace["encoder_self_attention"][0][1].size(), std::size_t(6));
    QCOMPARE(trace["encoder_self_attention"][0][1][5].size(), std::size_t(6));
    QVERIFY(!trace["steps"].empty() && trace["steps"].size() <= 10);
    for (std::size_t i = 0; i < trace["steps"].size(); ++i) {
        const json& st = trace["steps"][i];
        QCOMPARE(st["heads"].size(), std::size_t(2));            // decoder layers
        QCOMPARE(st["heads"][1].size(), std::size_t(2));         // heads
        QCOMPARE(st["heads"][1][0].size(), std::size_t(6));      // source tokens
        QCOMPARE(st["self_attention"][0][1].size(), i + 1);      // positions so far
        QCOMPARE(st["query"][1][1].size(), std::size_t(4));      // d_model / heads
        QCOMPARE(st["context"][0][0].size(), std::size_t(4));
        QCOMPARE(st["scores"][1][1].size(), std::size_t(6));
        QCOMPARE(st["weights"].size(), std::size_t(6));
        double sum = 0;
        for (const json& w : st["weights"]) sum += w.get<double>();
        QVERIFY(std::fabs(sum - 1.0) < 1e-12);
    }
    Run plain = attnviz({QStringLiteral("translate"), model, sentence});
    QCOMPARE(plain.status, 0);
    QCOMPARE(plain.out, joined(trace["target_tokens"], " ") + "\n");

    r = attnviz({QStringLiteral("translate"), model, sentence, QStringLiteral("--beam"), QStringLiteral("3"), QStringLiteral("--json")});
    QVERIFY2(r.status == 0, r.err.constData());
    QVERIFY(json::parse(r.out.toStdString()).contains("beam_score"));

    // what-if: a forced prefix and a one-hot override of step 1
    r = attnviz({QStringLiteral("translate"), model, sentence, QStringLiteral("--prefix"), QStringLiteral("perro con"), QStringLiteral("--json")});
    QVERIFY2(r.status == 0, r.err.constData());
    json forced = json::parse(r.out.toStdString());
    QCOMPARE(forced["steps"][0]["token"].get<std::string>(), std::string("perro"));
    QCOMPARE(forced["steps"][1]["token"].get<std::string>(), std::string("con"));
    QVERIFY(forced["steps"][1]["forced"].get<bool>());
    const QString ov = dir_.filePath(QStringLiteral("tf_override.json"));
    writeFile(ov, R"({"format": "attnviz-override", "version": 1, "steps": [{"t": 1, "weights": [0, 0, 2, 0, 0, 0]}]})");
    r = attnviz({QStringLiteral("translate"), model, sentence, QStringLiteral("--attention-override"), ov, QStringLiteral("--json")});
    QVERIFY2(r.status == 0, r.err.constData());
    const json over = json::parse(r.out.toStdString());
    QVERIFY(over["steps"][0]["overridden"].get<bool>());
    for (const json& layerHead : over["steps"][0]["heads"][1])  // every head of the last layer
        QCOMPARE(layerHead[2].get<double>(), 1.0);
    QCOMPARE(over["steps"][0]["heads"][0], trace["steps"][0]["heads"][0]);  // the layer below is the model's own

    // bad input: a source longer than max_len, an override of the wrong length, a broken model file
    r = attnviz({QStringLiteral("translate"), model, QStringLiteral("the cat sat on the mat with my dog on the mat")});
    QCOMPARE(r.status, 2);
    QVERIFY(r.out.isEmpty());
    QVERIFY2(r.err.contains("max_len") && r.err.contains("found 12"), r.err.constData());
    writeFile(ov, R"({"format": "attnviz-override", "version": 1, "steps": [{"t": 1, "weights": [1, 1]}]})");
    r = attnviz({QStringLiteral("translate"), model, sentence, QStringLiteral("--attention-override"), ov});
    QCOMPARE(r.status, 2);
    QVERIFY2(r.err.contains("/steps/0/weights") && r.err.contains("expected 6 weights"), r.err.constData());
    json doc = readJson(model);
    doc["config"]["heads"] = 3;
    const QString bad = dir_.filePath(QStringLiteral("tf_heads3.json"));
    writeFile(bad, doc.dump());
    r = attnviz({QStringLiteral("translate"), bad, sentence});
    QCOMPARE(r.status, 2);
    QVERIFY(r.out.isEmpty());
    QVERIFY2(r.err.contains("tf_heads3.json") && r.err.contains("/config/heads"), r.err.constData());
    doc = readJson(model);
    doc["weights"].erase("transformer.decoder.layers.1.linear2.weight");
    writeFile(bad, doc.dump());
    r = attnviz({QStringLiteral("translate"), bad, sentence});
    QCOMPARE(r.status, 2);
    QVERIFY2(r.err.contains("/weights/transformer.decoder.layers.1.linear2.weight") && r.err.contains("[8, 16]"), r.err.constData());

    // convert: CBOR and float32 round trips translate the same (float32 to about 1e-7)
    const QString cbor = dir_.filePath(QStringLiteral("tf.cbor"));
    r = attnviz({QStringLiteral("convert"), model, cbor});
    QVERIFY2(r.status == 0, r.err.constData());
    r = attnviz({QStringLiteral("translate"), cbor, sentence, QStringLiteral("--json")});
    QCOMPARE(json::parse(r.out.toStdString())["steps"], trace["steps"]);
    const QString f32 = dir_.filePath(QStringLiteral("tf32.cbor"));
    r = attnviz({QStringLiteral("convert"), model, f32, QStringLiteral("--float32")});
    QVERIFY2(r.status == 0, r.err.constData());
    r = attnviz({QStringLiteral("translate"), f32, sentence, QStringLiteral("--json")});
    const json t32 = json::parse(r.out.toStdString());
    QCOMPARE(t32["target_tokens"], trace["target_tokens"]);
    QVERIFY(std::fabs(t32["steps"][0]["prob"].get<double>() - trace["steps"][0]["prob"].get<double>()) < 1e-5);
}

QTEST_GUILESS_MAIN(TestCliTranslate)
#include "tst_cli_translate.moc"
