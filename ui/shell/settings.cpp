#include "ui/shell/settings.h"

#include <QDir>
#include <QSettings>

namespace attnviz::ui {

QByteArray Settings::geometry() { return QSettings().value(QStringLiteral("window/geometry")).toByteArray(); }
void Settings::setGeometry(const QByteArray& g) { QSettings().setValue(QStringLiteral("window/geometry"), g); }
QByteArray Settings::windowState() { return QSettings().value(QStringLiteral("window/state")).toByteArray(); }
void Settings::setWindowState(const QByteArray& s) { QSettings().setValue(QStringLiteral("window/state"), s); }

QString Settings::lastFolder()
{
    const QString dir = QSettings().value(QStringLiteral("files/lastFolder")).toString();
    return dir.isEmpty() || !QDir(dir).exists() ? QDir::homePath() : dir;
}

void Settings::setLastFolder(const QString& dir) { QSettings().setValue(QStringLiteral("files/lastFolder"), dir); }

QString Settings::lastExportFolder()
{
    const QString dir = QSettings().value(QStringLiteral("files/lastExportFolder")).toString();
    if (!dir.isEmpty() && QDir(dir).exists())
        return dir;
    const QString pictures = QDir::home().filePath(QStringLiteral("Pictures"));
    return QDir(pictures).exists() ? pictures : QDir::homePath();
}

void Settings::setLastExportFolder(const QString& dir) { QSettings().setValue(QStringLiteral("files/lastExportFolder"), dir); }

bool Settings::revealEverything() { return QSettings().value(QStringLiteral("view/revealEverything"), false).toBool(); }

void Settings::setRevealEverything(bool on) { QSettings().setValue(QStringLiteral("view/revealEverything"), on); }

QStringList Settings::recentFiles() { return QSettings().value(QStringLiteral("files/recent")).toStringList(); }

void Settings::addRecentFile(const QString& path)
{
    if (path.startsWith(QLatin1Char(':')))
        return;  // built-in resources are not recent files
    QStringList list = recentFiles();
    list.removeAll(path);
    list.prepend(path);
    while (list.size() > kMaxRecent)
        list.removeLast();
    QSettings().setValue(QStringLiteral("files/recent"), list);
}

void Settings::removeRecentFile(const QString& path)
{
    QStringList list = recentFiles();
    list.removeAll(path);
    QSettings().setValue(QStringLiteral("files/recent"), list);
}

ColorMap Settings::colorMap()
{
    return colorMapFromName(QSettings().value(QStringLiteral("view/colorMap"), colorMapName(ColorMap::Viridis)).toString());
}

void Settings::setColorMap(ColorMap map) { QSettings().setValue(QStringLiteral("view/colorMap"), colorMapName(map)); }

double Settings::speed()
{
    bool ok = false;
    const double s = QSettings().value(QStringLiteral("view/speed"), 1.0).toDouble(&ok);
    return ok && s > 0 ? s : 1.0;
}

void Settings::setSpeed(double speed) { QSettings().setValue(QStringLiteral("view/speed"), speed); }

} // namespace attnviz::ui
