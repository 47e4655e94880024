// AttnViz: with a command, run it headless (SPEC §6); otherwise open the window.
// `attnviz FILE` opens FILE (an example, model or trace); the textbook example stays open if it fails.
#include "app/commands.h"

#include "ui/shell/main_window.h"

#include <QApplication>
#include <QDir>
#include <QStringList>

namespace {

// The samples folder: next to an installed attnviz (PREFIX/bin/attnviz → PREFIX/share/attnviz/samples, see
// `cmake --install`), else the source tree's it was built from.
QString samplesDir()
{
    const QString installed = QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("../share/attnviz/samples"));
    if (QDir(installed).exists())
        return QDir::cleanPath(installed);
    return QStringLiteral(ATTNVIZ_SAMPLES_DIR);
}

} // namespace

int main(int argc, char** argv)
{
    const int status = attnviz::app::runCommand(argc, argv);
    if (status >= 0)
        return status;

    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("AttnViz"));
    QApplication::setApplicationName(QStringLiteral("AttnViz"));
    QApplication::setApplicationVersion(QStringLiteral("0.1.0"));
    attnviz::ui::MainWindow window;
    window.setSamplesDir(samplesDir());
    window.setAutoplayOnOpen(true);
    window.openBuiltInExample();
    const QStringList args = QApplication::arguments();
    if (args.size() > 1)
        window.openFile(args.at(1));
    window.show();
    return QApplication::exec();
}
