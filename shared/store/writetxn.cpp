#include "store/writetxn.h"

#include "core/uuid.h"
#include "store/database.h"
#include "store/rowsql.h"

#include <string_view>
#include <vector>

namespace beatbook {
namespace {

// Table and column names come from code, never from outside; refuse anything
// else rather than build it into SQL.
bool isIdentifier(std::string_view name)
{
    if (name.empty() || name.size() > 64)
        return false;
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || c == '_' || (c >= '0' && c <= '9')))
            return false;
    return true;
}

Status bindValue(Statement &stmt, int index, const Fields &value)
{
    if (value.is_null())
        stmt.bind(index, nullptr);
    else if (value.is_boolean())
        stmt.bind(index, static_cast<std::int64_t>(value.get<bool>() ? 1 : 0));
    else if (value.is_number_integer())
        stmt.bind(index, value.get<std::int64_t>());
    else if (value.is_number_float())
        stmt.bind(index, value.get<double>());
    else if (value.is_string())
        stmt.bind(index, value.get_ref<const std::string &>());
    else
        return Error::invalid("a field must be text, a number, true/false or null");
    return {};
}

Status checkFields(std::string_view table, const Fields &fields)
{
    if (!isIdentifier(table))
        return Error::invalid("bad table name");
    if (!fields.is_object() || fields.empty())
        return Error::invalid("nothing to write");
    for (const auto &[column, value] : fields.items()) {
        if (!isIdentifier(column) || column == "hlc" || column == "device_id" || column == "id")
            return Error::invalid("bad column name: " + column);
    }
    return {};
}

std::vector<std::string_view> columnNames(const Fields &fields)
{
    std::vector<std::string_view> names;
    names.reserve(fields.size());
    for (const auto &item : fields.items())
        names.emplace_back(item.key());
    return names;
}

} // namespace

WriteTxn::WriteTxn(Database &db, HybridLogicalClock &hlc, UuidGenerator &ids, const Clock &clock,
                   std::string deviceId)
    : m_db(db), m_hlc(hlc), m_ids(ids), m_clock(clock), m_deviceId(std::move(deviceId))
{
}

std::string WriteTxn::newId() { return m_ids.next(); }

Status WriteTxn::insert(std::string_view table, const std::string &id, Fields fields)
{
    if (auto ok = checkFields(table, fields); !ok)
        return ok;
    const HlcTimestamp stamp = m_hlc.tick();

    auto stmt = m_db.prepare(insertRowSql(table, columnNames(fields)));
    if (!stmt)
        return stmt.error();
    (*stmt)->bind(1, id);
    int index = 1;
    for (const auto &[column, value] : fields.items())
        if (auto ok = bindValue(**stmt, ++index, value); !ok) {
            (*stmt)->reset();
            return ok;
        }
    (*stmt)->bind(index + 1, static_cast<std::int64_t>(stamp.value));
    (*stmt)->bind(index + 2, m_deviceId);
    if (auto ok = (*stmt)->run(); !ok)
        return ok;
    return appendOutbox(table, id, "create", fields, stamp, 0);
}

Status WriteTxn::update(std::string_view table, const std::string &id, Fields changed)
{
    if (auto ok = checkFields(table, changed); !ok)
        return ok;
    auto base = baseVersion(table, id);
    if (!base)
        return base.error();
    const HlcTimestamp stamp = m_hlc.tick();

    auto stmt = m_db.prepare(updateRowSql(table, columnNames(changed)));
    if (!stmt)
        return stmt.error();
    int index = 0;
    for (const auto &[column, value] : changed.items())
        if (auto ok = bindValue(**stmt, ++index, value); !ok) {
            (*stmt)->reset();
            return ok;
        }
    (*stmt)->bind(index + 1, static_cast<std::int64_t>(stamp.value));
    (*stmt)->bind(index + 2, m_deviceId);
    (*stmt)->bind(index + 3, id);
    if (auto ok = (*stmt)->run(); !ok)
        return ok;
    if (m_db.changes() != 1)
        return Error::notFound("no " + std::string(table) + " record " + id);
    return appendOutbox(table, id, "update", changed, stamp, *base);
}

Result<std::uint64_t> WriteTxn::baseVersion(std::string_view table, const std::string &id)
{
    // The version this device last had from elsewhere: the row's hlc, unless
    // changes to the record are still waiting to be sent. Then the row's hlc
    // is this device's own unsent stamp, and a field another device set
    // before it would pass for seen; the earliest waiting change's base is
    // what this device has really seen. The server flags anything stamped
    // after the base by another device as a conflict, so an older base can
    // only flag more, never lose a value.
    auto stmt = m_db.prepare("SELECT COALESCE((SELECT MIN(base_hlc) FROM outbox WHERE entity = ?1 AND entity_id = ?2 "
                             "AND state = 'pending'), (SELECT hlc FROM " + std::string(table) + " WHERE id = ?2), 0)");
    if (!stmt)
        return stmt.error();
    (*stmt)->bind(1, table).bind(2, id);
    auto row = (*stmt)->step();
    if (!row) {
        (*stmt)->reset();
        return row.error();
    }
    const std::int64_t base = *row ? (*stmt)->columnInt(0) : 0;
    (*stmt)->reset();
    return static_cast<std::uint64_t>(base);
}

Status WriteTxn::appendOutbox(std::string_view table, const std::string &id, std::string_view op,
                              const Fields &fields, HlcTimestamp stamp, std::uint64_t baseHlc)
{
    auto stmt = m_db.prepare("INSERT INTO outbox (change_id, entity, entity_id, op, fields, hlc, device_id, "
                             "created_at, base_hlc) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (!stmt)
        return stmt.error();
    return (*stmt)
        ->bind(1, m_ids.next())
        .bind(2, table)
        .bind(3, id)
        .bind(4, op)
        .bind(5, fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
        .bind(6, static_cast<std::int64_t>(stamp.value))
        .bind(7, m_deviceId)
        .bind(8, static_cast<std::int64_t>(m_clock.nowMs()))
        .bind(9, static_cast<std::int64_t>(baseHlc))
        .run();
}

} // namespace beatbook
