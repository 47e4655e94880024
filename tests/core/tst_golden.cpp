// Golden traces: every tests/data/golden/*.model.json decoded by the C++ engine must reproduce the
// trace PyTorch computed for it (tools/make_golden.py) — every number within 1e-9 — and the beam-3
// results where a *.beam3.json exists. Decoded in float64 (DecodeOptions::precision): the reference precision;
// the float32 default is held to 1e-4 of it in tst_precision.
#include "core/formats/json_io.h"
#include "core/model/decoding.h"
#include "core/model/model.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <filesystem>

using namespace attnviz;
namespace fs = std::filesystem;

namespace {

constexpr double kTolerance = 1e-9;  // absolute, on every number (float64 on both sides)

const fs::path goldenDir()
{
    return fs::path(ATTNVIZ_TESTDATA_DIR) / "golden";
}

std::vector<std::string> fixtureNames()
{
    std::vector<std::string> names;
    if (!fs::is_directory(goldenDir()))
        return names;
    for (const auto& entry : fs::directory_iterator(goldenDir())) {
        const std::string f = entry.path().filename().string();
        if (endsWith(f, ".model.json"))
            names.push_back(f.substr(0, f.size() - std::string(".model.json").size()));
    }
    std::sort(names.begin(), names.end());
    return names;
}

// Largest |a - b| over two tensors; infinity when the shapes differ.
double maxDiff(const Mat& a, const Mat& b)
{
    if (a.rows() != b.rows() || a.cols() != b.cols())
        return INFINITY;
    return a.size() == 0 ? 0.0 : (a - b).cwiseAbs().maxCoeff();
}

double maxDiff(const Vec& a, const Vec& b)
{
    if (a.size() != b.size())
        return INFINITY;
    return a.size() == 0 ? 0.0 : (a - b).cwiseAbs().maxCoeff();
}

} // namespace

class TestGolden : public QObject {
    Q_OBJECT
private slots:
    void fixturesExist();
    void greedy_data();
    void greedy();
    void cborMatchesJson();
    void beam_data();
    void beam();
};

void TestGolden::fixturesExist()
{
    QVERIFY2(fs::is_directory(goldenDir()), ("the checked-in golden fixtures are missing: no folder " + goldenDir().string()).c_str());
    QVERIFY2(!fixtureNames().empty(), "tests/data/golden has no *.model.json fixtures");
}

void TestGolden::greedy_data()
{
    QTest::addColumn<QString>("name");
    for (const std::string& n : fixtureNames())
        QTest::newRow(n.c_str()) << QString::fromStdString(n);
}

void TestGolden::greedy()
{
    QFETCH(QString, name);
    const std::string base = (goldenDir() / name.toStdString()).string();
    const Model model = loadModel(base + ".model.json");
    const json doc = loadDocument(base + ".trace.json", modelLimits());
    const Trace want = traceFromJson(doc, base + ".trace.json");
    QVERIFY(doc.contains("source"));

    DecodeOptions float64;
    float64.precision = Precision::Float64;
    const DecodeResult got = translate(model, doc["source"].get<std::string>(), float64);
    const Trace& t = got.best;
    QCOMPARE(t.architecture, want.architecture);
    QCOMPARE(t.score, want.score);
    QCOMPARE(t.sourceTokens, want.sourceTokens);
    QCOMPARE(t.targetTokens, want.targetTokens);
    double worst = maxDiff(t.encoderStates, want.encoderStates);
    QVERIFY2(worst <= kTolerance, ("encoder_states differ by " + std::to_string(worst)).c_str());
    QCOMPARE(t.steps.size(), want.steps.size());
    for (std::size_t i = 0; i < t.steps.size(); ++i) {
        const StepTrace& a = t.steps[i];
        const StepTrace& b = want.steps[i];
        const std::string at = "step " + std::to_string(i + 1) + ": ";
        QCOMPARE(a.t, b.t);
        QCOMPARE(a.token, b.token);
        QCOMPARE(a.attention.has_value(), b.attention.has_value());
        worst = std::max(worst, maxDiff(a.query, b.query));
        QVERIFY2(maxDiff(a.query, b.query) <= kTolerance, (at + "query").c_str());
        if (a.attention) {
            QVERIFY2(maxDiff(a.attention->scores, b.attention->scores) <= kTolerance, (at + "scores").c_str());
            QVERIFY2(maxDiff(a.attention->weights, b.attention->weights) <= kTolerance, (at + "weights").c_str());
            QVERIFY2(maxDiff(a.attention->context, b.attention->context) <= kTolerance, (at + "context").c_str());
            QVERIFY2(b.attention->alignment.size() != 0, (at + "the fixture has no alignment").c_str());
            QVERIFY2(maxDiff(a.attention->alignment, b.attention->alignment) <= kTolerance, (at + "alignment").c_str());
            worst = std::max({worst, maxDiff(a.attention->scores, b.attention->scores), maxDiff(a.attention->context, b.attention->context)});
        }
        QCOMPARE(a.decoderStates.size(), b.decoderStates.size());
        for (std::size_t l = 0; l < a.decoderStates.size(); ++l) {
            worst = std::max(worst, maxDiff(a.decoderStates[l], b.decoderStates[l]));
            QVERIFY2(maxDiff(a.decoderStates[l], b.decoderStates[l]) <= kTolerance, (at + "decoder_states layer " + std::to_string(l)).c_str());
        }
        QCOMPARE(a.topK.size(), b.topK.size());
        for (std::size_t k = 0; k < a.topK.size(); ++k) {
            QCOMPARE(a.topK[k].token, b.topK[k].token);
            QVERIFY2(std::fabs(a.topK[k].prob - b.topK[k].prob) <= kTolerance, (at + "top_k prob").c_str());
        }
        QVERIFY(a.prob && b.prob);
        QVERIFY2(std::fabs(*a.prob - *b.prob) <= kTolerance, (at + "prob").c_str());
    }
    qInfo("%s: %zu steps, largest difference %.3g", qPrintable(name), t.steps.size(), worst);
}

void TestGolden::cborMatchesJson()
{
    int checked = 0;
    for (const std::string& n : fixtureNames()) {
        const std::string base = (goldenDir() / n).string();
        if (!fs::exists(base + ".model.cbor"))
            continue;
        const Model a = loadModel(base + ".model.json");
        const Model b = loadModel(base + ".model.cbor");
        QCOMPARE(modelToJson(a), modelToJson(b));
        ++checked;
    }
    // tests/data/golden/bahdanau.model.cbor is checked in: without it this test would compare nothing.
    QVERIFY2(checked > 0, ("no *.model.cbor beside the *.model.json fixtures in " + goldenDir().string()).c_str());
}

void TestGolden::beam_data()
{
    QTest::addColumn<QString>("name");
    for (const std::string& n : fixtureNames())
        if (fs::exists(goldenDir() / (n + ".beam3.json")))
            QTest::newRow(n.c_str()) << QString::fromStdString(n);
}

void TestGolden::beam()
{
    QFETCH(QString, name);
    const std::string base = (goldenDir() / name.toStdString()).string();
    const Model model = loadModel(base + ".model.json");
    const json want = loadDocument(base + ".beam3.json", modelLimits());
    DecodeOptions options;
    options.beam = want.at("beam").get<int>();
    options.precision = Precision::Float64;
    const DecodeResult got = translate(model, want.at("source").get<std::string>(), options);
    QCOMPARE(got.best.targetTokens, want.at("tokens").get<Tokens>());
    QVERIFY(std::fabs(got.bestScore - want.at("score").get<double>()) <= kTolerance);
    QCOMPARE(got.best.steps.size(), want.at("length").get<std::size_t>());
    QCOMPARE(got.finishedCount > 0, want.at("finished").get<bool>());
    DecodeOptions greedy;
    greedy.precision = Precision::Float64;
    QCOMPARE(translate(model, want.at("source").get<std::string>(), greedy).best.targetTokens, want.at("greedy_tokens").get<Tokens>());
    // finished hypotheses: the fixture lists them in finishing order, ours are best first
    std::vector<json> hyps(want.at("finished_hypotheses").begin(), want.at("finished_hypotheses").end());
    std::stable_sort(hyps.begin(), hyps.end(), [](const json& a, const json& b) { return a.at("score").get<double>() > b.at("score").get<double>(); });
    QCOMPARE(static_cast<std::size_t>(got.finishedCount), hyps.size());
    for (std::size_t i = 0; i < hyps.size(); ++i) {
        QCOMPARE(got.hypotheses[i].targetTokens, hyps[i].at("tokens").get<Tokens>());
        QVERIFY(std::fabs(got.scores[i] - hyps[i].at("score").get<double>()) <= kTolerance);
    }
}

QTEST_GUILESS_MAIN(TestGolden)
#include "tst_golden.moc"
