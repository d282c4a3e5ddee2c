#pragma once

#include "core/result.h"
#include "sync/serveraddress.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace beatbook {

// Everything an operator may tune, with the defaults the server runs with.
// Each field is a key of DATA/server.conf ("key = value") and a flag of the
// same name (--key VALUE); a flag overrides the file.
struct ServerSettings {
    ServerAddress listen{"127.0.0.1", 7443};           // listen; port 0 picks a free port
    std::string hostname;                                // hostname: the certificate's name (admin init writes it)
    unsigned threads = 0;                                // threads: 0 = one per hardware thread
    unsigned storageThreads = 0;                         // storage-threads: 0 = as many as threads, at least 2
    std::size_t maxConnections = 10000;                  // max-connections
    std::chrono::milliseconds handshakeTimeout{10000};   // handshake-timeout-ms: TLS handshake and hello
    std::chrono::milliseconds idleTimeout{120000};       // idle-timeout-ms: no frame from the device
    std::chrono::milliseconds frameTimeout{30000};       // frame-timeout-ms: one frame once it has begun
    std::chrono::milliseconds writeTimeout{30000};       // write-timeout-ms: one frame to the device
    std::chrono::milliseconds shutdownGrace{15000};      // shutdown-grace-ms: sessions' time to finish
    std::chrono::milliseconds closeTimeout{2000};        // close-timeout-ms: last frame's time to arrive
    std::size_t maxFrameBytes = 4 * 1024 * 1024;         // max-frame-bytes
    std::size_t maxChangesPerBatch = 2000;               // max-batch-changes
    std::uint32_t maxRecordsPerPage = 2000;              // max-page-records
    // busy-refusals: connections over the limit that get a SERVER_BUSY
    // refusal at once (each costs a handshake); beyond it they are closed.
    std::size_t maxBusyRefusals = 64;

    // threads and storageThreads with 0 resolved for this machine.
    unsigned ioThreads() const;
    unsigned blockingThreads() const;
};

// What the command line asked for.
struct ServerCommandLine {
    std::string dataDir;
    std::string configFile;   // the file read (DATA/server.conf unless --config)
    ServerSettings settings;
    bool helpRequested = false;
    std::string helpText;
};

// Parses `beatbook-sync-server --data DIR [--config FILE] [--listen HOST:PORT]
// [--threads N] [--KEY VALUE]...` (args without the program name). Reads the
// config file (DATA/server.conf by default; a missing default file is
// allowed, a missing --config file is not) and applies the flags over it.
// InvalidInput for bad flags, unknown keys and values out of range, naming
// the key.
Result<ServerCommandLine> parseServerCommandLine(const std::vector<std::string> &args);

// Checks that values are in range (shared by the file and the flags).
Status validateServerSettings(const ServerSettings &settings);

} // namespace beatbook
