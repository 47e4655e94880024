#include "ui/step/step_renderer.h"
#include "ui/views/token_label.h"

#include "ui/step/step_frame.h"
#include "ui/step/step_text.h"

#include <QFontMetricsF>
#include <QPainter>

#include <algorithm>
#include <cmath>

namespace attnviz::ui {

namespace {

// Width of the widest number a vector set can show with 2 decimals, measured on a template
// ("−888.88") rather than on every value: cheap at d = 256.
double numberTemplateWidth(const QFontMetricsF& fm, double maxAbs, bool negative)
{
    int digits = 1;
    for (double x = std::fabs(maxAbs); x >= 10 && digits < 16; x /= 10)
        ++digits;
    QString t = negative ? QString(QChar(0x2212)) : QString();
    t += QString(digits, QLatin1Char('8')) + QStringLiteral(".88");
    return fm.horizontalAdvance(t);
}

StepLayoutInput layoutInput(const QRectF& area, const Trace& trace, int step, const StepRenderOptions& opt)
{
    StepLayoutInput in;
    in.area = area;
    const StepFonts fonts(opt.font);
    const QFontMetricsF fm(fonts.normal), fs(fonts.small), ft(fonts.title);
    in.lineHeight = fm.height();
    in.smallLineHeight = fs.height();
    in.titleLineHeight = ft.height();

    const StepTrace* st = step >= 0 && step < static_cast<int>(trace.steps.size()) ? &trace.steps[static_cast<std::size_t>(step)] : nullptr;
    const Mat& H = trace.encoderStates;
    in.n = sourceLength(trace);
    if (st && st->attention && in.n == 0)
        in.n = static_cast<int>(st->attention->weights.size());
    in.dk = static_cast<int>(H.cols());
    in.hasAttention = st && st->attention.has_value();
    const Vec* q = st ? stepQuery(*st) : nullptr;
    in.dq = q ? static_cast<int>(q->size()) : 0;

    double maxAbs = 0;
    bool negative = false;
    if (H.size() > 0) {
        maxAbs = H.cwiseAbs().maxCoeff();
        negative = H.minCoeff() < 0;
    }
    if (q && q->size() > 0) {
        maxAbs = std::max(maxAbs, q->cwiseAbs().maxCoeff());
        negative = negative || q->minCoeff() < 0;
    }
    in.numberWidth = numberTemplateWidth(fs, maxAbs, negative);
    in.weightNumberWidth = fs.horizontalAdvance(QStringLiteral("0.888"));
    double tw = 0;
    for (int j = 0; j < in.n; ++j)
        tw = std::max(tw, fm.horizontalAdvance(sourceLabel(trace, j)));
    in.tokenWidth = tw;
    // The decoder box's width: the widest output token in the big font, or top-k row (label, bar, "0.92"), over
    // every step so the layout does not jump from step to step.
    // Measured once per trace and font (a frame is painted 60 times a second): keyed by the trace's address, its
    // step count and token lengths (a new trace at a freed address is told apart by its tokens).
    struct WidthMemo {
        const Trace* trace = nullptr;
        std::size_t signature = 0;
        QString font;
        double width = 0;
    };
    thread_local WidthMemo memo;
    std::size_t signature = trace.steps.size();
    for (const StepTrace& s : trace.steps)
        signature = signature * 31 + s.token.size() * 7 + s.topK.size();
    const QString fontKey = fonts.big.key() + fonts.small.key();
    if (memo.trace != &trace || memo.signature != signature || memo.font != fontKey) {
        const QFontMetricsF fg(fonts.big);
        double dw = fg.horizontalAdvance(QStringLiteral("output (forced)"));
        for (const StepTrace& s : trace.steps) {
            dw = std::max(dw, fg.horizontalAdvance(tokenLabel(s.token)));
            for (std::size_t k = 0; k < s.topK.size() && k < 5; ++k)
                dw = std::max(dw, fs.horizontalAdvance(tokenLabel(s.topK[k].token)) + 6 + 64);  // label, bar, number
        }
        memo = {&trace, signature, fontKey, dw + 24 + 8};  // the box's inner padding and border
    }
    in.decoderWidth = memo.width;
    if (st) {
        const double topK = static_cast<double>(std::min<std::size_t>(st->topK.size(), 5));
        in.decoderHeight = 16 + QFontMetricsF(fonts.bold).height() + 3 * fs.height() + 14 + QFontMetricsF(fonts.big).height()
            + (st->prob ? fs.height() : 0.0) + (topK > 0 ? 4 + topK * (fs.height() + 2) : 0.0) + 8;
    }
    if (in.hasAttention) {
        const AttentionResult& a = *st->attention;
        in.weights.assign(a.weights.data(), a.weights.data() + a.weights.size());
        double aw = 0;
        for (Eigen::Index j = 0; j < a.scores.size() && j < H.rows(); ++j)
            aw = std::max(aw, fs.horizontalAdvance(scoreArithmetic(trace.score, st->query, H.row(j).transpose(), a.scores(j), static_cast<int>(j))));
        in.arithmeticWidth = aw;
    }
    return in;
}

} // namespace

QFont defaultStepFont()
{
    QFont f(QStringLiteral("DejaVu Sans"));
    f.setPointSizeF(10);
    return f;
}

StepLayout layoutStepView(const QRectF& area, const Trace& trace, const StepPosition& pos, const StepRenderOptions& opt)
{
    const int step = trace.steps.empty() ? -1 : std::clamp(pos.step, 0, static_cast<int>(trace.steps.size()) - 1);
    return computeStepLayout(layoutInput(area, trace, step, opt));
}

void paintStepView(QPainter& p, const QRectF& area, const Trace& trace, const StepPosition& pos, const StepRenderOptions& opt)
{
    StepPosition at = pos;
    at.step = trace.steps.empty() ? -1 : std::clamp(pos.step, 0, static_cast<int>(trace.steps.size()) - 1);
    at.progress = std::clamp(std::isfinite(pos.progress) ? pos.progress : 1.0, 0.0, 1.0);
    const StepLayout layout = computeStepLayout(layoutInput(area, trace, at.step, opt));
    StepFrame frame(p, trace, at, opt, layout);
    frame.paint();
}

QString describeStepHit(const Trace& trace, const StepPosition& pos, const StepHit& hit)
{
    if (trace.steps.empty() || hit.part == StepPart::None)
        return {};
    const int step = std::clamp(pos.step, 0, static_cast<int>(trace.steps.size()) - 1);
    const StepTrace& st = trace.steps[static_cast<std::size_t>(step)];
    const int j = hit.index, i = hit.component;
    const QString jj = subscript(j + 1), ii = QString::number(i + 1);
    const QString tok = j >= 0 ? QStringLiteral("  (") + sourceLabel(trace, j) + QLatin1Char(')') : QString();
    auto num = [](double x) { return displayNumber(x, 6); };
    switch (hit.part) {
    case StepPart::EncoderCell: {
        const Mat& S = statesShown(trace, pos.stage);  // hⱼ, or one head's keys Kⱼ / values Vⱼ
        if (j < S.rows() && i >= 0 && i < S.cols())
            return stateLetter(trace, pos.stage) + jj + QLatin1Char('[') + ii + QStringLiteral("] = ") + num(S(j, i)) + tok;
        break;
    }
    case StepPart::QueryCell:
        if (const Vec* q = stepQuery(st); q && i >= 0 && i < q->size())
            return (st.attention ? QStringLiteral("s[") : QString::fromUtf8("hₜ[")) + ii + QStringLiteral("] = ") + num((*q)(i));
        break;
    case StepPart::AlignCell:
        if (st.attention && j < st.attention->alignment.rows() && i >= 0 && i < st.attention->alignment.cols())
            return QStringLiteral("v") + jj + QLatin1Char('[') + ii + QStringLiteral("] = ") + num(st.attention->alignment(j, i)) + tok;
        break;
    case StepPart::ContextCell:
        if (st.attention && i >= 0 && i < st.attention->context.size())
            return QStringLiteral("c[") + ii + QStringLiteral("] = ") + num(st.attention->context(i));
        break;
    case StepPart::Score:
        if (st.attention && j < st.attention->scores.size())
            return QStringLiteral("e") + jj + QStringLiteral(" = ") + num(st.attention->scores(j)) + tok;
        break;
    case StepPart::Weight:
        if (st.attention && j < st.attention->weights.size())
            return QStringLiteral("a") + jj + QStringLiteral(" = ") + QString::number(st.attention->weights(j), 'g', 6) + tok;
        break;
    case StepPart::Token:
        return sourceLabel(trace, j);
    case StepPart::None: break;
    }
    return {};
}

} // namespace attnviz::ui
