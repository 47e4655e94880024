// attnviz train --timeline and attnviz export TIMELINE (issue 15, SPEC §5 attnviz-timeline, §6): a tiny dates
// model records its snapshots by the rule (batch 0, every N, epoch ends, the end), its loss falls and its
// attention sharpens; --resume continues the timeline; bad arguments exit 2 and write nothing; the timeline
// exports to a PNG grid and a GIF of one frame per snapshot (sizes and frame counts read from the bytes).
#include "core/formats/timeline.h"
#include "core/train/tasks.h"
#include "core/train/timeline_recorder.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtEndian>
#include <QtTest>

#include <cmath>
#include <fstream>
#include <set>

using namespace attnviz;

namespace {

struct Run {
    int status = -1;
    QString out, err;
};

Run runAttnviz(const QStringList& args, const QString& dir)
{
    QProcess p;
    p.setWorkingDirectory(dir);
    p.start(QStringLiteral(ATTNVIZ_BIN), args);
    if (!p.waitForFinished(240000)) {
        p.kill();
        p.waitForFinished();
    }
    return Run{p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
               QString::fromUtf8(p.readAllStandardError())};
}

// The dates task, small: 1200 pairs in batches of 32 = 38 batches an epoch, 4 epochs = 152 batches.
constexpr int kTrain = 1200, kBatch = 32, kEpochs = 4, kEvery = 10;
constexpr long long kPerEpoch = (kTrain + kBatch - 1) / kBatch;
const QStringList kTiny{"--task", "dates", "--arch", "bahdanau", "--hidden", "32", "--embedding", "16", "--train-size",
                        QString::number(kTrain), "--valid-size", "100", "--batch", QString::number(kBatch), "--lr", "0.01",
                        "--threads", "2", "--quiet"};
// 12 characters (the dates task tokenizes characters), and a second, longer one
const QString kProbe12 = QStringLiteral("2 March 2011"), kProbe2 = QStringLiteral("Wednesday, November 25, 2026");

// The batches the rule gives: 0, every `every`, every epoch end.
std::vector<long long> expectedBatches(long long perEpoch, int epochs, long long every)
{
    std::set<long long> b{0};
    for (long long k = every; k <= perEpoch * epochs; k += every)
        b.insert(k);
    for (int e = 1; e <= epochs; ++e)
        b.insert(perEpoch * e);
    return {b.begin(), b.end()};
}

std::vector<long long> batchesOf(const Timeline& t)
{
    std::vector<long long> b;
    for (const TimelineSnapshot& s : t.snapshots)
        b.push_back(s.batch);
    return b;
}

double meanEntropy(const TimelineSnapshot& s)
{
    double sum = 0;
    for (const Trace& t : s.traces)
        sum += meanAttentionEntropy(t);
    return sum / static_cast<double>(s.traces.size());
}

QByteArray bytes(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QSize pngSize(const QByteArray& png)
{
    if (png.size() < 24 || !png.startsWith("\x89PNG\r\n\x1a\n"))
        return {};
    return {static_cast<int>(qFromBigEndian<quint32>(png.constData() + 16)), static_cast<int>(qFromBigEndian<quint32>(png.constData() + 20))};
}

// A GIF's screen size and number of frames (image descriptors), walking its blocks; {-1,-1}, -1 when malformed.
struct GifInfo {
    QSize size{-1, -1};
    int frames = -1;
};
GifInfo gifInfo(const QByteArray& g)
{
    GifInfo info;
    if (g.size() < 13 || !g.startsWith("GIF89a"))
        return info;
    const auto u8 = [&](qsizetype i) { return static_cast<unsigned char>(g[i]); };
    info.size = QSize(u8(6) | (u8(7) << 8), u8(8) | (u8(9) << 8));
    qsizetype i = 13;
    if (u8(10) & 0x80)
        i += 3 * (qsizetype(1) << ((u8(10) & 7) + 1));
    const auto skipSubBlocks = [&](qsizetype& at) {
        while (at < g.size() && u8(at) != 0)
            at += u8(at) + 1;
        ++at;
    };
    int frames = 0;
    while (i < g.size()) {
        const unsigned char b = u8(i);
        if (b == 0x3B) {
            info.frames = frames;
            return info;
        }
        if (b == 0x21) {
            i += 2;
            skipSubBlocks(i);
        } else if (b == 0x2C) {
            if (i + 10 > g.size())
                return info;
            const unsigned char flags = u8(i + 9);
            i += 10;
            if (flags & 0x80)
                i += 3 * (qsizetype(1) << ((flags & 7) + 1));
            ++i;  // LZW minimum code size
            skipSubBlocks(i);
            ++frames;
        } else {
            return info;
        }
    }
    return info;
}

} // namespace

class TestCliTimeline : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void recordsByTheRule();
    void lossFallsAttentionSharpens();
    void defaults();
    void resumeContinues();
    void badArguments_data();
    void badArguments();
    void exportPng();
    void exportGif();
    void exportCapsFrames();
    void exportBad();

private:
    QTemporaryDir dir_;
    Timeline timeline_;
    Run run_;
};

void TestCliTimeline::initTestCase()
{
    QVERIFY(dir_.isValid());
    run_ = runAttnviz(QStringList{"train", "-o", "m.cbor", "--epochs", QString::number(kEpochs), "--timeline", "t.json", "--probe", kProbe12,
                               "--probe", kProbe2, "--snapshot-every", QString::number(kEvery)} + kTiny,
                   dir_.path());
    QVERIFY2(run_.status == 0, qPrintable(run_.err));
    timeline_ = loadTimeline(dir_.filePath("t.json").toStdString());
}

void TestCliTimeline::recordsByTheRule()
{
    QCOMPARE(batchesOf(timeline_), expectedBatches(kPerEpoch, kEpochs, kEvery));
    QCOMPARE(timeline_.snapshots.front().batch, 0LL);
    QCOMPARE(timeline_.snapshotEvery, static_cast<long long>(kEvery));
    QCOMPARE(timeline_.architecture, std::string("bahdanau"));
    QCOMPARE(timeline_.probes, (std::vector<std::string>{kProbe12.toStdString(), kProbe2.toStdString()}));
    for (const TimelineSnapshot& s : timeline_.snapshots) {
        const bool epochEnd = s.batch > 0 && s.batch % kPerEpoch == 0;
        QCOMPARE(s.validLoss.has_value(), epochEnd);
        QCOMPARE(s.validAccuracy.has_value(), epochEnd);
        QCOMPARE(s.epoch, static_cast<double>(s.batch) / kPerEpoch);
        QCOMPARE(s.traces.size(), std::size_t(2));
        QCOMPARE(s.traces[0].sourceTokens.size(), std::size_t(12));
    }
    // the summary line says how many snapshots and what they cost
    QVERIFY2(run_.err.contains(QStringLiteral("timeline: %1 snapshots").arg(timeline_.snapshots.size())), qPrintable(run_.err));
    QVERIFY2(run_.err.contains("% of the training time"), qPrintable(run_.err));
    // the model and its checkpoint are there too; no temporary file left
    QCOMPARE(QDir(dir_.path()).entryList(QDir::Files), (QStringList{"m.cbor", "m.cbor.ckpt", "t.json"}));
}

void TestCliTimeline::lossFallsAttentionSharpens()
{
    const TimelineSnapshot& first = timeline_.snapshots.front();
    const TimelineSnapshot& last = timeline_.snapshots.back();
    QVERIFY2(last.trainLoss < first.trainLoss, qPrintable(QStringLiteral("%1 → %2").arg(first.trainLoss).arg(last.trainLoss)));
    QVERIFY2(last.trainLoss < 0.5 * first.trainLoss, qPrintable(QStringLiteral("%1 → %2").arg(first.trainLoss).arg(last.trainLoss)));
    const double h0 = meanEntropy(first), h1 = meanEntropy(last);
    QVERIFY2(h1 < h0, qPrintable(QStringLiteral("entropy %1 → %2").arg(h0).arg(h1)));
}

void TestCliTimeline::defaults()
{
    // No --probe: the first validation sentence; no --snapshot-every: about 50 snapshots over the run.
    QTemporaryDir dir;
    const Run r = runAttnviz(QStringList{"train", "-o", "d.json", "--epochs", "1", "--timeline", "d.cbor"} + kTiny, dir.path());
    QVERIFY2(r.status == 0, qPrintable(r.err));
    const Timeline t = loadTimeline(dir.filePath("d.cbor").toStdString());
    TaskOptions to;
    to.trainSize = kTrain;
    to.validSize = 100;
    to.seed = 1;
    QCOMPARE(t.probes, (std::vector<std::string>{makeTask("dates", to).valid.front().source}));
    QCOMPARE(t.snapshotEvery, defaultSnapshotEvery(kPerEpoch));
    QCOMPARE(batchesOf(t), expectedBatches(kPerEpoch, 1, defaultSnapshotEvery(kPerEpoch)));
    QVERIFY(t.snapshots.size() >= 20 && t.snapshots.size() <= 200);
}

void TestCliTimeline::resumeContinues()
{
    // 1 epoch, then --resume to 2: the same snapshots as a straight 2-epoch run, the same traces (bitwise
    // training with the same thread count).
    QTemporaryDir dir;
    const QStringList small{"--task", "reverse", "--arch", "luong", "--hidden", "16", "--embedding", "8", "--train-size", "200",
                            "--valid-size", "20", "--batch", "16", "--threads", "1", "--quiet", "--snapshot-every", "5",
                            "--probe", "abc123"};
    Run r = runAttnviz(QStringList{"train", "-o", "s.json", "--epochs", "2", "--timeline", "s.tl.json"} + small, dir.path());
    QVERIFY2(r.status == 0, qPrintable(r.err));
    r = runAttnviz(QStringList{"train", "-o", "r.json", "--epochs", "1", "--timeline", "r.tl.json"} + small, dir.path());
    QVERIFY2(r.status == 0, qPrintable(r.err));
    QCOMPARE(loadTimeline(dir.filePath("r.tl.json").toStdString()).snapshots.back().batch, 13LL);
    r = runAttnviz({"train", "--resume", "r.json", "--epochs", "2", "--timeline", "r.tl.json", "--quiet"}, dir.path());
    QVERIFY2(r.status == 0, qPrintable(r.err));
    const Timeline straight = loadTimeline(dir.filePath("s.tl.json").toStdString());
    const Timeline resumed = loadTimeline(dir.filePath("r.tl.json").toStdString());
    QCOMPARE(batchesOf(resumed), batchesOf(straight));
    QCOMPARE(batchesOf(resumed), expectedBatches(13, 2, 5));
    for (std::size_t i = 0; i < straight.snapshots.size(); ++i)
        QVERIFY2(traceToJson(resumed.snapshots[i].traces[0]) == traceToJson(straight.snapshots[i].traces[0]), qPrintable(QString::number(i)));
    QCOMPARE(resumed.snapshots.back().validAccuracy, straight.snapshots.back().validAccuracy);

    // --resume with a timeline of another model, or none: status 2, nothing changed
    const QByteArray before = bytes(dir.filePath("r.tl.json"));
    r = runAttnviz({"train", "--resume", "r.json", "--epochs", "3", "--timeline", dir_.filePath("t.json"), "--quiet"}, dir.path());
    QCOMPARE(r.status, 2);
    QVERIFY2(r.err.contains("expected the timeline of r.json"), qPrintable(r.err));
    r = runAttnviz({"train", "--resume", "r.json", "--epochs", "3", "--timeline", "none.json", "--quiet"}, dir.path());
    QCOMPARE(r.status, 2);
    QVERIFY2(r.err.contains("none.json"), qPrintable(r.err));
    r = runAttnviz({"train", "--resume", "r.json", "--epochs", "3", "--timeline", "r.tl.json", "--probe", "abc"}, dir.path());
    QCOMPARE(r.status, 2);
    QVERIFY2(r.err.contains("--probe"), qPrintable(r.err));
    QCOMPARE(bytes(dir.filePath("r.tl.json")), before);
}

void TestCliTimeline::badArguments_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    const QStringList base{"train", "--task", "dates", "--arch", "bahdanau", "-o", "x.json", "--epochs", "1", "--train-size", "40",
                           "--valid-size", "5", "--hidden", "8", "--embedding", "4"};
    QTest::newRow("every 0") << base + QStringList{"--timeline", "t.json", "--snapshot-every", "0"} << "--snapshot-every: expected an integer";
    QTest::newRow("every negative") << base + QStringList{"--timeline", "t.json", "--snapshot-every", "-5"} << "--snapshot-every: expected an integer";
    QTest::newRow("every fraction") << base + QStringList{"--timeline", "t.json", "--snapshot-every", "2.5"} << "--snapshot-every: expected an integer";
    QTest::newRow("every word") << base + QStringList{"--timeline", "t.json", "--snapshot-every", "often"} << "--snapshot-every: expected an integer";
    QTest::newRow("empty probe") << base + QStringList{"--timeline", "t.json", "--probe", "2 March 2011", "--probe", ""} << "tokenizes to nothing";
    QTest::newRow("probe too long") << base + QStringList{"--timeline", "t.json", "--probe", QString(500, QLatin1Char('1'))} << "--probe";
    QTest::newRow("probe without timeline") << base + QStringList{"--probe", "2 March 2011"} << "--probe and --snapshot-every go with --timeline";
    QTest::newRow("precision without timeline") << base + QStringList{"--precision", "float64"} << "--precision";
    QTest::newRow("bad precision") << base + QStringList{"--timeline", "t.json", "--precision", "half"} << "--precision: expected float32 or float64";
    QTest::newRow("every without timeline") << base + QStringList{"--snapshot-every", "5"} << "go with --timeline";
    QTest::newRow("timeline is the model") << base + QStringList{"--timeline", "x.json"} << "--timeline: expected a file of its own";
    QTest::newRow("timeline is the checkpoint") << base + QStringList{"--timeline", "./x.json.ckpt"} << "--timeline: expected a file of its own";
    QTest::newRow("timeline a directory") << base + QStringList{"--timeline", "."} << "--timeline";
    QTest::newRow("timeline without file") << base + QStringList{"--timeline"} << "needs a value";
    QTest::newRow("blank probe, word tokenizer")
        << QStringList{"train", "--task", "file:pairs.tsv", "--arch", "luong", "-o", "x.json", "--epochs", "1", "--hidden", "8",
                       "--embedding", "4", "--timeline", "t.json", "--probe", "   "}
        << "tokenizes to nothing";
}

void TestCliTimeline::badArguments()
{
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    QTemporaryDir dir;
    {
        std::ofstream f(dir.filePath("pairs.tsv").toStdString());
        for (int i = 0; i < 40; ++i)
            f << "the cat " << i % 5 << "\tel gato " << i % 5 << "\n";
    }
    const Run r = runAttnviz(args, dir.path());
    QCOMPARE(r.status, 2);
    QVERIFY2(r.err.startsWith("attnviz train: ") && r.err.contains(message), qPrintable(r.err));
    QVERIFY(r.out.isEmpty());
    // nothing written: no model, checkpoint or timeline
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{"pairs.tsv"});
}

void TestCliTimeline::exportPng()
{
    const QString png = dir_.filePath("emerging.png");
    Run r = runAttnviz({"export", "t.json", "-o", png}, dir_.path());
    QVERIFY2(r.status == 0, qPrintable(r.err));
    // default: 5 columns + margins, each 340 px or, for the 28-token probe, 14 px a token + 150; a title, 2 probe
    // rows of 22 + 320 px, the 240 px loss curve
    QCOMPARE(pngSize(bytes(png)), QSize(2 * 16 + 5 * (14 * 28 + 150), 16 + 30 + 2 * (22 + 320) + 240 + 16));
    QVERIFY(bytes(png).size() > 20000);
    r = runAttnviz({"export", "t.json", "-o", "small.png", "--width", "900", "--height", "600"}, dir_.path());
    QVERIFY2(r.status == 0, qPrintable(r.err));
    QCOMPARE(pngSize(bytes(dir_.filePath("small.png"))), QSize(900, 600));
    for (const char* still : {"e.svg", "e.pdf"}) {
        r = runAttnviz({"export", "t.json", "-o", still}, dir_.path());
        QVERIFY2(r.status == 0, qPrintable(r.err));
        QVERIFY(bytes(dir_.filePath(still)).size() > 10000);
    }
}

void TestCliTimeline::exportGif()
{
    const QString gif = dir_.filePath("emerging.gif");
    const Run r = runAttnviz({"export", "t.json", "-o", gif, "--fps", "8"}, dir_.path());
    QVERIFY2(r.status == 0, qPrintable(r.err));
    const GifInfo info = gifInfo(bytes(gif));
    QCOMPARE(info.size, QSize(2 * 16 + 2 * (14 * 28 + 150), 640));  // wider than 1024 for the 28-token probe
    QCOMPARE(info.frames, static_cast<int>(timeline_.snapshots.size()));
}

void TestCliTimeline::exportCapsFrames()
{
    // 260 snapshots (the recorded ones repeated at later batches): 200 frames
    json doc = timelineToJson(timeline_);
    json snaps = json::array();
    for (int i = 0; i < 260; ++i) {
        json s = doc["snapshots"][static_cast<std::size_t>(i) % doc["snapshots"].size()];
        s["batch"] = i;
        s["epoch"] = i / 100.0;
        snaps.push_back(std::move(s));
    }
    doc["snapshots"] = std::move(snaps);
    saveDocument(dir_.filePath("long.cbor").toStdString(), doc);
    const Run r = runAttnviz({"export", "long.cbor", "-o", "long.gif", "--width", "480", "--height", "300"}, dir_.path());
    QVERIFY2(r.status == 0, qPrintable(r.err));
    const GifInfo info = gifInfo(bytes(dir_.filePath("long.gif")));
    QCOMPARE(info.size, QSize(480, 300));
    QCOMPARE(info.frames, 200);
}

void TestCliTimeline::exportBad()
{
    json doc = timelineToJson(timeline_);
    std::swap(doc["snapshots"][1], doc["snapshots"][2]);
    saveDocument(dir_.filePath("order.json").toStdString(), doc);
    Run r = runAttnviz({"export", "order.json", "-o", "x.png"}, dir_.path());
    QCOMPARE(r.status, 2);
    QVERIFY2(r.err.contains("order.json: /snapshots/2/batch: expected snapshots in training order"), qPrintable(r.err));
    // truncated
    const QByteArray text = bytes(dir_.filePath("t.json"));
    QFile cut(dir_.filePath("cut.json"));
    QVERIFY(cut.open(QIODevice::WriteOnly));
    cut.write(text.left(text.size() / 3));
    cut.close();
    r = runAttnviz({"export", "cut.json", "-o", "x.gif"}, dir_.path());
    QCOMPARE(r.status, 2);
    QVERIFY2(r.err.contains("cut.json"), qPrintable(r.err));
    r = runAttnviz({"export", "t.json", "-o", "x.png", "--input", "2 March 2011"}, dir_.path());
    QCOMPARE(r.status, 2);
    QVERIFY2(r.err.contains("does not apply to a timeline"), qPrintable(r.err));
    QVERIFY(!QFile::exists(dir_.filePath("x.png")));
    QVERIFY(!QFile::exists(dir_.filePath("x.gif")));
}

QTEST_GUILESS_MAIN(TestCliTimeline)
#include "tst_cli_timeline.moc"
