#include "core/merge_words.h"

#include "core/pieces.h"

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
        if (sum) {
            const double k = static_cast<double>(g.size());
            sum->weights /= k;
            sum->alignment /= k;
            sum->context /= k;
            sum->scores = sum->weights.unaryExpr([](double w) { return std::log(std::max(w, 1e-300)); });
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
