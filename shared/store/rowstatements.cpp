#include "store/rowstatements.h"

#include "store/database.h"
#include "store/rowsql.h"

#include <sqlite3.h>

namespace beatbook {

RowStatements::RowStatements(Database &db, std::size_t maxKept) : m_db(db), m_maxKept(maxKept == 0 ? 1 : maxKept) {}

RowStatements::~RowStatements() { finalizeAll(); }

void RowStatements::finalizeAll()
{
    for (auto &[key, stmt] : m_statements)
        sqlite3_finalize(stmt->handle());
    m_statements.clear();
}

Result<Statement *> RowStatements::insert(std::string_view table, std::span<const std::string_view> columns,
                                          OnExistingId onExisting)
{
    return find(onExisting == OnExistingId::Ignore ? 'I' : 'i', table, columns);
}

Result<Statement *> RowStatements::update(std::string_view table, std::span<const std::string_view> columns)
{
    return find('u', table, columns);
}

Result<Statement *> RowStatements::find(char kind, std::string_view table, std::span<const std::string_view> columns)
{
    // Names are identifiers: a space cannot occur in one.
    m_key.clear();
    m_key.push_back(kind);
    m_key.append(table);
    for (const std::string_view column : columns)
        m_key.append(" ").append(column);
    if (auto found = m_statements.find(m_key); found != m_statements.end()) {
        found->second->reset();
        return found->second.get();
    }

    std::string sql;
    if (kind == 'u') {
        sql = updateRowSql(table, columns);
    } else {
        sql = insertRowSql(table, columns);
        if (kind == 'I')
            sql += " ON CONFLICT (id) DO NOTHING";
    }
    sqlite3_stmt *stmt = nullptr;
    if (sqlite3_prepare_v3(m_db.handle(), sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                           &stmt, nullptr)
        != SQLITE_OK) {
        sqlite3_finalize(stmt);
        return Error::storage(std::string("cannot prepare a row write: ") + sqlite3_errmsg(m_db.handle()));
    }
    if (m_statements.size() >= m_maxKept)
        finalizeAll();
    auto [it, inserted] = m_statements.emplace(m_key, std::make_unique<Statement>(stmt));
    return it->second.get();
}

} // namespace beatbook
