// The one loading path (core/formats/any_file.h, issue 18): every kind of file comes back as what it holds, a model
// through the streaming reader, the "format" found without building a document; bad files are InputErrors
// naming the file and the place.
#include "core/formats/any_file.h"
#include "core/formats/error.h"
#include "core/formats/json_io.h"

#include "input_failure.h"

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <sys/stat.h>

using namespace attnviz;
using attnviz_test::inputFailure;

namespace {

std::string source(const char* relative)
{
    return std::string(ATTNVIZ_SOURCE_DIR) + "/" + relative;
}

void writeFile(const std::string& path, const std::string& bytes)
{
    std::ofstream out(path, std::ios::binary);
    out << bytes;
}

} // namespace

class TestAnyFile : public QObject {
    Q_OBJECT
private slots:
    void everyContent_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("content");
        QTest::addColumn<QString>("format");
        QTest::newRow("example json") << "samples/examples/textbook_dot.json" << int(FileContent::Example) << "attnviz-example";
        QTest::newRow("example cbor") << "samples/examples/textbook_dot.cbor" << int(FileContent::Example) << "attnviz-example";
        QTest::newRow("model cbor") << "samples/models/dates_transformer.cbor" << int(FileContent::Model) << "attnviz-model";
        QTest::newRow("model json") << "tests/data/golden/bahdanau.model.json" << int(FileContent::Model) << "attnviz-model";
        QTest::newRow("trace") << "tests/data/golden/bahdanau.trace.json" << int(FileContent::Trace) << "attnviz-trace";
        QTest::newRow("trace with keys and values") << "fuzz/corpus/trace/transformer_cross_kv.trace.json" << int(FileContent::Trace)
                                                    << "attnviz-trace";
        QTest::newRow("npz states") << "fuzz/corpus/npz/states.npz" << int(FileContent::Example) << "";
    }
    void everyContent()
    {
        QFETCH(QString, file);
        QFETCH(int, content);
        QFETCH(QString, format);
        const std::string path = source(file.toUtf8().constData());
        const AnyFile any = loadAnyFile(path);
        QCOMPARE(int(any.content), content);
        QCOMPARE(any.example.has_value(), content == int(FileContent::Example));
        QCOMPARE(any.model.has_value(), content == int(FileContent::Model));
        QCOMPARE(any.trace.has_value(), content == int(FileContent::Trace));
        if (!format.isEmpty())
            QCOMPARE(QString::fromStdString(documentFormat(path)), format);
        if (any.model)
            QVERIFY(!any.model->architecture.empty());
        if (any.trace)
            QVERIFY(!any.trace->steps.empty());
    }

    void timeline()
    {
        QDir dir(QString::fromStdString(source("fuzz/corpus/timeline")));
        const QStringList files = dir.entryList(QDir::Files);
        int loaded = 0;
        for (const QString& f : files) {
            const std::string path = dir.filePath(f).toStdString();
            if (documentFormat(path) != "attnviz-timeline")
                continue;
            try {
                const AnyFile any = loadAnyFile(path);
                QCOMPARE(any.content, FileContent::Timeline);
                QVERIFY(any.timeline && !any.timeline->snapshots.empty());
                ++loaded;
            } catch (const InputError&) {  // the corpus also holds inputs that must be refused
            }
        }
        QVERIFY2(loaded >= 2, "expected the corpus' good timelines to load");
    }

    // The format is found where it is, even after a large value, without building the document; and the
    // sniffing stops there (the rest of the file is not read: a syntax error after it is the loader's).
    void formatAnywhereAtTheTop()
    {
        QTemporaryDir dir;
        const std::string late = dir.filePath("late.json").toStdString();
        std::string big = "{\"title\": \"x\", \"data\": [";
        for (int i = 0; i < 20000; ++i)
            big += (i ? ",[1,2,3]" : "[1,2,3]");
        big += "], \"inner\": {\"format\": \"attnviz-model\"}, \"format\": \"attnviz-trace\", \"broken\": ";
        writeFile(late, big);
        QCOMPARE(documentFormat(late), std::string("attnviz-trace"));  // not the nested one
        const auto f = inputFailure([&] { loadAnyFile(late); });
        QVERIFY(f.thrown);
        QCOMPARE(f.file, late);
    }

    void refusedWithThePlace()
    {
        QTemporaryDir dir;
        const std::string other = dir.filePath("other.json").toStdString();
        writeFile(other, R"({"format": "attnviz-recipe", "steps": []})");
        auto f = inputFailure([&] { loadAnyFile(other); });
        QVERIFY(f.thrown);
        QCOMPARE(f.where, std::string("/format"));
        QVERIFY2(f.message.find("attnviz-recipe") != std::string::npos, f.message.c_str());

        const std::string none = dir.filePath("none.json").toStdString();
        writeFile(none, R"([1, 2, 3])");
        f = inputFailure([&] { loadAnyFile(none); });
        QVERIFY(f.thrown);
        QVERIFY2(f.message.find("an array") != std::string::npos, f.message.c_str());

        const std::string syntax = dir.filePath("syntax.json").toStdString();
        writeFile(syntax, "{\"title\": [1, 2,, 3]}");
        f = inputFailure([&] { loadAnyFile(syntax); });
        QVERIFY(f.thrown);
        QCOMPARE(f.file, syntax);

        const std::string deep = dir.filePath("deep.json").toStdString();
        writeFile(deep, std::string(5000, '[') + std::string(5000, ']'));
        f = inputFailure([&] { loadAnyFile(deep); });
        QVERIFY(f.thrown);
        QCOMPARE(f.file, deep);

        // A model with a weight of no known name is refused by the streaming reader, naming the weight.
        const std::string golden = source("tests/data/golden/bahdanau.model.json");
        json model = loadDocument(golden, modelLimits());
        model["weights"]["mystery.weight"] = model["weights"].begin().value();
        const std::string odd = dir.filePath("odd.json").toStdString();
        writeFile(odd, model.dump());
        f = inputFailure([&] { loadAnyFile(odd); });
        QVERIFY(f.thrown);
        QVERIFY2(f.where.find("mystery.weight") != std::string::npos || f.message.find("mystery.weight") != std::string::npos,
                 f.message.c_str());

        // Not regular files: refused at once, saying what they are.
        const std::string fifo = dir.filePath("pipe.json").toStdString();
        QCOMPARE(::mkfifo(fifo.c_str(), 0600), 0);
        f = inputFailure([&] { loadAnyFile(fifo); });
        QVERIFY2(f.thrown && f.message.find("FIFO") != std::string::npos, f.message.c_str());
        f = inputFailure([&] { loadAnyFile(dir.path().toStdString()); });
        QVERIFY2(f.thrown && f.message.find("directory") != std::string::npos, f.message.c_str());
        f = inputFailure([&] { loadAnyFile(dir.filePath("missing.json").toStdString()); });
        QVERIFY(f.thrown);
    }
};

QTEST_GUILESS_MAIN(TestAnyFile)
#include "tst_any_file.moc"
