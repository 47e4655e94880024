// attnviz train from the command line: a tiny run writes a model that attnviz translate loads; bad
// arguments exit with status 2 and a message on stderr.
#include <QElapsedTimer>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

namespace {

struct Run {
    int status = -1;
    QString out, err;
};

Run attnviz(const QStringList& args, const QString& dir)
{
    QProcess p;
    p.setWorkingDirectory(dir);
    p.start(QStringLiteral(ATTNVIZ_BIN), args);
    p.waitForFinished(120000);
    return Run{p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
               QString::fromUtf8(p.readAllStandardError())};
}

// n lines of `pattern` with %1 replaced by i % mod: a small tab-separated corpus dir/name.
bool writePairs(const QTemporaryDir& dir, const QString& name, const QString& pattern, int n, int mod)
{
    QFile f(dir.filePath(name));
    if (!f.open(QIODevice::WriteOnly))
        return false;
    for (int i = 0; i < n; ++i)
        f.write(pattern.arg(i % mod).toUtf8());
    return true;
}

const QStringList kTiny{"--epochs", "1", "--hidden", "8", "--embedding", "4", "--train-size", "120",
                        "--valid-size", "20", "--batch", "16", "--max-len", "12"};

} // namespace

class TestCliTrain : public QObject {
    Q_OBJECT
private slots:
    void trainsAndTranslates_data();
    void trainsAndTranslates();
    void fileTask();
    void interruptKeepsBest();
    void resumeMatchesStraight();
    void transformerResumesAndRecords();
    void resumeOnNewData();
    void initFineTunes();
    void transformerLearnsDates();
    void badResume_data();
    void badResume();
    void badArguments_data();
    void badArguments();
};

void TestCliTrain::trainsAndTranslates_data()
{
    QTest::addColumn<QString>("task");
    QTest::addColumn<QString>("arch");
    QTest::addColumn<QString>("file");
    QTest::newRow("dates bahdanau json") << "dates" << "bahdanau" << "m.json";
    QTest::newRow("reverse luong cbor") << "reverse" << "luong" << "m.cbor";
    QTest::newRow("dates seq2seq") << "dates" << "seq2seq" << "s.json";
}

void TestCliTrain::trainsAndTranslates()
{
    QFETCH(QString, task);
    QFETCH(QString, arch);
    QFETCH(QString, file);
    QTemporaryDir dir;
    const Run r = attnviz(QStringList{"train", "--task", task, "--arch", arch, "-o", file} + kTiny, dir.path());
    QVERIFY2(r.status == 0, qPrintable(r.err));
    QVERIFY(r.err.contains("epoch 1/1"));
    QVERIFY(r.err.contains("tok/s"));
    QVERIFY(r.out.startsWith(file));
    QVERIFY(QFile::exists(dir.filePath(file)));
    // the model and its checkpoint; no temporary file left behind
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), (QStringList{file, file + ".ckpt"}));
    const Run t = attnviz({"translate", file, "25 November 2026"}, dir.path());
    QVERIFY2(t.status == 0, qPrintable(t.err));
    QVERIFY(t.out.endsWith("\n"));
}

void TestCliTrain::fileTask()
{
    QTemporaryDir dir;
    QVERIFY(writePairs(dir, "pairs.tsv", "the cat %1\tel gato %1\n", 60, 7));
    const Run r = attnviz(QStringList{"train", "--task", "file:pairs.tsv", "--arch", "seq2seq_attention", "-o", "w.json",
                                      "--min-count", "1"} + kTiny, dir.path());
    QVERIFY2(r.status == 0, qPrintable(r.err));
    const Run t = attnviz({"translate", "w.json", "the cat 3"}, dir.path());
    QVERIFY2(t.status == 0, qPrintable(t.err));
}

void TestCliTrain::interruptKeepsBest()
{
    QTemporaryDir dir;
    QProcess p;
    p.setWorkingDirectory(dir.path());
    p.start(QStringLiteral(ATTNVIZ_BIN), QStringList{"train", "--task", "reverse", "--arch", "bahdanau", "-o", "i.json",
                                                      "--epochs", "100000", "--hidden", "8", "--embedding", "4",
                                                      "--train-size", "64", "--valid-size", "8"});
    QVERIFY(p.waitForStarted());
    QByteArray err;
    while (!err.contains("(best, saved)") && p.state() == QProcess::Running) {
        p.waitForReadyRead(1000);
        err += p.readAllStandardError();
    }
    QVERIFY2(err.contains("(best, saved)"), err.constData());
    ::kill(static_cast<pid_t>(p.processId()), SIGINT);  // Ctrl-C
    QVERIFY(p.waitForFinished(60000));
    err += p.readAllStandardError();
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(p.exitCode(), 0);
    QVERIFY2(err.contains("interrupted: keeping the best model so far"), err.constData());
    QVERIFY(QString::fromUtf8(p.readAllStandardOutput()).contains("interrupted"));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), (QStringList{"i.json", "i.json.ckpt"}));
    QCOMPARE(attnviz({"translate", "i.json", "abc"}, dir.path()).status, 0);
    QVERIFY2(err.contains("--resume i.json"), err.constData());
}

// 3 epochs straight versus 1 epoch, then --resume to 3 (from another folder: the task file path is absolute):
// the same model file, byte for byte.
void TestCliTrain::resumeMatchesStraight()
{
    QTemporaryDir dir;
    QVERIFY(writePairs(dir, "pairs.tsv", "the cat %1 sat\tel gato %1 se sentó\n", 80, 9));
    const QStringList common{"--task", "file:pairs.tsv", "--arch", "bahdanau", "--min-count", "1", "--hidden", "8",
                             "--embedding", "4", "--batch", "8", "--lr", "0.02", "--threads", "2", "--quiet"};
    const Run a = attnviz(QStringList{"train", "-o", "a.cbor", "--epochs", "3"} + common, dir.path());
    QVERIFY2(a.status == 0, qPrintable(a.err));
    const Run b = attnviz(QStringList{"train", "-o", "b.cbor", "--epochs", "1"} + common, dir.path());
    QVERIFY2(b.status == 0, qPrintable(b.err));
    QVERIFY(QDir(dir.path()).mkdir("elsewhere"));
    const Run r = attnviz({"train", "--resume", "../b.cbor", "--epochs", "3", "--quiet"}, dir.filePath("elsewhere"));
    QVERIFY2(r.status == 0, qPrintable(r.err));
    QVERIFY2(r.err.contains("resuming from ../b.cbor.ckpt: epoch 2 of 3"), qPrintable(r.err));
    QFile fa(dir.filePath("a.cbor")), fb(dir.filePath("b.cbor"));
    QVERIFY(fa.open(QIODevice::ReadOnly) && fb.open(QIODevice::ReadOnly));
    QVERIFY(fa.readAll() == fb.readAll());
    QVERIFY(r.out.contains("best epoch"));
}

// --resume MODEL --data file:NEW: a model trained on one corpus continues on another (a corpus regenerated since),
// keeping its vocabulary; the checkpoint then names the new data, so a later --resume continues on it, and a
// plain --resume after the data changed is refused.
void TestCliTrain::resumeOnNewData()
{
    QTemporaryDir dir;
    QVERIFY(writePairs(dir, "old.tsv", "the cat %1 sat\tel gato %1 se sentó\n", 80, 9));
    QVERIFY(writePairs(dir, "new.tsv", "%1 the cat sat\t%1 el gato se sentó\n", 60, 9));
    const Run a = attnviz({"train", "--task", "file:old.tsv", "--arch", "bahdanau", "--min-count", "1", "--hidden", "8",
                           "--embedding", "4", "--batch", "8", "--lr", "0.02", "--threads", "1", "--quiet", "-o", "m.cbor",
                           "--epochs", "1"},
                          dir.path());
    QVERIFY2(a.status == 0, qPrintable(a.err));
    const QByteArray before = [&] { QFile m(dir.filePath("m.cbor")); return m.open(QIODevice::ReadOnly) ? m.readAll() : QByteArray(); }();
    const Run finished = attnviz({"train", "--resume", "m.cbor", "--epochs", "2", "--data", "file:new.tsv"}, dir.path());
    QVERIFY2(finished.status == 0, qPrintable(finished.err));
    QVERIFY2(finished.err.contains("continuing on new data file:") && finished.err.contains("new.tsv from epoch 2"),
             qPrintable(finished.err));
    QVERIFY2(finished.err.contains("epoch 2/2") && finished.err.contains("(best, saved)"), qPrintable(finished.err));
    QFile m(dir.filePath("m.cbor"));
    QVERIFY(m.open(QIODevice::ReadOnly));
    QVERIFY(m.readAll() != before);
    // The checkpoint now holds the new data: a plain resume continues on it; after it changes, one is refused.
    const Run more = attnviz({"train", "--resume", "m.cbor", "--epochs", "3", "--quiet"}, dir.path());
    QVERIFY2(more.status == 0, qPrintable(more.err));
    QVERIFY2(more.err.contains("new.tsv") && !more.err.contains("old.tsv"), qPrintable(more.err));
    QVERIFY(writePairs(dir, "new.tsv", "%1 cat\t%1 gato\n", 50, 9));
    const Run changed = attnviz({"train", "--resume", "m.cbor", "--epochs", "4", "--quiet"}, dir.path());
    QCOMPARE(changed.status, 2);
    QVERIFY2(changed.err.contains("/task: expected the data it was trained on"), qPrintable(changed.err));
    const Run t = attnviz({"translate", "m.cbor", "the cat 3 sat"}, dir.path());
    QVERIFY2(t.status == 0, qPrintable(t.err));
}

// --init MODEL: a new training from a trained model's weights, architecture and vocabulary (no checkpoint needed).
// With a vanishing learning rate the result translates as the model it started from; options that shape the
// model are refused, and a missing model is named.
void TestCliTrain::initFineTunes()
{
    QTemporaryDir dir;
    QVERIFY(writePairs(dir, "pairs.tsv", "the cat %1 sat\tel gato %1 se sentó\n", 80, 9));
    const Run a = attnviz({"train", "--task", "file:pairs.tsv", "--arch", "luong", "--min-count", "1", "--hidden", "8",
                           "--embedding", "4", "--batch", "8", "--lr", "0.02", "--threads", "1", "-o", "m.cbor", "--epochs", "2"},
                          dir.path());
    QVERIFY2(a.status == 0, qPrintable(a.err));
    const Run still = attnviz({"train", "--init", "m.cbor", "--task", "file:pairs.tsv", "--lr", "1e-9", "--threads", "1", "-o",
                               "f.cbor", "--epochs", "1"},
                              dir.path());
    QVERIFY2(still.status == 0, qPrintable(still.err));
    const auto header = [](const QString& err) { return err.section('\n', 0, 0); };  // "training luong (…) …, vocab S → T"
    QVERIFY2(header(still.err).startsWith("training luong (lstm, H 8, E 4"), qPrintable(still.err));
    QCOMPARE(header(still.err), header(a.err));
    for (const char* sentence : {"the cat 4 sat", "the cat 7 sat", "sat cat the"}) {
        const Run from = attnviz({"translate", "m.cbor", sentence}, dir.path());
        const Run tuned = attnviz({"translate", "f.cbor", sentence}, dir.path());
        QVERIFY2(from.status == 0 && tuned.status == 0, qPrintable(from.err + tuned.err));
        QCOMPARE(tuned.out, from.out);
    }
    // a real learning rate moves the weights
    const Run moved = attnviz({"train", "--init", "m.cbor", "--task", "file:pairs.tsv", "--lr", "0.05", "--threads", "1",
                               "--quiet", "-o", "g.cbor", "--epochs", "1"},
                              dir.path());
    QVERIFY2(moved.status == 0, qPrintable(moved.err));
    const auto bytes = [&](const char* name) { QFile m(dir.filePath(name)); return m.open(QIODevice::ReadOnly) ? m.readAll() : QByteArray(); };
    QVERIFY(!bytes("g.cbor").isEmpty() && bytes("g.cbor") != bytes("m.cbor"));
    const Run shaped = attnviz({"train", "--init", "m.cbor", "--task", "file:pairs.tsv", "--hidden", "16", "-o", "h.cbor"}, dir.path());
    QCOMPARE(shaped.status, 2);
    QVERIFY2(shaped.err.contains("--hidden cannot change them"), qPrintable(shaped.err));
    const Run missing = attnviz({"train", "--init", "nothing.cbor", "--task", "file:pairs.tsv", "-o", "h.cbor"}, dir.path());
    QCOMPARE(missing.status, 2);
    QVERIFY2(missing.err.contains("nothing.cbor"), qPrintable(missing.err));
    QVERIFY(!QFile::exists(dir.filePath("h.cbor")));
    const Run both = attnviz({"train", "--resume", "m.cbor", "--init", "m.cbor"}, dir.path());
    QCOMPARE(both.status, 2);
}

// The transformer preset: a tiny run translates, records a timeline, and 1 epoch + --resume to 3 (another
// thread count would change the sums; the saved one is used) writes the same model file as 3 straight epochs.
void TestCliTrain::transformerResumesAndRecords()
{
    QTemporaryDir dir;
    const QStringList common{"--task", "reverse", "--arch", "transformer", "--d-model", "16", "--heads", "2",
                             "--encoder-layers", "1", "--decoder-layers", "2", "--ff-size", "24", "--warmup", "5",
                             "--train-size", "96", "--valid-size", "16", "--batch", "16", "--threads", "2", "--max-len", "24"};
    const Run a = attnviz(QStringList{"train", "-o", "a.cbor", "--epochs", "3", "--timeline", "a_timeline.json", "--probe", "abc12"}
                              + common, dir.path());
    QVERIFY2(a.status == 0, qPrintable(a.err));
    QVERIFY2(a.err.contains("training transformer (d_model 16, heads 2, layers 1 + 2, ff 24, warm-up 5"), qPrintable(a.err));
    QVERIFY2(a.err.contains("timeline: "), qPrintable(a.err));
    QVERIFY(QFile::exists(dir.filePath("a_timeline.json")));
    const Run b = attnviz(QStringList{"train", "-o", "b.cbor", "--epochs", "1", "--quiet"} + common, dir.path());
    QVERIFY2(b.status == 0, qPrintable(b.err));
    const Run r = attnviz({"train", "--resume", "b.cbor", "--epochs", "3", "--quiet"}, dir.path());
    QVERIFY2(r.status == 0, qPrintable(r.err));
    QVERIFY2(r.err.contains("resuming from b.cbor.ckpt: epoch 2 of 3"), qPrintable(r.err));
    QFile fa(dir.filePath("a.cbor")), fb(dir.filePath("b.cbor"));
    QVERIFY(fa.open(QIODevice::ReadOnly) && fb.open(QIODevice::ReadOnly));
    QVERIFY(fa.readAll() == fb.readAll());
    const Run t = attnviz({"translate", "b.cbor", "abc12"}, dir.path());
    QVERIFY2(t.status == 0, qPrintable(t.err));
    const Run bad = attnviz({"train", "--resume", "b.cbor", "--heads", "4"}, dir.path());
    QCOMPARE(bad.status, 2);
}

// A small transformer (d_model 48, 4 heads, 2 + 2 layers, ff 96; 66 k parameters) learns the dates task in well
// under a minute on this machine's 2 cores: 96.4% exact match on 500 held-out dates after 3 epochs of 10,000
// (34 s wall with the machine shared, 12 s of CPU; its speed is measured in bench/, not here). Training is
// reproducible for a seed, thread count and CPU; -march=native changes the float sums from one CPU to another
// (an AVX-512 machine: 93.8% with 2 threads, 93.6% with 1), so the bar is 90%, well above chance (0%) and below
// where every machine tried lands.
void TestCliTrain::transformerLearnsDates()
{
    QTemporaryDir dir;
    QElapsedTimer clock;
    clock.start();
    const Run r = attnviz({"train", "--task", "dates", "--arch", "transformer", "-o", "d.cbor", "--d-model", "48", "--heads", "4",
                           "--encoder-layers", "2", "--decoder-layers", "2", "--ff-size", "96", "--warmup", "100", "--lr", "0.005",
                           "--batch", "32", "--train-size", "10000", "--valid-size", "500", "--epochs", "3", "--threads", "2",
                           "--quiet"},
                          dir.path());
    const double seconds = clock.elapsed() / 1000.0;
    QVERIFY2(r.status == 0, qPrintable(r.err));
    const QStringList fields = r.out.trimmed().split('\t');
    QVERIFY2(fields.size() >= 3 && fields[2].startsWith("valid accuracy "), qPrintable(r.out));
    const double accuracy = fields[2].mid(15).chopped(1).toDouble();
    qInfo("transformer on dates: %.1f%% exact match after %.1f s", accuracy, seconds);
    QVERIFY2(accuracy >= 90.0, qPrintable(r.out + r.err));
    const Run t = attnviz({"translate", "d.cbor", "25 November 2026"}, dir.path());
    QVERIFY2(t.status == 0, qPrintable(t.err));
    qInfo("25 November 2026 → %s", qPrintable(t.out.trimmed()));
}

void TestCliTrain::badResume_data()
{
    QTest::addColumn<QString>("setup");   // what is done to m.json.ckpt after a good 1-epoch run
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    const QStringList resume{"train", "--resume", "m.json"};
    QTest::newRow("missing") << "delete" << resume << "m.json.ckpt: expected a training checkpoint";
    QTest::newRow("truncated") << "truncate" << resume << "m.json.ckpt: ";
    QTest::newRow("another model") << "other" << resume << "m.json.ckpt: expected the checkpoint of m.json, found one for another model";
    QTest::newRow("changed option") << "" << (resume + QStringList{"--hidden", "16"}) << "--hidden cannot change them";
    QTest::newRow("no such model") << "" << QStringList{"train", "--resume", "none.json"} << "none.json.ckpt: expected a training checkpoint";
    QTest::newRow("new data for a built-in task") << "" << (resume + QStringList{"--data", "file:m.json"})
                                                  << "only a model trained on file:PATH data continues on other data";
    QTest::newRow("data not a file task") << "" << (resume + QStringList{"--data", "dates"}) << "--data: expected file:PATH";
}

void TestCliTrain::badResume()
{
    QFETCH(QString, setup);
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    QTemporaryDir dir;
    const Run first = attnviz(QStringList{"train", "--task", "dates", "--arch", "bahdanau", "-o", "m.json"} + kTiny, dir.path());
    QVERIFY2(first.status == 0, qPrintable(first.err));
    QFile ckpt(dir.filePath("m.json.ckpt"));
    if (setup == "delete") {
        QVERIFY(ckpt.remove());
    } else if (setup == "truncate") {
        QVERIFY(ckpt.resize(ckpt.size() / 3));
    } else if (setup == "other") {  // the checkpoint of a reverse model next to a dates model
        const Run o = attnviz(QStringList{"train", "--task", "reverse", "--arch", "bahdanau", "-o", "o.json"} + kTiny, dir.path());
        QVERIFY2(o.status == 0, qPrintable(o.err));
        QVERIFY(ckpt.remove());
        QVERIFY(QFile::copy(dir.filePath("o.json.ckpt"), dir.filePath("m.json.ckpt")));
    }
    const QByteArray before = [&] { QFile m(dir.filePath("m.json")); return m.open(QIODevice::ReadOnly) ? m.readAll() : QByteArray(); }();
    const Run r = attnviz(args, dir.path());
    QCOMPARE(r.status, 2);
    QVERIFY2(r.err.startsWith("attnviz train: ") && r.err.contains(message), qPrintable(r.err));
    QVERIFY(r.out.isEmpty());
    QFile m(dir.filePath("m.json"));
    QVERIFY(m.open(QIODevice::ReadOnly));
    QVERIFY(m.readAll() == before);  // the model file is untouched
}

void TestCliTrain::badArguments_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::newRow("no task") << QStringList{"train", "--arch", "bahdanau", "-o", "x.json"};
    QTest::newRow("no output") << QStringList{"train", "--task", "dates", "--arch", "bahdanau"};
    QTest::newRow("unknown arch") << QStringList{"train", "--task", "dates", "--arch", "transformers", "-o", "x.json"};
    QTest::newRow("heads not dividing d_model") << QStringList{"train", "--task", "dates", "--arch", "transformer", "-o", "x.json",
                                                             "--d-model", "64", "--heads", "3"};
    QTest::newRow("heads for a recurrent preset") << QStringList{"train", "--task", "dates", "--arch", "bahdanau", "-o", "x.json",
                                                               "--heads", "4"};
    QTest::newRow("hidden for a transformer") << QStringList{"train", "--task", "dates", "--arch", "transformer", "-o", "x.json",
                                                           "--hidden", "64"};
    QTest::newRow("zero warm-up") << QStringList{"train", "--task", "dates", "--arch", "transformer", "-o", "x.json",
                                               "--warmup", "0"};
    QTest::newRow("unknown task") << QStringList{"train", "--task", "sorting", "--arch", "bahdanau", "-o", "x.json"};
    QTest::newRow("missing file") << QStringList{"train", "--task", "file:nope.tsv", "--arch", "bahdanau", "-o", "x.json"};
    QTest::newRow("bad epochs") << QStringList{"train", "--task", "dates", "--arch", "bahdanau", "-o", "x.json", "--epochs", "zero"};
    QTest::newRow("bad score") << QStringList{"train", "--task", "dates", "--arch", "bahdanau", "-o", "x.json", "--score", "dot"};
    QTest::newRow("seq2seq with score") << QStringList{"train", "--task", "dates", "--arch", "seq2seq", "-o", "x.json", "--score", "general"};
    QTest::newRow("unknown option") << QStringList{"train", "--task", "dates", "--arch", "bahdanau", "-o", "x.json", "--turbo"};
    QTest::newRow("data without resume") << QStringList{"train", "--task", "dates", "--arch", "bahdanau", "-o", "x.json",
                                                      "--data", "file:x.tsv"};
}

void TestCliTrain::badArguments()
{
    QFETCH(QStringList, args);
    QTemporaryDir dir;
    const Run r = attnviz(args, dir.path());
    QCOMPARE(r.status, 2);
    QVERIFY(r.err.startsWith("attnviz train: "));
    QVERIFY(r.out.isEmpty());
    QVERIFY(!QFile::exists(dir.filePath("x.json")));
}

QTEST_GUILESS_MAIN(TestCliTrain)
#include "tst_cli_train.moc"
