#include "core/clock.h"
#include "core/randomsource.h"
#include "store/database.h"
#include "store/devicestore.h"
#include "store/migrations.h"
#include "store/writetxn.h"
#include "dbinspect.h"
#include "testdata.h"

#include <QTemporaryDir>
#include <QTest>

#include <map>
#include <string>
#include <vector>

using namespace beatbook;
using beatbook::testing::fixture;
using beatbook::testing::integrityCheck;
using beatbook::testing::readFile;
using beatbook::testing::tableDump;

namespace {

std::int64_t count(Database &db, const std::string &sql)
{
    auto n = db.queryInt(sql);
    return n ? *n : -1;
}

bool tableExists(Database &db, const std::string &name)
{
    return count(db, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '" + name + "'") == 1;
}

} // namespace

class TestMigrations : public QObject {
    Q_OBJECT
private slots:
    void freshDatabaseReachesLatest()
    {
        QTemporaryDir dir;
        auto db = Database::open(dir.filePath("fresh.db").toStdString());
        QVERIFY(db.ok());
        QVERIFY(migrate(**db).ok());
        QCOMPARE(*schemaVersion(**db), latestSchemaVersion());
        for (const char *table : {"device_meta", "people", "asb_reports", "report_events", "outbox", "advice_given",
                                  "cocooning_operations", "cocooning_targets", "consent_records", "referrals",
                                  "referral_events", "joint_patrols", "patrol_observations"})
            QVERIFY2(tableExists(**db, table), table);
        // Running again changes nothing.
        QVERIFY(migrate(**db).ok());
        QCOMPARE(*schemaVersion(**db), latestSchemaVersion());
    }

    void stepsApplyInOrder()
    {
        QTemporaryDir dir;
        auto db = Database::open(dir.filePath("steps.db").toStdString());
        QVERIFY(db.ok());
        QVERIFY(migrate(**db, 1).ok());
        QCOMPARE(*schemaVersion(**db), 1);
        QVERIFY(tableExists(**db, "asb_reports"));
        QVERIFY(!tableExists(**db, "referrals"));
        QVERIFY(migrate(**db).ok());
        QCOMPARE(*schemaVersion(**db), latestSchemaVersion());
        QVERIFY(tableExists(**db, "referrals"));
    }

    // A database written by schema version 1 (a fixture kept as SQL) opens
    // with this build: migrated, nothing lost, and writable in the new tables.
    void migratesAnOlderDatabase()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("old.db").toStdString();
        {
            auto db = Database::open(path);
            QVERIFY(db.ok());
            const std::string sql = readFile(fixture("device-schema-v1.sql"));
            QVERIFY(!sql.empty());
            QVERIFY((*db)->exec(sql).ok());
            QCOMPARE(*schemaVersion(**db), 1);
        }
        ManualClock clock(1767400000000);
        SeededRandom random(7);
        auto store = DeviceStore::open(path, clock, random);
        QVERIFY2(store.ok(), store.ok() ? "" : store.error().message.c_str());
        Database &db = (*store)->db();
        QCOMPARE(*schemaVersion(db), latestSchemaVersion());
        QCOMPARE(count(db, "SELECT COUNT(*) FROM asb_reports"), 2);
        QCOMPARE(count(db, "SELECT COUNT(*) FROM people"), 1);
        QCOMPARE(count(db, "SELECT COUNT(*) FROM report_events"), 1);
        QCOMPARE(count(db, "SELECT COUNT(*) FROM outbox"), 5);
        QCOMPARE(count(db, "SELECT COUNT(*) FROM asb_reports WHERE status = 'triaged' AND hate = 1"), 1);
        QVERIFY((*store)->isInitialised());
        QCOMPARE((*store)->profile().deviceId, std::string("01a20f00-0000-7000-8000-000000000001"));
        QCOMPARE((*store)->profile().userName, std::string("PCSO Fixture"));
        QVERIFY((*store)->profile().role == Role::Pcso);
        // The clock resumes above every timestamp in the old outbox.
        QVERIFY((*store)->lastHlc().value >= (1767225600000ULL << 16) + 4);

        // The new tables take writes, with their outbox entries.
        Status written = (*store)->write([](WriteTxn &txn) -> Status {
            Fields patrol;
            patrol["ward_code"] = "E05013630";
            patrol["started_at"] = txn.now();
            patrol["ended_at"] = nullptr;
            patrol["participants"] = R"([{"name":"A","role":"pcso"},{"name":"B","role":"champion"}])";
            patrol["created_by"] = "PCSO Fixture";
            return txn.insert("joint_patrols", txn.newId(), std::move(patrol));
        });
        QVERIFY2(written.ok(), written.ok() ? "" : written.error().message.c_str());
        QCOMPARE(count(db, "SELECT COUNT(*) FROM joint_patrols"), 1);
        QCOMPARE(count(db, "SELECT COUNT(*) FROM outbox"), 6);
        QCOMPARE(count(db, "SELECT COUNT(*) FROM outbox WHERE entity = 'joint_patrols'"), 1);
        QCOMPARE(integrityCheck(db), std::string("ok"));
    }

    // A database that schema version 1 wrote reaches version 3 with every
    // row kept: its unsent outbox entries wait as pending, based on nothing
    // (base_hlc 0: the server then flags rather than overwrites any field
    // changed elsewhere meanwhile).
    void upgradesVersion1ToVersion3LosingNothing()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("v1.db").toStdString();
        std::map<std::string, std::string> before;
        {
            auto db = Database::open(path);
            QVERIFY(db.ok());
            QVERIFY((*db)->exec(readFile(fixture("device-schema-v1.sql"))).ok());
            QCOMPARE(*schemaVersion(**db), 1);
            for (const char *table : {"device_meta", "people", "asb_reports", "report_events"})
                before[table] = tableDump(**db, table);
        }
        auto db = Database::open(path);
        QVERIFY(db.ok());
        QVERIFY(migrate(**db, 3).ok());
        QCOMPARE(*schemaVersion(**db), 3);
        for (const auto &[table, dump] : before)
            QCOMPARE(tableDump(**db, table), dump);
        QCOMPARE(count(**db, "SELECT COUNT(*) FROM outbox"), 5);
        QCOMPARE(count(**db, "SELECT COUNT(*) FROM outbox WHERE state = 'pending' AND base_hlc = 0 "
                             "AND reason IS NULL AND answered_at IS NULL"), 5);
        QCOMPARE(count(**db, "SELECT COUNT(*) FROM outbox WHERE seq = 4 AND entity = 'asb_reports' AND op = 'update' "
                             "AND hlc = 115816896921600003"), 1);
        for (const char *table : {"sync_conflicts", "sync_review", "sync_rebaseline_seen", "sync_eviction"})
            QVERIFY2(tableExists(**db, table), table);
        // The outbox's new state is checked by the database.
        QVERIFY(!(*db)->exec("UPDATE outbox SET state = 'lost' WHERE seq = 1").ok());
        QCOMPARE(integrityCheck(**db), std::string("ok"));
    }

    // Evidential records stay immutable after version 3: an ordinary UPDATE
    // or DELETE is refused; only a delete made while sync_eviction holds its
    // row (inside the pull applier's transaction) goes through.
    void evidentialRecordsStayImmutable()
    {
        QTemporaryDir dir;
        auto db = Database::open(dir.filePath("immutable.db").toStdString());
        QVERIFY(db.ok());
        QVERIFY(migrate(**db).ok());
        Database &d = **db;
        QVERIFY(d.exec("PRAGMA foreign_keys = OFF").ok());
        QVERIFY(d.exec("INSERT INTO patrol_observations VALUES ('o1', 'p1', 1, 'seen', NULL, NULL, 'A', 1, 'd')").ok());
        QVERIFY(d.exec("INSERT INTO report_events VALUES ('e1', 'r1', 'note', NULL, NULL, 'x', 1, 'A', 'pcso', 1, 'd')")
                    .ok());
        QVERIFY(d.exec("INSERT INTO referral_events VALUES ('f1', 'x1', 'drafted', 'sent', '', 1, 'A', 'pcso', 1, 'd')")
                    .ok());
        QVERIFY(d.exec("INSERT INTO advice_given (id, article_id, article_version, recipient_kind, mode, given_by, "
                       "given_by_role, given_at, hlc, device_id) VALUES ('a1', 'burglary', 1, 'victim', 'in_person', "
                       "'A', 'pcso', 1, 1, 'd')")
                    .ok());
        QVERIFY(d.exec("INSERT INTO consent_records (id, person_id, purpose, recipients, script_version, method, "
                       "captured_by, captured_by_role, captured_at, capacity_concern, hlc, device_id) VALUES ('c1', "
                       "'h1', 'hfsv', '[]', 'v1', 'verbal', 'A', 'pcso', 1, 0, 1, 'd')")
                    .ok());
        const std::vector<std::string> tables{"patrol_observations", "report_events", "referral_events", "advice_given",
                                              "consent_records"};
        for (const auto &table : tables) {
            const Status deleted = d.exec("DELETE FROM " + table);
            QVERIFY2(!deleted.ok(), table.c_str());
            QCOMPARE(count(d, "SELECT COUNT(*) FROM " + table), 1);
        }
        for (const char *update : {"UPDATE patrol_observations SET text = 'changed'",
                                   "UPDATE report_events SET text = 'changed'",
                                   "UPDATE referral_events SET text = 'changed'",
                                   "UPDATE advice_given SET mode = 'declined'",
                                   "UPDATE consent_records SET purpose = 'changed'"})
            QVERIFY2(!d.exec(update).ok(), update);
        // A consent record still takes its withdrawal, once.
        QVERIFY(d.exec("UPDATE consent_records SET withdrawn_at = 5, withdrawn_by = 'A' WHERE id = 'c1'").ok());
        QVERIFY(!d.exec("UPDATE consent_records SET withdrawn_at = 6 WHERE id = 'c1'").ok());

        // The eviction allowance, as the pull applier uses it: inside a
        // transaction, removed before the commit.
        const Status evicted = d.transaction([&]() -> Status {
            if (auto ok = d.exec("INSERT INTO sync_eviction (id) VALUES (1)"); !ok)
                return ok;
            for (const auto &table : tables)
                if (auto ok = d.exec("DELETE FROM " + table); !ok)
                    return ok;
            return d.exec("DELETE FROM sync_eviction");
        });
        QVERIFY2(evicted.ok(), evicted.ok() ? "" : evicted.error().message.c_str());
        for (const auto &table : tables)
            QCOMPARE(count(d, "SELECT COUNT(*) FROM " + table), 0);
        // The allowance is one row, no more; and updates stay refused even
        // while it is held.
        QVERIFY(!d.exec("INSERT INTO sync_eviction (id) VALUES (2)").ok());
        QVERIFY(d.exec("INSERT INTO patrol_observations VALUES ('o2', 'p1', 1, 'seen', NULL, NULL, 'A', 1, 'd')").ok());
        const Status updated = d.transaction([&]() -> Status {
            if (auto ok = d.exec("INSERT INTO sync_eviction (id) VALUES (1)"); !ok)
                return ok;
            return d.exec("UPDATE patrol_observations SET text = 'changed'");
        });
        QVERIFY(!updated.ok());
        QCOMPARE(count(d, "SELECT COUNT(*) FROM sync_eviction"), 0);
        QCOMPARE(count(d, "SELECT COUNT(*) FROM patrol_observations WHERE text = 'seen'"), 1);
    }

    void refusesANewerDatabase()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("newer.db").toStdString();
        {
            auto db = Database::open(path);
            QVERIFY(db.ok());
            QVERIFY(migrate(**db).ok());
            QVERIFY((*db)->exec("PRAGMA user_version = " + std::to_string(latestSchemaVersion() + 1)).ok());
        }
        ManualClock clock(1767400000000);
        SeededRandom random(7);
        auto store = DeviceStore::open(path, clock, random);
        QVERIFY(!store.ok());
        QVERIFY(store.error().code == ErrorCode::Storage);
        QVERIFY(store.error().message.find("newer") != std::string::npos);
    }

    void aFailedStepLeavesTheVersionAlone()
    {
        QTemporaryDir dir;
        auto db = Database::open(dir.filePath("clash.db").toStdString());
        QVERIFY(db.ok());
        QVERIFY(migrate(**db, 1).ok());
        // A table in the way of version 2: its step fails as a whole.
        QVERIFY((*db)->exec("CREATE TABLE referrals (x INTEGER)").ok());
        const Status result = migrate(**db);
        QVERIFY(!result.ok());
        QCOMPARE(*schemaVersion(**db), 1);
        QVERIFY(!tableExists(**db, "advice_given"));
    }
};

QTEST_GUILESS_MAIN(TestMigrations)
#include "tst_migrations.moc"
