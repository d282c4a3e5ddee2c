#pragma once

#include "core/result.h"

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

namespace beatbook {

class Database;
class Statement;

// The prepared statements that write one synced row, kept one per table and
// column list, so that a stream of records (a device's upload on the
// server, a page of a pull on the device) prepares each shape once instead
// of building and looking up its SQL text for every record.
//
// The caller vouches that the table and column names are the store's own
// (checked against the schema's catalog): they become SQL. The number of
// shapes kept is bounded, because the column lists come from devices: past
// the bound the kept statements are finalized and preparing starts again.
class RowStatements {
public:
    explicit RowStatements(Database &db, std::size_t maxKept = 128);
    ~RowStatements();
    RowStatements(const RowStatements &) = delete;
    RowStatements &operator=(const RowStatements &) = delete;

    enum class OnExistingId {
        Fail,    // a row with the id already there is a constraint error
        Ignore,  // ON CONFLICT (id) DO NOTHING: the write changes nothing
    };

    // INSERT: ?1 is the id, then each column in order, then hlc and device_id.
    // Reset, with no values bound; valid until the next call.
    Result<Statement *> insert(std::string_view table, std::span<const std::string_view> columns,
                               OnExistingId onExisting = OnExistingId::Fail);
    // UPDATE: each column in order, then hlc, device_id and the id.
    Result<Statement *> update(std::string_view table, std::span<const std::string_view> columns);

    std::size_t kept() const { return m_statements.size(); }

private:
    Result<Statement *> find(char kind, std::string_view table, std::span<const std::string_view> columns);
    void finalizeAll();

    Database &m_db;
    std::size_t m_maxKept;
    std::string m_key;  // reused: a lookup allocates nothing once warm
    std::unordered_map<std::string, std::unique_ptr<Statement>> m_statements;
};

} // namespace beatbook
