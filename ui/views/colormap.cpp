#include "ui/views/colormap.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace attnviz::ui {

namespace {

struct Stop { double r, g, b; };

// Nine samples of each map at t = 0, 1/8, …, 1 (matplotlib's viridis and magma), interpolated linearly.
constexpr std::array<Stop, 9> kViridis{{{0.267, 0.005, 0.329}, {0.283, 0.141, 0.458}, {0.254, 0.265, 0.530},
                                        {0.207, 0.372, 0.553}, {0.164, 0.471, 0.558}, {0.128, 0.567, 0.551},
                                        {0.135, 0.659, 0.518}, {0.267, 0.749, 0.441}, {0.993, 0.906, 0.144}}};
constexpr std::array<Stop, 9> kMagma{{{0.001, 0.000, 0.014}, {0.113, 0.065, 0.277}, {0.317, 0.071, 0.485},
                                      {0.513, 0.148, 0.508}, {0.716, 0.215, 0.475}, {0.904, 0.318, 0.388},
                                      {0.986, 0.537, 0.382}, {0.996, 0.766, 0.534}, {0.987, 0.991, 0.750}}};
constexpr std::array<Stop, 9> kBlues{{{0.969, 0.984, 1.000}, {0.871, 0.922, 0.969}, {0.776, 0.859, 0.937},
                                      {0.620, 0.792, 0.882}, {0.420, 0.682, 0.839}, {0.259, 0.573, 0.776},
                                      {0.129, 0.443, 0.710}, {0.031, 0.318, 0.612}, {0.031, 0.188, 0.420}}};
constexpr std::array<Stop, 9> kGreys{{{1.000, 1.000, 1.000}, {0.941, 0.941, 0.941}, {0.851, 0.851, 0.851},
                                      {0.741, 0.741, 0.741}, {0.588, 0.588, 0.588}, {0.451, 0.451, 0.451},
                                      {0.322, 0.322, 0.322}, {0.145, 0.145, 0.145}, {0.000, 0.000, 0.000}}};
constexpr std::array<Stop, 9> kRdBu{{{0.404, 0.000, 0.122}, {0.698, 0.094, 0.169}, {0.839, 0.376, 0.302},
                                     {0.957, 0.647, 0.510}, {0.969, 0.969, 0.969}, {0.573, 0.773, 0.871},
                                     {0.263, 0.576, 0.765}, {0.129, 0.400, 0.675}, {0.020, 0.188, 0.380}}};

const std::array<Stop, 9>& stopsOf(ColorMap map)
{
    switch (map) {
    case ColorMap::Magma: return kMagma;
    case ColorMap::Blues: return kBlues;
    case ColorMap::Greys: return kGreys;
    case ColorMap::RdBu: return kRdBu;
    case ColorMap::Viridis: break;
    }
    return kViridis;
}

} // namespace

QStringList colorMapNames()
{
    return {QStringLiteral("Viridis"), QStringLiteral("Magma"), QStringLiteral("Blues"), QStringLiteral("Greys"),
            QStringLiteral("Red–Blue")};
}

QString colorMapName(ColorMap map)
{
    return colorMapNames().value(static_cast<int>(map), QStringLiteral("Viridis"));
}

ColorMap colorMapFromName(const QString& name)
{
    const int i = colorMapNames().indexOf(name);
    return i < 0 ? ColorMap::Viridis : static_cast<ColorMap>(i);
}

QColor colorAt(ColorMap map, double t)
{
    const auto& s = stopsOf(map);
    if (!std::isfinite(t))
        t = 0.0;
    t = std::clamp(t, 0.0, 1.0) * (s.size() - 1);
    const auto i = std::min<std::size_t>(static_cast<std::size_t>(t), s.size() - 2);
    const double f = t - static_cast<double>(i);
    auto mix = [f](double a, double b) { return a + (b - a) * f; };
    return QColor::fromRgbF(static_cast<float>(mix(s[i].r, s[i + 1].r)), static_cast<float>(mix(s[i].g, s[i + 1].g)),
                            static_cast<float>(mix(s[i].b, s[i + 1].b)));
}

QVector<QPair<double, QColor>> colorStops(ColorMap map, int count)
{
    QVector<QPair<double, QColor>> out;
    count = std::max(count, 2);
    for (int i = 0; i < count; ++i) {
        const double t = static_cast<double>(i) / (count - 1);
        out.append({t, colorAt(map, t)});
    }
    return out;
}

QColor textColorOn(const QColor& background)
{
    const double luminance = 0.2126 * background.redF() + 0.7152 * background.greenF() + 0.0722 * background.blueF();
    return luminance > 0.5 ? QColor(Qt::black) : QColor(Qt::white);
}

} // namespace attnviz::ui
