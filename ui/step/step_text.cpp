#include "ui/step/step_text.h"

#include "core/model/heads.h"
#include "core/model/model.h"
#include "ui/views/token_label.h"

#include "core/formats/format.h"

#include <QStringList>

namespace attnviz::ui {

namespace {

QString q(const char* utf8)
{
    return QString::fromUtf8(utf8);
}

// A factor inside a product: negative numbers in parentheses, "10×(−1)".
QString factor(double x)
{
    const QString s = displayNumber(x, 2);
    return x < 0 && s != QLatin1String("0") ? QLatin1Char('(') + s + QLatin1Char(')') : s;
}

// "10×0 + 5×1 + 10×1" (all terms when d ≤ 4), "10×0 + 5×1 + … + 3×2" (d ≤ 8); empty above.
QString productSum(const Vec& s, const Vec& h)
{
    const Eigen::Index d = std::min(s.size(), h.size());
    if (d == 0 || s.size() != h.size() || d > 8)
        return {};
    QStringList terms;
    auto term = [&](Eigen::Index i) { return factor(s(i)) + q("×") + factor(h(i)); };
    if (d <= 4) {
        for (Eigen::Index i = 0; i < d; ++i)
            terms << term(i);
    } else {
        terms << term(0) << term(1) << q("…") << term(d - 1);
    }
    return terms.join(QStringLiteral(" + "));
}

// The recurrent preset the trace names, as core describes it; none for an example, a transformer or an unknown id.
std::optional<PresetShape> recurrentPreset(const Trace& trace)
{
    std::optional<PresetShape> p = presetShape(trace.architecture, trace.score);
    if (p && !p->topology.recurrent)
        return std::nullopt;
    return p;
}

// The papers' names for the decoder's states, by where attention's query comes from: Bahdanau's sᵢ (the previous
// top state queries), GNMT's layer outputs yᵏᵢ (the previous bottom output queries), hₜ otherwise (Luong, seq2seq).
struct Notation {
    QString state;     // the top output, without its index: "s", "yᴺ", "h"
    QString index;     // "ᵢ", "ₜ"
    QString previous;  // "ᵢ₋₁", "ₜ₋₁"
    QString query;     // what queries: "sᵢ₋₁", "y¹ᵢ₋₁", "hₜ"
    QString queryIs;   // in words
};

Notation notation(const Topology& t)
{
    if (t.queriesPrevious() && t.query == QuerySource::PreviousTop)
        return {q("s"), q("ᵢ"), q("ᵢ₋₁"), q("sᵢ₋₁"), q("previous decoder state")};
    if (t.queriesPrevious() && t.query == QuerySource::PreviousBottom)
        return {q("yᴺ"), q("ᵢ"), q("ᵢ₋₁"), q("y¹ᵢ₋₁"), q("bottom layer, previous step")};
    return {q("h"), q("ₜ"), q("ₜ₋₁"), q("hₜ"), q("current decoder state")};
}

// "[E yᵢ₋₁; cᵢ]", "hₜ": an input as the topology puts it together.
QString partsFormula(const InputParts& parts, const Notation& n)
{
    QStringList names;
    for (InputPart p : parts) {
        switch (p) {
        case InputPart::Embedding: names << q("E y") + n.previous; break;
        case InputPart::Attentional: names << q("h̃") + n.index; break;
        case InputPart::Context: names << q("c") + n.index; break;
        case InputPart::Below:
        case InputPart::Top: names << n.state + n.index; break;
        }
    }
    return names.size() == 1 ? names.front() : QLatin1Char('[') + names.join(QStringLiteral("; ")) + QLatin1Char(']');
}

// Stage 5 for a recurrent topology: where the context goes, the attentional state, the output layer.
QString feedFormula(const Topology& t, CellKind cell)
{
    const Notation n = notation(t);
    QStringList clauses;
    const InputParts bottom = t.decoderInput(0);
    if (t.decoderInput(1).has(InputPart::Context))  // above the bottom too: every layer
        clauses << q("c") + n.index + q(" joins the input of every decoder layer");
    else if (bottom.has(InputPart::Context))
        clauses << n.state + n.index + q(" = ") + QString::fromStdString(cellId(cell)).toUpper() + QLatin1Char('(') + partsFormula(bottom, n)
                       + QStringLiteral(", ") + n.state + n.previous + QLatin1Char(')');
    if (t.attentionalState)
        clauses << q("h̃") + n.index + q(" = tanh(W_c [c") + n.index + QStringLiteral("; ") + n.state + n.index + QStringLiteral("])");
    clauses << q("logits") + n.index + q(" = W_out ") + partsFormula(t.outputInput(), n) + q(" + b_out");
    QString s = clauses.join(QStringLiteral(";  "));
    if (t.inputFeeding)
        s += q("  (h̃") + n.index + q(" is fed to the next step)");
    else if (clauses.size() == 1)
        s += q("  →  the most probable token y") + n.index;
    return s;
}

} // namespace

QString subscript(int k)
{
    QString s = QString::number(k);
    for (QChar& c : s)
        c = c == QLatin1Char('-') ? QChar(0x208B) : QChar(0x2080 + (c.unicode() - '0'));
    return s;
}

QString displayNumber(double x, int decimals)
{
    QString s = QString::fromStdString(formatNumber(x, decimals));
    if (s.startsWith(QLatin1Char('-')))
        s.replace(0, 1, QChar(0x2212));
    return s;
}

QString scoreFormula(const std::string& id)
{
    if (id == "dot") return q("eⱼ = sᵀhⱼ");
    if (id == "scaled_dot") return q("eⱼ = sᵀhⱼ / √d");
    if (id == "general") return q("eⱼ = sᵀW hⱼ");
    if (id == "additive" || id == "concat") return q("eⱼ = vᵀtanh(W_q s + W_k hⱼ + b)");
    if (id == "cosine") return q("eⱼ = sᵀhⱼ / (‖s‖ ‖hⱼ‖)");
    if (id == "location") return q("eⱼ = (W_loc s + b_loc)ⱼ");
    if (id == "head") return q("eⱼ = q · Kⱼ / √dₖ");
    return q("eⱼ = score(s, hⱼ)");
}

QString scoreArithmetic(const std::string& id, const Vec& s, const Vec& h, double score, int j)
{
    const QString result = QStringLiteral(" = ") + displayNumber(score, 3);
    if (id == "dot") {
        const QString sum = productSum(s, h);
        return (sum.isEmpty() ? q("sᵀh") : sum) + result;
    }
    if (id == "scaled_dot") {
        const QString root = q("√") + QString::number(h.size());
        const QString sum = s.size() <= 3 ? productSum(s, h) : QString();
        return (sum.isEmpty() ? q("sᵀh") : QLatin1Char('(') + sum + QLatin1Char(')')) + QLatin1Char('/') + root + result;
    }
    if (id == "general") return q("sᵀW h") + result;
    if (id == "additive" || id == "concat") return q("vᵀtanh(W_q s + W_k h)") + result;
    if (id == "cosine") return q("cos(s, h)") + result;
    if (id == "location") return q("(W_loc s)") + subscript(j + 1) + result;
    if (id == "head") return q("q·K") + subscript(j + 1) + q("/√") + QString::number(h.size()) + result;
    return QStringLiteral("e") + result;
}

QString feedFormula(const Trace& trace)
{
    if (const std::optional<PresetShape> p = recurrentPreset(trace))
        return feedFormula(p->topology, p->config.cell);
    return q("the context c and the query s go to the decoder, which predicts the next token");
}

QString stageLegend(const Trace& trace, int step, Stage stage)
{
    const int k = static_cast<int>(stage);
    const QString head = QString::number(k) + q(" · ") + QString::fromLatin1(stageName(stage)) + QStringLiteral(": ");
    const int n = sourceLength(trace);
    const QString hs = n > 1 ? q("h₁ … h") + subscript(n) : q("h₁");
    const bool attention = step >= 0 && step < static_cast<int>(trace.steps.size()) && trace.steps[static_cast<std::size_t>(step)].attention;
    if (!attention) {
        switch (stage) {
        case Stage::Prepare: return head + q("encoder states ") + hs + q(" and the decoder");
        case Stage::Feed: return head + (trace.architecture.empty() ? feedFormula(Topology{}, CellKind::Lstm) : feedFormula(trace));  // an example: seq2seq
        default: break;
        }
        return head + q("no attention — the decoder sees the source only through the final encoder state h") + subscript(n);
    }
    if (showsHeadKeys(trace)) {  // one transformer head: its own projections of the encoder output
        const QString dk = QString::number(trace.keys.cols());
        switch (stage) {
        case Stage::Prepare: return head + q("this head's keys Kⱼ = W_K h̄ⱼ + b_K and values Vⱼ = W_V h̄ⱼ + b_V (") + dk + q(" numbers each) and its query q");
        case Stage::Score: return head + q("eⱼ = q · Kⱼ / √") + dk + q("   (this head's scaled dot product)");
        case Stage::Softmax: return head + q("aⱼ = exp(eⱼ − max e) / Σₖ exp(eₖ − max e)");
        case Stage::Align: return head + q("aⱼ · Vⱼ   (each of this head's values scaled by its weight)");
        case Stage::Context: {
            const AttentionResult& at = *trace.steps[static_cast<std::size_t>(step)].attention;
            return head + q("this head's output Σⱼ aⱼ Vⱼ = ") + contextArithmetic(at);
        }
        case Stage::Feed: return head + q("the heads' outputs, concatenated and projected (W_O), go on through the layer");
        }
    }
    switch (stage) {
    case Stage::Prepare: return head + q("encoder states ") + hs + q(" (keys and values) and the decoder query s");
    case Stage::Score: return head + scoreFormula(trace.score) + QStringLiteral("   (") + QString::fromStdString(trace.score) + QLatin1Char(')');
    case Stage::Softmax: return head + q("aⱼ = exp(eⱼ − max e) / Σₖ exp(eₖ − max e)");
    case Stage::Align: return head + q("vⱼ = aⱼ · hⱼ   (each encoder state scaled by its weight)");
    case Stage::Context: {
        const AttentionResult& at = *trace.steps[static_cast<std::size_t>(step)].attention;
        if (at.alignment.rows() > 0 && at.alignment.cols() > 0)
            return head + q("c = Σⱼ vⱼ = ") + contextArithmetic(at);
        return head + q("c = Σⱼ vⱼ = Σⱼ aⱼ hⱼ   (the weighted sum of the encoder states)");
    }
    case Stage::Feed: return head + feedFormula(trace);
    }
    return head;
}

QString contextArithmetic(const AttentionResult& at, int maxTerms, int maxDims)
{
    const Eigen::Index n = at.alignment.rows(), d = at.alignment.cols();
    const Eigen::Index dims = std::min<Eigen::Index>(d, std::max(1, maxDims));
    auto sum = [&](Eigen::Index i) {
        QString s;
        const Eigen::Index terms = n <= maxTerms ? n : std::max(1, maxTerms - 2);
        for (Eigen::Index j = 0; j < terms; ++j)
            s += (j ? QStringLiteral("+") : QString()) + displayNumber(at.alignment(j, i), 2);
        if (terms < n)
            s += q("+…+") + displayNumber(at.alignment(n - 1, i), 2);
        return s;
    };
    QString lhs = QStringLiteral("["), rhs = QStringLiteral("[");
    for (Eigen::Index i = 0; i < dims; ++i) {
        lhs += (i ? QStringLiteral(", ") : QString()) + sum(i);
        rhs += (i ? QStringLiteral(", ") : QString()) + displayNumber(at.context.size() > i ? at.context(i) : 0.0, 2);
    }
    if (dims < d) {
        lhs += q(", … (d = ") + QString::number(d) + QLatin1Char(')');
        rhs += q(", …");
    }
    return lhs + QStringLiteral("] = ") + rhs + QLatin1Char(']');
}

QString queryTitle(const Trace& trace)
{
    if (!trace.steps.empty() && !trace.steps.front().attention) return q("decoder hₜ");
    if (showsHeadKeys(trace)) return q("query q");
    const std::optional<PresetShape> p = recurrentPreset(trace);
    return p && p->topology.attention ? q("query ") + notation(p->topology).query : q("query s");
}

QString querySubtitle(const Trace& trace)
{
    if (!trace.steps.empty() && !trace.steps.front().attention) return q("top decoder state");
    if (showsHeadKeys(trace)) return q("this head's W_Q s");
    const std::optional<PresetShape> p = recurrentPreset(trace);
    return p && p->topology.attention ? notation(p->topology).queryIs : q("decoder state");
}

QString architectureLabel(const std::string& a)
{
    return a.empty() ? q("example") : QString::fromStdString(presetTitle(a));
}

QString previousToken(const Trace& trace, int step)
{
    if (step <= 0 || step > static_cast<int>(trace.steps.size()))
        return QStringLiteral("<sos>");
    const StepTrace& prev = trace.steps[static_cast<std::size_t>(step - 1)];
    if (!prev.token.empty())
        return tokenLabel(prev.token);
    if (step - 1 < static_cast<int>(trace.targetTokens.size()))
        return tokenLabel(trace.targetTokens[static_cast<std::size_t>(step - 1)]);
    return q("y") + subscript(step);
}

bool showsHeadKeys(const Trace& trace)
{
    return trace.keys.rows() > 0 && trace.keys.rows() == trace.encoderStates.rows();
}

const Mat& statesShown(const Trace& trace, Stage stage)
{
    return showsHeadKeys(trace) && stage < Stage::Align ? trace.keys : trace.encoderStates;
}

QString stateLetter(const Trace& trace, Stage stage)
{
    if (!showsHeadKeys(trace))
        return QStringLiteral("h");
    return stage < Stage::Align ? QStringLiteral("K") : QStringLiteral("V");
}

std::string scoreShown(const Trace& trace)
{
    return showsHeadKeys(trace) ? std::string("head") : trace.score;
}

QString scoreCaption(const Trace& trace)
{
    if (trace.score != "multi_head")
        return QString::fromStdString(trace.score);
    const HeadShape shape = headShape(trace);
    const std::string heads = !trace.headView.empty() ? trace.headView
        : shape.empty() ? std::string()
                        : describeSelection(HeadSelection{}, shape);  // as decoded: the last layer's mean
    return QString::fromUtf8("scaled dot product") + (heads.empty() ? QString() : QString::fromUtf8(" · ") + QString::fromStdString(heads));
}

QString sourceLabel(const Trace& trace, int j)
{
    if (j >= 0 && j < static_cast<int>(trace.sourceTokens.size()))
        return tokenLabel(trace.sourceTokens[static_cast<std::size_t>(j)]);
    return QStringLiteral("h") + subscript(j + 1);
}

} // namespace attnviz::ui
