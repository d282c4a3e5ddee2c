-- A device database as schema version 1 wrote it, with a few records:
-- the migration test opens it with the current build.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
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
INSERT INTO "asb_reports" VALUES('01a20f00-0000-7000-8000-000000000020','noise','personal',0,1767225600000,1767225600000,51.60551,-0.26064,12.0,'14 Fixture Close','14 fixture close','14 fixture close','E05013630','Loud music',NULL,'01a20f00-0000-7000-8000-000000000010','k-victim','pcso','PCSO Fixture','submitted',0,0,NULL,NULL,NULL,115816896921600001,'01a20f00-0000-7000-8000-000000000001');
INSERT INTO "asb_reports" VALUES('01a20f00-0000-7000-8000-000000000021','graffiti','environmental',1,1767312000000,1767312000000,51.64874,-0.18155,NULL,NULL,NULL,'cell:1:2','E05013628','Tag on the wall',NULL,NULL,NULL,'pcso','PCSO Fixture','triaged',0,0,NULL,NULL,NULL,115816896921600002,'01a20f00-0000-7000-8000-000000000001');
CREATE TABLE device_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
INSERT INTO "device_meta" VALUES('device_id','01a20f00-0000-7000-8000-000000000001');
INSERT INTO "device_meta" VALUES('user_name','PCSO Fixture');
INSERT INTO "device_meta" VALUES('role','pcso');
INSERT INTO "device_meta" VALUES('wards','["E05013630"]');
INSERT INTO "device_meta" VALUES('pack_directory','');
INSERT INTO "device_meta" VALUES('match_key','00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff');
INSERT INTO "device_meta" VALUES('created_at','1767225600000');
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
INSERT INTO "outbox" VALUES(1,'01a20f00-0000-7000-8000-000000000100','people','01a20f00-0000-7000-8000-000000000010','create','{}',115816896921600000,'01a20f00-0000-7000-8000-000000000001',1767225600000);
INSERT INTO "outbox" VALUES(2,'01a20f00-0000-7000-8000-000000000101','asb_reports','01a20f00-0000-7000-8000-000000000020','create','{}',115816896921600001,'01a20f00-0000-7000-8000-000000000001',1767225600000);
INSERT INTO "outbox" VALUES(3,'01a20f00-0000-7000-8000-000000000102','asb_reports','01a20f00-0000-7000-8000-000000000021','create','{}',115816896921600002,'01a20f00-0000-7000-8000-000000000001',1767225600000);
INSERT INTO "outbox" VALUES(4,'01a20f00-0000-7000-8000-000000000103','asb_reports','01a20f00-0000-7000-8000-000000000021','update','{}',115816896921600003,'01a20f00-0000-7000-8000-000000000001',1767225600000);
INSERT INTO "outbox" VALUES(5,'01a20f00-0000-7000-8000-000000000104','report_events','01a20f00-0000-7000-8000-000000000030','create','{}',115816896921600004,'01a20f00-0000-7000-8000-000000000001',1767225600000);
CREATE TABLE people (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    contact    TEXT,
    match_key  TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    hlc        INTEGER NOT NULL,
    device_id  TEXT NOT NULL
) STRICT;
INSERT INTO "people" VALUES('01a20f00-0000-7000-8000-000000000010','Fixture Victim',NULL,'k-victim',1767225600000,115816896921600000,'01a20f00-0000-7000-8000-000000000001');
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
INSERT INTO "report_events" VALUES('01a20f00-0000-7000-8000-000000000030','01a20f00-0000-7000-8000-000000000021','transition','submitted','triaged','',1767312000000,'PCSO Fixture','officer',115816896921600003,'01a20f00-0000-7000-8000-000000000001');
CREATE INDEX asb_reports_victim_time ON asb_reports (victim_key, occurred_at);
CREATE INDEX asb_reports_address_time ON asb_reports (address_key, occurred_at);
CREATE INDEX asb_reports_ward_status ON asb_reports (ward_code, status);
CREATE INDEX asb_reports_occurred ON asb_reports (occurred_at);
CREATE INDEX report_events_report ON report_events (report_id, at);
CREATE TRIGGER report_events_no_update BEFORE UPDATE ON report_events
BEGIN SELECT RAISE(ABORT, 'report events are append-only'); END;
CREATE TRIGGER report_events_no_delete BEFORE DELETE ON report_events
BEGIN SELECT RAISE(ABORT, 'report events are append-only'); END;
CREATE INDEX outbox_entity ON outbox (entity, entity_id);
DELETE FROM "sqlite_sequence";
INSERT INTO "sqlite_sequence" VALUES('outbox',5);
COMMIT;
PRAGMA user_version = 1;
