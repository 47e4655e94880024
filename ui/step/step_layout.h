#pragma once
// View maths of the step view in plain structs: where every column, cell and band of the attention
// step sits, when numbers give way to colour strips, which cell is under a point, and the easing of
// the animation. No painting and no font access here, so it is testable without a display.
#include <QPointF>
#include <QRectF>

#include <vector>

namespace attnviz::ui {

// What the layout needs to know about the content and the fonts (measured by the caller).
struct StepLayoutInput {
    QRectF area;                  // the whole canvas
    int n = 0;                    // encoder states (source positions)
    int dk = 0;                   // encoder state size; 0 when the trace carries no encoder states
    int dq = 0;                   // query (attention) or decoder state (no attention) size; 0 when unknown
    bool hasAttention = true;     // false for seq2seq (no scores, weights, context)
    std::vector<double> weights;  // a_j of the current step (n) or empty: alignment columns shrink by them
    double lineHeight = 16;       // normal text line
    double smallLineHeight = 14;  // cell numbers, captions
    double titleLineHeight = 22;  // the title line
    double numberWidth = 36;      // widest number written in a cell (small font)
    double weightNumberWidth = 40;  // widest softmax weight label ("0.998")
    double tokenWidth = 40;       // widest source token (normal font)
    double decoderHeight = 200;   // what the decoder box needs (title, input, output token, top-k)
    double decoderWidth = 0;      // what it needs across: the widest output token (big font) or top-k row, any step
    double arithmeticWidth = 0;   // widest score arithmetic ("10×0 + 5×1 + 10×1 = 15", small font); 0: none
};

// The rectangles of one frame at rest (progress = 1). The renderer animates between them.
struct StepLayout {
    QRectF area, header, legend, content;
    QRectF encoderZone;      // the encoder columns with their bands
    QRectF rowLabels;        // left margin with the band names (h_j, e_j, a_j, v_j)
    QRectF rightZone;        // query, context and decoder
    int n = 0, dk = 0, dq = 0;
    bool hasAttention = true;

    double colWidth = 0;     // pitch of the encoder columns
    double cellWidth = 0;    // width of an encoder state's cells
    double cellHeight = 0;   // height of one encoder cell (may be < 1 px in strip mode)
    double queryCellHeight = 0;
    bool numbersInCells = true;  // false: colour strips, values in tooltips
    bool rotatedTokens = false;  // token labels drawn vertically (narrow columns)
    bool weightNumbers = true;   // the softmax weights fit as numbers under the bars
    bool arithmeticInColumns = true;  // the score arithmetic fits under each column
    double barHeight = 0;        // tallest softmax bar (a_j = 1)

    // Bands (full width of the encoder zone), top to bottom.
    QRectF tokenBand, stateBand, scoreBand, weightBand, alignLabelBand, alignBand;

    std::vector<QRectF> tokenRects;  // per j: label above the column
    std::vector<QRectF> stateRects;  // per j: the encoder state column h_j (dk cells)
    std::vector<QRectF> scoreRects;  // per j: e_j (and its arithmetic)
    std::vector<QRectF> weightRects; // per j: room for the bar of a_j and its number
    std::vector<QRectF> alignRects;  // per j: v_j = a_j h_j at rest (narrowed by a_j)

    QRectF queryLabel, queryRect;      // the decoder query s (dq cells), or the decoder state (no attention)
    QRectF contextLabel, contextRect;  // c (dk cells)
    QRectF decoderRect;                // the decoder box: input, output token, top-k
};

enum class StepPart { None, EncoderCell, QueryCell, AlignCell, ContextCell, Score, Weight, Token };

struct StepHit {
    StepPart part = StepPart::None;
    int index = -1;      // encoder position j (EncoderCell, AlignCell, Score, Weight, Token)
    int component = -1;  // vector component i (cells)
    bool operator==(const StepHit& o) const { return part == o.part && index == o.index && component == o.component; }
};

// Limits of the layout (pixels).
constexpr double kMaxCellHeight = 46;
constexpr double kMaxColumnWidth = 170;

StepLayout computeStepLayout(const StepLayoutInput& in);

// Which cell (or score / weight / token) is at `point`; StepPart::None when nothing is.
StepHit hitTest(const StepLayout& layout, const QPointF& point);

// Rectangle of component i within a column rectangle of `count` equal cells (top to bottom).
QRectF cellRect(const QRectF& column, int count, int i);

// Animation helpers: progress p in [0, 1] (clamped).
// Which of n labels to write when they cannot all fit: label j is centred at centers[j] and is widths[j]
// wide; labels are taken by priority, largest first (ties: lower j), skipping any that would come within `gap`
// of one already taken, up to maxLabels. Returns the chosen indices in increasing order. Used for the largest
// weights and scores of a long sentence, whose columns are too narrow for every number.
std::vector<int> labelsThatFit(const std::vector<double>& centers, const std::vector<double>& widths,
                               const std::vector<double>& priority, double gap, int maxLabels);

double easeInOut(double p);  // cubic ease-in-out: 0 → 0, 1 → 1, symmetric, zero slope at both ends
// Progress of item j of n when the items start one after another but overlap: item 0 starts at p = 0,
// item n − 1 ends at p = 1; each lasts `span` of the whole (clamped to [1/n, 1]).
double staggered(double p, int j, int n, double span = 0.35);
double lerp(double a, double b, double t);
QRectF lerpRect(const QRectF& a, const QRectF& b, double t);

} // namespace attnviz::ui
