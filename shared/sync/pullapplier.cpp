#include "sync/pullapplier.h"

#include "core/hlc.h"
#include "core/text.h"
#include "store/devicestore.h"
#include "store/query.h"
#include "store/rowstatements.h"
#include "sync/fieldcodec.h"
#include "sync/syncstate.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace beatbook {
namespace {

constexpr std::string_view kPeople = "people";

using ProtoValue = syncv1::Value;

bool isNull(const ProtoValue &value) { return value.kind_case() == ProtoValue::kNullValue; }

void bindValue(Statement &stmt, int index, const ProtoValue &value)
{
    switch (value.kind_case()) {
    case ProtoValue::kIntValue:
        stmt.bind(index, static_cast<std::int64_t>(value.int_value()));
        return;
    case ProtoValue::kRealValue:
        stmt.bind(index, value.real_value());
        return;
    case ProtoValue::kTextValue:
        stmt.bind(index, value.text_value());
        return;
    case ProtoValue::kNullValue:
    case ProtoValue::KIND_NOT_SET:
        break;
    }
    stmt.bind(index, nullptr);
}

// The device trusts nothing from outside: every value must fit the column
// the store's own schema declares.
Status checkColumn(std::string_view entity, const std::string &name, const ColumnInfo *column, const ProtoValue &value)
{
    // Built only for an error: this runs for every field of every record.
    auto where = [&] { return std::string(entity) + "." + name.substr(0, 64); };
    if (!column)
        return Error::invalid("the server sent a field this version does not know (" + where()
                              + "): update Beatbook");
    bool fits = false;
    switch (value.kind_case()) {
    case ProtoValue::KIND_NOT_SET:
        return Error::invalid("the server sent " + where() + " without a value");
    case ProtoValue::kNullValue:
        if (column->notNull)
            return Error::invalid("the server sent no value for the required field " + where());
        return {};
    case ProtoValue::kIntValue:
        fits = column->type == ColumnType::Integer || column->type == ColumnType::Real;
        break;
    case ProtoValue::kRealValue:
        fits = column->type == ColumnType::Real && std::isfinite(value.real_value());
        break;
    case ProtoValue::kTextValue:
        fits = column->type == ColumnType::Text && isValidUtf8(value.text_value());
        break;
    }
    if (!fits)
        return Error::invalid("the server sent a value of the wrong type for " + where());
    return {};
}

// A record's fields as they arrived, checked: each a column of the table,
// named once.
using RecordFields = std::vector<const syncv1::Field *>;

Result<RecordFields> checkedFields(std::string_view table, const syncv1::Record &record,
                                   const std::map<std::string, ColumnInfo, std::less<>> &columns)
{
    RecordFields fields;
    fields.reserve(static_cast<std::size_t>(record.fields_size()));
    // A column named twice is found twice: its ColumnInfo tells them apart
    // more cheaply than comparing every pair of names.
    std::vector<const ColumnInfo *> seen;
    seen.reserve(fields.capacity());
    for (const auto &field : record.fields()) {
        const auto found = columns.find(field.name());
        const ColumnInfo *column = found == columns.end() ? nullptr : &found->second;
        if (auto ok = checkColumn(table, field.name(), column, field.value()); !ok)
            return ok.error();
        if (std::find(seen.begin(), seen.end(), column) != seen.end())
            return Error::invalid("the server sent a " + std::string(table) + " record with field "
                                  + field.name().substr(0, 64) + " twice");
        seen.push_back(column);
        fields.push_back(&field);
    }
    return fields;
}

const syncv1::Field *findField(const RecordFields &fields, std::string_view name)
{
    for (const syncv1::Field *field : fields)
        if (field->name() == name)
            return field;
    return nullptr;
}

struct PageContext {
    bool anyPending = false;     // any outbox entry waiting to be sent
    bool anyConflicts = false;   // sync_conflicts holds rows
    bool anyReview = false;      // sync_review holds rows
    bool rebaselining = false;
};

class PageApplier {
public:
    PageApplier(DeviceStore &store, RowStatements &rows, const EntityCatalog &catalog, PageContext &context,
                PullApplyResult &result)
        : m_store(store), m_db(store.db()), m_rows(rows), m_catalog(catalog), m_context(context), m_result(result)
    {
    }

    Status applyRecord(const syncv1::Record &record)
    {
        const EntityInfo *info = findEntity(record.entity());
        const auto *columns = info ? m_catalog.columns(info->name) : nullptr;
        if (!info || !columns)
            return Error::invalid("the server sent a kind of record this version does not know ("
                                  + record.entity().substr(0, 64) + "): update Beatbook");
        if (auto ok = checkText("record id", record.id(), kMaxShortText); !ok || record.id().empty())
            return Error::invalid("the server sent a " + std::string(info->name) + " record without a valid id");
        if (record.version() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            return Error::invalid("the server sent a record version out of range");
        const std::string table(info->name);

        auto pending = pendingFields(table, record.id());
        if (!pending)
            return pending.error();

        if (record.removed())
            return removeRecord(table, record.id(), pending->any);

        auto fields = checkedFields(table, record, *columns);
        if (!fields)
            return fields.error();

        if (m_context.rebaselining)
            if (auto ok = markSeen(table, record.id()); !ok)
                return ok;

        // A record the device does not hold yet (every record of a first
        // sync) takes one statement.
        auto inserted = insertRecord(table, record, *fields);
        if (!inserted)
            return inserted.error();
        if (!*inserted) {
            // Held already. For a consent record, whether it is withdrawn.
            bool withdrawn = false;
            if (info->recordClass == RecordClass::WithdrawOnce) {
                auto held = readOptionalRow(
                    m_db, "SELECT withdrawn_at IS NOT NULL FROM " + table + " WHERE id = ?1",
                    [&](Statement &s) { s.bind(1, record.id()); },
                    [](const Statement &s) { return s.columnInt(0) != 0; });
                if (!held)
                    return held.error();
                withdrawn = held->value_or(true);
            }
            if (auto ok = updateRecord(*info, record, *fields, withdrawn, *pending); !ok)
                return ok;
        }
        m_maxVersion = std::max(m_maxVersion, record.version());
        return storeConflicts(table, record);
    }

    Status sweep()
    {
        // Synced records the rebaseline did not bring again have left the
        // scope. Records with any outbox entry stay: pending ones are still
        // to be sent, rejected ones are the user's to see. A forgotten person
        // (a champion's, name blanked) is never sent back but keeps the match
        // key the device needs for repeat checks.
        for (const EntityInfo &entity : syncedEntities()) {
            const std::string table(entity.name);
            std::string sql = "DELETE FROM " + table
                + " WHERE id NOT IN (SELECT entity_id FROM sync_rebaseline_seen WHERE entity = ?1)"
                  " AND id NOT IN (SELECT entity_id FROM outbox WHERE entity = ?1)";
            if (entity.name == kPeople)
                sql += " AND name <> ''";
            auto stmt = m_db.prepare(sql);
            if (!stmt)
                return stmt.error();
            if (auto ok = (*stmt)->bind(1, table).run(); !ok)
                return ok;
            m_result.swept += static_cast<std::size_t>(m_db.changes());
            for (const char *side : {"sync_conflicts", "sync_review"}) {
                auto orphans = m_db.prepare(std::string("DELETE FROM ") + side + " WHERE entity = ?1 AND entity_id NOT IN "
                                            "(SELECT id FROM " + table + ")");
                if (!orphans)
                    return orphans.error();
                if (auto ok = (*orphans)->bind(1, table).run(); !ok)
                    return ok;
            }
        }
        m_result.rebaselineCompleted = true;
        return m_db.exec("DELETE FROM sync_rebaseline_seen");
    }

    std::uint64_t maxVersion() const { return m_maxVersion; }

private:
    struct Pending {
        bool any = false;
        bool all = false;                 // a pending create, or an entry that cannot be read
        std::set<std::string, std::less<>> fields;
    };

    Result<Pending> pendingFields(const std::string &table, const std::string &id)
    {
        Pending pending;
        if (!m_context.anyPending)
            return pending;
        Status read = forEachRow(
            m_db, "SELECT op, fields FROM outbox WHERE entity = ?1 AND entity_id = ?2 AND state = 'pending'",
            [&](Statement &s) { s.bind(1, table).bind(2, id); },
            [&](const Statement &s) {
                pending.any = true;
                if (s.columnText(0) == "create")
                    pending.all = true;
                const auto fields = Fields::parse(s.columnText(1), nullptr, false);
                if (fields.is_discarded() || !fields.is_object()) {
                    pending.all = true;
                    return;
                }
                for (const auto &[name, value] : fields.items())
                    pending.fields.insert(name);
            });
        if (!read)
            return read.error();
        return pending;
    }

    Status removeRecord(const std::string &table, const std::string &id, bool hasPending)
    {
        if (hasPending) {
            // The change goes up first; the server then sends the removal
            // again (the record is still outside the scope).
            ++m_result.removalDeferred;
            return {};
        }
        auto stmt = m_db.prepare("DELETE FROM " + table + " WHERE id = ?1");
        if (!stmt)
            return stmt.error();
        if (auto ok = (*stmt)->bind(1, id).run(); !ok)
            return ok;
        m_result.removed += static_cast<std::size_t>(m_db.changes());
        return clearConflicts(table, id, true);
    }

    Status markSeen(const std::string &table, const std::string &id)
    {
        auto stmt = m_db.prepare("INSERT OR IGNORE INTO sync_rebaseline_seen (entity, entity_id) VALUES (?1, ?2)");
        if (!stmt)
            return stmt.error();
        return (*stmt)->bind(1, table).bind(2, id).run();
    }

    // False when the device holds the record already (nothing written).
    Result<bool> insertRecord(const std::string &table, const syncv1::Record &record, const RecordFields &fields)
    {
        // ON CONFLICT (id) only: any other broken rule still fails.
        auto stmt = m_rows.insert(table, columnNames(fields), RowStatements::OnExistingId::Ignore);
        if (!stmt)
            return stmt.error();
        (*stmt)->bind(1, record.id());
        int index = 1;
        for (const syncv1::Field *field : fields)
            bindValue(**stmt, ++index, field->value());
        (*stmt)->bind(index + 1, static_cast<std::int64_t>(record.version()));
        (*stmt)->bind(index + 2, record.last_device_id());
        if (auto ok = (*stmt)->run(); !ok)
            return Error::invalid("the " + table + " record " + record.id() + " from the server does not fit "
                                  "this device's store: " + ok.error().message);
        if (m_db.changes() == 0)
            return false;
        ++m_result.inserted;
        return true;
    }

    Status updateRecord(const EntityInfo &info, const syncv1::Record &record, const RecordFields &fields,
                        bool withdrawn, const Pending &pending)
    {
        const std::string table(info.name);
        RecordFields changed;
        switch (info.recordClass) {
        case RecordClass::AppendOnly:
            // Evidential: identical everywhere once written, never rewritten.
            ++m_result.unchanged;
            return {};
        case RecordClass::WithdrawOnce: {
            // Only the withdrawal may arrive, once (the table's trigger
            // refuses anything else).
            const syncv1::Field *withdrawal = findField(fields, "withdrawn_at");
            if (withdrawn || pending.any || !withdrawal || isNull(withdrawal->value())) {
                ++m_result.unchanged;
                return {};
            }
            for (const syncv1::Field *field : fields)
                if (field->name().rfind("withdraw", 0) == 0)
                    changed.push_back(field);
            break;
        }
        case RecordClass::Mutable:
            for (const syncv1::Field *field : fields)
                if (!pending.all && !pending.fields.contains(field->name()))
                    changed.push_back(field);
            break;
        }

        auto stmt = m_rows.update(table, columnNames(changed));
        if (!stmt)
            return stmt.error();
        int index = 0;
        for (const syncv1::Field *field : changed)
            bindValue(**stmt, ++index, field->value());
        // hlc becomes the version seen from the server even where local
        // fields were kept: it is the base later local updates are made on
        // (the outbox keeps the pending change's own stamp).
        (*stmt)->bind(index + 1, static_cast<std::int64_t>(record.version()));
        (*stmt)->bind(index + 2, record.last_device_id());
        (*stmt)->bind(index + 3, record.id());
        if (auto ok = (*stmt)->run(); !ok) {
            if (pending.any) {
                // The server's fields and the local unsent ones together
                // break a rule of the schema (say the consent gate). The
                // failed statement changed nothing; the local record stays
                // as it is, its change goes up, and the server's answer and
                // the next pull settle it.
                ++m_result.keptLocal;
                return {};
            }
            return Error::invalid("the " + table + " record " + record.id() + " from the server does not fit "
                                  "this device's store: " + ok.error().message);
        }
        if (pending.any)
            ++m_result.keptLocal;
        ++m_result.updated;
        return {};
    }

    Status clearConflicts(const std::string &table, const std::string &id, bool review)
    {
        if (m_context.anyConflicts) {
            auto stmt = m_db.prepare("DELETE FROM sync_conflicts WHERE entity = ?1 AND entity_id = ?2");
            if (!stmt)
                return stmt.error();
            if (auto ok = (*stmt)->bind(1, table).bind(2, id).run(); !ok)
                return ok;
        }
        if (review && m_context.anyReview) {
            auto stmt = m_db.prepare("DELETE FROM sync_review WHERE entity = ?1 AND entity_id = ?2");
            if (!stmt)
                return stmt.error();
            if (auto ok = (*stmt)->bind(1, table).bind(2, id).run(); !ok)
                return ok;
        }
        return {};
    }

    // The server sends a record's conflicts as they stand now: they replace
    // what the device held for it.
    Status storeConflicts(const std::string &table, const syncv1::Record &record)
    {
        if (auto ok = clearConflicts(table, record.id(), !record.needs_review()); !ok)
            return ok;
        for (const auto &conflict : record.conflicts()) {
            if (auto ok = checkText("conflict field", conflict.field(), kMaxShortText); !ok || conflict.field().empty())
                return Error::invalid("the server sent a conflict without a valid field name");
            nlohmann::ordered_json values = nlohmann::ordered_json::array();
            for (const auto &candidate : conflict.values()) {
                auto value = valueFromProto(candidate.value());
                if (!value)
                    return Error::invalid("the server sent a malformed conflict on " + table + ": "
                                          + value.error().message);
                values.push_back({{"value", std::move(*value)},
                                  {"hlc", candidate.hlc()},
                                  {"device_id", candidate.device_id()}});
            }
            auto stmt = m_db.prepare("INSERT INTO sync_conflicts (entity, entity_id, field, values_json, received_at) "
                                     "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (entity, entity_id, field) DO UPDATE "
                                     "SET values_json = excluded.values_json, received_at = excluded.received_at");
            if (!stmt)
                return stmt.error();
            if (auto ok = (*stmt)
                              ->bind(1, table)
                              .bind(2, record.id())
                              .bind(3, conflict.field())
                              .bind(4, values.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
                              .bind(5, static_cast<std::int64_t>(m_store.now()))
                              .run();
                !ok)
                return ok;
            m_context.anyConflicts = true;
        }
        if (record.conflicts_size() > 0)
            ++m_result.conflicted;
        if (record.needs_review()) {
            auto stmt = m_db.prepare("INSERT INTO sync_review (entity, entity_id, flagged_at) VALUES (?1, ?2, ?3) "
                                     "ON CONFLICT (entity, entity_id) DO NOTHING");
            if (!stmt)
                return stmt.error();
            if (auto ok = (*stmt)->bind(1, table).bind(2, record.id()).bind(3, static_cast<std::int64_t>(m_store.now())).run();
                !ok)
                return ok;
            m_context.anyReview = true;
        }
        return {};
    }

    // The fields' names, in order, for RowStatements (one vector reused).
    std::span<const std::string_view> columnNames(const RecordFields &fields)
    {
        m_names.clear();
        for (const syncv1::Field *field : fields)
            m_names.emplace_back(field->name());
        return m_names;
    }

    DeviceStore &m_store;
    Database &m_db;
    RowStatements &m_rows;
    const EntityCatalog &m_catalog;
    PageContext &m_context;
    PullApplyResult &m_result;
    std::uint64_t m_maxVersion = 0;
    std::vector<std::string_view> m_names;
};

Result<bool> anyRow(Database &db, const std::string &sql)
{
    auto n = db.queryInt(sql);
    if (!n)
        return n.error();
    return *n != 0;
}

} // namespace

PullApplier::PullApplier(DeviceStore &store, const EntityCatalog &catalog)
    : m_store(store), m_catalog(catalog), m_rows(store.db())
{
}

Result<PullApplyResult> PullApplier::apply(const syncv1::PullPage &page)
{
    if (!m_store.isInitialised())
        return Error::notAllowed("the database is not initialised: enrol the device first");
    Database &db = m_store.db();
    if (db.inTransaction())
        return Error::invalid("a pulled page must be applied in its own transaction");

    // Foreign keys are off while a page is applied. A page may bring a child
    // before its parent, and deferring the checks to the commit is not
    // enough: the device holds a partial copy by design. A fire officer's
    // device receives referrals that name reports it never may hold; a
    // champion's reports name people the server never sends back; a record
    // kept for its unsent changes may outlive a parent that left the scope.
    // The server checks references against the whole data set. (The pragma
    // cannot change inside a transaction, hence around it.)
    auto foreignKeys = db.queryInt("PRAGMA foreign_keys");
    if (!foreignKeys)
        return foreignKeys.error();
    if (auto ok = db.exec("PRAGMA foreign_keys = OFF"); !ok)
        return ok.error();

    PullApplyResult result;
    result.received = static_cast<std::size_t>(page.records_size());
    Status applied = db.transaction([&]() -> Status {
        auto state = loadSyncState(db);
        if (!state)
            return state.error();
        PageContext context;
        context.rebaselining = state->rebaselineActive || page.rebaseline();
        if (page.rebaseline()) {
            // A (re)started rebaseline: what was marked before counts no more.
            if (auto ok = db.exec("DELETE FROM sync_rebaseline_seen"); !ok)
                return ok;
            if (auto ok = saveRebaselineActive(db, true); !ok)
                return ok;
        }
        for (auto [flag, sql] : {std::pair<bool *, const char *>{&context.anyPending,
                                                                  "SELECT EXISTS (SELECT 1 FROM outbox WHERE state = 'pending')"},
                                 {&context.anyConflicts, "SELECT EXISTS (SELECT 1 FROM sync_conflicts)"},
                                 {&context.anyReview, "SELECT EXISTS (SELECT 1 FROM sync_review)"}}) {
            auto any = anyRow(db, sql);
            if (!any)
                return any.error();
            *flag = *any;
        }
        // The one place evidential records may be deleted: records that left
        // the scope. The allowance lives only inside this transaction.
        if (auto ok = db.exec("INSERT INTO sync_eviction (id) VALUES (1)"); !ok)
            return ok;

        PageApplier applier(m_store, m_rows, m_catalog, context, result);
        for (const auto &record : page.records())
            if (auto ok = applier.applyRecord(record); !ok)
                return ok;
        if (page.complete() && context.rebaselining) {
            if (auto ok = applier.sweep(); !ok)
                return ok;
            if (auto ok = saveRebaselineActive(db, false); !ok)
                return ok;
        }
        if (m_store.profile().role == Role::Champion) {
            auto forgotten = forgetAcknowledgedPeople();
            if (!forgotten)
                return forgotten.error();
            result.forgotten = *forgotten;
        }
        if (applier.maxVersion() > 0)
            if (auto ok = m_store.observeHlc(HlcTimestamp{applier.maxVersion()}); !ok)
                return ok;
        const std::string token = page.scope_token().empty() ? state->scopeToken : page.scope_token();
        if (auto ok = saveSyncCursor(db, page.next_cursor(), token); !ok)
            return ok;
        return db.exec("DELETE FROM sync_eviction");
    });
    const Status restored = db.exec(*foreignKeys ? "PRAGMA foreign_keys = ON" : "PRAGMA foreign_keys = OFF");
    if (!applied)
        return applied.error();
    if (!restored)
        return restored.error();
    return result;
}

Result<std::size_t> PullApplier::forgetAcknowledgedPeople()
{
    Database &db = m_store.db();
    auto stmt = db.prepare("UPDATE people SET name = '', contact = NULL WHERE name <> '' AND NOT EXISTS "
                           "(SELECT 1 FROM outbox WHERE outbox.entity = 'people' AND outbox.entity_id = people.id)");
    if (!stmt)
        return stmt.error();
    if (auto ok = (*stmt)->run(); !ok)
        return ok.error();
    return static_cast<std::size_t>(db.changes());
}

} // namespace beatbook
