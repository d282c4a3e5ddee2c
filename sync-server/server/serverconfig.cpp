#include "server/serverconfig.h"

#include "server/serverdatabase.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <thread>

namespace beatbook {

namespace {

// Bounds that catch typing accidents (a timeout in seconds where
// milliseconds were meant, a limit with three zeros too many).
constexpr std::int64_t kMaxTimeoutMs = 24LL * 60 * 60 * 1000;
constexpr std::int64_t kMaxThreads = 1024;
constexpr std::int64_t kMaxConnectionsLimit = 1000000;
constexpr std::int64_t kMinFrameBytes = 64 * 1024;
// The frame header is 32 bits; the codec and the device cap at 4 MiB anyway
// unless both are rebuilt, so more would only be accepted from a peer that
// never sends it.
constexpr std::int64_t kMaxFrameBytesLimit = 64 * 1024 * 1024;
constexpr std::int64_t kMaxBatchChangesLimit = 100000;
constexpr std::int64_t kMaxPageRecordsLimit = 100000;

// CLI11 takes its argument vector in reverse order.
std::vector<std::string> reversed(std::vector<std::string> args)
{
    std::reverse(args.begin(), args.end());
    return args;
}

Status checkRange(const char *key, std::int64_t value, std::int64_t low, std::int64_t high)
{
    if (value < low || value > high)
        return Error::invalid(std::string(key) + " must be between " + std::to_string(low) + " and "
                              + std::to_string(high) + " (got " + std::to_string(value) + ")");
    return {};
}

// A server address, where port 0 is also allowed: the system picks a free
// port (tests, and several servers on one machine).
Result<ServerAddress> parseListenAddress(const std::string &text)
{
    if (text.size() > 2 && text.ends_with(":0")) {
        auto address = parseServerAddress(text.substr(0, text.size() - 1) + "1");
        if (!address)
            return address.error();
        address->port = 0;
        return address;
    }
    return parseServerAddress(text);
}

// Raw values as written, checked and converted once parsing is done.
struct RawSettings {
    std::string listen;
    std::string hostname;
    std::int64_t threads = 0;
    std::int64_t storageThreads = 0;
    std::int64_t maxConnections = 0;
    std::int64_t handshakeTimeoutMs = 0;
    std::int64_t idleTimeoutMs = 0;
    std::int64_t frameTimeoutMs = 0;
    std::int64_t writeTimeoutMs = 0;
    std::int64_t shutdownGraceMs = 0;
    std::int64_t closeTimeoutMs = 0;
    std::int64_t maxFrameBytes = 0;
    std::int64_t maxBatchChanges = 0;
    std::int64_t maxPageRecords = 0;
    std::int64_t busyRefusals = 0;

    explicit RawSettings(const ServerSettings &s)
        : listen(s.listen.text()), hostname(s.hostname), threads(s.threads), storageThreads(s.storageThreads),
          maxConnections(static_cast<std::int64_t>(s.maxConnections)),
          handshakeTimeoutMs(s.handshakeTimeout.count()), idleTimeoutMs(s.idleTimeout.count()),
          frameTimeoutMs(s.frameTimeout.count()), writeTimeoutMs(s.writeTimeout.count()),
          shutdownGraceMs(s.shutdownGrace.count()), closeTimeoutMs(s.closeTimeout.count()), maxFrameBytes(static_cast<std::int64_t>(s.maxFrameBytes)),
          maxBatchChanges(static_cast<std::int64_t>(s.maxChangesPerBatch)), maxPageRecords(s.maxRecordsPerPage),
          busyRefusals(static_cast<std::int64_t>(s.maxBusyRefusals))
    {
    }

    Result<ServerSettings> toSettings() const
    {
        struct Check {
            const char *key;
            std::int64_t value, low, high;
        };
        for (const Check &c : {
                 Check{"threads", threads, 0, kMaxThreads},
                 Check{"storage-threads", storageThreads, 0, kMaxThreads},
                 Check{"max-connections", maxConnections, 1, kMaxConnectionsLimit},
                 Check{"handshake-timeout-ms", handshakeTimeoutMs, 1, kMaxTimeoutMs},
                 Check{"idle-timeout-ms", idleTimeoutMs, 1, kMaxTimeoutMs},
                 Check{"frame-timeout-ms", frameTimeoutMs, 1, kMaxTimeoutMs},
                 Check{"write-timeout-ms", writeTimeoutMs, 1, kMaxTimeoutMs},
                 Check{"shutdown-grace-ms", shutdownGraceMs, 0, kMaxTimeoutMs},
                 Check{"close-timeout-ms", closeTimeoutMs, 0, kMaxTimeoutMs},
                 Check{"max-frame-bytes", maxFrameBytes, kMinFrameBytes, kMaxFrameBytesLimit},
                 Check{"max-batch-changes", maxBatchChanges, 1, kMaxBatchChangesLimit},
                 Check{"max-page-records", maxPageRecords, 1, kMaxPageRecordsLimit},
                 Check{"busy-refusals", busyRefusals, 0, kMaxConnectionsLimit},
             }) {
            if (auto s = checkRange(c.key, c.value, c.low, c.high); !s)
                return s.error();
        }
        auto address = parseListenAddress(listen);
        if (!address)
            return Error::invalid("listen: " + address.error().message);
        if (!hostname.empty() && !isHostName(hostname))
            return Error::invalid("hostname must be a DNS name or an IP address (got '" + hostname + "')");
        ServerSettings s;
        s.listen = *address;
        s.hostname = hostname;
        s.threads = static_cast<unsigned>(threads);
        s.storageThreads = static_cast<unsigned>(storageThreads);
        s.maxConnections = static_cast<std::size_t>(maxConnections);
        s.handshakeTimeout = std::chrono::milliseconds(handshakeTimeoutMs);
        s.idleTimeout = std::chrono::milliseconds(idleTimeoutMs);
        s.frameTimeout = std::chrono::milliseconds(frameTimeoutMs);
        s.writeTimeout = std::chrono::milliseconds(writeTimeoutMs);
        s.shutdownGrace = std::chrono::milliseconds(shutdownGraceMs);
        s.closeTimeout = std::chrono::milliseconds(closeTimeoutMs);
        s.maxFrameBytes = static_cast<std::size_t>(maxFrameBytes);
        s.maxChangesPerBatch = static_cast<std::size_t>(maxBatchChanges);
        s.maxRecordsPerPage = static_cast<std::uint32_t>(maxPageRecords);
        s.maxBusyRefusals = static_cast<std::size_t>(busyRefusals);
        return s;
    }
};

} // namespace

unsigned ServerSettings::ioThreads() const
{
    if (threads > 0)
        return threads;
    return std::max(1u, std::thread::hardware_concurrency());
}

unsigned ServerSettings::blockingThreads() const
{
    if (storageThreads > 0)
        return storageThreads;
    return std::max(2u, ioThreads());
}

Status validateServerSettings(const ServerSettings &settings)
{
    auto checked = RawSettings(settings).toSettings();
    if (!checked)
        return checked.error();
    return {};
}

Result<ServerCommandLine> parseServerCommandLine(const std::vector<std::string> &args)
{
    ServerCommandLine out;

    // First pass: where the data and the config file are, so the second
    // pass can read the right file before the flags override it.
    {
        CLI::App first;
        first.allow_extras();
        first.set_help_flag();
        first.add_option("--data", out.dataDir);
        first.add_option("--config", out.configFile);
        try {
            first.parse(reversed(args));
        } catch (const CLI::Error &) {
            // The second pass reports errors with the full set of options.
        }
    }
    const bool configGiven = !out.configFile.empty();
    if (!configGiven && !out.dataDir.empty())
        out.configFile = ServerPaths{out.dataDir}.config();

    RawSettings raw(out.settings);
    CLI::App app("beatbook-sync-server: the Beatbook TLS sync server", "beatbook-sync-server");
    app.allow_config_extras(false);  // a misspelt key is an error, not silently ignored
    app.add_option("--data", out.dataDir, "The server's data directory (made by beatbook-admin init)")
        ->required()
        ->configurable(false);
    // A missing default file is fine (flags alone are enough); CLI11 skips
    // it, but insists on a file named with --config.
    app.set_config("--config", out.configFile, "Settings file (default: DATA/server.conf)", false);
    app.add_option("--listen", raw.listen, "Address to listen on, HOST:PORT (port 0 picks a free port)");
    app.add_option("--hostname", raw.hostname, "The name the server certificate was made for");
    app.add_option("--threads", raw.threads, "Network threads (0: one per hardware thread)");
    app.add_option("--storage-threads", raw.storageThreads, "Threads for database reads (0: automatic)");
    app.add_option("--max-connections", raw.maxConnections, "Connections served at once");
    app.add_option("--handshake-timeout-ms", raw.handshakeTimeoutMs, "Time for the TLS handshake and the hello");
    app.add_option("--idle-timeout-ms", raw.idleTimeoutMs, "A silent device is disconnected after this");
    app.add_option("--frame-timeout-ms", raw.frameTimeoutMs, "Time for one frame once it has begun");
    app.add_option("--write-timeout-ms", raw.writeTimeoutMs, "Time for one frame to reach the device");
    app.add_option("--shutdown-grace-ms", raw.shutdownGraceMs, "Time sessions get to finish on shutdown");
    app.add_option("--close-timeout-ms", raw.closeTimeoutMs, "Time a closing session waits for its last frame to arrive");
    app.add_option("--max-frame-bytes", raw.maxFrameBytes, "Largest frame accepted");
    app.add_option("--max-batch-changes", raw.maxBatchChanges, "Most changes in one upload batch");
    app.add_option("--max-page-records", raw.maxPageRecords, "Most records in one pull page");
    app.add_option("--busy-refusals", raw.busyRefusals, "Connections over the limit that get a refusal at once");

    try {
        app.parse(reversed(args));
    } catch (const CLI::CallForHelp &) {
        out.helpRequested = true;
        out.helpText = app.help();
        return out;
    } catch (const CLI::Error &e) {
        return Error::invalid(e.what());
    }

    auto settings = raw.toSettings();
    if (!settings)
        return settings.error();
    out.settings = std::move(*settings);
    return out;
}

} // namespace beatbook
