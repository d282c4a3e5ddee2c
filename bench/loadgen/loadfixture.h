#pragma once

#include "asyncrunner.h"
#include "core/result.h"
#include "devicesession.h"
#include "loadgenoptions.h"
#include "reportfactory.h"
#include "server/sqlitedevicedirectory.h"
#include "serverprocess.h"
#include "sync/tlsstream.h"

#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <string>
#include <vector>

namespace beatbook::loadgen {

// A user the benchmark made, with the ward its devices write in.
struct LoadUser {
    std::string name;
    std::string role;
    std::string ward;
};

// Enrolment as it went: the devices and how long it took.
struct EnrolmentRun {
    std::vector<DeviceCredentials> devices;
    double seconds = 0;
    EnrolPath path = EnrolPath::Protocol;
};

// The world a run happens in: a temporary data directory made by
// beatbook-admin (init, user add), the server running on it, the directory
// in its server.db opened beside the server to issue enrolment codes, and
// the client TLS context pinned to the server's certificate.
class LoadFixture {
public:
    static Result<std::unique_ptr<LoadFixture>> create(const LoadgenOptions &options);
    ~LoadFixture();

    Status startServer();
    void stopServer();

    // Users: one pcso per ward for the uploading devices, and two pcsos of
    // the download ward (a writer that seeds it and a colleague whose fresh
    // device pulls it), one for the idle connections.
    const std::vector<LoadUser> &uploadUsers() const { return m_uploadUsers; }
    const LoadUser &seedUser() const { return m_seedUser; }
    const LoadUser &readerUser() const { return m_readerUser; }
    const LoadUser &idleUser() const { return m_idleUser; }

    // Enrols `count` devices of a user, `parallel` at once over the protocol.
    Result<EnrolmentRun> enrolDevices(AsyncRunner &runner, const std::string &userName, std::size_t count,
                                      EnrolPath path, std::size_t parallel = 16);

    boost::asio::ip::tcp::endpoint endpoint() const;
    const SslContextPtr &tlsContext() const { return m_tls; }
    const std::string &pin() const { return m_pin; }
    ServerProcess &server() { return m_server; }
    const WardPositions &positions() const { return m_positions; }
    const std::string &dataDir() const { return m_dataDir; }
    // Where the run keeps its files: the data directory, the server's log,
    // the fresh devices' stores.
    const std::string &rootDir() const { return m_rootDir; }
    std::string serverLogPath() const { return m_rootDir + "/server.log"; }
    const LoadgenOptions &options() const { return m_options; }

    LoadFixture(const LoadFixture &) = delete;
    LoadFixture &operator=(const LoadFixture &) = delete;

private:
    LoadFixture(LoadgenOptions options, WardPositions positions);
    Status setUp();
    Result<DeviceCredentials> enrolDirect(const std::string &userName);

    LoadgenOptions m_options;
    WardPositions m_positions;
    std::string m_rootDir;
    std::string m_dataDir;
    bool m_ownsDir = false;
    std::vector<LoadUser> m_uploadUsers;
    LoadUser m_seedUser;
    LoadUser m_readerUser;
    LoadUser m_idleUser;
    std::unique_ptr<SqliteDeviceDirectory> m_directory;
    ServerProcess m_server;
    SslContextPtr m_tls;
    std::string m_pin;
    std::size_t m_enrolled = 0;
};

} // namespace beatbook::loadgen
