// The step view renderer paints every stage of every sample (and of synthetic traces: large vectors,
// no attention, no encoder states) without a Qt warning; frames are not blank, differ between stages
// and move smoothly with progress. StepView: tooltips and the inline editor.
#include "core/formats/example.h"
#include "core/model/decoding.h"
#include "core/model/heads.h"
#include "core/model/random_model.h"
#include "ui/step/step_renderer.h"
#include "ui/step/step_text.h"
#include "ui/step/step_view.h"

#include "small_transformer.h"

#include <QDir>
#include <QImage>
#include <QLineEdit>
#include <QPainter>
#include <QSet>
#include <QSignalSpy>
#include <QtTest>

#include <memory>
#include <random>

using namespace attnviz;
using namespace attnviz::ui;

namespace {

QStringList g_warnings;

void failOnWarnings(QtMsgType type, const QMessageLogContext&, const QString& msg)
{
    if (type != QtDebugMsg && type != QtInfoMsg && !msg.contains(QLatin1String("XDG_RUNTIME_DIR")))
        g_warnings << msg;
}

// A trace built by hand (the engine is not under test here; weights are a valid softmax).
Trace synthetic(int n, int d, int steps, bool attention, const std::string& arch, bool withStates = true)
{
    std::mt19937 rng(7);
    std::normal_distribution<double> N(0, 1);
    Trace t;
    t.title = "synthetic";
    t.architecture = arch;
    t.score = attention ? "general" : "";
    for (int j = 0; j < n; ++j)
        t.sourceTokens.push_back("w" + std::to_string(j));
    Mat H(n, d);
    for (Eigen::Index i = 0; i < H.size(); ++i)
        H.data()[i] = N(rng);
    if (withStates)
        t.encoderStates = H;
    for (int s = 0; s < steps; ++s) {
        StepTrace st;
        st.t = s + 1;
        Vec q(d);
        for (int i = 0; i < d; ++i)
            q(i) = N(rng);
        if (attention) {
            st.query = q;
            AttentionResult a;
            a.scores = H * q;
            Vec w = (a.scores.array() - a.scores.maxCoeff()).exp();
            a.weights = w / w.sum();
            a.alignment = a.weights.asDiagonal() * H;
            a.context = a.alignment.colwise().sum().transpose();
            st.attention = a;
        } else {
            st.decoderStates.push_back(q);
        }
        st.token = "y" + std::to_string(s);
        st.prob = 0.7;
        st.topK = {{st.token, 3, 0.7}, {"other", 4, 0.2}, {"<eos>", 2, 0.1}};
        t.targetTokens.push_back(st.token);
        t.steps.push_back(st);
    }
    return t;
}

QImage render(const Trace& t, int step, int stage, double progress, QSize size = {960, 600}, ColorMap map = ColorMap::Viridis)
{
    QImage img(size, QImage::Format_RGB32);
    img.fill(Qt::black);  // the renderer must paint its own background
    QPainter p(&img);
    StepRenderOptions opt;
    opt.font = defaultStepFont();
    opt.colorMap = map;
    StepPosition pos;
    pos.step = step;
    pos.stage = static_cast<Stage>(stage);
    pos.progress = progress;
    paintStepView(p, QRectF(QPointF(0, 0), QSizeF(size)), t, pos, opt);
    return img;
}

// Share of pixels that are not the background colour, and the number of distinct colours.
void inkAndColours(const QImage& img, double* ink, int* colours)
{
    const QRgb bg = img.pixel(2, 2);
    QSet<QRgb> set;
    qint64 count = 0;
    for (int y = 0; y < img.height(); y += 2)
        for (int x = 0; x < img.width(); x += 2) {
            const QRgb c = img.pixel(x, y);
            if (c != bg) ++count;
            set.insert(c);
        }
    *ink = static_cast<double>(count) / ((img.width() / 2) * (img.height() / 2));
    *colours = static_cast<int>(set.size());
}

std::map<std::string, Trace>& traces()
{
    static std::map<std::string, Trace> all;
    return all;
}

} // namespace

class TestStepRenderer : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        qInstallMessageHandler(failOnWarnings);
        const QDir dir(QStringLiteral(ATTNVIZ_SAMPLES_DIR "/examples"));
        const QStringList files = dir.entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name);
        QVERIFY2(!files.isEmpty(), "no samples/examples/*.json");
        for (const QString& f : files)
            traces()["sample " + f.toStdString()] = exampleTrace(loadExample(dir.filePath(f).toStdString()));
        traces()["n=50 d=256 luong"] = synthetic(50, 256, 2, true, "luong");
        traces()["n=8 d=12 bahdanau"] = synthetic(8, 12, 2, true, "bahdanau");
        traces()["seq2seq without attention"] = synthetic(6, 8, 2, false, "seq2seq");
        traces()["no encoder states"] = synthetic(5, 4, 1, false, "seq2seq", false);
        traces()["one source token"] = synthetic(1, 3, 1, true, "");
    }
    void cleanup()
    {
        const QStringList w = g_warnings;
        g_warnings.clear();
        QVERIFY2(w.isEmpty(), qPrintable(w.join(QLatin1Char('\n'))));
    }

    // Issue 12: "compraremos" and its top-k neighbours are never elided: the decoder box gets the room the widest
    // output word needs in the big font (1.9× bold) at the step view's size in a 1280×800 window; at 1024×700 the
    // word is drawn smaller to fit.
    void longOutputWordsFitTheDecoderBox()
    {
        Trace t = synthetic(9, 128, 3, true, "bahdanau");
        t.steps[0].token = "compraremos";
        t.steps[0].topK = {{"compraremos", 3, 0.92}, {"preferiremos", 4, 0.04}, {"seguiremos", 5, 0.02}};
        QFont big = defaultStepFont();
        big.setPointSizeF(big.pointSizeF() * 1.9);
        big.setBold(true);
        const double word = QFontMetricsF(big).horizontalAdvance(QStringLiteral("compraremos"));
        StepPosition pos;
        pos.stage = Stage::Feed;
        StepRenderOptions opt;
        opt.font = defaultStepFont();
        QFont small = defaultStepFont();
        small.setPointSizeF(small.pointSizeF() * 0.86);
        small.setBold(true);
        const double smallWord = QFontMetricsF(small).horizontalAdvance(QStringLiteral("compraremos"));
        for (const QSize size : {QSize(820, 470), QSize(600, 380)}) {
            const StepLayout L = layoutStepView(QRectF(QPointF(0, 0), QSizeF(size)), t, pos, opt);
            // full size at 1280×800; in the narrow window the word shrinks (down to the small font), never elided
            QVERIFY2(L.decoderRect.width() - 24 >= (size.width() >= 800 ? word : smallWord),
                     qPrintable(QStringLiteral("%1 px box for a %2 px word at %3×%4").arg(L.decoderRect.width()).arg(word).arg(size.width()).arg(size.height())));
            QVERIFY(L.decoderRect.right() <= size.width());
            QVERIFY(L.encoderZone.width() > size.width() * 0.45);  // the encoder columns keep most of the width
        }
    }

    void everyStageOfEveryTrace_data()
    {
        QTest::addColumn<QString>("name");
        for (const auto& [name, t] : traces())
            QTest::newRow(name.c_str()) << QString::fromStdString(name);
    }
    void everyStageOfEveryTrace()
    {
        QFETCH(QString, name);
        const Trace& t = traces().at(name.toStdString());
        for (int step = 0; step < static_cast<int>(t.steps.size()); ++step) {
            QImage previous;
            for (int stage = 0; stage < kStageCount; ++stage) {
                const QImage img = render(t, step, stage, 1.0);
                double ink = 0;
                int colours = 0;
                inkAndColours(img, &ink, &colours);
                const QByteArray where = name.toUtf8() + " step " + QByteArray::number(step) + " stage " + QByteArray::number(stage);
                QVERIFY2(img.pixel(2, 2) == qRgb(255, 255, 255), where);  // background painted
                QVERIFY2(ink > 0.03, where + " is nearly blank");
                QVERIFY2(colours > 20, where + " has too few colours");
                if (!previous.isNull() && t.steps[static_cast<std::size_t>(step)].attention)
                    QVERIFY2(img != previous, where + " looks like the stage before");
                previous = img;
            }
        }
    }

    void progressMovesSmoothly()
    {
        const Trace& t = traces().at("sample textbook_dot.json");
        for (int stage = 0; stage < kStageCount; ++stage) {
            const QImage a = render(t, 0, stage, 0.0), b = render(t, 0, stage, 0.5), c = render(t, 0, stage, 1.0);
            QVERIFY2(b != c, qPrintable(QStringLiteral("stage %1: the half-way frame equals the end").arg(stage)));
            QVERIFY2(a != b, qPrintable(QStringLiteral("stage %1: the half-way frame equals the start").arg(stage)));
        }
    }

    void othersMapsDarkAndSizes()
    {
        const Trace& t = traces().at("n=8 d=12 bahdanau");
        QVERIFY(render(t, 0, 3, 1.0, {960, 600}, ColorMap::Magma) != render(t, 0, 3, 1.0, {960, 600}, ColorMap::Viridis));
        for (QSize s : {QSize(1280, 800), QSize(480, 320), QSize(60, 40)}) {
            const QImage img = render(t, 1, 5, 1.0, s, ColorMap::RdBu);
            QCOMPARE(img.size(), s);
        }
        QImage img(640, 400, QImage::Format_RGB32);
        QPainter p(&img);
        StepRenderOptions opt;
        opt.darkBackground = true;
        paintStepView(p, QRectF(0, 0, 640, 400), t, StepPosition{0, Stage::Softmax, 0.5}, opt);
        p.end();
        QVERIFY(qGray(img.pixel(2, 2)) < 60);
    }

    void outOfRangeAndEmpty()
    {
        const Trace& t = traces().at("n=8 d=12 bahdanau");
        const QImage clamped = render(t, 99, 2, 7.0), last = render(t, 1, 2, 1.0);
        QCOMPARE(clamped, last);
        const QImage empty = render(Trace{}, 0, 0, 1.0);
        double ink = 0;
        int colours = 0;
        inkAndColours(empty, &ink, &colours);
        QVERIFY(ink > 0.0);  // a note, not a crash
    }

    void describesValues()
    {
        const Trace& t = traces().at("sample textbook_dot.json");
        StepPosition pos{0, Stage::Feed, 1.0};
        QCOMPARE(describeStepHit(t, pos, {StepPart::EncoderCell, 1, 0}), QString::fromUtf8("h₂[1] = 5  (am)"));
        QCOMPARE(describeStepHit(t, pos, {StepPart::Score, 1, -1}), QString::fromUtf8("e₂ = 60  (am)"));
        QCOMPARE(describeStepHit(t, pos, {StepPart::ContextCell, -1, 2}), QStringLiteral("c[3] = 1"));
        QVERIFY(describeStepHit(t, pos, {StepPart::Weight, 0, -1}).startsWith(QString::fromUtf8("a₁ = ")));
        QVERIFY(describeStepHit(t, pos, {StepPart::None, -1, -1}).isEmpty());
        QVERIFY(describeStepHit(t, pos, {StepPart::EncoderCell, 999, 0}).isEmpty());
    }

    // The step view's words about an architecture come from core's topology of its preset (presetShape), not from
    // its id: the same words, to the letter, as when step_text.cpp wrote them per preset id (issue 18).
    void wordsFollowTheTopology_data()
    {
        QTest::addColumn<QString>("arch");
        QTest::addColumn<bool>("attention");
        QTest::addColumn<QStringList>("words");  // stage 5's formula, the query's title and subtitle, the architecture's label
        auto row = [](const char* name, const char* arch, bool attention, std::initializer_list<const char*> words) {
            QStringList w;
            for (const char* s : words)
                w << QString::fromUtf8(s);
            QTest::newRow(name) << QString::fromUtf8(arch) << attention << w;
        };
        const char* other = "the context c and the query s go to the decoder, which predicts the next token";
        const char* plain = "logitsₜ = W_out hₜ + b_out  →  the most probable token yₜ";
        row("seq2seq", "seq2seq", false, {plain, "decoder hₜ", "top decoder state", "seq2seq, no attention"});
        row("seq2seq_attention", "seq2seq_attention", true,
            {"logitsₜ = W_out [hₜ; cₜ] + b_out  →  the most probable token yₜ", "query hₜ", "current decoder state", "seq2seq + dot attention"});
        row("bahdanau", "bahdanau", true,
            {"sᵢ = GRU([E yᵢ₋₁; cᵢ], sᵢ₋₁);  logitsᵢ = W_out [sᵢ; cᵢ; E yᵢ₋₁] + b_out", "query sᵢ₋₁", "previous decoder state", "Bahdanau 2015"});
        row("luong", "luong", true,
            {"h̃ₜ = tanh(W_c [cₜ; hₜ]);  logitsₜ = W_out h̃ₜ + b_out  (h̃ₜ is fed to the next step)", "query hₜ", "current decoder state",
             "Luong 2015"});
        row("gnmt", "gnmt", true,
            {"cᵢ joins the input of every decoder layer;  logitsᵢ = W_out yᴺᵢ + b_out", "query y¹ᵢ₋₁", "bottom layer, previous step",
             "GNMT (Wu 2016)"});
        row("transformer", "transformer", true, {other, "query s", "decoder state", "transformer"});
        row("example", "", true, {other, "query s", "decoder state", "example"});
        row("example without attention", "", false, {plain, "decoder hₜ", "top decoder state", "example"});
        row("unknown id", "mine", true, {other, "query s", "decoder state", "mine"});
    }

    void wordsFollowTheTopology()
    {
        QFETCH(QString, arch);
        QFETCH(bool, attention);
        QFETCH(QStringList, words);
        const Trace t = synthetic(3, 4, 2, attention, arch.toStdString());
        const QString legend = stageLegend(t, 0, Stage::Feed);
        QCOMPARE(QStringList({legend.mid(legend.indexOf(QStringLiteral(": ")) + 2), queryTitle(t), querySubtitle(t), architectureLabel(t.architecture)}),
                 words);
    }

    // One transformer head (core selectHeads with the layers' keys and values): the encoder column is the head's
    // keys Kⱼ while scoring and its values Vⱼ from the alignment stage on, in the drawing, the tooltips and the
    // legend; without them the column stays the encoder output hⱼ.
    void oneHeadShowsItsKeysThenValues()
    {
        const Trace full = attnviz_test::smallTransformerTrace({"s4", "s7", "s5"}, 5, 0.5);
        const Trace head = selectHeads(full, {0, HeadMode::One, 1});
        QCOMPARE(head.keys.rows(), Eigen::Index(3));
        const auto tip = [](const char* letter, double x) {
            return QString::fromUtf8(letter) + QString::fromUtf8("₂[1] = ") + displayNumber(x, 6) + QStringLiteral("  (s7)");
        };
        QCOMPARE(describeStepHit(head, {0, Stage::Score, 1.0}, {StepPart::EncoderCell, 1, 0}), tip("K", head.keys(1, 0)));
        QCOMPARE(describeStepHit(head, {0, Stage::Align, 1.0}, {StepPart::EncoderCell, 1, 0}), tip("V", head.encoderStates(1, 0)));
        QVERIFY(head.keys(1, 0) != head.encoderStates(1, 0));
        QVERIFY2(stageLegend(head, 0, Stage::Score).contains(QString::fromUtf8("q · Kⱼ / √4")), qPrintable(stageLegend(head, 0, Stage::Score)));
        QVERIFY(stageLegend(head, 0, Stage::Context).contains(QString::fromUtf8("this head's output Σⱼ aⱼ Vⱼ = ")));
        Trace bare = full;
        bare.crossKeys.clear();
        bare.crossValues.clear();
        const Trace noKeys = selectHeads(bare, {0, HeadMode::One, 1});
        QCOMPARE(describeStepHit(noKeys, {0, Stage::Score, 1.0}, {StepPart::EncoderCell, 1, 0}).left(2), QString::fromUtf8("h₂"));
        // The scoring frame draws other vectors (the keys) than with the encoder output; the frames differ.
        QVERIFY(render(head, 0, 1, 1.0) != render(noKeys, 0, 1, 1.0));
        QVERIFY(render(head, 0, 3, 1.0) != render(noKeys, 0, 3, 1.0));
        // The header names the heads shown, not the internal id "multi_head".
        const HeadShape shape = headShape(full);
        QCOMPARE(scoreCaption(head), QString::fromUtf8("scaled dot product · ") + QString::fromStdString(describeSelection({0, HeadMode::One, 1}, shape)));
        QVERIFY(scoreCaption(head).contains(QStringLiteral("head 2 of")));
        QVERIFY2(scoreCaption(full).contains(QStringLiteral("mean of")), qPrintable(scoreCaption(full)));
        QVERIFY(scoreCaption(selectHeads(full, {0, HeadMode::Max, 0})).contains(QStringLiteral("max over")));
        Trace rnn = full;
        rnn.score = "additive";
        QCOMPARE(scoreCaption(rnn), QStringLiteral("additive"));
    }

    void viewTooltipAndEditing()
    {
        Trace tb;
        tb.sourceTokens = {"I", "am", "a", "student"};
        tb.encoderStates = (Mat(4, 3) << 0, 1, 1, 5, 0, 1, 1, 1, 0, 0, 5, 1).finished();
        tb.score = "dot";
        tb.steps = synthetic(4, 3, 1, true, "").steps;
        StepView view;
        view.resize(1280, 800);
        view.setTrace(std::make_shared<const Trace>(tb));
        view.setPosition({0, Stage::Score, 1.0});
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        const StepLayout& L = view.layout();
        QVERIFY(L.numbersInCells);
        const QPointF cell = cellRect(L.stateRects[1], 3, 0).center();
        QCOMPARE(view.toolTipAt(cell), QString::fromUtf8("h₂[1] = 5  (am)"));
        QVERIFY(view.toolTipAt(QPointF(3, 3)).isEmpty());

        QVERIFY(!view.editAt(cell));  // not editable by default
        view.setEditable(true);
        QSignalSpy spy(&view, &StepView::stateEdited);
        QVERIFY(view.editAt(cell));
        QVERIFY(view.editor());
        QCOMPARE(view.editor()->text(), QStringLiteral("5"));
        view.editor()->setText(QStringLiteral("7.5"));
        QTest::keyClick(view.editor(), Qt::Key_Return);
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.at(0).at(0).toBool(), false);
        QCOMPARE(spy.at(0).at(1).toInt(), 1);
        QCOMPARE(spy.at(0).at(2).toInt(), 0);
        QCOMPARE(spy.at(0).at(3).toDouble(), 7.5);

        QVERIFY(view.editAt(cellRect(L.queryRect, 3, 2).center()));  // the query: decoder = true
        view.editor()->setText(QStringLiteral("-2"));
        QTest::keyClick(view.editor(), Qt::Key_Return);
        QCOMPARE(spy.count(), 2);
        QCOMPARE(spy.at(1).at(0).toBool(), true);
        QCOMPARE(spy.at(1).at(1).toInt(), 0);
        QCOMPARE(spy.at(1).at(2).toInt(), 2);
        QCOMPARE(spy.at(1).at(3).toDouble(), -2.0);

        QVERIFY(view.editAt(cell));  // Escape cancels
        QTest::keyClick(view.editor(), Qt::Key_Escape);
        QCOMPARE(spy.count(), 2);
        QVERIFY(!view.editAt(L.legend.center()));
        view.setColorMap(ColorMap::Blues);
        QCOMPARE(view.colorMap(), ColorMap::Blues);
        QVERIFY(!view.grab().isNull());
    }
};

QTEST_MAIN(TestStepRenderer)
#include "tst_step_renderer.moc"
