#include "dbinspect.h"

#include "store/database.h"

#include <vector>

namespace beatbook::testing {

std::string integrityCheck(Database &db)
{
    auto stmt = db.prepare("PRAGMA integrity_check");
    if (!stmt)
        return stmt.error().message;
    auto row = (*stmt)->step();
    std::string result = row && *row ? (*stmt)->columnText(0) : "no answer";
    (*stmt)->reset();
    return result;
}

std::int64_t rowCount(Database &db, const std::string &table)
{
    auto n = db.queryInt("SELECT COUNT(*) FROM \"" + table + "\"");
    return n ? *n : -1;
}

std::map<std::string, std::int64_t> allRowCounts(Database &db)
{
    std::vector<std::string> tables;
    auto stmt = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
    if (stmt) {
        for (;;) {
            auto row = (*stmt)->step();
            if (!row || !*row)
                break;
            tables.push_back((*stmt)->columnText(0));
        }
        (*stmt)->reset();
    }
    std::map<std::string, std::int64_t> counts;
    for (const auto &table : tables)
        counts[table] = rowCount(db, table);
    return counts;
}

std::string tableDump(Database &db, const std::string &table)
{
    std::vector<std::string> columns;
    auto info = db.prepare("SELECT name FROM pragma_table_info('" + table + "')");
    if (!info)
        return info.error().message;
    for (;;) {
        auto row = (*info)->step();
        if (!row || !*row)
            break;
        columns.push_back((*info)->columnText(0));
    }
    (*info)->reset();
    std::string select = "SELECT ";
    for (std::size_t i = 0; i < columns.size(); ++i)
        select += (i ? " || '|' || quote(\"" : "quote(\"") + columns[i] + "\")";
    select += " FROM \"" + table + "\" ORDER BY rowid";
    auto rows = db.prepare(select);
    if (!rows)
        return rows.error().message;
    std::string dump;
    for (;;) {
        auto row = (*rows)->step();
        if (!row || !*row)
            break;
        dump += (*rows)->columnText(0) + "\n";
    }
    (*rows)->reset();
    return dump;
}

} // namespace beatbook::testing
