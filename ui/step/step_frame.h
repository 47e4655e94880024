#pragma once
// Internal to the step renderer: paints one frame (see step_renderer.h for the public entry point).
// Split out so each file stays small: step_layout (geometry), step_text (words), step_frame (pixels).
#include "core/formats/trace.h"
#include "ui/step/step_layout.h"
#include "ui/step/step_renderer.h"

#include <QColor>
#include <QFont>

#include <array>
#include <functional>

class QPainter;

namespace attnviz::ui {

struct StepFonts {
    explicit StepFonts(const QFont& base);
    QFont normal, bold, small, title, big, label;
};

// The vector shown beside the encoder states: the attention query, or for a model without attention
// the top decoder state. nullptr when the step has neither.
const Vec* stepQuery(const StepTrace& step);

class StepFrame {
public:
    StepFrame(QPainter& p, const Trace& trace, const StepPosition& pos, const StepRenderOptions& opt, const StepLayout& layout);
    void paint();

private:
    struct Palette {
        QColor bg, panel, text, muted, frame, query, queryLight, softmax, context, output;
    };
    using ColorFn = std::function<QColor(double)>;

    // How much of stage k is shown: 1 for past stages, the eased progress for the current one, 0 later.
    double shown(Stage k) const;
    double raw(Stage k) const;  // the same with linear progress (for staggering)
    QColor valueColor(double v) const;   // encoder space (states, alignment, context), the colour map
    QColor queryColor(double v) const;   // the decoder's own colours (orange ramp)
    double weight(int j) const;
    const StepTrace* ghostStep() const;  // the same step of the run before the what-if, or nullptr
    static std::size_t lutIndex(double t);  // t in [0, 1] → 0..255

    void drawVector(const QRectF& rect, const Vec& v, const ColorFn& color, bool numbers, double alpha, const QColor& frame, double frameWidth);
    void drawHeader();
    void drawLegend();
    void drawRowLabels();
    void drawEncoder();
    void drawQuery();
    void drawScores();
    void drawAttentionLines();
    void drawWeights();
    void drawAlignment();
    void drawHighlight();  // the hovered source column (issue 12)
    void drawContext();
    void drawBottleneck();
    void drawDecoder();
    void drawArrow(const QPointF& from, const QPointF& to, const QColor& color, double width, double t);
    void drawCentered(const QRectF& r, const QString& text, const QFont& font, const QColor& color, double alpha = 1.0);
    void drawLargestLabels(const Vec& values, const std::vector<QRectF>& columns, int n, int decimals, double dy, const QColor& color,
                           double minValue, const std::function<double(int)>& alpha);

    QPainter& p_;
    const Trace& tr_;
    const StepPosition pos_;
    const StepRenderOptions& opt_;
    const StepLayout& L_;
    const StepTrace* st_ = nullptr;
    const Vec* query_ = nullptr;
    StepFonts fonts_;
    Palette pal_{};
    int stage_ = 0;
    double lo_ = 0, hi_ = 1, qlo_ = 0, qhi_ = 1;
    int active_ = -1;  // the encoder state being scored (stage 1)
    std::array<QRgb, 256> lut_{}, queryLut_{};
};

} // namespace attnviz::ui
