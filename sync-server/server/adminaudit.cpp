#include "server/adminaudit.h"

#include "core/text.h"
#include "store/query.h"

#include <algorithm>

namespace beatbook {

Status appendAdminAudit(Database &db, const AdminAuditEntry &entry)
{
    if (!db.inTransaction())
        return Error::storage("an admin audit row must be written in the transaction of the change it records");
    if (entry.subject.empty())
        return Error::invalid("an admin audit row needs a subject");
    if (auto ok = checkText("audit subject", entry.subject, kMaxShortText); !ok)
        return ok;
    if (std::any_of(entry.subject.begin(), entry.subject.end(), [](char c) { return c == ' ' || c == '\t'; }))
        return Error::invalid("an admin audit subject is one word: a user name, a device id or the server id");
    if (entry.detail)
        if (auto ok = checkText("audit detail", *entry.detail, kMaxLongText); !ok)
            return ok;
    auto stmt = db.prepare("INSERT INTO admin_audit (at, action, subject, detail) VALUES (?, ?, ?, ?)");
    if (!stmt)
        return stmt.error();
    return (*stmt)
        ->bind(1, entry.at)
        .bind(2, toString(entry.action))
        .bind(3, entry.subject)
        .bindOptional(4, entry.detail)
        .run();
}

Result<std::vector<AdminAuditEntry>> listAdminAudit(Database &db, std::optional<std::int64_t> limit)
{
    if (limit && *limit < 1)
        return Error::invalid("an audit listing's limit is 1 or more rows");
    // SQLite reads a negative LIMIT as no limit.
    return readRows(
        db, "SELECT seq, at, action, subject, detail FROM admin_audit ORDER BY seq DESC LIMIT ?",
        [&](Statement &s) { s.bind(1, limit.value_or(-1)); },
        [](const Statement &s) -> Result<AdminAuditEntry> {
            AdminAuditEntry entry;
            entry.seq = s.columnInt(0);
            entry.at = s.columnInt(1);
            auto action = enumFromString<AdminAction>(s.columnText(2));
            if (!action)
                return Error::storage("admin audit row " + std::to_string(entry.seq)
                                      + " records an action this beatbook-admin does not know: update it");
            entry.action = *action;
            entry.subject = s.columnText(3);
            entry.detail = s.columnOptionalText(4);
            return entry;
        });
}

} // namespace beatbook
