#pragma once
// Helpers for the offscreen render tests of the architecture and beam views.
#include <QDir>
#include <QImage>
#include <QSet>
#include <QString>

namespace attnviz_test {

// Fraction of pixels that are not the background (white), and how many distinct colours appear.
// The bounding box of the pixels darker than light grey (gray < 235): how far a picture's content reaches.
inline QRect inkBounds(const QImage& img)
{
    QRect ink;
    for (int y = 0; y < img.height(); ++y)
        for (int x = 0; x < img.width(); ++x)
            if (qGray(img.pixel(x, y)) < 235)
                ink = ink.united(QRect(x, y, 1, 1));
    return ink;
}

inline double inkFraction(const QImage& img, int* colours = nullptr)
{
    const QImage im = img.convertToFormat(QImage::Format_RGB32);
    QSet<QRgb> seen;
    qint64 ink = 0;
    for (int y = 0; y < im.height(); ++y) {
        const auto* row = reinterpret_cast<const QRgb*>(im.constScanLine(y));
        for (int x = 0; x < im.width(); ++x) {
            if ((row[x] & 0xffffff) != 0xffffff)
                ++ink;
            if (seen.size() < 5000)
                seen.insert(row[x]);
        }
    }
    if (colours)
        *colours = seen.size();
    return static_cast<double>(ink) / (static_cast<double>(im.width()) * im.height());
}

// Where the renders go (to be looked at): $ATTNVIZ_RENDER_DIR or <tmp>/attnviz-renders.
inline QString renderDir()
{
    QString d = qEnvironmentVariable("ATTNVIZ_RENDER_DIR");
    if (d.isEmpty())
        d = QDir::tempPath() + QStringLiteral("/attnviz-renders");
    QDir().mkpath(d);
    return d;
}

} // namespace attnviz_test
