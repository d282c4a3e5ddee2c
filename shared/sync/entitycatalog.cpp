#include "sync/entitycatalog.h"

#include "store/database.h"

#include <array>

namespace beatbook {
namespace {

using enum RecordClass;

// The store's migrations (store/migrations.cpp, v1 and v2) are the schema;
// this says how each table syncs. Parents come before their children, so a
// device or server applying records in this order never meets a child whose
// parent it has not seen.
constexpr std::array<EntityInfo, 11> kEntities{{
    // Personal details: no ward of their own, no owner column (the storage
    // takes the creating device's user).
    {"people", Mutable, true, "", "", "", ""},
    {"asb_reports", Mutable, false, "ward_code", "", "", "logged_by"},
    {"report_events", AppendOnly, false, "", "asb_reports", "report_id", "author"},
    {"cocooning_operations", Mutable, false, "ward_code", "", "", "planned_by"},
    {"cocooning_targets", Mutable, false, "", "cocooning_operations", "operation_id", ""},
    {"advice_given", AppendOnly, false, "ward_code", "", "", "given_by"},
    {"consent_records", WithdrawOnce, true, "", "", "", "captured_by"},
    {"referrals", Mutable, false, "ward_code", "", "", "created_by"},
    {"referral_events", AppendOnly, false, "", "referrals", "referral_id", "author"},
    {"joint_patrols", Mutable, false, "ward_code", "", "", "created_by"},
    {"patrol_observations", AppendOnly, false, "", "joint_patrols", "patrol_id", "author"},
}};

bool stampedBySync(std::string_view column)
{
    return column == "id" || column == "hlc" || column == "device_id";
}

} // namespace

std::span<const EntityInfo> syncedEntities() { return kEntities; }

const EntityInfo *findEntity(std::string_view name)
{
    for (const auto &entity : kEntities)
        if (entity.name == name)
            return &entity;
    return nullptr;
}

Result<EntityCatalog> EntityCatalog::load(Database &db)
{
    EntityCatalog catalog;
    for (const auto &entity : kEntities) {
        auto statement = db.prepare("SELECT name, type, \"notnull\" FROM pragma_table_info(?1)");
        if (!statement)
            return statement.error();
        Statement &s = **statement;
        s.bind(1, entity.name);
        std::map<std::string, ColumnInfo, std::less<>> columns;
        bool sawId = false;
        for (;;) {
            auto row = s.step();
            if (!row)
                return row.error();
            if (!*row)
                break;
            const std::string name = s.columnText(0);
            const std::string type = s.columnText(1);
            if (name == "id")
                sawId = true;
            if (stampedBySync(name))
                continue;
            ColumnInfo info;
            if (type == "INTEGER")
                info.type = ColumnType::Integer;
            else if (type == "REAL")
                info.type = ColumnType::Real;
            else if (type == "TEXT")
                info.type = ColumnType::Text;
            else
                return Error::storage("column " + std::string(entity.name) + "." + name + " has type '" + type
                                      + "', which sync does not carry (INTEGER, REAL or TEXT only)");
            info.notNull = s.columnInt(2) != 0;
            columns.emplace(name, info);
        }
        s.reset();
        if (!sawId)
            return Error::storage("the database has no table " + std::string(entity.name)
                                  + ": migrate it to the latest schema first");
        catalog.m_tables.emplace(std::string(entity.name), std::move(columns));
    }
    return catalog;
}

const ColumnInfo *EntityCatalog::column(std::string_view entity, std::string_view column) const
{
    const auto *all = columns(entity);
    if (!all)
        return nullptr;
    auto found = all->find(column);
    return found == all->end() ? nullptr : &found->second;
}

const std::map<std::string, ColumnInfo, std::less<>> *EntityCatalog::columns(std::string_view entity) const
{
    auto found = m_tables.find(entity);
    return found == m_tables.end() ? nullptr : &found->second;
}

} // namespace beatbook
