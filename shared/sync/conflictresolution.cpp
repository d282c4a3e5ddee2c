#include "sync/conflictresolution.h"

#include "domain/permissions.h"
#include "store/devicestore.h"
#include "store/query.h"
#include "sync/entitycatalog.h"

#include <algorithm>

namespace beatbook {
namespace {

Result<std::vector<KeptValue>> keptValues(const std::string &json)
{
    const auto parsed = Fields::parse(json, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_array())
        return Error::storage("a stored conflict is unreadable");
    std::vector<KeptValue> values;
    for (const auto &item : parsed) {
        if (!item.is_object() || !item.contains("value") || !item.contains("hlc") || !item["hlc"].is_number_unsigned()
            || !item.contains("device_id") || !item["device_id"].is_string())
            return Error::storage("a stored conflict is unreadable");
        values.push_back(KeptValue{item["value"], item["hlc"].get<std::uint64_t>(),
                                   item["device_id"].get<std::string>()});
    }
    std::stable_sort(values.begin(), values.end(),
                     [](const KeptValue &a, const KeptValue &b) { return a.hlc < b.hlc; });
    return values;
}

} // namespace

Result<std::vector<FieldConflict>> heldConflicts(Database &db)
{
    std::vector<FieldConflict> conflicts;
    Status read = forEachRow(
        db, "SELECT entity, entity_id, field, values_json FROM sync_conflicts ORDER BY entity, entity_id, field",
        noParameters, [&](const Statement &s) -> Status {
            auto values = keptValues(s.columnText(3));
            if (!values)
                return values.error();
            conflicts.push_back(FieldConflict{s.columnText(0), s.columnText(1), s.columnText(2), std::move(*values)});
            return {};
        });
    if (!read)
        return read.error();
    return conflicts;
}

Status resolveConflict(DeviceStore &store, const std::string &entity, const std::string &entityId,
                       const std::string &field, std::size_t choice)
{
    if (!store.isInitialised())
        return Error::notAllowed("this device is not set up: enrol it first");
    if (!can(store.profile().role, Capability::ApproveOverride))
        return Error::notAllowed("only a supervisor may resolve conflicting values");
    auto conflicts = heldConflicts(store.db());
    if (!conflicts)
        return conflicts.error();
    const auto found = std::find_if(conflicts->begin(), conflicts->end(), [&](const FieldConflict &c) {
        return c.entity == entity && c.entityId == entityId && c.field == field;
    });
    if (found == conflicts->end())
        return Error::invalid("the " + field + " of " + entity + " " + entityId + " holds no conflicting values");
    if (choice < 1 || choice > found->values.size())
        return Error::invalid("choose a value from 1 to " + std::to_string(found->values.size()));
    // The names come from the server's conflict; they become SQL only if
    // they are a synced table and its column.
    auto catalog = EntityCatalog::load(store.db());
    if (!catalog)
        return catalog.error();
    if (!catalog->column(entity, field))
        return Error::invalid("the conflict names a field this version does not know: " + entity + "." + field);
    Fields changed = Fields::object();
    changed[field] = found->values[choice - 1].value;
    return store.write([&](WriteTxn &txn) { return txn.update(entity, entityId, std::move(changed)); });
}

} // namespace beatbook
