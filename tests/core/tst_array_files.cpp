// Hidden states from numerical tools (SPEC §5): .npz, .safetensors and torch.save .pt files read by
// core/formats/npy, core/formats/safetensors and core/formats/torch_pickle through core/formats/array_file. The
// fixtures in tests/data/arrays are written by tools/make_array_fixtures.py (numpy + torch); a missing fixture is a
// failure, not a skip. Every good file must give exactly the numbers of states.json; every bad one an
// InputError naming the file and the array, quickly.
#include "core/formats/array_file.h"
#include "core/formats/json_io.h"
#include "core/formats/npy.h"
#include "core/formats/safetensors.h"
#include "core/formats/torch_pickle.h"

#include <QtTest>

#include <QElapsedTimer>
#include <QFile>

#include <cstring>
#include <random>

using namespace attnviz;

namespace {

const QString kArrays = QStringLiteral(ATTNVIZ_TESTDATA_DIR "/arrays/");

std::string bytesOf(const QString& name)
{
    QFile f(kArrays + name);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    const QByteArray b = f.readAll();
    return std::string(b.constData(), static_cast<std::size_t>(b.size()));
}

std::string path(const QString& name)
{
    return (kArrays + name).toStdString();
}

// A version-1 .npy array written byte by byte.
std::string npy(const std::string& header, const std::string& data)
{
    std::string h = header;
    while ((10 + h.size() + 1) % 64)
        h += ' ';
    h += '\n';
    std::string out = std::string("\x93NUMPY\x01\x00", 8);
    out += static_cast<char>(h.size() & 0xff);
    out += static_cast<char>(h.size() >> 8);
    return out + h + data;
}

std::string bigEndianDoubles(const std::vector<double>& v)
{
    std::string out;
    for (double d : v) {
        unsigned char b[8];
        std::memcpy(b, &d, 8);
        for (int i = 7; i >= 0; --i)
            out += static_cast<char>(b[i]);
    }
    return out;
}

template <typename F>
QString errorOf(F&& f)
{
    try {
        f();
    } catch (const InputError& e) {
        return QString::fromStdString(e.what());
    }
    return QString();
}

} // namespace

class TestArrayFiles : public QObject {
    Q_OBJECT
private slots:
    void fixturesPresent();
    void sameNumbersAsJson_data();
    void sameNumbersAsJson();
    void fileKinds();
    void badFiles_data();
    void badFiles();
    void npyByteOrderAndFortran();
    void npyHeaderErrors();
    void safetensorsInMemory();
    void pickleRefusesWithoutRunning_data();
    void pickleRefusesWithoutRunning();
    void inflateLimit();
    void truncationsAndCorruptions_data();
    void truncationsAndCorruptions();
};

void TestArrayFiles::fixturesPresent()
{
    for (const char* f : {"states.json", "states.npz", "states_mixed.npz", "states.safetensors", "states_bf16.safetensors", "states.pt",
                          "states_half.pt", "bad.tsv", "general_without_W.npz"})
        QVERIFY2(QFile::exists(kArrays + QLatin1String(f)), qPrintable(QStringLiteral("missing fixture %1: run /usr/bin/python3 tools/make_array_fixtures.py").arg(QLatin1String(f))));
}

void TestArrayFiles::sameNumbersAsJson_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<bool>("tokens");
    QTest::newRow("npz stored f8 C order") << QStringLiteral("states.npz") << false;
    QTest::newRow("npz deflated >f4 Fortran, f2, U and S tokens") << QStringLiteral("states_mixed.npz") << true;
    QTest::newRow("safetensors F32 F64 F16 + metadata tokens") << QStringLiteral("states.safetensors") << true;
    QTest::newRow("pt f32 f64 column-major W + token lists") << QStringLiteral("states.pt") << true;
    QTest::newRow("pt f16 bf16 Parameter") << QStringLiteral("states_half.pt") << false;
}

void TestArrayFiles::sameNumbersAsJson()
{
    QFETCH(QString, file);
    QFETCH(bool, tokens);
    const Example ref = loadExample(path(QStringLiteral("states.json")));
    const Example ex = loadExampleAny(path(file), ScoreKind::General);
    QCOMPARE(ex.score.id(), std::string("general"));
    // Every number is a multiple of 1/8 below 64: exact in float16 and bfloat16 too.
    QVERIFY(ex.encoderStates == ref.encoderStates);
    QVERIFY(ex.decoderStates == ref.decoderStates);
    QVERIFY(ex.availableParams.W == ref.availableParams.W);
    if (tokens) {
        QVERIFY(ex.sourceTokens == ref.sourceTokens);
        QVERIFY(ex.targetTokens == ref.targetTokens);
    }
    const Trace a = exampleTrace(ex), b = exampleTrace(withScore(ref, ScoreKind::General));
    QCOMPARE(a.steps.size(), b.steps.size());
    for (std::size_t t = 0; t < a.steps.size(); ++t) {
        QVERIFY(a.steps[t].attention->scores == b.steps[t].attention->scores);
        QVERIFY(a.steps[t].attention->weights == b.steps[t].attention->weights);
        QVERIFY(a.steps[t].attention->context == b.steps[t].attention->context);
    }
    // Without --score: dot (dq = dk here).
    QCOMPARE(loadExampleAny(path(file)).score.id(), std::string("dot"));
}

void TestArrayFiles::fileKinds()
{
    QCOMPARE(detectFileKind(path(QStringLiteral("states.json"))), FileKind::Document);
    QCOMPARE(detectFileKind(path(QStringLiteral("states.npz"))), FileKind::Zip);
    QCOMPARE(detectFileKind(path(QStringLiteral("states.pt"))), FileKind::Zip);
    QCOMPARE(detectFileKind(path(QStringLiteral("states.safetensors"))), FileKind::Safetensors);
    QVERIFY(errorOf([] { detectFileKind(ATTNVIZ_TESTDATA_DIR "/arrays"); }).contains(QStringLiteral("a directory")));
}

void TestArrayFiles::badFiles_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("array");
    QTest::addColumn<QString>("says");
    QFile list(kArrays + QStringLiteral("bad.tsv"));
    QVERIFY2(list.open(QIODevice::ReadOnly | QIODevice::Text), "missing tests/data/arrays/bad.tsv: run tools/make_array_fixtures.py");
    int rows = 0;
    while (!list.atEnd()) {
        const QString line = QString::fromUtf8(list.readLine()).trimmed();
        if (line.isEmpty() || line.startsWith(QLatin1Char('#')))
            continue;
        const QStringList parts = line.split(QLatin1Char('\t'));
        QTest::newRow(qPrintable(parts[0])) << parts[0] << parts.value(1) << parts.value(2);
        ++rows;
    }
    QVERIFY(rows >= 20);
}

void TestArrayFiles::badFiles()
{
    QFETCH(QString, file);
    QFETCH(QString, array);
    QFETCH(QString, says);
    QVERIFY2(QFile::exists(kArrays + file), qPrintable(QStringLiteral("missing fixture ") + file));
    QElapsedTimer timer;
    timer.start();
    const QString msg = errorOf([&] { loadExampleAny(path(file)); });
    QVERIFY2(!msg.isEmpty(), "loaded without an error");
    const QString prefix = kArrays + file + QStringLiteral(": ") + (array.isEmpty() ? QString() : array + QStringLiteral(": "));
    QVERIFY2(msg.startsWith(prefix), qPrintable(msg));
    QVERIFY2(msg.contains(says), qPrintable(msg));
    QVERIFY2(timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
}

void TestArrayFiles::npyByteOrderAndFortran()
{
    // (2, 3) big-endian float64 in Fortran order: columns stored one after another.
    const std::string bytes = npy("{'descr': '>f8', 'fortran_order': True, 'shape': (2, 3), }", bigEndianDoubles({1, 4, 2, 5, 3, 6}));
    ArrayFile out;
    long long total = 0;
    readNpy(bytes, "x.npz", "encoder_states", ArrayLimits(), out, total);
    const NumArray& a = out.arrays.at("encoder_states");
    QCOMPARE(a.shape, (std::vector<long long>{2, 3}));
    QCOMPARE(a.data, (std::vector<double>{1, 2, 3, 4, 5, 6}));
    QCOMPARE(total, 6LL);
    // Little-endian UTF-32 strings, trailing NULs stripped.
    std::string u;
    for (const char* s : {"ab", "\xc3\xa9"}) {
        const std::u32string w = std::string(s) == "ab" ? std::u32string(U"ab") : std::u32string(U"\u00e9");
        for (int i = 0; i < 2; ++i) {
            const char32_t c = i < static_cast<int>(w.size()) ? w[static_cast<std::size_t>(i)] : 0;
            for (int k = 0; k < 4; ++k)
                u += static_cast<char>((c >> (8 * k)) & 0xff);
        }
    }
    readNpy(npy("{'descr': '<U2', 'fortran_order': False, 'shape': (2,), }", u), "x.npz", "source_tokens", ArrayLimits(), out, total);
    QCOMPARE(out.strings.at("source_tokens"), (std::vector<std::string>{"ab", "\xc3\xa9"}));
}

void TestArrayFiles::npyHeaderErrors()
{
    struct Case { std::string header, data, says; };
    const std::vector<Case> cases{
        {"{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }", std::string(4, '\0'), "integer or boolean dtype"},
        {"{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", std::string(16, '\0'), "found dtype '<c16'"},
        {"{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }", std::string(8, '\0'), "structured dtype"},
        {"{'descr': '<f8', 'fortran_order': maybe, 'shape': (1,), }", std::string(8, '\0'), "True or False"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }", std::string(8, '\0'), "tuple of non-negative integers"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000), }", std::string(8, '\0'), "at most 16000000 numbers"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", std::string(8, '\0'), "found 8 bytes"},
        {"{'descr': '<f8', 'fortran_order': False}", std::string(8, '\0'), "'descr', 'fortran_order' and 'shape'"},
    };
    for (const Case& c : cases) {
        ArrayFile out;
        long long total = 0;
        const QString msg = errorOf([&] { readNpy(npy(c.header, c.data), "x.npz", "W", ArrayLimits(), out, total); });
        QVERIFY2(msg.startsWith(QStringLiteral("x.npz: W: ")) && msg.contains(QString::fromStdString(c.says)), qPrintable(msg + " / " + QString::fromStdString(c.says)));
    }
    ArrayFile out;
    long long total = 0;
    QVERIFY(errorOf([&] { readNpy("\x93NUMPY\x01", "x.npz", "W", ArrayLimits(), out, total); }).contains(QStringLiteral("expected a NumPy array")));
}

void TestArrayFiles::safetensorsInMemory()
{
    const std::string header = R"({"encoder_states":{"dtype":"F64","shape":[1,2],"data_offsets":[0,16]},"decoder_states":{"dtype":"F64","shape":[1,2],"data_offsets":[0,16]}})";
    std::string bytes(8, '\0');
    for (int i = 0; i < 8; ++i)
        bytes[static_cast<std::size_t>(i)] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
    const double v[2] = {1.5, -2};
    bytes += header + std::string(reinterpret_cast<const char*>(v), 16);
    const ArrayFile f = readSafetensors(bytes, "x.safetensors");
    QCOMPARE(f.arrays.at("decoder_states").data, (std::vector<double>{1.5, -2}));
    QVERIFY(errorOf([&] { readSafetensors(bytes.substr(0, 20), "x.safetensors"); }).contains(QStringLiteral("header length within the file")));
    QVERIFY(errorOf([&] { readSafetensors(bytes.substr(0, 5), "x.safetensors"); }).contains(QStringLiteral("8-byte header length")));
    const Example ex = exampleFromArrays(f, "x.safetensors");
    QCOMPARE(ex.encoderStates.rows(), Eigen::Index(1));
}

void TestArrayFiles::pickleRefusesWithoutRunning_data()
{
    QTest::addColumn<QByteArray>("pickle");
    QTest::addColumn<QString>("says");
    QTest::newRow("builtins.eval") << QByteArray("\x80\x02" "cbuiltins\neval\nq\x00X\x04\x00\x00\x00" "1+1\x85R.", 27) << QStringLiteral("refused the global \"builtins.eval\"");
    QTest::newRow("os.system via STACK_GLOBAL") << QByteArray("\x80\x04\x8c\x02os\x8c\x06system\x93.", 15) << QStringLiteral("refused the global \"os.system\"");
    QTest::newRow("BUILD") << QByteArray("\x80\x02}}b.", 6) << QStringLiteral("opcode 0x62");
    QTest::newRow("NEWOBJ") << QByteArray("\x80\x02)\x81.", 5) << QStringLiteral("opcode 0x81");
    QTest::newRow("truncated") << QByteArray("\x80\x02}X\xff\x00\x00\x00" "ab", 10) << QStringLiteral("truncated");
    QTest::newRow("no STOP") << QByteArray("\x80\x02}", 3) << QStringLiteral("truncated");
    QTest::newRow("bare list") << QByteArray("\x80\x02].", 4) << QStringLiteral("expected a dict of tensors");
    QTest::newRow("list in itself") << QByteArray("\x80\x02]q\x00h\x00\x61.", 8) << QStringLiteral("contain itself");
    QTest::newRow("fill after nesting") << QByteArray("\x80\x02]q\x00\x85h\x00K\x01\x61.", 11) << QStringLiteral("filled before");
    QTest::newRow("pop past MARK") << QByteArray("\x80\x02(\x85.", 5) << QStringLiteral("corrupt pickle");
    QTest::newRow("missing memo") << QByteArray("\x80\x02h\x07.", 5) << QStringLiteral("memo entry 7");
    QByteArray deep("\x80\x02", 2);
    for (int i = 0; i < 100; ++i)
        deep += i ? "\x85" : "N\x85";
    deep += ".";
    QTest::newRow("nested 100 deep") << deep << QStringLiteral("nested at most 64");
}

void TestArrayFiles::pickleRefusesWithoutRunning()
{
    QFETCH(QByteArray, pickle);
    QFETCH(QString, says);
    const QString msg = errorOf([&] { checkTorchPickle(pickle.toStdString(), "x.pt"); });
    QVERIFY2(msg.startsWith(QStringLiteral("x.pt: data.pkl: ")) && msg.contains(says), qPrintable(msg));
}

void TestArrayFiles::inflateLimit()
{
    const std::string bytes = bytesOf(QStringLiteral("states_mixed.npz"));
    QVERIFY(!bytes.empty());
    ArrayLimits small;
    small.maxInflatedTotal = 300;  // the members' directory sizes add up to more
    const QString msg = errorOf([&] { readNpz(bytes, "m.npz", small); });
    QVERIFY2(msg.contains(QStringLiteral("inflated in all")), qPrintable(msg));
    ArrayLimits few;
    few.maxTotalElements = 10;
    QVERIFY(errorOf([&] { readNpz(bytes, "m.npz", few); }).contains(QStringLiteral("in all arrays together")));
}

void TestArrayFiles::truncationsAndCorruptions_data()
{
    QTest::addColumn<QString>("file");
    for (const char* f : {"states.npz", "states_mixed.npz", "states.safetensors", "states.pt"})
        QTest::newRow(f) << QString::fromLatin1(f);
}

// Every prefix of a good file and 300 random byte corruptions: an InputError or a good load, never a crash.
void TestArrayFiles::truncationsAndCorruptions()
{
    QFETCH(QString, file);
    const std::string good = bytesOf(file);
    QVERIFY(!good.empty());
    const bool st = file.endsWith(QStringLiteral(".safetensors")), pt = file.endsWith(QStringLiteral(".pt"));
    auto read = [&](const std::string& b) {
        return st ? readSafetensors(b, "f") : pt ? readTorchZip(b, "f") : readNpz(b, "f");
    };
    int errors = 0, loads = 0;
    auto attempt = [&](const std::string& b) {
        try {
            const ArrayFile f = read(b);
            exampleFromArrays(f, "f");
            ++loads;
        } catch (const InputError&) {
            ++errors;
        }
    };
    for (std::size_t n = 0; n < good.size(); ++n)
        attempt(good.substr(0, n));
    std::mt19937 rng(7);
    for (int i = 0; i < 300; ++i) {
        std::string b = good;
        for (int k = 0; k < 3; ++k)
            b[rng() % b.size()] = static_cast<char>(rng());
        attempt(b);
    }
    QVERIFY(errors > static_cast<int>(good.size()) / 2);
    qInfo("%s: %d errors, %d loads", qPrintable(file), errors, loads);
}

QTEST_GUILESS_MAIN(TestArrayFiles)
#include "tst_array_files.moc"
