// The transformer engine (core/model/transformer.h, SPEC §4) against PyTorch's own nn.Transformer:
// tests/data/golden_transformer.json (tools/make_transformer_golden.py, float64) holds the weights, two sources
// (lengths 1 and 7) and, per greedy step, the logits and every per-layer, per-head number of the trace. Every
// number must agree within 1e-9. Also: cached decoding equals recomputing the prefix, attention rows sum to 1,
// the causal shape of decoder self-attention, the attention override, and bad input.
#include "core/formats/error.h"
#include "core/model/transformer.h"

#include <nlohmann/json.hpp>

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <fstream>

using namespace attnviz;
using json = nlohmann::json;

namespace {

constexpr double kGolden = 1e-9;     // vs PyTorch, float64 on both sides
constexpr double kSame = 1e-12;      // two C++ paths computing the same numbers

const std::string fixturePath()
{
    return std::string(ATTNVIZ_TESTDATA_DIR) + "/golden_transformer.json";
}

const json& fixture()
{
    static const json doc = [] {
        std::ifstream in(fixturePath());
        if (!in)
            throw std::runtime_error("cannot open " + fixturePath());
        return json::parse(in);
    }();
    return doc;
}

Vec toVec(const json& a)
{
    Vec v(static_cast<Eigen::Index>(a.size()));
    for (std::size_t i = 0; i < a.size(); ++i)
        v(static_cast<Eigen::Index>(i)) = a[i].get<double>();
    return v;
}

Mat toMat(const json& rows)
{
    Mat m(static_cast<Eigen::Index>(rows.size()), rows.empty() ? 0 : static_cast<Eigen::Index>(rows[0].size()));
    for (std::size_t r = 0; r < rows.size(); ++r)
        m.row(static_cast<Eigen::Index>(r)) = toVec(rows[r]).transpose();
    return m;
}

std::vector<int> toIds(const json& a)
{
    return a.get<std::vector<int>>();
}

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

struct Fixture {
    TransformerConfig config;
    TransformerWeights weights;
};

Fixture loadFixture()
{
    const json& doc = fixture();
    const json& c = doc["config"];
    Fixture f;
    f.config = {c["d_model"].get<int>(), c["heads"].get<int>(), c["encoder_layers"].get<int>(),
                c["decoder_layers"].get<int>(), c["ff_size"].get<int>(), c["max_len"].get<int>()};
    const json& weights = doc["weights"];
    const auto list = transformerWeightSlots(f.weights, f.config, c["source_vocab"].get<int>(), c["target_vocab"].get<int>());
    if (list.size() != weights.size())
        throw std::runtime_error("the fixture has " + std::to_string(weights.size()) + " weights, the engine lists "
                                 + std::to_string(list.size()));
    for (const TransformerSlot& s : list) {
        if (!weights.contains(s.name))
            throw std::runtime_error("the fixture lacks " + s.name);
        const json& t = weights[s.name];
        const std::vector<long long> shape = t["shape"].get<std::vector<long long>>();
        const Vec data = toVec(t["data"]);
        if (s.matrix) {
            if (shape.size() != 2 || shape[0] != s.rows || shape[1] != s.cols)
                throw std::runtime_error(s.name + " has the wrong shape");
            *s.matrix = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(data.data(), s.rows, s.cols);
        } else {
            if (shape.size() != 1 || shape[0] != s.rows)
                throw std::runtime_error(s.name + " has the wrong shape");
            *s.vector = data;
        }
    }
    return f;
}

const Fixture& model()
{
    static const Fixture f = loadFixture();
    return f;
}

template <class F>
QString thrownMessage(F&& f)
{
    try {
        f();
    } catch (const ShapeError& e) {
        return QString::fromStdString(e.what());
    }
    return QStringLiteral("(nothing thrown)");
}

} // namespace

class TestTransformer : public QObject {
    Q_OBJECT
private slots:
    void fixtureLoads();
    void ffSizeFromWeights();
    void golden();
    void cachedEqualsWholePrefix();
    void attentionRowsSumToOne();
    void cacheCopiesAreIndependent();
    void overrideWithOwnWeightsChangesNothing();
    void overrideKeepsScores();
    void oneHotOverrideSelectsValueRow();
    void badInput();
};

void TestTransformer::fixtureLoads()
{
    const Fixture& f = model();
    QCOMPARE(f.config.headSize(), 4);
    checkTransformerWeights(f.config, f.weights);
    QCOMPARE(fixture()["cases"].size(), std::size_t(2));
}

void TestTransformer::ffSizeFromWeights()
{
    const json& w = fixture()["weights"];
    auto rowsOf = [&](const std::string& name) -> std::optional<long long> {
        if (!w.contains(name))
            return std::nullopt;
        return w[name]["shape"][0].get<long long>();
    };
    QVERIFY(transformerFfSizeFromWeights(rowsOf) == std::optional<int>(24));
    QVERIFY(w.contains(transformerFfSizeWeightName()));
    QVERIFY(!transformerFfSizeFromWeights([](const std::string&) { return std::optional<long long>(); }));
}

void TestTransformer::golden()
{
    const Fixture& f = model();
    const int L = f.config.decoderLayers, h = f.config.heads;
    double worstLogits = 0, worstHeads = 0;
    for (const json& cs : fixture()["cases"]) {
        const std::vector<int> src = toIds(cs["source_ids"]);
        const TransformerEncoding enc = transformerEncode(f.config, f.weights, src);
        worstHeads = std::max(worstHeads, maxDiff(enc.memory, toMat(cs["memory"])));
        QCOMPARE(enc.selfAttention.size(), std::size_t(f.config.encoderLayers));
        for (int l = 0; l < f.config.encoderLayers; ++l)
            for (int i = 0; i < h; ++i)
                worstHeads = std::max(worstHeads, maxDiff(enc.selfAttention[l][i], toMat(cs["encoder_self_attention"][l][i])));
        QVERIFY2(worstHeads <= kGolden, qPrintable(QString("encoder differs by %1").arg(worstHeads)));

        TransformerDecoderCache cache = transformerStartDecoding(f.config, f.weights, enc);
        const std::vector<int> fed = toIds(cs["target_ids"]);
        for (std::size_t p = 0; p < fed.size(); ++p) {
            const json& want = cs["steps"][p];
            TransformerStep step;
            transformerDecodeStep(f.config, f.weights, enc, cache, fed[p], step);
            const QString at = QString("source of %1, step %2: ").arg(src.size()).arg(p + 1);
            QCOMPARE(step.t, static_cast<int>(p + 1));
            const double dl = maxDiff(step.logits, toVec(want["logits"]));
            QVERIFY2(dl <= kGolden, qPrintable(at + QString("logits differ by %1").arg(dl)));
            worstLogits = std::max(worstLogits, dl);
            Eigen::Index best = 0;
            step.logits.maxCoeff(&best);
            QCOMPARE(static_cast<int>(best), want["argmax"].get<int>());
            for (int l = 0; l < L; ++l)
                for (int i = 0; i < h; ++i) {
                    const double d = std::max({maxDiff(step.crossAttention[l][i], toVec(want["cross_attention"][l][i])),
                                               maxDiff(step.selfAttention[l][i], toVec(want["self_attention"][l][i])),
                                               maxDiff(step.query[l][i], toVec(want["query"][l][i])),
                                               maxDiff(step.scores[l][i], toVec(want["scores"][l][i])),
                                               maxDiff(step.context[l][i], toVec(want["context"][l][i]))});
                    QVERIFY2(d <= kGolden, qPrintable(at + QString("layer %1 head %2 differs by %3").arg(l).arg(i).arg(d)));
                    worstHeads = std::max(worstHeads, d);
                }
            Vec mean = Vec::Zero(static_cast<Eigen::Index>(src.size()));
            for (int i = 0; i < h; ++i)
                mean += toVec(want["cross_attention"][L - 1][i]);
            QVERIFY(maxDiff(step.weights, mean / h) <= kGolden);
        }
    }
    qInfo("largest difference from nn.Transformer: logits %.3g, per-head numbers %.3g", worstLogits, worstHeads);
}

void TestTransformer::cachedEqualsWholePrefix()
{
    const Fixture& f = model();
    const int L = f.config.decoderLayers, h = f.config.heads;
    double worst = 0;
    for (const json& cs : fixture()["cases"]) {
        const TransformerEncoding enc = transformerEncode(f.config, f.weights, toIds(cs["source_ids"]));
        const std::vector<int> fed = toIds(cs["target_ids"]);
        const TransformerSequenceDecoding whole = transformerDecodeSequence(f.config, f.weights, enc, fed);
        TransformerDecoderCache cache = transformerStartDecoding(f.config, f.weights, enc);
        for (std::size_t p = 0; p < fed.size(); ++p) {
            const Eigen::Index pi = static_cast<Eigen::Index>(p);
            TransformerStep step;
            transformerDecodeStep(f.config, f.weights, enc, cache, fed[p], step);
            worst = std::max(worst, maxDiff(step.logits, whole.logits.row(pi).transpose()));
            worst = std::max(worst, maxDiff(step.output, whole.output.row(pi).transpose()));
            for (int l = 0; l < L; ++l)
                for (int i = 0; i < h; ++i) {
                    worst = std::max(worst, maxDiff(step.crossAttention[l][i], whole.crossAttention[l][i].row(pi).transpose()));
                    const Vec row = whole.selfAttention[l][i].row(pi).transpose();
                    worst = std::max(worst, maxDiff(step.selfAttention[l][i], row.head(pi + 1)));
                    QCOMPARE(row.tail(row.size() - pi - 1).cwiseAbs().sum(), 0.0);  // masked: exactly zero
                }
            // the whole-prefix path is golden too
            const double dl = maxDiff(whole.logits.row(pi).transpose(), toVec(cs["steps"][p]["logits"]));
            QVERIFY2(dl <= kGolden, qPrintable(QString("whole-prefix logits differ by %1").arg(dl)));
        }
    }
    QVERIFY2(worst <= 1e-11, qPrintable(QString("cached and whole-prefix decoding differ by %1").arg(worst)));
    qInfo("cached vs whole-prefix decoding: largest difference %.3g", worst);
}

void TestTransformer::attentionRowsSumToOne()
{
    const Fixture& f = model();
    const json& cs = fixture()["cases"][1];
    const TransformerEncoding enc = transformerEncode(f.config, f.weights, toIds(cs["source_ids"]));
    const Eigen::Index n = enc.memory.rows();
    QCOMPARE(n, Eigen::Index(7));
    for (const auto& layer : enc.selfAttention)
        for (const Mat& a : layer) {
            QCOMPARE(a.rows(), n);
            QCOMPARE(a.cols(), n);
            QVERIFY((a.rowwise().sum().array() - 1.0).abs().maxCoeff() <= kSame);
            QVERIFY(a.minCoeff() >= 0.0);
        }
    TransformerDecoderCache cache = transformerStartDecoding(f.config, f.weights, enc);
    const std::vector<int> fed = toIds(cs["target_ids"]);
    for (std::size_t p = 0; p < fed.size(); ++p) {
        TransformerStep step;
        transformerDecodeStep(f.config, f.weights, enc, cache, fed[p], step);
        QCOMPARE(cache.steps, static_cast<int>(p + 1));
        QCOMPARE(step.weights.size(), n);
        QVERIFY(std::fabs(step.weights.sum() - 1.0) <= kSame);
        for (int l = 0; l < f.config.decoderLayers; ++l)
            for (int i = 0; i < f.config.heads; ++i) {
                QCOMPARE(step.selfAttention[l][i].size(), static_cast<Eigen::Index>(p + 1));  // causal: t entries
                QVERIFY(std::fabs(step.selfAttention[l][i].sum() - 1.0) <= kSame);
                QCOMPARE(step.crossAttention[l][i].size(), n);
                QVERIFY(std::fabs(step.crossAttention[l][i].sum() - 1.0) <= kSame);
                QCOMPARE(step.query[l][i].size(), Eigen::Index(f.config.headSize()));
                QCOMPARE(step.context[l][i].size(), Eigen::Index(f.config.headSize()));
                QCOMPARE(step.scores[l][i].size(), n);
            }
    }
}

void TestTransformer::cacheCopiesAreIndependent()
{
    // What a beam search does: copy a hypothesis' cache, extend the copies with different tokens.
    const Fixture& f = model();
    const json& cs = fixture()["cases"][1];
    const TransformerEncoding enc = transformerEncode(f.config, f.weights, toIds(cs["source_ids"]));
    TransformerDecoderCache a = transformerStartDecoding(f.config, f.weights, enc);
    TransformerStep s;
    transformerDecodeStep(f.config, f.weights, enc, a, 1, s);
    TransformerDecoderCache b = a;
    TransformerStep sa, sb, sa2;
    transformerDecodeStep(f.config, f.weights, enc, b, 5, sb);
    transformerDecodeStep(f.config, f.weights, enc, a, 7, sa);
    QVERIFY(maxDiff(sa.logits, sb.logits) > 1e-6);
    const TransformerSequenceDecoding whole = transformerDecodeSequence(f.config, f.weights, enc, {1, 7});
    QVERIFY(maxDiff(sa.logits, whole.logits.row(1).transpose()) <= 1e-11);
    const TransformerSequenceDecoding wholeB = transformerDecodeSequence(f.config, f.weights, enc, {1, 5});
    QVERIFY(maxDiff(sb.logits, wholeB.logits.row(1).transpose()) <= 1e-11);
}

void TestTransformer::overrideWithOwnWeightsChangesNothing()
{
    // The override gives every head of the last layer the same weights; with one head (the same weights are a
    // valid 1-head model) the model's own weights must reproduce the step exactly.
    Fixture f = model();
    f.config.heads = 1;
    const json& cs = fixture()["cases"][1];
    const TransformerEncoding enc = transformerEncode(f.config, f.weights, toIds(cs["source_ids"]));
    TransformerDecoderCache plain = transformerStartDecoding(f.config, f.weights, enc);
    TransformerDecoderCache over = plain;
    const std::vector<int> fed = toIds(cs["target_ids"]);
    for (std::size_t p = 0; p < fed.size(); ++p) {
        TransformerStep a, b;
        transformerDecodeStep(f.config, f.weights, enc, plain, fed[p], a);
        const Vec own = a.crossAttention.back()[0];
        transformerDecodeStep(f.config, f.weights, enc, over, fed[p], b, &own);
        QVERIFY(b.overridden && !a.overridden);
        QVERIFY(maxDiff(a.logits, b.logits) <= kSame);
        QVERIFY(maxDiff(a.output, b.output) <= kSame);
        QVERIFY(maxDiff(a.weights, b.weights) <= kSame);
    }
}

void TestTransformer::overrideKeepsScores()
{
    const Fixture& f = model();
    const json& cs = fixture()["cases"][1];
    const TransformerEncoding enc = transformerEncode(f.config, f.weights, toIds(cs["source_ids"]));
    TransformerDecoderCache plain = transformerStartDecoding(f.config, f.weights, enc);
    TransformerDecoderCache over = plain;
    TransformerStep a, b;
    transformerDecodeStep(f.config, f.weights, enc, plain, 1, a);
    Vec w(7);
    w << 0.5, 0, 0, 0, 0, 0.25, 0.25;
    transformerDecodeStep(f.config, f.weights, enc, over, 1, b, &w);
    const int last = f.config.decoderLayers - 1;
    for (int l = 0; l <= last; ++l)
        for (int i = 0; i < f.config.heads; ++i) {
            QVERIFY(maxDiff(a.scores[l][i], b.scores[l][i]) <= kSame);   // scores still computed and shown
            QVERIFY(maxDiff(a.query[l][i], b.query[l][i]) <= kSame);
            if (l == last)
                QVERIFY(b.crossAttention[l][i] == w);
            else
                QVERIFY(maxDiff(a.crossAttention[l][i], b.crossAttention[l][i]) <= kSame);  // earlier layers untouched
        }
    QVERIFY(maxDiff(b.weights, w) <= kSame);
    QVERIFY(maxDiff(a.logits, b.logits) > 1e-3);  // the output follows the replaced weights
}

void TestTransformer::oneHotOverrideSelectsValueRow()
{
    const Fixture& f = model();
    const json& cs = fixture()["cases"][1];
    const TransformerEncoding enc = transformerEncode(f.config, f.weights, toIds(cs["source_ids"]));
    const Eigen::Index dh = f.config.headSize();
    const std::size_t last = static_cast<std::size_t>(f.config.decoderLayers - 1);
    for (Eigen::Index j = 0; j < enc.memory.rows(); ++j) {
        TransformerDecoderCache cache = transformerStartDecoding(f.config, f.weights, enc);
        const Vec oneHot = Vec::Unit(enc.memory.rows(), j);
        TransformerStep s;
        transformerDecodeStep(f.config, f.weights, enc, cache, 1, s);
        transformerDecodeStep(f.config, f.weights, enc, cache, 9, s, &oneHot);
        const Mat& V = (*cache.crossValues)[last];
        for (int i = 0; i < f.config.heads; ++i) {
            const Vec row = V.block(i * dh, j, dh, 1);
            QVERIFY(maxDiff(s.context[last][static_cast<std::size_t>(i)], row) <= kSame);
        }
    }
}

void TestTransformer::badInput()
{
    const Fixture& f = model();
    const std::vector<int> src = toIds(fixture()["cases"][1]["source_ids"]);

    TransformerConfig c = f.config;
    c.heads = 3;  // 16 is not divisible by 3
    QCOMPARE(thrownMessage([&] { transformerEncode(c, f.weights, src); }),
             QStringLiteral("transformer: d_model 16 is not divisible by heads 3"));
    QCOMPARE(thrownMessage([&] { TransformerWeights w; transformerWeightSlots(w, c, 11, 13); }),
             QStringLiteral("transformer: d_model 16 is not divisible by heads 3"));

    std::vector<int> tooLong(9, 4);
    QCOMPARE(thrownMessage([&] { transformerEncode(f.config, f.weights, tooLong); }),
             QStringLiteral("transformer: the source has 9 tokens, more than max_len 8"));
    QCOMPARE(thrownMessage([&] { transformerEncode(f.config, f.weights, {}); }),
             QStringLiteral("transformer: the source is empty (expected 1 to max_len 8 tokens)"));
    QCOMPARE(thrownMessage([&] { transformerEncode(f.config, f.weights, {4, 11}); }),
             QStringLiteral("transformer: source token id 11 at position 1 is outside the source vocabulary (ids 0..10)"));
    QCOMPARE(thrownMessage([&] { transformerEncode(f.config, f.weights, {-1}); }),
             QStringLiteral("transformer: source token id -1 at position 0 is outside the source vocabulary (ids 0..10)"));

    const TransformerEncoding enc = transformerEncode(f.config, f.weights, src);
    TransformerDecoderCache cache = transformerStartDecoding(f.config, f.weights, enc);
    TransformerStep s;
    QCOMPARE(thrownMessage([&] { transformerDecodeStep(f.config, f.weights, enc, cache, 13, s); }),
             QStringLiteral("transformer: target token id 13 is outside the target vocabulary (ids 0..12)"));
    const Vec shortOverride = Vec::Constant(3, 1.0 / 3);
    QCOMPARE(thrownMessage([&] { transformerDecodeStep(f.config, f.weights, enc, cache, 1, s, &shortOverride); }),
             QStringLiteral("transformer: the attention override has 3 weights, the source 7 tokens"));
    QCOMPARE(cache.steps, 0);  // nothing happened
    for (int t = 0; t < f.config.maxLen; ++t)
        transformerDecodeStep(f.config, f.weights, enc, cache, 1, s);
    QCOMPARE(thrownMessage([&] { transformerDecodeStep(f.config, f.weights, enc, cache, 1, s); }),
             QStringLiteral("transformer: decoding step 9 is beyond max_len 8"));
    QCOMPARE(thrownMessage([&] { transformerDecodeSequence(f.config, f.weights, enc, {1, 13}); }),
             QStringLiteral("transformer: target token id 13 at position 1 is outside the target vocabulary (ids 0..12)"));

    // a cache from another encoding (source of length 1) does not fit this one
    const TransformerEncoding other = transformerEncode(f.config, f.weights, {5});
    TransformerDecoderCache wrong = transformerStartDecoding(f.config, f.weights, other);
    QVERIFY(thrownMessage([&] { transformerDecodeStep(f.config, f.weights, enc, wrong, 1, s); }).contains("does not belong"));

    // a mis-shaped weight: the message names it and both shapes
    TransformerWeights w = f.weights;
    w.decoderLayers[1].crossAttn.inProjWeight.resize(48, 15);
    QCOMPARE(thrownMessage([&] { transformerEncode(f.config, w, src); }),
             QStringLiteral("transformer: weight transformer.decoder.layers.1.multihead_attn.in_proj_weight: expected 48 × 16, found 48 × 15"));
    TransformerWeights w2 = f.weights;
    w2.outBias.resize(12);
    QCOMPARE(thrownMessage([&] { transformerEncode(f.config, w2, src); }),
             QStringLiteral("transformer: weight out.bias: expected 13, found 12"));
    TransformerConfig c2 = f.config;
    c2.ffSize = 20;  // config and weights disagree
    QCOMPARE(thrownMessage([&] { transformerEncode(c2, f.weights, src); }),
             QStringLiteral("transformer: weight transformer.encoder.layers.0.linear1.weight: expected 20 × 16, found 24 × 16"));
}

QTEST_GUILESS_MAIN(TestTransformer)
#include "tst_transformer.moc"
