#pragma once

#include "core/result.h"
#include "sync/framecodec.h"
#include "sync/outboxqueue.h"
#include "sync/retrypolicy.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace beatbook {

class DeviceStore;
class RandomSource;

struct SyncSettings {
    std::chrono::milliseconds connectTimeout{15000};
    std::chrono::milliseconds handshakeTimeout{15000};
    // Waiting for the server's answer to a batch, page or check.
    std::chrono::milliseconds answerTimeout{120000};
    std::chrono::milliseconds frameTimeout{60000};
    OutboxBatchLimits batch;
    std::uint32_t pageRecords = 2000;          // asked per pull page; the server may send fewer
    RetryPolicy retry;
    // Rounds of checksum comparison (each may first pull what arrived on
    // the server meanwhile).
    int verifyRounds = 3;
    // On a mismatch the server cannot explain, pull the whole scope again
    // once (a local rebaseline), then compare again.
    bool repairOnMismatch = true;
    std::string appVersion = "beatbook/0.1.0";
    FrameLimits frameLimits;
};

struct SyncProgress {
    enum class Phase { Connecting, Uploading, Downloading, Verifying, Done };
    Phase phase = Phase::Connecting;
    std::uint64_t changesSent = 0;
    std::uint64_t changesAnswered = 0;
    std::uint64_t recordsReceived = 0;
    std::uint64_t bytesSent = 0;
    std::uint64_t bytesReceived = 0;
};
// Called on the syncing thread, between frames.
using SyncProgressCallback = std::function<void(const SyncProgress &)>;

// What one sync did, also when it failed part-way (lastReport()).
struct SyncReport {
    std::uint64_t changesSent = 0;       // changes uploaded (a resent change counts again)
    std::uint64_t accepted = 0;
    std::uint64_t rejected = 0;
    std::uint64_t conflicts = 0;         // accepted, with a concurrent value kept beside them
    std::uint64_t recordsReceived = 0;
    std::uint64_t recordsRemoved = 0;    // left the scope (removed, or swept after a rebaseline)
    std::uint64_t forgotten = 0;         // people a champion's device let go
    std::uint64_t bytesSent = 0;
    std::uint64_t bytesReceived = 0;
    int attempts = 0;                    // sessions started
    bool verified = false;               // the checksums matched the server's
    bool repaired = false;               // a mismatch led to a full pull
    std::vector<std::string> mismatched; // entities whose checksums still differ
    // Set when the server refused the device (its code name, e.g.
    // "DEVICE_REVOKED").
    std::optional<std::string> refusal;
    bool wiped = false;                  // the server said so: the device's data is gone
    bool cancelled = false;
};

// The device's sync client: one call runs a whole sync on an io_context of
// its own, on the calling thread (beatbook-field calls it directly; the app
// calls it on a worker thread). Each step is durable as soon as it is done
// (answers per batch, each pulled page with its cursor), so a sync that
// fails or is cancelled part-way resumes where it stopped.
//
// Session: connect; TLS 1.3; refuse unless the server certificate's SHA-256
// equals the pin; ClientHello signed over the session's exported keying
// material; upload every pending change in batches; pull pages until
// complete; compare checksums. Network failures are retried with backoff.
// A refusal with wipe set wipes the device's data (DeviceStore::wipe) at
// once, whatever is pending: the store must not be used afterwards.
// The store must not be used by another thread while a sync runs.
class SyncClient {
public:
    SyncClient(DeviceStore &store, RandomSource &random, SyncSettings settings = {});

    void setProgressCallback(SyncProgressCallback callback) { m_progress = std::move(callback); }

    // cancel, when given, may be set from another thread: the sync stops at
    // once (its completed steps are kept) and fails with "sync cancelled".
    // Refused (NotAllowed) for a device that is not enrolled; Io for
    // network, TLS, pinning and refusals by the server.
    Result<SyncReport> sync(const std::atomic<bool> *cancel = nullptr);

    // The report of the last sync, complete or not.
    const SyncReport &lastReport() const { return m_report; }

private:
    DeviceStore &m_store;
    RandomSource &m_random;
    SyncSettings m_settings;
    SyncProgressCallback m_progress;
    SyncReport m_report;
};

} // namespace beatbook
