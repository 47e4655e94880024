#include "ui/export/compare_export.h"

#include "ui/views/heatmap_painter.h"
#include "ui/views/token_label.h"

#include <QFontMetricsF>
#include <QPainter>

#include <algorithm>

namespace attnviz::ui {

namespace {

bool attends(const Trace& t)
{
    return !t.steps.empty() && std::all_of(t.steps.begin(), t.steps.end(), [](const StepTrace& s) { return s.attention.has_value(); });
}

QFont dejaVu(double points, bool bold = false)
{
    QFont f(QStringLiteral("DejaVu Sans"));
    f.setPointSizeF(points);
    f.setBold(bold);
    return f;
}

} // namespace

Trace weightDifference(const Trace& a, const Trace& b)
{
    Trace d;
    d.sourceTokens = a.sourceTokens;
    if (!attends(a) || !attends(b) || a.sourceTokens != b.sourceTokens)
        return d;
    const std::size_t rows = std::min(a.steps.size(), b.steps.size());
    for (std::size_t i = 0; i < rows; ++i) {
        const AttentionResult& wa = *a.steps[i].attention;
        const AttentionResult& wb = *b.steps[i].attention;
        if (wa.weights.size() != wb.weights.size())
            return Trace{};
        StepTrace s;
        s.t = static_cast<int>(i) + 1;
        s.token = a.steps[i].token == b.steps[i].token
                      ? a.steps[i].token
                      : (tokenLabel(a.steps[i].token) + QStringLiteral(" / ") + tokenLabel(b.steps[i].token)).toStdString();
        AttentionResult r;
        r.weights = wa.weights - wb.weights;
        r.scores = r.weights;
        s.attention = std::move(r);
        if (s.token != "<eos>")
            d.targetTokens.push_back(s.token);
        d.steps.push_back(std::move(s));
    }
    return d;
}

bool exportComparison(const CompareSide& a, const CompareSide& b, const ExportOptions& options, QString* error)
{
    const Trace diff = weightDifference(a.trace, b.trace);
    const bool withDiff = !diff.steps.empty();
    const QSize def = withDiff ? QSize(1500, 700) : QSize(1000, 700);
    return writePainting(options, def, [&](QPainter& p, const QRectF& canvas) {
        p.fillRect(canvas, Qt::white);
        const double margin = 14;
        const QFont head = dejaVu(12, true), body = dejaVu(10), small = dejaVu(9);
        const QFontMetricsF fh(head), fb(body);
        QRectF r = canvas.adjusted(margin, margin, -margin, -margin);
        p.setPen(QColor(0x22, 0x22, 0x22));
        p.setFont(head);
        p.drawText(QRectF(r.left(), r.top(), r.width(), fh.height()), Qt::AlignLeft | Qt::AlignVCenter,
                   fh.elidedText(QStringLiteral("Side by side: %1 vs %2").arg(a.name, b.name), Qt::ElideRight, r.width()));
        r.setTop(r.top() + fh.height() + 6);
        const int panels = withDiff ? 3 : 2;
        const double gap = 12, w = (r.width() - gap * (panels - 1)) / panels;
        HeatmapPainter painter(options.colorMap);
        const double scale = options.dpi / 96.0;
        auto panel = [&](int k, const CompareSide& side) {
            const QRectF box(r.left() + k * (w + gap), r.top(), w, r.height());
            p.setFont(body);
            p.setPen(QColor(0x22, 0x22, 0x22));
            const QRectF textBox(box.left(), box.top(), box.width(), fb.height() * 2.4);
            p.drawText(textBox, Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap,
                       QStringLiteral("%1 → %2").arg(side.name, side.translation.isEmpty() ? QStringLiteral("(nothing)") : side.translation));
            const QRectF mapBox = box.adjusted(0, textBox.height() + 4, 0, 0);
            if (attends(side.trace)) {
                painter.draw(p, mapBox, side.trace, side.name, scale);
            } else {
                p.setPen(QColor(0x6e, 0x77, 0x81));
                p.setFont(small);
                p.drawRect(mapBox.adjusted(0.5, 0.5, -0.5, -0.5));
                p.drawText(mapBox.adjusted(16, 16, -16, -16), Qt::AlignCenter | Qt::TextWordWrap,
                           QStringLiteral("No attention: the decoder sees the source only through the encoder's final state — one "
                                          "fixed-size vector for the whole sentence, the bottleneck attention removes."));
            }
        };
        panel(0, a);
        panel(1, b);
        if (withDiff) {
            const QRectF box(r.left() + 2 * (w + gap), r.top(), w, r.height());
            p.setFont(body);
            p.setPen(QColor(0x22, 0x22, 0x22));
            p.drawText(QRectF(box.left(), box.top(), box.width(), fb.height() * 2.4), Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap,
                       QStringLiteral("Difference of the weights, %1 − %2: blue where the first looks more, red where the second does").arg(a.name, b.name));
            HeatmapPainter diffPainter(ColorMap::RdBu);
            diffPainter.view().setValueRange(-1, 1, QStringLiteral("weight %1 − %2").arg(a.name, b.name));
            diffPainter.draw(p, box.adjusted(0, fb.height() * 2.4 + 4, 0, 0), diff, QStringLiteral("%1 − %2").arg(a.name, b.name), scale);
        }
    }, error);
}

} // namespace attnviz::ui
