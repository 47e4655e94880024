// Document reading and writing (core/formats/json_io): limits, hostile inputs, JSON pointers in messages,
// tensor validation and atomic writes.
#include "core/formats/error.h"
#include "core/formats/json_io.h"
#include "input_failure.h"

#include <QtTest>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

using namespace attnviz;

namespace {

// Parses `text` and returns the InputError (file, pointer, message); fails the test if it parses.
using attnviz_test::Failure;
using attnviz_test::inputFailure;

Failure parseFailure(const std::string& bytes, bool cbor, const ReadLimits& limits = exampleLimits())
{
    return inputFailure([&] { parseDocument(bytes, cbor, "doc.json", limits); });
}

std::string bytesOf(const std::vector<std::uint8_t>& v)
{
    return std::string(v.begin(), v.end());
}

} // namespace

class TestJsonIo : public QObject {
    Q_OBJECT
private slots:
    void deepJsonStopsAtLimit_data();
    void deepJsonStopsAtLimit();
    void deepCborStopsAtLimit();
    void depthLimitIsExact();
    void nonFiniteNumbers();
    void syntaxErrorsNamePointer();
    void hostileCbor();
    void cborNonFiniteRejectedByReader();
    void fileLimits();
    void tensors_data();
    void tensors();
    void validTensors();
    void headerChecks();
    void pointersAndDescriptions();
    void readableDumpRoundTrips();
    void readableKeyOrderIsLinear();
    void saveIsAtomic();
    void stringsAreCheckedUtf8AndBounded();
    void nonRegularFilesAreRefused();
};

void TestJsonIo::deepJsonStopsAtLimit_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("pointerStart");
    const int levels = 10000;
    QTest::newRow("10,000 arrays") << (QByteArray(levels, '[') + QByteArray(levels, ']')) << QStringLiteral("/0/0/0");
    QByteArray objects;
    for (int i = 0; i < levels; ++i)
        objects += "{\"a\":";
    objects += "1" + QByteArray(levels, '}');
    QTest::newRow("10,000 objects") << objects << QStringLiteral("/a/a/a");
    // unterminated: the parser must stop at the limit, not at the end of the input
    QTest::newRow("10,000 open arrays") << QByteArray(levels, '[') << QStringLiteral("/0/0/0");
}

void TestJsonIo::deepJsonStopsAtLimit()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, pointerStart);
    const Failure f = parseFailure(text.toStdString(), false);
    QVERIFY(f.thrown);
    QVERIFY2(QString::fromStdString(f.message).contains("at most 32 levels"), f.message.c_str());
    QVERIFY(QString::fromStdString(f.where).startsWith(pointerStart));
    QCOMPARE(f.where.size(), std::size_t{32 * 2});  // the pointer of the 33rd container: 32 steps of "/0" or "/a"
    QVERIFY(f.message.find('\n') == std::string::npos);
}

void TestJsonIo::deepCborStopsAtLimit()
{
    // CBOR 0x81 = array of one element; 0xA1 0x61 'a' = map of one entry with key "a". nlohmann's CBOR
    // reader recurses per level: the handler must stop it at level 33 (no stack overflow at 100,000).
    const int levels = 100000;
    std::string arrays(static_cast<std::size_t>(levels), '\x81');
    arrays += '\x00';
    Failure f = parseFailure(arrays, true);
    QVERIFY(f.thrown);
    QVERIFY2(QString::fromStdString(f.message).contains("at most 32 levels"), f.message.c_str());
    QVERIFY(QString::fromStdString(f.where).startsWith("/0/0/0"));

    std::string maps;
    for (int i = 0; i < levels; ++i)
        maps += "\xA1\x61" "a";
    maps += '\x01';
    f = parseFailure(maps, true);
    QVERIFY(f.thrown);
    QVERIFY(QString::fromStdString(f.where).startsWith("/a/a/a"));
}

void TestJsonIo::depthLimitIsExact()
{
    const std::string ok = std::string(32, '[') + std::string(32, ']');
    QVERIFY(parseDocument(ok, false, "ok.json", exampleLimits()).is_array());
    const std::string bad = std::string(33, '[') + std::string(33, ']');
    QVERIFY(parseFailure(bad, false).thrown);
    // same for CBOR
    std::string cborOk(32, '\x81');
    cborOk += '\x01';
    QVERIFY(parseDocument(cborOk, true, "ok.cbor", exampleLimits()).is_array());
}

void TestJsonIo::nonFiniteNumbers()
{
    struct Case {
        const char* text;
        const char* pointer;
        const char* says;
    };
    const Case cases[] = {
        {R"({"a": [1, 2, 1e999]})", "/a/2", "expected a finite number, found 1e999"},
        {R"({"a": [[1], [-1e400]]})", "/a/1/0", "expected a finite number, found -1e400"},
        {R"({"x": {"y": NaN}})", "/x/y", "finite"},
        {R"({"a": [Infinity]})", "/a/0", "finite"},
        {R"({"a": [1,-Infinity]})", "/a/1", "finite"},
        {R"([nan])", "/0", "finite"},
    };
    for (const Case& c : cases) {
        const Failure f = parseFailure(c.text, false);
        QVERIFY2(f.thrown, c.text);
        QCOMPARE(f.where, std::string(c.pointer));
        QVERIFY2(QString::fromStdString(f.message).contains(QString::fromUtf8(c.says)), f.message.c_str());
        QVERIFY2(QString::fromStdString(f.message).startsWith("doc.json: "), f.message.c_str());
    }
    // 1e308 is finite and fine; 1e-999 underflows to 0 (finite)
    QCOMPARE(parseDocument("[1e308, 1e-999]", false, "d", exampleLimits())[1].get<double>(), 0.0);
}

void TestJsonIo::syntaxErrorsNamePointer()
{
    Failure f = parseFailure(R"({"enc": [[0, 1], [2, 3] [4, 5]]})", false);
    QVERIFY(f.thrown);
    QCOMPARE(f.where, std::string("/enc/2"));
    QVERIFY(QString::fromStdString(f.message).contains("expected valid JSON"));
    // truncated in the middle of a row
    f = parseFailure(R"({"format": "x", "rows": [[1, 2], [3,)", false);
    QVERIFY(f.thrown);
    QCOMPARE(f.where, std::string("/rows/1/1"));
    // trailing garbage after a complete document
    f = parseFailure(R"({"a": 1} x)", false);
    QVERIFY(f.thrown);
    // empty input
    f = parseFailure("", false);
    QVERIFY(f.thrown);
    QVERIFY(QString::fromStdString(f.message).contains("empty"));
    // a key with a newline is escaped so the message stays on one line
    f = parseFailure("{\"a\nb\": [1,, 2]}", false);
    QVERIFY(f.thrown);
    QVERIFY(f.message.find('\n') == std::string::npos || f.where.find('\n') == std::string::npos);
}

void TestJsonIo::hostileCbor()
{
    const json doc = {{"format", "attnviz-example"}, {"rows", {{1.5, 2.5}, {3.5, 4.5}}}};
    const std::string full = bytesOf(json::to_cbor(doc));
    QCOMPARE(parseDocument(full, true, "d.cbor", exampleLimits()), doc);
    // every truncation is an error, never a crash
    for (std::size_t len = 1; len < full.size(); ++len) {
        const Failure f = parseFailure(full.substr(0, len), true);
        QVERIFY2(f.thrown, qPrintable(QStringLiteral("prefix of %1 bytes parsed").arg(len)));
        QVERIFY(QString::fromStdString(f.message).contains("CBOR"));
    }
    // an array claiming 2^64 − 1 elements, a string claiming 2^63 bytes, a byte string claiming 4 GiB:
    // rejected without allocating what they claim
    const std::string hugeArray = std::string("\x9B\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF", 9) + "\x01";
    const std::string hugeString = std::string("\x7B\x80\x00\x00\x00\x00\x00\x00\x00", 9) + "abc";
    const std::string hugeBytes = std::string("\x5A\xFF\xFF\xFF\xFF", 5) + "abc";
    for (const std::string& bytes : {hugeArray, hugeString, hugeBytes}) {
        const Failure f = parseFailure(bytes, true);
        QVERIFY(f.thrown);
        QVERIFY(f.message.find('\n') == std::string::npos);
    }
    // an unknown tag and trailing bytes
    QVERIFY(parseFailure(std::string("\xC6\x01", 2), true).thrown);
    QVERIFY(parseFailure(full + "\x01", true).thrown);
}

void TestJsonIo::cborNonFiniteRejectedByReader()
{
    // CBOR can carry NaN/Infinity as floats; the parser keeps them and the reader rejects them with a pointer.
    const json doc = {{"v", {1.0, std::nan(""), 3.0}}, {"m", {{1.0, HUGE_VAL}}}};
    const json back = parseDocument(bytesOf(json::to_cbor(doc)), true, "d.cbor", exampleLimits());
    const JsonReader r("d.cbor", exampleLimits());
    Failure f = inputFailure([&] { r.vector(back["v"], "/v"); });
    QVERIFY(f.thrown);
    QCOMPARE(f.where, std::string("/v/1"));
    QVERIFY(QString::fromStdString(f.message).contains("expected a finite number, found NaN"));
    f = inputFailure([&] { r.matrix(back["m"], "/m"); });
    QCOMPARE(f.where, std::string("/m/0/1"));
    QVERIFY(QString::fromStdString(f.message).contains("Infinity"));
}

void TestJsonIo::fileLimits()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    // 50 MB: rejected from its size alone (a sparse file: nothing is written or read)
    const QString big = dir.filePath(QStringLiteral("big.json"));
    {
        QFile f(big);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QVERIFY(f.resize(50LL * 1000 * 1000));
    }
    Failure f = inputFailure([&] { loadDocument(big.toStdString(), exampleLimits()); });
    QVERIFY(f.thrown);
    QCOMPARE(f.file, big.toStdString());
    QVERIFY2(QString::fromStdString(f.message).contains("at most 16 MiB, found 50000000 bytes"), f.message.c_str());
    // one byte over 16 MiB is too much; the model limit is larger
    QFile over(big);
    QVERIFY(over.resize((16LL << 20) + 1));
    QVERIFY(inputFailure([&] { loadDocument(big.toStdString(), exampleLimits()); }).thrown);
    f = inputFailure([&] { loadDocument(big.toStdString(), modelLimits()); });
    QVERIFY(f.thrown);  // 16 MiB of NUL bytes is not JSON: but it was read and parsed, not refused for size
    QVERIFY(!QString::fromStdString(f.message).contains("MiB"));

    f = inputFailure([&] { loadDocument(dir.filePath(QStringLiteral("missing.json")).toStdString(), exampleLimits()); });
    QVERIFY(QString::fromStdString(f.message).contains("no such file"));
    f = inputFailure([&] { loadDocument(dir.path().toStdString(), exampleLimits()); });
    QVERIFY(QString::fromStdString(f.message).contains("directory"));
    f = inputFailure([&] { loadDocument("/dev/null", exampleLimits()); });
    QVERIFY(QString::fromStdString(f.message).contains("regular file"));
    const QString empty = dir.filePath(QStringLiteral("empty.cbor"));
    QFile e(empty);
    QVERIFY(e.open(QIODevice::WriteOnly));
    e.close();
    f = inputFailure([&] { loadDocument(empty.toStdString(), exampleLimits()); });
    QVERIFY(QString::fromStdString(f.message).contains("empty"));
}

void TestJsonIo::tensors_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("asMatrix");
    QTest::addColumn<QString>("pointer");
    QTest::addColumn<QString>("says");
    QTest::newRow("ragged") << "[[1, 2], [3]]" << true << "/t/1" << "expected 2 numbers";
    QTest::newRow("string") << "[[1, \"2\"]]" << true << "/t/0/1" << "found the string \"2\"";
    QTest::newRow("null") << "[null, 1]" << false << "/t/0" << "found null";
    QTest::newRow("bool") << "[[true]]" << true << "/t/0/0" << "found true";
    QTest::newRow("nested vector") << "[[1, 2]]" << false << "/t/0" << "found an array of 2 elements";
    QTest::newRow("flat matrix") << "[1, 2]" << true << "/t/0" << "expected a row";
    QTest::newRow("row not array") << "[[1], 2]" << true << "/t/1" << "expected a row of 1 numbers";
    QTest::newRow("scalar") << "3" << false << "/t" << "expected a vector";
    QTest::newRow("data length") << R"({"shape": [2, 2], "data": [1, 2, 3]})" << true << "/t/data" << "expected 4 numbers";
    QTest::newRow("data not array") << R"({"shape": [1], "data": 5})" << false << "/t/data" << "expected an array of numbers";
    QTest::newRow("no data") << R"({"shape": [1]})" << false << "/t/data" << "missing";
    QTest::newRow("rank") << R"({"shape": [2], "data": [1, 2]})" << true << "/t/shape" << "expected 2 dimensions";
    QTest::newRow("negative") << R"({"shape": [-1, 2], "data": []})" << true << "/t/shape/0" << "found -1";
    QTest::newRow("1e9 x 1e9") << R"({"shape": [1e9, 1e9], "data": []})" << true << "/t/shape/0" << "from 0 to 100000";
    QTest::newRow("2^64") << R"({"shape": [18446744073709551615], "data": []})" << false << "/t/shape/0" << "from 0 to 100000";
    QTest::newRow("too many elements") << R"({"shape": [100000, 41], "data": []})" << true << "/t/shape" << "at most 4000000 elements";
    QTest::newRow("fraction") << R"({"shape": [1.5], "data": [1]})" << false << "/t/shape/0" << "found the number 1.5";
    QTest::newRow("string shape") << R"({"shape": ["2"], "data": [1, 2]})" << false << "/t/shape/0" << "found the string \"2\"";
    QTest::newRow("data element") << R"({"shape": [1, 2], "data": [1, null]})" << true << "/t/data/1" << "found null";
}

void TestJsonIo::tensors()
{
    QFETCH(QString, text);
    QFETCH(bool, asMatrix);
    QFETCH(QString, pointer);
    QFETCH(QString, says);
    const json doc = parseDocument("{\"t\": " + text.toStdString() + "}", false, "t.json", exampleLimits());
    const JsonReader r("t.json", exampleLimits());
    const Failure f = inputFailure([&] {
        if (asMatrix)
            r.matrix(doc["t"], "/t");
        else
            r.vector(doc["t"], "/t");
    });
    QVERIFY(f.thrown);
    QCOMPARE(QString::fromStdString(f.where), pointer);
    QCOMPARE(f.file, std::string("t.json"));
    QVERIFY2(QString::fromStdString(f.message).contains(says), f.message.c_str());
    QVERIFY2(QString::fromStdString(f.message).startsWith("t.json: " + pointer + ": expected"), f.message.c_str());
}

void TestJsonIo::validTensors()
{
    const JsonReader r("t.json", exampleLimits());
    const json doc = json::parse(R"({"a": {"shape": [2.0, 3], "data": [1, 2, 3, 4, 5, 6]}, "b": [[1, 2, 3], [4, 5, 6]],
                                     "v": {"shape": [2], "data": [7, 8.5]}, "e": [], "z": {"shape": [0, 4], "data": []}})");
    const Mat a = r.matrix(doc["a"], "/a");  // integer shapes may be written as 2.0
    QCOMPARE(a.rows(), Eigen::Index(2));
    QCOMPARE(a(1, 0), 4.0);
    QVERIFY(a == r.matrix(doc["b"], "/b"));
    QCOMPARE(r.vector(doc["v"], "/v")(1), 8.5);
    QCOMPARE(r.vector(doc["e"], "/e").size(), Eigen::Index(0));
    QCOMPARE(r.matrix(doc["z"], "/z").cols(), Eigen::Index(4));
    // writers round-trip through the reader
    QVERIFY(r.matrix(toTensorJson(a), "/x") == a);
    QVERIFY(r.matrix(toJson(a), "/x") == a);
    QCOMPARE(r.integer(json(3.0), "/i", 0, 5), 3LL);
}

void TestJsonIo::headerChecks()
{
    const JsonReader r("h.json", exampleLimits());
    auto header = [&](const char* text) {
        return inputFailure([&] { r.checkHeader(json::parse(text), "attnviz-example"); });
    };
    QVERIFY(!header(R"({"format": "attnviz-example", "version": 1})").thrown);
    QVERIFY(!header(R"({"format": "attnviz-example", "version": 1.0})").thrown);
    Failure f = header(R"({"format": "attnviz-trace", "version": 1})");
    QCOMPARE(f.where, std::string("/format"));
    QVERIFY(QString::fromStdString(f.message).contains("attnviz-trace"));
    f = header(R"({"version": 1})");
    QCOMPARE(f.where, std::string("/format"));
    QVERIFY(QString::fromStdString(f.message).contains("missing"));
    f = header(R"({"format": "attnviz-example", "version": 2})");
    QCOMPARE(f.where, std::string("/version"));
    QVERIFY(QString::fromStdString(f.message).contains("found version 2"));
    f = header(R"({"format": "attnviz-example", "version": "1"})");
    QCOMPARE(f.where, std::string("/version"));
    f = header(R"({"format": "attnviz-example"})");
    QCOMPARE(f.where, std::string("/version"));
    f = header("[1]");
    QCOMPARE(f.where, std::string("/"));
}

void TestJsonIo::pointersAndDescriptions()
{
    QCOMPARE(childPointer("/weights", "decoder.l0.weight_ih"), std::string("/weights/decoder.l0.weight_ih"));
    QCOMPARE(childPointer("", "a/b~c"), std::string("/a~1b~0c"));  // RFC 6901 escaping
    QCOMPARE(childPointer("/x", std::size_t{3}), std::string("/x/3"));
    QCOMPARE(describeJson(json::parse("[1, 2]")), std::string("an array of 2 elements"));
    QCOMPARE(describeJson(json(2.5)), std::string("the number 2.5"));
    QCOMPARE(describeJson(json(nullptr)), std::string("null"));
    const std::string d = describeJson(json("line1\nline2\t" + std::string(100, 'x')));
    QVERIFY(d.find('\n') == std::string::npos);
    QVERIFY(QString::fromStdString(d).contains("line1\\nline2\\t"));
    QVERIFY(QString::fromStdString(d).contains(QStringLiteral("…")));
    QCOMPARE(printable("é ü", 2), std::string("é …"));  // counts characters, not bytes
}

void TestJsonIo::readableDumpRoundTrips()
{
    const json doc = json::parse(R"({"format": "attnviz-trace", "version": 1, "m": [[1.5, -2, 3e-20], [0.1, 0.2, 0.30000000000000004]],
                                     "v": [1, 2, 3], "e": [], "o": {}, "s": [{"t": 1, "x": ["a", "b"]}], "u": "é\"\n"})");
    const std::string text = dumpReadable(doc);
    QCOMPARE(json::parse(text), doc);  // exact: numbers keep full precision
    QVERIFY(QString::fromStdString(text).contains("[1.5, -2, 3e-20]"));   // a matrix row on one line
    QVERIFY(QString::fromStdString(text).contains("\"v\": [1, 2, 3]"));  // a vector on one line
    QVERIFY(QString::fromStdString(text).contains("\"x\": [\"a\", \"b\"]"));
    QVERIFY(QString::fromStdString(text).startsWith("{\n \"format\": \"attnviz-trace\",\n \"version\": 1,"));  // header first
}

// dumpReadable() used to look up each key of an object in the list of keys written so far (std::find), n²/2
// comparisons for n keys: over a minute to save an object of 200,000 keys. Now each key is compared with the
// seven header names only. The count of comparisons is what the quadratic version would fail on (~2·10^8 here).
void TestJsonIo::readableKeyOrderIsLinear()
{
    json doc = json::object();
    constexpr int n = 20000;
    char name[16];
    for (int i = n - 1; i >= 0; --i) {
        std::snprintf(name, sizeof name, "k%05d", i);
        doc[name] = i;
    }
    doc["version"] = 1;
    doc["format"] = "x";
    doc["token"] = "t";
    std::size_t comparisons = 0;
    const std::vector<std::string> keys = readableKeyOrder(doc, &comparisons);
    QCOMPARE(keys.size(), std::size_t(n + 3));
    QCOMPARE(keys[0], std::string("format"));
    QCOMPARE(keys[1], std::string("version"));
    QCOMPARE(keys[2], std::string("token"));
    QCOMPARE(keys[3], std::string("k00000"));
    QCOMPARE(keys.back(), std::string("k19999"));
    QVERIFY2(comparisons <= 7 * doc.size(), qPrintable(QString::number(comparisons)));
    // the layout is unchanged: header keys first, then sorted, one key a line
    const std::string text = dumpReadable(doc);
    QVERIFY(QString::fromStdString(text).startsWith("{\n \"format\": \"x\",\n \"version\": 1,\n \"token\": \"t\",\n \"k00000\": 0,\n"));
    QVERIFY(QString::fromStdString(text).endsWith("\"k19999\": 19999\n}"));
    QCOMPARE(json::parse(text), doc);
    // an object that is only header keys, and one without any
    QCOMPARE(readableKeyOrder(json{{"t", 1}, {"architecture", "a"}}), (std::vector<std::string>{"architecture", "t"}));
    QCOMPARE(readableKeyOrder(json::object()), std::vector<std::string>{});
}

void TestJsonIo::saveIsAtomic()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string file = dir.filePath(QStringLiteral("doc.json")).toStdString();
    const json doc = {{"format", "x"}, {"version", 1}, {"data", {1.25, 2.5}}};
    saveDocument(file, doc);
    QCOMPARE(loadDocument(file, exampleLimits()), doc);
    const std::string cbor = dir.filePath(QStringLiteral("doc.cbor")).toStdString();
    saveDocument(cbor, doc);
    QCOMPARE(loadDocument(cbor, exampleLimits()), doc);
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 2);  // no temporary files left behind
    // a folder that does not exist: an error naming the file, nothing written
    const std::string bad = dir.filePath(QStringLiteral("no/such/dir/doc.json")).toStdString();
    try {
        saveDocument(bad, doc);
        QFAIL("expected an error");
    } catch (const std::runtime_error& e) {
        QVERIFY(QString::fromLocal8Bit(e.what()).contains(QString::fromStdString(bad)));
    }
    // overwriting keeps the old content until the new one is complete; afterwards the new content is there
    const json doc2 = {{"format", "x"}, {"version", 1}, {"data", {3.0}}};
    saveDocument(file, doc2);
    QCOMPARE(loadDocument(file, exampleLimits()), doc2);
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 2);
}

// CBOR text strings are not checked by the parser: the reader refuses invalid UTF-8 with the pointer, and a
// list of strings obeys the per-dimension limit like a tensor does (issue 18).
void TestJsonIo::stringsAreCheckedUtf8AndBounded()
{
    // {"t": [<text "ok">, <text "caf\xE9">]} written by hand as CBOR
    const std::string cbor = std::string("\xA1\x61t\x82\x62ok\x64" "caf\xE9", 12);
    const json doc = parseDocument(cbor, true, "bad.cbor", exampleLimits());
    JsonReader r("bad.cbor", exampleLimits());
    try {
        r.strings(doc["t"], "/t");
        QFAIL("accepted invalid UTF-8");
    } catch (const InputError& e) {
        QCOMPARE(e.where(), std::string("/t/1"));
        QVERIFY2(std::string(e.what()).find("UTF-8") != std::string::npos, e.what());
    }
    ReadLimits small = exampleLimits();
    small.maxDim = 3;
    JsonReader tight("v.json", small);
    QCOMPARE(tight.strings(json::array({"a", "b", "c"}), "/v").size(), std::size_t(3));
    QVERIFY_THROWS_EXCEPTION(InputError, tight.strings(json::array({"a", "b", "c", "d"}), "/v"));
}

void TestJsonIo::nonRegularFilesAreRefused()
{
    for (const char* path : {"/dev/zero", "/dev/null", "/tmp"}) {
        try {
            loadDocument(path, exampleLimits());
            QFAIL(path);
        } catch (const InputError& e) {
            const std::string m = e.what();
            QVERIFY2(m.find("character device") != std::string::npos || m.find("directory") != std::string::npos, m.c_str());
        }
    }
}

QTEST_GUILESS_MAIN(TestJsonIo)
#include "tst_json_io.moc"
