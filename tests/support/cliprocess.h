#pragma once

#include <QByteArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

namespace beatbook::testing {

// What one run of a command-line executable gave back.
struct CliRun {
    bool finished = false;  // started, and exited normally within the time limit
    int exitCode = -1;
    QByteArray out;
    QByteArray err;

    QJsonDocument json() const { return QJsonDocument::fromJson(out); }
    QJsonObject jsonObject() const { return json().object(); }
    QStringList lines() const { return QString::fromUtf8(out).split('\n', Qt::SkipEmptyParts); }
    // For a failure message: the exit code and the start of both outputs.
    QString describe() const;
};

// How to run it. By default stdin is closed once `input` is written, so a
// command that tried to prompt sees end-of-file rather than waits.
struct CliOptions {
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    QByteArray input;            // written to stdin first
    bool keepStdinOpen = false;  // for a command that must not wait on stdin at all
    int timeoutMs = 60000;  // each for starting and finishing; then it is killed and not `finished`
};

// Why: the command-line tests drive their executables alike (time limits, stdin, output capture).
CliRun runCli(const QString &program, const QStringList &args, const CliOptions &options = {});

} // namespace beatbook::testing
