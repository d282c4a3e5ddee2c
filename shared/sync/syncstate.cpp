#include "sync/syncstate.h"

#include "crypto/certificates.h"
#include "store/database.h"
#include "store/devicemeta.h"
#include "store/query.h"

#include <charconv>
#include <string_view>

namespace beatbook {
namespace {

constexpr std::string_view kServer = "sync_server";
constexpr std::string_view kPin = "sync_server_sha256";
constexpr std::string_view kKey = "sync_device_key";
constexpr std::string_view kServerId = "sync_server_id";
constexpr std::string_view kCursor = "sync_cursor";
constexpr std::string_view kScopeToken = "sync_scope_token";
constexpr std::string_view kLastSyncAt = "sync_last_at";
constexpr std::string_view kRebaseline = "sync_rebaseline";

template <typename Int>
bool parseInt(const std::string &text, Int &out)
{
    const char *end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, out);
    return ec == std::errc() && ptr == end && !text.empty();
}

Result<std::string> rawFromHex(const std::string &key, const std::string &hex)
{
    auto raw = fromHex(hex);
    if (!raw || raw->size() != 32)
        return Error::storage("the stored " + key + " is unreadable: enrol the device again");
    return *raw;
}

} // namespace

Result<SyncState> loadSyncState(Database &db)
{
    SyncState state;
    Status read = forEachRow(db, "SELECT key, value FROM device_meta WHERE key LIKE 'sync\\_%' ESCAPE '\\'",
                             noParameters, [&](const Statement &s) -> Status {
        const std::string key = s.columnText(0);
        const std::string value = s.columnText(1);
        if (key == kServer) {
            state.serverAddress = value;
        } else if (key == kPin) {
            auto raw = rawFromHex("server certificate pin", value);
            if (!raw)
                return raw.error();
            state.pinnedCertificateSha256 = *raw;
        } else if (key == kKey) {
            auto raw = rawFromHex("device key", value);
            if (!raw)
                return raw.error();
            state.devicePrivateKey = *raw;
        } else if (key == kServerId) {
            state.serverId = value;
        } else if (key == kCursor) {
            if (!parseInt(value, state.cursor))
                return Error::storage("the stored sync cursor is unreadable");
        } else if (key == kScopeToken) {
            state.scopeToken = value;
        } else if (key == kLastSyncAt) {
            TimestampMs at = 0;
            if (!parseInt(value, at))
                return Error::storage("the stored time of the last sync is unreadable");
            state.lastSyncAt = at;
        } else if (key == kRebaseline) {
            state.rebaselineActive = value == "1";
        }
        return {};
    });
    if (!read)
        return read.error();
    return state;
}

Status saveSyncEnrolment(Database &db, const SyncState &state)
{
    if (!state.isEnrolled())
        return Error::invalid("an enrolment needs the server address, its certificate digest and the device key");
    return db.transaction([&]() -> Status {
        for (const auto &[key, value] :
             {std::pair<std::string_view, std::string>{kServer, state.serverAddress},
              {kPin, toHex(state.pinnedCertificateSha256)},
              {kKey, toHex(state.devicePrivateKey)},
              {kServerId, state.serverId},
              {kCursor, "0"},
              {kScopeToken, ""},
              {kRebaseline, "0"}})
            if (auto ok = putDeviceMeta(db, key, value); !ok)
                return ok;
        return {};
    });
}

Status saveSyncCursor(Database &db, std::uint64_t cursor, const std::string &scopeToken)
{
    if (auto ok = putDeviceMeta(db, kCursor, std::to_string(cursor)); !ok)
        return ok;
    return putDeviceMeta(db, kScopeToken, scopeToken);
}

Status saveRebaselineActive(Database &db, bool active) { return putDeviceMeta(db, kRebaseline, active ? "1" : "0"); }

Status saveLastSyncAt(Database &db, TimestampMs at) { return putDeviceMeta(db, kLastSyncAt, std::to_string(at)); }

} // namespace beatbook
