#include "recordsnapshot.h"

#include "store/database.h"
#include "store/query.h"
#include "sync/entitycatalog.h"

namespace beatbook::testing {
namespace {

std::vector<std::string> rows(Database &db, const std::string &table, const std::string &orderBy,
                              const std::vector<std::string> &skipColumns = {})
{
    auto columns = readRows(db, "SELECT name FROM pragma_table_info('" + table + "')", noParameters,
                            [](const Statement &s) { return s.columnText(0); });
    if (!columns)
        return {"<cannot list the columns of " + table + ": " + columns.error().message + ">"};
    if (columns->empty())
        return {"<no table " + table + ">"};
    std::string select;
    for (const auto &column : *columns) {
        bool skip = false;
        for (const auto &s : skipColumns)
            skip = skip || s == column;
        if (skip)
            continue;
        select += std::string(select.empty() ? "SELECT " : " || '|' || ") + "'" + column + "=' || quote(\"" + column
                  + "\")";
    }
    select += " FROM \"" + table + "\" ORDER BY " + orderBy;
    std::vector<std::string> out;
    if (auto read = forEachRow(db, select, noParameters, [&](const Statement &s) { out.push_back(s.columnText(0)); });
        !read)
        return {"<cannot read " + table + ": " + read.error().message + ">"};
    return out;
}

} // namespace

RecordSnapshot recordSnapshot(Database &db)
{
    RecordSnapshot snapshot;
    for (const EntityInfo &entity : syncedEntities()) {
        const std::string table(entity.name);
        snapshot[table] = rows(db, table, "id");
    }
    return snapshot;
}

std::vector<std::string> deviceConflicts(Database &db)
{
    return rows(db, "sync_conflicts", "entity, entity_id, field", {"received_at"});
}

std::vector<std::string> deviceReviewFlags(Database &db)
{
    return rows(db, "sync_review", "entity, entity_id", {"flagged_at"});
}

std::string firstDifference(const std::vector<std::string> &a, const std::vector<std::string> &b)
{
    for (std::size_t i = 0; i < a.size() || i < b.size(); ++i) {
        const std::string left = i < a.size() ? a[i] : "<none>";
        const std::string right = i < b.size() ? b[i] : "<none>";
        if (left != right)
            return "row " + std::to_string(i) + " (of " + std::to_string(a.size()) + " and "
                   + std::to_string(b.size()) + "):\n  " + left + "\n  " + right;
    }
    return {};
}

std::string firstDifference(const RecordSnapshot &a, const RecordSnapshot &b)
{
    for (const auto &[table, left] : a) {
        auto it = b.find(table);
        if (it == b.end())
            return table + ": missing on the right";
        if (auto diff = firstDifference(left, it->second); !diff.empty())
            return table + ", " + diff;
    }
    for (const auto &[table, right] : b)
        if (!a.contains(table))
            return table + ": missing on the left";
    return {};
}

std::size_t rowTotal(const RecordSnapshot &snapshot)
{
    std::size_t total = 0;
    for (const auto &[table, rows] : snapshot)
        total += rows.size();
    return total;
}

} // namespace beatbook::testing
