#pragma once

#include <map>
#include <string>
#include <vector>

namespace beatbook {
class Database;
}

namespace beatbook::testing {

// Every synced record table (sync/entitycatalog.h) of a device's or the
// server's database: per table, its rows ordered by id, each row as the
// quoted values of all its columns (hlc and device_id included). Device and
// server tables share one schema, so snapshots compare across both. A table
// that cannot be read holds one line saying why, so the comparison fails.
using RecordSnapshot = std::map<std::string, std::vector<std::string>>;
RecordSnapshot recordSnapshot(Database &db);

// The records a device holds beside its tables: the kept values of fields in
// conflict (sync_conflicts, without the time received) and the records
// flagged for review (sync_review), as lines ordered by key.
std::vector<std::string> deviceConflicts(Database &db);
std::vector<std::string> deviceReviewFlags(Database &db);

// Empty when equal; otherwise the first difference, table and row, for a
// failure message.
std::string firstDifference(const RecordSnapshot &a, const RecordSnapshot &b);
std::string firstDifference(const std::vector<std::string> &a, const std::vector<std::string> &b);

// Total rows over all tables.
std::size_t rowTotal(const RecordSnapshot &snapshot);

} // namespace beatbook::testing
