#include "store/database.h"

#include "store/query.h"

#include <sqlite3.h>

namespace beatbook {
namespace {

Error sqliteError(sqlite3 *db, std::string_view what)
{
    return Error::storage(std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "no database"));
}

} // namespace

Statement &Statement::bind(int index, std::nullptr_t)
{
    if (const int rc = sqlite3_bind_null(m_stmt, index); rc != SQLITE_OK)
        m_bindError = rc;
    return *this;
}

Statement &Statement::bind(int index, std::int64_t value)
{
    if (const int rc = sqlite3_bind_int64(m_stmt, index, value); rc != SQLITE_OK)
        m_bindError = rc;
    return *this;
}

Statement &Statement::bind(int index, double value)
{
    if (const int rc = sqlite3_bind_double(m_stmt, index, value); rc != SQLITE_OK)
        m_bindError = rc;
    return *this;
}

Statement &Statement::bind(int index, std::string_view value)
{
    const int rc = sqlite3_bind_text64(m_stmt, index, value.data(), value.size(), SQLITE_TRANSIENT,
                                       SQLITE_UTF8);
    if (rc != SQLITE_OK)
        m_bindError = rc;
    return *this;
}

Statement &Statement::bindOptional(int index, const std::optional<std::string> &value)
{
    return value && !value->empty() ? bind(index, std::string_view(*value)) : bind(index, nullptr);
}

Statement &Statement::bindOptional(int index, const std::optional<double> &value)
{
    return value ? bind(index, *value) : bind(index, nullptr);
}

Statement &Statement::bindOptional(int index, const std::optional<std::int64_t> &value)
{
    return value ? bind(index, *value) : bind(index, nullptr);
}

Result<bool> Statement::step()
{
    if (m_bindError != 0) {
        const int rc = m_bindError;
        reset();
        return Error::storage(std::string("could not bind a value: ") + sqlite3_errstr(rc));
    }
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    Error error = sqliteError(sqlite3_db_handle(m_stmt), "statement failed");
    reset();
    return error;
}

Status Statement::run()
{
    auto stepped = step();
    reset();
    if (!stepped)
        return stepped.error();
    return {};
}

bool Statement::isNull(int column) const { return sqlite3_column_type(m_stmt, column) == SQLITE_NULL; }
std::int64_t Statement::columnInt(int column) const { return sqlite3_column_int64(m_stmt, column); }
double Statement::columnDouble(int column) const { return sqlite3_column_double(m_stmt, column); }

std::string Statement::columnText(int column) const
{
    const auto *text = sqlite3_column_text(m_stmt, column);
    const int size = sqlite3_column_bytes(m_stmt, column);
    return text ? std::string(reinterpret_cast<const char *>(text), static_cast<std::size_t>(size)) : std::string();
}

std::optional<std::string> Statement::columnOptionalText(int column) const
{
    if (isNull(column))
        return std::nullopt;
    return columnText(column);
}

std::optional<double> Statement::columnOptionalDouble(int column) const
{
    if (isNull(column))
        return std::nullopt;
    return columnDouble(column);
}

std::optional<std::int64_t> Statement::columnOptionalInt(int column) const
{
    if (isNull(column))
        return std::nullopt;
    return columnInt(column);
}

void Statement::reset()
{
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
    m_bindError = 0;
}

Result<std::unique_ptr<Database>> Database::open(const std::string &path, Durability durability)
{
    sqlite3 *raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                   nullptr);
    if (rc != SQLITE_OK) {
        Error error = sqliteError(raw, "cannot open database " + path);
        sqlite3_close_v2(raw);
        return error;
    }
    std::unique_ptr<Database> db(new Database(raw, path));
    sqlite3_extended_result_codes(raw, 1);
    sqlite3_busy_timeout(raw, 5000);
    // Foreign keys and WAL; STRICT tables and triggers enforce the rest.
    const std::string pragmas = std::string("PRAGMA foreign_keys=ON; PRAGMA journal_mode=WAL; ")
        + (durability == Durability::Full ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;");
    if (auto ok = db->exec(pragmas); !ok)
        return ok.error();
    if (path != ":memory:") {
        auto mode = db->prepare("PRAGMA journal_mode");
        if (!mode)
            return mode.error();
        auto row = (*mode)->step();
        const std::string journal = row && *row ? (*mode)->columnText(0) : std::string();
        (*mode)->reset();
        if (journal != "wal")
            return Error::storage("database " + path + " could not be switched to WAL mode");
    }
    return db;
}

Database::~Database()
{
    for (auto &[sql, stmt] : m_cache)
        sqlite3_finalize(stmt->handle());
    sqlite3_close_v2(m_db);
}

Error Database::lastError(std::string_view what) const { return sqliteError(m_db, what); }

Status Database::exec(std::string_view sql)
{
    char *message = nullptr;
    const std::string text(sql);
    if (sqlite3_exec(m_db, text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
        Error error = Error::storage(std::string("database error: ") + (message ? message : "unknown"));
        sqlite3_free(message);
        return error;
    }
    return {};
}

Result<Statement *> Database::prepare(std::string_view sql)
{
    if (auto found = m_cache.find(sql); found != m_cache.end()) {
        found->second->reset();
        return found->second.get();
    }
    sqlite3_stmt *stmt = nullptr;
    if (sqlite3_prepare_v3(m_db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                           nullptr)
        != SQLITE_OK)
        return lastError("cannot prepare statement");
    auto [it, inserted] = m_cache.emplace(sql, std::make_unique<Statement>(stmt));
    return it->second.get();
}

Result<std::int64_t> Database::queryInt(const std::string &sql)
{
    auto value = readOptionalRow(*this, sql, noParameters, [](const Statement &s) { return s.columnInt(0); });
    if (!value)
        return value.error();
    return value->value_or(0);
}

bool Database::inTransaction() const { return sqlite3_get_autocommit(m_db) == 0; }

std::int64_t Database::changes() const { return sqlite3_changes64(m_db); }

} // namespace beatbook
