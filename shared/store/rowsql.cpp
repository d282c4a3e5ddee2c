#include "store/rowsql.h"

namespace beatbook {

std::string insertRowSql(std::string_view table, std::span<const std::string_view> columns)
{
    std::string sql = "INSERT INTO ";
    sql.append(table).append(" (id");
    std::string params = "?1";
    int index = 1;
    for (const std::string_view column : columns) {
        sql.append(", ").append(column);
        params.append(", ?").append(std::to_string(++index));
    }
    sql.append(", hlc, device_id) VALUES (")
        .append(params)
        .append(", ?")
        .append(std::to_string(index + 1))
        .append(", ?")
        .append(std::to_string(index + 2))
        .append(")");
    return sql;
}

std::string updateRowSql(std::string_view table, std::span<const std::string_view> columns)
{
    std::string sql = "UPDATE ";
    sql.append(table).append(" SET ");
    int index = 0;
    for (const std::string_view column : columns)
        sql.append(column).append(" = ?").append(std::to_string(++index)).append(", ");
    sql.append("hlc = ?")
        .append(std::to_string(index + 1))
        .append(", device_id = ?")
        .append(std::to_string(index + 2))
        .append(" WHERE id = ?")
        .append(std::to_string(index + 3));
    return sql;
}

} // namespace beatbook
