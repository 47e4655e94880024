// Export: PNG of the requested pixel size (and DPI) that is not blank, JPG, a parseable SVG, a PDF, a
// GIF with one frame per (step, stage) read back with giflib; atomic writes and clear errors.
#include "core/formats/example.h"
#include "ui/export/export.h"

#include <gif_lib.h>

#include <QFile>
#include <QImage>
#include <QSet>
#include <QSvgRenderer>
#include <QTemporaryDir>
#include <QFileInfo>
#include <QtTest>

#include <random>

using namespace attnviz;
using namespace attnviz::ui;

namespace {

Trace textbook()
{
    return exampleTrace(loadExample(ATTNVIZ_SAMPLES_DIR "/examples/textbook_dot.json"));
}

// Three decoder steps over five source tokens (weights a valid softmax, built by hand).
Trace threeSteps()
{
    Trace t;
    t.sourceTokens = {"a", "b", "c", "d", "e"};
    t.encoderStates = Mat::Random(5, 4);
    t.score = "dot";
    for (int i = 0; i < 3; ++i) {
        StepTrace s;
        s.t = i + 1;
        s.query = Vec::Random(4);
        AttentionResult a;
        a.scores = t.encoderStates * s.query;
        Vec w = (a.scores.array() - a.scores.maxCoeff()).exp();
        a.weights = w / w.sum();
        a.alignment = a.weights.asDiagonal() * t.encoderStates;
        a.context = a.alignment.colwise().sum().transpose();
        s.attention = a;
        s.token = "x" + std::to_string(i);
        t.steps.push_back(s);
    }
    return t;
}

int distinctColours(const QImage& img)
{
    QSet<QRgb> s;
    for (int y = 0; y < img.height(); y += 3)
        for (int x = 0; x < img.width(); x += 3)
            s.insert(img.pixel(x, y));
    return static_cast<int>(s.size());
}

QByteArray head(const QString& path, int n)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.read(n);
}

} // namespace

class TestExport : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QVERIFY(dir_.isValid()); }

    void heatmapPngOfTheRequestedSize_data()
    {
        QTest::addColumn<int>("w");
        QTest::addColumn<int>("h");
        QTest::addColumn<double>("dpi");
        QTest::newRow("640x480 @96") << 640 << 480 << 96.0;
        QTest::newRow("1000x700 @192") << 1000 << 700 << 192.0;
        QTest::newRow("333x222 @300") << 333 << 222 << 300.0;
    }
    void heatmapPngOfTheRequestedSize()
    {
        QFETCH(int, w);
        QFETCH(int, h);
        QFETCH(double, dpi);
        ExportOptions o;
        o.path = dir_.filePath(QStringLiteral("heat.png"));
        o.size = QSize(w, h);
        o.dpi = dpi;
        QString error;
        QVERIFY2(exportHeatmap(threeSteps(), o, &error), qPrintable(error));
        QImage img(o.path);
        QCOMPARE(img.size(), QSize(w, h));
        QVERIFY(distinctColours(img) > 20);
        QVERIFY(std::abs(img.dotsPerMeterX() - dpi / 0.0254) < 2);
    }

    void stepFrameFormats()
    {
        const Trace t = textbook();
        QString error;
        ExportOptions o;
        o.size = QSize(800, 500);
        o.path = dir_.filePath(QStringLiteral("step.png"));
        QVERIFY2(exportStepFrame(t, StepPosition{0, Stage::Align, 0.5}, o, &error), qPrintable(error));
        const QImage png(o.path);
        QCOMPARE(png.size(), QSize(800, 500));
        QVERIFY(distinctColours(png) > 20);

        o.path = dir_.filePath(QStringLiteral("step.jpg"));
        QVERIFY2(exportStepFrame(t, StepPosition{0, Stage::Feed, 1.0}, o, &error), qPrintable(error));
        QCOMPARE(QImage(o.path).size(), QSize(800, 500));

        o.path = dir_.filePath(QStringLiteral("step.svg"));
        QVERIFY2(exportStepFrame(t, StepPosition{0, Stage::Score, 1.0}, o, &error), qPrintable(error));
        QSvgRenderer svg(o.path);
        QVERIFY(svg.isValid());
        QCOMPARE(svg.viewBox().size(), QSize(800, 500));
        QFile f(o.path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(f.readAll().contains("student"));  // text stays text

        o.path = dir_.filePath(QStringLiteral("step.pdf"));
        QVERIFY2(exportStepFrame(t, StepPosition{0, Stage::Context, 1.0}, o, &error), qPrintable(error));
        QCOMPARE(head(o.path, 5), QByteArray("%PDF-"));
        QVERIFY(QFile(o.path).size() > 2000);
    }

    void heatmapVectorFormats()
    {
        QString error;
        ExportOptions o;
        o.size = QSize(600, 450);
        o.path = dir_.filePath(QStringLiteral("heat.svg"));
        QVERIFY2(exportHeatmap(threeSteps(), o, &error), qPrintable(error));
        QVERIFY(QSvgRenderer(o.path).isValid());
        {
            // vectors, not an embedded bitmap: no <image>, and at least one filled shape per cell
            QFile svg(o.path);
            QVERIFY(svg.open(QIODevice::ReadOnly));
            const QByteArray text = svg.readAll();
            QVERIFY(!text.contains("<image"));
            const Trace t = threeSteps();
            const int cells = static_cast<int>(t.steps.size() * t.steps[0].attention->weights.size());
            QVERIFY2(text.count("<path") + text.count("<rect") >= cells, text.left(400).constData());
            QVERIFY(text.contains("<text"));  // labels stay text
        }
        o.path = dir_.filePath(QStringLiteral("heat.pdf"));
        QVERIFY2(exportHeatmap(threeSteps(), o, &error), qPrintable(error));
        QCOMPARE(head(o.path, 5), QByteArray("%PDF-"));
        QVERIFY(QFile(o.path).size() > 1000);
    }

    void animationFramesEaseThroughEveryStage()
    {
        // the textbook example (1 step) gives 6 stages × 10 frames; progress climbs to 1 within each stage
        const std::vector<AnimationFrame> f = animationFrames(1, 10, 20);
        QCOMPARE(f.size(), std::size_t(60));
        QVERIFY(f.size() >= 30);
        for (std::size_t i = 0; i < f.size(); ++i) {
            QCOMPARE(f[i].pos.index(), static_cast<int>(i / 10));
            QCOMPARE(f[i].pos.progress, static_cast<double>(i % 10 + 1) / 10.0);
            QCOMPARE(f[i].delayCs, i % 10 == 9 ? (f[i].pos.stage == Stage::Feed ? 120 : 60) : 5);
        }
        // a long sentence is capped: 100 steps × 6 stages × 10 would be 6,000 frames
        const std::vector<AnimationFrame> g = animationFrames(100, 10, 20);
        QVERIFY(static_cast<int>(g.size()) <= kMaxGifFrames);
        QCOMPARE(g.size(), std::size_t(1200));  // 2 frames per stage
        QCOMPARE(animationFrames(1000, 10, 20).size(), std::size_t(6000));  // never below 1 frame per stage
        QVERIFY(animationFrames(0, 10, 20).empty());
    }

    void hugeGifIsRefusedBeforeAnyWork()
    {
        ExportOptions o;
        o.path = dir_.filePath(QStringLiteral("huge.gif"));
        o.size = QSize(16384, 16384);
        QString error;
        int calls = 0;
        QVERIFY(!exportAnimation(threeSteps(), o, &error, [&](int, int) { return ++calls > 0; }));
        QVERIFY2(error.contains(QStringLiteral("2560")), qPrintable(error));
        QCOMPARE(calls, 0);
        QVERIFY(!QFile::exists(o.path));
    }

    void gifHasOneFramePerStepAndStage()
    {
        const Trace t = threeSteps();
        ExportOptions o;
        o.path = dir_.filePath(QStringLiteral("anim.gif"));
        o.size = QSize(320, 200);
        o.fps = 5;
        o.framesPerStage = 1;  // one still per stage
        QString error;
        int calls = 0;
        QVERIFY2(exportAnimation(t, o, &error, [&](int done, int total) {
                     ++calls;
                     return done <= total;
                 }),
                 qPrintable(error));
        QCOMPARE(calls, 3 * kStageCount);
        QCOMPARE(head(o.path, 6), QByteArray("GIF89a"));
        QFile raw(o.path);
        QVERIFY(raw.open(QIODevice::ReadOnly));
        QVERIFY(raw.readAll().contains("NETSCAPE2.0"));
        QVERIFY(raw.permissions() & QFileDevice::ReadOther || raw.permissions() & QFileDevice::ReadGroup);  // not giflib's 0600

        int err = 0;
        GifFileType* gif = DGifOpenFileName(o.path.toLocal8Bit().constData(), &err);
        QVERIFY(gif);
        QCOMPARE(DGifSlurp(gif), GIF_OK);
        QCOMPARE(gif->ImageCount, 3 * kStageCount);
        QCOMPARE(gif->SWidth, 320);
        QCOMPARE(gif->SHeight, 200);
        GraphicsControlBlock gcb;
        QCOMPARE(DGifSavedExtensionToGCB(gif, 0, &gcb), GIF_OK);
        QCOMPARE(gcb.DelayTime, 60);  // 5 fps, but a finished stage holds 0.6 s
        DGifCloseFile(gif, &err);
    }

    void cancelLeavesNothing()
    {
        ExportOptions o;
        o.path = dir_.filePath(QStringLiteral("cancelled.gif"));
        o.size = QSize(200, 120);
        QString error;
        QVERIFY(!exportAnimation(threeSteps(), o, &error, [](int done, int) { return done < 2; }));
        QCOMPARE(error, QStringLiteral("cancelled"));
        QVERIFY(!QFile::exists(o.path));
    }

    void writesRespectModesAndLinks()
    {
        ExportOptions o;
        o.size = QSize(200, 150);
        QString error;
        // a read-only target is refused (by its mode, so also as root) and stays as it was
        o.path = dir_.filePath(QStringLiteral("ro.png"));
        {
            QFile f(o.path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("keep");
        }
        QVERIFY(QFile::setPermissions(o.path, QFileDevice::ReadOwner | QFileDevice::ReadUser));
        QVERIFY(!exportHeatmap(threeSteps(), o, &error));
        QVERIFY2(error.contains(QStringLiteral("read-only")), qPrintable(error));
        QCOMPARE(QFileInfo(o.path).size(), 4);
        // a private file stays private after being replaced
        o.path = dir_.filePath(QStringLiteral("private.png"));
        {
            QFile f(o.path);
            QVERIFY(f.open(QIODevice::WriteOnly));
        }
        QVERIFY(QFile::setPermissions(o.path, QFileDevice::ReadOwner | QFileDevice::WriteOwner));
        QVERIFY2(exportHeatmap(threeSteps(), o, &error), qPrintable(error));
        QVERIFY(!(QFile::permissions(o.path) & (QFileDevice::ReadOther | QFileDevice::ReadGroup)));
        QVERIFY(QFileInfo(o.path).size() > 100);
        // a symbolic link is written through and stays a link
        const QString target = dir_.filePath(QStringLiteral("target.gif")), link = dir_.filePath(QStringLiteral("link.gif"));
        {
            QFile f(target);
            QVERIFY(f.open(QIODevice::WriteOnly));
        }
        QVERIFY(QFile::link(target, link));
        o.path = link;
        o.framesPerStage = 1;
        QVERIFY2(exportAnimation(threeSteps(), o, &error), qPrintable(error));
        QVERIFY(QFileInfo(link).isSymLink());
        QCOMPARE(head(target, 6), QByteArray("GIF89a"));
    }

    void errorsKeepTheTarget()
    {
        const QString path = dir_.filePath(QStringLiteral("keep.png"));
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("old");
        }
        ExportOptions o;
        o.path = path;
        QString error;
        o.dpi = 0;
        QVERIFY(!exportHeatmap(textbook(), o, &error));
        QVERIFY(error.contains(QStringLiteral("DPI")));
        o.dpi = 96;
        o.size = QSize(5, 5);
        QVERIFY(!exportStepFrame(textbook(), {}, o, &error));
        QVERIFY(error.contains(QStringLiteral("size")));
        QCOMPARE(head(path, 10), QByteArray("old"));

        o.size = QSize();
        o.path = dir_.filePath(QStringLiteral("picture.bmp"));
        QVERIFY(!exportHeatmap(textbook(), o, &error));
        QVERIFY(error.contains(QStringLiteral("png, jpg, svg, pdf")));
        o.path = dir_.filePath(QStringLiteral("still.gif"));
        QVERIFY(!exportHeatmap(textbook(), o, &error));
        QVERIFY(error.contains(QStringLiteral("animated")));
        o.path = dir_.filePath(QStringLiteral("anim.png"));
        QVERIFY(!exportAnimation(textbook(), o, &error));
        QVERIFY(error.contains(QStringLiteral(".gif")));
        o.path = dir_.filePath(QStringLiteral("no/such/dir/x.png"));
        QVERIFY(!exportHeatmap(textbook(), o, &error));
        QVERIFY(error.contains(QStringLiteral("cannot write")));
        o.path = dir_.filePath(QStringLiteral("empty.png"));
        QVERIFY(!exportHeatmap(Trace{}, o, &error));
        QVERIFY(!QFile::exists(o.path));
    }

    void formatsByExtension()
    {
        QCOMPARE(exportFormatFor(QStringLiteral("a.PNG")), ExportFormat::Png);
        QCOMPARE(exportFormatFor(QStringLiteral("a.jpeg")), ExportFormat::Jpg);
        QCOMPARE(exportFormatFor(QStringLiteral("dir.v2/a.svg")), ExportFormat::Svg);
        QCOMPARE(exportFormatFor(QStringLiteral("a.pdf")), ExportFormat::Pdf);
        QCOMPARE(exportFormatFor(QStringLiteral("a.gif")), ExportFormat::Gif);
        QCOMPARE(exportFormatFor(QStringLiteral("a")), ExportFormat::Unknown);
    }

private:
    QTemporaryDir dir_;
};

QTEST_MAIN(TestExport)
#include "tst_export.moc"
