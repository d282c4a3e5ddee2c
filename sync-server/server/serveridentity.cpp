#include "server/serveridentity.h"

#include "core/uuid.h"
#include "store/query.h"

#include <array>
#include <cstdint>
#include <optional>

namespace beatbook {
namespace {

constexpr std::string_view kServerIdKey = "server_id";
constexpr std::string_view kMatchKeyKey = "match_key";

// A random (version 4) UUID: the server's name says nothing about when or
// where it was set up.
std::string randomUuid(RandomSource &random)
{
    std::array<std::uint8_t, 16> bytes{};
    random.fill(bytes);
    bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0f) | 0x40);
    bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3f) | 0x80);
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out.push_back('-');
        out.push_back(kDigits[bytes[i] >> 4]);
        out.push_back(kDigits[bytes[i] & 0x0f]);
    }
    return out;
}

// server_meta.value is a BLOB column of a STRICT table: text bound as a
// parameter is cast so the bytes are stored exactly as given.
Result<std::optional<std::string>> readMeta(Database &db, std::string_view key)
{
    return readOptionalRow(
        db, "SELECT value FROM server_meta WHERE key = ?", [&](Statement &s) { s.bind(1, key); },
        [](const Statement &s) { return s.columnText(0); });
}

Status writeMeta(Database &db, std::string_view key, std::string_view value)
{
    auto stmt = db.prepare("INSERT INTO server_meta (key, value) VALUES (?, CAST(? AS BLOB))");
    if (!stmt)
        return stmt.error();
    return (*stmt)->bind(1, key).bind(2, value).run();
}

} // namespace

Result<ServerIdentity> loadServerIdentity(Database &db)
{
    auto serverId = readMeta(db, kServerIdKey);
    if (!serverId)
        return serverId.error();
    auto matchKey = readMeta(db, kMatchKeyKey);
    if (!matchKey)
        return matchKey.error();
    if (!*serverId && !*matchKey)
        return Error::notFound("the server database has no server identity: initialise the data directory "
                               "with beatbook-admin init");
    if (!*serverId || !isUuid(**serverId))
        return Error::storage("the server database's server_id is missing or malformed");
    if (!*matchKey || (*matchKey)->size() != kMatchKeyBytes)
        return Error::storage("the server database's match_key is missing or not 32 bytes");
    return ServerIdentity{std::move(**serverId), std::move(**matchKey)};
}

Result<ServerIdentity> createServerIdentity(Database &db, RandomSource &random)
{
    ServerIdentity identity;
    identity.serverId = randomUuid(random);
    std::array<std::uint8_t, kMatchKeyBytes> key{};
    random.fill(key);
    identity.matchKey.assign(key.begin(), key.end());
    Status written = db.transaction([&]() -> Status {
        auto existing = hasRow(db, "SELECT 1 FROM server_meta WHERE key IN ('server_id', 'match_key')", noParameters);
        if (!existing)
            return existing.error();
        if (*existing)
            return Error::notAllowed("this server already has an identity; replacing its match key would break "
                                     "every repeat-victim match made so far");
        if (auto ok = writeMeta(db, kServerIdKey, identity.serverId); !ok)
            return ok;
        return writeMeta(db, kMatchKeyKey, identity.matchKey);
    });
    if (!written)
        return written.error();
    return identity;
}

} // namespace beatbook
