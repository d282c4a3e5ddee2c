#pragma once

#include "core/clock.h"
#include "core/result.h"
#include "domain/names.h"
#include "server/adminaudit.h"
#include "sync/syncscope.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace beatbook {

struct UserAccount {
    std::string name;
    Role role = Role::Pcso;
    std::vector<std::string> wards;  // sorted
    bool disabled = false;
    TimestampMs createdAt = 0;

    SyncScope scope() const { return {name, role, wards}; }
};

enum class DeviceStatus { Active, Revoked };

struct DeviceEntry {
    std::string id;
    std::string userName;
    Role role = Role::Pcso;          // the user's role now
    DeviceStatus status = DeviceStatus::Active;
    std::string publicKey;           // raw Ed25519, 32 bytes
    std::string label;
    TimestampMs enrolledAt = 0;
    std::optional<TimestampMs> lastSeenAt;
    std::optional<TimestampMs> revokedAt;
};

// An enrolment code as issued: the secret is shown once and only its hash
// is stored.
struct IssuedEnrolmentCode {
    std::string secret;
    TimestampMs expiresAt = 0;
};

struct EnrolledDevice {
    DeviceEntry device;
    UserAccount user;
};

// Users, devices and one-time enrolment codes: who may connect. Behind an
// interface so a PostgreSQL backend can take its place. Every call is safe
// while a server runs on the same data: admin changes take effect at each
// device's next connection.
class DeviceDirectory {
public:
    virtual ~DeviceDirectory() = default;

    virtual Status addUser(const UserAccount &user) = 0;
    virtual Result<std::optional<UserAccount>> findUser(const std::string &name) = 0;
    virtual Result<std::vector<UserAccount>> listUsers() = 0;
    virtual Status setUserDisabled(const std::string &name, bool disabled) = 0;
    // Replaces the user's wards (checked as addUser checks them; sorted,
    // duplicates dropped). NotFound for an unknown user. Nothing keeps the
    // old wards: a session reads the user's scope as its device connects, so
    // each device gets the new scope (a new scope token, a rebaseline) at its
    // next connection.
    virtual Status setUserWards(const std::string &name, const std::vector<std::string> &wards) = 0;

    // A new one-time code for the user; refused for an unknown or disabled
    // user.
    virtual Result<IssuedEnrolmentCode> issueEnrolmentCode(const std::string &userName, TimestampMs now,
                                                           std::int64_t validForMs) = 0;
    // Redeems a code once: records the device with its public key. Refused
    // (NotAllowed) for an unknown, used or expired code, or a disabled user;
    // the refusal does not say which, so codes cannot be probed.
    virtual Result<EnrolledDevice> enrolDevice(const std::string &secret, const std::string &publicKey,
                                               const std::string &label, TimestampMs now) = 0;

    virtual Result<std::optional<EnrolledDevice>> findDevice(const std::string &deviceId) = 0;
    virtual Result<std::vector<DeviceEntry>> listDevices() = 0;
    // NotFound for an unknown device id.
    virtual Status revokeDevice(const std::string &deviceId, TimestampMs now) = 0;
    virtual Status touchDevice(const std::string &deviceId, TimestampMs now) = 0;

    // The admin audit (server/adminaudit.h). audited runs `change` (calls on
    // this directory) and appends `entry` in one transaction, so the change
    // and its audit row are kept together or not at all; `change` may fill
    // in the entry's detail from what it read. If change fails, nothing of
    // it is kept and no row is written.
    virtual Status audited(AdminAuditEntry entry, const std::function<Status(AdminAuditEntry &)> &change) = 0;
    // Newest first; at most `limit` rows when given (1 or more).
    virtual Result<std::vector<AdminAuditEntry>> listAdminAudit(std::optional<std::int64_t> limit) = 0;
};

} // namespace beatbook
