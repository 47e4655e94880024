// attnviz export end to end: exit codes, the files it writes (checked by their bytes: this test links
// only QtCore), headless without QT_QPA_PLATFORM, and one clear message for bad input.
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtEndian>
#include <QtTest>

namespace {

const QString kTextbook = QStringLiteral(ATTNVIZ_SAMPLES_DIR "/examples/textbook_dot.json");

struct Run {
    int code = -1;
    QByteArray out, err;
};

Run attnviz(const QStringList& args, bool headlessEnv = true)
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    if (!headlessEnv) {
        env.remove(QStringLiteral("QT_QPA_PLATFORM"));
        env.remove(QStringLiteral("DISPLAY"));
        env.remove(QStringLiteral("WAYLAND_DISPLAY"));
    }
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(ATTNVIZ_BIN), args);
    if (!p.waitForFinished(120000))
        return {};
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(), p.readAllStandardError()};
}

QByteArray bytes(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// Width and height from a PNG's IHDR chunk.
QSize pngSize(const QByteArray& png)
{
    if (png.size() < 24 || !png.startsWith("\x89PNG\r\n\x1a\n"))
        return {};
    return {static_cast<int>(qFromBigEndian<quint32>(png.constData() + 16)), static_cast<int>(qFromBigEndian<quint32>(png.constData() + 20))};
}

} // namespace

class TestCliExport : public QObject {
    Q_OBJECT
private slots:
    void pngHeatmapOfTheRequestedSize()
    {
        const QString out = dir_.filePath(QStringLiteral("heat.png"));
        const Run r = attnviz({QStringLiteral("export"), kTextbook, QStringLiteral("-o"), out, QStringLiteral("--width"), QStringLiteral("500"),
                               QStringLiteral("--height"), QStringLiteral("300")});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY(r.out.isEmpty());
        QCOMPARE(pngSize(bytes(out)), QSize(500, 300));
        QVERIFY(bytes(out).size() > 3000);
    }

    void everyFormat_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QStringList>("extra");
        QTest::addColumn<QByteArray>("magic");
        QTest::newRow("svg") << "h.svg" << QStringList{} << QByteArray("<?xml");
        QTest::newRow("pdf") << "h.pdf" << QStringList{} << QByteArray("%PDF-");
        QTest::newRow("jpg") << "h.jpg" << QStringList{} << QByteArray("\xff\xd8\xff");
        QTest::newRow("gif") << "a.gif" << QStringList{QStringLiteral("--width"), QStringLiteral("320"), QStringLiteral("--height"), QStringLiteral("200")} << QByteArray("GIF89a");
        QTest::newRow("step frame") << "s.png" << QStringList{QStringLiteral("--view"), QStringLiteral("step"), QStringLiteral("--stage"), QStringLiteral("2")}
                                    << QByteArray("\x89PNG");
        QTest::newRow("other score") << "c.png" << QStringList{QStringLiteral("--score"), QStringLiteral("cosine")} << QByteArray("\x89PNG");
        QTest::newRow("dpi and map") << "d.png" << QStringList{QStringLiteral("--dpi"), QStringLiteral("200"), QStringLiteral("--colormap"), QStringLiteral("magma")}
                                     << QByteArray("\x89PNG");
    }
    void everyFormat()
    {
        QFETCH(QString, file);
        QFETCH(QStringList, extra);
        QFETCH(QByteArray, magic);
        const QString out = dir_.filePath(file);
        const Run r = attnviz(QStringList{QStringLiteral("export"), kTextbook, QStringLiteral("-o"), out} + extra);
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY(bytes(out).startsWith(magic));
    }

    // SPEC §5: hidden states from .npz / .safetensors / .pt export like the JSON example.
    void arrayFiles()
    {
        for (const char* f : {"states.npz", "states.safetensors", "states.pt"}) {
            const QString out = dir_.filePath(QStringLiteral("arrays.png"));
            QFile::remove(out);
            const Run r = attnviz({QStringLiteral("export"), QStringLiteral(ATTNVIZ_TESTDATA_DIR "/arrays/") + QLatin1String(f), QStringLiteral("-o"), out,
                                   QStringLiteral("--score"), QStringLiteral("general")});
            QVERIFY2(r.code == 0, r.err.constData());
            QVERIFY(bytes(out).startsWith("\x89PNG"));
        }
    }

    void headlessWithoutPlatformVariable()
    {
        const QString out = dir_.filePath(QStringLiteral("headless.png"));
        const Run r = attnviz({QStringLiteral("export"), kTextbook, QStringLiteral("-o"), out}, false);
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY2(r.err.isEmpty(), r.err.constData());
        QCOMPARE(pngSize(bytes(out)), QSize(900, 700));
    }

    void badInputExitsTwo_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("mentions");
        const QString o = QStringLiteral("-o");
        QTest::newRow("missing file") << QStringList{QStringLiteral("/no/such.json"), o, QStringLiteral("x.png")} << "/no/such.json";
        QTest::newRow("no -o") << QStringList{kTextbook} << "-o";
        QTest::newRow("bad extension") << QStringList{kTextbook, o, QStringLiteral("x.bmp")} << ".png";
        QTest::newRow("width 0") << QStringList{kTextbook, o, QStringLiteral("x.png"), QStringLiteral("--width"), QStringLiteral("0")} << "--width";
        QTest::newRow("input on example") << QStringList{kTextbook, o, QStringLiteral("x.png"), QStringLiteral("--input"), QStringLiteral("hi")} << "--input";
        QTest::newRow("unknown score") << QStringList{kTextbook, o, QStringLiteral("x.png"), QStringLiteral("--score"), QStringLiteral("magic")} << "--score";
        QTest::newRow("score without params") << QStringList{kTextbook, o, QStringLiteral("x.png"), QStringLiteral("--score"), QStringLiteral("general")} << "/score";
        QTest::newRow("bad view") << QStringList{kTextbook, o, QStringLiteral("x.png"), QStringLiteral("--view"), QStringLiteral("3d")} << "--view";
        QTest::newRow("stage out of range") << QStringList{kTextbook, o, QStringLiteral("x.png"), QStringLiteral("--view"), QStringLiteral("step"), QStringLiteral("--stage"), QStringLiteral("9")} << "--stage";
        QTest::newRow("unwritable") << QStringList{kTextbook, o, QStringLiteral("/no/such/dir/x.png")} << "cannot write";
        QTest::newRow("not a document") << QStringList{QStringLiteral(ATTNVIZ_SOURCE_DIR "/CMakeLists.txt"), o, QStringLiteral("x.png")} << "CMakeLists.txt";
        QTest::newRow("pickle naming os.system") << QStringList{QStringLiteral(ATTNVIZ_TESTDATA_DIR "/arrays/evil.pt"), o, QStringLiteral("x.png")} << "refused the global";
        QTest::newRow("bad precision") << QStringList{QStringLiteral(ATTNVIZ_TESTDATA_DIR "/golden/bahdanau.model.json"), QStringLiteral("--input"),
                                                      QStringLiteral("the cat"), o, QStringLiteral("x.png"), QStringLiteral("--precision"), QStringLiteral("half")}
                                      << "--precision: expected float32 or float64";
        QTest::newRow("npz without encoder_states") << QStringList{QStringLiteral(ATTNVIZ_TESTDATA_DIR "/arrays/no_encoder.npz"), o, QStringLiteral("x.png")} << "encoder_states";
    }
    void badInputExitsTwo()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, mentions);
        for (QString& a : args)
            if (a == QLatin1String("x.png") || a == QLatin1String("x.bmp"))
                a = dir_.filePath(a);
        const Run r = attnviz(QStringList{QStringLiteral("export")} + args);
        QCOMPARE(r.code, 2);
        QVERIFY(r.out.isEmpty());
        QVERIFY2(r.err.contains(mentions.toUtf8()), r.err.constData());
        QVERIFY2(r.err.count('\n') == 1, r.err.constData());  // one clear message
        QVERIFY(!QFile::exists(dir_.filePath(QStringLiteral("x.png"))));
    }

    void savedTraceAndModel()
    {
        // A trace written by `attnviz attend --json` exports too.
        const Run t = attnviz({QStringLiteral("attend"), kTextbook, QStringLiteral("--json")});
        QCOMPARE(t.code, 0);
        const QString trace = dir_.filePath(QStringLiteral("trace.json"));
        QFile f(trace);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(t.out);
        f.close();
        const QString out = dir_.filePath(QStringLiteral("from-trace.png"));
        Run r = attnviz({QStringLiteral("export"), trace, QStringLiteral("-o"), out});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY(pngSize(bytes(out)).isValid());

        // A model decodes --input first (the golden fixtures of the engine tests).
        const QString model = QStringLiteral(ATTNVIZ_TESTDATA_DIR "/golden/luong_dot.model.json");
        r = attnviz({QStringLiteral("export"), model, QStringLiteral("-o"), out});
        QCOMPARE(r.code, 2);  // a model needs --input
        QVERIFY(r.err.contains("--input"));
        const QString gif = dir_.filePath(QStringLiteral("model.gif"));
        r = attnviz({QStringLiteral("export"), model, QStringLiteral("--input"), QStringLiteral("the cat sat"), QStringLiteral("-o"), gif,
                     QStringLiteral("--width"), QStringLiteral("200"), QStringLiteral("--height"), QStringLiteral("120")});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY(bytes(gif).startsWith("GIF89a"));
        r = attnviz({QStringLiteral("export"), model, QStringLiteral("--input"), QStringLiteral("the cat sat"), QStringLiteral("-o"), out,
                     QStringLiteral("--view"), QStringLiteral("step"), QStringLiteral("--step"), QStringLiteral("2"), QStringLiteral("--progress"), QStringLiteral("0.5")});
        QVERIFY2(r.code == 0, r.err.constData());
        QCOMPARE(pngSize(bytes(out)), QSize(1280, 800));
    }

    // Issue 14: two models side by side (+ the weight difference when both attend over the same tokens: the
    // default canvas is then 1500 wide, else 1000), and the before/after picture of a what-if (A = B).
    void compareSideBySide()
    {
        const QString bahdanau = QStringLiteral(ATTNVIZ_TESTDATA_DIR "/golden/bahdanau.model.json");
        const QString luong = QStringLiteral(ATTNVIZ_TESTDATA_DIR "/golden/luong_dot.model.json");
        const QString seq2seq = QStringLiteral(ATTNVIZ_TESTDATA_DIR "/golden/seq2seq_lstm.model.json");
        const QString sentence = QStringLiteral("the black cat sat on the mat");
        const QString out = dir_.filePath(QStringLiteral("side.png"));
        Run r = attnviz({QStringLiteral("export"), bahdanau, QStringLiteral("--compare"), luong, QStringLiteral("--input"), sentence, QStringLiteral("-o"), out});
        QVERIFY2(r.code == 0, r.err.constData());
        QCOMPARE(pngSize(bytes(out)), QSize(1500, 700));
        r = attnviz({QStringLiteral("export"), bahdanau, QStringLiteral("--compare"), seq2seq, QStringLiteral("--input"), sentence, QStringLiteral("-o"), out});
        QVERIFY2(r.code == 0, r.err.constData());
        QCOMPARE(pngSize(bytes(out)), QSize(1000, 700));  // seq2seq has no attention: no difference map
        // before/after an attention override
        const QString ov = dir_.filePath(QStringLiteral("ov.json"));
        QFile f(ov);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"format":"attnviz-override","version":1,"steps":[{"t":1,"weights":[0,0,0,0,0,0,1]}]})");
        f.close();
        r = attnviz({QStringLiteral("export"), bahdanau, QStringLiteral("--attention-override"), ov, QStringLiteral("--compare"), bahdanau,
                     QStringLiteral("--input"), sentence, QStringLiteral("-o"), out});
        QVERIFY2(r.code == 0, r.err.constData());
        QCOMPARE(pngSize(bytes(out)), QSize(1500, 700));
        // bad: an example as A, a GIF, a missing B, an override with the wrong count
        r = attnviz({QStringLiteral("export"), kTextbook, QStringLiteral("--compare"), luong, QStringLiteral("--input"), sentence, QStringLiteral("-o"), out});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("--compare"), r.err.constData());
        r = attnviz({QStringLiteral("export"), bahdanau, QStringLiteral("--compare"), luong, QStringLiteral("--input"), sentence, QStringLiteral("-o"),
                     dir_.filePath(QStringLiteral("side.gif"))});
        QCOMPARE(r.code, 2);
        r = attnviz({QStringLiteral("export"), bahdanau, QStringLiteral("--compare"), QStringLiteral("/nonexistent/b.json"), QStringLiteral("--input"), sentence,
                     QStringLiteral("-o"), out});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("b.json"), r.err.constData());
        r = attnviz({QStringLiteral("export"), bahdanau, QStringLiteral("--attention-override"), ov, QStringLiteral("--input"), QStringLiteral("the cat"),
                     QStringLiteral("-o"), out});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("/steps/0/weights"), r.err.constData());
    }

    void architectureAndBeamViews_data()
    {
        QTest::addColumn<QString>("view");
        QTest::newRow("architecture") << QStringLiteral("architecture");
        QTest::newRow("beam") << QStringLiteral("beam");
    }

    void architectureAndBeamViews()
    {
        QFETCH(QString, view);
        const QString model = QStringLiteral(ATTNVIZ_TESTDATA_DIR "/golden/bahdanau.model.json");
        const QString out = dir_.filePath(view + QStringLiteral(".png"));
        const Run r = attnviz({QStringLiteral("export"), model, QStringLiteral("--input"), QStringLiteral("the black cat sat on the mat"),
                               QStringLiteral("--view"), view, QStringLiteral("-o"), out, QStringLiteral("--width"), QStringLiteral("640"),
                               QStringLiteral("--height"), QStringLiteral("400")});
        QVERIFY2(r.code == 0, r.err.constData());
        const QByteArray png = bytes(out);
        QCOMPARE(pngSize(png), QSize(640, 400));
        // Not blank: a plain white 640 × 400 PNG compresses to well under 2 KB; the drawn scene (text, boxes,
        // lines) does not.
        QVERIFY2(png.size() > 4000, qPrintable(QString::number(png.size())));

        // Both views need a model: an example is refused with a message naming the view.
        const Run e = attnviz({QStringLiteral("export"), kTextbook, QStringLiteral("--view"), view, QStringLiteral("-o"), out});
        QCOMPARE(e.code, 2);
        QVERIFY(e.err.contains(view.toUtf8()));
    }

    // A transformer model (issue 16): the heatmap of the head-averaged weights, the step-through GIF and the
    // other views render from the trace's common fields.
    void transformerModel_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("view");
        QTest::newRow("png heatmap") << QStringLiteral("tf.png") << QString();
        QTest::newRow("svg heatmap") << QStringLiteral("tf.svg") << QString();
        QTest::newRow("gif") << QStringLiteral("tf.gif") << QString();
        QTest::newRow("step") << QStringLiteral("tf_step.png") << QStringLiteral("step");
        QTest::newRow("beam") << QStringLiteral("tf_beam.png") << QStringLiteral("beam");
        QTest::newRow("architecture") << QStringLiteral("tf_arch.png") << QStringLiteral("architecture");
        QTest::newRow("architecture svg") << QStringLiteral("tf_arch.svg") << QStringLiteral("architecture");
    }
    void transformerModel()
    {
        QFETCH(QString, file);
        QFETCH(QString, view);
        const QString model = QStringLiteral(ATTNVIZ_TESTDATA_DIR "/transformer_tiny.json");
        const QString out = dir_.filePath(file);
        QStringList args{QStringLiteral("export"), model, QStringLiteral("--input"), QStringLiteral("the cat sat on the mat"),
                         QStringLiteral("-o"), out, QStringLiteral("--width"), QStringLiteral("480"), QStringLiteral("--height"),
                         QStringLiteral("300")};
        if (!view.isEmpty())
            args << QStringLiteral("--view") << view;
        const Run r = attnviz(args);
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY(bytes(out).size() > 1000);
        if (file.endsWith(QLatin1String(".png")))
            QCOMPARE(pngSize(bytes(out)), QSize(480, 300));
        if (view == QLatin1String("architecture") && file.endsWith(QLatin1String(".svg"))) {
            // the stacks' boxes are there, with the model's sizes (d_model 8, 2 heads, ff 16)
            const QByteArray svg = bytes(out);
            for (const char* text : {"masked self-attention · 2 heads", "cross-attention over m · 2 heads", "feed-forward 8 → 16 → 8, ReLU",
                                     "add &amp; norm", "1 encoder + 2 decoder layers"})
                QVERIFY2(svg.contains(text), text);
        }
    }

    // The architecture of a transformer at the layer --heads picks: another picture than the default (last layer).
    void transformerArchitectureHeads()
    {
        const QString model = QStringLiteral(ATTNVIZ_TESTDATA_DIR "/transformer_tiny.json");
        auto run = [&](const QString& file, const QString& heads) {
            QStringList args{QStringLiteral("export"), model, QStringLiteral("--input"), QStringLiteral("the cat sat on the mat"),
                             QStringLiteral("--view"), QStringLiteral("architecture"), QStringLiteral("--step"), QStringLiteral("2"),
                             QStringLiteral("--stage"), QStringLiteral("3"), QStringLiteral("-o"), dir_.filePath(file)};
            if (!heads.isEmpty())
                args << QStringLiteral("--heads") << heads;
            return attnviz(args);
        };
        const Run a = run(QStringLiteral("tfa_default.png"), QString());
        QVERIFY2(a.code == 0, a.err.constData());
        const Run b = run(QStringLiteral("tfa_l1.png"), QStringLiteral("1:2"));
        QVERIFY2(b.code == 0, b.err.constData());
        QVERIFY(bytes(dir_.filePath(QStringLiteral("tfa_default.png"))).size() > 4000);
        QVERIFY(bytes(dir_.filePath(QStringLiteral("tfa_default.png"))) != bytes(dir_.filePath(QStringLiteral("tfa_l1.png"))));
    }

    // --heads (issues 13 and 16): one head, or a layer's mean or max; the picture differs from the default one,
    // and a selection outside the model, a bad spec or a model without heads is refused with exit 2, nothing written.
    void heads()
    {
        const QString model = QStringLiteral(ATTNVIZ_TESTDATA_DIR "/transformer_tiny.json");
        auto run = [&](const QString& spec, const QString& file, const QString& which = QString()) {
            QStringList args{QStringLiteral("export"), which.isEmpty() ? model : which, QStringLiteral("--input"),
                             QStringLiteral("the cat sat on the mat"), QStringLiteral("-o"), dir_.filePath(file),
                             QStringLiteral("--width"), QStringLiteral("400"), QStringLiteral("--height"), QStringLiteral("300")};
            if (!spec.isEmpty())
                args << QStringLiteral("--heads") << spec;
            return attnviz(args);
        };
        QCOMPARE(run(QString(), QStringLiteral("h_default.png")).code, 0);
        for (const QString& spec : {QStringLiteral("1:2"), QStringLiteral("max"), QStringLiteral("1:mean"), QStringLiteral("2")}) {
            const QString file = QStringLiteral("h_%1.png").arg(QString(spec).replace(QLatin1Char(':'), QLatin1Char('_')));
            const Run r = run(spec, file);
            QVERIFY2(r.code == 0, r.err.constData());
            QCOMPARE(pngSize(bytes(dir_.filePath(file))), QSize(400, 300));
            QVERIFY2(bytes(dir_.filePath(file)) != bytes(dir_.filePath(QStringLiteral("h_default.png"))), qPrintable(spec));
        }
        // "mean" of the last layer is the default picture apart from the title
        const struct {
            const char* spec;
            const char* says;
            bool rnn;
        } bad[] = {{"3:1", "has 2 decoder layers of 2 heads", false}, {"1:3", "has 2 decoder layers of 2 heads", false},
                   {"0", "expected mean, max", false}, {"1:avg", "expected mean, max", false}, {"max", "no per-head attention", true}};
        for (const auto& b : bad) {
            const QString file = QStringLiteral("h_bad.png");
            const Run r = run(QString::fromLatin1(b.spec), file,
                              b.rnn ? QStringLiteral(ATTNVIZ_TESTDATA_DIR "/golden/bahdanau.model.json") : QString());
            QCOMPARE(r.code, 2);
            QVERIFY2(r.err.contains(b.says), r.err.constData());
            QVERIFY(!QFile::exists(dir_.filePath(file)));
        }
    }

private:
    QTemporaryDir dir_;
};

QTEST_GUILESS_MAIN(TestCliExport)
#include "tst_cli_export.moc"
