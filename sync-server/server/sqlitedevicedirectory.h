#pragma once

#include "core/randomsource.h"
#include "server/devicedirectory.h"
#include "store/database.h"

#include <memory>
#include <mutex>

namespace beatbook {

// The device directory in server.db (users, devices, enrolment_codes).
//
// Thread-safe: every call takes one mutex, because the single SQLite
// connection (opened without SQLite's own mutex) must not be used by two
// threads at once. The mutex is recursive so that `audited` can hold it (and
// its transaction) across the directory calls its change makes. Calls are short (one indexed read or one small
// transaction), so sessions queue for microseconds. Writes are BEGIN
// IMMEDIATE transactions, so the admin tool and a running server, each with
// its own connection, change the same file safely; SQLite's busy timeout
// makes one wait for the other.
//
// Enrolment secrets are never stored: only the SHA-256 of the canonical
// secret text (sync/enrolmentcode.h), so a copy of server.db does not hold a
// usable code.
class SqliteDeviceDirectory final : public DeviceDirectory {
public:
    // db comes from openServerDatabase. random makes enrolment secrets and
    // device ids; tests pass a seeded one.
    explicit SqliteDeviceDirectory(std::unique_ptr<Database> db,
                                   std::unique_ptr<RandomSource> random = std::make_unique<SecureRandom>());

    Status addUser(const UserAccount &user) override;
    Result<std::optional<UserAccount>> findUser(const std::string &name) override;
    Result<std::vector<UserAccount>> listUsers() override;
    Status setUserDisabled(const std::string &name, bool disabled) override;
    Status setUserWards(const std::string &name, const std::vector<std::string> &wards) override;

    // IssuedEnrolmentCode::secret is the raw 10-byte secret: the caller
    // formats it with the certificate's fingerprint (formatEnrolmentCode).
    Result<IssuedEnrolmentCode> issueEnrolmentCode(const std::string &userName, TimestampMs now,
                                                   std::int64_t validForMs) override;
    // secret is the canonical secret text (EnrolmentCode::secret).
    Result<EnrolledDevice> enrolDevice(const std::string &secret, const std::string &publicKey,
                                       const std::string &label, TimestampMs now) override;

    Result<std::optional<EnrolledDevice>> findDevice(const std::string &deviceId) override;
    Result<std::vector<DeviceEntry>> listDevices() override;
    Status revokeDevice(const std::string &deviceId, TimestampMs now) override;
    Status touchDevice(const std::string &deviceId, TimestampMs now) override;

    Status audited(AdminAuditEntry entry, const std::function<Status(AdminAuditEntry &)> &change) override;
    Result<std::vector<AdminAuditEntry>> listAdminAudit(std::optional<std::int64_t> limit) override;

private:
    Result<std::optional<UserAccount>> findUserLocked(const std::string &name);

    std::recursive_mutex m_mutex;
    std::unique_ptr<Database> m_db;
    std::unique_ptr<RandomSource> m_random;
};

} // namespace beatbook
