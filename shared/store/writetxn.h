#pragma once

#include "core/clock.h"
#include "core/hlc.h"
#include "core/result.h"

#include <nlohmann/json.hpp>

#include <cstdint>

#include <string>
#include <string_view>

namespace beatbook {

class Database;
class UuidGenerator;

// Column name -> value for one record. Insertion order is kept so the outbox
// entry reads like the row.
using Fields = nlohmann::ordered_json;

// The only way domain records are written. Each insert or update writes the
// row and appends its outbox entry in the same transaction, both from the
// same Fields, so there is never a write without its change or a change
// without its write. Obtained from DeviceStore::write.
class WriteTxn {
public:
    WriteTxn(Database &db, HybridLogicalClock &hlc, UuidGenerator &ids, const Clock &clock,
             std::string deviceId);

    // Writes a new record. `fields` must not contain hlc or device_id: the
    // transaction stamps them.
    Status insert(std::string_view table, const std::string &id, Fields fields);
    // Changes some fields of an existing record; fails if it does not exist.
    // Its outbox entry records the version the change was based on
    // (base_hlc), so the server can tell a concurrent change from a later one.
    Status update(std::string_view table, const std::string &id, Fields changed);

    Database &db() { return m_db; }
    TimestampMs now() const { return m_clock.nowMs(); }
    std::string newId();

private:
    Status appendOutbox(std::string_view table, const std::string &id, std::string_view op,
                        const Fields &fields, HlcTimestamp stamp, std::uint64_t baseHlc);
    Result<std::uint64_t> baseVersion(std::string_view table, const std::string &id);

    Database &m_db;
    HybridLogicalClock &m_hlc;
    UuidGenerator &m_ids;
    const Clock &m_clock;
    std::string m_deviceId;
};

} // namespace beatbook
