#pragma once

#include "core/result.h"
#include "store/database.h"

#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace beatbook {

// The server's SQLite database (DATA/server.db). It holds the same record
// tables as a device (the store's migrations, so one schema defines a
// record everywhere) plus the server's own tables, migrated in their own
// numbered steps recorded in server_schema.
struct ServerMigration {
    int version;
    std::string_view description;
    std::string_view sql;
};

std::span<const ServerMigration> serverMigrations();

// Opens (creating if need be) and migrates. The server's database always
// runs with synchronous=FULL: an acknowledged change must survive a power
// cut.
Result<std::unique_ptr<Database>> openServerDatabase(const std::string &path);

// Paths inside a server data directory.
struct ServerPaths {
    std::string dataDir;
    std::string database() const { return dataDir + "/server.db"; }
    std::string config() const { return dataDir + "/server.conf"; }
    std::string caCertificate() const { return dataDir + "/tls/ca.crt"; }
    std::string caKey() const { return dataDir + "/tls/ca.key"; }
    std::string serverCertificate() const { return dataDir + "/tls/server.crt"; }
    std::string serverKey() const { return dataDir + "/tls/server.key"; }
};

} // namespace beatbook
