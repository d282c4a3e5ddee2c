#pragma once

#include "core/result.h"
#include "domain/names.h"
#include "store/database.h"

#include <QProcess>
#include <QStringList>
#include <QTemporaryDir>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace beatbook::testing {

// One line of `beatbook-admin device list`.
struct AdminDeviceLine {
    std::string deviceId;
    std::string user;
    std::string role;
    std::string status;
};

// The real beatbook-sync-server for integration tests: a data directory in a
// temporary folder, set up with beatbook-admin (CA, server certificate,
// users, one-time codes), and the server executable run on 127.0.0.1.
//
// Every wait is bounded by the timeout and fails with a message that says
// what did not happen, with the server's last log lines. The server is
// killed when the fixture goes, whatever state the test left it in.
//
// The server's log goes to a file (not a pipe): a test busy in a sync on its
// own thread reads no pipe, and a full pipe would stall the server.
class SyncServerFixture {
public:
    explicit SyncServerFixture(std::chrono::milliseconds timeout = std::chrono::seconds(30));
    ~SyncServerFixture();
    SyncServerFixture(const SyncServerFixture &) = delete;
    SyncServerFixture &operator=(const SyncServerFixture &) = delete;

    // False, with the reason in setupError(), when the temporary folder
    // could not be made.
    bool isValid() const { return m_dir.isValid(); }

    // Runs beatbook-admin --data DIR with args; its standard output when it
    // exits 0, otherwise an error naming the command, the exit code and what
    // it wrote to stderr.
    Result<std::string> admin(const QStringList &args);
    Status init(const std::string &hostname = "localhost");
    Status addUser(const std::string &name, Role role, const std::vector<std::string> &wards = {});
    // The one-time code (`enrol` prints it alone on its last line).
    Result<std::string> issueCode(const std::string &user);
    Status revokeDevice(const std::string &deviceId);
    Status setUserDisabled(const std::string &name, bool disabled);
    Result<std::vector<AdminDeviceLine>> devices();

    // Starts the server and waits for its "listening on 127.0.0.1:PORT"
    // line. The first start takes a free port (unless listen says one);
    // later starts reuse it, so enrolled devices find the server again.
    // extraArgs are further server flags (e.g. --frame-timeout-ms 2000).
    Status start(const QStringList &extraArgs = {});
    // SIGTERM, then waits for the server to exit; refused when it does not
    // exit cleanly (code 0).
    Status stop();
    // SIGKILL: no chance to finish anything.
    Status kill();
    // start() again with the flags of the last start.
    Status restart();

    bool isRunning() const;
    qint64 processId() const;
    std::uint16_t port() const { return m_port; }
    std::string address() const { return "127.0.0.1:" + std::to_string(m_port); }
    // Takes the port for the next start (a server made to stand in for
    // another one on the same address).
    void setPort(std::uint16_t port) { m_port = port; }

    std::string dataDir() const;
    std::string caCertificatePem() const;
    std::string serverCertificatePem() const;
    // Everything the server has logged (JSON lines, every run so far).
    std::string log() const;
    // The last lines of the log, for failure messages.
    std::string logTail(std::size_t lines = 15) const;
    // server.db, opened as it is (not migrated) for a test to inspect.
    // Safe while the server runs (WAL): close it soon after.
    Result<std::unique_ptr<Database>> openDatabase() const;

    std::chrono::milliseconds timeout() const { return m_timeout; }

private:
    Status waitForListening();

    std::chrono::milliseconds m_timeout;
    QTemporaryDir m_dir;
    std::unique_ptr<QProcess> m_process;
    QStringList m_lastExtraArgs;
    std::uint16_t m_port = 0;
};

} // namespace beatbook::testing
