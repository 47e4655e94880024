#pragma once
// What the window remembers between runs (QSettings under the application's organisation/name):
// geometry and dock state, last folder, recent files, colour map, speed.
#include "ui/views/colormap.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace attnviz::ui {

class Settings {
public:
    static constexpr int kMaxRecent = 8;

    static QByteArray geometry();
    static void setGeometry(const QByteArray& g);
    static QByteArray windowState();
    static void setWindowState(const QByteArray& s);
    static QString lastFolder();          // home when unset
    static void setLastFolder(const QString& dir);
    static QString lastExportFolder();    // ~/Pictures (or home) when unset — never the samples folder
    static void setLastExportFolder(const QString& dir);
    static bool revealEverything();       // View → Show everything (false: progressive reveal)
    static void setRevealEverything(bool on);
    static QStringList recentFiles();     // most recent first
    static void addRecentFile(const QString& path);
    static void removeRecentFile(const QString& path);
    static ColorMap colorMap();
    static void setColorMap(ColorMap map);
    static double speed();                // 1 when unset
    static void setSpeed(double speed);
};

} // namespace attnviz::ui
