#pragma once

#include "store/database.h"

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

// Reading rows through the statement cache. A cached statement must be reset
// however its read ends: one left half-read keeps its read transaction open
// (holding back WAL checkpoints) and meets its next user mid-way. These
// helpers own prepare, bind, step, read and reset, so that no store has to
// get the early returns right by hand.
//
// `bind` is called once with the Statement& before the first step, to bind
// the parameters (`noParameters` when there are none). `read` turns the
// current row (const Statement&) into a value; it may return the value
// itself, or a Result of it when a row can hold something this build cannot
// read, and that error then ends the query.

namespace beatbook {

// For a query without parameters.
inline void noParameters(Statement &) {}

namespace query_detail {

template <typename R>
struct RowRead {
    using Value = R;
    static constexpr bool fallible = false;
};

template <typename T>
struct RowRead<Result<T>> {
    using Value = T;
    static constexpr bool fallible = true;
};

template <typename Read>
using RowReadOf = RowRead<std::remove_cvref_t<std::invoke_result_t<Read &, const Statement &>>>;

// Resets the statement on every way out of a read, the early ones included.
class ResetOnExit {
public:
    explicit ResetOnExit(Statement &stmt) : m_stmt(stmt) {}
    ~ResetOnExit() { m_stmt.reset(); }
    ResetOnExit(const ResetOnExit &) = delete;
    ResetOnExit &operator=(const ResetOnExit &) = delete;

private:
    Statement &m_stmt;
};

// Prepares sql, binds its parameters and runs body(Statement &) on it; the
// statement is reset when body returns, whichever way. body returns a Result.
template <typename Bind, typename Body>
auto withBoundStatement(Database &db, std::string_view sql, Bind &&bind, Body &&body)
    -> std::invoke_result_t<Body &, Statement &>
{
    auto stmt = db.prepare(sql);
    if (!stmt)
        return stmt.error();
    const ResetOnExit resetOnExit(**stmt);
    bind(**stmt);
    return body(**stmt);
}

} // namespace query_detail

// Runs the query and calls visit(const Statement&) for every row. visit may
// return void, or a Status whose failure stops the query and is returned.
template <typename Bind, typename Visit>
Status forEachRow(Database &db, std::string_view sql, Bind &&bind, Visit &&visit)
{
    return query_detail::withBoundStatement(db, sql, std::forward<Bind>(bind), [&](Statement &statement) -> Status {
        for (;;) {
            auto row = statement.step();
            if (!row)
                return row.error();
            if (!*row)
                return {};
            if constexpr (std::is_void_v<std::invoke_result_t<Visit &, const Statement &>>) {
                visit(std::as_const(statement));
            } else {
                if (Status visited = visit(std::as_const(statement)); !visited)
                    return visited;
            }
        }
    });
}

// Every row of the query, read by `read`, in the query's order.
template <typename Bind, typename Read>
auto readRows(Database &db, std::string_view sql, Bind &&bind, Read &&read)
    -> Result<std::vector<typename query_detail::RowReadOf<Read>::Value>>
{
    using Row = query_detail::RowReadOf<Read>;
    std::vector<typename Row::Value> rows;
    Status status = forEachRow(db, sql, std::forward<Bind>(bind), [&](const Statement &s) -> Status {
        if constexpr (Row::fallible) {
            auto value = read(s);
            if (!value)
                return value.error();
            rows.push_back(std::move(*value));
        } else {
            rows.push_back(read(s));
        }
        return {};
    });
    if (!status)
        return status.error();
    return rows;
}

// The first row of the query, or nothing when it has none. Meant for queries
// that select at most one row (by primary key); any further rows are not read.
template <typename Bind, typename Read>
auto readOptionalRow(Database &db, std::string_view sql, Bind &&bind, Read &&read)
    -> Result<std::optional<typename query_detail::RowReadOf<Read>::Value>>
{
    using Row = query_detail::RowReadOf<Read>;
    using Found = std::optional<typename Row::Value>;
    return query_detail::withBoundStatement(
        db, sql, std::forward<Bind>(bind), [&](Statement &statement) -> Result<Found> {
            auto row = statement.step();
            if (!row)
                return row.error();
            if (!*row)
                return Found();
            if constexpr (Row::fallible) {
                auto value = read(std::as_const(statement));
                if (!value)
                    return value.error();
                return Found(std::move(*value));
            } else {
                return Found(read(std::as_const(statement)));
            }
        });
}

// The one row the query selects, or Error::notFound(notFoundMessage) when
// there is none: the message names the record the caller asked for.
template <typename Bind, typename Read>
auto readOneRow(Database &db, std::string_view sql, Bind &&bind, Read &&read, std::string notFoundMessage)
    -> Result<typename query_detail::RowReadOf<Read>::Value>
{
    auto found = readOptionalRow(db, sql, std::forward<Bind>(bind), std::forward<Read>(read));
    if (!found)
        return found.error();
    if (!*found)
        return Error::notFound(std::move(notFoundMessage));
    return std::move(**found);
}

// Whether the query selects any row.
template <typename Bind>
Result<bool> hasRow(Database &db, std::string_view sql, Bind &&bind)
{
    auto found = readOptionalRow(db, sql, std::forward<Bind>(bind), [](const Statement &) { return true; });
    if (!found)
        return found.error();
    return found->has_value();
}

} // namespace beatbook
