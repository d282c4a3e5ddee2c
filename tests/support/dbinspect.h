#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace beatbook {
class Database;
}

namespace beatbook::testing {

// "ok" for a healthy database, else SQLite's first complaint.
std::string integrityCheck(Database &db);
// Number of rows, or -1 when the query fails.
std::int64_t rowCount(Database &db, const std::string &table);
// Every table's row count, outbox included: compare before and after a
// refused write to show nothing changed.
std::map<std::string, std::int64_t> allRowCounts(Database &db);
// All rows of a table as text, ordered by rowid: a snapshot to compare.
std::string tableDump(Database &db, const std::string &table);
// The number a query such as "SELECT COUNT(*) ..." gives, or -1 when the
// query fails (so a failure cannot pass for an expected 0).
std::int64_t queryCount(Database &db, const std::string &sql);
// Outbox entries for an entity (a table), or for one record of it when
// entityId is given; -1 when the query fails.
std::int64_t outboxCount(Database &db, const std::string &entity, const std::string &entityId = {});

} // namespace beatbook::testing
