#include "store/rowsql.h"

namespace beatbook {

std::string insertRowSql(std::string_view table, const Fields &fields)
{
    std::string sql = "INSERT INTO " + std::string(table) + " (id";
    std::string params = "?1";
    int index = 1;
    for (const auto &[column, value] : fields.items()) {
        sql += ", " + column;
        params += ", ?" + std::to_string(++index);
    }
    sql += ", hlc, device_id) VALUES (" + params + ", ?" + std::to_string(index + 1) + ", ?"
        + std::to_string(index + 2) + ")";
    return sql;
}

std::string updateRowSql(std::string_view table, const Fields &changed)
{
    std::string sql = "UPDATE " + std::string(table) + " SET ";
    int index = 0;
    for (const auto &[column, value] : changed.items())
        sql += column + " = ?" + std::to_string(++index) + ", ";
    sql += "hlc = ?" + std::to_string(index + 1) + ", device_id = ?" + std::to_string(index + 2) + " WHERE id = ?"
        + std::to_string(index + 3);
    return sql;
}

} // namespace beatbook
