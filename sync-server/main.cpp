// beatbook-sync-server: the TLS sync server over a data directory made by
// `beatbook-admin init`.
//
//   beatbook-sync-server --data DIR [--listen HOST:PORT] [--config FILE] [--threads N]
//
// Prints "listening on HOST:PORT" on stdout once it accepts connections (the
// real port when port 0 was asked for); logs go to stderr as JSON lines.
// SIGTERM or SIGINT stops it gracefully; a second one stops it at once.
// Exit codes: 0 after a clean stop, 2 for bad input (flags, config, a data
// directory that was never initialised), 1 for anything else.

#include "core/clock.h"
#include "core/exitcode.h"
#include "server/serverconfig.h"
#include "server/serverdatabase.h"
#include "server/serveridentity.h"
#include "server/serverlog.h"
#include "server/sqlitedevicedirectory.h"
#include "server/sqlitesyncstorage.h"
#include "server/syncserver.h"
#include "sync/tlsstream.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/resource.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

using namespace beatbook;
namespace asio = boost::asio;

namespace {

int fail(int code, const std::string &message)
{
    std::cerr << "beatbook-sync-server: " << message << std::endl;
    return code;
}

bool readWholeFile(const std::string &path, std::string &out)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return false;
    std::ostringstream buffer;
    buffer << in.rdbuf();
    out = buffer.str();
    return static_cast<bool>(in) || in.eof();
}

// Every connection is a descriptor: the default soft limit (often 1024)
// would cap the server far below max-connections.
rlim_t raiseFileLimit()
{
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return 0;
    if (limit.rlim_cur < limit.rlim_max) {
        rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
            return raised.rlim_cur;
    }
    return limit.rlim_cur;
}

asio::awaitable<void> stopOnSignals(asio::signal_set &signals, SyncServer &server)
{
    for (;;) {
        auto [ec, signal] = co_await signals.async_wait(asio::as_tuple(asio::use_awaitable));
        if (ec)
            co_return;
        server.requestStop();
    }
}

int run(const std::vector<std::string> &args)
{
    auto cli = parseServerCommandLine(args);
    if (!cli)
        return fail(kExitBadInput, cli.error().message);
    if (cli->helpRequested) {
        std::cout << cli->helpText;
        return kExitOk;
    }
    const ServerPaths paths{cli->dataDir};
    std::error_code ec;
    if (!std::filesystem::is_regular_file(paths.database(), ec))
        return fail(kExitBadInput, cli->dataDir + " is not a Beatbook server data directory (no server.db): run "
                                       "beatbook-admin --data " + cli->dataDir + " init first");

    std::string certificate, key;
    if (!readWholeFile(paths.serverCertificate(), certificate))
        return fail(kExitBadInput, "cannot read the server certificate " + paths.serverCertificate());
    if (!readWholeFile(paths.serverKey(), key))
        return fail(kExitBadInput, "cannot read the server key " + paths.serverKey());
    auto tls = makeServerTlsContext(certificate, key);
    key.assign(key.size(), '\0');
    if (!tls)
        return fail(kExitFailure, tls.error().message);

    auto directoryDb = openServerDatabase(paths.database());
    if (!directoryDb)
        return fail(kExitFailure, paths.database() + ": " + directoryDb.error().message);
    auto identity = loadServerIdentity(**directoryDb);
    if (!identity)
        return fail(identity.error().code == ErrorCode::NotFound ? kExitBadInput : kExitFailure,
                    paths.database() + ": " + identity.error().message);
    auto storageDb = openServerDatabase(paths.database());
    if (!storageDb)
        return fail(kExitFailure, paths.database() + ": " + storageDb.error().message);

    SystemClock clock;
    SqliteDeviceDirectory directory(std::move(*directoryDb));
    auto storage = SqliteSyncStorage::open(std::move(*storageDb), clock);
    if (!storage)
        return fail(kExitFailure, paths.database() + ": " + storage.error().message);

    const rlim_t files = raiseFileLimit();
    auto log = ServerLog::toStderr();
    log->info("file_limit", {{"descriptors", std::uint64_t{files}}});

    SyncServer server(cli->settings, std::move(*tls), directory, **storage, std::move(*identity), clock, log);
    // Before start: a signal that arrives early must stop the server, not kill it.
    asio::signal_set signals(server.ioContext(), SIGINT, SIGTERM);
    asio::co_spawn(server.ioContext(), stopOnSignals(signals, server), asio::detached);

    auto endpoint = server.start();
    if (!endpoint)
        return fail(kExitFailure, endpoint.error().message);
    const ServerAddress bound{endpoint->address().to_string(), endpoint->port()};
    std::cout << "listening on " << bound.text() << std::endl;

    server.wait();
    return kExitOk;
}

} // namespace

int main(int argc, char **argv)
{
    try {
        return run(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const std::exception &e) {
        return fail(kExitFailure, std::string("unexpected failure: ") + e.what());
    }
}
