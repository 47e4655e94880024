#pragma once
// One colour scale per quantity (issue 12), the same in every view and export: encoder-space vectors (states,
// alignment vectors, contexts) on the colour map over their common range; the decoder's query and states on
// the query's own light-to-orange scale. The step view and the context panel both colour through here.
#include "core/formats/trace.h"
#include "ui/views/colormap.h"

#include <QColor>

namespace attnviz::ui {

struct ValueScales {
    double lo = 0, hi = 1;    // encoder space (symmetric around 0 for the diverging RdBu map)
    double qlo = 0, qhi = 1;  // the decoder's query / states
    ColorMap map = ColorMap::Viridis;
    QColor queryLight{0xff, 0xf4, 0xe6}, query{0xe8, 0x59, 0x0c};

    QColor encoderColor(double v) const;  // states, alignment vectors, contexts
    QColor queryColor(double v) const;    // the query and the decoder's states
};

// The scales of a whole trace (every step's context and query), so colours do not jump between steps.
ValueScales valueScales(const Trace& trace, ColorMap map);

} // namespace attnviz::ui
