#include "server/serverdatabase.h"

#include "store/migrations.h"

#include <array>

namespace beatbook {
namespace {

// Who may connect: users (roles and wards as in domain.md), their devices,
// and one-time enrolment codes (only a hash of each secret is kept).
constexpr std::string_view kServerVersion1 = R"SQL(
CREATE TABLE server_meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
) STRICT;

CREATE TABLE users (
    name       TEXT PRIMARY KEY,
    role       TEXT NOT NULL,
    wards      TEXT NOT NULL,
    disabled   INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE devices (
    id           TEXT PRIMARY KEY,
    user_name    TEXT NOT NULL REFERENCES users(name),
    public_key   BLOB NOT NULL,
    label        TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
    enrolled_at  INTEGER NOT NULL,
    last_seen_at INTEGER,
    revoked_at   INTEGER
) STRICT;
CREATE INDEX devices_user ON devices (user_name);

CREATE TABLE enrolment_codes (
    secret_hash TEXT PRIMARY KEY,
    user_name   TEXT NOT NULL REFERENCES users(name),
    issued_at   INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    device_id   TEXT
) STRICT;
)SQL";

// What sync needs beside the records themselves (which live in the store's
// own tables). sync_records: per record, where it sits for scope decisions
// (ward, the ward it left, who created it and on which device, which
// records name a person),
// the field stamps and kept conflicting values the merge needs, and its
// place in the change feed. feed_seq is the rowid, so the feed is read in
// table order and a record moves to the head by taking a new one; the
// highest feed_seq is always the last handed out. sync_changes: the answer
// given to each change, by device and seq, so a replay gets the same answer
// and is applied once.
constexpr std::string_view kServerVersion2 = R"SQL(
CREATE TABLE sync_records (
    feed_seq       INTEGER PRIMARY KEY,
    entity         TEXT NOT NULL,
    id             TEXT NOT NULL,
    parent_id      TEXT,
    ward_code      TEXT,
    prev_ward_code TEXT,
    owner_user     TEXT NOT NULL,
    creator_device TEXT NOT NULL,
    by_report      INTEGER NOT NULL DEFAULT 0 CHECK (by_report IN (0, 1)),
    by_referral    INTEGER NOT NULL DEFAULT 0 CHECK (by_referral IN (0, 1)),
    stamps         TEXT NOT NULL,
    conflicts      TEXT,
    needs_review   INTEGER NOT NULL DEFAULT 0 CHECK (needs_review IN (0, 1)),
    version        INTEGER NOT NULL,
    UNIQUE (entity, id)
) STRICT;
CREATE INDEX sync_records_parent ON sync_records (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX sync_records_review ON sync_records (entity) WHERE needs_review = 1;

CREATE TABLE sync_changes (
    device_id   TEXT NOT NULL,
    seq         INTEGER NOT NULL CHECK (seq > 0),
    change_id   TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('accepted', 'rejected')),
    reason      TEXT,
    conflict    INTEGER NOT NULL DEFAULT 0 CHECK (conflict IN (0, 1)),
    received_at INTEGER NOT NULL,
    PRIMARY KEY (device_id, seq)
) STRICT, WITHOUT ROWID;
)SQL";

// What administrators did to users, devices and codes (domain.md: the
// admin's powers are audited). Written in the transaction of each change and
// append-only, as the device's event tables are: a row, once written, is
// neither changed nor removed, not even by the admin whose act it records.
// INSERT OR REPLACE would remove a row without firing the delete trigger
// (SQLite fires it only with recursive triggers on), so an insert over an
// existing seq is refused as well.
constexpr std::string_view kServerVersion3 = R"SQL(
CREATE TABLE admin_audit (
    seq     INTEGER PRIMARY KEY CHECK (seq > 0),
    at      INTEGER NOT NULL,
    action  TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail  TEXT
) STRICT;
CREATE TRIGGER admin_audit_no_update BEFORE UPDATE ON admin_audit
BEGIN SELECT RAISE(ABORT, 'the admin audit is append-only'); END;
CREATE TRIGGER admin_audit_no_delete BEFORE DELETE ON admin_audit
BEGIN SELECT RAISE(ABORT, 'the admin audit is append-only'); END;
CREATE TRIGGER admin_audit_no_replace BEFORE INSERT ON admin_audit
WHEN EXISTS (SELECT 1 FROM admin_audit WHERE seq = NEW.seq)
BEGIN SELECT RAISE(ABORT, 'the admin audit is append-only'); END;
)SQL";

// The device's report indexes serve its repeat-victim and repeat-address
// checks and its lists by date. The server does neither: its measures and
// exports read by ward or read everything. Every index is written on each
// upload by the one writer thread, so the server keeps only the ward index.
constexpr std::string_view kServerVersion4 = R"SQL(
DROP INDEX IF EXISTS asb_reports_victim_time;
DROP INDEX IF EXISTS asb_reports_address_time;
DROP INDEX IF EXISTS asb_reports_occurred;
)SQL";

constexpr std::array<ServerMigration, 4> kServerMigrations{{
    {1, "server meta, users, devices, enrolment codes", kServerVersion1},
    {2, "sync records metadata, change feed, per-device answers", kServerVersion2},
    {3, "append-only audit of admin actions", kServerVersion3},
    {4, "no device-only report indexes on the server", kServerVersion4},
}};

Result<int> serverSchemaVersion(Database &db)
{
    if (auto ok = db.exec("CREATE TABLE IF NOT EXISTS server_schema (version INTEGER NOT NULL) STRICT"); !ok)
        return ok.error();
    auto version = db.queryInt("SELECT COALESCE(MAX(version), 0) FROM server_schema");
    if (!version)
        return version.error();
    return static_cast<int>(*version);
}

} // namespace

std::span<const ServerMigration> serverMigrations() { return kServerMigrations; }

Result<std::unique_ptr<Database>> openServerDatabase(const std::string &path)
{
    auto db = Database::open(path, Database::Durability::Full);
    if (!db)
        return db.error();
    if (auto ok = migrate(**db); !ok)
        return ok.error();
    auto current = serverSchemaVersion(**db);
    if (!current)
        return current.error();
    if (*current > kServerMigrations.back().version)
        return Error::storage("server database schema version " + std::to_string(*current)
                              + " is newer than this server understands: update beatbook-sync-server");
    for (const ServerMigration &step : kServerMigrations) {
        if (step.version <= *current)
            continue;
        Status applied = (*db)->transaction([&]() -> Status {
            if (auto ok = (*db)->exec(step.sql); !ok)
                return Error::storage("server migration " + std::to_string(step.version)
                                      + " failed: " + ok.error().message);
            return (*db)->exec("INSERT INTO server_schema (version) VALUES (" + std::to_string(step.version) + ")");
        });
        if (!applied)
            return applied.error();
    }
    return std::move(*db);
}

} // namespace beatbook
