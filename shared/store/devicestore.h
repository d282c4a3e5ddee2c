#pragma once

#include "core/clock.h"
#include "core/hlc.h"
#include "core/randomsource.h"
#include "core/result.h"
#include "core/uuid.h"
#include "store/database.h"
#include "store/deviceprofile.h"
#include "store/writetxn.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace beatbook {

// The device's local store: an SQLite database in WAL mode at the latest
// schema, the device's profile, its id generator and its hybrid logical
// clock. Every domain write goes through write(), which wraps one
// transaction and its outbox entries.
class DeviceStore {
public:
    // The device defaults to WAL with synchronous=NORMAL: a committed report
    // survives the app being killed or crashing (tested with SIGKILL), and
    // logging stays well under a millisecond; only a power cut or kernel
    // crash can lose the last commits, which the sync server's copy (kept
    // with synchronous=FULL) then covers once synced. docs/benchmarks.md has
    // both figures.
    static Result<std::unique_ptr<DeviceStore>> open(const std::string &path, const Clock &clock,
                                                     RandomSource &random,
                                                     Database::Durability durability = Database::Durability::Normal);

    // First-time set-up: records the profile (a new device id and match key
    // are made when empty). Refused if the store is already initialised.
    Result<DeviceProfile> initialise(DeviceProfile profile);
    bool isInitialised() const { return m_profile.has_value(); }
    // The profile; only valid when initialised.
    const DeviceProfile &profile() const { return *m_profile; }

    // Replaces the identity with the one the sync server enrolled (or now
    // reports): device id, user, role, wards and the partnership's match
    // key. The pack directory stays. Refused when not initialised.
    Status adoptIdentity(const DeviceProfile &identity);

    // Moves the clock above a version received from elsewhere, so that the
    // next local change orders after what this device has seen. Kept across
    // restarts (device_meta hlc_floor); may run inside a transaction.
    Status observeHlc(HlcTimestamp seen);

    // Remote wipe: closes the database and deletes its files (the -wal and
    // -shm with it). Afterwards the store holds nothing and refuses writes;
    // db() must not be called again.
    Status wipe();
    bool isOpen() const { return m_db != nullptr; }

    // Runs fn in one transaction; nothing of it is kept if fn fails.
    Status write(const std::function<Status(WriteTxn &)> &fn);

    Database &db() { return *m_db; }
    const Clock &clock() const { return m_clock; }
    TimestampMs now() const { return m_clock.nowMs(); }
    HlcTimestamp lastHlc() const { return m_hlc.last(); }

    // The keyed hash used to match a person across reports without
    // comparing names: hex HMAC-SHA256 of the folded text.
    std::string matchKey(std::string_view text) const;

private:
    DeviceStore(std::unique_ptr<Database> db, const Clock &clock, RandomSource &random);
    Status loadProfile();

    std::unique_ptr<Database> m_db;
    const Clock &m_clock;
    RandomSource &m_random;
    UuidGenerator m_ids;
    HybridLogicalClock m_hlc;
    std::optional<DeviceProfile> m_profile;
};

} // namespace beatbook
