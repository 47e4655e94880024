#include "ui/views/value_scales.h"

#include "ui/step/step_frame.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace attnviz::ui {

namespace {

struct Range {
    double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
    template <typename M> void add(const M& m)
    {
        for (Eigen::Index i = 0; i < m.size(); ++i)
            if (std::isfinite(m.data()[i])) {
                lo = std::min(lo, m.data()[i]);
                hi = std::max(hi, m.data()[i]);
            }
    }
    void finish(bool symmetric)
    {
        if (!(lo <= hi)) lo = 0, hi = 1;
        if (symmetric) {
            const double m = std::max(std::fabs(lo), std::fabs(hi));
            lo = -m, hi = m;
        }
        if (hi - lo < 1e-12) lo -= 0.5, hi += 0.5;
    }
};

double unit(double v, double lo, double hi)
{
    const double t = (v - lo) / (hi - lo);
    return std::isfinite(t) ? std::clamp(t, 0.0, 1.0) : 0.0;
}

} // namespace

QColor ValueScales::encoderColor(double v) const
{
    return colorAt(map, unit(v, lo, hi));
}

QColor ValueScales::queryColor(double v) const
{
    const double t = unit(v, qlo, qhi);
    return QColor::fromRgbF(static_cast<float>(queryLight.redF() + t * (query.redF() - queryLight.redF())),
                            static_cast<float>(queryLight.greenF() + t * (query.greenF() - queryLight.greenF())),
                            static_cast<float>(queryLight.blueF() + t * (query.blueF() - queryLight.blueF())));
}

ValueScales valueScales(const Trace& trace, ColorMap map)
{
    Range enc, dec;
    enc.add(trace.encoderStates);
    enc.add(trace.keys);  // one head's keys (empty otherwise)
    for (const StepTrace& s : trace.steps) {
        if (s.attention) enc.add(s.attention->context);
        if (const Vec* q = stepQuery(s)) dec.add(*q);
    }
    enc.finish(map == ColorMap::RdBu);
    dec.finish(false);
    ValueScales out;
    out.lo = enc.lo, out.hi = enc.hi, out.qlo = dec.lo, out.qhi = dec.hi;
    out.map = map;
    return out;
}

} // namespace attnviz::ui
