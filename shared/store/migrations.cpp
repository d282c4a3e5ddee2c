#include "store/migrations.h"

#include "store/database.h"

#include <array>
#include <string>

namespace beatbook {
namespace {

// Every table that holds domain records carries the hybrid logical clock of
// its last change (hlc) and the device that made it (device_id): sync merges
// and audits by them. Append-only tables refuse UPDATE and DELETE in the
// database itself, so no code path can rewrite an evidential record.
constexpr std::string_view kVersion1 = R"SQL(
CREATE TABLE device_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- Personal data lives here, apart from the reports that reference it.
-- match_key is a keyed hash of the normalised name: repeat checks compare
-- keys, never names.
CREATE TABLE people (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    contact    TEXT,
    match_key  TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    hlc        INTEGER NOT NULL,
    device_id  TEXT NOT NULL
) STRICT;

CREATE TABLE asb_reports (
    id                   TEXT PRIMARY KEY,
    type                 TEXT NOT NULL,
    qualifier            TEXT NOT NULL,
    hate                 INTEGER NOT NULL CHECK (hate IN (0, 1)),
    occurred_at          INTEGER NOT NULL,
    logged_at            INTEGER NOT NULL,
    lat                  REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon                  REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
    accuracy_m           REAL,
    address_text         TEXT,
    address_key          TEXT,
    place_key            TEXT NOT NULL,
    ward_code            TEXT,
    description          TEXT NOT NULL,
    reporter_id          TEXT REFERENCES people(id),
    victim_id            TEXT REFERENCES people(id),
    victim_key           TEXT,
    source_role          TEXT NOT NULL,
    logged_by            TEXT NOT NULL,
    status               TEXT NOT NULL,
    repeat_victim        INTEGER NOT NULL CHECK (repeat_victim IN (0, 1)),
    prior_reports        INTEGER NOT NULL,
    assigned_to          TEXT,
    reporter_informed_at INTEGER,
    close_reason         TEXT,
    hlc                  INTEGER NOT NULL,
    device_id            TEXT NOT NULL
) STRICT;
CREATE INDEX asb_reports_victim_time ON asb_reports (victim_key, occurred_at);
CREATE INDEX asb_reports_address_time ON asb_reports (address_key, occurred_at);
CREATE INDEX asb_reports_ward_status ON asb_reports (ward_code, status);
CREATE INDEX asb_reports_occurred ON asb_reports (occurred_at);

-- Follow-ups, notes and status changes on a report: append-only.
CREATE TABLE report_events (
    id          TEXT PRIMARY KEY,
    report_id   TEXT NOT NULL REFERENCES asb_reports(id),
    kind        TEXT NOT NULL CHECK (kind IN ('transition', 'follow_up', 'note')),
    from_status TEXT,
    to_status   TEXT,
    text        TEXT NOT NULL,
    at          INTEGER NOT NULL,
    author      TEXT NOT NULL,
    author_role TEXT NOT NULL,
    hlc         INTEGER NOT NULL,
    device_id   TEXT NOT NULL
) STRICT;
CREATE INDEX report_events_report ON report_events (report_id, at);
CREATE TRIGGER report_events_no_update BEFORE UPDATE ON report_events
BEGIN SELECT RAISE(ABORT, 'report events are append-only'); END;
CREATE TRIGGER report_events_no_delete BEFORE DELETE ON report_events
BEGIN SELECT RAISE(ABORT, 'report events are append-only'); END;

-- The change log sync sends: one entry per written record, in the same
-- transaction as the write.
CREATE TABLE outbox (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    change_id  TEXT NOT NULL UNIQUE,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    op         TEXT NOT NULL CHECK (op IN ('create', 'update')),
    fields     TEXT NOT NULL,
    hlc        INTEGER NOT NULL,
    device_id  TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX outbox_entity ON outbox (entity, entity_id);
)SQL";

// Version 2 adds the partnership's other field work: advice, cocooning,
// referrals with consent, and joint patrols.
constexpr std::string_view kVersion2 = R"SQL(
CREATE TABLE cocooning_operations (
    id             TEXT PRIMARY KEY,
    origin_address TEXT NOT NULL,
    origin_lat     REAL,
    origin_lon     REAL,
    radius_m       REAL NOT NULL CHECK (radius_m > 0),
    ward_code      TEXT,
    burglary_at    INTEGER NOT NULL,
    planned_at     INTEGER NOT NULL,
    deadline_at    INTEGER NOT NULL,
    status         TEXT NOT NULL,
    close_reason   TEXT,
    planned_by     TEXT NOT NULL,
    hlc            INTEGER NOT NULL,
    device_id      TEXT NOT NULL
) STRICT;

CREATE TABLE cocooning_targets (
    id           TEXT PRIMARY KEY,
    operation_id TEXT NOT NULL REFERENCES cocooning_operations(id),
    street       TEXT NOT NULL,
    house_number TEXT NOT NULL,
    lat          REAL,
    lon          REAL,
    distance_m   REAL,
    hlc          INTEGER NOT NULL,
    device_id    TEXT NOT NULL,
    UNIQUE (operation_id, street, house_number)
) STRICT;

-- Advice handed out, including each cocooning visit: immutable.
CREATE TABLE advice_given (
    id              TEXT PRIMARY KEY,
    article_id      TEXT NOT NULL,
    article_version INTEGER NOT NULL,
    recipient_kind  TEXT NOT NULL,
    mode            TEXT NOT NULL,
    address_text    TEXT,
    ward_code       TEXT,
    report_id       TEXT REFERENCES asb_reports(id),
    operation_id    TEXT REFERENCES cocooning_operations(id),
    target_id       TEXT REFERENCES cocooning_targets(id),
    given_by        TEXT NOT NULL,
    given_by_role   TEXT NOT NULL,
    given_at        INTEGER NOT NULL,
    hlc             INTEGER NOT NULL,
    device_id       TEXT NOT NULL
) STRICT;
CREATE INDEX advice_given_operation ON advice_given (operation_id, target_id);
CREATE INDEX advice_given_report ON advice_given (report_id);
CREATE TRIGGER advice_given_no_update BEFORE UPDATE ON advice_given
BEGIN SELECT RAISE(ABORT, 'advice given is an immutable record'); END;
CREATE TRIGGER advice_given_no_delete BEFORE DELETE ON advice_given
BEGIN SELECT RAISE(ABORT, 'advice given is an immutable record'); END;

-- Consent is its own record. Only its withdrawal columns may ever change,
-- once, from empty to set.
CREATE TABLE consent_records (
    id                TEXT PRIMARY KEY,
    person_id         TEXT NOT NULL REFERENCES people(id),
    purpose           TEXT NOT NULL,
    recipients        TEXT NOT NULL,
    script_version    TEXT NOT NULL,
    method            TEXT NOT NULL,
    witness           TEXT,
    captured_by       TEXT NOT NULL,
    captured_by_role  TEXT NOT NULL,
    captured_at       INTEGER NOT NULL,
    capacity_concern  INTEGER NOT NULL CHECK (capacity_concern IN (0, 1)),
    capacity_note     TEXT,
    withdrawn_at      INTEGER,
    withdrawn_by      TEXT,
    withdrawn_by_role TEXT,
    withdrawal_note   TEXT,
    hlc               INTEGER NOT NULL,
    device_id         TEXT NOT NULL
) STRICT;
CREATE TRIGGER consent_records_only_withdrawal BEFORE UPDATE ON consent_records
WHEN OLD.withdrawn_at IS NOT NULL
  OR NEW.id IS NOT OLD.id OR NEW.person_id IS NOT OLD.person_id
  OR NEW.purpose IS NOT OLD.purpose OR NEW.recipients IS NOT OLD.recipients
  OR NEW.script_version IS NOT OLD.script_version OR NEW.method IS NOT OLD.method
  OR NEW.witness IS NOT OLD.witness OR NEW.captured_by IS NOT OLD.captured_by
  OR NEW.captured_by_role IS NOT OLD.captured_by_role
  OR NEW.captured_at IS NOT OLD.captured_at OR NEW.capacity_concern IS NOT OLD.capacity_concern
  OR NEW.capacity_note IS NOT OLD.capacity_note
BEGIN SELECT RAISE(ABORT, 'a consent record can only be withdrawn, once'); END;
CREATE TRIGGER consent_records_no_delete BEFORE DELETE ON consent_records
BEGIN SELECT RAISE(ABORT, 'consent records are kept'); END;

CREATE TABLE referrals (
    id                         TEXT PRIMARY KEY,
    route                      TEXT NOT NULL,
    person_id                  TEXT NOT NULL REFERENCES people(id),
    report_id                  TEXT REFERENCES asb_reports(id),
    address_text               TEXT,
    ward_code                  TEXT,
    risk_factors               TEXT NOT NULL,
    priority_band              TEXT NOT NULL,
    clutter_rating             INTEGER,
    capacity_note              TEXT,
    status                     TEXT NOT NULL,
    consent_id                 TEXT REFERENCES consent_records(id),
    override_justification     TEXT,
    override_requested_by      TEXT,
    override_requested_by_role TEXT,
    override_requested_at      INTEGER,
    override_approved_by       TEXT,
    override_approved_by_role  TEXT,
    override_approved_at       INTEGER,
    override_refused_by        TEXT,
    override_refused_at        INTEGER,
    override_refusal_reason    TEXT,
    created_by                 TEXT NOT NULL,
    created_by_role            TEXT NOT NULL,
    created_at                 INTEGER NOT NULL,
    deadline_at                INTEGER,
    acknowledge_by             INTEGER,
    sent_at                    INTEGER,
    acknowledged_at            INTEGER,
    decided_at                 INTEGER,
    completed_at               INTEGER,
    withdrawn_at               INTEGER,
    escalated_at               INTEGER,
    escalated_from             TEXT,
    decline_reason             TEXT,
    updated_by                 TEXT NOT NULL,
    updated_at                 INTEGER NOT NULL,
    hlc                        INTEGER NOT NULL,
    device_id                  TEXT NOT NULL,
    -- The consent gate, kept by the database as well as the code: nothing
    -- past the consent steps without a consent record or an approved
    -- override, and only a supervisor approves an override.
    CHECK ((sent_at IS NULL
            AND status IN ('drafted', 'consent_captured', 'override_requested', 'override_approved'))
           OR consent_id IS NOT NULL OR override_approved_at IS NOT NULL),
    CHECK (override_approved_at IS NULL OR override_approved_by_role = 'supervisor')
) STRICT;
CREATE INDEX referrals_status ON referrals (status);
CREATE INDEX referrals_consent ON referrals (consent_id);
CREATE INDEX referrals_person ON referrals (person_id);

CREATE TABLE referral_events (
    id          TEXT PRIMARY KEY,
    referral_id TEXT NOT NULL REFERENCES referrals(id),
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    text        TEXT NOT NULL,
    at          INTEGER NOT NULL,
    author      TEXT NOT NULL,
    author_role TEXT NOT NULL,
    hlc         INTEGER NOT NULL,
    device_id   TEXT NOT NULL
) STRICT;
CREATE TRIGGER referral_events_no_update BEFORE UPDATE ON referral_events
BEGIN SELECT RAISE(ABORT, 'referral events are append-only'); END;
CREATE TRIGGER referral_events_no_delete BEFORE DELETE ON referral_events
BEGIN SELECT RAISE(ABORT, 'referral events are append-only'); END;

CREATE TABLE joint_patrols (
    id           TEXT PRIMARY KEY,
    ward_code    TEXT NOT NULL,
    started_at   INTEGER NOT NULL,
    ended_at     INTEGER,
    participants TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    hlc          INTEGER NOT NULL,
    device_id    TEXT NOT NULL
) STRICT;

CREATE TABLE patrol_observations (
    id        TEXT PRIMARY KEY,
    patrol_id TEXT NOT NULL REFERENCES joint_patrols(id),
    at        INTEGER NOT NULL,
    text      TEXT NOT NULL,
    lat       REAL,
    lon       REAL,
    author    TEXT NOT NULL,
    hlc       INTEGER NOT NULL,
    device_id TEXT NOT NULL
) STRICT;
CREATE TRIGGER patrol_observations_no_update BEFORE UPDATE ON patrol_observations
BEGIN SELECT RAISE(ABORT, 'patrol observations are append-only'); END;
CREATE TRIGGER patrol_observations_no_delete BEFORE DELETE ON patrol_observations
BEGIN SELECT RAISE(ABORT, 'patrol observations are append-only'); END;
)SQL";

// Version 3 prepares the store for sync.
// - The outbox remembers the record's version each update was based on
//   (base_hlc: the server flags a field changed elsewhere since then as a
//   conflict instead of overwriting it) and the server's answer: an accepted
//   entry is removed, a rejected one stays, with its reason, for the user.
// - Conflicts and review flags pulled from the server sit beside the
//   records, not in them, so the record tables keep exactly the columns that
//   sync (EntityCatalog reads them from the schema).
// - A rebaseline (the user's scope changed) lists the records received
//   again, so the ones not received can be swept once the pull completes.
// - Evidential records still refuse every UPDATE and DELETE, except that a
//   pull may remove records that have left the device's scope: the pull
//   applier inserts the one row of sync_eviction and deletes it again inside
//   its own transaction, so the allowance is never committed. (A trigger
//   cannot read a per-connection variable in SQLite; a row can.)
constexpr std::string_view kVersion3 = R"SQL(
ALTER TABLE outbox ADD COLUMN base_hlc INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN state TEXT NOT NULL DEFAULT 'pending'
    CHECK (state IN ('pending', 'rejected'));
ALTER TABLE outbox ADD COLUMN reason TEXT;
ALTER TABLE outbox ADD COLUMN answered_at INTEGER;
CREATE INDEX outbox_state ON outbox (state, seq);

-- Every value written concurrently to one field of a record, as the server
-- holds them (a JSON array of {value, hlc, device_id}), until a supervisor
-- resolves the conflict.
CREATE TABLE sync_conflicts (
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    field       TEXT NOT NULL,
    values_json TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (entity, entity_id, field)
) STRICT;

-- Records the server flagged for a supervisor's review.
CREATE TABLE sync_review (
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    flagged_at INTEGER NOT NULL,
    PRIMARY KEY (entity, entity_id)
) STRICT;

-- Records received again during a rebaseline that has not completed yet.
CREATE TABLE sync_rebaseline_seen (
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    PRIMARY KEY (entity, entity_id)
) STRICT;

CREATE TABLE sync_eviction (
    id INTEGER PRIMARY KEY CHECK (id = 1)
) STRICT;

DROP TRIGGER report_events_no_delete;
CREATE TRIGGER report_events_no_delete BEFORE DELETE ON report_events
WHEN NOT EXISTS (SELECT 1 FROM sync_eviction)
BEGIN SELECT RAISE(ABORT, 'report events are append-only'); END;

DROP TRIGGER advice_given_no_delete;
CREATE TRIGGER advice_given_no_delete BEFORE DELETE ON advice_given
WHEN NOT EXISTS (SELECT 1 FROM sync_eviction)
BEGIN SELECT RAISE(ABORT, 'advice given is an immutable record'); END;

DROP TRIGGER consent_records_no_delete;
CREATE TRIGGER consent_records_no_delete BEFORE DELETE ON consent_records
WHEN NOT EXISTS (SELECT 1 FROM sync_eviction)
BEGIN SELECT RAISE(ABORT, 'consent records are kept'); END;

DROP TRIGGER referral_events_no_delete;
CREATE TRIGGER referral_events_no_delete BEFORE DELETE ON referral_events
WHEN NOT EXISTS (SELECT 1 FROM sync_eviction)
BEGIN SELECT RAISE(ABORT, 'referral events are append-only'); END;

DROP TRIGGER patrol_observations_no_delete;
CREATE TRIGGER patrol_observations_no_delete BEFORE DELETE ON patrol_observations
WHEN NOT EXISTS (SELECT 1 FROM sync_eviction)
BEGIN SELECT RAISE(ABORT, 'patrol observations are append-only'); END;
)SQL";

constexpr std::array<Migration, 3> kMigrations{{
    {1, "device profile, people, ASB reports, report events, outbox", kVersion1},
    {2, "advice given, cocooning, consent, referrals, joint patrols", kVersion2},
    {3, "sync: outbox answers and bases, conflicts, review flags, rebaseline, eviction", kVersion3},
}};

} // namespace

std::span<const Migration> storeMigrations() { return kMigrations; }

int latestSchemaVersion() { return kMigrations.back().version; }

Result<int> schemaVersion(Database &db)
{
    auto version = db.queryInt("PRAGMA user_version");
    if (!version)
        return version.error();
    return static_cast<int>(*version);
}

Status migrate(Database &db, int targetVersion)
{
    if (targetVersion < 0)
        targetVersion = latestSchemaVersion();
    auto current = schemaVersion(db);
    if (!current)
        return current.error();
    if (*current > latestSchemaVersion())
        return Error::storage("database schema version " + std::to_string(*current)
                              + " is newer than this build understands (" + std::to_string(latestSchemaVersion())
                              + "): update Beatbook");
    for (const Migration &step : kMigrations) {
        if (step.version <= *current || step.version > targetVersion)
            continue;
        Status applied = db.transaction([&]() -> Status {
            if (auto ok = db.exec(step.sql); !ok)
                return Error::storage("migration to schema version " + std::to_string(step.version)
                                      + " failed: " + ok.error().message);
            return db.exec("PRAGMA user_version = " + std::to_string(step.version));
        });
        if (!applied)
            return applied;
    }
    return {};
}

} // namespace beatbook
