#include "store/devicestore.h"

#include "core/text.h"
#include "store/devicemeta.h"
#include "store/migrations.h"
#include "store/query.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <filesystem>
#include <system_error>

namespace beatbook {
namespace {

std::string toHex(const unsigned char *data, std::size_t size)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(size * 2);
    for (std::size_t i = 0; i < size; ++i) {
        out.push_back(digits[data[i] >> 4]);
        out.push_back(digits[data[i] & 0x0F]);
    }
    return out;
}

bool fromHex(std::string_view hex, std::vector<unsigned char> &out)
{
    if (hex.size() % 2 != 0)
        return false;
    out.clear();
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        auto nibble = [](char c) -> int {
            if (c >= '0' && c <= '9')
                return c - '0';
            if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
            return -1;
        };
        const int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out.push_back(static_cast<unsigned char>(hi * 16 + lo));
    }
    return true;
}

} // namespace

DeviceStore::DeviceStore(std::unique_ptr<Database> db, const Clock &clock, RandomSource &random)
    : m_db(std::move(db)), m_clock(clock), m_random(random), m_ids(clock, random), m_hlc(clock)
{
}

Result<std::unique_ptr<DeviceStore>> DeviceStore::open(const std::string &path, const Clock &clock,
                                                       RandomSource &random, Database::Durability durability)
{
    auto db = Database::open(path, durability);
    if (!db)
        return db.error();
    // Deleted and overwritten content is zeroed, not left in free space: a
    // champion's device forgets victims' details once the server has them,
    // and records that leave a device's scope must leave its file too.
    if (auto ok = (*db)->exec("PRAGMA secure_delete = ON"); !ok)
        return ok.error();
    if (auto migrated = migrate(**db); !migrated)
        return migrated.error();
    std::unique_ptr<DeviceStore> store(new DeviceStore(std::move(*db), clock, random));
    if (auto loaded = store->loadProfile(); !loaded)
        return loaded.error();
    return store;
}

Status DeviceStore::loadProfile()
{
    DeviceProfile profile;
    std::string hlcFloor;
    auto readSetting = [&](const Statement &s) -> Status {
        const std::string key = s.columnText(0);
        std::string value = s.columnText(1);
        if (key == "device_id")
            profile.deviceId = value;
        else if (key == "user_name")
            profile.userName = value;
        else if (key == "role") {
            auto role = enumFromString<Role>(value);
            if (!role)
                return Error::storage("the stored role is unknown: " + value);
            profile.role = *role;
        } else if (key == "wards") {
            auto list = nlohmann::json::parse(value, nullptr, false);
            if (list.is_array())
                for (const auto &w : list)
                    if (w.is_string())
                        profile.wards.push_back(w.get<std::string>());
        } else if (key == "pack_directory")
            profile.packDirectory = value;
        else if (key == "match_key")
            profile.matchKeyHex = value;
        else if (key == "hlc_floor")
            hlcFloor = value;
        return {};
    };
    if (auto read = forEachRow(*m_db, "SELECT key, value FROM device_meta", noParameters, readSetting); !read)
        return read;
    if (profile.deviceId.empty())
        return {}; // not initialised yet

    // The clock resumes above every timestamp this device has issued, so a
    // device whose wall clock went back still orders its changes correctly.
    auto maxHlc = m_db->queryInt("SELECT COALESCE(MAX(hlc), 0) FROM outbox");
    if (!maxHlc)
        return maxHlc.error();
    HlcTimestamp last{static_cast<std::uint64_t>(*maxHlc)};
    HlcTimestamp floor;
    if (!hlcFloor.empty() && parseHlc(hlcFloor, floor) && floor > last)
        last = floor;
    m_hlc.advanceTo(last);
    m_profile = std::move(profile);
    return {};
}

Result<DeviceProfile> DeviceStore::initialise(DeviceProfile profile)
{
    if (m_profile)
        return Error::notAllowed("this database is already initialised for device " + m_profile->deviceId);
    if (auto ok = checkText("user name", profile.userName, kMaxShortText); !ok)
        return ok.error();
    if (collapseSpaces(profile.userName).empty())
        return Error::invalid("a user name is needed");
    if (profile.deviceId.empty())
        profile.deviceId = m_ids.next();
    if (profile.matchKeyHex.empty()) {
        std::array<std::uint8_t, 32> key{};
        m_random.fill(key);
        profile.matchKeyHex = toHex(key.data(), key.size());
    }
    std::vector<unsigned char> check;
    if (!fromHex(profile.matchKeyHex, check) || check.size() < 16)
        return Error::invalid("the match key must be at least 16 bytes of lower-case hex");

    nlohmann::json wards = profile.wards;
    Status saved = m_db->transaction([&]() -> Status {
        for (const auto &[key, value] :
             {std::pair<std::string_view, std::string>{"device_id", profile.deviceId},
              {"user_name", collapseSpaces(profile.userName)},
              {"role", std::string(toString(profile.role))},
              {"wards", wards.dump()},
              {"pack_directory", profile.packDirectory},
              {"match_key", profile.matchKeyHex},
              {"created_at", std::to_string(m_clock.nowMs())}})
            if (auto ok = putDeviceMeta(*m_db, key, value); !ok)
                return ok;
        return {};
    });
    if (!saved)
        return saved.error();
    if (auto loaded = loadProfile(); !loaded)
        return loaded.error();
    return *m_profile;
}

Status DeviceStore::adoptIdentity(const DeviceProfile &identity)
{
    if (!m_profile)
        return Error::notAllowed("the database is not initialised");
    if (identity.deviceId.empty())
        return Error::invalid("an enrolled identity needs a device id");
    if (auto ok = checkText("user name", identity.userName, kMaxShortText); !ok)
        return ok;
    if (collapseSpaces(identity.userName).empty())
        return Error::invalid("a user name is needed");
    std::vector<unsigned char> check;
    if (!fromHex(identity.matchKeyHex, check) || check.size() < 16)
        return Error::invalid("the match key must be at least 16 bytes of lower-case hex");
    nlohmann::json wards = identity.wards;
    Status saved = m_db->transaction([&]() -> Status {
        for (const auto &[key, value] :
             {std::pair<std::string_view, std::string>{"device_id", identity.deviceId},
              {"user_name", collapseSpaces(identity.userName)},
              {"role", std::string(toString(identity.role))},
              {"wards", wards.dump()},
              {"match_key", identity.matchKeyHex}})
            if (auto ok = putDeviceMeta(*m_db, key, value); !ok)
                return ok;
        return {};
    });
    if (!saved)
        return saved;
    return loadProfile();
}

Status DeviceStore::observeHlc(HlcTimestamp seen)
{
    if (!m_db)
        return Error::notAllowed("the database was wiped");
    if (seen <= m_hlc.last())
        return {};
    if (auto ok = putDeviceMeta(*m_db, "hlc_floor", toString(seen)); !ok)
        return ok;
    m_hlc.advanceTo(seen);
    return {};
}

Status DeviceStore::wipe()
{
    if (!m_db)
        return {};
    const std::string path = m_db->path();
    m_db.reset();
    m_profile.reset();
    if (path.empty() || path == ":memory:")
        return {};
    std::string failed;
    for (const std::string &file : {path, path + "-wal", path + "-shm", path + "-journal"}) {
        std::error_code error;
        std::filesystem::remove(file, error);
        if (error)
            failed += (failed.empty() ? "" : ", ") + file;
    }
    if (!failed.empty())
        return Error::io("could not delete " + failed);
    return {};
}

Status DeviceStore::write(const std::function<Status(WriteTxn &)> &fn)
{
    if (!m_profile)
        return Error::notAllowed("the database is not initialised: run init first");
    // A failed transaction leaves the clock advanced: harmless, as
    // timestamps need only increase.
    WriteTxn txn(*m_db, m_hlc, m_ids, m_clock, m_profile->deviceId);
    return m_db->transaction([&] { return fn(txn); });
}

std::string DeviceStore::matchKey(std::string_view text) const
{
    std::vector<unsigned char> key;
    if (m_profile)
        fromHex(m_profile->matchKeyHex, key);
    const std::string folded = foldForMatching(text);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char *>(folded.data()), folded.size(), digest, &length);
    return toHex(digest, length);
}

} // namespace beatbook
