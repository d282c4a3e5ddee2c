// TLS as the real beatbook-sync-server runs it: TLS 1.3 only, ALPN
// beatbook/1, a certificate a client can verify only with this server's own
// CA, and devices that talk only to the certificate they pinned.

#include "crypto/certificates.h"
#include "sync/outboxqueue.h"
#include "sync/syncstate.h"
#include "dbinspect.h"
#include "devicesession.h"
#include "rawtlsclient.h"
#include "syncworld.h"

#include <QTest>

using namespace beatbook;
using namespace beatbook::testing;

namespace {

bool contains(const std::string &haystack, const std::string &needle)
{
    return haystack.find(needle) != std::string::npos;
}

std::int64_t pendingChanges(SyncDevice &device)
{
    auto counts = OutboxQueue(device.db(), device.store().clock()).counts();
    return counts ? counts->pending : -1;
}

} // namespace

class TestSyncTls : public QObject {
    Q_OBJECT

    std::unique_ptr<SyncWorld> m_world;
    SyncDevice *m_device = nullptr;

private slots:
    void initTestCase()
    {
        QVERIFY(barnetPack());
        m_world = std::make_unique<SyncWorld>(31);
        QVERIFY_OK(m_world->startServer());
        auto enrolled = m_world->enrolUser("pat", Role::Pcso, {kBurntOak});
        QVERIFY2(enrolled.ok(), enrolled.ok() ? "" : enrolled.error().message.c_str());
        m_device = *enrolled;
    }

    void cleanupTestCase() { m_world.reset(); }

    void tls13WithAlpnIsAccepted()
    {
        RawTlsClient client(RawTlsOptions::versions(TLS1_3_VERSION, TLS1_3_VERSION));
        QVERIFY_OK(client.connect(m_world->server.port()));
        QCOMPARE(client.negotiatedVersion(), std::string("TLSv1.3"));
        QCOMPARE(client.negotiatedAlpn(), std::string("beatbook/1"));
    }

    void tls12ClientIsRefused()
    {
        RawTlsClient client(RawTlsOptions::versions(TLS1_2_VERSION, TLS1_2_VERSION));
        const Status connected = client.connect(m_world->server.port());
        QVERIFY2(!connected.ok(), "a TLS 1.2 client completed a handshake");
        QVERIFY2(contains(connected.error().message, "handshake"), connected.error().message.c_str());
        // Offering 1.2 and below only, or 1.0 to 1.2: still refused.
        RawTlsClient older(RawTlsOptions::versions(TLS1_VERSION, TLS1_2_VERSION));
        QVERIFY(!older.connect(m_world->server.port()).ok());
        // The server carries on.
        QVERIFY_OK(m_device->sync());
    }

    void clientWithoutAlpnIsRefused()
    {
        RawTlsOptions options;
        options.minVersion = TLS1_3_VERSION;
        options.alpn = false;
        RawTlsClient client(options);
        const Status connected = client.connect(m_world->server.port());
        if (connected.ok()) {
            // Some stacks finish the handshake and fail on the first read:
            // the server must not answer a hello on such a session.
            QVERIFY_OK(client.writeFrame([] {
                syncv1::Envelope e;
                e.mutable_client_hello()->set_min_version(1);
                e.mutable_client_hello()->set_max_version(1);
                return e;
            }()));
            QVERIFY2(!client.readFrame().ok(), "the server spoke to a client that did not ask for beatbook/1");
        }
    }

    void clientNotTrustingTheCaFails()
    {
        auto otherCa = createCertificateAuthority("Some other partnership's CA");
        QVERIFY_OK(otherCa);
        const std::uint16_t port = m_world->server.port();

        DeviceSession untrusting;
        const Status refused = untrusting.connect(port, otherCa->certificatePem, "localhost");
        QVERIFY2(!refused.ok(), "a client verifying against another CA accepted the server");
        QVERIFY2(contains(refused.error().message, "TLS"), refused.error().message.c_str());

        RawTlsOptions options;
        options.minVersion = TLS1_3_VERSION;
        options.caPem = otherCa->certificatePem;
        RawTlsClient raw(options);
        const Status rawRefused = raw.connect(port);
        QVERIFY(!rawRefused.ok());
        QVERIFY2(contains(rawRefused.error().message, "verify"), rawRefused.error().message.c_str());

        // With the server's own CA the same checks pass, for each name the
        // certificate gives.
        for (const char *name : {"localhost", "127.0.0.1"}) {
            DeviceSession trusting;
            QVERIFY_OK(trusting.connect(port, m_world->server.caCertificatePem(), name));
            QCOMPARE(trusting.negotiatedAlpn(), std::string("beatbook/1"));
        }
        RawTlsOptions own = options;
        own.caPem = m_world->server.caCertificatePem();
        RawTlsClient rawTrusting(own);
        QVERIFY_OK(rawTrusting.connect(port));
        // A name the certificate does not give fails even with the right CA.
        DeviceSession wrongName;
        QVERIFY(!wrongName.connect(port, m_world->server.caCertificatePem(), "beatbook.example.org").ok());
    }

    // The stored pin tampered with: the device refuses the server before it
    // sends anything, and is not retried into sending.
    void tamperedPinRefuses()
    {
        SyncDevice &device = *m_device;
        QVERIFY_OK(m_world->logReport(device, kBurntOakPoint, PersonDetails{"Peter Pinned", "07700 901001"}));
        const std::int64_t pending = pendingChanges(device);
        QVERIFY(pending >= 2);
        auto state = loadSyncState(device.db());
        QVERIFY_OK(state);
        const std::string realPin = toHex(state->pinnedCertificateSha256);
        QVERIFY_OK(device.db().exec("UPDATE device_meta SET value = '" + std::string(64, 'a')
                                    + "' WHERE key = 'sync_server_sha256'"));
        QCOMPARE(queryCount(device.db(), "SELECT changes()"), 1);

        auto refused = device.sync();
        QVERIFY(!refused.ok());
        QVERIFY2(contains(refused.error().message, "certificate"), refused.error().message.c_str());
        QCOMPARE(device.lastReport().attempts, 1);
        QCOMPARE(device.lastReport().changesSent, std::uint64_t(0));
        QCOMPARE(pendingChanges(device), pending);
        {
            auto serverDb = m_world->server.openDatabase();
            QVERIFY_OK(serverDb);
            QCOMPARE(queryCount(**serverDb, "SELECT COUNT(*) FROM people WHERE name = 'Peter Pinned'"), 0);
        }

        QVERIFY_OK(
            device.db().exec("UPDATE device_meta SET value = '" + realPin + "' WHERE key = 'sync_server_sha256'"));
        QVERIFY_OK(device.sync());
        QCOMPARE(pendingChanges(device), 0);
    }

    // Another server (its own CA and certificate) on the enrolled address:
    // the device refuses it, and the impostor learns nothing.
    void impostorServerOnTheSameAddressIsRefused()
    {
        SyncDevice &device = *m_device;
        m_world->tick();
        QVERIFY_OK(m_world->logReport(device, kBurntOakPoint, PersonDetails{"Irene Impostor", "07700 901002"}));
        const std::int64_t pending = pendingChanges(device);
        QVERIFY(pending >= 2);
        // A code for the real server, to try on the impostor below.
        auto code = m_world->server.issueCode("pat");
        QVERIFY_OK(code);

        const std::uint16_t port = m_world->server.port();
        QVERIFY_OK(m_world->server.stop());
        SyncServerFixture impostor;
        QVERIFY_OK(impostor.init("localhost"));
        QVERIFY_OK(impostor.addUser("pat", Role::Pcso, {kBurntOak}));
        impostor.setPort(port);
        QVERIFY_OK(impostor.start());
        QVERIFY(impostor.serverCertificatePem() != m_world->server.serverCertificatePem());

        auto refused = device.sync();
        QVERIFY(!refused.ok());
        QVERIFY2(contains(refused.error().message, "certificate other than the one this device enrolled with"),
                 refused.error().message.c_str());
        QCOMPARE(device.lastReport().attempts, 1);
        QCOMPARE(pendingChanges(device), pending);

        // Nor does a code for the real server go to the impostor.
        SyncDevice newcomer(m_world->devices.filePath("newcomer.db"), m_world->devices.clock, m_world->devices.random);
        auto enrolled = newcomer.enrol(impostor.address(), *code);
        QVERIFY(!enrolled.ok());
        QVERIFY2(contains(enrolled.error().message, "does not match"), enrolled.error().message.c_str());

        QVERIFY_OK(impostor.stop());
        const std::string impostorLog = impostor.log();
        QVERIFY2(!contains(impostorLog, "session_authenticated") && !contains(impostorLog, "\"upload\"")
                     && !contains(impostorLog, "device_enrolled") && !contains(impostorLog, "session_refused"),
                 impostorLog.c_str());
        {
            auto impostorDb = impostor.openDatabase();
            QVERIFY_OK(impostorDb);
            QCOMPARE(queryCount(**impostorDb, "SELECT COUNT(*) FROM sync_changes"), 0);
            QCOMPARE(queryCount(**impostorDb, "SELECT COUNT(*) FROM devices"), 0);
        }

        // The real server back: the device syncs, and the code still works.
        QVERIFY_OK(m_world->server.restart());
        QVERIFY_OK(device.sync());
        QCOMPARE(pendingChanges(device), 0);
        QVERIFY_OK(newcomer.enrol(m_world->server.address(), *code));
    }
};

QTEST_GUILESS_MAIN(TestSyncTls)
#include "tst_synctls.moc"
