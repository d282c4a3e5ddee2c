#include "syncserverfixture.h"

#include "core/enumnames.h"
#include "testdata.h"

#include <QDir>
#include <QRegularExpression>

#include <signal.h>
#include <sys/types.h>

namespace beatbook::testing {
namespace {

constexpr const char *kLogFile = "server-log.jsonl";

std::string text(const QByteArray &bytes) { return bytes.toStdString(); }

QString q(const std::string &s) { return QString::fromStdString(s); }

int remainingMs(std::chrono::steady_clock::time_point deadline)
{
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    return left > 0 ? static_cast<int>(left) : 0;
}

} // namespace

SyncServerFixture::SyncServerFixture(std::chrono::milliseconds timeout) : m_timeout(timeout) {}

SyncServerFixture::~SyncServerFixture()
{
    if (m_process && m_process->state() != QProcess::NotRunning) {
        m_process->kill();
        m_process->waitForFinished(static_cast<int>(m_timeout.count()));
    }
}

std::string SyncServerFixture::dataDir() const { return m_dir.filePath(QStringLiteral("data")).toStdString(); }

Result<std::string> SyncServerFixture::admin(const QStringList &args)
{
    const QStringList all = QStringList{QStringLiteral("--data"), q(dataDir())} + args;
    const QString described = QStringLiteral("beatbook-admin ") + args.join(QLatin1Char(' '));
    QProcess process;
    process.start(QStringLiteral(BEATBOOK_ADMIN_EXE), all);
    if (!process.waitForStarted(static_cast<int>(m_timeout.count())))
        return Error::io(described.toStdString() + ": did not start: " + process.errorString().toStdString());
    process.closeWriteChannel();
    if (!process.waitForFinished(static_cast<int>(m_timeout.count()))) {
        process.kill();
        process.waitForFinished(5000);
        return Error::io(described.toStdString() + ": did not finish within "
                         + std::to_string(m_timeout.count() / 1000) + " s");
    }
    const std::string out = text(process.readAllStandardOutput());
    const std::string err = text(process.readAllStandardError());
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0)
        return Error::io(described.toStdString() + ": exit " + std::to_string(process.exitCode()) + ": " + err
                         + out);
    return out;
}

Status SyncServerFixture::init(const std::string &hostname)
{
    if (!m_dir.isValid())
        return Error::io("cannot make a temporary folder for the server: " + m_dir.errorString().toStdString());
    auto done = admin({QStringLiteral("init"), QStringLiteral("--hostname"), q(hostname)});
    if (!done)
        return done.error();
    return {};
}

Status SyncServerFixture::addUser(const std::string &name, Role role, const std::vector<std::string> &wards)
{
    QStringList args{QStringLiteral("user"), QStringLiteral("add"), q(name), QStringLiteral("--role"),
                     q(std::string(toString(role)))};
    for (const auto &ward : wards)
        args << QStringLiteral("--ward") << q(ward);
    auto done = admin(args);
    if (!done)
        return done.error();
    return {};
}

Result<std::string> SyncServerFixture::issueCode(const std::string &user)
{
    auto out = admin({QStringLiteral("enrol"), q(user)});
    if (!out)
        return out.error();
    const QStringList lines = q(*out).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    if (lines.isEmpty())
        return Error::io("beatbook-admin enrol printed no code");
    return lines.last().trimmed().toStdString();
}

Status SyncServerFixture::revokeDevice(const std::string &deviceId)
{
    auto done = admin({QStringLiteral("device"), QStringLiteral("revoke"), q(deviceId)});
    if (!done)
        return done.error();
    return {};
}

Status SyncServerFixture::setUserDisabled(const std::string &name, bool disabled)
{
    const QString command = disabled ? QStringLiteral("disable") : QStringLiteral("enable");
    auto done = admin({QStringLiteral("user"), command, q(name)});
    if (!done)
        return done.error();
    return {};
}

Result<std::vector<AdminDeviceLine>> SyncServerFixture::devices()
{
    auto out = admin({QStringLiteral("device"), QStringLiteral("list")});
    if (!out)
        return out.error();
    std::vector<AdminDeviceLine> list;
    for (const QString &line : q(*out).split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        const QStringList words = line.split(QRegularExpression(QStringLiteral("\\s+")), Qt::SkipEmptyParts);
        if (words.size() < 4)
            return Error::io("device list printed a line without DEVICE_ID USER ROLE STATUS: " + line.toStdString());
        list.push_back({words[0].toStdString(), words[1].toStdString(), words[2].toStdString(),
                        words[3].toStdString()});
    }
    return list;
}

Status SyncServerFixture::start(const QStringList &extraArgs)
{
    if (isRunning())
        return Error::notAllowed("the server is already running");
    m_lastExtraArgs = extraArgs;
    m_process = std::make_unique<QProcess>();
    m_process->setStandardErrorFile(m_dir.filePath(QString::fromLatin1(kLogFile)), QIODevice::Append);
    QStringList args{QStringLiteral("--data"), q(dataDir())};
    if (!extraArgs.contains(QStringLiteral("--listen")))
        args << QStringLiteral("--listen") << q("127.0.0.1:" + std::to_string(m_port));
    args << extraArgs;
    m_process->start(QStringLiteral(BEATBOOK_SERVER_EXE), args);
    if (!m_process->waitForStarted(static_cast<int>(m_timeout.count())))
        return Error::io("beatbook-sync-server did not start: " + m_process->errorString().toStdString());
    return waitForListening();
}

Status SyncServerFixture::waitForListening()
{
    static const QRegularExpression listening(QStringLiteral("^listening on 127\\.0\\.0\\.1:(\\d+)$"));
    const auto deadline = std::chrono::steady_clock::now() + m_timeout;
    QByteArray out;
    for (;;) {
        out += m_process->readAllStandardOutput();
        for (const QByteArray &line : out.split('\n')) {
            const auto match = listening.match(QString::fromUtf8(line).trimmed());
            if (match.hasMatch()) {
                const int port = match.captured(1).toInt();
                if (m_port != 0 && port != m_port)
                    return Error::io("the server listens on port " + std::to_string(port) + ", not "
                                     + std::to_string(m_port));
                m_port = static_cast<std::uint16_t>(port);
                return {};
            }
        }
        if (m_process->state() == QProcess::NotRunning)
            return Error::io("beatbook-sync-server exited (code " + std::to_string(m_process->exitCode())
                             + ") before it listened; stdout: " + out.toStdString() + "; log: " + logTail());
        const int left = remainingMs(deadline);
        if (left == 0)
            return Error::io("beatbook-sync-server did not say it was listening within "
                             + std::to_string(m_timeout.count() / 1000) + " s; log: " + logTail());
        m_process->waitForReadyRead(left);
    }
}

Status SyncServerFixture::stop()
{
    if (!isRunning())
        return Error::notAllowed("the server is not running");
    m_process->terminate();
    if (!m_process->waitForFinished(static_cast<int>(m_timeout.count()))) {
        m_process->kill();
        m_process->waitForFinished(5000);
        return Error::io("beatbook-sync-server did not stop on SIGTERM within "
                         + std::to_string(m_timeout.count() / 1000) + " s; log: " + logTail());
    }
    if (m_process->exitStatus() != QProcess::NormalExit || m_process->exitCode() != 0)
        return Error::io("beatbook-sync-server stopped with code " + std::to_string(m_process->exitCode())
                         + " after SIGTERM; log: " + logTail());
    return {};
}

Status SyncServerFixture::kill()
{
    if (!isRunning())
        return Error::notAllowed("the server is not running");
    ::kill(static_cast<pid_t>(m_process->processId()), SIGKILL);
    if (!m_process->waitForFinished(static_cast<int>(m_timeout.count())))
        return Error::io("beatbook-sync-server did not die of SIGKILL");
    return {};
}

Status SyncServerFixture::restart() { return start(m_lastExtraArgs); }

bool SyncServerFixture::isRunning() const { return m_process && m_process->state() != QProcess::NotRunning; }

qint64 SyncServerFixture::processId() const { return m_process ? m_process->processId() : 0; }

std::string SyncServerFixture::caCertificatePem() const { return readFile(dataDir() + "/tls/ca.crt"); }

std::string SyncServerFixture::serverCertificatePem() const { return readFile(dataDir() + "/tls/server.crt"); }

std::string SyncServerFixture::log() const
{
    return readFile(m_dir.filePath(QString::fromLatin1(kLogFile)).toStdString());
}

std::string SyncServerFixture::logTail(std::size_t lines) const
{
    const std::string all = log();
    std::size_t from = all.size();
    for (std::size_t seen = 0; from > 0 && seen <= lines;) {
        --from;
        if (all[from] == '\n')
            ++seen;
    }
    return all.substr(from);
}

Result<std::unique_ptr<Database>> SyncServerFixture::openDatabase() const
{
    return Database::open(dataDir() + "/server.db");
}

} // namespace beatbook::testing
