#include "core/clock.h"
#include "core/randomsource.h"
#include "crypto/certificates.h"
#include "crypto/devicekey.h"
#include "store/devicestore.h"
#include "store/writetxn.h"
#include "sync/enrolment.h"
#include "sync/enrolmentcode.h"
#include "sync/fieldcodec.h"
#include "sync/localchecksum.h"
#include "sync/syncclient.h"
#include "sync/syncstate.h"
#include "dbinspect.h"
#include "fakesyncserver.h"
#include "jointpatrolfields.h"

#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>

using namespace beatbook;
using namespace beatbook::testing;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using Connection = FakeSyncServer::Connection;
using namespace beatbook::testing::fakesync;

namespace {

syncv1::Record serverPatrol(const std::string &id, std::uint64_t version)
{
    syncv1::Record r;
    r.set_entity("joint_patrols");
    r.set_id(id);
    r.set_version(version);
    r.set_last_device_id("another-device");
    if (!fieldsToProto(jointPatrolFields(1767225600000, "[\"server\"]", "pat"), *r.mutable_fields()).ok())
        qWarning("fields do not convert");
    return r;
}

SyncSettings quickSettings()
{
    SyncSettings settings;
    settings.retry = {3, 10ms, 40ms};
    settings.connectTimeout = 5000ms;
    settings.answerTimeout = 5000ms;
    return settings;
}

} // namespace

class TestSyncClient : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    ManualClock m_clock{1767225600000};
    SeededRandom m_random{21};
    std::unique_ptr<DeviceStore> m_store;
    std::string m_path;

    void openStore()
    {
        static int n = 0;
        m_path = m_dir.filePath(QString("s%1.db").arg(++n)).toStdString();
        auto store = DeviceStore::open(m_path, m_clock, m_random);
        QVERIFY(store.ok());
        m_store = std::move(*store);
    }

    Result<EnrolmentResult> enrol(const FakeSyncServer &server, const std::string &certificateSha256 = {})
    {
        EnrolmentRequest request;
        request.server = server.address();
        request.code = formatEnrolmentCode(kSecretBytes,
                                           certificateSha256.empty() ? server.certificateSha256() : certificateSha256);
        request.deviceLabel = "test phone";
        request.connectTimeout = 5000ms;
        return enrolDevice(*m_store, request);
    }

    std::string logPatrol()
    {
        std::string id;
        m_clock.advance(1000);
        const Status ok = m_store->write([&](WriteTxn &txn) {
            id = txn.newId();
            return txn.insert("joint_patrols", id, jointPatrolFields(txn.now(), "[]", "pat"));
        });
        if (!ok)
            qWarning("%s", ok.error().message.c_str());
        return id;
    }

private slots:
    void init() { openStore(); }

    void aDeviceMustBeEnrolled()
    {
        SyncClient blank(*m_store, m_random, quickSettings());
        auto refused = blank.sync();
        QVERIFY(!refused.ok());
        QVERIFY(refused.error().code == ErrorCode::NotAllowed);

        DeviceProfile profile;
        profile.userName = "local";
        QVERIFY(m_store->initialise(profile).ok());
        SyncClient local(*m_store, m_random, quickSettings());
        refused = local.sync();
        QVERIFY(!refused.ok());
        QVERIFY(refused.error().code == ErrorCode::NotAllowed);
        QVERIFY(refused.error().message.find("enrol") != std::string::npos);
    }

    void enrolsThenSyncs()
    {
        ServerState state;
        FakeSyncServer server;
        server.setScripts({enrolScript(state), syncScript(state, {serverPatrol("from-server", 5000)},
                                                             {"E05013630", "E05013631"})});
        QVERIFY(server.start());

        auto enrolled = enrol(server);
        QVERIFY2(enrolled.ok(), enrolled.ok() ? "" : enrolled.error().message.c_str());
        QVERIFY(enrolled->initialised);
        QCOMPARE(enrolled->deviceId, std::string(kDeviceId));
        QCOMPARE(enrolled->certificateSha256, server.certificateSha256());
        QCOMPARE(m_store->profile().deviceId, std::string(kDeviceId));
        QCOMPARE(m_store->profile().userName, std::string("pat"));
        QVERIFY(m_store->profile().role == Role::Pcso);
        QCOMPARE(m_store->profile().matchKeyHex, std::string(64, '1'));
        {
            std::lock_guard lock(state.mutex);
            QCOMPARE(state.secret, enrolmentSecretText(kSecretBytes));
            QCOMPARE(state.publicKey.size(), std::size_t(32));
            QCOMPARE(state.label, std::string("test phone"));
        }
        auto stored = loadSyncState(m_store->db());
        QVERIFY(stored.ok());
        QVERIFY(stored->isEnrolled());
        QCOMPARE(stored->pinnedCertificateSha256, server.certificateSha256());
        QCOMPARE(stored->serverAddress, server.address());
        QCOMPARE(stored->serverId, std::string("srv-1"));

        // A device enrols once.
        auto again = enrol(server);
        QVERIFY(!again.ok());
        QVERIFY(again.error().code == ErrorCode::NotAllowed);

        const std::string local = logPatrol();
        logPatrol();
        std::vector<SyncProgress> progress;
        SyncClient client(*m_store, m_random, quickSettings());
        client.setProgressCallback([&](const SyncProgress &p) { progress.push_back(p); });
        auto synced = client.sync();
        QVERIFY2(synced.ok(), synced.ok() ? "" : synced.error().message.c_str());
        QCOMPARE(synced->changesSent, std::uint64_t(2));
        QCOMPARE(synced->accepted, std::uint64_t(2));
        QCOMPARE(synced->rejected, std::uint64_t(0));
        QCOMPARE(synced->recordsReceived, std::uint64_t(1));
        QVERIFY2(synced->verified, "checksums should match");
        QCOMPARE(synced->attempts, 1);
        QVERIFY(synced->bytesSent > 0 && synced->bytesReceived > 0);
        QVERIFY(state.signatureValid);
        QCOMPARE(rowCount(m_store->db(), "outbox"), 0);
        QCOMPARE(queryCount(m_store->db(), "SELECT COUNT(*) FROM joint_patrols WHERE id = 'from-server'"), 1);
        QCOMPARE(queryCount(m_store->db(), "SELECT COUNT(*) FROM joint_patrols WHERE id = '" + local + "'"), 1);
        // The server's word on the user's wards is taken.
        QCOMPARE(m_store->profile().wards, (std::vector<std::string>{"E05013630", "E05013631"}));
        stored = loadSyncState(m_store->db());
        QCOMPARE(stored->cursor, std::uint64_t(10));
        QCOMPARE(stored->scopeToken, std::string("tok-1"));
        QCOMPARE(*stored->lastSyncAt, m_clock.nowMs());
        QVERIFY(!progress.empty());
        QVERIFY(progress.back().phase == SyncProgress::Phase::Done);
        QCOMPARE(progress.back().changesAnswered, std::uint64_t(2));
        // The session went in the protocol's order.
        const auto frames = server.framesRead();
        QCOMPARE(frames.size(), std::size_t(2));
        using E = syncv1::Envelope;
        QCOMPARE(frames[1], (std::vector<int>{E::kClientHello, E::kUploadBatch, E::kPullRequest, E::kVerifyRequest,
                                              E::kGoodbye}));
    }

    void refusesACertificateOtherThanThePin()
    {
        ServerState state;
        FakeSyncServer server;
        server.setScripts({enrolScript(state), syncScript(state)});
        QVERIFY(server.start());
        QVERIFY(enrol(server).ok());
        logPatrol();
        // As if another server (or a man in the middle) answered at the address.
        QVERIFY(m_store->db()
                    .exec("UPDATE device_meta SET value = '" + std::string(64, 'a') + "' WHERE key = 'sync_server_sha256'")
                    .ok());
        SyncClient client(*m_store, m_random, quickSettings());
        auto synced = client.sync();
        QVERIFY(!synced.ok());
        QVERIFY(synced.error().message.find("certificate") != std::string::npos);
        QCOMPARE(client.lastReport().attempts, 1);
        // Nothing at all was sent on that connection.
        QTRY_COMPARE(server.connections(), 2);
        QVERIFY(server.framesRead()[1].empty());
        QCOMPARE(queryCount(m_store->db(), "SELECT COUNT(*) FROM outbox WHERE state = 'pending'"), 1);
    }

    void enrolmentSendsNoSecretToTheWrongServer()
    {
        ServerState state;
        FakeSyncServer server;
        server.setScripts({enrolScript(state)});
        QVERIFY(server.start());
        auto enrolled = enrol(server, std::string(32, '\x42'));
        QVERIFY(!enrolled.ok());
        QVERIFY(enrolled.error().message.find("does not match") != std::string::npos);
        QTRY_COMPARE(server.connections(), 1);
        QVERIFY(server.framesRead()[0].empty());
        QVERIFY(state.secret.empty());
        QVERIFY(!m_store->isInitialised());

        // Bad input is refused before any connection.
        EnrolmentRequest bad;
        bad.server = "no port";
        bad.code = formatEnrolmentCode(kSecretBytes, server.certificateSha256());
        QVERIFY(enrolDevice(*m_store, bad).error().code == ErrorCode::InvalidInput);
        bad.server = server.address();
        bad.code = "not a code";
        QVERIFY(enrolDevice(*m_store, bad).error().code == ErrorCode::InvalidInput);
        QCOMPARE(server.connections(), 1);
    }

    void aRefusedEnrolmentStoresNothing()
    {
        FakeSyncServer server;
        server.setScripts({[](Connection &c) -> asio::awaitable<void> {
            co_await c.read();
            syncv1::Envelope greeting;
            greeting.mutable_server_hello()->set_version(1);
            co_await c.write(greeting);
            co_await c.read();
            co_await c.write(refusal(syncv1::Refusal::ENROLMENT_REFUSED, "code unknown, used or expired"));
        }});
        QVERIFY(server.start());
        auto enrolled = enrol(server);
        QVERIFY(!enrolled.ok());
        QVERIFY(enrolled.error().message.find("new code") != std::string::npos);
        QVERIFY(!m_store->isInitialised());
        QVERIFY(!loadSyncState(m_store->db())->isEnrolled());
    }

    void aRevokedDeviceIsWiped()
    {
        ServerState state;
        FakeSyncServer server;
        server.setScripts({enrolScript(state), refuseScript(syncv1::Refusal::DEVICE_REVOKED, "revoked", true)});
        QVERIFY(server.start());
        QVERIFY(enrol(server).ok());
        logPatrol();  // pending work does not delay the wipe
        QVERIFY(std::filesystem::exists(m_path));
        SyncClient client(*m_store, m_random, quickSettings());
        auto synced = client.sync();
        QVERIFY(!synced.ok());
        QVERIFY(synced.error().message.find("revoked") != std::string::npos);
        QVERIFY(synced.error().message.find("wiped") != std::string::npos);
        QVERIFY(client.lastReport().wiped);
        QCOMPARE(*client.lastReport().refusal, std::string("DEVICE_REVOKED"));
        QCOMPARE(client.lastReport().attempts, 1);
        QVERIFY(!std::filesystem::exists(m_path));
        QVERIFY(!std::filesystem::exists(m_path + "-wal"));
        QVERIFY(!m_store->isOpen());
        // Nothing more can be done with the store.
        QVERIFY(!client.sync().ok());
        QVERIFY(!m_store->write([](WriteTxn &) -> Status { return {}; }).ok());
    }

    void otherRefusalsAreClearAndKeepTheData()
    {
        ServerState state;
        FakeSyncServer server;
        server.setScripts({enrolScript(state), refuseScript(syncv1::Refusal::USER_DISABLED, "disabled\n\x1b[0m", false),
                           refuseScript(syncv1::Refusal::VERSION_TOO_OLD, "needs 2", false)});
        QVERIFY(server.start());
        QVERIFY(enrol(server).ok());
        SyncClient client(*m_store, m_random, quickSettings());
        auto synced = client.sync();
        QVERIFY(!synced.ok());
        QVERIFY(synced.error().message.find("disabled") != std::string::npos);
        QVERIFY(synced.error().message.find('\x1b') == std::string::npos);
        QVERIFY(synced.error().code == ErrorCode::Io);
        QCOMPARE(client.lastReport().attempts, 1);
        QVERIFY(!client.lastReport().wiped);
        QVERIFY(std::filesystem::exists(m_path));
        synced = client.sync();
        QVERIFY(!synced.ok());
        QVERIFY(synced.error().message.find("update Beatbook") != std::string::npos);
    }

    void aBusyServerIsTriedAgain()
    {
        ServerState state;
        FakeSyncServer server;
        server.setScripts({enrolScript(state), refuseScript(syncv1::Refusal::SERVER_BUSY, "busy", false),
                           syncScript(state)});
        QVERIFY(server.start());
        QVERIFY(enrol(server).ok());
        logPatrol();
        SyncClient client(*m_store, m_random, quickSettings());
        auto synced = client.sync();
        QVERIFY2(synced.ok(), synced.ok() ? "" : synced.error().message.c_str());
        QCOMPARE(synced->attempts, 2);
        QCOMPARE(synced->accepted, std::uint64_t(1));
    }

    void networkFailuresAreRetriedThenReported()
    {
        ServerState state;
        auto server = std::make_unique<FakeSyncServer>();
        server->setScripts({enrolScript(state)});
        QVERIFY(server->start());
        QVERIFY(enrol(*server).ok());
        server.reset();  // nobody listens any more
        SyncClient client(*m_store, m_random, quickSettings());
        const auto started = std::chrono::steady_clock::now();
        auto synced = client.sync();
        QVERIFY(!synced.ok());
        QVERIFY(synced.error().code == ErrorCode::Io);
        QVERIFY(synced.error().message.find("connect") != std::string::npos);
        QCOMPARE(client.lastReport().attempts, 3);
        QVERIFY(std::chrono::steady_clock::now() - started < 5s);
    }

    void cancellationStopsAtOnce()
    {
        ServerState state;
        FakeSyncServer server;
        // A server that takes the hello and then says nothing.
        server.setScripts({enrolScript(state), [](Connection &c) -> asio::awaitable<void> {
                               co_await c.read();
                               co_await c.read();
                           }});
        QVERIFY(server.start());
        QVERIFY(enrol(server).ok());
        std::atomic<bool> cancel{false};
        std::thread canceller([&] {
            std::this_thread::sleep_for(300ms);
            cancel = true;
        });
        SyncClient client(*m_store, m_random, quickSettings());
        const auto started = std::chrono::steady_clock::now();
        auto synced = client.sync(&cancel);
        canceller.join();
        QVERIFY(!synced.ok());
        QCOMPARE(synced.error().message, std::string("sync cancelled"));
        QVERIFY(client.lastReport().cancelled);
        QCOMPARE(client.lastReport().attempts, 1);
        QVERIFY(std::chrono::steady_clock::now() - started < 3s);
    }

    // The server holds a record this device lacks although the cursors
    // agree: the device pulls its whole scope again, once, and sweeps what
    // the server no longer holds for it.
    void aChecksumMismatchIsRepaired()
    {
        ServerState state;
        FakeSyncServer server;
        server.setScripts({enrolScript(state), syncScript(state, {serverPatrol("p-server", 7000)})});
        QVERIFY(server.start());
        QVERIFY(enrol(server).ok());
        // The device lost p-server but holds a stale synced record.
        QVERIFY(saveSyncCursor(m_store->db(), 10, "tok-1").ok());
        QVERIFY(m_store->db()
                    .exec("INSERT INTO joint_patrols (id, ward_code, started_at, participants, created_by, hlc, device_id) "
                          "VALUES ('stale', 'E05013630', 1, '[]', 'x', 5, 'd')")
                    .ok());
        SyncClient client(*m_store, m_random, quickSettings());
        auto synced = client.sync();
        QVERIFY2(synced.ok(), synced.ok() ? "" : synced.error().message.c_str());
        QVERIFY(synced->repaired);
        QVERIFY(synced->verified);
        QCOMPARE(state.pulls, 2);
        QCOMPARE(queryCount(m_store->db(), "SELECT COUNT(*) FROM joint_patrols WHERE id = 'p-server'"), 1);
        QCOMPARE(queryCount(m_store->db(), "SELECT COUNT(*) FROM joint_patrols WHERE id = 'stale'"), 0);
        QVERIFY(!loadSyncState(m_store->db())->rebaselineActive);
    }
};

QTEST_GUILESS_MAIN(TestSyncClient)
#include "tst_syncclient.moc"
