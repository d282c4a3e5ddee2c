#pragma once

#include "core/clock.h"
#include "core/exitcode.h"
#include "core/randomsource.h"
#include "core/result.h"
#include "datapack/datapack.h"
#include "server/adminaudit.h"
#include "server/serverconfig.h"
#include "server/serverdatabase.h"
#include "server/sqlitedevicedirectory.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>

namespace beatbook::admin {

// Exit codes and exitCodeFor: core/exitcode.h, as beatbook-field's.

using Json = nlohmann::ordered_json;

// What every command needs: the global options and the data directory's
// parts, opened on first use. Every command works on the directory of a
// running server: SQLite serialises the writers and nothing else is written.
class AdminContext {
public:
    std::string dataDir;
    std::string packOverride;  // --pack, else the build's default pack
    bool jsonOutput = false;

    ServerPaths paths() const { return {dataDir}; }

    // Bad input (exit 2) when the data directory was never initialised, so no
    // command but init creates a server.db as a side effect.
    Status requireInitialised() const;
    Result<SqliteDeviceDirectory *> directory();
    // A connection of its own for reading records (kpis, export).
    Result<Database *> database();
    Result<const DataPack *> pack();
    // server.conf, read and checked as the server reads it.
    Result<ServerSettings> serverSettings() const;

    // Runs a command body and turns its failure into the exit code.
    template <typename Fn>
    void run(int &exitCode, Fn &&fn)
    {
        if (Status done = fn(); !done)
            exitCode = fail(done.error());
    }

    // Prints a finished result: JSON when --json, else the text.
    void print(const Json &json, const std::string &text) const;
    // One clear line on stderr; returns the exit code for the error.
    int fail(const Error &error) const;

    // An audit row for a change made now; the change may add its detail.
    AdminAuditEntry auditEntry(AdminAction action, std::string subject,
                               std::optional<std::string> detail = std::nullopt) const;

    const Clock &clock() const { return m_clock; }
    RandomSource &random() { return m_random; }

private:
    SystemClock m_clock;
    SecureRandom m_random;
    std::unique_ptr<SqliteDeviceDirectory> m_directory;
    std::unique_ptr<Database> m_database;
    std::optional<DataPack> m_pack;
};

// ISO 8601 UTC, or null.
Json timeOrNull(const std::optional<TimestampMs> &time);

} // namespace beatbook::admin
