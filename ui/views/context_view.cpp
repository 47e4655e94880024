#include "ui/views/context_view.h"
#include "ui/views/value_scales.h"

#include <functional>
#include "ui/views/token_label.h"

#include "core/formats/format.h"

#include <QLabel>
#include <QScrollArea>
#include <QTextDocument>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace attnviz::ui {

namespace {

constexpr Eigen::Index kMaxCells = 10;  // longer vectors: the first cells, then "… (d = 256)"


// One table row of coloured cells (diverging around 0, scaled by the largest |value|).
// One vector as a row of coloured cells, on the scale its quantity has in every view (ui/views/value_scales.h).
QString vectorRow(const QString& label, const Vec& v, const std::function<QColor(double)>& color)
{
    QString html = QStringLiteral("<tr><td style='padding-right:6px'><b>%1</b></td><td><table cellspacing='1' cellpadding='3'><tr>").arg(label);
    const Eigen::Index shown = std::min(v.size(), kMaxCells);
    for (Eigen::Index i = 0; i < shown; ++i) {
        const QColor bg = color(v(i));
        html += QStringLiteral("<td align='right' bgcolor='%1'><font color='%2'>%3</font></td>")
                    .arg(bg.name(), textColorOn(bg).name(), QString::fromStdString(formatNumber(v(i), 3)));
    }
    if (shown < v.size())
        html += QStringLiteral("<td>… (d = %1)</td>").arg(v.size());
    if (v.size() == 0)
        html += QStringLiteral("<td>—</td>");
    return html + QStringLiteral("</tr></table></td></tr>");
}

} // namespace

ContextView::ContextView(QWidget* parent) : QWidget(parent), label_(new QLabel(this))
{
    label_->setTextFormat(Qt::RichText);
    label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label_->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    label_->setMargin(6);
    auto* scroll = new QScrollArea(this);
    scroll->setWidget(label_);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(scroll);
    refresh();
}

void ContextView::setTrace(std::shared_ptr<const Trace> trace)
{
    trace_ = std::move(trace);
    refresh();
}

void ContextView::setPosition(const StepPosition& pos)
{
    if (pos.step == step_ && pos.stage == stage_)
        return;
    step_ = pos.step;
    stage_ = pos.stage;
    refresh();
}

void ContextView::setReveal(const Reveal& reveal)
{
    reveal_ = reveal;
    refresh();
}

void ContextView::setColorMap(ColorMap map)
{
    map_ = map;
    refresh();
}

QString ContextView::plainText() const
{
    QTextDocument doc;
    doc.setHtml(label_->text());
    return doc.toPlainText();
}

void ContextView::refresh()
{
    if (!trace_ || step_ < 0 || step_ >= static_cast<int>(trace_->steps.size())) {
        label_->setText(QStringLiteral("<i>No decoder step to show.</i>"));
        return;
    }
    const StepTrace& st = trace_->steps[static_cast<std::size_t>(step_)];
    StepPosition pos;
    pos.step = step_;
    pos.stage = stage_;
    const bool showContext = reveal_.context(step_, pos), showOutput = reveal_.output(step_, pos);
    QString html = QStringLiteral("<p><b>Decoder step %1 of %2</b>").arg(st.t).arg(trace_->steps.size());
    if (!showOutput) {
        html += QStringLiteral(" → output <b>?</b> <span style='color:#6e7781'>(stage 5)</span>");
    } else if (!st.token.empty()) {
        html += QStringLiteral(" → output <b>%1</b>").arg(tokenLabel(st.token).toHtmlEscaped());
        if (st.prob)
            html += QStringLiteral(" (p = %1)").arg(QString::fromStdString(formatNumber(*st.prob, 3)));
    }
    html += QStringLiteral("</p><table cellspacing='2'>");
    const ValueScales scales = valueScales(*trace_, map_);
    const auto enc = [&scales](double x) { return scales.encoderColor(x); };
    const auto dec = [&scales](double x) { return scales.queryColor(x); };
    html += vectorRow(QStringLiteral("query s<sub>%1</sub>").arg(st.t), st.query, dec);
    if (st.attention && !showContext)
        html += QStringLiteral("<tr><td><b>context c<sub>%1</sub></b></td><td style='color:#6e7781'>? (summed at stage 4)</td></tr>").arg(st.t);
    else if (st.attention)
        html += vectorRow(QStringLiteral("context c<sub>%1</sub>").arg(st.t), st.attention->context, enc);
    else
        html += QStringLiteral("<tr><td><b>context</b></td><td>none: this model has no attention; the source reaches "
                               "the decoder only through the final encoder state</td></tr>");
    for (std::size_t l = 0; l < st.decoderStates.size() && showOutput; ++l)
        html += vectorRow(QStringLiteral("decoder layer %1").arg(l + 1), st.decoderStates[l], dec);
    html += QStringLiteral("</table>");
    if (!st.topK.empty() && showOutput) {
        html += QStringLiteral("<p><b>Most probable next tokens</b></p><table cellspacing='1' cellpadding='2'>");
        for (const TokenProb& tp : st.topK) {
            const int width = std::max(1, static_cast<int>(std::lround(160.0 * tp.prob)));
            const QColor bar = colorAt(map_, 0.25 + 0.75 * tp.prob);
            html += QStringLiteral("<tr><td>%1</td><td align='right'>%2</td><td><table cellspacing='0' cellpadding='0'>"
                                   "<tr><td width='%3' height='10' bgcolor='%4'></td></tr></table></td></tr>")
                        .arg(tokenLabel(tp.token).toHtmlEscaped(), QString::fromStdString(formatNumber(tp.prob, 3)))
                        .arg(width)
                        .arg(bar.name());
        }
        html += QStringLiteral("</table>");
    }
    label_->setText(html);
}

} // namespace attnviz::ui
