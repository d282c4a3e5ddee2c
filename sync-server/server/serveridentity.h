#pragma once

#include "core/randomsource.h"
#include "core/result.h"
#include "store/database.h"

#include <cstddef>
#include <string>

namespace beatbook {

inline constexpr std::size_t kMatchKeyBytes = 32;

// Who this server is: a UUID naming it to devices, and the partnership's
// match key (handed to devices at enrolment so victims' match keys agree
// across devices; also the key the pseudonymised exports are made with).
// Kept in server.db's server_meta table.
struct ServerIdentity {
    std::string serverId;  // UUID text
    std::string matchKey;  // raw 32 bytes
};

// NotFound when the database has none (the data directory was never
// initialised); Storage when what is stored is malformed.
Result<ServerIdentity> loadServerIdentity(Database &db);
// Makes and stores a new identity; refused (NotAllowed) when one exists, as
// replacing the match key would break every repeat-victim match made so far.
Result<ServerIdentity> createServerIdentity(Database &db, RandomSource &random);

} // namespace beatbook
