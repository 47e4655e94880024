// The transformer preset through the shared decoder (SPEC §4, issue 16): greedy equals an argmax loop over
// the whole-prefix engine, beam 1 equals greedy, every beam hypothesis equals teacher forcing of its tokens
// (each keeps its own copy of the key/value cache), forced prefix, attention override (one-hot: the last
// layer's head outputs are that source position's value rows), the trace's multi-head numbers, their JSON
// round trip and validation, merging pieces into words, and a source longer than max_len.
#include "core/model/decoding.h"
#include "core/model/merge_words.h"
#include "core/model/random_model.h"
#include "core/numeric/softmax.h"

#include "input_failure.h"

#include <QtTest>

#include <cmath>

using namespace attnviz;
using attnviz_test::inputFailure;

namespace {

Model transformerModel(std::uint64_t seed = 5, int dModel = 8, int maxLen = 12)
{
    RandomModelOptions o;
    o.hidden = dModel;  // heads 2 for d_model 8
    o.sourceVocab = 14;
    o.targetVocab = 16;
    o.maxLen = maxLen;
    o.scale = 0.9;  // peaked enough that greedy does not stop at once
    return randomModel("transformer", o, seed);
}

const Tokens kSource{"s4", "s7", "s5", "s9", "s6"};

// Decoding in float64: what the checks against the whole-prefix engine (float64) compare at 1e-12. The float32
// default is held to 1e-4 of it in tst_precision.
DecodeOptions reference()
{
    DecodeOptions o;
    o.precision = Precision::Float64;
    return o;
}

double maxDiff(const Vec& a, const Vec& b)
{
    return a.size() == b.size() ? (a - b).cwiseAbs().maxCoeff() : 1e300;
}

std::vector<int> idsOf(const Model& m, const Trace& tr)
{
    std::vector<int> ids;
    for (const StepTrace& st : tr.steps)
        ids.push_back(m.target.id(st.token));
    return ids;
}

// Teacher forcing of `targets` with the whole-prefix engine (no cache): row i = step i + 1.
TransformerSequenceDecoding teacherForce(const Model& m, const Tokens& source, const std::vector<int>& targets)
{
    const TransformerConfig c = m.transformerConfig();
    const TransformerEncoding enc = transformerEncode(c, m.weights.transformer, m.source.ids(source));
    std::vector<int> inputs{m.target.sos()};
    for (std::size_t i = 0; i + 1 < targets.size(); ++i)
        inputs.push_back(targets[i]);
    return transformerDecodeSequence(c, m.weights.transformer, enc, inputs);
}

// Checks every step of `tr` against teacher forcing of its own tokens: probabilities, every head's cross- and
// self-attention, the averaged weights.
void checkAgainstTeacherForcing(const Model& m, const Trace& tr)
{
    const std::vector<int> ids = idsOf(m, tr);
    const TransformerSequenceDecoding d = teacherForce(m, tr.sourceTokens, ids);
    const int H = m.config.heads;
    for (std::size_t i = 0; i < tr.steps.size(); ++i) {
        const StepTrace& st = tr.steps[i];
        const auto r = static_cast<Eigen::Index>(i);
        const Vec p = softmax(d.logits.row(r).transpose());
        QVERIFY2(std::abs(*st.prob - p(ids[i])) < 1e-12, qPrintable(QString("step %1").arg(i + 1)));
        QVERIFY(st.multiHead);
        for (int l = 0; l < m.config.decoderLayers; ++l)
            for (int h = 0; h < H; ++h) {
                const auto ls = static_cast<std::size_t>(l), hs = static_cast<std::size_t>(h);
                QVERIFY(maxDiff(st.multiHead->heads[ls][hs], d.crossAttention[ls][hs].row(r).transpose()) < 1e-12);
                QVERIFY(maxDiff(st.multiHead->selfAttention[ls][hs], d.selfAttention[ls][hs].row(r).head(r + 1).transpose()) < 1e-12);
            }
        Vec mean = Vec::Zero(static_cast<Eigen::Index>(tr.sourceTokens.size()));
        for (const Mat& a : d.crossAttention.back())
            mean += a.row(r).transpose() / static_cast<double>(H);
        QVERIFY(maxDiff(st.attention->weights, mean) < 1e-12);
    }
}

} // namespace

class TestTransformerDecoding : public QObject {
    Q_OBJECT
private slots:
    void stepShapes();
    void greedyEqualsSequenceArgmax();
    void beamOneEqualsGreedy();
    void beamHypothesesEqualTeacherForcing();
    void forcedPrefixEqualsTeacherForcing();
    void oneHotOverrideGivesValueRows();
    void overrideValidatedLikeRecurrent();
    void sourceLongerThanMaxLen();
    void outputStopsAtMaxLen();
    void traceJsonRoundTrip();
    void badTraceDocuments_data();
    void badTraceDocuments();
    void mergeWordsOnTransformerTrace();
};

void TestTransformerDecoding::stepShapes()
{
    const Model m = transformerModel();
    QCOMPARE(m.config.heads, 2);
    const DecodeResult r = translateTokens(m, kSource);
    const Trace& tr = r.best;
    const int L = m.config.decoderLayers, H = m.config.heads, d = m.config.hiddenSize, dh = d / H;
    const auto n = static_cast<Eigen::Index>(kSource.size());
    QCOMPARE(tr.score, std::string("multi_head"));
    QCOMPARE(tr.architecture, std::string("transformer"));
    QCOMPARE(tr.encoderStates.rows(), n);
    QCOMPARE(tr.encoderStates.cols(), Eigen::Index(d));
    QCOMPARE(static_cast<int>(tr.encoderSelfAttention.size()), m.config.encoderLayers);
    for (const auto& layer : tr.encoderSelfAttention) {
        QCOMPARE(static_cast<int>(layer.size()), H);
        for (const Mat& a : layer) {
            QCOMPARE(a.rows(), n);
            QCOMPARE(a.cols(), n);
            QVERIFY((a.rowwise().sum().array() - 1.0).abs().maxCoeff() < 1e-12);
        }
    }
    QVERIFY(tr.steps.size() >= 2);
    for (const StepTrace& st : tr.steps) {
        QVERIFY(st.multiHead && st.attention);
        const MultiHeadStep& mh = *st.multiHead;
        QCOMPARE(static_cast<int>(mh.heads.size()), L);
        QCOMPARE(static_cast<int>(st.decoderStates.size()), L);
        for (int l = 0; l < L; ++l) {
            const auto ls = static_cast<std::size_t>(l);
            QCOMPARE(static_cast<int>(mh.heads[ls].size()), H);
            QCOMPARE(st.decoderStates[ls].size(), Eigen::Index(d));
            for (int h = 0; h < H; ++h) {
                const auto hs = static_cast<std::size_t>(h);
                QCOMPARE(mh.heads[ls][hs].size(), n);
                QCOMPARE(mh.scores[ls][hs].size(), n);
                QCOMPARE(mh.selfAttention[ls][hs].size(), Eigen::Index(st.t));
                QCOMPARE(mh.query[ls][hs].size(), Eigen::Index(dh));
                QCOMPARE(mh.context[ls][hs].size(), Eigen::Index(dh));
                QVERIFY(std::abs(mh.heads[ls][hs].sum() - 1.0) < 1e-12);
                QVERIFY(std::abs(mh.selfAttention[ls][hs].sum() - 1.0) < 1e-12);
                QVERIFY(maxDiff(mh.heads[ls][hs], softmax(mh.scores[ls][hs])) < 1e-12);  // not overridden
            }
        }
        // the flat view: weights averaged over the last layer's heads, scores their log, query the heads joined
        const AttentionResult& a = *st.attention;
        QVERIFY(maxDiff(a.weights, (mh.heads.back()[0] + mh.heads.back()[1]) / 2.0) < 1e-15);
        QVERIFY(maxDiff(softmax(a.scores), a.weights) < 1e-12);
        QVERIFY(maxDiff(a.context, tr.encoderStates.transpose() * a.weights) < 1e-12);
        QCOMPARE(a.alignment.rows(), n);
        QCOMPARE(st.query.size(), Eigen::Index(d));
        QVERIFY(maxDiff(st.query.head(dh), mh.query.back()[0]) == 0.0);
        QVERIFY(maxDiff(st.query.tail(dh), mh.query.back()[1]) == 0.0);
    }
}

void TestTransformerDecoding::greedyEqualsSequenceArgmax()
{
    for (std::uint64_t seed : {5u, 6u, 7u}) {
        const Model m = transformerModel(seed);
        const DecodeResult r = translateTokens(m, kSource, reference());
        // the argmax loop over the whole-prefix engine
        const TransformerConfig c = m.transformerConfig();
        const TransformerEncoding enc = transformerEncode(c, m.weights.transformer, m.source.ids(kSource));
        std::vector<int> inputs{m.target.sos()};
        std::vector<int> want;
        for (int t = 1; t <= m.config.maxLen; ++t) {
            const TransformerSequenceDecoding d = transformerDecodeSequence(c, m.weights.transformer, enc, inputs);
            Eigen::Index best;
            d.logits.row(t - 1).maxCoeff(&best);
            want.push_back(static_cast<int>(best));
            if (best == m.target.eos()) break;
            inputs.push_back(static_cast<int>(best));
        }
        QCOMPARE(idsOf(m, r.best), want);
        checkAgainstTeacherForcing(m, r.best);
    }
}

void TestTransformerDecoding::beamOneEqualsGreedy()
{
    const Model m = transformerModel(9);
    DecodeOptions one;
    one.beam = 1;
    QCOMPARE(traceToJson(translateTokens(m, kSource, one).best), traceToJson(translateTokens(m, kSource).best));
}

void TestTransformerDecoding::beamHypothesesEqualTeacherForcing()
{
    const Model m = transformerModel(11);
    DecodeOptions o = reference();
    o.beam = 4;
    const DecodeResult r = translateTokens(m, kSource, o);
    QVERIFY(r.hypotheses.size() >= 2);
    for (const Trace& h : r.hypotheses)  // each hypothesis decoded from its own cache
        checkAgainstTeacherForcing(m, h);
    QVERIFY(r.bestScore >= translateTokens(m, kSource, reference()).bestScore - 1e-12);
}

void TestTransformerDecoding::forcedPrefixEqualsTeacherForcing()
{
    const Model m = transformerModel(13);
    DecodeOptions o = reference();
    o.prefix = {7, 9, 5};
    const DecodeResult r = translateTokens(m, kSource, o);
    QVERIFY(r.best.steps.size() >= 3);
    const std::vector<int> ids = idsOf(m, r.best);
    for (std::size_t i = 0; i < 3; ++i) {
        QCOMPARE(ids[i], o.prefix[i]);
        QVERIFY(r.best.steps[i].forced);
    }
    checkAgainstTeacherForcing(m, r.best);
    for (std::size_t i = 3; i < r.best.steps.size(); ++i) {  // then greedy again
        QVERIFY(!r.best.steps[i].forced);
        QCOMPARE(r.best.steps[i].topK.front().id, ids[i]);
    }
    o.beam = 3;
    for (const Trace& h : translateTokens(m, kSource, o).hypotheses) {
        const std::vector<int> ids = idsOf(m, h);
        QCOMPARE(std::vector<int>(ids.begin(), ids.begin() + 3), o.prefix);
        checkAgainstTeacherForcing(m, h);
    }
}

void TestTransformerDecoding::oneHotOverrideGivesValueRows()
{
    const Model m = transformerModel(17);
    const TransformerConfig c = m.transformerConfig();
    const TransformerEncoding enc = transformerEncode(c, m.weights.transformer, m.source.ids(kSource));
    const TransformerAttentionWeights& cross = m.weights.transformer.decoderLayers.back().crossAttn;
    const Eigen::Index d = c.dModel, dh = c.headSize();
    DecodeOptions plainOptions = reference();
    plainOptions.prefix = {5};  // an ordinary first token, so step 2 always happens and is comparable
    const DecodeResult plain = translateTokens(m, kSource, plainOptions);
    for (int t : {1, 2}) {
        for (Eigen::Index j = 0; j < static_cast<Eigen::Index>(kSource.size()); ++j) {
            Vec w = Vec::Zero(static_cast<Eigen::Index>(kSource.size()));
            w(j) = 0.3;  // not normalised: divided by the sum
            DecodeOptions o = reference();
            o.overrides.push_back({t, w, ""});
            o.prefix = plainOptions.prefix;
            const DecodeResult r = translateTokens(m, kSource, o);
            const StepTrace& st = r.best.steps[static_cast<std::size_t>(t - 1)];
            QVERIFY(st.overridden);
            // V row j = W_V m_j + b_V; head i's output is its slice
            const Vec v = cross.inProjWeight.bottomRows(d) * enc.memory.row(j).transpose() + cross.inProjBias.tail(d);
            for (int i = 0; i < c.heads; ++i) {
                const auto is = static_cast<std::size_t>(i);
                QVERIFY(maxDiff(st.multiHead->context.back()[is], v.segment(i * dh, dh)) < 1e-12);
                QCOMPARE(st.multiHead->heads.back()[is](j), 1.0);
                // lower layers and the scores stay the model's own
                const StepTrace& p = plain.best.steps[static_cast<std::size_t>(t - 1)];
                QVERIFY(maxDiff(st.multiHead->heads.front()[is], p.multiHead->heads.front()[is]) < 1e-12);
                QVERIFY(maxDiff(st.multiHead->scores.back()[is], p.multiHead->scores.back()[is]) < 1e-12);
            }
            QCOMPARE(st.attention->weights(j), 1.0);
            QVERIFY(maxDiff(st.attention->scores, plain.best.steps[static_cast<std::size_t>(t - 1)].attention->scores) < 1e-12);
            QVERIFY(maxDiff(st.attention->context, enc.memory.row(j).transpose()) < 1e-12);
            // the output follows from the replaced weights: the engine's step with the normalised override
            TransformerDecoderCache cache = transformerStartDecoding(c, m.weights.transformer, enc);
            TransformerStep ts;
            std::vector<int> feed{m.target.sos(), o.prefix[0]};
            Vec one = w / w.sum();
            for (int k = 1; k <= t; ++k)
                transformerDecodeStep(c, m.weights.transformer, enc, cache, feed[static_cast<std::size_t>(k - 1)], ts, k == t ? &one : nullptr);
            QVERIFY(std::abs(st.topK.front().prob - softmax(ts.logits).maxCoeff()) < 1e-12);
        }
    }
}

void TestTransformerDecoding::overrideValidatedLikeRecurrent()
{
    const Model m = transformerModel();
    auto run = [&](std::vector<AttentionOverride> ov) {
        DecodeOptions o;
        o.overrides = std::move(ov);
        o.overrideFile = "ov.json";
        return inputFailure([&] { translateTokens(m, kSource, o); });
    };
    const auto wrongCount = run({{1, Vec::Ones(3), "/steps/0"}});
    QVERIFY(wrongCount.thrown);
    QCOMPARE(wrongCount.where, std::string("/steps/0/weights"));
    QVERIFY(run({{1, Vec::Zero(5), "/steps/0"}}).thrown);
    Vec negative = Vec::Ones(5);
    negative(1) = -1;
    QVERIFY(run({{1, negative, "/steps/0"}}).thrown);
    const auto beyond = run({{40, Vec::Ones(5), "/steps/0"}});
    QVERIFY(beyond.thrown);
    QCOMPARE(beyond.where, std::string("/steps/0/t"));
}

void TestTransformerDecoding::sourceLongerThanMaxLen()
{
    const Model m = transformerModel(5, 8, 4);
    QVERIFY(!translateTokens(m, {"s4", "s5", "s6", "s7"}).best.steps.empty());  // exactly max_len: fine
    const auto f = inputFailure([&] { translateTokens(m, {"s4", "s5", "s6", "s7", "s8"}); });
    QVERIFY(f.thrown);
    QCOMPARE(f.where, std::string("sentence"));
    QVERIFY2(f.message.find("max_len") != std::string::npos && f.message.find("found 5") != std::string::npos, f.message.c_str());
}

void TestTransformerDecoding::outputStopsAtMaxLen()
{
    const Model m = transformerModel(5, 8, 3);
    DecodeOptions o;
    o.maxLen = 50;  // more than the model has positions for: max_len wins
    const DecodeResult r = translateTokens(m, {"s4"}, o);
    QVERIFY(!r.best.steps.empty() && r.best.steps.size() <= 3);
    o.prefix = {5, 5, 5, 5};
    const auto f = inputFailure([&] { translateTokens(m, {"s4"}, o); });
    QVERIFY(f.thrown);
    QCOMPARE(f.where, std::string("prefix"));
}

void TestTransformerDecoding::traceJsonRoundTrip()
{
    const Model m = transformerModel(19);
    DecodeOptions o;
    o.overrides.push_back({2, (Vec(5) << 1, 0, 2, 0, 0).finished(), ""});
    for (const Trace& tr : {translateTokens(m, kSource).best, translateTokens(m, kSource, o).best}) {
        const json doc = traceToJson(tr);
        // SPEC §4 shapes in the file
        const json& s1 = doc["steps"][0];
        QCOMPARE(s1["heads"].size(), std::size_t(2));
        QCOMPARE(s1["heads"][0].size(), std::size_t(2));
        QCOMPARE(s1["heads"][0][0].size(), std::size_t(5));
        QCOMPARE(s1["self_attention"][1][0].size(), std::size_t(1));
        QCOMPARE(doc["steps"][1]["self_attention"][1][0].size(), std::size_t(2));
        QCOMPARE(s1["query"][1][1].size(), std::size_t(4));
        QCOMPARE(s1["scores"][1][1].size(), std::size_t(5));
        QCOMPARE(s1["context"][0][1].size(), std::size_t(4));
        QCOMPARE(s1["weights"].size(), std::size_t(5));
        QVERIFY(!s1.contains("alignment"));
        QCOMPARE(doc["encoder_self_attention"].size(), std::size_t(2));
        QCOMPARE(doc["encoder_self_attention"][1][0].size(), std::size_t(5));
        QCOMPARE(doc["encoder_self_attention"][1][0][4].size(), std::size_t(5));
        // back: the same document, and the same numbers in memory
        const Trace back = traceFromJson(doc, "mem");
        QCOMPARE(traceToJson(back), doc);
        QCOMPARE(back.steps.size(), tr.steps.size());
        for (std::size_t i = 0; i < tr.steps.size(); ++i) {
            const StepTrace& a = tr.steps[i];
            const StepTrace& b = back.steps[i];
            QVERIFY(maxDiff(a.query, b.query) == 0.0);
            QVERIFY(maxDiff(a.attention->scores, b.attention->scores) == 0.0);
            QVERIFY(maxDiff(a.attention->context, b.attention->context) == 0.0);
            QVERIFY(a.attention->alignment == b.attention->alignment);
            QCOMPARE(a.overridden, b.overridden);
            QVERIFY(b.multiHead);
        }
        QCOMPARE(back.encoderSelfAttention.size(), tr.encoderSelfAttention.size());
        QVERIFY(back.encoderSelfAttention[1][1] == tr.encoderSelfAttention[1][1]);
    }
}

void TestTransformerDecoding::badTraceDocuments_data()
{
    QTest::addColumn<QString>("edit");
    QTest::addColumn<QString>("where");
    QTest::newRow("heads not summing to 1") << "heads-sum" << "/steps/0/heads/1/0";
    QTest::newRow("heads wrong length") << "heads-length" << "/steps/0/heads/0/1";
    QTest::newRow("a layer missing heads") << "heads-count" << "/steps/0/heads/1";
    QTest::newRow("scores of another layer count") << "scores-layers" << "/steps/0/scores";
    QTest::newRow("query sizes differ") << "query-size" << "/steps/0/query/1/0";
    QTest::newRow("context size differs from query") << "context-size" << "/steps/0/context/0/0";
    QTest::newRow("self-attention of the wrong length") << "self-length" << "/steps/1/self_attention/0/0";
    QTest::newRow("self-attention missing") << "self-missing" << "/steps/0/self_attention";
    QTest::newRow("weights not the mean of the heads") << "weights-mean" << "/steps/0/weights";
    QTest::newRow("alignment in a transformer step") << "alignment" << "/steps/0/alignment";
    QTest::newRow("encoder self-attention not square") << "encoder-shape" << "/encoder_self_attention/0/1";
    QTest::newRow("encoder self-attention row not summing") << "encoder-sum" << "/encoder_self_attention/1/0/2";
    QTest::newRow("encoder self-attention layers differ") << "encoder-heads" << "/encoder_self_attention/1";
}

void TestTransformerDecoding::badTraceDocuments()
{
    QFETCH(QString, edit);
    QFETCH(QString, where);
    const Model m = transformerModel(19);
    json doc = traceToJson(translateTokens(m, kSource).best);
    const std::string e = edit.toStdString();
    json& s0 = doc["steps"][0];
    if (e == "heads-sum") s0["heads"][1][0][0] = s0["heads"][1][0][0].get<double>() + 0.01;
    if (e == "heads-length") s0["heads"][0][1].erase(0);
    if (e == "heads-count") s0["heads"][1].erase(1);
    if (e == "scores-layers") s0["scores"].erase(1);
    if (e == "query-size") s0["query"][1][0].push_back(0.5);
    if (e == "context-size") s0["context"][0][0].push_back(0.5);
    if (e == "self-length") doc["steps"][1]["self_attention"][0][0] = json::array({1.0});
    if (e == "self-missing") s0.erase("self_attention");
    if (e == "weights-mean") s0["weights"] = json::array({0.2, 0.2, 0.2, 0.2, 0.2});
    if (e == "alignment") s0["alignment"] = json::array();
    if (e == "encoder-shape") doc["encoder_self_attention"][0][1].erase(0);
    if (e == "encoder-sum") doc["encoder_self_attention"][1][0][2][0] = 5.0;
    if (e == "encoder-heads") doc["encoder_self_attention"][1].erase(0);
    const auto f = inputFailure([&] { traceFromJson(doc, "bad.json"); });
    QVERIFY2(f.thrown, qPrintable(edit));
    QCOMPARE(f.file, std::string("bad.json"));
    QCOMPARE(QString::fromStdString(f.where), where);
}

void TestTransformerDecoding::mergeWordsOnTransformerTrace()
{
    const Model m = transformerModel(23);
    Trace tr = translateTokens(m, kSource).best;
    QVERIFY(tr.steps.size() >= 3);
    // pretend the tokens are SentencePiece pieces: source words ▁a|b ▁c ▁d|e, target ▁x|y then ▁z …
    tr.sourceTokens = {"\xE2\x96\x81" "a", "b", "\xE2\x96\x81" "c", "\xE2\x96\x81" "d", "e"};
    tr.steps[0].token = "\xE2\x96\x81" "x";
    tr.steps[1].token = "y";
    for (std::size_t i = 2; i < tr.steps.size(); ++i)
        if (tr.steps[i].token != "<eos>") tr.steps[i].token = "\xE2\x96\x81" "z" + std::to_string(i);
    const Trace merged = mergeWords(tr);
    QVERIFY(merged.mergedWords);
    QCOMPARE(merged.sourceTokens.size(), std::size_t(3));
    QCOMPARE(merged.steps.size(), tr.steps.size() - 1);
    const StepTrace& w = merged.steps[0];
    QVERIFY(w.multiHead);
    QVERIFY(w.multiHead->selfAttention.empty());  // dropped (target pieces → words)
    for (std::size_t l = 0; l < w.multiHead->heads.size(); ++l)
        for (std::size_t h = 0; h < w.multiHead->heads[l].size(); ++h) {
            const Vec& a = w.multiHead->heads[l][h];
            QCOMPARE(a.size(), Eigen::Index(3));
            const Vec want0 = (tr.steps[0].multiHead->heads[l][h].head(2) + tr.steps[1].multiHead->heads[l][h].head(2)) / 2.0;
            QVERIFY(std::abs(a(0) - want0.sum()) < 1e-12);
            QVERIFY(std::abs(a.sum() - 1.0) < 1e-12);
        }
    QCOMPARE(merged.encoderSelfAttention[0][0].rows(), Eigen::Index(3));
    QVERIFY((merged.encoderSelfAttention[0][0].rowwise().sum().array() - 1.0).abs().maxCoeff() < 1e-12);
    // the merged trace is a valid document, and comes back the same
    const json doc = traceToJson(merged);
    QCOMPARE(traceToJson(traceFromJson(doc, "merged.json")), doc);
}

QTEST_GUILESS_MAIN(TestTransformerDecoding)
#include "tst_transformer_decoding.moc"
