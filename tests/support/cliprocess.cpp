#include "cliprocess.h"

#include <QProcess>

namespace beatbook::testing {

QString CliRun::describe() const
{
    return QStringLiteral("exit %1, stdout: %2, stderr: %3")
        .arg(exitCode)
        .arg(QString::fromUtf8(out.left(800)), QString::fromUtf8(err.left(800)));
}

CliRun runCli(const QString &program, const QStringList &args, const CliOptions &options)
{
    QProcess process;
    process.setProcessEnvironment(options.environment);
    process.setProgram(program);
    process.setArguments(args);
    process.start();
    CliRun run;
    if (!process.waitForStarted(options.timeoutMs))
        return run;
    if (!options.input.isEmpty())
        process.write(options.input);
    if (!options.keepStdinOpen)
        process.closeWriteChannel();
    run.finished = process.waitForFinished(options.timeoutMs) && process.exitStatus() == QProcess::NormalExit;
    if (!run.finished) {
        process.kill();
        process.waitForFinished(5000);
    }
    run.exitCode = process.exitCode();
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

} // namespace beatbook::testing
