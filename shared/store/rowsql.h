#pragma once

#include <span>
#include <string>
#include <string_view>

namespace beatbook {

// The statements that write one synced row, on the device and on the server
// alike. The caller vouches that table and column names are known ones.
// Insert: ?1 is the id, then each column in order, then hlc and device_id.
std::string insertRowSql(std::string_view table, std::span<const std::string_view> columns);
// Update: each column in order, then hlc, device_id and the id.
std::string updateRowSql(std::string_view table, std::span<const std::string_view> columns);

} // namespace beatbook
