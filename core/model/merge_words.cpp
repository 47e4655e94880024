#include "core/model/merge_words.h"

#include "core/model/pieces.h"
#include "core/numeric/softmax.h"

#include <cmath>

namespace attnviz {

namespace {

bool isSpecialToken(const std::string& t)
{
    return t == "<pad>" || t == "<sos>" || t == "<eos>" || t == "<unk>";
}

// "<0xC3>" → 0xC3, or -1.
int bytePiece(const std::string& p)
{
    if (p.size() != 6 || p.compare(0, 3, "<0x") != 0 || p[5] != '>')
        return -1;
    int v = 0;
    for (int k = 3; k < 5; ++k) {
        const char c = p[static_cast<std::size_t>(k)];
        const int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

bool anyWordStart(const Tokens& tokens)
{
    for (const std::string& t : tokens)
        if (pieceStartsWord(t))
            return true;
    return false;
}

// Replaces every invalid UTF-8 sequence (e.g. an incomplete run of byte pieces) by U+FFFD.
std::string validUtf8(const std::string& s)
{
    std::string out;
    std::string rest = s;
    while (true) {
        const std::size_t bad = invalidUtf8At(rest);
        if (bad == std::string::npos) {
            out += rest;
            return out;
        }
        out += rest.substr(0, bad);
        out += "\xEF\xBF\xBD";
        rest = rest.substr(bad + 1);
    }
}

} // namespace

std::vector<std::vector<int>> wordGroups(const Tokens& pieces)
{
    std::vector<std::vector<int>> groups;
    bool lastSpecial = false;
    for (std::size_t i = 0; i < pieces.size(); ++i) {
        const bool special = isSpecialToken(pieces[i]);
        if (groups.empty() || special || lastSpecial || pieceStartsWord(pieces[i]))
            groups.emplace_back();
        groups.back().push_back(static_cast<int>(i));
        lastSpecial = special;
    }
    return groups;
}

std::string joinPieces(const Tokens& pieces)
{
    std::string raw;
    for (const std::string& p : pieces) {
        const int b = bytePiece(p);
        if (b >= 0) {
            raw += static_cast<char>(b);
        } else if (pieceStartsWord(p)) {
            if (!raw.empty()) raw += ' ';
            raw += p.substr(3);
        } else {
            raw += p;
        }
    }
    return validUtf8(raw);
}

std::string tokensText(const Tokens& tokens)
{
    if (anyWordStart(tokens))
        return joinPieces(tokens);
    std::string s;
    for (const std::string& t : tokens)
        s += (s.empty() ? "" : " ") + t;
    return s;
}

Trace mergeWords(const Trace& in)
{
    Tokens targetPieces;
    for (const StepTrace& st : in.steps)
        targetPieces.push_back(st.token);
    if (!anyWordStart(in.sourceTokens) && !anyWordStart(targetPieces))
        return in;

    Trace out;
    out.score = in.score;
    out.architecture = in.architecture;
    out.title = in.title;
    out.mergedWords = true;

    // source words
    const std::vector<std::vector<int>> src = wordGroups(in.sourceTokens);
    const Eigen::Index nw = static_cast<Eigen::Index>(src.size());
    for (const auto& g : src) {
        Tokens ps;
        for (int j : g) ps.push_back(in.sourceTokens[static_cast<std::size_t>(j)]);
        out.sourceTokens.push_back(joinPieces(ps));
    }
    const Eigen::Index n = static_cast<Eigen::Index>(in.sourceTokens.size());
    if (in.encoderStates.rows() == n && n > 0) {
        out.encoderStates = Mat::Zero(nw, in.encoderStates.cols());
        for (Eigen::Index w = 0; w < nw; ++w) {
            const auto& g = src[static_cast<std::size_t>(w)];
            for (int j : g) out.encoderStates.row(w) += in.encoderStates.row(j);
            out.encoderStates.row(w) /= static_cast<double>(g.size());
        }
    }
    // A word's key and value in each layer: the mean of its pieces' (as for its encoder state).
    const auto mergeRows = [&](const std::vector<Mat>& layers) {
        std::vector<Mat> merged;
        for (const Mat& m : layers) {
            if (m.rows() != n)
                return std::vector<Mat>{};
            Mat w = Mat::Zero(nw, m.cols());
            for (Eigen::Index k = 0; k < nw; ++k) {
                const auto& g = src[static_cast<std::size_t>(k)];
                for (int j : g) w.row(k) += m.row(j);
                w.row(k) /= static_cast<double>(g.size());
            }
            merged.push_back(std::move(w));
        }
        return merged;
    };
    out.crossKeys = mergeRows(in.crossKeys);
    out.crossValues = mergeRows(in.crossValues);
    out.keys.resize(0, 0);
    auto mergeSource = [&](const AttentionResult& a) {
        AttentionResult m;
        m.weights = Vec::Zero(nw);
        m.alignment = Mat::Zero(nw, a.alignment.cols());
        for (Eigen::Index w = 0; w < nw; ++w)
            for (int j : src[static_cast<std::size_t>(w)]) {
                if (j < a.weights.size()) m.weights(w) += a.weights(j);
                if (j < a.alignment.rows()) m.alignment.row(w) += a.alignment.row(j);
            }
        m.context = a.context;
        return m;
    };

    // transformer: per-head weights merged like the weights (summed over a word's pieces); the encoder
    // self-attention has source words on both sides (rows averaged over the query word's pieces, columns summed)
    auto mergeHeads = [&](const std::vector<std::vector<Vec>>& in) {
        std::vector<std::vector<Vec>> out(in.size());
        for (std::size_t l = 0; l < in.size(); ++l)
            for (const Vec& a : in[l]) {
                Vec m = Vec::Zero(nw);
                for (Eigen::Index w = 0; w < nw; ++w)
                    for (int j : src[static_cast<std::size_t>(w)])
                        if (j < a.size()) m(w) += a(j);
                out[l].push_back(std::move(m));
            }
        return out;
    };
    for (const std::vector<Mat>& layer : in.encoderSelfAttention) {
        std::vector<Mat> merged;
        for (const Mat& a : layer) {
            if (a.rows() != n || a.cols() != n) {
                merged.clear();
                break;
            }
            Mat m = Mat::Zero(nw, nw);
            for (Eigen::Index w = 0; w < nw; ++w) {
                const auto& gw = src[static_cast<std::size_t>(w)];
                for (int i : gw)
                    for (Eigen::Index v = 0; v < nw; ++v)
                        for (int j : src[static_cast<std::size_t>(v)])
                            m(w, v) += a(i, j);
                m.row(w) /= static_cast<double>(gw.size());
            }
            merged.push_back(std::move(m));
        }
        if (merged.empty()) {
            out.encoderSelfAttention.clear();
            break;
        }
        out.encoderSelfAttention.push_back(std::move(merged));
    }

    // target words: groups of steps
    const std::vector<std::vector<int>> tgt = wordGroups(targetPieces);
    for (const auto& g : tgt) {
        StepTrace st;
        const StepTrace& first = in.steps[static_cast<std::size_t>(g.front())];
        st.t = static_cast<int>(out.steps.size()) + 1;
        st.query = first.query;
        st.decoderStates = first.decoderStates;
        st.topK = first.topK;
        Tokens ps;
        double prob = 1.0;
        bool haveProb = true;
        std::optional<AttentionResult> sum;
        for (int i : g) {
            const StepTrace& s = in.steps[static_cast<std::size_t>(i)];
            ps.push_back(s.token);
            st.forced = st.forced || s.forced;
            st.overridden = st.overridden || s.overridden;
            if (s.prob) prob *= *s.prob;
            else haveProb = false;
            if (s.attention) {
                AttentionResult m = mergeSource(*s.attention);
                if (!sum) sum = std::move(m);
                else {
                    sum->weights += m.weights;
                    sum->alignment += m.alignment;
                    if (sum->context.size() == m.context.size()) sum->context += m.context;
                }
            }
        }
        // transformer: heads, the model's own head weights (softmax of the scores) and head outputs averaged over
        // the word's steps like the weights; scores = log of the merged own weights; query of the first step.
        // The decoder self-attention is dropped: its positions are target pieces, and a merged word would
        // attend to pieces of itself.
        if (first.multiHead) {
            MultiHeadStep mh;
            mh.query = first.multiHead->query;
            std::vector<std::vector<Vec>> own;
            int merged = 0;
            for (int i : g) {
                const StepTrace& s = in.steps[static_cast<std::size_t>(i)];
                if (!s.multiHead) continue;
                std::vector<std::vector<Vec>> softmaxed = s.multiHead->scores;
                for (auto& layer : softmaxed)
                    for (Vec& e : layer) e = softmax(e);
                std::vector<std::vector<Vec>> heads = mergeHeads(s.multiHead->heads), ownHeads = mergeHeads(softmaxed);
                if (merged++ == 0) {
                    mh.heads = std::move(heads);
                    own = std::move(ownHeads);
                    mh.context = s.multiHead->context;
                    continue;
                }
                for (std::size_t l = 0; l < mh.heads.size() && l < heads.size(); ++l)
                    for (std::size_t h = 0; h < mh.heads[l].size() && h < heads[l].size(); ++h) {
                        mh.heads[l][h] += heads[l][h];
                        if (l < own.size() && h < own[l].size() && l < ownHeads.size() && h < ownHeads[l].size())
                            own[l][h] += ownHeads[l][h];
                        if (l < s.multiHead->context.size() && h < s.multiHead->context[l].size()
                            && mh.context[l][h].size() == s.multiHead->context[l][h].size())
                            mh.context[l][h] += s.multiHead->context[l][h];
                    }
            }
            const double k = static_cast<double>(std::max(merged, 1));
            for (auto& layer : mh.heads)
                for (Vec& a : layer) a /= k;
            for (auto& layer : mh.context)
                for (Vec& c : layer) c /= k;
            mh.scores = own;
            for (auto& layer : mh.scores)
                for (Vec& e : layer) e = (e / k).unaryExpr([](double w) { return std::log(std::max(w, 1e-300)); });
            st.multiHead = std::move(mh);
        }
        if (sum) {
            const double k = static_cast<double>(g.size());
            sum->weights /= k;
            sum->alignment /= k;
            sum->context /= k;
            sum->scores = sum->weights.unaryExpr([](double w) { return std::log(std::max(w, 1e-300)); });
            if (st.multiHead)  // a transformer's flat view: the merged weights applied to the merged encoder states
                sum = multiHeadView(*st.multiHead, sum->weights, out.encoderStates);
            st.attention = std::move(sum);
        }
        st.token = isSpecialToken(ps.front()) ? ps.front() : joinPieces(ps);
        if (haveProb) st.prob = prob;
        out.steps.push_back(std::move(st));
    }
    for (const StepTrace& st : out.steps)
        if (st.token != "<eos>")
            out.targetTokens.push_back(st.token);
    return out;
}

} // namespace attnviz
