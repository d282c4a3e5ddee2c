#pragma once

#include "core/clock.h"
#include "core/result.h"

#include <cstdint>
#include <optional>
#include <string>

namespace beatbook {

class Database;

// What a device keeps about its sync server, in device_meta beside its
// profile: written at enrolment, advanced by every sync.
struct SyncState {
    std::string serverAddress;            // "host:port" as enrolled
    std::string pinnedCertificateSha256;  // raw 32 bytes: the only certificate accepted
    // Raw Ed25519 private key, 32 bytes. Kept in the database for now; a
    // later issue moves it to the platform keychain.
    std::string devicePrivateKey;
    std::string serverId;
    std::uint64_t cursor = 0;             // the feed position applied last
    std::string scopeToken;               // the scope the pulls were made for
    std::optional<TimestampMs> lastSyncAt;
    bool rebaselineActive = false;        // a rebaseline pull has not completed yet

    bool isEnrolled() const
    {
        return !serverAddress.empty() && pinnedCertificateSha256.size() == 32 && devicePrivateKey.size() == 32;
    }
};

// Never fails for a device that was never enrolled: the state is then empty.
// Fails when a stored value is unreadable (so a corrupt pin is never taken
// for "no pin").
Result<SyncState> loadSyncState(Database &db);

// Records an enrolment: server address, pin, key and server id; the cursor,
// scope token and rebaseline flag start afresh.
Status saveSyncEnrolment(Database &db, const SyncState &state);
// The pull applier calls these inside the transaction that applies a page.
Status saveSyncCursor(Database &db, std::uint64_t cursor, const std::string &scopeToken);
Status saveRebaselineActive(Database &db, bool active);
Status saveLastSyncAt(Database &db, TimestampMs at);

} // namespace beatbook
