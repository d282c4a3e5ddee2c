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

} // namespace beatbook::testing
