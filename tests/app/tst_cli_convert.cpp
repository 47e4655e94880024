// attnviz convert run as a process: JSON ↔ CBOR, --float32 rounding, --title and --examples, and bad input
// (exit 2, a message naming the file, no output file written, an existing output left as it was).
#include "cli_run.h"

#include <QtTest>

#include <QFileInfo>
#include <QTemporaryDir>

#include <nlohmann/json.hpp>

#include <fstream>
#include <iterator>

using json = nlohmann::json;
using attnviz_test::attnviz;
using attnviz_test::golden;
using attnviz_test::Run;
using attnviz_test::writeFile;

namespace {

std::string readBytes(const QString& file)
{
    std::ifstream in(file.toStdString(), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// Every number of every weight tensor.
std::vector<double> weightNumbers(const json& model)
{
    std::vector<double> out;
    for (const auto& [name, t] : model.at("weights").items())
        for (const json& x : t.at("data"))
            out.push_back(x.get<double>());
    return out;
}

} // namespace

class TestCliConvert : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void float32Cbor();
    void jsonKeepsWeights();
    void badInput_data();
    void badInput();
    void writesKeepModesAndLinks();

private:
    QTemporaryDir dir_;
};

void TestCliConvert::initTestCase()
{
    QVERIFY2(QFile::exists(golden("bahdanau.model.json")), "the checked-in golden fixtures are missing");
    QVERIFY(dir_.isValid());
}

void TestCliConvert::float32Cbor()
{
    const QString in = golden("bahdanau.model.json"), out = dir_.filePath(QStringLiteral("m.cbor"));
    const QString examples = dir_.filePath(QStringLiteral("ex.txt"));
    writeFile(examples, "the cat\n\n  \nthe dog sat\n");
    const Run r = attnviz({QStringLiteral("convert"), in, out, QStringLiteral("--float32"), QStringLiteral("--title"),
                           QStringLiteral("A test model"), QStringLiteral("--examples"), examples});
    QCOMPARE(r.status, 0);
    QCOMPARE(r.out, out.toUtf8() + "\n");
    const std::string bytes = readBytes(out);
    const json m = json::from_cbor(bytes);
    QCOMPARE(m["title"].get<std::string>(), std::string("A test model"));
    QCOMPARE(m["examples"], json({"the cat", "the dog sat"}));  // blank lines dropped
    const std::vector<double> original = weightNumbers(json::parse(readBytes(in))), rounded = weightNumbers(m);
    QCOMPARE(rounded.size(), original.size());
    double largest = 0.0;
    for (std::size_t i = 0; i < rounded.size(); ++i) {
        QCOMPARE(rounded[i], static_cast<double>(static_cast<float>(original[i])));  // exactly the float32 value
        largest = std::max(largest, std::abs(rounded[i] - original[i]));
    }
    QVERIFY(largest > 0.0 && largest < 1e-6);
    // single-precision CBOR numbers: at most 5 bytes a weight plus the rest of the document
    QVERIFY2(bytes.size() < 5 * rounded.size() + 200000, qPrintable(QString::number(bytes.size())));
    // it still translates like the original
    const Run a = attnviz({QStringLiteral("translate"), in, QStringLiteral("the cat")});
    const Run b = attnviz({QStringLiteral("translate"), out, QStringLiteral("the cat")});
    QCOMPARE(b.status, 0);
    QCOMPARE(b.out, a.out);
}

void TestCliConvert::jsonKeepsWeights()
{
    const QString in = golden("luong_general.model.json"), out = dir_.filePath(QStringLiteral("copy.json"));
    const Run r = attnviz({QStringLiteral("convert"), in, out});
    QCOMPARE(r.status, 0);
    const json a = json::parse(readBytes(in)), b = json::parse(readBytes(out));
    QVERIFY(weightNumbers(a) == weightNumbers(b));
    QCOMPARE(b["vocab"], a["vocab"]);
    QCOMPARE(b["architecture"], a["architecture"]);
}

void TestCliConvert::badInput_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("mention");
    const QString model = golden("bahdanau.model.json");
    const QString blank = dir_.filePath(QStringLiteral("attnviz_tst_blank_examples.txt"));
    writeFile(blank, "\n   \n");
    const QString notModel = dir_.filePath(QStringLiteral("attnviz_tst_not_model.json"));
    writeFile(notModel, "{\"format\": \"attnviz-example\", \"version\": 1}");
    QTest::newRow("missing model") << QStringList{QStringLiteral("/nonexistent/m.json")} << QStringLiteral("m.json");
    QTest::newRow("not a model") << QStringList{notModel} << QStringLiteral("attnviz_tst_not_model.json");
    QTest::newRow("blank examples") << QStringList{model, QStringLiteral("--examples"), blank} << QStringLiteral("attnviz_tst_blank_examples.txt");
    QTest::newRow("missing examples") << QStringList{model, QStringLiteral("--examples"), QStringLiteral("/nonexistent/e.txt")} << QStringLiteral("e.txt");
}

void TestCliConvert::badInput()
{
    QFETCH(QStringList, args);
    QFETCH(QString, mention);
    const QString out = dir_.filePath(QStringLiteral("untouched.cbor"));
    writeFile(out, "before");
    QStringList full{QStringLiteral("convert"), args[0], out};
    full += args.mid(1);
    const Run r = attnviz(full);
    QCOMPARE(r.status, 2);
    QVERIFY(r.out.isEmpty());
    QVERIFY2(r.err.contains(mention.toUtf8()), r.err.constData());
    QCOMPARE(readBytes(out), std::string("before"));  // nothing half-written over an existing file
    // an output name that is neither .json nor .cbor
    const Run ext = attnviz({QStringLiteral("convert"), golden("bahdanau.model.json"), dir_.filePath(QStringLiteral("m.txt"))});
    QCOMPARE(ext.status, 2);
    QVERIFY(ext.err.contains(".json or .cbor"));
    QVERIFY(!QFile::exists(dir_.filePath(QStringLiteral("m.txt"))));
}

// issue 18: a write keeps the mode of the file it replaces, refuses a read-only file (also as root),
// writes through a symbolic link (the link stays a link) and refuses a link to nothing.
void TestCliConvert::writesKeepModesAndLinks()
{
    const QString in = golden("bahdanau.model.json");
    const QString priv = dir_.filePath(QStringLiteral("private.json"));
    writeFile(priv, "old");
    QVERIFY(QFile::setPermissions(priv, QFileDevice::ReadOwner | QFileDevice::WriteOwner));
    Run r = attnviz({QStringLiteral("convert"), in, priv});
    QCOMPARE(r.status, 0);
    QCOMPARE(QFile::permissions(priv) & 0x7777, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadUser | QFileDevice::WriteUser);
    QVERIFY(QFileInfo(priv).size() > 100);

    const QString ro = dir_.filePath(QStringLiteral("readonly.json"));
    writeFile(ro, "keep");
    QVERIFY(QFile::setPermissions(ro, QFileDevice::ReadOwner | QFileDevice::ReadGroup | QFileDevice::ReadOther));
    r = attnviz({QStringLiteral("convert"), in, ro});
    QCOMPARE(r.status, 2);
    QVERIFY2(r.err.contains("read-only"), r.err.constData());
    QFile f(ro);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), QByteArray("keep"));
    QCOMPARE(QFile::permissions(ro) & (QFileDevice::WriteOwner | QFileDevice::WriteGroup | QFileDevice::WriteOther), QFileDevice::Permissions());

    const QString target = dir_.filePath(QStringLiteral("real.json")), link = dir_.filePath(QStringLiteral("link.json"));
    writeFile(target, "old");
    QVERIFY(QFile::link(target, link));
    r = attnviz({QStringLiteral("convert"), in, link});
    QCOMPARE(r.status, 0);
    QVERIFY(QFileInfo(link).isSymLink());
    QVERIFY(QFileInfo(target).size() > 100);

    const QString dangling = dir_.filePath(QStringLiteral("dangling.json"));
    QVERIFY(QFile::link(dir_.filePath(QStringLiteral("nowhere/x.json")), dangling));
    r = attnviz({QStringLiteral("convert"), in, dangling});
    QCOMPARE(r.status, 2);
    QVERIFY2(r.err.contains("symbolic link"), r.err.constData());
}

QTEST_GUILESS_MAIN(TestCliConvert)
#include "tst_cli_convert.moc"
