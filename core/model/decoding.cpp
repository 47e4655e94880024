#include "core/model/decoding.h"

#include "core/formats/error.h"
#include "core/model/batch_step.h"
#include "core/numeric/few_columns.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <unordered_map>

namespace attnviz {

std::vector<int> topIndices(const Eigen::Ref<const Vec>& p, int k)
{
    const int n = static_cast<int>(p.size());
    k = std::max(0, std::min(k, n));
    std::vector<int> idx(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i)
        idx[static_cast<std::size_t>(i)] = i;
    std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [&](int a, int b) { return p(a) > p(b) || (p(a) == p(b) && a < b); });
    idx.resize(static_cast<std::size_t>(k));
    return idx;
}

namespace {

// The decoder state between steps, whatever the architecture: a recurrent DecoderState or a transformer's
// key/value cache. Beam search keeps one per live hypothesis (copied when a hypothesis is extended).
struct SearchState {
    virtual ~SearchState() = default;
};

// "One decoder step from a state", for every live hypothesis at once: what greedy and beam search, the forced
// prefix and the attention override need from an architecture. The search, the beam tree and the traces are
// the same for all. Greedy decoding is a beam of one.
class Stepper {
public:
    virtual ~Stepper() = default;
    virtual std::shared_ptr<const SearchState> initial() = 0;
    // Step t for B = from.size() hypotheses: from[b] with input prevTokens[b] (y_{t−1}); fills st[b]'s query,
    // attention, decoder states (and multi-head numbers) and after[b], the state after the step.
    // overrideWeights: not normalised. Afterwards topLogProbs()/logit() read hypothesis b's output.
    virtual void step(const std::vector<const SearchState*>& from, const std::vector<int>& prevTokens, int t, const Vec* overrideWeights,
                      std::vector<StepTrace>& st, std::vector<std::shared_ptr<const SearchState>>& after) = 0;
    // Fused softmax + top-k of hypothesis b's logits (core/model/inference.h), and one raw logit.
    virtual void topLogProbs(Eigen::Index b, int k, TopLogProbs& out) const = 0;
    virtual double logit(Eigen::Index b, int id) const = 0;
    // What every trace of this sentence carries besides the steps: encoder states, score id, …
    virtual void describe(Trace& tr) const = 0;
};

struct RecurrentState : SearchState {
    DecoderState state;
};

class RecurrentStepper : public Stepper {
public:
    RecurrentStepper(const Model& m, const std::vector<int>& sourceIds, Precision precision)
        : m_(m), f32_(precision == Precision::Float32 ? m.inference.get(m) : nullptr),
          enc_(f32_ ? encodeFloat32(m, sourceIds, *f32_) : encode(m, sourceIds)), batch_(m, enc_, precision, f32_)
    {
    }
    std::shared_ptr<const SearchState> initial() override
    {
        auto s = std::make_shared<RecurrentState>();
        s->state = initialState(m_, enc_);
        return s;
    }
    void step(const std::vector<const SearchState*>& from, const std::vector<int>& prevTokens, int, const Vec* overrideWeights,
              std::vector<StepTrace>& st, std::vector<std::shared_ptr<const SearchState>>& after) override
    {
        std::vector<const DecoderState*> prev;
        for (const SearchState* f : from)
            prev.push_back(&static_cast<const RecurrentState*>(f)->state);
        batch_.step(prevTokens, prev, next_, hs_, overrideWeights);
        st.assign(from.size(), StepTrace{});
        after.assign(from.size(), nullptr);
        for (std::size_t b = 0; b < from.size(); ++b) {
            auto next = std::make_shared<RecurrentState>();
            next->state = std::move(next_[b]);
            st[b].query = std::move(hs_[b].query);
            st[b].attention = std::move(hs_[b].attention);
            st[b].decoderStates.reserve(next->state.layers.size());
            for (const CellState& c : next->state.layers)
                st[b].decoderStates.push_back(c.h);
            after[b] = std::move(next);
        }
    }
    void topLogProbs(Eigen::Index b, int k, TopLogProbs& out) const override { batch_.topLogProbs(b, k, out); }
    double logit(Eigen::Index b, int id) const override { return batch_.logit(b, id); }
    void describe(Trace& tr) const override
    {
        tr.encoderStates = enc_.keys;
        tr.score = m_.config.score ? scoreId(*m_.config.score) : std::string();
    }

private:
    const Model& m_;
    std::shared_ptr<const InferenceWeights> f32_;  // null: float64
    Encoding enc_;
    RecurrentBatchStep batch_;
    std::vector<DecoderState> next_;
    std::vector<HypothesisStep> hs_;
};

struct TransformerState : SearchState {
    TransformerDecoderCache cache;
};

class TransformerStepper : public Stepper {
public:
    TransformerStepper(const Model& m, const std::vector<int>& sourceIds, Precision precision)
        : m_(m), c_(m.transformerConfig()), enc_(transformerEncode(c_, m.weights.transformer, sourceIds)),
          f32_(precision == Precision::Float32 ? m.inference.get(m) : nullptr)
    {
    }
    std::shared_ptr<const SearchState> initial() override
    {
        auto s = std::make_shared<TransformerState>();
        s->cache = transformerStartDecoding(c_, m_.weights.transformer, enc_);
        crossKeys_ = s->cache.crossKeys;
        crossValues_ = s->cache.crossValues;
        return s;
    }
    void step(const std::vector<const SearchState*>& from, const std::vector<int>& prevTokens, int, const Vec* overrideWeights,
              std::vector<StepTrace>& st, std::vector<std::shared_ptr<const SearchState>>& after) override
    {
        const auto B = static_cast<Eigen::Index>(from.size());
        Vec normalised;
        if (overrideWeights)
            normalised = *overrideWeights / overrideWeights->sum();
        st.assign(from.size(), StepTrace{});
        after.assign(from.size(), nullptr);
        if (f32_)
            featuresF_.resize(c_.dModel, B);
        else
            featuresD_.resize(c_.dModel, B);
        for (Eigen::Index b = 0; b < B; ++b) {
            const auto bs = static_cast<std::size_t>(b);
            auto next = std::make_shared<TransformerState>(*static_cast<const TransformerState*>(from[bs]));  // a copy per hypothesis
            transformerDecodeStep(c_, m_.weights.transformer, enc_, next->cache, prevTokens[bs], ts_, overrideWeights ? &normalised : nullptr,
                                  f32_ ? &f32_->transformerDecoder : nullptr, false);
            if (f32_)
                featuresF_.col(b) = ts_.output.cast<float>();
            else
                featuresD_.col(b) = ts_.output;
            StepTrace& s = st[bs];
            const std::size_t last = ts_.query.size() - 1;
            const Eigen::Index dh = c_.headSize();
            s.query.resize(c_.dModel);
            for (std::size_t i = 0; i < ts_.query[last].size(); ++i)
                s.query.segment(static_cast<Eigen::Index>(i) * dh, dh) = ts_.query[last][i];
            s.decoderStates = ts_.layerOutputs;
            MultiHeadStep mh;
            mh.heads = ts_.crossAttention;
            mh.selfAttention = ts_.selfAttention;
            mh.query = ts_.query;
            mh.scores = ts_.scores;
            mh.context = ts_.context;
            s.attention = multiHeadView(mh, ts_.weights, enc_.memory);
            s.multiHead = std::move(mh);
            after[bs] = std::move(next);
        }
        // logits (V_t × B) = W_out X + b_out 1ᵀ, every hypothesis in one product
        const TransformerWeights& w = m_.weights.transformer;
        if (f32_) {
            productFewColumns(f32_->out, featuresF_, logitsF_);
            logitsF_.colwise() += f32_->outBias;
        } else {
            productFewColumns(w.outWeight, featuresD_, logitsD_);
            logitsD_.colwise() += w.outBias;
        }
    }
    void topLogProbs(Eigen::Index b, int k, TopLogProbs& out) const override
    {
        if (f32_)
            softmaxTopK(logitsF_.col(b).data(), logitsF_.rows(), k, out);
        else
            softmaxTopK(logitsD_.col(b).data(), logitsD_.rows(), k, out);
    }
    double logit(Eigen::Index b, int id) const override
    {
        return f32_ ? static_cast<double>(logitsF_(id, b)) : logitsD_(id, b);
    }
    void describe(Trace& tr) const override
    {
        tr.encoderStates = enc_.memory;
        tr.encoderSelfAttention = enc_.selfAttention;
        tr.score = "multi_head";
        tr.crossKeys.clear();
        tr.crossValues.clear();
        if (crossKeys_ && crossValues_)  // the cache holds d × n (a column per position); a trace n × d
            for (std::size_t l = 0; l < crossKeys_->size() && l < crossValues_->size(); ++l) {
                tr.crossKeys.push_back((*crossKeys_)[l].transpose());
                tr.crossValues.push_back((*crossValues_)[l].transpose());
            }
    }

private:
    const Model& m_;
    TransformerConfig c_;
    TransformerEncoding enc_;
    std::shared_ptr<const InferenceWeights> f32_;  // null: float64
    TransformerStep ts_;
    std::shared_ptr<const std::vector<Mat>> crossKeys_, crossValues_;  // the first cache's (the same for every hypothesis)
    MatF featuresF_, logitsF_;
    Mat featuresD_, logitsD_;
};

// One expanded hypothesis: the step's numbers (shared by its children in the beam tree and the traces).
struct Expansion {
    StepTrace step;  // query, attention, decoder states, top-k; token/prob are set per child
};

struct Live {
    int node;                                   // tree node of the last token
    std::shared_ptr<const Expansion> from;      // the step that produced that token (null for the root)
    std::shared_ptr<const SearchState> state;   // the decoder state after that token
};

std::string hexByte(char c)
{
    const char* digits = "0123456789ABCDEF";
    const unsigned char u = static_cast<unsigned char>(c);
    return std::string{digits[u >> 4], digits[u & 15]};
}

// Checks the what-if options against the model and the sentence before decoding (InputError).
void checkWhatIf(const Model& m, std::size_t sourceLength, int maxLen, const DecodeOptions& o)
{
    if (static_cast<int>(o.prefix.size()) > maxLen)
        throw InputError("", "prefix", "expected at most " + std::to_string(maxLen) + " tokens (the longest output), found "
                                           + std::to_string(o.prefix.size()));
    for (int id : o.prefix)
        if (id < 0 || id >= m.dims.Vt)
            throw InputError("", "prefix", "expected target vocabulary ids, found " + std::to_string(id));
    if (o.overrides.empty())
        return;
    if (!m.hasAttention())
        throw InputError(o.overrideFile, "", "expected a model with attention to override, found a " + m.architecture
                                                 + " model (its decoder never weighs the source)");
    for (const AttentionOverride& ov : o.overrides) {
        if (ov.weights.size() != static_cast<Eigen::Index>(sourceLength))
            throw InputError(o.overrideFile, childPointer(ov.where, "weights"),
                             "expected " + std::to_string(sourceLength) + " weights (one per source token of this sentence), found "
                                 + std::to_string(ov.weights.size()));
        if (const std::string problem = overrideWeightsProblem(ov.weights); !problem.empty())
            throw InputError(o.overrideFile, childPointer(ov.where, "weights"), problem);
        if (ov.t < 1)
            throw InputError(o.overrideFile, childPointer(ov.where, "t"), "expected a step ≥ 1, found " + std::to_string(ov.t));
    }
}

} // namespace

std::vector<int> targetPrefixIds(const Model& model, const std::string& text)
{
    if (const std::size_t bad = invalidUtf8At(text); bad != std::string::npos)
        throw InputError("", "prefix", "expected UTF-8 text, found an invalid byte 0x" + hexByte(text[bad]) + " at byte "
                                           + std::to_string(bad + 1));
    Tokens tokens;
    try {
        tokens = model.tokenizeTarget(text);
    } catch (const std::invalid_argument& e) {
        throw InputError("", "prefix", std::string("expected text the model's target tokenizer can split, found: ") + e.what());
    }
    std::vector<int> ids;
    for (const std::string& tok : tokens) {
        const bool known = model.target.contains(tok);
        const int id = known ? model.target.id(tok) : -1;
        const bool special = id == model.target.pad() || id == model.target.sos() || id == model.target.eos() || id == model.target.unk();
        if (!known || special)
            throw InputError("", "prefix", "expected words of the target vocabulary, found \"" + printable(tok) + "\""
                                               + (special ? std::string(" (a special token)")
                                                          : " (not in the model's " + std::to_string(model.dims.Vt)
                                                                + "-token target vocabulary)"));
        ids.push_back(id);
    }
    return ids;
}

DecodeResult translate(const Model& model, const std::string& sentence, const DecodeOptions& options)
{
    if (const std::size_t bad = invalidUtf8At(sentence); bad != std::string::npos)
        throw InputError("", "sentence", "expected UTF-8 text, found an invalid byte 0x" + hexByte(sentence[bad]) + " at byte "
                                             + std::to_string(bad + 1));
    Tokens tokens;
    try {
        tokens = model.tokenizeSource(sentence);
    } catch (const std::invalid_argument& e) {
        throw InputError("", "sentence", std::string("expected text the model's tokenizer can split, found: ") + e.what());
    }
    if (tokens.empty())
        throw InputError("", "sentence", "expected at least one source token, found an empty sentence");
    return translateTokens(model, tokens, options);
}

namespace {
DecodeResult decodeTokens(const Model& m, const Tokens& source, const DecodeOptions& options);
}

// Float32 is a speed path: when finite weights overflow its range (±3.4e38) the sentence is decoded again in
// float64, whose result is the model's. An overflow in float64 too is the model's fault, reported as bad input
// on the model's file.
DecodeResult translateTokens(const Model& m, const Tokens& source, const DecodeOptions& options)
{
    const auto refuse = [&m](const NumericError& e) {
        return InputError(m.file, "/weights", std::string("expected weights whose computations stay finite, found: ") + e.what());
    };
    try {
        return decodeTokens(m, source, options);
    } catch (const NumericError& e) {
        if (options.precision != Precision::Float32)
            throw refuse(e);
    }
    DecodeOptions wide = options;
    wide.precision = Precision::Float64;
    try {
        return decodeTokens(m, source, wide);
    } catch (const NumericError& e) {
        throw refuse(e);
    }
}

namespace {

DecodeResult decodeTokens(const Model& m, const Tokens& source, const DecodeOptions& options)
{
    if (source.empty())
        throw InputError("", "sentence", "expected at least one source token, found an empty sentence");
    if (source.size() > static_cast<std::size_t>(kMaxSourceTokens))
        throw InputError("", "sentence", "expected at most " + std::to_string(kMaxSourceTokens) + " source tokens, found "
                                             + std::to_string(source.size()) + " (translate one sentence at a time)");
    if (options.beam < 1)
        throw ShapeError("beam width: expected at least 1, found " + std::to_string(options.beam));
    const bool transformer = m.isTransformer();
    if (transformer && source.size() > static_cast<std::size_t>(m.config.maxLen))
        throw InputError("", "sentence", "expected at most " + std::to_string(m.config.maxLen) + " source tokens (this transformer's max_len), found "
                                             + std::to_string(source.size()));
    // A transformer has positions for max_len decoder steps and no more.
    const int maxLen = transformer ? std::min(options.maxLen > 0 ? options.maxLen : m.config.maxLen, m.config.maxLen)
                                   : (options.maxLen > 0 ? options.maxLen : m.config.maxLen);
    const int k = options.beam;
    long long perStep = static_cast<long long>(source.size()) * std::max(1, m.dims.keySize);
    if (transformer)  // + heads, scores, self-attention, query and head output per layer and head
        perStep += static_cast<long long>(m.config.decoderLayers)
                   * (2LL * m.config.heads * static_cast<long long>(source.size()) + static_cast<long long>(m.config.heads) * maxLen + 2LL * m.config.hiddenSize);
    const long long perHypothesis = static_cast<long long>(maxLen) * perStep;
    if (static_cast<long long>(k) * perHypothesis > kMaxTraceNumbers)
        throw InputError("", "beam", "expected a beam width of at most " + std::to_string(std::max(1LL, kMaxTraceNumbers / perHypothesis))
                                         + " for a sentence of " + std::to_string(source.size()) + " tokens with this model, found "
                                         + std::to_string(k));
    const int eos = m.target.eos();
    checkWhatIf(m, source.size(), maxLen, options);
    const auto prefixLength = static_cast<int>(options.prefix.size());
    auto overrideAt = [&](int t) -> const Vec* {
        for (const AttentionOverride& ov : options.overrides)
            if (ov.t == t)
                return &ov.weights;
        return nullptr;
    };

    std::unique_ptr<Stepper> stepper;
    if (transformer)
        stepper = std::make_unique<TransformerStepper>(m, m.source.ids(source), options.precision);
    else
        stepper = std::make_unique<RecurrentStepper>(m, m.source.ids(source), options.precision);

    DecodeResult result;
    BeamTree& tree = result.tree;
    BeamNode root;
    root.token = m.target.sos();
    root.text = m.target.token(root.token);
    tree.nodes.push_back(root);

    std::vector<Live> live{{0, nullptr, stepper->initial()}};
    std::vector<int> finished;  // node ids
    std::vector<std::shared_ptr<Expansion>> nodeFrom(1);  // per node: the expansion that produced it

    for (int t = 1; t <= maxLen && !live.empty() && static_cast<int>(finished.size()) < k; ++t) {
        const int width = k - static_cast<int>(finished.size());
        struct Candidate {
            int parentSlot, token;
            double sum, logProb;
        };
        std::vector<Candidate> cands;
        // every live hypothesis steps at once (one product per weight matrix for the whole beam)
        std::vector<const SearchState*> from;
        std::vector<int> prevTokens;
        for (const Live& l : live) {
            from.push_back(l.state.get());
            prevTokens.push_back(tree.nodes[static_cast<std::size_t>(l.node)].token);
        }
        const Vec* overrideWeights = overrideAt(t);
        std::vector<StepTrace> stepTraces;
        std::vector<std::shared_ptr<const SearchState>> states;
        stepper->step(from, prevTokens, t, overrideWeights, stepTraces, states);
        const bool forced = t <= prefixLength;
        // only the `width` best tokens of a hypothesis can make the beam; the trace lists topK
        const int keep = forced ? options.topK : std::max(options.topK, width);
        std::vector<std::shared_ptr<Expansion>> expansions;
        TopLogProbs top;
        for (std::size_t b = 0; b < live.size(); ++b) {
            const BeamNode& parent = tree.nodes[static_cast<std::size_t>(live[b].node)];
            auto e = std::make_shared<Expansion>();
            e->step = std::move(stepTraces[b]);
            e->step.t = t;
            e->step.overridden = overrideWeights != nullptr;
            stepper->topLogProbs(static_cast<Eigen::Index>(b), keep, top);
            for (std::size_t i = 0; i < top.ids.size() && static_cast<int>(i) < options.topK; ++i)
                e->step.topK.push_back(TokenProb{m.target.token(top.ids[i]), top.ids[i], std::exp(top.logProbs[i])});
            expansions.push_back(std::move(e));
            if (forced) {  // forced: the given token, with the probability the model gave it
                const int id = options.prefix[static_cast<std::size_t>(t - 1)];
                const double lp = stepper->logit(static_cast<Eigen::Index>(b), id) - top.logNormaliser;
                cands.push_back({static_cast<int>(b), id, parent.sumLogProb + lp, lp});
                continue;
            }
            for (std::size_t i = 0; i < top.ids.size() && static_cast<int>(i) < width; ++i)
                cands.push_back({static_cast<int>(b), top.ids[i], parent.sumLogProb + top.logProbs[i], top.logProbs[i]});
        }
        // All candidates have length t, so the length-normalised order is the order of the sums.
        std::stable_sort(cands.begin(), cands.end(), [](const Candidate& a, const Candidate& b) { return a.sum > b.sum; });
        std::vector<Live> next;
        for (std::size_t c = 0; c < cands.size(); ++c) {
            Candidate& cd = cands[c];
            const auto slot = static_cast<std::size_t>(cd.parentSlot);
            BeamNode node;
            node.id = static_cast<int>(tree.nodes.size());
            node.parent = live[slot].node;
            node.step = t;
            node.token = cd.token;
            node.text = m.target.token(cd.token);
            node.logProb = cd.logProb;
            node.sumLogProb = cd.sum;
            node.score = cd.sum / t;
            node.finished = cd.token == eos;
            node.pruned = static_cast<int>(c) >= width;
            tree.nodes.push_back(node);
            nodeFrom.push_back(expansions[slot]);
            if (node.pruned)
                continue;
            if (node.finished)
                finished.push_back(node.id);
            else
                next.push_back({node.id, expansions[slot], states[slot]});
        }
        live = std::move(next);
    }

    // Ended hypotheses: finished ones, then (only when max_len stopped the search) the live ones.
    std::vector<int> ends = finished;
    std::vector<int> unfinished;
    if (static_cast<int>(finished.size()) < k)  // stopped by max_len: the live ones ended too
        for (const Live& l : live)
            unfinished.push_back(l.node);
    auto byScore = [&](int a, int b) { return tree.nodes[static_cast<std::size_t>(a)].score > tree.nodes[static_cast<std::size_t>(b)].score; };
    std::stable_sort(ends.begin(), ends.end(), byScore);
    std::stable_sort(unfinished.begin(), unfinished.end(), byScore);
    result.finishedCount = static_cast<int>(ends.size());
    ends.insert(ends.end(), unfinished.begin(), unfinished.end());

    // How many ended paths go through each expansion: the last of them takes its step rather than copying it (a
    // step holds the n × dk alignment; not copying it made a greedy GNMT translation about 7% faster, bench/).
    std::unordered_map<const Expansion*, int> pathsThrough;
    for (int leaf : ends)
        for (int n = leaf; n > 0; n = tree.nodes[static_cast<std::size_t>(n)].parent)
            ++pathsThrough[nodeFrom[static_cast<std::size_t>(n)].get()];
    for (int leaf : ends) {
        Trace tr;
        tr.sourceTokens = source;
        stepper->describe(tr);
        tr.architecture = m.architecture;
        std::vector<int> path;
        for (int n = leaf; n > 0; n = tree.nodes[static_cast<std::size_t>(n)].parent)
            path.push_back(n);
        std::reverse(path.begin(), path.end());
        for (int n : path) {
            const BeamNode& node = tree.nodes[static_cast<std::size_t>(n)];
            Expansion& e = *nodeFrom[static_cast<std::size_t>(n)];
            StepTrace st = --pathsThrough[&e] == 0 ? std::move(e.step) : e.step;
            st.token = node.text;
            st.prob = std::exp(node.logProb);
            st.forced = node.step <= prefixLength;
            tr.steps.push_back(std::move(st));
            if (!node.finished)
                tr.targetTokens.push_back(node.text);
        }
        result.hypotheses.push_back(std::move(tr));
        result.scores.push_back(tree.nodes[static_cast<std::size_t>(leaf)].score);
        result.leaves.push_back(leaf);
    }
    if (!ends.empty()) {
        result.best = result.hypotheses.front();
        result.bestScore = result.scores.front();
        tree.best = ends.front();
        for (int n = tree.best; n >= 0; n = tree.nodes[static_cast<std::size_t>(n)].parent)
            tree.nodes[static_cast<std::size_t>(n)].chosen = true;
    }
    // An override of a step the translation never reached is a mistake the person should hear about.
    const auto decoded = static_cast<int>(result.best.steps.size());
    for (const AttentionOverride& ov : options.overrides)
        if (ov.t > decoded && options.overridesMustBeReached)
            throw InputError(options.overrideFile, childPointer(ov.where, "t"),
                             "expected a step of the decoded translation (1–" + std::to_string(decoded) + "), found step "
                                 + std::to_string(ov.t));
    return result;
}

} // namespace

} // namespace attnviz
