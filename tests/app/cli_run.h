#pragma once
// Runs the attnviz executable as a process for the command-line tests: exit status (-1 for a crash or a
// hang past the generous limit, which no test uses to measure speed), stdout and stderr; plus the golden
// fixture paths and a file writer the translate and convert tests share.
#include <QByteArray>
#include <QProcess>
#include <QString>
#include <QStringList>

#include <fstream>
#include <string>

namespace attnviz_test {

struct Run {
    int status = -1;
    QByteArray out, err;
};

inline Run attnviz(const QStringList& args)
{
    QProcess p;
    p.start(QStringLiteral(ATTNVIZ_BIN), args);
    Run r;
    if (!p.waitForFinished(60000)) {
        p.kill();
        return r;
    }
    r.status = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

// A file of tests/data/golden (the PyTorch fixtures).
inline QString golden(const char* file)
{
    return QStringLiteral(ATTNVIZ_TESTDATA_DIR "/golden/") + QString::fromLatin1(file);
}

inline void writeFile(const QString& file, const std::string& bytes)
{
    std::ofstream(file.toStdString(), std::ios::binary) << bytes;
}

} // namespace attnviz_test
