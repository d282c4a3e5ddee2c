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

using namespace beatbook;
using beatbook::testing::fixture;
using beatbook::testing::integrityCheck;
using beatbook::testing::readFile;

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
