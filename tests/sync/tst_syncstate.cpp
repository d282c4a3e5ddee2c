#include "core/clock.h"
#include "core/randomsource.h"
#include "store/devicestore.h"
#include "sync/syncstate.h"

#include <QTemporaryDir>
#include <QTest>

using namespace beatbook;

class TestSyncState : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    ManualClock m_clock{1767225600000};
    SeededRandom m_random{4};
    std::unique_ptr<DeviceStore> m_store;

    SyncState enrolled()
    {
        SyncState state;
        state.serverAddress = "sync.example.org:7443";
        state.pinnedCertificateSha256 = std::string(32, '\xab');
        state.devicePrivateKey = std::string(32, '\x01');
        state.serverId = "srv-1";
        return state;
    }

private slots:
    void init()
    {
        static int n = 0;
        auto store = DeviceStore::open(m_dir.filePath(QString("t%1.db").arg(++n)).toStdString(), m_clock, m_random);
        QVERIFY(store.ok());
        m_store = std::move(*store);
    }

    void aNewDeviceHasNoState()
    {
        auto state = loadSyncState(m_store->db());
        QVERIFY(state.ok());
        QVERIFY(!state->isEnrolled());
        QCOMPARE(state->cursor, std::uint64_t(0));
        QVERIFY(!state->lastSyncAt);
        QVERIFY(!state->rebaselineActive);
    }

    void roundTrips()
    {
        Database &db = m_store->db();
        QVERIFY(saveSyncEnrolment(db, enrolled()).ok());
        QVERIFY(saveSyncCursor(db, 18446744073709551615ULL, "tok").ok());
        QVERIFY(saveLastSyncAt(db, 1767225600123).ok());
        QVERIFY(saveRebaselineActive(db, true).ok());
        auto state = loadSyncState(db);
        QVERIFY(state.ok());
        QVERIFY(state->isEnrolled());
        QCOMPARE(state->serverAddress, std::string("sync.example.org:7443"));
        QCOMPARE(state->pinnedCertificateSha256, std::string(32, '\xab'));
        QCOMPARE(state->devicePrivateKey, std::string(32, '\x01'));
        QCOMPARE(state->serverId, std::string("srv-1"));
        QCOMPARE(state->cursor, 18446744073709551615ULL);
        QCOMPARE(state->scopeToken, std::string("tok"));
        QCOMPARE(*state->lastSyncAt, TimestampMs(1767225600123));
        QVERIFY(state->rebaselineActive);
        // A new enrolment starts the feed afresh.
        QVERIFY(saveSyncEnrolment(db, enrolled()).ok());
        state = loadSyncState(db);
        QCOMPARE(state->cursor, std::uint64_t(0));
        QVERIFY(state->scopeToken.empty());
        QVERIFY(!state->rebaselineActive);
    }

    void refusesAnIncompleteEnrolment()
    {
        SyncState noPin = enrolled();
        noPin.pinnedCertificateSha256 = "short";
        QVERIFY(!saveSyncEnrolment(m_store->db(), noPin).ok());
        SyncState noKey = enrolled();
        noKey.devicePrivateKey.clear();
        QVERIFY(!saveSyncEnrolment(m_store->db(), noKey).ok());
        QVERIFY(!loadSyncState(m_store->db())->isEnrolled());
    }

    // A damaged value is an error, never taken for "not set": a corrupt pin
    // must not turn into "no pin".
    void refusesDamagedValues()
    {
        Database &db = m_store->db();
        QVERIFY(saveSyncEnrolment(db, enrolled()).ok());
        for (const char *sql : {"UPDATE device_meta SET value = 'zz' WHERE key = 'sync_server_sha256'",
                                "UPDATE device_meta SET value = 'abcd' WHERE key = 'sync_device_key'",
                                "UPDATE device_meta SET value = '-1' WHERE key = 'sync_cursor'",
                                "UPDATE device_meta SET value = '12x' WHERE key = 'sync_last_at'"}) {
            QVERIFY(saveSyncEnrolment(db, enrolled()).ok());
            QVERIFY(saveLastSyncAt(db, 5).ok());
            QVERIFY(db.exec(sql).ok());
            auto state = loadSyncState(db);
            QVERIFY2(!state.ok(), sql);
            QVERIFY(state.error().code == ErrorCode::Storage);
        }
    }
};

QTEST_GUILESS_MAIN(TestSyncState)
#include "tst_syncstate.moc"
