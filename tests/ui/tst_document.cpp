// Document: opening examples/traces/models off the GUI thread, score switching, what-if edits, and
// bad files that leave the open document untouched.
#include "ui/shell/document.h"

#include "core/model/model.h"
#include "core/formats/trace.h"
#include "core/model/random_model.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using attnviz::ui::Document;

namespace {

const QString kTextbook = QStringLiteral(":/samples/textbook_dot.json");

void write(const QString& path, const QByteArray& text)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(text);
}

bool near(const attnviz::Vec& v, std::initializer_list<double> expected, double tol = 1e-9)
{
    if (v.size() != static_cast<Eigen::Index>(expected.size()))
        return false;
    Eigen::Index i = 0;
    for (double e : expected)
        if (std::abs(v(i++) - e) > tol)
            return false;
    return true;
}

const attnviz::Vec& context(const Document& d, int step = 0)
{
    return d.trace()->steps.at(static_cast<std::size_t>(step)).attention->context;
}

} // namespace

class TestDocument : public QObject {
    Q_OBJECT
private slots:
    void opensTheBuiltInExample();
    void switchingTheScoreRecomputes();
    void scoreTheExampleLacksIsRefused();
    void editingAStateRecomputes();
    void badEditIsRefused();
    void opensOffTheGuiThread();
    void badFileKeepsThePreviousDocument();
    void unknownFormatIsNamed();
    void opensATrace();
    void opensAModelAndTranslates();
    void aModelWhoseNumbersOverflowIsNamed();
    void everyBuiltInSampleOpens();
    void opensArrayFiles();
    void whatIfEditsUndoAndRedo();

private:
    QTemporaryDir dir_;
};

void TestDocument::opensTheBuiltInExample()
{
    Document d;
    QSignalSpy traces(&d, &Document::traceChanged);
    QVERIFY(d.openFileNow(kTextbook));
    QCOMPARE(d.kind(), Document::Kind::Example);
    QCOMPARE(traces.count(), 1);
    QCOMPARE(d.scoreId(), QStringLiteral("dot"));
    QVERIFY(near(context(d), {5, 0, 1}, 1e-9));  // SPEC §1 worked example
    QVERIFY(d.title().contains(QStringLiteral("textbook")));
}

void TestDocument::switchingTheScoreRecomputes()
{
    Document d;
    QVERIFY(d.openFileNow(kTextbook));
    QSignalSpy traces(&d, &Document::traceChanged);
    QSignalSpy scores(&d, &Document::scoreChanged);
    QVERIFY(d.setScore(QStringLiteral("scaled_dot")));
    QCOMPARE(traces.count(), 1);
    QCOMPARE(scores.count(), 1);
    QCOMPARE(d.scoreId(), QStringLiteral("scaled_dot"));
    // scores / √3: 8.66, 34.64, 8.66, 20.21 → the "am" state still dominates, but less.
    const auto& st = d.trace()->steps.at(0);
    QVERIFY(std::abs(st.attention->scores(1) - 60.0 / std::sqrt(3.0)) < 1e-12);
    QVERIFY(st.attention->weights(1) < 1.0 - 1e-9);
    QVERIFY(d.setScore(QStringLiteral("cosine")));
    QCOMPARE(d.scoreId(), QStringLiteral("cosine"));
    QVERIFY(d.setScore(QStringLiteral("dot")));
    QVERIFY(near(context(d), {5, 0, 1}, 1e-9));
}

void TestDocument::scoreTheExampleLacksIsRefused()
{
    Document d;
    QVERIFY(d.openFileNow(kTextbook));
    const auto before = d.trace();
    QSignalSpy failed(&d, &Document::recomputeFailed);
    QSignalSpy traces(&d, &Document::traceChanged);
    QVERIFY(!d.setScore(QStringLiteral("general")));  // needs W, which the file does not give
    QCOMPARE(failed.count(), 1);
    QVERIFY(failed.at(0).at(0).toString().contains(QStringLiteral("\"W\"")));
    QCOMPARE(traces.count(), 0);
    QCOMPARE(d.scoreId(), QStringLiteral("dot"));
    QCOMPARE(d.trace(), before);
    QVERIFY(!d.setScore(QStringLiteral("no_such_score")));
    QCOMPARE(failed.count(), 2);
}

void TestDocument::editingAStateRecomputes()
{
    Document d;
    QVERIFY(d.openFileNow(kTextbook));
    // h_4 = [0, 5, 1] → [0, 50, 1]: score 10·0 + 5·50 + 10·1 = 260 wins, context → h_4.
    QVERIFY(d.setValue(false, 3, 1, 50.0));
    QVERIFY(near(context(d), {0, 50, 1}, 1e-9));
    QCOMPARE(d.example()->encoderStates(3, 1), 50.0);
    // The query s = [10, 5, 10] → [10, 5, 100]: h_1 = [0,1,1] scores 105, h_4 = [0,50,1] 350: still h_4.
    QVERIFY(d.setValue(true, 0, 2, 100.0));
    QCOMPARE(d.trace()->steps.at(0).attention->scores(0), 105.0);
}

void TestDocument::badEditIsRefused()
{
    Document d;
    QVERIFY(d.openFileNow(kTextbook));
    QSignalSpy failed(&d, &Document::recomputeFailed);
    QVERIFY(!d.setValue(false, 9, 0, 1.0));
    QVERIFY(!d.setValue(false, 0, 0, std::numeric_limits<double>::infinity()));
    QCOMPARE(failed.count(), 2);
    QVERIFY(near(context(d), {5, 0, 1}, 1e-9));
}

void TestDocument::opensOffTheGuiThread()
{
    Document d;
    QSignalSpy opened(&d, &Document::opened);
    QSignalSpy busy(&d, &Document::busyChanged);
    d.openFile(QStringLiteral(ATTNVIZ_SAMPLES_DIR "/examples/textbook_dot.json"));
    // The result arrives through the event loop, or at once when the worker finished first.
    QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, 5000);
    QVERIFY(!d.isBusy());
    QCOMPARE(busy.count(), 2);
    QCOMPARE(d.kind(), Document::Kind::Example);
    QVERIFY(near(context(d), {5, 0, 1}, 1e-9));
}

void TestDocument::badFileKeepsThePreviousDocument()
{
    QVERIFY(dir_.isValid());
    const QString bad = dir_.filePath(QStringLiteral("bad.json"));
    write(bad, R"({"format": "attnviz-example", "version": 1, "encoder_states": [[1, 2], [3]], "decoder_states": [[1, 2]], "score": "dot"})");
    Document d;
    QVERIFY(d.openFileNow(kTextbook));
    const auto before = d.trace();
    QSignalSpy failed(&d, &Document::loadFailed);
    QSignalSpy traces(&d, &Document::traceChanged);
    d.openFile(bad);
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 5000);
    const QString message = failed.at(0).at(0).toString();
    QVERIFY2(message.contains(QStringLiteral("bad.json")), qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("/encoder_states")), qPrintable(message));
    QCOMPARE(traces.count(), 0);
    QCOMPARE(d.trace(), before);
    QCOMPARE(d.filePath(), kTextbook);
    // A missing file too.
    d.openFile(dir_.filePath(QStringLiteral("missing.json")));
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 2, 5000);
    QVERIFY(failed.at(1).at(0).toString().contains(QStringLiteral("missing.json")));
    QCOMPARE(d.trace(), before);
}

void TestDocument::unknownFormatIsNamed()
{
    const QString other = dir_.filePath(QStringLiteral("other.json"));
    write(other, R"({"format": "something-else", "version": 1})");
    Document d;
    QSignalSpy failed(&d, &Document::loadFailed);
    QVERIFY(!d.openFileNow(other));
    QVERIFY(failed.at(0).at(0).toString().contains(QStringLiteral("/format")));
    QCOMPARE(d.kind(), Document::Kind::None);
}

void TestDocument::opensATrace()
{
    Document ex;
    QVERIFY(ex.openFileNow(kTextbook));
    const QString path = dir_.filePath(QStringLiteral("t.trace.json"));
    write(path, QByteArray::fromStdString(attnviz::traceToJson(*ex.trace()).dump()));
    Document d;
    QVERIFY(d.openFileNow(path));
    QCOMPARE(d.kind(), Document::Kind::Trace);
    QVERIFY(near(context(d), {5, 0, 1}, 1e-9));
    QSignalSpy failed(&d, &Document::recomputeFailed);
    QVERIFY(!d.setScore(QStringLiteral("scaled_dot")));  // a trace is what it is
    QCOMPARE(failed.count(), 1);
}

void TestDocument::opensAModelAndTranslates()
{
    QVERIFY2(Document::modelsSupported(), "Document::modelsSupported() is false: this build has no decoder");
    const QString model = QStringLiteral(ATTNVIZ_TESTDATA_DIR "/golden/bahdanau.model.json");
    QVERIFY2(QFile::exists(model), qPrintable(QStringLiteral("the checked-in golden model fixture is missing: ") + model));
    Document d;
    QSignalSpy traces(&d, &Document::traceChanged);
    d.openFile(model);
    QTRY_VERIFY_WITH_TIMEOUT(!d.isBusy() && d.kind() == Document::Kind::Model, 20000);
    QCOMPARE(d.kind(), Document::Kind::Model);
    QVERIFY(d.trace());
    QVERIFY(!d.trace()->steps.empty());  // a default sentence was translated at once
    QVERIFY(!d.lastSentence().isEmpty());
    const int before = traces.count();
    d.translate(d.lastSentence(), 3);
    QTRY_VERIFY_WITH_TIMEOUT(!d.isBusy(), 20000);
    QCOMPARE(traces.count(), before + 1);
    QCOMPARE(d.lastBeam(), 3);
    QVERIFY(d.trace()->steps.front().attention.has_value());
    QCOMPARE(d.trace()->architecture, std::string("bahdanau"));
}

// Weights finite in the file but whose scores overflow even in float64 (issue 18, found by fuzz_model): the
// window's message names the model file and what is wrong (the model stays open; its translation failed).
void TestDocument::aModelWhoseNumbersOverflowIsNamed()
{
    QVERIFY(dir_.isValid());
    // additive e_j = vᵀ tanh(W_q s + W_k h_j + b): with W_q = W_k = 0 and b = 1000, tanh is exactly 1 and
    // e_j = Σ v = 8 · 1.7e308, infinite whatever the states
    attnviz::Model m = attnviz::randomModel("bahdanau", {}, 3);
    attnviz::ScoreParams& p = m.weights.attention.params();
    p.W_q.setZero();
    p.W_k.setZero();
    p.b = attnviz::Vec::Constant(p.v.size(), 1000.0);
    p.v.setConstant(1.7e308);
    const QString file = dir_.filePath(QStringLiteral("overflow.cbor"));
    attnviz::saveModel(m, file.toStdString());
    Document d;
    QSignalSpy failed(&d, &Document::recomputeFailed);
    d.openFile(file);
    QTRY_VERIFY_WITH_TIMEOUT(!failed.isEmpty() && !d.isBusy(), 20000);
    const QString message = failed.first().first().toString();
    QVERIFY2(message.startsWith(file + QStringLiteral(": /weights: expected weights whose computations stay finite")),
             qPrintable(message));
}

void TestDocument::everyBuiltInSampleOpens()
{
    const QStringList names{QStringLiteral("additive_good_morning"), QStringLiteral("cosine_big_dog"), QStringLiteral("dot_student"),
                            QStringLiteral("general_i_love_you"), QStringLiteral("location_counting"),
                            QStringLiteral("scaled_dot_black_cat"), QStringLiteral("textbook_dot")};
    for (const QString& name : names) {
        Document d;
        QVERIFY2(d.openFileNow(QStringLiteral(":/samples/%1.json").arg(name)), qPrintable(name));
        QVERIFY(!d.trace()->steps.empty());
        QVERIFY2(name.contains(d.scoreId()), qPrintable(name + QStringLiteral(" opened with ") + d.scoreId()));
    }
}

// SPEC §5: hidden states from .npz / .safetensors / .pt open as examples through core's one loading path.
void TestDocument::opensArrayFiles()
{
    const QString dir = QStringLiteral(ATTNVIZ_TESTDATA_DIR "/arrays/");
    for (const char* f : {"states_mixed.npz", "states.safetensors", "states.pt"}) {
        Document d;
        QVERIFY2(d.openFileNow(dir + QLatin1String(f)), f);
        QCOMPARE(d.kind(), Document::Kind::Example);
        QCOMPARE(d.scoreId(), QStringLiteral("dot"));
        QVERIFY(near(context(d), {5, 0, 1}, 1e-6));
        QVERIFY(d.setScore(QStringLiteral("general")));
        QCOMPARE(d.trace()->sourceTokens.at(3), std::string("st\xc3\xbc" "dent"));
        const auto before = d.trace();
        QSignalSpy failed(&d, &Document::loadFailed);
        QVERIFY(!d.openFileNow(dir + QStringLiteral("evil.pt")));
        QVERIFY2(failed.at(0).at(0).toString().contains(QStringLiteral("evil.pt: data.pkl: refused the global")), qPrintable(failed.at(0).at(0).toString()));
        QCOMPARE(d.trace(), before);
    }
}

// Issue 14 in the window's document: forcing a word and dragging weights re-decode with the what-if, the
// plain run stays as the baseline, undo/redo walk the edits, a new sentence clears them, bad edits are refused.
void TestDocument::whatIfEditsUndoAndRedo()
{
    QVERIFY2(Document::modelsSupported(), "Document::modelsSupported() is false: this build has no decoder");
    const QString model = QStringLiteral(ATTNVIZ_TESTDATA_DIR "/golden/bahdanau.model.json");
    Document d;
    QSignalSpy failed(&d, &Document::recomputeFailed);
    d.openFile(model);
    QTRY_VERIFY_WITH_TIMEOUT(!d.isBusy() && d.kind() == Document::Kind::Model && d.trace() && !d.trace()->steps.empty(), 20000);
    const auto plain = d.trace();
    QVERIFY(!d.baseline());
    QVERIFY(!d.canUndoWhatIf());

    // say the second-best word at step 1
    const attnviz::TokenProb other = plain->steps[0].topK.at(1);
    d.forceToken(1, other.id);
    QTRY_VERIFY_WITH_TIMEOUT(!d.isBusy() && d.trace() != plain, 20000);
    QCOMPARE(d.trace()->steps[0].token, other.token);
    QVERIFY(d.trace()->steps[0].forced);
    QVERIFY(std::abs(*d.trace()->steps[0].prob - other.prob) < 1e-12);
    QVERIFY(d.lastDecodeWasWhatIf());
    QVERIFY(d.baseline());
    QCOMPARE(d.baseline()->steps[0].token, plain->steps[0].token);
    QVERIFY(d.canUndoWhatIf());

    // drag step 1's weights: transient edits make no undo entry, the final one makes exactly one
    const auto forced = d.trace();
    const Eigen::Index n = forced->steps[0].attention->weights.size();
    attnviz::Vec w = attnviz::Vec::Zero(n);
    w(0) = 1.0;
    d.overrideWeights(1, w, true);
    d.overrideWeights(1, w, false);
    QTRY_VERIFY_WITH_TIMEOUT(!d.isBusy() && d.trace()->steps[0].overridden, 20000);
    QCOMPARE(d.trace()->steps[0].attention->weights(0), 1.0);
    QCOMPARE(d.trace()->steps[0].token, other.token);  // still forced
    d.undoWhatIf();  // back to the forced word only
    QTRY_VERIFY_WITH_TIMEOUT(!d.isBusy() && !d.trace()->steps[0].overridden, 20000);
    QVERIFY(d.trace()->steps[0].forced);
    QVERIFY(d.canRedoWhatIf());
    d.undoWhatIf();  // back to the model's own translation
    QTRY_VERIFY_WITH_TIMEOUT(!d.isBusy() && !d.trace()->steps[0].forced, 20000);
    QCOMPARE(d.trace()->targetTokens, plain->targetTokens);
    QVERIFY(!d.baseline());  // no what-if active
    d.redoWhatIf();
    QTRY_VERIFY_WITH_TIMEOUT(!d.isBusy() && d.trace()->steps[0].forced, 20000);

    // refused edits change nothing
    const int failures = failed.count();
    d.overrideWeights(1, attnviz::Vec::Zero(n));
    d.forceText(1, QStringLiteral("zzyzx-not-a-word"));
    d.forceToken(99, other.id);
    QCOMPARE(failed.count(), failures + 3);
    d.setMergeWords(true);
    d.forceToken(1, other.id);
    QCOMPARE(failed.count(), failures + 4);
    d.setMergeWords(false);

    // a new sentence starts without what-if
    d.translate(d.lastSentence(), 1);
    QTRY_VERIFY_WITH_TIMEOUT(!d.isBusy() && !d.trace()->steps[0].forced, 20000);
    QVERIFY(!d.canUndoWhatIf() && !d.canRedoWhatIf() && !d.baseline());
    QVERIFY(!d.lastDecodeWasWhatIf());
}

QTEST_MAIN(TestDocument)
#include "tst_document.moc"
