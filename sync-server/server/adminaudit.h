#pragma once

#include "core/clock.h"
#include "core/enumnames.h"
#include "core/result.h"
#include "store/database.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace beatbook {

// What an administrator did to who may connect (domain.md: users, devices
// and retention are the admin's, audited).
enum class AdminAction { Init, UserAdd, UserDisable, UserEnable, UserWards, Enrol, DeviceRevoke };
template <>
struct EnumNames<AdminAction> {
    static constexpr std::array<std::string_view, 7> names{
        "init", "user_add", "user_disable", "user_enable", "user_wards", "enrol", "device_revoke"};
};

// One row of server.db's admin_audit table, which is append-only: the
// database itself refuses to change or delete a row.
//
// subject names an operator's identifier, never a resident: a user name, a
// device id, or (for init) the server id. detail is "key=value" pairs about
// the change (a role, wards, an expiry); never a secret.
struct AdminAuditEntry {
    std::int64_t seq = 0;  // given by the database; ignored when appending
    TimestampMs at = 0;
    AdminAction action = AdminAction::Init;
    std::string subject;
    std::optional<std::string> detail;
};

// Appends one row. Refused outside a transaction: an audit row belongs in
// the transaction of the change it records, so that both are kept or
// neither is. subject is one word (no white space), so the audit listing
// splits on spaces; detail is one line.
Status appendAdminAudit(Database &db, const AdminAuditEntry &entry);

// Newest first (by seq, not by time, so a clock set back does not reorder
// what was done); at most `limit` rows when given (1 or more).
Result<std::vector<AdminAuditEntry>> listAdminAudit(Database &db, std::optional<std::int64_t> limit);

} // namespace beatbook
