#include "core/model/heads.h"

#include "core/numeric/softmax.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace attnviz {

HeadShape headShape(const Trace& trace)
{
    for (const StepTrace& s : trace.steps)
        if (s.multiHead && !s.multiHead->heads.empty() && !s.multiHead->heads.front().empty())
            return {static_cast<int>(s.multiHead->heads.size()), static_cast<int>(s.multiHead->heads.front().size())};
    return {};
}

HeadSelection resolved(HeadSelection sel, HeadShape shape)
{
    if (shape.empty())
        return sel;
    if (sel.layer < 0 || sel.layer >= shape.layers)
        sel.layer = shape.layers - 1;
    sel.head = std::clamp(sel.head, 0, shape.heads - 1);
    return sel;
}

bool isDefaultSelection(HeadSelection sel, HeadShape shape)
{
    sel = resolved(sel, shape);
    return shape.empty() || (sel.mode == HeadMode::Mean && sel.layer == shape.layers - 1);
}

std::string describeSelection(HeadSelection sel, HeadShape shape)
{
    if (shape.empty())
        return {};
    sel = resolved(sel, shape);
    const std::string layer = "layer " + std::to_string(sel.layer + 1) + " of " + std::to_string(shape.layers);
    const std::string h = std::to_string(shape.heads);
    switch (sel.mode) {
    case HeadMode::Mean: return layer + " · mean of " + h + " heads";
    case HeadMode::Max: return layer + " · max over " + h + " heads";
    case HeadMode::One: break;
    }
    return layer + " · head " + std::to_string(sel.head + 1) + " of " + h;
}

std::optional<HeadSelection> parseHeadSelection(const std::string& text)
{
    auto number = [](const std::string& s) -> int {
        if (s.empty() || s.size() > 6 || s.find_first_not_of("0123456789") != std::string::npos)
            return -1;
        const int v = std::stoi(s);
        return v >= 1 ? v - 1 : -1;
    };
    HeadSelection sel;
    std::string head = text;
    if (const auto colon = text.find(':'); colon != std::string::npos) {
        sel.layer = number(text.substr(0, colon));
        if (sel.layer < 0)
            return std::nullopt;
        head = text.substr(colon + 1);
    }
    if (head == "mean")
        sel.mode = HeadMode::Mean;
    else if (head == "max")
        sel.mode = HeadMode::Max;
    else if ((sel.head = number(head)) >= 0)
        sel.mode = HeadMode::One;
    else
        return std::nullopt;
    return sel;
}

namespace {

Vec logOf(const Vec& w)
{
    return w.unaryExpr([](double x) { return std::log(std::max(x, 1e-300)); });
}

} // namespace

AttentionResult headAttention(const MultiHeadStep& mh, HeadSelection sel, const Mat& values)
{
    AttentionResult a;
    if (mh.heads.empty() || mh.heads.front().empty())
        return a;
    sel = resolved(sel, {static_cast<int>(mh.heads.size()), static_cast<int>(mh.heads.front().size())});
    const auto l = static_cast<std::size_t>(sel.layer);
    const std::vector<Vec>& heads = mh.heads[l];
    const Eigen::Index n = heads.front().size();
    const bool haveScores = l < mh.scores.size() && mh.scores[l].size() == heads.size();
    switch (sel.mode) {
    case HeadMode::One: {
        const auto i = static_cast<std::size_t>(sel.head);
        a.weights = heads[i];
        if (haveScores && mh.scores[l][i].size() == n)
            a.scores = mh.scores[l][i];
        if (l < mh.context.size() && i < mh.context[l].size())
            a.context = mh.context[l][i];
        return a;
    }
    case HeadMode::Max: {
        a.weights = heads.front();
        for (const Vec& w : heads)
            if (w.size() == n)
                a.weights = a.weights.cwiseMax(w);
        return a;
    }
    case HeadMode::Mean: break;
    }
    a.weights = Vec::Zero(n);
    for (const Vec& w : heads)
        if (w.size() == n)
            a.weights += w / static_cast<double>(heads.size());
    if (haveScores) {
        Vec own = Vec::Zero(n);
        for (const Vec& e : mh.scores[l])
            if (e.size() == n)
                own += softmax(e) / static_cast<double>(heads.size());
        a.scores = logOf(own);
    }
    if (values.rows() == n && n > 0) {
        a.alignment = values.array().colwise() * a.weights.array();
        a.context = a.alignment.colwise().sum().transpose();
    }
    return a;
}

Trace selectHeads(const Trace& trace, HeadSelection sel)
{
    const HeadShape shape = headShape(trace);
    if (isDefaultSelection(sel, shape))
        return trace;
    sel = resolved(sel, shape);
    Trace out = trace;
    out.headView = describeSelection(sel, shape);
    // One head with the layer's keys and values known: its own k_j and v_j (columns of its block).
    const auto l0 = static_cast<std::size_t>(sel.layer);
    const Eigen::Index n = sourceLength(trace);
    const bool ownValues = sel.mode == HeadMode::One && l0 < trace.crossKeys.size() && l0 < trace.crossValues.size()
        && trace.crossKeys[l0].rows() == n && trace.crossValues[l0].rows() == n && n > 0
        && trace.crossKeys[l0].cols() == trace.crossValues[l0].cols() && shape.heads > 0 && trace.crossKeys[l0].cols() % shape.heads == 0;
    if (ownValues) {
        const Eigen::Index dk = trace.crossKeys[l0].cols() / shape.heads;
        out.keys = trace.crossKeys[l0].middleCols(sel.head * dk, dk);
        out.encoderStates = trace.crossValues[l0].middleCols(sel.head * dk, dk);
    }
    for (StepTrace& s : out.steps) {
        if (!s.multiHead || s.multiHead->heads.size() != static_cast<std::size_t>(shape.layers))
            continue;
        s.attention = headAttention(*s.multiHead, sel, trace.encoderStates);
        if (ownValues && s.attention->weights.size() == n) {  // a_j v_j and their sum, the head's output
            s.attention->alignment = s.attention->weights.asDiagonal() * out.encoderStates;
            s.attention->context = s.attention->alignment.colwise().sum().transpose();
        }
        const MultiHeadStep& mh = *s.multiHead;
        const auto l = static_cast<std::size_t>(sel.layer);
        if (sel.mode == HeadMode::One && l < mh.query.size() && static_cast<std::size_t>(sel.head) < mh.query[l].size())
            s.query = mh.query[l][static_cast<std::size_t>(sel.head)];
        else if (l < mh.query.size() && !mh.query[l].empty()) {  // the layer's query, heads concatenated
            Eigen::Index d = 0;
            for (const Vec& q : mh.query[l])
                d += q.size();
            s.query.resize(d);
            Eigen::Index at = 0;
            for (const Vec& q : mh.query[l]) {
                s.query.segment(at, q.size()) = q;
                at += q.size();
            }
        } else {
            s.query.resize(0);
        }
    }
    return out;
}

std::vector<std::vector<Mat>> headMatrices(const Trace& trace, HeadMatrices which)
{
    if (which == HeadMatrices::EncoderSelf)
        return trace.encoderSelfAttention;
    const HeadShape shape = headShape(trace);
    if (shape.empty())
        return {};
    const auto T = static_cast<Eigen::Index>(trace.steps.size());
    const double nan = std::numeric_limits<double>::quiet_NaN();
    Eigen::Index cols = which == HeadMatrices::DecoderSelf ? T : 0;
    if (which == HeadMatrices::Cross)
        for (const StepTrace& s : trace.steps)
            if (s.multiHead && !s.multiHead->heads.empty() && !s.multiHead->heads.front().empty())
                cols = std::max(cols, s.multiHead->heads.front().front().size());
    std::vector<std::vector<Mat>> out(static_cast<std::size_t>(shape.layers),
                                      std::vector<Mat>(static_cast<std::size_t>(shape.heads), Mat::Constant(T, cols, nan)));
    bool any = false;
    for (Eigen::Index t = 0; t < T; ++t) {
        const StepTrace& s = trace.steps[static_cast<std::size_t>(t)];
        if (!s.multiHead)
            continue;
        const auto& src = which == HeadMatrices::Cross ? s.multiHead->heads : s.multiHead->selfAttention;
        for (std::size_t l = 0; l < out.size() && l < src.size(); ++l)
            for (std::size_t h = 0; h < out[l].size() && h < src[l].size(); ++h) {
                const Vec& w = src[l][h];
                const Eigen::Index m = std::min(w.size(), cols);
                out[l][h].row(t).head(m) = w.head(m).transpose();
                any = any || m > 0;
            }
    }
    if (!any)
        return {};
    return out;
}

Mat selectMatrix(const std::vector<std::vector<Mat>>& all, HeadSelection sel)
{
    if (all.empty() || all.front().empty())
        return {};
    sel = resolved(sel, {static_cast<int>(all.size()), static_cast<int>(all.front().size())});
    const std::vector<Mat>& heads = all[static_cast<std::size_t>(sel.layer)];
    if (sel.mode == HeadMode::One)
        return heads[static_cast<std::size_t>(sel.head)];
    Mat m = heads.front();
    for (std::size_t i = 1; i < heads.size(); ++i) {
        if (heads[i].rows() != m.rows() || heads[i].cols() != m.cols())
            continue;
        if (sel.mode == HeadMode::Max)
            m = m.cwiseMax(heads[i]);  // NaN (a masked cell) stays NaN: it is NaN in every head
        else
            m += heads[i];
    }
    if (sel.mode == HeadMode::Mean)
        m /= static_cast<double>(heads.size());
    return m;
}

} // namespace attnviz
