#pragma once

#include "core/result.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace beatbook {

// One prepared statement, reset on every use. Bound values are always
// parameters: text from outside never becomes SQL.
class Statement {
public:
    Statement() = default;
    explicit Statement(sqlite3_stmt *stmt) : m_stmt(stmt) {}

    Statement &bind(int index, std::nullptr_t);
    Statement &bind(int index, std::int64_t value);
    Statement &bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
    Statement &bind(int index, double value);
    Statement &bind(int index, std::string_view value);
    Statement &bind(int index, const std::string &value) { return bind(index, std::string_view(value)); }
    Statement &bind(int index, const char *value) { return bind(index, std::string_view(value)); }
    // Binds NULL for an empty optional or an empty string (absent text).
    Statement &bindOptional(int index, const std::optional<std::string> &value);
    Statement &bindOptional(int index, const std::optional<double> &value);
    Statement &bindOptional(int index, const std::optional<std::int64_t> &value);

    // Runs one step: true while a row is available, false when done.
    Result<bool> step();
    // Runs a statement that returns no rows.
    Status run();

    bool isNull(int column) const;
    std::int64_t columnInt(int column) const;
    double columnDouble(int column) const;
    std::string columnText(int column) const;
    std::optional<std::string> columnOptionalText(int column) const;
    std::optional<double> columnOptionalDouble(int column) const;
    std::optional<std::int64_t> columnOptionalInt(int column) const;

    void reset();
    sqlite3_stmt *handle() const { return m_stmt; }

private:
    sqlite3_stmt *m_stmt = nullptr;
    int m_bindError = 0;
};

// A SQLite connection in WAL mode with a cache of prepared statements.
class Database {
public:
    enum class Durability {
        // WAL with synchronous=NORMAL: a committed write survives the app
        // being killed; a power cut may lose the last few commits.
        Normal,
        // WAL with synchronous=FULL: every commit is on disk before it returns.
        Full,
    };

    static Result<std::unique_ptr<Database>> open(const std::string &path,
                                                  Durability durability = Durability::Full);
    ~Database();
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;

    Status exec(std::string_view sql);
    // A cached statement, reset and with bindings cleared.
    Result<Statement *> prepare(std::string_view sql);

    // Runs fn inside BEGIN IMMEDIATE ... COMMIT; rolls back if fn fails.
    // Inside an open transaction it nests as a savepoint, so a caller can
    // group many writes (an import, a sync batch) into one commit.
    template <typename Fn>
    Status transaction(Fn &&fn)
    {
        const bool nested = inTransaction();
        if (auto begun = exec(nested ? "SAVEPOINT nested_write" : "BEGIN IMMEDIATE"); !begun)
            return begun;
        Status result = fn();
        if (!result) {
            (void)exec(nested ? "ROLLBACK TO nested_write; RELEASE nested_write" : "ROLLBACK");
            return result;
        }
        if (auto committed = exec(nested ? "RELEASE nested_write" : "COMMIT"); !committed) {
            (void)exec(nested ? "ROLLBACK TO nested_write; RELEASE nested_write" : "ROLLBACK");
            return committed;
        }
        return {};
    }

    bool inTransaction() const;
    Result<std::int64_t> queryInt(const std::string &sql);
    std::int64_t changes() const;
    sqlite3 *handle() const { return m_db; }
    const std::string &path() const { return m_path; }

private:
    Database(sqlite3 *db, std::string path) : m_db(db), m_path(std::move(path)) {}
    Error lastError(std::string_view what) const;

    sqlite3 *m_db = nullptr;
    std::string m_path;
    // Looks SQL text up without copying it into a std::string first.
    struct SqlHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view sql) const { return std::hash<std::string_view>{}(sql); }
    };
    // Prepared statements by SQL text; finalized with the connection.
    std::unordered_map<std::string, std::unique_ptr<Statement>, SqlHash, std::equal_to<>> m_cache;
};

} // namespace beatbook
