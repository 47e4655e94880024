// The transformer's training graph (core/train/transformer_train.h, core/train/tape_transformer.h): every weight group
// of a tiny transformer against central differences in float64, on a batch of two sentences of different
// lengths (padded source positions and padded target steps); its teacher-forced loss against −log p from
// the inference path (the engine's cached decoding and core decoding with a forced prefix); padding changes
// nothing; greedy decoding during validation equals translate.
#include "core/gradcheck.h"
#include "core/model/decoding.h"
#include "core/train/tape_ops.h"
#include "core/train/tape_transformer.h"
#include "core/train/train_graph.h"
#include "core/train/transformer_train.h"

#include <QtTest>

#include <cmath>
#include <random>

using namespace attnviz;
using attnviz::test::gradCheck;
using attnviz::test::kGradTolerance;

namespace {

// d_model 8, 2 heads, 2 + 2 layers, ff 12, vocabulary 9 (4 special tokens + a … e) on both sides. Every
// parameter drawn from the trainer's initialisation and then perturbed (norms away from γ = 1, β = 0, biases
// away from 0), so no gradient is zero by symmetry.
Model tinyTransformer()
{
    Model m;
    m.architecture = "transformer";
    m.config = presetConfig("transformer", 8, 8);
    m.config.heads = 2;
    m.config.encoderLayers = 2;
    m.config.decoderLayers = 2;
    m.config.ffSize = 12;
    m.config.maxLen = 10;
    m.tokenizer = "whitespace";
    const Tokens v{"<pad>", "<sos>", "<eos>", "<unk>", "a", "b", "c", "d", "e"};
    m.source = Vocab(v, "", "/vocab/source");
    m.target = Vocab(v, "", "/vocab/target");
    finalizeModel(m);
    ParamStore p = initParams(m, 7);
    std::mt19937_64 rng(11);
    std::uniform_real_distribution<double> u(-0.3, 0.3);
    for (auto& [name, w] : p)
        for (Eigen::Index i = 0; i < w.size(); ++i)
            w.data()[i] += u(rng);
    paramsIntoModel(p, m);
    return m;
}

// Two pairs of different lengths: the batch pads the second source and the first target.
std::vector<PairIds> twoPairs()
{
    return {{{4, 5, 6, 7, 8}, {5, 4}}, {{6, 4}, {7, 8, 5, 4, 6}}};
}

SpecialIds ids(const Model& m)
{
    return SpecialIds{m.target.pad(), m.target.sos(), m.target.eos()};
}

Var lossOf(Tape& t, const ParamStore& p, const Model& m, const Batch& b)
{
    return teacherForcedLoss(t, p, m, b);
}

// Σ −log p(y_t | y_<t, x) over y_1 … y_m <eos>, from the inference engine's cached step-by-step decoding.
double engineLoss(const Model& m, const PairIds& pair)
{
    const TransformerConfig c = m.transformerConfig();
    const TransformerWeights& w = m.weights.transformer;
    const TransformerEncoding enc = transformerEncode(c, w, pair.src);
    TransformerDecoderCache cache = transformerStartDecoding(c, w, enc);
    TransformerStep step;
    double loss = 0.0;
    int prev = m.target.sos();
    for (std::size_t t = 0; t <= pair.tgt.size(); ++t) {
        transformerDecodeStep(c, w, enc, cache, prev, step);
        const int y = t < pair.tgt.size() ? pair.tgt[t] : m.target.eos();
        const double mx = step.logits.maxCoeff();
        loss -= step.logits(y) - mx - std::log((step.logits.array() - mx).exp().sum());
        prev = y;
    }
    return loss;
}

} // namespace

class TestTransformerGrad : public QObject {
    Q_OBJECT
private slots:
    void opsGradients();
    void everyWeightGroup();
    void lossEqualsInference();
    void paddingChangesNothing();
    void float32ProductsAgree();
    void greedyEqualsTranslate();
    void tooLong();
};

// The new tape operations one by one, on random inputs (linearRows on a block of rows, relu, layerNorm,
// multiHeadAttention with and without the causal mask and with padded keys).
void TestTransformerGrad::opsGradients()
{
    std::mt19937_64 rng(3);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    auto random = [&](Eigen::Index r, Eigen::Index c) {
        Mat m(r, c);
        for (Eigen::Index i = 0; i < m.size(); ++i)
            m.data()[i] = u(rng);
        return m;
    };
    ParamStore p{{"x", random(6, 4)},    {"W", random(12, 4)}, {"b", random(12, 1)},  {"g", random(12, 1)},
                 {"beta", random(12, 1)}, {"W2", random(16, 12)}, {"b2", random(16, 1)}, {"mem", random(8, 5)},
                 {"proj", random(8, 5)}};
    const Mat weights = random(6, 4);
    for (const bool causal : {false, true}) {
        const auto r = gradCheck(p, [&](Tape& t, const ParamStore& ps) {
            Var y = ad::relu(t, ad::linearRows(t, t.param(ps, "x"), t.param(ps, "W"), t.param(ps, "b"), 0, 12));  // (6 × 12)
            y = ad::layerNorm(t, y, t.param(ps, "g"), t.param(ps, "beta"));
            Var qkv = ad::linearRows(t, y, t.param(ps, "W2"), t.param(ps, "b2"), 2, 12);  // rows 2 … 13 of W2: (6 × 12)
            // self-attention of 2 sentences × 3 positions, d 4, 2 heads; the second sentence has 2 real keys
            const ad::AttentionLayout self{2, 3, 3, 2, {3, 2}, causal};
            Var a = ad::multiHeadAttention(t, qkv, 0, qkv, 4, qkv, 8, 4, self);
            // cross-attention: 3 queries per sentence over 4 memory rows (the second sentence has 2 real ones)
            const ad::AttentionLayout cross{2, 3, 4, 2, {4, 2}, false};
            Var kv = ad::linear(t, t.param(ps, "mem"), t.param(ps, "proj"));  // (8 × 8): [K V]
            Var c = ad::multiHeadAttention(t, a, 0, kv, 0, kv, 4, 4, cross);
            return ad::sumAll(t, ad::mul(t, c, t.constant(weights)));  // Σ R ⊙ c, R fixed
        }, 1000, 1);
        qInfo("ops (causal %d): %d entries, max relative difference %.3g", causal, r.checked, r.maxRelDiff);
        QVERIFY2(r.maxRelDiff < kGradTolerance, r.worst.c_str());
    }
}

void TestTransformerGrad::everyWeightGroup()
{
    Model m = tinyTransformer();
    const ParamStore params = paramsFromModel(m);
    const Batch batch = makeBatch(twoPairs(), 0, 2, ids(m));
    QVERIFY(batch.srcMask.sum() < batch.B * batch.n);  // padded source positions
    QCOMPARE(batch.targetTokens, 3 + 6);               // and padded target steps (T = 6)
    // every entry of every tensor (about 3,000), each group named in a failure
    const auto r = gradCheck(params, [&](Tape& t, const ParamStore& p) { return lossOf(t, p, m, batch); }, 100000, 1);
    int total = 0;
    for (const auto& [name, w] : params)
        total += static_cast<int>(w.size());
    QCOMPARE(r.checked, total);
    QCOMPARE(params.size(), std::size_t{2 + 2 * 12 + 2 + 2 * 18 + 2 + 2});
    qInfo("transformer: %zu tensors, %d entries, max relative difference %.3g (%s)", params.size(), r.checked, r.maxRelDiff,
          r.worst.c_str());
    QVERIFY2(r.maxRelDiff < kGradTolerance, r.worst.c_str());
}

void TestTransformerGrad::lossEqualsInference()
{
    const Model m = tinyTransformer();
    const ParamStore params = paramsFromModel(const_cast<Model&>(m));
    const auto pairs = twoPairs();
    const Batch batch = makeBatch(pairs, 0, 2, ids(m));
    Tape tape(false);
    const double loss = tape.value(lossOf(tape, params, m, batch))(0, 0);

    double engine = 0.0, decoding = 0.0;
    for (const PairIds& p : pairs) {
        engine += engineLoss(m, p);
        // core decoding with the target forced: each forced step keeps the probability the model gave its token;
        // the step after the prefix lists every token (top-k = the vocabulary), <eos> among them
        DecodeOptions o;
        o.prefix = p.tgt;
        o.topK = m.target.size();
        o.precision = Precision::Float64;  // compared with the float64 loss at 1e-9
        Tokens src;
        for (int id : p.src)
            src.push_back(m.source.token(id));
        const DecodeResult r = translateTokens(m, src, o);
        QVERIFY(r.best.steps.size() > p.tgt.size());
        for (std::size_t t = 0; t < p.tgt.size(); ++t) {
            QVERIFY(r.best.steps[t].forced);
            decoding -= std::log(*r.best.steps[t].prob);
        }
        bool eos = false;
        for (const TokenProb& tp : r.best.steps[p.tgt.size()].topK)
            if (tp.id == m.target.eos()) {
                decoding -= std::log(tp.prob);
                eos = true;
            }
        QVERIFY(eos);
    }
    qInfo("teacher-forced loss %.15f, engine %.15f, decoding %.15f", loss, engine, decoding);
    QVERIFY(std::abs(loss - engine) < 1e-9);
    QVERIFY(std::abs(loss - decoding) < 1e-9);

    // per position: teacherForcedProbs against the engine's distributions
    const std::vector<Mat> probs = teacherForcedProbs(params, m, batch);
    QCOMPARE(static_cast<int>(probs.size()), batch.T);
    for (int b = 0; b < 2; ++b) {
        const PairIds& p = pairs[static_cast<std::size_t>(b)];
        const TransformerConfig c = m.transformerConfig();
        const TransformerEncoding enc = transformerEncode(c, m.weights.transformer, p.src);
        TransformerDecoderCache cache = transformerStartDecoding(c, m.weights.transformer, enc);
        TransformerStep step;
        int prev = m.target.sos();
        for (std::size_t t = 0; t <= p.tgt.size(); ++t) {
            transformerDecodeStep(c, m.weights.transformer, enc, cache, prev, step);
            Vec q = (step.logits.array() - step.logits.maxCoeff()).exp().matrix();
            q /= q.sum();
            QVERIFY((probs[t].row(b).transpose() - q).cwiseAbs().maxCoeff() < 1e-12);
            prev = t < p.tgt.size() ? p.tgt[t] : 0;
        }
    }
}

// A sentence's loss and gradient do not depend on the other sentences of its batch (its padding).
void TestTransformerGrad::paddingChangesNothing()
{
    Model m = tinyTransformer();
    const ParamStore params = paramsFromModel(m);
    const auto pairs = twoPairs();
    auto lossAndGrads = [&](const std::vector<PairIds>& ps, ParamStore& grads) {
        const Batch b = makeBatch(ps, 0, ps.size(), ids(m));
        Tape t;
        Var l = lossOf(t, params, m, b);
        t.backward(l);
        t.accumulateParamGrads(grads);
        return t.value(l)(0, 0);
    };
    ParamStore both, one, two;
    const double lb = lossAndGrads(pairs, both);
    const double l1 = lossAndGrads({pairs[0]}, one);
    const double l2 = lossAndGrads({pairs[1]}, two);
    QVERIFY(std::abs(lb - (l1 + l2)) < 1e-12);
    double worst = 0.0;
    for (const auto& [name, g] : both)
        worst = std::max(worst, (g - one.at(name) - two.at(name)).cwiseAbs().maxCoeff());
    qInfo("batch of 2 vs one by one: loss difference %.3g, largest gradient difference %.3g", std::abs(lb - l1 - l2), worst);
    QVERIFY(worst < 1e-12);
}

// Training multiplies in single precision (Tape::setFloat32Products; ad::linear and ad::linearRows have a float
// path of their own): the same loss and gradients to float32 rounding.
void TestTransformerGrad::float32ProductsAgree()
{
    Model m = tinyTransformer();
    const ParamStore params = paramsFromModel(m);
    const Batch batch = makeBatch(twoPairs(), 0, 2, ids(m));
    auto run = [&](bool f32, ParamStore& grads) {
        Tape t;
        t.setFloat32Products(f32);
        Var l = lossOf(t, params, m, batch);
        t.backward(l);
        t.accumulateParamGrads(grads);
        return t.value(l)(0, 0);
    };
    ParamStore g64, g32;
    const double l64 = run(false, g64), l32 = run(true, g32);
    double worst = 0.0;
    for (const auto& [name, g] : g64)
        worst = std::max(worst, (g - g32.at(name)).cwiseAbs().maxCoeff() / std::max(1e-3, g.cwiseAbs().maxCoeff()));
    qInfo("float32 products: loss %.9f vs %.9f, largest gradient difference %.3g of the tensor's largest entry", l32, l64, worst);
    QCOMPARE(g32.size(), g64.size());
    QVERIFY(std::abs(l32 - l64) < 1e-5 * l64);
    QVERIFY(worst < 1e-4);
}

void TestTransformerGrad::greedyEqualsTranslate()
{
    Model m = tinyTransformer();
    const ParamStore params = paramsFromModel(m);
    const auto pairs = twoPairs();
    const Batch batch = makeBatch(pairs, 0, 2, ids(m));
    const auto out = greedyDecode(params, m, batch, ids(m));
    for (int b = 0; b < 2; ++b) {
        Tokens src;
        for (int id : pairs[static_cast<std::size_t>(b)].src)
            src.push_back(m.source.token(id));
        const DecodeResult r = translateTokens(m, src);
        std::vector<int> expected;
        for (const auto& s : r.best.steps)
            if (m.target.id(s.token) != m.target.eos())
                expected.push_back(m.target.id(s.token));
        QCOMPARE(out[static_cast<std::size_t>(b)], expected);
    }
}

void TestTransformerGrad::tooLong()
{
    Model m = tinyTransformer();
    const ParamStore params = paramsFromModel(m);
    const std::vector<PairIds> longSource{{std::vector<int>(11, 4), {5}}};
    const std::vector<PairIds> longTarget{{{4}, std::vector<int>(10, 5)}};  // 10 tokens + <eos> = 11 steps
    for (const auto& ps : {longSource, longTarget}) {
        const Batch b = makeBatch(ps, 0, 1, ids(m));
        Tape t;
        QVERIFY_THROWS_EXCEPTION(ShapeError, lossOf(t, params, m, b));
    }
}

QTEST_GUILESS_MAIN(TestTransformerGrad)
#include "tst_transformer_grad.moc"
