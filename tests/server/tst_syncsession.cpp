// The sync server's sessions, in process: a real SyncServer (listener,
// sessions, upload committer, thread pools) over loopback TLS, with small
// fakes of the device directory and the storage, so each session rule can be
// driven and observed directly. The real SQLite directory and storage have
// their own tests; the executable is driven by the integration tests.

#include "crypto/certificates.h"
#include "crypto/devicekey.h"
#include "server/serverlog.h"
#include "server/syncserver.h"
#include "sync/tlsstream.h"
#include "rawtlsclient.h"
#include "tlstestcertificates.h"

#include <QTest>

#include <nlohmann/json.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <openssl/ssl.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

using namespace beatbook;
using beatbook::testing::frameHeader;
using beatbook::testing::RawTlsClient;
using beatbook::testing::RawTlsOptions;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

constexpr const char *kAuthLabel = "EXPORTER-beatbook-device-auth";

// ---------------------------------------------------------------------------
// Fakes

class FakeDirectory final : public DeviceDirectory {
public:
    std::mutex mutex;
    std::map<std::string, EnrolledDevice> devices;
    std::map<std::string, UserAccount> codes;  // secret -> user
    std::vector<std::string> touched;
    int nextDevice = 1;
    bool failLookups = false;

    Status addUser(const UserAccount &) override { return Error::notAllowed("not in the fake"); }
    Result<std::optional<UserAccount>> findUser(const std::string &) override { return std::optional<UserAccount>(); }
    Result<std::vector<UserAccount>> listUsers() override { return std::vector<UserAccount>{}; }
    Status setUserDisabled(const std::string &, bool) override { return {}; }
    Status setUserWards(const std::string &, const std::vector<std::string> &) override { return {}; }
    Result<IssuedEnrolmentCode> issueEnrolmentCode(const std::string &, TimestampMs, std::int64_t) override
    {
        return Error::notAllowed("not in the fake");
    }
    Result<EnrolledDevice> enrolDevice(const std::string &secret, const std::string &publicKey,
                                       const std::string &label, TimestampMs now) override
    {
        std::lock_guard lock(mutex);
        auto it = codes.find(secret);
        if (it == codes.end())
            return Error::notAllowed("code unknown, used or expired");
        EnrolledDevice d;
        d.device.id = "dev-enrolled-" + std::to_string(nextDevice++);
        d.device.userName = it->second.name;
        d.device.role = it->second.role;
        d.device.publicKey = publicKey;
        d.device.label = label;
        d.device.enrolledAt = now;
        d.user = it->second;
        codes.erase(it);
        devices[d.device.id] = d;
        return d;
    }
    Result<std::optional<EnrolledDevice>> findDevice(const std::string &id) override
    {
        std::lock_guard lock(mutex);
        if (failLookups)
            return Error::storage("disk on fire");
        auto it = devices.find(id);
        if (it == devices.end())
            return std::optional<EnrolledDevice>();
        return std::optional<EnrolledDevice>(it->second);
    }
    Result<std::vector<DeviceEntry>> listDevices() override { return std::vector<DeviceEntry>{}; }
    Status revokeDevice(const std::string &, TimestampMs) override { return {}; }
    Status touchDevice(const std::string &id, TimestampMs) override
    {
        std::lock_guard lock(mutex);
        touched.push_back(id);
        return {};
    }
    Status audited(AdminAuditEntry entry, const std::function<Status(AdminAuditEntry &)> &change) override
    {
        return change(entry);
    }
    Result<std::vector<AdminAuditEntry>> listAdminAudit(std::optional<std::int64_t>) override
    {
        return std::vector<AdminAuditEntry>{};
    }
};

class FakeStorage final : public SyncStorage {
public:
    std::mutex mutex;
    std::vector<std::size_t> groupSizes;       // batches per applyUploads call
    std::map<std::string, std::set<std::uint64_t>> applied;  // device -> seqs applied
    std::map<std::string, int> applyCounts;    // "device/seq" -> times applied
    std::vector<std::string> uploadAuthors;
    std::vector<syncv1::PullRequest> pulls;
    std::vector<std::string> pullUsers;
    std::chrono::milliseconds uploadDelay{0};
    std::chrono::milliseconds slowPullDelay{0};
    std::string slowPullUser;
    bool failUploads = false;
    std::atomic<int> uploadsInProgress{0};

    Result<std::vector<syncv1::UploadResult>> applyUploads(std::span<const UploadRequest *const> requests) override
    {
        ++uploadsInProgress;
        std::this_thread::sleep_for(uploadDelay);
        std::lock_guard lock(mutex);
        --uploadsInProgress;
        if (failUploads)
            return Error::storage("disk full");
        groupSizes.push_back(requests.size());
        std::vector<syncv1::UploadResult> out;
        for (const UploadRequest *request : requests) {
            uploadAuthors.push_back(request->author.userName);
            syncv1::UploadResult result;
            for (const auto &change : request->batch->changes()) {
                auto *r = result.add_results();
                r->set_seq(change.seq());
                if (change.entity() == "forbidden") {
                    r->set_outcome(syncv1::ChangeResult::REJECTED);
                    r->set_reason("not allowed");
                    continue;
                }
                r->set_outcome(syncv1::ChangeResult::ACCEPTED);
                if (applied[request->deviceId].insert(change.seq()).second)
                    ++applyCounts[request->deviceId + "/" + std::to_string(change.seq())];
            }
            out.push_back(std::move(result));
        }
        return out;
    }

    Result<syncv1::PullPage> pull(const SyncScope &scope, const syncv1::PullRequest &request) override
    {
        if (scope.userName == slowPullUser)
            std::this_thread::sleep_for(slowPullDelay);
        std::lock_guard lock(mutex);
        pulls.push_back(request);
        pullUsers.push_back(scope.userName);
        syncv1::PullPage page;
        auto *record = page.add_records();
        record->set_entity("asb_reports");
        record->set_id("r-" + std::to_string(request.cursor() + 1));
        page.set_next_cursor(request.cursor() + 1);
        page.set_complete(true);
        page.set_scope_token(scope.token());
        return page;
    }

    Result<syncv1::VerifyResponse> verify(const SyncScope &) override
    {
        syncv1::VerifyResponse response;
        response.set_cursor(77);
        auto *c = response.add_checksums();
        c->set_entity("asb_reports");
        c->set_count(3);
        return response;
    }

    int timesApplied(const std::string &device, std::uint64_t seq)
    {
        std::lock_guard lock(mutex);
        auto it = applyCounts.find(device + "/" + std::to_string(seq));
        return it == applyCounts.end() ? 0 : it->second;
    }
};

// ---------------------------------------------------------------------------
// A device, driven step by step from the test thread.

template <typename T>
T runOn(asio::io_context &ioc, asio::awaitable<T> work)
{
    std::optional<T> out;
    asio::co_spawn(ioc, std::move(work), [&out](std::exception_ptr, T value) { out = std::move(value); });
    ioc.restart();
    ioc.run();
    return std::move(*out);
}

using Reply = StreamResult<syncv1::Envelope>;

class Device {
public:
    bool connect(unsigned short port)
    {
        auto ctx = makeClientTlsContext();
        if (!ctx)
            return false;
        tcp::socket socket(m_ioc);
        boost::system::error_code ec;
        socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
        if (ec)
            return false;
        m_stream = std::make_unique<TlsStream>(std::move(socket), *ctx, TlsStream::Role::Client);
        auto hs = runOn(m_ioc, m_stream->handshake(5s));
        return std::holds_alternative<std::monostate>(hs);
    }
    bool send(const syncv1::Envelope &envelope)
    {
        auto sent = runOn(m_ioc, m_stream->writeFrame(envelope, 5s, {}));
        return std::holds_alternative<std::monostate>(sent);
    }
    Reply receive(std::chrono::milliseconds timeout = 10s) { return runOn(m_ioc, m_stream->readFrame(timeout, timeout, {})); }
    Reply exchange(const syncv1::Envelope &envelope)
    {
        if (!send(envelope))
            return StreamFailure{StreamError::Io, "send failed"};
        return receive();
    }
    std::string authMaterial() const { return m_stream->exportKeyingMaterial(kAuthLabel, 32); }
    void close() { m_stream->close(); }

private:
    asio::io_context m_ioc;
    std::unique_ptr<TlsStream> m_stream;
};

syncv1::Envelope hello(const std::string &deviceId, const std::string &signature, std::uint32_t low = 1,
                       std::uint32_t high = 1)
{
    syncv1::Envelope e;
    auto *h = e.mutable_client_hello();
    h->set_min_version(low);
    h->set_max_version(high);
    h->set_app_version("test 1.0");
    h->set_device_id(deviceId);
    h->set_device_signature(signature);
    return e;
}

syncv1::Envelope batch(std::initializer_list<std::uint64_t> seqs, const std::string &entity = "asb_reports")
{
    syncv1::Envelope e;
    for (auto seq : seqs) {
        auto *c = e.mutable_upload_batch()->add_changes();
        c->set_seq(seq);
        c->set_entity(entity);
        c->set_entity_id("id-" + std::to_string(seq));
    }
    return e;
}

syncv1::Envelope pullRequest(std::uint64_t cursor, std::uint32_t most)
{
    syncv1::Envelope e;
    e.mutable_pull_request()->set_cursor(cursor);
    e.mutable_pull_request()->set_max_records(most);
    return e;
}

// The envelope received, or an empty one after a stream failure, so a
// failed exchange fails the check instead of throwing.
const syncv1::Envelope &envelopeOf(const Reply &reply)
{
    static const syncv1::Envelope empty;
    auto *e = std::get_if<syncv1::Envelope>(&reply);
    return e != nullptr ? *e : empty;
}

bool isRefusal(const Reply &reply, syncv1::Refusal::Code code)
{
    auto *e = std::get_if<syncv1::Envelope>(&reply);
    return e != nullptr && e->has_refusal() && e->refusal().code() == code;
}

std::string describe(const Reply &reply)
{
    if (auto *f = std::get_if<StreamFailure>(&reply))
        return "stream failure: " + f->message;
    return std::get<syncv1::Envelope>(reply).ShortDebugString();
}

// Blocking TLS with raw bytes, for frames a real device never sends.
const RawTlsOptions kRawTls = RawTlsOptions::versions(TLS1_3_VERSION, TLS1_3_VERSION);

} // namespace

// ---------------------------------------------------------------------------

class TestSyncSession : public QObject {
    Q_OBJECT

    SslContextPtr m_tls;
    DeviceKeyPair m_key;

    // One server per test, made fresh in init().
    std::unique_ptr<FakeDirectory> m_directory;
    std::unique_ptr<FakeStorage> m_storage;
    std::unique_ptr<SyncServer> m_server;
    ManualClock m_clock{1795554900000};
    ServerIdentity m_identity{"8b0d3c1e-4a8f-4c55-9d5e-2f1a7c3b9e10", std::string(32, '\x5a')};
    std::mutex m_logMutex;
    std::vector<std::string> m_logLines;
    unsigned short m_port = 0;

    static UserAccount user(const std::string &name, Role role, std::vector<std::string> wards, bool disabled = false)
    {
        UserAccount u;
        u.name = name;
        u.role = role;
        u.wards = std::move(wards);
        u.disabled = disabled;
        return u;
    }

    void addDevice(const std::string &id, const UserAccount &owner, const std::string &publicKey,
                   DeviceStatus status = DeviceStatus::Active)
    {
        EnrolledDevice d;
        d.device.id = id;
        d.device.userName = owner.name;
        d.device.role = owner.role;
        d.device.status = status;
        d.device.publicKey = publicKey;
        d.user = owner;
        std::lock_guard lock(m_directory->mutex);
        m_directory->devices[id] = d;
    }

    void addCode(const std::string &secret, const UserAccount &owner)
    {
        std::lock_guard lock(m_directory->mutex);
        m_directory->codes[secret] = owner;
    }

    ServerSettings defaultSettings()
    {
        ServerSettings s;
        s.listen = ServerAddress{"127.0.0.1", 0};
        s.threads = 2;
        s.storageThreads = 2;
        s.handshakeTimeout = 3s;
        s.idleTimeout = 10s;
        s.frameTimeout = 3s;
        s.writeTimeout = 3s;
        s.shutdownGrace = 5s;
        s.closeTimeout = 1s;
        s.maxChangesPerBatch = 5;
        s.maxRecordsPerPage = 50;
        return s;
    }

    bool startServer(const ServerSettings &settings)
    {
        auto log = ServerLog::toCallback([this](const std::string &line) {
            std::lock_guard lock(m_logMutex);
            m_logLines.push_back(line);
        });
        m_server = std::make_unique<SyncServer>(settings, m_tls, *m_directory, *m_storage, m_identity, m_clock, log);
        auto endpoint = m_server->start();
        if (!endpoint)
            return false;
        m_port = endpoint->port();
        return true;
    }

    // Connects and authenticates as `deviceId` with `key`.
    Reply signIn(Device &device, const std::string &deviceId, const DeviceKeyPair &key)
    {
        if (!device.connect(m_port))
            return StreamFailure{StreamError::Io, "connect failed"};
        auto signature = signWithDeviceKey(key.privateKey, device.authMaterial());
        return device.exchange(hello(deviceId, signature ? *signature : std::string()));
    }

    std::vector<std::string> logLines()
    {
        std::lock_guard lock(m_logMutex);
        return m_logLines;
    }

    static bool waitUntil(const std::function<bool()> &condition, std::chrono::milliseconds limit = 5s)
    {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < deadline) {
            if (condition())
                return true;
            std::this_thread::sleep_for(10ms);
        }
        return condition();
    }

private slots:
    void initTestCase()
    {
        auto tls = testing::makeTlsTestCertificates("tst_syncsession CA");
        QVERIFY(tls.ok());
        m_tls = tls->serverContext;
        auto key = generateDeviceKey();
        QVERIFY(key.ok());
        m_key = *key;
    }

    void init()
    {
        m_directory = std::make_unique<FakeDirectory>();
        m_storage = std::make_unique<FakeStorage>();
        m_logLines.clear();
        addDevice("dev-pcso", user("Alice Example", Role::Pcso, {"E05000100", "E05000101"}), m_key.publicKey);
        QVERIFY(startServer(defaultSettings()));
    }

    void cleanup()
    {
        if (m_server) {
            m_server->requestStop();
            m_server->wait();
            m_server.reset();
        }
    }

    // --- hello and authentication -------------------------------------

    void enrolledDeviceIsWelcomed()
    {
        Device device;
        auto reply = signIn(device, "dev-pcso", m_key);
        auto *e = std::get_if<syncv1::Envelope>(&reply);
        QVERIFY2(e && e->has_server_hello(), describe(reply).c_str());
        QCOMPARE(e->server_hello().version(), 1u);
        QCOMPARE(e->server_hello().server_id(), m_identity.serverId);
        QCOMPARE(e->server_hello().user_name(), std::string("Alice Example"));
        QCOMPARE(e->server_hello().role(), std::string("pcso"));
        QCOMPARE(e->server_hello().wards_size(), 2);
        QCOMPARE(e->server_hello().wards(1), std::string("E05000101"));
        QVERIFY(waitUntil([&] {
            std::lock_guard lock(m_directory->mutex);
            return m_directory->touched == std::vector<std::string>{"dev-pcso"};
        }));
    }

    void refusesBadIdentities_data()
    {
        QTest::addColumn<QString>("deviceId");
        QTest::addColumn<int>("signatureKind");  // 0 good, 1 wrong key, 2 garbage, 3 empty
        QTest::newRow("unknown device") << "dev-nobody" << 0;
        QTest::newRow("wrong key") << "dev-pcso" << 1;
        QTest::newRow("garbage signature") << "dev-pcso" << 2;
        QTest::newRow("no signature") << "dev-pcso" << 3;
    }
    void refusesBadIdentities()
    {
        QFETCH(QString, deviceId);
        QFETCH(int, signatureKind);
        Device device;
        QVERIFY(device.connect(m_port));
        auto other = generateDeviceKey();
        QVERIFY(other.ok());
        std::string signature;
        if (signatureKind == 0)
            signature = *signWithDeviceKey(m_key.privateKey, device.authMaterial());
        else if (signatureKind == 1)
            signature = *signWithDeviceKey(other->privateKey, device.authMaterial());
        else if (signatureKind == 2)
            signature = std::string(64, 'x');
        auto reply = device.exchange(hello(deviceId.toStdString(), signature));
        QVERIFY2(isRefusal(reply, syncv1::Refusal::UNAUTHENTICATED), describe(reply).c_str());
        QVERIFY(!envelopeOf(reply).refusal().wipe());
        // The session is over.
        QVERIFY(std::holds_alternative<StreamFailure>(device.receive(2s)));
    }

    void signatureFromAnotherSessionIsRefused()
    {
        Device first;
        QVERIFY(first.connect(m_port));
        const std::string replayed = *signWithDeviceKey(m_key.privateKey, first.authMaterial());
        first.close();
        Device second;
        QVERIFY(second.connect(m_port));
        auto reply = second.exchange(hello("dev-pcso", replayed));
        QVERIFY2(isRefusal(reply, syncv1::Refusal::UNAUTHENTICATED), describe(reply).c_str());
    }

    void revokedDeviceIsToldToWipe()
    {
        addDevice("dev-revoked", user("Bob Example", Role::Officer, {"E05000100"}), m_key.publicKey,
                  DeviceStatus::Revoked);
        Device device;
        auto reply = signIn(device, "dev-revoked", m_key);
        QVERIFY2(isRefusal(reply, syncv1::Refusal::DEVICE_REVOKED), describe(reply).c_str());
        QVERIFY(envelopeOf(reply).refusal().wipe());
        QVERIFY(!envelopeOf(reply).refusal().message().empty());
    }

    void revokedNeedsAValidSignatureFirst()
    {
        addDevice("dev-revoked", user("Bob Example", Role::Officer, {"E05000100"}), m_key.publicKey,
                  DeviceStatus::Revoked);
        Device device;
        QVERIFY(device.connect(m_port));
        auto reply = device.exchange(hello("dev-revoked", std::string(64, 'x')));
        QVERIFY2(isRefusal(reply, syncv1::Refusal::UNAUTHENTICATED), describe(reply).c_str());
    }

    void disabledUserIsRefused()
    {
        addDevice("dev-disabled", user("Carol Example", Role::Champion, {}, true), m_key.publicKey);
        Device device;
        auto reply = signIn(device, "dev-disabled", m_key);
        QVERIFY2(isRefusal(reply, syncv1::Refusal::USER_DISABLED), describe(reply).c_str());
        QVERIFY(!envelopeOf(reply).refusal().wipe());
    }

    void directoryFailureIsInternal()
    {
        m_directory->failLookups = true;
        Device device;
        auto reply = signIn(device, "dev-pcso", m_key);
        QVERIFY2(isRefusal(reply, syncv1::Refusal::INTERNAL), describe(reply).c_str());
    }

    void versionNegotiation_data()
    {
        QTest::addColumn<uint>("low");
        QTest::addColumn<uint>("high");
        QTest::addColumn<int>("refusal");  // -1: accepted
        QTest::addColumn<QString>("says");
        QTest::newRow("exact") << 1u << 1u << -1 << "";
        QTest::newRow("newer app, overlapping") << 1u << 5u << -1 << "";
        QTest::newRow("too old") << 0u << 0u << int(syncv1::Refusal::VERSION_TOO_OLD) << "Update the app";
        QTest::newRow("too new") << 2u << 3u << int(syncv1::Refusal::VERSION_TOO_NEW) << "server must be updated";
        QTest::newRow("backwards range") << 3u << 2u << int(syncv1::Refusal::BAD_REQUEST) << "";
    }
    void versionNegotiation()
    {
        QFETCH(uint, low);
        QFETCH(uint, high);
        QFETCH(int, refusal);
        QFETCH(QString, says);
        Device device;
        QVERIFY(device.connect(m_port));
        auto signature = *signWithDeviceKey(m_key.privateKey, device.authMaterial());
        auto reply = device.exchange(hello("dev-pcso", signature, low, high));
        if (refusal < 0) {
            auto *e = std::get_if<syncv1::Envelope>(&reply);
            QVERIFY2(e && e->has_server_hello(), describe(reply).c_str());
            QCOMPARE(e->server_hello().version(), 1u);
        } else {
            QVERIFY2(isRefusal(reply, static_cast<syncv1::Refusal::Code>(refusal)), describe(reply).c_str());
            QVERIFY2(envelopeOf(reply).refusal().message().find(says.toStdString())
                         != std::string::npos,
                     envelopeOf(reply).refusal().message().c_str());
        }
    }

    // --- enrolment ----------------------------------------------------

    void enrolmentHandsOverIdentityAndMatchKey()
    {
        addCode("SECRETCODE000001", user("Dan Example", Role::FireHfsv, {}));
        auto key = generateDeviceKey();
        QVERIFY(key.ok());
        Device device;
        QVERIFY(device.connect(m_port));
        auto first = device.exchange(hello("", ""));
        QVERIFY2(std::get_if<syncv1::Envelope>(&first) && envelopeOf(first).has_server_hello(),
                 describe(first).c_str());
        QCOMPARE(envelopeOf(first).server_hello().server_id(), m_identity.serverId);
        syncv1::Envelope request;
        request.mutable_enrol_request()->set_code_secret("SECRETCODE000001");
        request.mutable_enrol_request()->set_public_key(key->publicKey);
        request.mutable_enrol_request()->set_device_label("Dan's phone");
        auto reply = device.exchange(request);
        auto *e = std::get_if<syncv1::Envelope>(&reply);
        QVERIFY2(e && e->has_enrol_response(), describe(reply).c_str());
        const auto &response = e->enrol_response();
        QCOMPARE(response.device_id(), std::string("dev-enrolled-1"));
        QCOMPARE(response.user_name(), std::string("Dan Example"));
        QCOMPARE(response.role(), std::string("fire_hfsv"));
        QCOMPARE(response.match_key(), m_identity.matchKey);
        QCOMPARE(response.server_id(), m_identity.serverId);
        // The session ends; the device comes back as itself.
        QVERIFY(std::holds_alternative<StreamFailure>(device.receive(2s)));
        Device again;
        auto welcome = signIn(again, response.device_id(), *key);
        QVERIFY2(std::get_if<syncv1::Envelope>(&welcome) && envelopeOf(welcome).has_server_hello(),
                 describe(welcome).c_str());
        QCOMPARE(envelopeOf(welcome).server_hello().role(), std::string("fire_hfsv"));
    }

    void enrolmentRefusals_data()
    {
        QTest::addColumn<QString>("code");
        QTest::addColumn<int>("keyBytes");
        QTest::addColumn<QByteArray>("label");
        QTest::addColumn<int>("refusal");
        QTest::newRow("unknown code") << "NOSUCHCODE000000" << 32 << QByteArray("phone")
                                      << int(syncv1::Refusal::ENROLMENT_REFUSED);
        QTest::newRow("empty code") << "" << 32 << QByteArray("phone") << int(syncv1::Refusal::ENROLMENT_REFUSED);
        QTest::newRow("short key") << "SECRETCODE000001" << 31 << QByteArray("phone")
                                   << int(syncv1::Refusal::BAD_REQUEST);
        QTest::newRow("long key") << "SECRETCODE000001" << 64 << QByteArray("phone")
                                  << int(syncv1::Refusal::BAD_REQUEST);
        QTest::newRow("control character in label") << "SECRETCODE000001" << 32 << QByteArray("ph\x01one")
                                                    << int(syncv1::Refusal::BAD_REQUEST);
        // proto3 strings must be UTF-8: the frame itself does not parse.
        QTest::newRow("bad utf-8 label") << "SECRETCODE000001" << 32 << QByteArray("ph\xff\xfe")
                                         << int(syncv1::Refusal::BAD_FRAME);
        QTest::newRow("oversized label") << "SECRETCODE000001" << 32 << QByteArray(500, 'x')
                                         << int(syncv1::Refusal::BAD_REQUEST);
    }
    void enrolmentRefusals()
    {
        QFETCH(QString, code);
        QFETCH(int, keyBytes);
        QFETCH(QByteArray, label);
        QFETCH(int, refusal);
        addCode("SECRETCODE000001", user("Dan Example", Role::FireHfsv, {}));
        Device device;
        QVERIFY(device.connect(m_port));
        QVERIFY(!std::holds_alternative<StreamFailure>(device.exchange(hello("", ""))));
        syncv1::Envelope request;
        request.mutable_enrol_request()->set_code_secret(code.toStdString());
        request.mutable_enrol_request()->set_public_key(std::string(static_cast<std::size_t>(keyBytes), 'k'));
        request.mutable_enrol_request()->set_device_label(label.toStdString());
        auto reply = device.exchange(request);
        QVERIFY2(isRefusal(reply, static_cast<syncv1::Refusal::Code>(refusal)), describe(reply).c_str());
        // A refused code stays usable for the right request.
        QCOMPARE(m_directory->codes.count("SECRETCODE000001"), std::size_t{1});
    }

    void enrollingDeviceMustEnrol()
    {
        Device device;
        QVERIFY(device.connect(m_port));
        QVERIFY(!std::holds_alternative<StreamFailure>(device.exchange(hello("", ""))));
        auto reply = device.exchange(pullRequest(0, 10));
        QVERIFY2(isRefusal(reply, syncv1::Refusal::UNEXPECTED_MESSAGE), describe(reply).c_str());
    }

    // --- requests -------------------------------------------------------

    void uploadIsAnsweredPerChange()
    {
        Device device;
        QVERIFY(envelopeOf(signIn(device, "dev-pcso", m_key)).has_server_hello());
        auto reply = device.exchange(batch({1, 2, 3}));
        auto *e = std::get_if<syncv1::Envelope>(&reply);
        QVERIFY2(e && e->has_upload_result(), describe(reply).c_str());
        QCOMPARE(e->upload_result().results_size(), 3);
        QCOMPARE(e->upload_result().results(2).seq(), std::uint64_t{3});
        QCOMPARE(e->upload_result().results(0).outcome(), syncv1::ChangeResult::ACCEPTED);

        auto rejected = device.exchange(batch({4}, "forbidden"));
        QCOMPARE(envelopeOf(rejected).upload_result().results(0).outcome(),
                 syncv1::ChangeResult::REJECTED);
        QCOMPARE(envelopeOf(rejected).upload_result().results(0).reason(), std::string("not allowed"));

        // A replayed batch is answered again and applied once (the storage's rule, passed through).
        auto again = device.exchange(batch({1, 2, 3}));
        QCOMPARE(envelopeOf(again).upload_result().results_size(), 3);
        QCOMPARE(m_storage->timesApplied("dev-pcso", 2), 1);
        {
            std::lock_guard lock(m_storage->mutex);
            QCOMPARE(m_storage->uploadAuthors.front(), std::string("Alice Example"));
        }
    }

    void emptyBatchNeedsNoCommit()
    {
        Device device;
        QVERIFY(envelopeOf(signIn(device, "dev-pcso", m_key)).has_server_hello());
        syncv1::Envelope empty;
        empty.mutable_upload_batch();
        auto reply = device.exchange(empty);
        QVERIFY2(envelopeOf(reply).has_upload_result(), describe(reply).c_str());
        QCOMPARE(envelopeOf(reply).upload_result().results_size(), 0);
        std::lock_guard lock(m_storage->mutex);
        QVERIFY(m_storage->groupSizes.empty());
    }

    void oversizedBatchIsRefused()
    {
        Device device;
        QVERIFY(envelopeOf(signIn(device, "dev-pcso", m_key)).has_server_hello());
        auto reply = device.exchange(batch({1, 2, 3, 4, 5, 6}));
        QVERIFY2(isRefusal(reply, syncv1::Refusal::BAD_REQUEST), describe(reply).c_str());
        QCOMPARE(m_storage->timesApplied("dev-pcso", 1), 0);
    }

    void storageFailureRefusesTheBatch()
    {
        m_storage->failUploads = true;
        Device device;
        QVERIFY(envelopeOf(signIn(device, "dev-pcso", m_key)).has_server_hello());
        auto reply = device.exchange(batch({1}));
        QVERIFY2(isRefusal(reply, syncv1::Refusal::INTERNAL), describe(reply).c_str());
        QVERIFY(envelopeOf(reply).refusal().message().find("none was applied") != std::string::npos);
    }

    void pullAndVerify()
    {
        Device device;
        QVERIFY(envelopeOf(signIn(device, "dev-pcso", m_key)).has_server_hello());
        auto page = device.exchange(pullRequest(10, 100000));
        auto *e = std::get_if<syncv1::Envelope>(&page);
        QVERIFY2(e && e->has_pull_page(), describe(page).c_str());
        QCOMPARE(e->pull_page().next_cursor(), std::uint64_t{11});
        QCOMPARE(e->pull_page().records(0).id(), std::string("r-11"));
        auto unlimited = device.exchange(pullRequest(11, 0));
        QVERIFY(envelopeOf(unlimited).has_pull_page());
        auto small = device.exchange(pullRequest(12, 7));
        QVERIFY(envelopeOf(small).has_pull_page());
        {
            std::lock_guard lock(m_storage->mutex);
            QCOMPARE(m_storage->pulls.size(), std::size_t{3});
            QCOMPARE(m_storage->pulls[0].max_records(), 50u);  // clamped to max-page-records
            QCOMPARE(m_storage->pulls[1].max_records(), 50u);  // 0 means "as many as allowed"
            QCOMPARE(m_storage->pulls[2].max_records(), 7u);
            QCOMPARE(m_storage->pullUsers[0], std::string("Alice Example"));
        }
        syncv1::Envelope verify;
        verify.mutable_verify_request();
        auto checked = device.exchange(verify);
        QVERIFY2(envelopeOf(checked).has_verify_response(), describe(checked).c_str());
        QCOMPARE(envelopeOf(checked).verify_response().cursor(), std::uint64_t{77});

        syncv1::Envelope bye;
        bye.mutable_goodbye();
        auto last = device.exchange(bye);
        QVERIFY2(std::get_if<syncv1::Envelope>(&last) && envelopeOf(last).has_goodbye(),
                 describe(last).c_str());
        QVERIFY(std::holds_alternative<StreamFailure>(device.receive(2s)));
    }

    void messagesOutOfOrderAreRefused_data()
    {
        QTest::addColumn<int>("when");  // 0: instead of hello, 1: after hello
        QTest::addColumn<int>("what");  // 0 pull, 1 hello again, 2 enrol request, 3 server message
        QTest::newRow("pull before hello") << 0 << 0;
        QTest::newRow("enrol before hello") << 0 << 2;
        QTest::newRow("hello twice") << 1 << 1;
        QTest::newRow("enrol when enrolled") << 1 << 2;
        QTest::newRow("server's message") << 1 << 3;
    }
    void messagesOutOfOrderAreRefused()
    {
        QFETCH(int, when);
        QFETCH(int, what);
        Device device;
        if (when == 0)
            QVERIFY(device.connect(m_port));
        else
            QVERIFY(envelopeOf(signIn(device, "dev-pcso", m_key)).has_server_hello());
        syncv1::Envelope e;
        if (what == 0)
            e = pullRequest(0, 1);
        else if (what == 1)
            e = hello("dev-pcso", "x");
        else if (what == 2)
            e.mutable_enrol_request()->set_code_secret("X");
        else
            e.mutable_pull_page()->set_next_cursor(1);
        auto reply = device.exchange(e);
        QVERIFY2(isRefusal(reply, syncv1::Refusal::UNEXPECTED_MESSAGE), describe(reply).c_str());
    }

    // --- one bad session never harms the others --------------------------

    void badFramesEndThatSessionOnly_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        const auto header = [](std::uint32_t n) { return QByteArray::fromStdString(frameHeader(n)); };
        QTest::newRow("oversized") << header(5 * 1024 * 1024);
        QTest::newRow("empty") << header(0);
        QTest::newRow("garbage") << header(5) + QByteArray("\xff\xff\xff\xff\xff", 5);
        QTest::newRow("no message") << header(2) + QByteArray("\x78\x01", 2);
    }
    void badFramesEndThatSessionOnly()
    {
        QFETCH(QByteArray, bytes);
        Device good;
        QVERIFY(envelopeOf(signIn(good, "dev-pcso", m_key)).has_server_hello());

        RawTlsClient bad(kRawTls);
        QVERIFY(bad.connect(m_port).ok());
        QVERIFY(bad.writeRaw(bytes.toStdString()).ok());
        auto refusal = bad.readFrame();
        QVERIFY(refusal.ok());
        QCOMPARE(refusal->refusal().code(), syncv1::Refusal::BAD_FRAME);
        QVERIFY(!bad.readFrame().ok());  // and closed

        auto page = good.exchange(pullRequest(0, 10));
        QVERIFY2(std::get_if<syncv1::Envelope>(&page) && envelopeOf(page).has_pull_page(),
                 describe(page).c_str());
    }

    void truncatedFrameEndsThatSessionOnly()
    {
        Device good;
        QVERIFY(envelopeOf(signIn(good, "dev-pcso", m_key)).has_server_hello());
        {
            RawTlsClient bad(kRawTls);
            QVERIFY(bad.connect(m_port).ok());
            QVERIFY(bad.writeRaw(frameHeader(100) + "abc").ok());
        }  // cut mid-frame
        auto page = good.exchange(pullRequest(0, 10));
        QVERIFY2(envelopeOf(page).has_pull_page(), describe(page).c_str());
        QVERIFY(waitUntil([&] { return m_server->sessionCount() == 1; }));
    }

    void idleSessionTimesOut()
    {
        cleanup();
        auto settings = defaultSettings();
        settings.idleTimeout = 300ms;
        QVERIFY(startServer(settings));
        Device device;
        QVERIFY(envelopeOf(signIn(device, "dev-pcso", m_key)).has_server_hello());
        const auto start = std::chrono::steady_clock::now();
        auto reply = device.receive(5s);
        const auto waited = std::chrono::steady_clock::now() - start;
        QVERIFY2(isRefusal(reply, syncv1::Refusal::TIMEOUT), describe(reply).c_str());
        QVERIFY(waited >= 250ms);
        QVERIFY(waited < 3s);
    }

    void silentConnectionGetsNoSessionForever()
    {
        cleanup();
        auto settings = defaultSettings();
        settings.handshakeTimeout = 300ms;
        QVERIFY(startServer(settings));
        Device device;
        QVERIFY(device.connect(m_port));  // handshake, then no hello
        auto reply = device.receive(5s);
        QVERIFY2(isRefusal(reply, syncv1::Refusal::TIMEOUT), describe(reply).c_str());
    }

    void slowStorageDoesNotStallOthers()
    {
        cleanup();
        auto settings = defaultSettings();
        settings.threads = 1;  // one network thread: a blocking call on it would stall everyone
        settings.storageThreads = 2;
        QVERIFY(startServer(settings));
        addDevice("dev-slow", user("Slow Example", Role::Pcso, {"E05000100"}), m_key.publicKey);
        m_storage->slowPullUser = "Slow Example";
        m_storage->slowPullDelay = 1500ms;

        Device slow, quick;
        QVERIFY(envelopeOf(signIn(slow, "dev-slow", m_key)).has_server_hello());
        QVERIFY(envelopeOf(signIn(quick, "dev-pcso", m_key)).has_server_hello());
        QVERIFY(slow.send(pullRequest(0, 10)));
        std::this_thread::sleep_for(100ms);  // the slow pull is under way
        const auto start = std::chrono::steady_clock::now();
        auto page = quick.exchange(pullRequest(0, 10));
        const auto took = std::chrono::steady_clock::now() - start;
        QVERIFY2(envelopeOf(page).has_pull_page(), describe(page).c_str());
        QVERIFY2(took < 700ms, std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()).c_str());
        QVERIFY(envelopeOf(slow.receive()).has_pull_page());
    }

    void concurrentUploadsShareACommit()
    {
        m_storage->uploadDelay = 300ms;
        constexpr int kDevices = 6;
        std::vector<std::unique_ptr<Device>> devices;
        for (int i = 0; i < kDevices; ++i) {
            const std::string id = "dev-" + std::to_string(i);
            addDevice(id, user("User " + std::to_string(i), Role::Pcso, {"E05000100"}), m_key.publicKey);
            devices.push_back(std::make_unique<Device>());
            QVERIFY(envelopeOf(signIn(*devices.back(), id, m_key)).has_server_hello());
        }
        // The first batch occupies the writer; the others queue behind it
        // and go in together.
        QVERIFY(devices[0]->send(batch({1})));
        QVERIFY(waitUntil([&] { return m_storage->uploadsInProgress.load() == 1; }));
        for (int i = 1; i < kDevices; ++i)
            QVERIFY(devices[static_cast<std::size_t>(i)]->send(batch({1, 2})));
        for (int i = 0; i < kDevices; ++i) {
            auto reply = devices[static_cast<std::size_t>(i)]->receive();
            QVERIFY2(envelopeOf(reply).has_upload_result(), describe(reply).c_str());
        }
        std::lock_guard lock(m_storage->mutex);
        std::size_t batches = 0;
        for (auto n : m_storage->groupSizes)
            batches += n;
        QCOMPARE(batches, std::size_t{kDevices});
        QVERIFY2(m_storage->groupSizes.size() < std::size_t{kDevices},
                 ("groups: " + std::to_string(m_storage->groupSizes.size())).c_str());
        QVERIFY(*std::max_element(m_storage->groupSizes.begin(), m_storage->groupSizes.end()) > 1);
    }

    void connectionLimitRefusesWithServerBusy()
    {
        cleanup();
        auto settings = defaultSettings();
        settings.maxConnections = 2;
        QVERIFY(startServer(settings));
        Device a, b, c;
        QVERIFY(envelopeOf(signIn(a, "dev-pcso", m_key)).has_server_hello());
        QVERIFY(envelopeOf(signIn(b, "dev-pcso", m_key)).has_server_hello());
        QVERIFY(c.connect(m_port));
        auto reply = c.receive(5s);
        QVERIFY2(isRefusal(reply, syncv1::Refusal::SERVER_BUSY), describe(reply).c_str());
        // The two in service carry on.
        QVERIFY(envelopeOf(a.exchange(pullRequest(0, 1))).has_pull_page());
        // Once one leaves, a new device gets in.
        b.close();
        QVERIFY(waitUntil([&] { return m_server->sessionCount() == 1; }));
        Device d;
        QVERIFY(envelopeOf(signIn(d, "dev-pcso", m_key)).has_server_hello());
    }

    // --- shutdown -------------------------------------------------------

    void shutdownFinishesTheBatchInHand()
    {
        m_storage->uploadDelay = 600ms;
        Device idle, busy;
        QVERIFY(envelopeOf(signIn(idle, "dev-pcso", m_key)).has_server_hello());
        QVERIFY(envelopeOf(signIn(busy, "dev-pcso", m_key)).has_server_hello());
        QVERIFY(busy.send(batch({41, 42})));
        QVERIFY(waitUntil([&] { return m_storage->uploadsInProgress.load() == 1; }));

        std::thread stopper([this] {
            m_server->requestStop();
            m_server->wait();
        });
        auto idleReply = idle.receive(5s);
        QVERIFY2(isRefusal(idleReply, syncv1::Refusal::SHUTTING_DOWN), describe(idleReply).c_str());
        auto result = busy.receive(5s);
        QVERIFY2(std::get_if<syncv1::Envelope>(&result) && envelopeOf(result).has_upload_result(),
                 describe(result).c_str());
        QCOMPARE(envelopeOf(result).upload_result().results_size(), 2);
        auto after = busy.receive(5s);
        QVERIFY2(isRefusal(after, syncv1::Refusal::SHUTTING_DOWN), describe(after).c_str());
        stopper.join();
        QCOMPARE(m_storage->timesApplied("dev-pcso", 41), 1);
        QCOMPARE(m_storage->timesApplied("dev-pcso", 42), 1);
        QCOMPARE(m_server->sessionCount(), std::size_t{0});

        // Nothing listens any more.
        Device late;
        QVERIFY(!late.connect(m_port));
    }

    void shutdownGraceIsBounded()
    {
        cleanup();
        auto settings = defaultSettings();
        settings.shutdownGrace = 200ms;
        settings.closeTimeout = 200ms;
        settings.writeTimeout = 300ms;
        QVERIFY(startServer(settings));
        // A device that never reads: it holds its session busy in a write
        // only if the server had much to say; here it simply never finishes
        // a frame, so its session is mid-frame and cannot be stopped cleanly.
        RawTlsClient stuck(kRawTls);
        QVERIFY(stuck.connect(m_port).ok());
        QVERIFY(stuck.writeRaw(frameHeader(1000) + "partial").ok());
        std::this_thread::sleep_for(100ms);
        const auto start = std::chrono::steady_clock::now();
        m_server->requestStop();
        m_server->wait();
        const auto took = std::chrono::steady_clock::now() - start;
        QVERIFY2(took < 2500ms, std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()).c_str());
    }

    // --- logs -------------------------------------------------------------

    void logsAreJsonLinesWithoutPersonalData()
    {
        Device device;
        QVERIFY(envelopeOf(signIn(device, "dev-pcso", m_key)).has_server_hello());
        QVERIFY(envelopeOf(device.exchange(batch({1, 2}))).has_upload_result());
        syncv1::Envelope bye;
        bye.mutable_goodbye();
        device.exchange(bye);
        QVERIFY(waitUntil([&] {
            for (const auto &line : logLines())
                if (line.find("session_end") != std::string::npos)
                    return true;
            return false;
        }));
        bool sawUpload = false;
        for (const auto &line : logLines()) {
            auto json = nlohmann::json::parse(line, nullptr, false);
            QVERIFY2(!json.is_discarded() && json.is_object(), line.c_str());
            QVERIFY2(json.contains("event") && json.contains("ts") && json.contains("level"), line.c_str());
            QVERIFY2(line.find("Alice") == std::string::npos, line.c_str());
            if (json["event"] == "upload") {
                sawUpload = true;
                QCOMPARE(json["device"].get<std::string>(), std::string("dev-pcso"));
                QCOMPARE(json["changes"].get<int>(), 2);
                QCOMPARE(json["accepted"].get<int>(), 2);
                QVERIFY(json.contains("session"));
            }
        }
        QVERIFY(sawUpload);
    }
};

QTEST_GUILESS_MAIN(TestSyncSession)
#include "tst_syncsession.moc"
