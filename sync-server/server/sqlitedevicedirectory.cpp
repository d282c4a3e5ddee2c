#include "server/sqlitedevicedirectory.h"

#include "core/enumnames.h"
#include "core/text.h"
#include "core/uuid.h"
#include "geo/wardcode.h"
#include "server/username.h"
#include "store/query.h"
#include "sync/enrolmentcode.h"

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <limits>

namespace beatbook {
namespace {

constexpr std::size_t kPublicKeyBytes = 32;
// A canonical secret is 16 characters; anything much longer is not a code
// and is not worth hashing.
constexpr std::size_t kMaxSecretText = 64;

// One message for every refused code, so that nobody can learn from the
// answer whether a guessed code exists, was used, expired or belongs to a
// disabled user.
Error refusedCode()
{
    return Error::notAllowed("the enrolment code was not accepted: ask your administrator for a new one");
}

// Text from outside echoed in an error only when it is short printable ASCII.
std::string shown(std::string_view text)
{
    if (text.empty() || text.size() > 40)
        return "given";
    for (char c : text)
        if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
            return "given";
    return std::string(text);
}

std::string sha256Hex(std::string_view text)
{
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    if (EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1)
        return {};
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < size; ++i) {
        out.push_back(kDigits[digest[i] >> 4]);
        out.push_back(kDigits[digest[i] & 0x0f]);
    }
    return out;
}

std::string wardsJson(const std::vector<std::string> &wards) { return nlohmann::json(wards).dump(); }

Result<std::vector<std::string>> parseWards(const std::string &text)
{
    const auto parsed = nlohmann::json::parse(text, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_array())
        return Error::storage("a user's wards in server.db are not a JSON array");
    std::vector<std::string> wards;
    for (const auto &ward : parsed) {
        if (!ward.is_string() || !isWardCodeFormat(ward.get<std::string>()))
            return Error::storage("a user's wards in server.db hold something other than a ward code");
        wards.push_back(ward.get<std::string>());
    }
    return wards;
}

Result<UserAccount> readUser(const Statement &s, int first)
{
    UserAccount user;
    user.name = s.columnText(first);
    auto role = enumFromString<Role>(s.columnText(first + 1));
    if (!role)
        return Error::storage("user " + shown(user.name) + " has an unknown role in server.db");
    user.role = *role;
    auto wards = parseWards(s.columnText(first + 2));
    if (!wards)
        return wards.error();
    user.wards = std::move(*wards);
    user.disabled = s.columnInt(first + 3) != 0;
    user.createdAt = s.columnInt(first + 4);
    return user;
}

constexpr std::string_view kUserColumns = "u.name, u.role, u.wards, u.disabled, u.created_at";
constexpr std::string_view kDeviceColumns =
    "d.id, d.user_name, d.public_key, d.label, d.status, d.enrolled_at, d.last_seen_at, d.revoked_at";
constexpr int kDeviceColumnCount = 8;

Result<DeviceEntry> readDevice(const Statement &s, Role role)
{
    DeviceEntry device;
    device.id = s.columnText(0);
    device.userName = s.columnText(1);
    device.role = role;
    device.publicKey = s.columnText(2);
    device.label = s.columnText(3);
    const std::string status = s.columnText(4);
    if (status == "active")
        device.status = DeviceStatus::Active;
    else if (status == "revoked")
        device.status = DeviceStatus::Revoked;
    else
        return Error::storage("device " + shown(device.id) + " has an unknown status in server.db");
    device.enrolledAt = s.columnInt(5);
    device.lastSeenAt = s.columnOptionalInt(6);
    device.revokedAt = s.columnOptionalInt(7);
    return device;
}

Error noSuchDevice(const std::string &deviceId)
{
    return Error::notFound(isUuid(deviceId) ? "no device " + deviceId : std::string("no device with that id"));
}

// A user's wards as stored: each a ward code, sorted, once each.
Result<std::vector<std::string>> normalisedWards(std::vector<std::string> wards)
{
    for (const auto &ward : wards)
        if (!isWardCodeFormat(ward))
            return Error::invalid("ward code " + shown(ward)
                                  + " is not an ONS ward code (E05 and six digits, e.g. E05013628)");
    std::sort(wards.begin(), wards.end());
    wards.erase(std::unique(wards.begin(), wards.end()), wards.end());
    return wards;
}

Error noSuchUser(const std::string &name)
{
    return Error::notFound(checkUserName(name) ? "no user named " + name : std::string("no user with that name"));
}

} // namespace

SqliteDeviceDirectory::SqliteDeviceDirectory(std::unique_ptr<Database> db, std::unique_ptr<RandomSource> random)
    : m_db(std::move(db)), m_random(std::move(random))
{
}

Status SqliteDeviceDirectory::addUser(const UserAccount &user)
{
    if (auto ok = checkUserName(user.name); !ok)
        return ok;
    auto checked = normalisedWards(user.wards);
    if (!checked)
        return checked.error();
    const std::vector<std::string> &wards = *checked;

    const std::lock_guard lock(m_mutex);
    return m_db->transaction([&]() -> Status {
        auto exists = hasRow(*m_db, "SELECT 1 FROM users WHERE name = ?", [&](Statement &s) { s.bind(1, user.name); });
        if (!exists)
            return exists.error();
        if (*exists)
            return Error::invalid("user " + user.name + " already exists");
        auto stmt = m_db->prepare("INSERT INTO users (name, role, wards, disabled, created_at) VALUES (?, ?, ?, ?, ?)");
        if (!stmt)
            return stmt.error();
        return (*stmt)
            ->bind(1, user.name)
            .bind(2, toString(user.role))
            .bind(3, wardsJson(wards))
            .bind(4, user.disabled ? 1 : 0)
            .bind(5, user.createdAt)
            .run();
    });
}

Result<std::optional<UserAccount>> SqliteDeviceDirectory::findUserLocked(const std::string &name)
{
    return readOptionalRow(
        *m_db, "SELECT " + std::string(kUserColumns) + " FROM users u WHERE u.name = ?",
        [&](Statement &s) { s.bind(1, name); }, [](const Statement &s) { return readUser(s, 0); });
}

Result<std::optional<UserAccount>> SqliteDeviceDirectory::findUser(const std::string &name)
{
    const std::lock_guard lock(m_mutex);
    return findUserLocked(name);
}

Result<std::vector<UserAccount>> SqliteDeviceDirectory::listUsers()
{
    const std::lock_guard lock(m_mutex);
    return readRows(*m_db, "SELECT " + std::string(kUserColumns) + " FROM users u ORDER BY u.name", noParameters,
                    [](const Statement &s) { return readUser(s, 0); });
}

Status SqliteDeviceDirectory::setUserDisabled(const std::string &name, bool disabled)
{
    const std::lock_guard lock(m_mutex);
    return m_db->transaction([&]() -> Status {
        auto stmt = m_db->prepare("UPDATE users SET disabled = ? WHERE name = ?");
        if (!stmt)
            return stmt.error();
        if (auto ok = (*stmt)->bind(1, disabled ? 1 : 0).bind(2, name).run(); !ok)
            return ok;
        if (m_db->changes() == 0)
            return noSuchUser(name);
        return {};
    });
}

Status SqliteDeviceDirectory::setUserWards(const std::string &name, const std::vector<std::string> &wards)
{
    auto checked = normalisedWards(wards);
    if (!checked)
        return checked.error();
    const std::lock_guard lock(m_mutex);
    return m_db->transaction([&]() -> Status {
        auto stmt = m_db->prepare("UPDATE users SET wards = ? WHERE name = ?");
        if (!stmt)
            return stmt.error();
        if (auto ok = (*stmt)->bind(1, wardsJson(*checked)).bind(2, name).run(); !ok)
            return ok;
        if (m_db->changes() == 0)
            return noSuchUser(name);
        return {};
    });
}

Result<IssuedEnrolmentCode> SqliteDeviceDirectory::issueEnrolmentCode(const std::string &userName, TimestampMs now,
                                                                     std::int64_t validForMs)
{
    if (validForMs <= 0 || now > std::numeric_limits<TimestampMs>::max() - validForMs)
        return Error::invalid("an enrolment code must be valid for a positive time");
    const std::lock_guard lock(m_mutex);
    IssuedEnrolmentCode issued;
    issued.expiresAt = now + validForMs;
    Status done = m_db->transaction([&]() -> Status {
        auto user = findUserLocked(userName);
        if (!user)
            return user.error();
        if (!*user)
            return noSuchUser(userName);
        if ((*user)->disabled)
            return Error::notAllowed("user " + userName + " is disabled: enable them before issuing a code");
        std::array<std::uint8_t, kEnrolmentSecretBytes> bytes{};
        m_random->fill(bytes);
        issued.secret.assign(reinterpret_cast<const char *>(bytes.data()), bytes.size());
        auto stmt = m_db->prepare(
            "INSERT INTO enrolment_codes (secret_hash, user_name, issued_at, expires_at) VALUES (?, ?, ?, ?)");
        if (!stmt)
            return stmt.error();
        return (*stmt)
            ->bind(1, sha256Hex(enrolmentSecretText(issued.secret)))
            .bind(2, userName)
            .bind(3, now)
            .bind(4, issued.expiresAt)
            .run();
    });
    if (!done)
        return done.error();
    return issued;
}

Result<EnrolledDevice> SqliteDeviceDirectory::enrolDevice(const std::string &secret, const std::string &publicKey,
                                                          const std::string &label, TimestampMs now)
{
    if (publicKey.size() != kPublicKeyBytes)
        return Error::invalid("a device's public key is 32 bytes (Ed25519)");
    if (auto ok = checkText("device label", label, kMaxShortText); !ok)
        return ok.error();
    if (secret.empty() || secret.size() > kMaxSecretText)
        return refusedCode();
    const std::string hash = sha256Hex(secret);

    const std::lock_guard lock(m_mutex);
    EnrolledDevice enrolled;
    Status done = m_db->transaction([&]() -> Status {
        struct CodeRow {
            std::string userName;
            TimestampMs expiresAt;
            bool used;
        };
        auto code = readOptionalRow(
            *m_db, "SELECT user_name, expires_at, used_at IS NOT NULL FROM enrolment_codes WHERE secret_hash = ?",
            [&](Statement &s) { s.bind(1, hash); },
            [](const Statement &s) { return CodeRow{s.columnText(0), s.columnInt(1), s.columnInt(2) != 0}; });
        if (!code)
            return code.error();
        if (!*code || (*code)->used || now >= (*code)->expiresAt)
            return refusedCode();
        auto user = findUserLocked((*code)->userName);
        if (!user)
            return user.error();
        if (!*user || (*user)->disabled)
            return refusedCode();

        // A time-ordered id, so devices list in the order they enrolled.
        ManualClock at(now);
        UuidGenerator ids(at, *m_random);
        DeviceEntry &device = enrolled.device;
        device.id = ids.next();
        device.userName = (*user)->name;
        device.role = (*user)->role;
        device.status = DeviceStatus::Active;
        device.publicKey = publicKey;
        device.label = label;
        device.enrolledAt = now;
        enrolled.user = **user;

        auto insert = m_db->prepare("INSERT INTO devices (id, user_name, public_key, label, status, enrolled_at) "
                                    "VALUES (?, ?, CAST(? AS BLOB), ?, 'active', ?)");
        if (!insert)
            return insert.error();
        if (auto ok = (*insert)->bind(1, device.id).bind(2, device.userName).bind(3, publicKey).bind(4, label)
                          .bind(5, now).run();
            !ok)
            return ok;
        auto use = m_db->prepare("UPDATE enrolment_codes SET used_at = ?, device_id = ? "
                                 "WHERE secret_hash = ? AND used_at IS NULL");
        if (!use)
            return use.error();
        if (auto ok = (*use)->bind(1, now).bind(2, device.id).bind(3, hash).run(); !ok)
            return ok;
        // The write transaction began IMMEDIATE, so no other connection can
        // have used the code since it was read: this is a guard, not a race.
        if (m_db->changes() != 1)
            return refusedCode();
        return {};
    });
    if (!done)
        return done.error();
    return enrolled;
}

Result<std::optional<EnrolledDevice>> SqliteDeviceDirectory::findDevice(const std::string &deviceId)
{
    const std::lock_guard lock(m_mutex);
    return readOptionalRow(
        *m_db,
        "SELECT " + std::string(kDeviceColumns) + ", " + std::string(kUserColumns)
            + " FROM devices d JOIN users u ON u.name = d.user_name WHERE d.id = ?",
        [&](Statement &s) { s.bind(1, deviceId); },
        [](const Statement &s) -> Result<EnrolledDevice> {
            auto user = readUser(s, kDeviceColumnCount);
            if (!user)
                return user.error();
            auto device = readDevice(s, user->role);
            if (!device)
                return device.error();
            return EnrolledDevice{std::move(*device), std::move(*user)};
        });
}

Result<std::vector<DeviceEntry>> SqliteDeviceDirectory::listDevices()
{
    const std::lock_guard lock(m_mutex);
    return readRows(*m_db,
                    "SELECT " + std::string(kDeviceColumns)
                        + ", u.role FROM devices d JOIN users u ON u.name = d.user_name ORDER BY d.enrolled_at, d.id",
                    noParameters, [](const Statement &s) -> Result<DeviceEntry> {
                        auto role = enumFromString<Role>(s.columnText(kDeviceColumnCount));
                        if (!role)
                            return Error::storage("a user has an unknown role in server.db");
                        return readDevice(s, *role);
                    });
}

Status SqliteDeviceDirectory::revokeDevice(const std::string &deviceId, TimestampMs now)
{
    const std::lock_guard lock(m_mutex);
    return m_db->transaction([&]() -> Status {
        auto exists = hasRow(*m_db, "SELECT 1 FROM devices WHERE id = ?", [&](Statement &s) { s.bind(1, deviceId); });
        if (!exists)
            return exists.error();
        if (!*exists)
            return noSuchDevice(deviceId);
        // Revoking twice keeps the first time: that is when it stopped being trusted.
        auto stmt = m_db->prepare(
            "UPDATE devices SET status = 'revoked', revoked_at = ? WHERE id = ? AND status = 'active'");
        if (!stmt)
            return stmt.error();
        return (*stmt)->bind(1, now).bind(2, deviceId).run();
    });
}

Status SqliteDeviceDirectory::touchDevice(const std::string &deviceId, TimestampMs now)
{
    const std::lock_guard lock(m_mutex);
    return m_db->transaction([&]() -> Status {
        auto stmt = m_db->prepare(
            "UPDATE devices SET last_seen_at = MAX(COALESCE(last_seen_at, ?), ?) WHERE id = ?");
        if (!stmt)
            return stmt.error();
        if (auto ok = (*stmt)->bind(1, now).bind(2, now).bind(3, deviceId).run(); !ok)
            return ok;
        if (m_db->changes() == 0)
            return noSuchDevice(deviceId);
        return {};
    });
}

Status SqliteDeviceDirectory::audited(AdminAuditEntry entry, const std::function<Status(AdminAuditEntry &)> &change)
{
    // Held across the change: another thread's call must not run inside
    // this transaction, and the change's own calls take the mutex again.
    const std::lock_guard lock(m_mutex);
    return m_db->transaction([&]() -> Status {
        if (auto ok = change(entry); !ok)
            return ok;
        return appendAdminAudit(*m_db, entry);
    });
}

Result<std::vector<AdminAuditEntry>> SqliteDeviceDirectory::listAdminAudit(std::optional<std::int64_t> limit)
{
    const std::lock_guard lock(m_mutex);
    return beatbook::listAdminAudit(*m_db, limit);
}

} // namespace beatbook
