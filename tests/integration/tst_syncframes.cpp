// Malformed, truncated and oversized frames sent to the real
// beatbook-sync-server: the session that sent them is refused (BAD_FRAME
// when the server can still answer) and closed, while the server goes on
// serving a good device, during and after.

#include "sync/syncstate.h"
#include "devicesession.h"
#include "rawtlsclient.h"
#include "syncworld.h"

#include <QTest>

#include <atomic>
#include <thread>

using namespace beatbook;
using namespace beatbook::testing;

namespace {

constexpr std::uint32_t kMaxFrame = 4 * 1024 * 1024;

syncv1::Envelope pullRequest()
{
    syncv1::Envelope e;
    e.mutable_pull_request()->set_cursor(0);
    e.mutable_pull_request()->set_max_records(10);
    return e;
}

// A real envelope's bytes, big enough that cutting them in half leaves a
// length-delimited field unfinished.
std::string envelopeBytes()
{
    syncv1::Envelope e;
    auto *change = e.mutable_upload_batch()->add_changes();
    change->set_seq(1);
    change->set_change_id("0192f0a4-0000-7000-8000-000000000001");
    change->set_entity("joint_patrols");
    change->set_entity_id("0192f0a4-0000-7000-8000-000000000002");
    auto *field = change->add_fields();
    field->set_name("participants");
    field->mutable_value()->set_text_value(std::string(200, 'x'));
    return e.SerializeAsString();
}

} // namespace

class TestSyncFrames : public QObject {
    Q_OBJECT

    std::unique_ptr<SyncWorld> m_world;
    SyncDevice *m_good = nullptr;
    std::string m_goodKey;
    SyncDevice *m_other = nullptr;  // signs in by hand, then misbehaves
    std::string m_otherKey;

    std::uint16_t port() const { return m_world->server.port(); }

    // A good device's session open beside the bad ones must keep working.
    void checkGoodSessionWorks(DeviceSession &session)
    {
        auto page = session.exchange(pullRequest());
        QVERIFY_OK(page);
        QVERIFY2(page->has_pull_page(), describe(*page).c_str());
    }

    void checkGoodDeviceSyncs()
    {
        m_world->tick();
        QVERIFY_OK(m_world->logReport(*m_good, kBurntOakPoint));
        auto synced = m_good->sync();
        QVERIFY_OK(synced);
        QCOMPARE(synced->accepted, synced->changesSent);
        QVERIFY(synced->changesSent >= 1);
        QVERIFY(synced->verified);
    }

private slots:
    void initTestCase()
    {
        QVERIFY(barnetPack());
        m_world = std::make_unique<SyncWorld>(41);
        // A short frame timeout, so a frame left unfinished is dealt with
        // well within the test's own time limits.
        QVERIFY_OK(m_world->startServer({"--frame-timeout-ms", "1500"}));
        auto good = m_world->enrolUser("gus", Role::Pcso, {kBurntOak});
        QVERIFY2(good.ok(), good.ok() ? "" : good.error().message.c_str());
        m_good = *good;
        auto other = m_world->enrolUser("bea", Role::Pcso, {kBurntOak});
        QVERIFY2(other.ok(), other.ok() ? "" : other.error().message.c_str());
        m_other = *other;
        auto goodState = loadSyncState(m_good->db());
        auto otherState = loadSyncState(m_other->db());
        QVERIFY_OK(goodState);
        QVERIFY_OK(otherState);
        m_goodKey = goodState->devicePrivateKey;
        m_otherKey = otherState->devicePrivateKey;
    }

    void cleanupTestCase() { m_world.reset(); }

    void badFramesAreRefused_data()
    {
        QTest::addColumn<bool>("signedIn");
        QTest::addColumn<QByteArray>("bytes");
        const auto header = [](std::uint32_t n) { return QByteArray::fromStdString(frameHeader(n)); };
        const std::string whole = envelopeBytes();
        const std::string half = whole.substr(0, whole.size() / 2);
        for (bool signedIn : {false, true}) {
            const char *when = signedIn ? "after hello: " : "first frame: ";
            QTest::newRow((std::string(when) + "oversized").c_str()) << signedIn << header(kMaxFrame + 1);
            QTest::newRow((std::string(when) + "far oversized").c_str()) << signedIn << header(0xffffffffu);
            QTest::newRow((std::string(when) + "empty").c_str()) << signedIn << header(0);
            QTest::newRow((std::string(when) + "garbage").c_str())
                << signedIn << header(5) + QByteArray("\xff\xff\xff\xff\xff", 5);
            QTest::newRow((std::string(when) + "no message set").c_str())
                << signedIn << header(2) + QByteArray("\x78\x01", 2);
            QTest::newRow((std::string(when) + "truncated envelope").c_str())
                << signedIn
                << header(static_cast<std::uint32_t>(half.size())) + QByteArray::fromStdString(half);
        }
    }

    void badFramesAreRefused()
    {
        QFETCH(bool, signedIn);
        QFETCH(QByteArray, bytes);
        DeviceSession good;
        auto hello = good.signIn(port(), m_good->deviceId(), m_goodKey);
        QVERIFY_OK(hello);
        QVERIFY2(hello->has_server_hello(), describe(*hello).c_str());

        RawTlsClient bad(RawTlsOptions::versions(TLS1_3_VERSION, TLS1_3_VERSION));
        QVERIFY_OK(bad.connect(port()));
        if (signedIn) {
            auto greeted = bad.signIn(m_other->deviceId(), m_otherKey);
            QVERIFY_OK(greeted);
            QVERIFY2(greeted->has_server_hello(), describe(*greeted).c_str());
        }
        QVERIFY_OK(bad.writeRaw(bytes.toStdString()));
        auto refusal = bad.readFrame();
        QVERIFY_OK(refusal);
        QVERIFY2(refusal->has_refusal(), describe(*refusal).c_str());
        QCOMPARE(refusal->refusal().code(), syncv1::Refusal::BAD_FRAME);
        QVERIFY(!refusal->refusal().message().empty());
        QVERIFY(!refusal->refusal().wipe());
        QVERIFY2(bad.waitForClose(), "the server kept the bad session open");

        checkGoodSessionWorks(good);
        QVERIFY_OK(good.goodbye());
        checkGoodDeviceSyncs();
        // The device that sent the bad frame is not held against it.
        QVERIFY_OK(m_other->sync());
    }

    // A frame that stops half-way, then the connection goes: the server
    // ends that session, and nothing of it is applied.
    void truncatedFrameThenClose()
    {
        DeviceSession good;
        QVERIFY_OK(good.signIn(port(), m_good->deviceId(), m_goodKey));
        for (bool signedIn : {false, true}) {
            RawTlsClient bad(RawTlsOptions::versions(TLS1_3_VERSION, TLS1_3_VERSION));
            QVERIFY_OK(bad.connect(port()));
            if (signedIn)
                QVERIFY_OK(bad.signIn(m_other->deviceId(), m_otherKey));
            const std::string whole = envelopeBytes();
            QVERIFY_OK(bad.writeRaw(frameHeader(static_cast<std::uint32_t>(whole.size())) + whole.substr(0, 20)));
            bad.close();
        }
        checkGoodSessionWorks(good);
        checkGoodDeviceSyncs();
        auto serverDb = m_world->server.openDatabase();
        QVERIFY_OK(serverDb);
        auto none = (*serverDb)->queryInt("SELECT COUNT(*) FROM joint_patrols");
        QVERIFY_OK(none);
        QCOMPARE(*none, std::int64_t(0));
    }

    // A frame that stops half-way and the connection stays silent: the
    // server gives up on it after its frame timeout, telling it why.
    void truncatedFrameThenSilence()
    {
        DeviceSession good;
        QVERIFY_OK(good.signIn(port(), m_good->deviceId(), m_goodKey));
        RawTlsClient bad(RawTlsOptions::versions(TLS1_3_VERSION, TLS1_3_VERSION));
        QVERIFY_OK(bad.connect(port()));
        QVERIFY_OK(bad.signIn(m_other->deviceId(), m_otherKey));
        QVERIFY_OK(bad.writeRaw(frameHeader(100) + "abc"));
        checkGoodSessionWorks(good);  // while the bad frame hangs
        auto refusal = bad.readFrame();
        if (refusal.ok()) {
            QVERIFY2(refusal->has_refusal(), describe(*refusal).c_str());
            QCOMPARE(refusal->refusal().code(), syncv1::Refusal::TIMEOUT);
        }
        QVERIFY2(bad.waitForClose(), "the server kept a session with a frame stuck half-way");
        checkGoodSessionWorks(good);
        checkGoodDeviceSyncs();
    }

    // Bad connections hammering the server while a good device syncs.
    void goodDeviceSyncsDuringAStorm()
    {
        std::atomic<bool> stop{false};
        std::atomic<int> refusedBadly{0};
        std::atomic<int> wrongAnswers{0};
        const std::uint16_t serverPort = port();
        const std::string whole = envelopeBytes();
        std::vector<std::thread> storm;
        for (int t = 0; t < 2; ++t)
            storm.emplace_back([&, t] {
                for (int i = 0; !stop.load(); ++i) {
                    RawTlsClient bad(RawTlsOptions::versions(TLS1_3_VERSION, TLS1_3_VERSION));
                    if (!bad.connect(serverPort).ok())
                        continue;
                    const std::string half = whole.substr(0, whole.size() / 2);
                    const std::string bytes = (i + t) % 2 == 0
                                                  ? frameHeader(kMaxFrame + 1)
                                                  : frameHeader(static_cast<std::uint32_t>(half.size())) + half;
                    if (!bad.writeRaw(bytes).ok())
                        continue;
                    auto answer = bad.readFrame();
                    if (answer.ok() && answer->has_refusal() && answer->refusal().code() == syncv1::Refusal::BAD_FRAME)
                        ++refusedBadly;
                    else
                        ++wrongAnswers;
                }
            });
        // Wait (bounded) until the storm is under way, then sync beside it.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (refusedBadly.load() < 4 && wrongAnswers.load() == 0 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        for (int round = 0; round < 3 && !QTest::currentTestFailed(); ++round)
            checkGoodDeviceSyncs();
        stop = true;
        for (auto &thread : storm)
            thread.join();
        QVERIFY2(refusedBadly.load() >= 4, "the storm never got going");
        QCOMPARE(wrongAnswers.load(), 0);
    }
};

QTEST_GUILESS_MAIN(TestSyncFrames)
#include "tst_syncframes.moc"
