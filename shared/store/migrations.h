#pragma once

#include "core/result.h"

#include <span>
#include <string_view>

namespace beatbook {

class Database;

// One step of the device store's schema. Steps are applied in order, each in
// its own transaction with PRAGMA user_version moved along with it, so a
// database is always at exactly one known version.
struct Migration {
    int version;
    std::string_view description;
    std::string_view sql;
};

std::span<const Migration> storeMigrations();
int latestSchemaVersion();

Result<int> schemaVersion(Database &db);

// Brings db up to targetVersion (default: the latest). A database newer than
// this build is refused rather than opened: an older app must not write to a
// schema it does not understand.
Status migrate(Database &db, int targetVersion = -1);

} // namespace beatbook
