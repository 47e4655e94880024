#include "ui/step/step_text.h"

#include "core/model/heads.h"
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

QString feedFormula(const std::string& arch)
{
    if (arch == "seq2seq_attention") return q("logitsₜ = W_out [hₜ; cₜ] + b_out  →  the most probable token yₜ");
    if (arch == "bahdanau") return q("sᵢ = GRU([E yᵢ₋₁; cᵢ], sᵢ₋₁);  logitsᵢ = W_out [sᵢ; cᵢ; E yᵢ₋₁] + b_out");
    if (arch == "luong") return q("h̃ₜ = tanh(W_c [cₜ; hₜ]);  logitsₜ = W_out h̃ₜ + b_out  (h̃ₜ is fed to the next step)");
    if (arch == "gnmt") return q("cᵢ joins the input of every decoder layer;  logitsᵢ = W_out yᴺᵢ + b_out");
    if (arch == "seq2seq") return q("logitsₜ = W_out hₜ + b_out  →  the most probable token yₜ");
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
        case Stage::Feed: return head + feedFormula(trace.architecture.empty() ? "seq2seq" : trace.architecture);
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
    case Stage::Feed: return head + feedFormula(trace.architecture);
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
    const std::string& a = trace.architecture;
    if (!trace.steps.empty() && !trace.steps.front().attention) return q("decoder hₜ");
    if (showsHeadKeys(trace)) return q("query q");
    if (a == "seq2seq_attention" || a == "luong") return q("query hₜ");
    if (a == "bahdanau") return q("query sᵢ₋₁");
    if (a == "gnmt") return q("query y¹ᵢ₋₁");
    return q("query s");
}

QString querySubtitle(const Trace& trace)
{
    const std::string& a = trace.architecture;
    if (!trace.steps.empty() && !trace.steps.front().attention) return q("top decoder state");
    if (showsHeadKeys(trace)) return q("this head's W_Q s");
    if (a == "seq2seq_attention" || a == "luong") return q("current decoder state");
    if (a == "bahdanau") return q("previous decoder state");
    if (a == "gnmt") return q("bottom layer, previous step");
    return q("decoder state");
}

QString architectureLabel(const std::string& a)
{
    if (a.empty()) return q("example");
    if (a == "seq2seq") return q("seq2seq, no attention");
    if (a == "seq2seq_attention") return q("seq2seq + dot attention");
    if (a == "bahdanau") return q("Bahdanau 2015");
    if (a == "luong") return q("Luong 2015");
    if (a == "gnmt") return q("GNMT (Wu 2016)");
    return QString::fromStdString(a);
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
