#include "ui/step/step_frame.h"
#include "ui/views/value_scales.h"
#include "ui/views/token_label.h"
#include "core/model/merge_words.h"

#include "ui/step/step_text.h"

#include <QFontMetricsF>
#include <limits>
#include <QImage>
#include <QLinearGradient>
#include <QPainter>
#include <QPainterPath>
#include <QStringList>

#include <algorithm>
#include <cmath>

namespace attnviz::ui {

namespace {

QFont scaled(const QFont& base, double factor, bool bold = false)
{
    QFont f = base;
    if (base.pointSizeF() > 0)
        f.setPointSizeF(base.pointSizeF() * factor);
    else if (base.pixelSize() > 0)
        f.setPixelSize(std::max(1, static_cast<int>(std::lround(base.pixelSize() * factor))));
    f.setBold(bold);
    return f;
}

QColor mix(const QColor& a, const QColor& b, double t)
{
    t = std::clamp(t, 0.0, 1.0);
    return QColor::fromRgbF(static_cast<float>(a.redF() + (b.redF() - a.redF()) * t), static_cast<float>(a.greenF() + (b.greenF() - a.greenF()) * t),
                            static_cast<float>(a.blueF() + (b.blueF() - a.blueF()) * t));
}

Vec rowOf(const Mat& m, int j)
{
    return j >= 0 && j < m.rows() ? Vec(m.row(j).transpose()) : Vec();
}

// Range of the finite entries of a few matrices/vectors (lo < hi guaranteed).

} // namespace

StepFonts::StepFonts(const QFont& base)
    : normal(base), bold(scaled(base, 1.0, true)), small(scaled(base, 0.86)), title(scaled(base, 1.3, true)), big(scaled(base, 1.9, true)),
      label(scaled(base, 1.25))
{
}

const Vec* stepQuery(const StepTrace& st)
{
    if (!st.attention && !st.decoderStates.empty() && st.decoderStates.back().size() > 0)
        return &st.decoderStates.back();
    return st.query.size() > 0 ? &st.query : nullptr;
}

StepFrame::StepFrame(QPainter& p, const Trace& trace, const StepPosition& pos, const StepRenderOptions& opt, const StepLayout& layout)
    : p_(p), tr_(trace), pos_(pos), opt_(opt), L_(layout), fonts_(opt.font)
{
    if (pos.step >= 0 && pos.step < static_cast<int>(trace.steps.size()))
        st_ = &trace.steps[static_cast<std::size_t>(pos.step)];
    query_ = st_ ? stepQuery(*st_) : nullptr;
    stage_ = static_cast<int>(pos.stage);
    if (opt.darkBackground)
        pal_ = {QColor(0x1e, 0x1f, 0x22), QColor(0x2a, 0x2c, 0x30), QColor(0xe6, 0xe6, 0xe6), QColor(0x9a, 0xa0, 0xa6), QColor(0x44, 0x47, 0x4d),
                QColor(0xff, 0x8a, 0x3d), QColor(0x4a, 0x30, 0x20), QColor(0x4d, 0xab, 0xf7), QColor(0xda, 0x77, 0xf2), QColor(0x69, 0xdb, 0x7c)};
    else
        pal_ = {QColor(0xff, 0xff, 0xff), QColor(0xf6, 0xf8, 0xfa), QColor(0x1f, 0x23, 0x28), QColor(0x6e, 0x77, 0x81), QColor(0xd0, 0xd7, 0xde),
                QColor(0xe8, 0x59, 0x0c), QColor(0xff, 0xf4, 0xe6), QColor(0x1c, 0x7e, 0xd6), QColor(0xae, 0x3e, 0xc9), QColor(0x2b, 0x8a, 0x3e)};
    // Colour scales: encoder space (states, alignment vectors, contexts) and the decoder's own — the same
    // ones the context panel uses (ui/views/value_scales.h).
    const ValueScales scales = valueScales(trace, opt.colorMap);
    lo_ = scales.lo, hi_ = scales.hi, qlo_ = scales.qlo, qhi_ = scales.qhi;
    // 256-entry colour tables: a strip of 50 × 256 values costs lookups, not colour-map interpolations.
    for (std::size_t i = 0; i < lut_.size(); ++i) {
        lut_[i] = colorAt(opt.colorMap, static_cast<double>(i) / 255.0).rgb();
        queryLut_[i] = mix(pal_.queryLight, pal_.query, static_cast<double>(i) / 255.0).rgb();
    }
    if (st_ && st_->attention && stage_ == static_cast<int>(Stage::Score)) {
        const int n = static_cast<int>(st_->attention->scores.size());
        for (int j = 0; j < n && active_ < 0; ++j) {
            const double t = staggered(pos.progress, j, n);
            if (t > 0 && t < 1) active_ = j;
        }
        if (active_ < 0 && pos.progress >= 1 && n > 0)
            st_->attention->scores.maxCoeff(&active_);
    }
}

double StepFrame::raw(Stage k) const
{
    const int s = static_cast<int>(k);
    return stage_ > s ? 1.0 : stage_ == s ? pos_.progress : 0.0;
}

double StepFrame::shown(Stage k) const
{
    return easeInOut(raw(k));
}

QColor StepFrame::valueColor(double v) const
{
    return QColor(lut_[lutIndex((v - lo_) / (hi_ - lo_))]);
}

QColor StepFrame::queryColor(double v) const
{
    return QColor(queryLut_[lutIndex((v - qlo_) / (qhi_ - qlo_))]);
}

std::size_t StepFrame::lutIndex(double t)
{
    if (!(t > 0)) return 0;  // also NaN
    return static_cast<std::size_t>(std::min(t, 1.0) * 255.0 + 0.5);
}

const StepTrace* StepFrame::ghostStep() const
{
    if (!opt_.ghost || pos_.step < 0 || pos_.step >= static_cast<int>(opt_.ghost->steps.size()))
        return nullptr;
    return &opt_.ghost->steps[static_cast<std::size_t>(pos_.step)];
}

double StepFrame::weight(int j) const
{
    if (!st_ || !st_->attention || j < 0 || j >= st_->attention->weights.size()) return 1.0;
    const double w = st_->attention->weights(j);
    return std::isfinite(w) ? std::clamp(w, 0.0, 1.0) : 0.0;
}

void StepFrame::paint()
{
    p_.save();
    p_.setRenderHint(QPainter::Antialiasing, true);
    p_.setRenderHint(QPainter::TextAntialiasing, true);
    if (opt_.fillBackground)
        p_.fillRect(L_.area, pal_.bg);
    if (!st_) {
        drawCentered(L_.area, QStringLiteral("No decoder steps to show."), fonts_.title, pal_.muted);
        p_.restore();
        return;
    }
    drawHeader();
    drawLegend();
    drawRowLabels();
    drawHighlight();
    if (st_->attention)
        drawAttentionLines();  // under everything: the numbers stay readable on top
    drawEncoder();
    drawQuery();
    if (st_->attention) {
        drawScores();
        drawWeights();
        drawContext();
        drawAlignment();
    } else {
        drawBottleneck();
    }
    drawDecoder();
    p_.restore();
}

void StepFrame::drawHighlight()
{
    const int j = opt_.highlightSource;
    if (j < 0 || j >= static_cast<int>(L_.tokenRects.size()))
        return;
    const auto u = static_cast<std::size_t>(j);
    QRectF r = L_.tokenRects[u];
    for (const std::vector<QRectF>* band : {&L_.stateRects, &L_.scoreRects, &L_.weightRects, &L_.alignRects})
        if (u < band->size())
            r = r.united((*band)[u]);
    p_.setPen(QPen(pal_.query, 1.5, Qt::DashLine));
    p_.setBrush(mix(pal_.bg, pal_.query, 0.08));
    p_.drawRoundedRect(r.adjusted(-3, -2, 3, 2), 4, 4);
}

// Columns too narrow for every number: the largest values (at least minValue) are written, `decimals` places, in
// the small font at `dy` below their columns' tops, as long as the labels do not touch (labelsThatFit); every value
// is in the tooltip and the score table.
void StepFrame::drawLargestLabels(const Vec& values, const std::vector<QRectF>& columns, int n, int decimals, double dy,
                                  const QColor& color, double minValue, const std::function<double(int)>& alpha)
{
    n = std::min({n, static_cast<int>(values.size()), static_cast<int>(columns.size())});
    if (n <= 0) return;
    const QFontMetricsF fs(fonts_.small);
    std::vector<double> centers, widths, priority;
    std::vector<QString> texts;
    for (int j = 0; j < n; ++j) {
        texts.push_back(displayNumber(values(j), decimals));
        centers.push_back(columns[static_cast<std::size_t>(j)].center().x());
        widths.push_back(fs.horizontalAdvance(texts.back()) + 2);
        priority.push_back(values(j) >= minValue ? values(j) : std::nan(""));
    }
    for (int j : labelsThatFit(centers, widths, priority, 4, 8)) {
        const auto u = static_cast<std::size_t>(j);
        drawCentered(QRectF(centers[u] - widths[u] / 2, columns[u].top() + dy, widths[u], fs.height()), texts[u], fonts_.small, color, alpha(j));
    }
}

void StepFrame::drawCentered(const QRectF& r, const QString& text, const QFont& font, const QColor& color, double alpha)
{
    if (alpha <= 0.0) return;
    p_.setOpacity(alpha);
    p_.setFont(font);
    p_.setPen(color);
    p_.drawText(r, Qt::AlignCenter, text);
    p_.setOpacity(1.0);
}

void StepFrame::drawVector(const QRectF& rect, const Vec& v, const ColorFn& color, bool numbers, double alpha, const QColor& frame, double frameWidth)
{
    if (alpha <= 0.0 || rect.width() <= 0 || rect.height() <= 0) return;
    const int count = static_cast<int>(v.size());
    p_.setOpacity(alpha);
    if (count > 0 && numbers) {
        const QFont& font = rect.height() / count >= QFontMetricsF(fonts_.normal).height() * 1.6 ? fonts_.normal : fonts_.small;
        const QFontMetricsF fm(font);
        p_.setFont(font);
        // A faded vector (an alignment vector with a small weight) is blended with the background by hand,
        // so its numbers can be drawn opaque in the colour that contrasts with what is really on screen.
        p_.setOpacity(1.0);
        auto blend = [&](const QColor& c) { return mix(pal_.bg, c, alpha); };
        for (int i = 0; i < count; ++i) {
            const QRectF r = cellRect(rect, count, i);
            const QColor c = blend(color(v(i)));
            p_.fillRect(r.adjusted(0, 0.5, 0, -0.5), c);
            const QString text = displayNumber(v(i), 2);
            if (fm.horizontalAdvance(text) + 2 > r.width())
                continue;  // a narrowed column: colour only, the value is in the tooltip
            p_.setPen(textColorOn(c));
            p_.drawText(r, Qt::AlignCenter, text);
        }
    } else if (count > 0) {
        // Colour strip, built at its size in pixels and drawn unscaled: Qt's scaled image drawing goes
        // through its thread pool and cost more than the rest of the frame (n = 50, d = 256). Each pixel
        // row shows the component it falls on; the exact values are in the tooltip.
        const int w = std::max(1, static_cast<int>(std::lround(rect.width())));
        const int h = std::max(1, static_cast<int>(std::lround(rect.height())));
        QImage img(w, h, QImage::Format_RGB32);
        for (int y = 0; y < h; ++y) {
            const int i = std::min(count - 1, static_cast<int>(static_cast<long long>(y) * count / h));
            const QRgb c = color(v(i)).rgb();
            auto* line = reinterpret_cast<QRgb*>(img.scanLine(y));
            std::fill(line, line + w, c);
        }
        p_.drawImage(QPointF(std::round(rect.left()), std::round(rect.top())), img);
    }
    if (frameWidth > 0) {
        // The outline of a faded vector is drawn opaque in its colour blended with the background: a
        // translucent pen costs ten times an opaque one in Qt's raster engine (n = 50: 2 ms a frame).
        p_.setOpacity(1.0);
        p_.setPen(QPen(alpha < 1.0 ? mix(pal_.bg, frame, alpha) : frame, frameWidth));
        p_.setBrush(Qt::NoBrush);
        p_.drawRect(rect);
    }
    p_.setOpacity(1.0);
}

void StepFrame::drawArrow(const QPointF& from, const QPointF& to, const QColor& color, double width, double t)
{
    if (t <= 0.0) return;
    const QPointF end = from + (to - from) * std::clamp(t, 0.0, 1.0);
    p_.setPen(QPen(color, width, Qt::SolidLine, Qt::RoundCap));
    p_.drawLine(from, end);
    const QPointF d = end - from;
    const double len = std::hypot(d.x(), d.y());
    if (len < 1) return;
    const QPointF u = d / len, nrm(-u.y(), u.x());
    const double s = 5 + width * 1.5;
    QPainterPath head;
    head.moveTo(end);
    head.lineTo(end - u * s + nrm * s * 0.6);
    head.lineTo(end - u * s - nrm * s * 0.6);
    head.closeSubpath();
    p_.fillPath(head, color);
}

void StepFrame::drawHeader()
{
    const QRectF& h = L_.header;
    const QFontMetricsF ft(fonts_.title), fn(fonts_.normal), fs(fonts_.small);
    // Colour scale of the encoder-space values, top right.
    const double barW = std::min(140.0, h.width() * 0.18);
    const QRectF bar(h.right() - barW, h.top() + fs.height() + 2, barW, 9);
    QLinearGradient grad(bar.topLeft(), bar.topRight());
    for (const auto& stop : colorStops(opt_.colorMap, 9))
        grad.setColorAt(stop.first, stop.second);
    p_.fillRect(bar, grad);
    p_.setFont(fonts_.small);
    p_.setPen(pal_.muted);
    p_.drawText(QRectF(bar.left() - 60, h.top(), barW + 60, fs.height()), Qt::AlignRight | Qt::AlignVCenter, QStringLiteral("value scale"));
    p_.drawText(QRectF(bar.left(), bar.bottom() + 1, barW, fs.height()), Qt::AlignLeft | Qt::AlignTop, displayNumber(lo_, 2));
    p_.drawText(QRectF(bar.left(), bar.bottom() + 1, barW, fs.height()), Qt::AlignRight | Qt::AlignTop, displayNumber(hi_, 2));

    QString title = QString::fromStdString(tr_.title);
    if (title.isEmpty()) {  // a model's trace: the sentence it translated
        title = tr_.sourceTokens.empty() ? QStringLiteral("AttnViz")
                                         : QString::fromUtf8("“") + QString::fromStdString(tokensText(tr_.sourceTokens)) + QString::fromUtf8("”");
    }
    if (!tr_.architecture.empty())
        title += QStringLiteral(" — ") + architectureLabel(tr_.architecture);
    p_.setFont(fonts_.title);
    p_.setPen(pal_.text);
    const double titleW = h.width() - barW - 24;
    p_.drawText(QRectF(h.left(), h.top(), titleW, ft.height()), Qt::AlignLeft | Qt::AlignVCenter, ft.elidedText(title, Qt::ElideRight, titleW));

    // Second line: step t of T, the score function, the output so far (current token once fed).
    double x = h.left();
    const double y = h.top() + ft.height() + 4;
    auto put = [&](const QString& s, const QFont& f, const QColor& c) {
        const QFontMetricsF fm(f);
        if (x + fm.horizontalAdvance(s) > h.left() + titleW) return;
        p_.setFont(f);
        p_.setPen(c);
        p_.drawText(QPointF(x, y + fn.ascent()), s);
        x += fm.horizontalAdvance(s);
    };
    const int T = static_cast<int>(tr_.steps.size());
    put(QStringLiteral("step ") + QString::number(pos_.step + 1) + QStringLiteral(" of ") + QString::number(T), fonts_.bold, pal_.text);
    if (st_->attention && !tr_.score.empty())
        put(QString::fromUtf8("   score: ") + scoreCaption(tr_), fonts_.normal, pal_.muted);
    put(QStringLiteral("   output: "), fonts_.normal, pal_.muted);
    // the words so far, pieces joined back into text (SentencePiece) as the plain output writes them
    Tokens said;
    for (int k = 0; k < pos_.step && k < static_cast<int>(tr_.steps.size()); ++k)
        said.push_back(tr_.steps[static_cast<std::size_t>(k)].token);
    if (!said.empty())
        put(QString::fromStdString(tokensText(said)) + QLatin1Char(' '), fonts_.normal, pal_.text);
    const bool revealed = stage_ == static_cast<int>(Stage::Feed) && pos_.progress > 0.45;
    const QString cur = st_->token.empty() ? QStringLiteral("y_") + QString::number(pos_.step + 1) : tokenLabel(st_->token);
    put(revealed ? cur : QStringLiteral("?"), fonts_.bold, revealed ? pal_.output : pal_.muted);
}

void StepFrame::drawLegend()
{
    const QRectF& g = L_.legend;
    p_.setPen(QPen(pal_.frame, 1));
    p_.drawLine(QPointF(g.left(), g.top() + 0.5), QPointF(g.right(), g.top() + 0.5));
    // Stage pills on the right: past filled light, current filled dark, future outlined.
    const QFontMetricsF fs(fonts_.small);
    const double pill = fs.height() + 4, gap = 4;
    const double pillsW = kStageCount * (pill + gap);
    for (int k = 0; k < kStageCount; ++k) {
        const QRectF r(g.right() - pillsW + k * (pill + gap) + gap, g.center().y() - pill / 2 + 2, pill, pill);
        const bool cur = k == stage_;
        p_.setPen(QPen(cur ? pal_.text : pal_.frame, 1));
        p_.setBrush(cur ? pal_.text : k < stage_ ? pal_.frame : Qt::transparent);
        p_.drawRoundedRect(r, 4, 4);
        p_.setFont(fonts_.small);
        p_.setPen(cur ? pal_.bg : pal_.muted);
        p_.drawText(r, Qt::AlignCenter, QString::number(k));
    }
    p_.setBrush(Qt::NoBrush);
    const QFontMetricsF fn(fonts_.normal);
    const double w = g.width() - pillsW - 16;
    const QString text = stageLegend(tr_, pos_.step, pos_.stage);
    p_.setFont(fonts_.normal);
    p_.setPen(pal_.text);
    p_.drawText(QRectF(g.left(), g.top() + 2, w, g.height()), Qt::AlignLeft | Qt::AlignVCenter, fn.elidedText(text, Qt::ElideRight, w));
}

void StepFrame::drawRowLabels()
{
    const QRectF& r = L_.rowLabels;
    auto label = [&](const QRectF& band, const QString& s, double alpha) {
        if (band.height() > 0)
            drawCentered(QRectF(r.left(), band.top(), r.width() - 6, std::max(band.height(), 16.0)), s, fonts_.label, pal_.muted, alpha);
    };
    label(L_.stateBand.adjusted(0, 0, 0, -(L_.stateBand.height() - (L_.stateRects.empty() ? 0 : L_.stateRects[0].height()))),
          stateLetter(tr_, static_cast<Stage>(stage_)) + QString::fromUtf8("ⱼ"), 1);
    if (!st_->attention) return;
    label(L_.scoreBand, QString::fromUtf8("eⱼ"), shown(Stage::Score));
    label(QRectF(L_.weightBand.left(), L_.weightBand.top(), 1, L_.barHeight), QString::fromUtf8("aⱼ"), shown(Stage::Softmax));
    label(L_.alignBand, showsHeadKeys(tr_) ? QString::fromUtf8("aⱼVⱼ") : QString::fromUtf8("vⱼ"), shown(Stage::Align));
}

void StepFrame::drawEncoder()
{
    const int n = L_.n;
    const Mat& H = statesShown(tr_, static_cast<Stage>(stage_));  // one head: its keys, then its values
    const QString letter = stateLetter(tr_, static_cast<Stage>(stage_));
    const double appear = raw(Stage::Prepare);
    const QFontMetricsF fn(fonts_.normal);
    for (int j = 0; j < n; ++j) {
        const auto u = static_cast<std::size_t>(j);
        const double a = easeInOut(staggered(appear, j, n, 0.5));
        if (a <= 0) continue;
        double alpha = a;
        if (!st_->attention && j + 1 < n)
            alpha *= 1.0 - 0.5 * shown(Stage::Score);  // no attention: only h_n reaches the decoder
        const double dy = (1 - a) * 12;
        // Token label (and the state's name) above the column.
        const QRectF tr = L_.tokenRects[u].translated(0, dy);
        const QString tok = sourceLabel(tr_, j);
        p_.setOpacity(alpha);
        p_.setPen(pal_.text);
        p_.setFont(fonts_.normal);
        if (L_.rotatedTokens) {
            p_.save();
            p_.translate(tr.center().x() + fn.ascent() / 2 - fn.descent(), tr.bottom() - 2);
            p_.rotate(-90);
            p_.drawText(QPointF(0, 0), fn.elidedText(tok, Qt::ElideRight, tr.height() - 4));
            p_.restore();
        } else {
            p_.drawText(QRectF(tr.left(), tr.top(), tr.width(), fn.height()), Qt::AlignCenter, fn.elidedText(tok, Qt::ElideRight, tr.width() - 2));
            p_.setFont(fonts_.small);
            p_.setPen(pal_.muted);
            p_.drawText(QRectF(tr.left(), tr.top() + fn.height(), tr.width(), tr.height() - fn.height()), Qt::AlignHCenter | Qt::AlignTop,
                        letter + subscript(j + 1));
        }
        p_.setOpacity(1.0);
        const QRectF col = L_.stateRects[u].translated(0, dy);
        const bool hot = (j == active_) || (!st_->attention && j + 1 == n && stage_ >= 1);
        if (H.rows() > j) {
            drawVector(col, rowOf(H, j), [this](double v) { return valueColor(v); }, L_.numbersInCells, alpha, hot ? pal_.query : pal_.frame, hot ? 2.5 : 1);
        } else {
            p_.setOpacity(alpha);
            p_.setPen(QPen(pal_.frame, 1));
            p_.setBrush(pal_.panel);
            p_.drawRoundedRect(col, 4, 4);
            p_.setBrush(Qt::NoBrush);
            p_.setOpacity(1.0);
            drawCentered(col, letter + subscript(j + 1), fonts_.small, pal_.muted, alpha);
        }
    }
}

void StepFrame::drawQuery()
{
    const double a = easeInOut(std::clamp((raw(Stage::Prepare) - 0.35) / 0.65, 0.0, 1.0));
    if (a <= 0) return;
    const QRectF& lab = L_.queryLabel;
    const QFontMetricsF fn(fonts_.normal);
    p_.setOpacity(a);
    p_.setFont(fonts_.bold);
    p_.setPen(pal_.query);
    p_.drawText(QRectF(lab.left(), lab.top(), lab.width(), fn.height()), Qt::AlignCenter, queryTitle(tr_));
    p_.setFont(fonts_.small);
    p_.setPen(pal_.muted);
    p_.drawText(QRectF(lab.left(), lab.top() + fn.height(), lab.width(), lab.height() - fn.height()), Qt::AlignHCenter | Qt::AlignTop, querySubtitle(tr_));
    p_.setOpacity(1.0);
    if (query_) {
        drawVector(L_.queryRect, *query_, [this](double v) { return queryColor(v); }, L_.numbersInCells, a, pal_.query, 2);
    } else {
        p_.setOpacity(a);
        p_.setPen(QPen(pal_.query, 2));
        p_.drawRoundedRect(L_.queryRect, 4, 4);
        p_.setOpacity(1.0);
        drawCentered(L_.queryRect, QStringLiteral("s"), fonts_.normal, pal_.query, a);
    }
}

void StepFrame::drawScores()
{
    if (stage_ < static_cast<int>(Stage::Score)) return;
    const AttentionResult& at = *st_->attention;
    const int n = std::min(L_.n, static_cast<int>(at.scores.size()));
    const QFontMetricsF fn(fonts_.bold), fs(fonts_.small);
    if (at.scores.size() == 0 && L_.n > 0 && !L_.scoreRects.empty()) {  // precomputed weights (issue 13)
        const QRectF band = L_.scoreRects.front().united(L_.scoreRects[static_cast<std::size_t>(L_.n - 1)]);
        drawCentered(QRectF(band.left(), band.top(), band.width(), fn.height()),
                     st_->multiHead ? QString::fromUtf8("no scores eⱼ: the largest weight any head gives each position (not a softmax)")
                                    : QString::fromUtf8("scores eⱼ not in this file — the weights below were computed elsewhere"),
                     fonts_.small, pal_.muted, 1.0);
        return;
    }
    const double dim = 1.0 - 0.35 * shown(Stage::Softmax);
    const Mat& keys = statesShown(tr_, Stage::Score);  // what the query is compared with: hⱼ, or one head's Kⱼ
    double smin = at.scores.size() ? at.scores.minCoeff() : 0, smax = at.scores.size() ? at.scores.maxCoeff() : 1;
    if (!(smax - smin > 1e-12)) smin -= 0.5, smax += 0.5;
    // Numbers when every one fits its column, else colour chips throughout (a lone short "9" among chips reads
    // as a label of something else).
    bool numbers = true;
    for (int j = 0; j < n && numbers; ++j)
        numbers = fn.horizontalAdvance(displayNumber(at.scores(j), 2)) + 4 <= L_.scoreRects[static_cast<std::size_t>(j)].width();
    for (int j = 0; j < n; ++j) {
        const auto u = static_cast<std::size_t>(j);
        const double a = easeInOut(stage_ > 1 ? 1.0 : staggered(pos_.progress, j, n));
        if (a <= 0) continue;
        const QRectF r = L_.scoreRects[u].translated(0, -(1 - a) * 10);
        const QString value = displayNumber(at.scores(j), 2);
        if (numbers) {
            drawCentered(QRectF(r.left(), r.top(), r.width(), fn.height()), value, fonts_.bold, j == active_ ? pal_.query : pal_.text, a * dim);
        } else {
            // Too narrow for a number: a colour chip on the scores' own scale (value in the tooltip).
            const QRectF chip(r.center().x() - r.width() * 0.35, r.top() + 2, std::max(1.0, r.width() * 0.7), fn.height() - 4);
            p_.setOpacity(a * dim);
            p_.fillRect(chip, colorAt(opt_.colorMap, (at.scores(j) - smin) / (smax - smin)));
            p_.setOpacity(1.0);
        }
        if (L_.arithmeticInColumns && j < keys.rows())
            drawCentered(QRectF(r.left(), r.top() + fn.height(), r.width(), fs.height()),
                         scoreArithmetic(scoreShown(tr_), st_->query, rowOf(keys, j), at.scores(j), j), fonts_.small, pal_.muted, a * dim);
    }
    // Chips instead of numbers (a long sentence): once scoring is done, the largest scores are written under
    // their chips as long as the labels do not touch (all of them are in the tooltip and the score table).
    if (!numbers && !L_.arithmeticInColumns && stage_ >= static_cast<int>(Stage::Softmax))
        drawLargestLabels(at.scores, L_.scoreRects, n, 2, fn.height(), pal_.text, -std::numeric_limits<double>::infinity(),
                          [dim](int) { return dim; });
    // Arithmetic that does not fit under its column: one callout for the state being scored.
    if (!L_.arithmeticInColumns && stage_ == 1 && active_ >= 0 && active_ < n && active_ < keys.rows()) {
        const QString s = scoreArithmetic(scoreShown(tr_), st_->query, rowOf(keys, active_), at.scores(active_), active_);
        const double w = fs.horizontalAdvance(s) + 16, h = fs.height() + 8;
        const QRectF col = L_.scoreRects[static_cast<std::size_t>(active_)];
        double x = col.center().x() - w / 2;
        x = std::clamp(x, L_.content.left(), std::max(L_.content.left(), L_.content.right() - w));
        const QRectF box(x, col.top() + fn.height() + 4, w, h);
        const double a = easeInOut(staggered(pos_.progress, active_, n));
        p_.setOpacity(std::max(a, pos_.progress >= 1 ? 1.0 : 0.0));
        p_.setPen(QPen(pal_.query, 1.5));
        p_.setBrush(pal_.bg);
        p_.drawRoundedRect(box, 5, 5);
        p_.setBrush(Qt::NoBrush);
        p_.setFont(fonts_.small);
        p_.setPen(pal_.text);
        p_.drawText(box, Qt::AlignCenter, s);
        p_.setOpacity(1.0);
    }
}

// From the softmax on, a line from the query to each source state, its width and opacity a_j — the picture
// bertviz made familiar: where the decoder looks, at a glance.
void StepFrame::drawAttentionLines()
{
    if (stage_ < static_cast<int>(Stage::Softmax)) return;
    const AttentionResult& at = *st_->attention;
    const int n = std::min(L_.n, static_cast<int>(at.weights.size()));
    const double grow = stage_ > 2 ? 1.0 : easeInOut(pos_.progress);
    const QPointF from(L_.queryRect.left(), L_.queryRect.bottom());
    p_.save();
    for (int j = 0; j < n; ++j) {
        const double w = weight(j);
        if (w < 0.005) continue;
        const QRectF& r = L_.weightRects[static_cast<std::size_t>(j)];
        const QPointF to(r.center().x(), L_.weightBand.top() - 2);
        QColor c = pal_.softmax;
        c.setAlphaF(std::clamp(0.10 + 0.55 * w, 0.0, 1.0) * grow);
        // Width 1 + 7a: a line under 1.5 px is drawn with a cosmetic one-pixel pen, which Qt draws directly;
        // a wider pen is stroked into a path and filled, about 0.25 ms a line (at n = 50 with flat weights
        // that was most of a frame; issue 12's frame budget).
        const double width = 1.0 + 7.0 * w;
        QPen pen(c, width < 1.5 ? 1.0 : width, Qt::SolidLine, Qt::RoundCap);
        pen.setCosmetic(width < 1.5);
        p_.setPen(pen);
        p_.drawLine(from, from + (to - from) * grow);
    }
    p_.restore();
}

void StepFrame::drawWeights()
{
    if (stage_ < static_cast<int>(Stage::Softmax)) return;
    const AttentionResult& at = *st_->attention;
    const int n = std::min(L_.n, static_cast<int>(at.weights.size()));
    const QFontMetricsF fs(fonts_.small);
    const double baseY = L_.weightBand.top() + L_.barHeight;
    const AttentionResult* ghost = nullptr;
    if (const StepTrace* g = ghostStep(); g && g->attention && g->attention->weights.size() == at.weights.size() && (g->attention->weights - at.weights).cwiseAbs().maxCoeff() > 1e-9)
        ghost = &*g->attention;
    if (st_->overridden)
        drawCentered(QRectF(L_.weightBand.left(), L_.weightBand.top() - fs.height(), L_.weightBand.width(), fs.height()),
                     QString::fromUtf8("weights set by hand (what-if) — the scores are still the model's"), fonts_.small, pal_.softmax);
    for (int j = 0; j < n; ++j) {
        const auto u = static_cast<std::size_t>(j);
        const double a = easeInOut(stage_ > 2 ? 1.0 : staggered(pos_.progress, j, n, 0.6));
        const QRectF& r = L_.weightRects[u];
        const double bw = std::max(1.0, std::min(r.width() * 0.7, 56.0));
        const QRectF track(r.center().x() - bw / 2, L_.weightBand.top(), bw, L_.barHeight);
        p_.fillRect(track, pal_.panel);
        const double h = L_.barHeight * weight(j) * a;
        p_.fillRect(QRectF(track.left(), baseY - h, bw, h), pal_.softmax);
        if (ghost && ghost->weights.size() == at.weights.size()) {  // the weight before the what-if, dashed
            const double gh = L_.barHeight * std::clamp(ghost->weights(j), 0.0, 1.0) * a;
            p_.setPen(QPen(pal_.text, 1.2, Qt::DashLine));
            p_.setBrush(Qt::NoBrush);
            p_.drawRect(QRectF(track.left() - 1.5, baseY - gh, bw + 3, gh));
        }
        if (L_.weightNumbers)
            drawCentered(QRectF(r.left(), baseY + 2, r.width(), fs.height()), displayNumber(at.weights(j), 3), fonts_.small, pal_.softmax, a);
    }
    if (!L_.weightNumbers)  // too narrow for every number (a long sentence): the largest weights
        drawLargestLabels(at.weights, L_.weightRects, n, 3, baseY + 2 - L_.weightRects.front().top(), pal_.softmax, 0.01,
                          [this, n](int j) { return easeInOut(stage_ > 2 ? 1.0 : staggered(pos_.progress, j, n, 0.6)); });
    p_.setPen(QPen(pal_.frame, 1));
    if (n > 0)
        p_.drawLine(QPointF(L_.weightRects.front().left(), baseY), QPointF(L_.weightRects[static_cast<std::size_t>(n - 1)].right(), baseY));
}

void StepFrame::drawAlignment()
{
    if (stage_ < static_cast<int>(Stage::Align)) return;
    const AttentionResult& at = *st_->attention;
    const Mat& H = tr_.encoderStates;
    const int n = std::min(L_.n, static_cast<int>(H.rows()));
    const bool haveV = at.alignment.rows() == H.rows() && at.alignment.cols() == H.cols();
    p_.setFont(fonts_.small);
    p_.setPen(pal_.muted);
    p_.setOpacity(shown(Stage::Align));
    if (at.alignment.rows() == 0) {
        // One transformer head (its value vectors Vⱼ are not in a trace), or precomputed weights alone (issue 13).
        p_.drawText(L_.alignLabelBand, Qt::AlignLeft | Qt::AlignVCenter,
                    at.context.size() > 0 ? QString::fromUtf8("this head's value vectors Vⱼ are not in the trace: its output Σ aⱼVⱼ is the context")
                    : st_->multiHead      ? QString::fromUtf8("no alignment vectors: the max over heads is not a distribution to weight the states with")
                                          : QString::fromUtf8("no alignment vectors: the file holds the weights only"));
        p_.setOpacity(1.0);
        return;
    }
    p_.drawText(L_.alignLabelBand, Qt::AlignLeft | Qt::AlignVCenter,
                showsHeadKeys(tr_) ? QString::fromUtf8("this head's values, weighted: aⱼ · Vⱼ") : QString::fromUtf8("alignment vectors vⱼ = aⱼ · hⱼ"));
    p_.setOpacity(1.0);
    const double gather = stage_ == static_cast<int>(Stage::Context) ? shown(Stage::Context) : 0.0;
    const QFontMetricsF fs(fonts_.small);
    for (int j = 0; j < n; ++j) {
        const auto u = static_cast<std::size_t>(j);
        const double t = easeInOut(stage_ > 3 ? 1.0 : staggered(pos_.progress, j, n, 0.5));
        if (t <= 0) continue;
        const Vec h = rowOf(H, j);
        const Vec v = haveV ? rowOf(at.alignment, j) : h;
        // Scaling h_j → v_j: the column travels down into place, narrows and fades by a_j.
        const Vec shownV = h + (v - h) * t;  // display interpolation between two engine results
        const QRectF rest = L_.alignRects[u];
        const double restAlpha = 0.35 + 0.65 * weight(j);
        const double alpha = lerp(1.0, restAlpha, t) * (stage_ >= 4 ? 1.0 - 0.55 * shown(Stage::Context) : 1.0);
        const QRectF r = lerpRect(L_.stateRects[u], rest, t);
        const bool numbers = L_.numbersInCells && haveV && (t >= 0.999 || t < 0.02);
        drawVector(r, shownV, [this](double x) { return valueColor(x); }, numbers, alpha, pal_.frame, 1);
        if (stage_ == 3 && t > 0 && t < 1 && L_.weightNumbers)
            drawCentered(QRectF(r.right() + 2, r.top(), 60, fs.height()), QString::fromUtf8("× ") + displayNumber(weight(j), 3), fonts_.small, pal_.softmax, 1 - std::fabs(2 * t - 1));
        // Stage 4: a copy slides into the context column and fades as it is summed.
        if (gather > 0 && gather < 1)
            drawVector(lerpRect(rest, L_.contextRect, gather), v, [this](double x) { return valueColor(x); }, false,
                       (0.15 + 0.85 * weight(j)) * (1 - gather * 0.8), pal_.context, 1);
    }
}

void StepFrame::drawContext()
{
    const AttentionResult& at = *st_->attention;
    const double a = stage_ > 4 ? 1.0 : stage_ == 4 ? easeInOut(std::clamp((pos_.progress - 0.35) / 0.65, 0.0, 1.0)) : 0.0;
    const QRectF& lab = L_.contextLabel;
    const QFontMetricsF fn(fonts_.bold);
    if (a < 1) {
        // Where the context will appear: a dashed outline from the start.
        p_.setPen(QPen(pal_.frame, 1.2, Qt::DashLine));
        p_.setBrush(Qt::NoBrush);
        p_.drawRect(L_.contextRect);
    }
    const QString sum = at.alignment.rows() > 0 ? QString::fromUtf8("context c = Σ vⱼ") : QString::fromUtf8("context c = Σ aⱼVⱼ");
    drawCentered(lab, a > 0 ? sum : QStringLiteral("context c"), fonts_.bold, mix(pal_.muted, pal_.context, a));
    if (a <= 0) return;
    drawVector(L_.contextRect, at.context, [this](double v) { return valueColor(v); }, L_.numbersInCells && at.context.size() == L_.dk, a, pal_.context, 2);
}

void StepFrame::drawBottleneck()
{
    const double t = shown(Stage::Score);
    if (t > 0 && !L_.stateRects.empty()) {
        const QRectF& last = L_.stateRects.back();
        const QPointF from(last.right() + 3, last.center().y());
        const QPointF to(L_.queryRect.left() - 4, L_.queryRect.center().y());
        drawArrow(from, QPointF(to.x(), from.y()), pal_.query, 2.5, t);
        p_.setFont(fonts_.small);
        p_.setPen(pal_.query);
        p_.setOpacity(t);
        // On one line above the arrow when the gap allows, else on two (a wide line would run under the last state).
        const double gap = to.x() - from.x();
        const bool oneLine = QFontMetricsF(fonts_.small).horizontalAdvance(QStringLiteral("final state")) <= gap;
        const double h = oneLine ? 18.0 : 32.0;
        p_.drawText(QRectF(from.x(), from.y() - h - 2, gap, h), Qt::AlignHCenter | Qt::AlignBottom,
                    oneLine ? QStringLiteral("final state") : QStringLiteral("final\nstate"));
        p_.setOpacity(1.0);
    }
    const int n = L_.n;
    const QString msg = QString::fromUtf8("No attention: the whole source reaches the decoder only through the final encoder state h") + subscript(n)
        + QString::fromUtf8(" — the bottleneck.");
    p_.setOpacity(t);
    p_.setFont(fonts_.normal);
    p_.setPen(pal_.muted);
    p_.drawText(L_.scoreBand, Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap, msg);
    p_.setOpacity(1.0);
}

void StepFrame::drawDecoder()
{
    const QRectF& d = L_.decoderRect;
    const double feed = shown(Stage::Feed);
    p_.setPen(QPen(mix(pal_.frame, pal_.output, feed), 1 + feed));
    p_.setBrush(pal_.panel);
    p_.drawRoundedRect(d, 8, 8);
    p_.setBrush(Qt::NoBrush);
    const QFontMetricsF fb(fonts_.bold), fs(fonts_.small), fg(fonts_.big), fn(fonts_.normal);
    const QRectF in = d.adjusted(12, 8, -12, -8);
    double y = in.top();
    auto line = [&](const QString& s, const QFont& f, const QColor& c, double h, double alpha = 1.0) {
        if (y + h > in.bottom() + 1) return false;
        drawCentered(QRectF(in.left(), y, in.width(), h), QFontMetricsF(f).elidedText(s, Qt::ElideRight, in.width()), f, c, alpha);
        y += h;
        return true;
    };
    line(QStringLiteral("decoder"), fonts_.bold, pal_.text, fb.height());
    line(architectureLabel(tr_.architecture), fonts_.small, pal_.muted, fs.height());
    line(QStringLiteral("input: ") + previousToken(tr_, pos_.step), fonts_.small, pal_.muted, fs.height() + 6);
    p_.setPen(QPen(pal_.frame, 1));
    p_.drawLine(QPointF(in.left(), y), QPointF(in.right(), y));
    y += 8;
    // The output appears once the context has arrived; its block sits in the middle of the room left.
    const double r = stage_ == 5 ? easeInOut(std::clamp((pos_.progress - 0.45) / 0.55, 0.0, 1.0)) : 0.0;
    const double topK = static_cast<double>(std::min<std::size_t>(st_->topK.size(), 5));
    const double block = fs.height() + fg.height() + (st_->prob ? fs.height() : 0.0) + (topK > 0 ? 4 + topK * (fs.height() + 2) : 0.0);
    y += std::max(0.0, (in.bottom() - y - block) / 2);
    const bool forced = st_->forcedAgainstModel();
    line(forced ? QStringLiteral("output (forced)") : QStringLiteral("output"), fonts_.small, forced ? pal_.output : pal_.muted, fs.height());
    const QString tok = st_->token.empty() ? QStringLiteral("?") : tokenLabel(st_->token);
    QFont big = fonts_.big;  // issue 12: the output word is never elided; a long one gets a smaller size
    for (int i = 0; i < 12 && QFontMetricsF(big).horizontalAdvance(tok) > in.width() && big.pointSizeF() > fonts_.small.pointSizeF(); ++i)
        big.setPointSizeF(big.pointSizeF() * 0.9);
    line(r > 0 ? tok : QStringLiteral("·"), big, r > 0 ? pal_.output : pal_.frame, fg.height(), r > 0 ? r : 1.0);
    if (st_->prob && r > 0)
        line(QStringLiteral("p = ") + displayNumber(*st_->prob, 3), fonts_.small, pal_.text, fs.height(), r);
    if (const StepTrace* g = ghostStep(); g && r > 0 && (g->token != st_->token || st_->overridden || forced))
        line(QStringLiteral("before: ") + tokenLabel(g->token) + (g->prob ? QStringLiteral(" (") + displayNumber(*g->prob, 2) + QLatin1Char(')') : QString()),
             fonts_.small, pal_.muted, fs.height(), r);
    if (!st_->topK.empty() && r > 0) {
        y += 4;
        const double rowH = fs.height() + 2;
        p_.setFont(fonts_.small);
        double labels = 0;  // the token column fits the longest label (the layout gave the box room for it)
        for (std::size_t k = 0; k < st_->topK.size() && k < 5; ++k)
            labels = std::max(labels, fs.horizontalAdvance(tokenLabel(st_->topK[k].token)));
        const double tw = std::clamp(labels + 6, in.width() * 0.3, std::max(in.width() * 0.3, in.width() - 64));
        for (std::size_t k = 0; k < st_->topK.size() && y + rowH <= in.bottom(); ++k) {
            const TokenProb& tp = st_->topK[k];
            p_.setOpacity(r);
            p_.setPen(pal_.text);
            p_.drawText(QRectF(in.left(), y, tw - 4, rowH), Qt::AlignRight | Qt::AlignVCenter,
                        fs.elidedText(tokenLabel(tp.token), Qt::ElideRight, tw - 4));
            const double bw = (in.width() - tw - 40) * std::clamp(tp.prob, 0.0, 1.0) * r;
            p_.fillRect(QRectF(in.left() + tw, y + 3, std::max(1.0, bw), rowH - 6), k == 0 ? pal_.output : pal_.frame);
            p_.setPen(pal_.muted);
            p_.drawText(QRectF(in.left() + tw + bw + 4, y, 40, rowH), Qt::AlignLeft | Qt::AlignVCenter, displayNumber(tp.prob, 2));
            p_.setOpacity(1.0);
            y += rowH;
        }
    }
    // Arrows into the decoder: the query's link (always, faint) and the context (stage 5, moving).
    const QPointF qFrom(L_.queryRect.right() + 3, L_.queryRect.center().y());
    auto inside = [&d](double y0) { return std::clamp(y0, d.top() + 10, d.bottom() - 10); };
    if (st_->attention) {
        p_.setOpacity(std::clamp((raw(Stage::Prepare) - 0.35) / 0.65, 0.0, 1.0));
        p_.setPen(QPen(pal_.query, 1.2, Qt::DashLine));
        p_.drawLine(qFrom, QPointF(d.left() - 2, inside(qFrom.y())));
        p_.setOpacity(1.0);
        if (stage_ == 5) {
            const QPointF from(L_.contextRect.right() + 3, L_.contextRect.center().y()), to(d.left() - 2, inside(L_.contextRect.center().y()));
            drawArrow(from, to, pal_.context, 2.5, feed);
            if (feed > 0 && feed < 1) {
                p_.setPen(Qt::NoPen);
                p_.setBrush(pal_.context);
                p_.drawEllipse(from + (to - from) * feed, 5, 5);
                p_.setBrush(Qt::NoBrush);
            }
        }
    } else {
        drawArrow(qFrom, QPointF(d.left() - 2, inside(qFrom.y())), pal_.query, 2, 1.0);
    }
}

} // namespace attnviz::ui
