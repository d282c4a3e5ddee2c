#include "core/clock.h"
#include "core/randomsource.h"
#include "store/devicestore.h"
#include "store/writetxn.h"
#include "dbinspect.h"
#include "jointpatrolfields.h"

#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

using namespace beatbook;
using namespace beatbook::testing;

class TestWriteTxn : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    ManualClock m_clock{1767225600000};
    SeededRandom m_random{11};
    std::unique_ptr<DeviceStore> m_store;

private slots:
    void init()
    {
        static int n = 0;
        auto store = DeviceStore::open(m_dir.filePath(QString("w%1.db").arg(++n)).toStdString(), m_clock, m_random);
        QVERIFY(store.ok());
        m_store = std::move(*store);
        DeviceProfile profile;
        profile.userName = "Tester";
        QVERIFY(m_store->initialise(profile).ok());
    }

    void insertWritesRowAndOutboxEntry()
    {
        std::string id;
        QVERIFY(m_store->write([&](WriteTxn &txn) {
            id = txn.newId();
            return txn.insert("joint_patrols", id, jointPatrolFields(txn.now()));
        }).ok());
        Database &db = m_store->db();
        QCOMPARE(rowCount(db, "joint_patrols"), 1);
        QCOMPARE(rowCount(db, "outbox"), 1);
        auto stmt = db.prepare("SELECT entity, entity_id, op, fields, hlc, device_id FROM outbox");
        QVERIFY(stmt.ok());
        QVERIFY(*(*stmt)->step());
        QCOMPARE((*stmt)->columnText(0), std::string("joint_patrols"));
        QCOMPARE((*stmt)->columnText(1), id);
        QCOMPARE((*stmt)->columnText(2), std::string("create"));
        const auto fields = nlohmann::json::parse((*stmt)->columnText(3));
        QCOMPARE(fields["ward_code"].get<std::string>(), std::string("E05013630"));
        QVERIFY(fields["ended_at"].is_null());
        const auto hlc = (*stmt)->columnInt(4);
        QCOMPARE((*stmt)->columnText(5), m_store->profile().deviceId);
        (*stmt)->reset();
        // The row carries the same clock and device as its change.
        auto rowHlc = db.queryInt("SELECT hlc FROM joint_patrols");
        QCOMPARE(*rowHlc, hlc);
    }

    void updateWritesOnlyTheChangedFields()
    {
        std::string id;
        QVERIFY(m_store->write([&](WriteTxn &txn) {
            id = txn.newId();
            return txn.insert("joint_patrols", id, jointPatrolFields(txn.now()));
        }).ok());
        m_clock.advance(3600 * 1000);
        QVERIFY(m_store->write([&](WriteTxn &txn) {
            Fields changed;
            changed["ended_at"] = txn.now();
            return txn.update("joint_patrols", id, changed);
        }).ok());
        Database &db = m_store->db();
        QCOMPARE(rowCount(db, "outbox"), 2);
        auto stmt = db.prepare("SELECT op, fields FROM outbox ORDER BY seq DESC LIMIT 1");
        QVERIFY(*(*stmt)->step());
        QCOMPARE((*stmt)->columnText(0), std::string("update"));
        QCOMPARE((*stmt)->columnText(1), std::string(R"({"ended_at":1767229200000})"));
        (*stmt)->reset();
        // Each change gets a later clock than the one before.
        auto distinct = db.queryInt("SELECT COUNT(DISTINCT hlc) FROM outbox");
        QCOMPARE(*distinct, 2);
        auto ordered = db.queryInt("SELECT (SELECT hlc FROM outbox WHERE seq = 2) > (SELECT hlc FROM outbox WHERE seq = 1)");
        QCOMPARE(*ordered, 1);
    }

    // An update's outbox entry records the version it was based on: the
    // row's hlc before it, or while earlier changes to the record still wait
    // to be sent, the base of the earliest of them (the row's hlc is then
    // this device's own unsent stamp, not something it received).
    void updateRecordsItsBase()
    {
        std::string id;
        QVERIFY(m_store->write([&](WriteTxn &txn) {
            id = txn.newId();
            return txn.insert("joint_patrols", id, jointPatrolFields(txn.now()));
        }).ok());
        Database &db = m_store->db();
        QCOMPARE(queryCount(db, "SELECT base_hlc FROM outbox WHERE op = 'create'"), 0);
        const auto created = *db.queryInt("SELECT hlc FROM joint_patrols");

        auto update = [&](const char *participants) {
            m_clock.advance(1000);
            return m_store->write([&](WriteTxn &txn) {
                Fields changed;
                changed["participants"] = participants;
                return txn.update("joint_patrols", id, changed);
            });
        };
        // The create still waits: the update is based on it (nothing seen
        // from elsewhere).
        QVERIFY(update("[1]").ok());
        QCOMPARE(queryCount(db, "SELECT base_hlc FROM outbox ORDER BY seq DESC LIMIT 1"), 0);

        // Once sent and acknowledged, the row's version is the base.
        QVERIFY(db.exec("DELETE FROM outbox").ok());
        const auto afterFirst = *db.queryInt("SELECT hlc FROM joint_patrols");
        QVERIFY(afterFirst > created);
        QVERIFY(update("[2]").ok());
        QCOMPARE(queryCount(db, "SELECT base_hlc FROM outbox ORDER BY seq DESC LIMIT 1"), afterFirst);
        // A second update while the first waits keeps the first one's base.
        QVERIFY(update("[3]").ok());
        QCOMPARE(queryCount(db, "SELECT base_hlc FROM outbox ORDER BY seq DESC LIMIT 1"), afterFirst);
        QVERIFY(*db.queryInt("SELECT hlc FROM joint_patrols") > afterFirst);

        // A version received from the server (hlc set by the pull applier,
        // no outbox entry) becomes the base; a rejected entry is no base.
        QVERIFY(db.exec("UPDATE outbox SET state = 'rejected', reason = 'no'").ok());
        QVERIFY(db.exec("UPDATE joint_patrols SET hlc = 424242424242").ok());
        QVERIFY(update("[4]").ok());
        QCOMPARE(queryCount(db, "SELECT base_hlc FROM outbox ORDER BY seq DESC LIMIT 1"), 424242424242);
    }

    void updateOfAMissingRecordWritesNothing()
    {
        const auto before = allRowCounts(m_store->db());
        const Status result = m_store->write([&](WriteTxn &txn) {
            Fields changed;
            changed["ended_at"] = txn.now();
            return txn.update("joint_patrols", "01a20f00-0000-7000-8000-00000000dead", changed);
        });
        QVERIFY(!result.ok());
        QVERIFY(result.error().code == ErrorCode::NotFound);
        QVERIFY(allRowCounts(m_store->db()) == before);
    }

    // A transaction whose second write fails keeps neither write nor either
    // outbox entry.
    void aFailureRollsBackEverything()
    {
        const auto before = allRowCounts(m_store->db());
        const Status result = m_store->write([&](WriteTxn &txn) -> Status {
            if (auto ok = txn.insert("joint_patrols", txn.newId(), jointPatrolFields(txn.now())); !ok)
                return ok;
            Fields broken = jointPatrolFields(txn.now());
            broken["ward_code"] = nullptr; // NOT NULL column
            return txn.insert("joint_patrols", txn.newId(), broken);
        });
        QVERIFY(!result.ok());
        QVERIFY(allRowCounts(m_store->db()) == before);
        QCOMPARE(integrityCheck(m_store->db()), std::string("ok"));
    }

    void refusesNamesThatAreNotIdentifiers()
    {
        const auto before = allRowCounts(m_store->db());
        for (const char *table : {"joint_patrols; DROP TABLE outbox", "", "Joint_Patrols"}) {
            const Status result = m_store->write([&](WriteTxn &txn) {
                return txn.insert(table, txn.newId(), jointPatrolFields(txn.now()));
            });
            QVERIFY(!result.ok());
        }
        for (const char *column : {"ward_code = 1; --", "hlc", "device_id", "id"}) {
            const Status result = m_store->write([&](WriteTxn &txn) {
                Fields f = jointPatrolFields(txn.now());
                f[column] = "x";
                return txn.insert("joint_patrols", txn.newId(), f);
            });
            QVERIFY2(!result.ok(), column);
        }
        QVERIFY(allRowCounts(m_store->db()) == before);
    }

    void writesNeedAnInitialisedStore()
    {
        QTemporaryDir dir;
        auto store = DeviceStore::open(dir.filePath("blank.db").toStdString(), m_clock, m_random);
        QVERIFY(store.ok());
        const Status result = (*store)->write([&](WriteTxn &txn) {
            return txn.insert("joint_patrols", txn.newId(), jointPatrolFields(txn.now()));
        });
        QVERIFY(!result.ok());
        QVERIFY(result.error().code == ErrorCode::NotAllowed);
    }
};

QTEST_GUILESS_MAIN(TestWriteTxn)
#include "tst_writetxn.moc"
