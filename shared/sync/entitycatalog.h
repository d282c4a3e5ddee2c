#pragma once

#include "core/result.h"

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace beatbook {

class Database;

// How a record class may change once written.
enum class RecordClass {
    Mutable,       // fields merge by hybrid logical clock
    AppendOnly,    // never changes after creation: never conflicts
    WithdrawOnce,  // only its withdrawal fields change, once (consent records)
};

// A record class that syncs: one table of the store's schema.
struct EntityInfo {
    std::string_view name;          // the table
    RecordClass recordClass;
    bool personal;                  // holds a person's details
    std::string_view wardColumn;    // empty when the ward comes from the parent
    std::string_view parentEntity;  // where the ward comes from, if anywhere
    std::string_view parentColumn;  // the column holding the parent's id
    std::string_view ownerColumn;   // the column naming who created it
};

// Every record class that syncs, parents before children.
std::span<const EntityInfo> syncedEntities();
const EntityInfo *findEntity(std::string_view name);

enum class ColumnType { Integer, Real, Text };

struct ColumnInfo {
    ColumnType type = ColumnType::Text;
    bool notNull = false;
};

// The columns of each synced table as the store's own schema declares them
// (PRAGMA table_info), so the migrations stay the one definition of a
// record. id, hlc and device_id are excluded: sync stamps them.
class EntityCatalog {
public:
    static Result<EntityCatalog> load(Database &db);

    // nullptr when the entity does not sync or the column does not exist.
    const ColumnInfo *column(std::string_view entity, std::string_view column) const;
    const std::map<std::string, ColumnInfo, std::less<>> *columns(std::string_view entity) const;

private:
    std::map<std::string, std::map<std::string, ColumnInfo, std::less<>>, std::less<>> m_tables;
};

} // namespace beatbook
