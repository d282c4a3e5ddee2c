#pragma once

#include "core/result.h"

#include <string_view>

namespace beatbook {

class Database;

// Sets one device_meta setting, adding it or replacing its value.
Status putDeviceMeta(Database &db, std::string_view key, std::string_view value);

} // namespace beatbook
