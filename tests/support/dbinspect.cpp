#include "dbinspect.h"

#include "store/database.h"
#include "store/query.h"

#include <optional>
#include <vector>

namespace beatbook::testing {

std::string integrityCheck(Database &db)
{
    auto answer = readOptionalRow(db, "PRAGMA integrity_check", noParameters,
                                  [](const Statement &s) { return s.columnText(0); });
    if (!answer)
        return answer.error().message;
    return answer->value_or("no answer");
}

std::int64_t rowCount(Database &db, const std::string &table)
{
    auto n = db.queryInt("SELECT COUNT(*) FROM \"" + table + "\"");
    return n ? *n : -1;
}

std::map<std::string, std::int64_t> allRowCounts(Database &db)
{
    // A listing that fails part-way leaves tables out, which the comparison
    // of before and after then shows.
    std::vector<std::string> tables;
    (void)forEachRow(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
                     noParameters, [&](const Statement &s) { tables.push_back(s.columnText(0)); });
    std::map<std::string, std::int64_t> counts;
    for (const auto &table : tables)
        counts[table] = rowCount(db, table);
    return counts;
}

std::string tableDump(Database &db, const std::string &table)
{
    auto columns = readRows(db, "SELECT name FROM pragma_table_info('" + table + "')", noParameters,
                            [](const Statement &s) { return s.columnText(0); });
    if (!columns)
        return columns.error().message;
    std::string select = "SELECT ";
    for (std::size_t i = 0; i < columns->size(); ++i)
        select += (i ? " || '|' || quote(\"" : "quote(\"") + (*columns)[i] + "\")";
    select += " FROM \"" + table + "\" ORDER BY rowid";
    std::string dump;
    if (auto dumped = forEachRow(db, select, noParameters, [&](const Statement &s) { dump += s.columnText(0) + "\n"; });
        !dumped)
        return dumped.error().message;
    return dump;
}

std::int64_t queryCount(Database &db, const std::string &sql)
{
    auto n = db.queryInt(sql);
    return n ? *n : -1;
}

std::int64_t outboxCount(Database &db, const std::string &entity, const std::string &entityId)
{
    auto n = readOptionalRow(
        db, "SELECT COUNT(*) FROM outbox WHERE entity = ?1 AND (?2 IS NULL OR entity_id = ?2)",
        [&](Statement &s) { s.bind(1, entity).bindOptional(2, std::optional<std::string>(entityId)); },
        [](const Statement &s) { return s.columnInt(0); });
    return n && *n ? **n : -1;
}

} // namespace beatbook::testing
