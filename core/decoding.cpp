#include "core/decoding.h"

#include "core/error.h"
#include "core/softmax.h"

#include <algorithm>
#include <cmath>
#include <memory>

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

// One expanded hypothesis: the state after the step and the step's numbers (shared by its children).
struct Expansion {
    DecoderState state;
    StepTrace step;       // query, attention, decoder states, top-k; token/prob are set per child
    Vec logProbs;         // log softmax of the logits (V_t)
};

struct Live {
    int node;                           // tree node of the last token
    std::shared_ptr<const Expansion> from;  // the step that produced that token (null for the root)
};

// Runs one decoder step from `state` with input `prevToken`; fills the expansion.
std::shared_ptr<Expansion> expand(const Model& m, const Encoding& enc, int prevToken, const DecoderState& state, int t, int topK,
                                  StepWorkspace& ws, StepResult& sr)
{
    auto e = std::make_shared<Expansion>();
    decoderStep(m, enc, prevToken, state, e->state, sr, ws);
    StepTrace& st = e->step;
    st.t = t;
    st.query = sr.query;
    st.attention = sr.attention;
    st.decoderStates.reserve(e->state.layers.size());
    for (const CellState& c : e->state.layers)
        st.decoderStates.push_back(c.h);
    const Vec probs = softmax(sr.logits);
    e->logProbs = logSoftmax(sr.logits);
    for (int id : topIndices(probs, topK))
        st.topK.push_back(TokenProb{m.target.token(id), id, probs(id)});
    return e;
}

std::string hexByte(char c)
{
    const char* digits = "0123456789ABCDEF";
    const unsigned char u = static_cast<unsigned char>(c);
    return std::string{digits[u >> 4], digits[u & 15]};
}

} // namespace

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

DecodeResult translateTokens(const Model& m, const Tokens& source, const DecodeOptions& options)
{
    if (source.empty())
        throw InputError("", "sentence", "expected at least one source token, found an empty sentence");
    if (source.size() > static_cast<std::size_t>(kMaxSourceTokens))
        throw InputError("", "sentence", "expected at most " + std::to_string(kMaxSourceTokens) + " source tokens, found "
                                             + std::to_string(source.size()) + " (translate one sentence at a time)");
    if (options.beam < 1)
        throw ShapeError("beam width: expected at least 1, found " + std::to_string(options.beam));
    const int maxLen = options.maxLen > 0 ? options.maxLen : m.config.maxLen;
    const int k = options.beam;
    const long long perHypothesis = static_cast<long long>(maxLen) * static_cast<long long>(source.size())
                                    * std::max(1, m.dims.keySize);
    if (static_cast<long long>(k) * perHypothesis > kMaxTraceNumbers)
        throw InputError("", "beam", "expected a beam width of at most " + std::to_string(std::max(1LL, kMaxTraceNumbers / perHypothesis))
                                         + " for a sentence of " + std::to_string(source.size()) + " tokens with this model, found "
                                         + std::to_string(k));
    const int eos = m.target.eos();

    const Encoding enc = encode(m, m.source.ids(source));
    StepWorkspace ws;
    StepResult sr;

    DecodeResult result;
    BeamTree& tree = result.tree;
    BeamNode root;
    root.token = m.target.sos();
    root.text = m.target.token(root.token);
    tree.nodes.push_back(root);

    auto rootState = std::make_shared<Expansion>();
    rootState->state = initialState(m, enc);
    std::vector<Live> live{{0, nullptr}};
    std::vector<int> finished;  // node ids
    std::vector<std::shared_ptr<const Expansion>> nodeFrom(1);  // per node: the expansion that produced it

    for (int t = 1; t <= maxLen && !live.empty() && static_cast<int>(finished.size()) < k; ++t) {
        const int width = k - static_cast<int>(finished.size());
        struct Candidate {
            int parentSlot, token;
            double sum;
        };
        std::vector<Candidate> cands;
        std::vector<std::shared_ptr<Expansion>> expansions;
        for (std::size_t b = 0; b < live.size(); ++b) {
            const BeamNode& parent = tree.nodes[static_cast<std::size_t>(live[b].node)];
            const DecoderState& state = live[b].from ? live[b].from->state : rootState->state;
            expansions.push_back(expand(m, enc, parent.token, state, t, options.topK, ws, sr));
            const Vec& lp = expansions.back()->logProbs;
            // only the `width` best tokens of a hypothesis can make the beam
            for (int id : topIndices(lp, width))
                cands.push_back({static_cast<int>(b), id, parent.sumLogProb + lp(id)});
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
            node.logProb = expansions[slot]->logProbs(cd.token);
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
                next.push_back({node.id, expansions[slot]});
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

    for (int leaf : ends) {
        Trace tr;
        tr.sourceTokens = source;
        tr.encoderStates = enc.keys;
        tr.architecture = m.architecture;
        tr.score = m.config.score ? scoreId(*m.config.score) : std::string();
        std::vector<int> path;
        for (int n = leaf; n > 0; n = tree.nodes[static_cast<std::size_t>(n)].parent)
            path.push_back(n);
        std::reverse(path.begin(), path.end());
        for (int n : path) {
            const BeamNode& node = tree.nodes[static_cast<std::size_t>(n)];
            StepTrace st = nodeFrom[static_cast<std::size_t>(n)]->step;
            st.token = node.text;
            st.prob = std::exp(node.logProb);
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
    return result;
}

} // namespace attnviz
