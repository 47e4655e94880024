#pragma once
// Colour maps shared by the heatmap, the step view's cells and every export.
#include <QColor>
#include <QStringList>
#include <QVector>

namespace attnviz::ui {

enum class ColorMap { Viridis = 0, Magma, Blues, Greys, RdBu };

QStringList colorMapNames();                     // display names, in enum order
ColorMap colorMapFromName(const QString& name);  // unknown → Viridis
QString colorMapName(ColorMap map);

// t in [0, 1] (clamped) → colour. Viridis and Magma are perceptually uniform (matplotlib's stops).
QColor colorAt(ColorMap map, double t);
// Evenly spaced stops (position 0..1, colour), for QCustomPlot gradients.
QVector<QPair<double, QColor>> colorStops(ColorMap map, int count = 16);
// Black or white, whichever reads better on `background`.
QColor textColorOn(const QColor& background);

} // namespace attnviz::ui
