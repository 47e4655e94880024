// attnviz train from the command line: a tiny run writes a model that attnviz translate loads; bad
// arguments exit with status 2 and a message on stderr.
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
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 1);  // no temporary file left behind
    const Run t = attnviz({"translate", file, "25 November 2026"}, dir.path());
    QVERIFY2(t.status == 0, qPrintable(t.err));
    QVERIFY(t.out.endsWith("\n"));
}

void TestCliTrain::fileTask()
{
    QTemporaryDir dir;
    QFile f(dir.filePath("pairs.tsv"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    for (int i = 0; i < 60; ++i)
        f.write(QString("the cat %1\tel gato %1\n").arg(i % 7).toUtf8());
    f.close();
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
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{"i.json"});
    QCOMPARE(attnviz({"translate", "i.json", "abc"}, dir.path()).status, 0);
}

void TestCliTrain::badArguments_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::newRow("no task") << QStringList{"train", "--arch", "bahdanau", "-o", "x.json"};
    QTest::newRow("no output") << QStringList{"train", "--task", "dates", "--arch", "bahdanau"};
    QTest::newRow("unknown arch") << QStringList{"train", "--task", "dates", "--arch", "transformer", "-o", "x.json"};
    QTest::newRow("unknown task") << QStringList{"train", "--task", "sorting", "--arch", "bahdanau", "-o", "x.json"};
    QTest::newRow("missing file") << QStringList{"train", "--task", "file:nope.tsv", "--arch", "bahdanau", "-o", "x.json"};
    QTest::newRow("bad epochs") << QStringList{"train", "--task", "dates", "--arch", "bahdanau", "-o", "x.json", "--epochs", "zero"};
    QTest::newRow("bad score") << QStringList{"train", "--task", "dates", "--arch", "bahdanau", "-o", "x.json", "--score", "dot"};
    QTest::newRow("seq2seq with score") << QStringList{"train", "--task", "dates", "--arch", "seq2seq", "-o", "x.json", "--score", "general"};
    QTest::newRow("unknown option") << QStringList{"train", "--task", "dates", "--arch", "bahdanau", "-o", "x.json", "--turbo"};
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
