#include "crypto/certificates.h"
#include "sync/tlsstream.h"
#include "loopbacktcp.h"
#include "rawtlsclient.h"
#include "tlstestcertificates.h"
#include "tlstestpair.h"

#include <QTest>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <openssl/ssl.h>

#include <unistd.h>

#include <functional>
#include <memory>
#include <optional>
#include <thread>

using namespace beatbook;
using namespace beatbook::testing;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

using Outcome = StreamResult<std::monostate>;

bool isOk(const Outcome &o) { return std::holds_alternative<std::monostate>(o); }
template <typename T>
std::optional<StreamError> errorOf(const StreamResult<T> &r)
{
    if (auto *f = std::get_if<StreamFailure>(&r))
        return f->kind;
    return std::nullopt;
}
template <typename T>
std::string messageOf(const StreamResult<T> &r)
{
    if (auto *f = std::get_if<StreamFailure>(&r))
        return f->message;
    return {};
}

syncv1::Envelope pullRequest(std::uint64_t cursor)
{
    syncv1::Envelope e;
    e.mutable_pull_request()->set_cursor(cursor);
    e.mutable_pull_request()->set_max_records(100);
    return e;
}

// A batch with one change carrying `bytes` of text, to make large frames.
syncv1::Envelope bigBatch(std::size_t bytes)
{
    syncv1::Envelope e;
    auto *change = e.mutable_upload_batch()->add_changes();
    change->set_seq(1);
    change->set_entity("asb_reports");
    auto *field = change->add_fields();
    field->set_name("description");
    field->mutable_value()->set_text_value(std::string(bytes, 'x'));
    return e;
}

SslContextPtr customClientContext(int maxVersion, const std::string &alpn)
{
    SslContextPtr ctx(SSL_CTX_new(TLS_client_method()), SslContextDeleter{});
    SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(ctx.get(), maxVersion);
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
    if (!alpn.empty()) {
        std::string wire(1, static_cast<char>(alpn.size()));
        wire += alpn;
        SSL_CTX_set_alpn_protos(ctx.get(), reinterpret_cast<const unsigned char *>(wire.data()),
                                static_cast<unsigned int>(wire.size()));
    }
    return ctx;
}

// TLS by hand, for bytes TlsStream would never send (bad frames, half
// frames): TLS 1.2 up to maxVersion, the beatbook ALPN, no SNI and no
// verification.
RawTlsOptions rawOptions(int maxVersion = TLS1_3_VERSION)
{
    auto options = RawTlsOptions::versions(TLS1_2_VERSION, maxVersion);
    options.serverName.clear();
    return options;
}

// A raw client connected from a client thread; a failed connect shows at
// the server's side.
std::unique_ptr<RawTlsClient> rawClient(std::uint16_t port)
{
    auto client = std::make_unique<RawTlsClient>(rawOptions());
    (void)client->connect(port);
    return client;
}

// The client's side when it stays connected and silent for 2 s.
asio::awaitable<void> staySilent(TlsStream &s)
{
    auto r = co_await s.readFrame(2s, 2s, {});
    (void)r;
}

} // namespace

class TestTlsStream : public QObject {
    Q_OBJECT

    TlsTestCertificates m_tls;
    TlsTestPair m_pair;

    // The server's read while the client stays silent, with `act` done on
    // the server's stream 100 ms into it.
    std::optional<StreamResult<syncv1::Envelope>> serverReadWith(const std::function<void(TlsStream &)> &act)
    {
        std::optional<StreamResult<syncv1::Envelope>> got;
        m_pair.run(
            pinnedClient(), "127.0.0.1",
            [&](TlsStream &s) -> asio::awaitable<void> {
                asio::steady_timer timer(s.socket().get_executor(), 100ms);
                timer.async_wait([&s, &act](boost::system::error_code) { act(s); });
                got = co_await s.readFrame(5s, 5s, {});
            },
            staySilent);
        return got;
    }

    SslContextPtr pinnedClient()
    {
        auto ctx = makeClientTlsContext();
        return ctx.ok() ? *ctx : nullptr;
    }
    SslContextPtr verifyingClient(const std::string &caPem)
    {
        auto ctx = makeClientTlsContext(caPem);
        return ctx.ok() ? *ctx : nullptr;
    }

private slots:
    void initTestCase()
    {
        auto tls = makeTlsTestCertificates("tst_tlsstream CA");
        QVERIFY2(tls.ok(), tls.ok() ? "" : tls.error().message.c_str());
        m_tls = *tls;
        m_pair = TlsTestPair(m_tls.serverContext);
    }

    void contextsAreTls13OnlyAndReleaseBuffers()
    {
        auto client = makeClientTlsContext();
        QVERIFY(client.ok());
        for (SSL_CTX *ctx : {m_tls.serverContext.get(), client->get()}) {
            QCOMPARE(SSL_CTX_get_min_proto_version(ctx), TLS1_3_VERSION);
            QCOMPARE(SSL_CTX_get_max_proto_version(ctx), TLS1_3_VERSION);
            QVERIFY((SSL_CTX_get_mode(ctx) & SSL_MODE_RELEASE_BUFFERS) != 0);
        }
    }

    void framesRoundTripWithAPinnedCertificate()
    {
        std::string serverEkm, clientEkm, clientPeer, clientAlpn, serverAlpn, otherLabel;
        std::optional<StreamResult<syncv1::Envelope>> atServer, atClient;
        std::optional<Outcome> serverWrite, clientWrite;
        auto run = m_pair.run(
            pinnedClient(), "127.0.0.1",
            [&](TlsStream &s) -> asio::awaitable<void> {
                serverEkm = s.exportKeyingMaterial("EXPORTER-beatbook-device-auth", 32);
                serverAlpn = s.negotiatedAlpn();
                atServer = co_await s.readFrame(5s, 5s, {});
                syncv1::Envelope reply;
                reply.mutable_server_hello()->set_version(1);
                reply.mutable_server_hello()->set_server_id("server-1");
                serverWrite = co_await s.writeFrame(reply, 5s, {});
                co_await s.shutdown(2s);
            },
            [&](TlsStream &s) -> asio::awaitable<void> {
                clientEkm = s.exportKeyingMaterial("EXPORTER-beatbook-device-auth", 32);
                otherLabel = s.exportKeyingMaterial("EXPORTER-something-else", 32);
                clientPeer = s.peerCertificateSha256();
                clientAlpn = s.negotiatedAlpn();
                clientWrite = co_await s.writeFrame(pullRequest(42), 5s, {});
                atClient = co_await s.readFrame(5s, 5s, {});
                // The server's close_notify ends the stream cleanly.
                auto after = co_await s.readFrame(5s, 5s, {});
                if (errorOf(after) != StreamError::Closed)
                    clientAlpn = "no close: " + messageOf(after);
                s.close();
            });
        QVERIFY(run.serverDone && run.clientDone);
        QVERIFY2(isOk(*run.serverHandshake), messageOf(*run.serverHandshake).c_str());
        QVERIFY2(isOk(*run.clientHandshake), messageOf(*run.clientHandshake).c_str());
        QCOMPARE(serverAlpn, std::string("beatbook/1"));
        QCOMPARE(clientAlpn, std::string("beatbook/1"));
        QCOMPARE(clientPeer, *certificateSha256(m_tls.server.certificatePem));
        QCOMPARE(clientEkm.size(), std::size_t{32});
        QCOMPARE(clientEkm, serverEkm);
        QVERIFY(otherLabel != clientEkm);
        QVERIFY(clientWrite && isOk(*clientWrite));
        QVERIFY(serverWrite && isOk(*serverWrite));
        QVERIFY(atServer && !errorOf(*atServer));
        QCOMPARE(std::get<syncv1::Envelope>(*atServer).pull_request().cursor(), std::uint64_t{42});
        QVERIFY(atClient && !errorOf(*atClient));
        QCOMPARE(std::get<syncv1::Envelope>(*atClient).server_hello().server_id(), std::string("server-1"));
    }

    void keyingMaterialDiffersPerSession()
    {
        std::string first, second;
        auto capture = [](std::string &out) {
            return [&out](TlsStream &s) -> asio::awaitable<void> {
                out = s.exportKeyingMaterial("EXPORTER-beatbook-device-auth", 32);
                co_return;
            };
        };
        m_pair.run(pinnedClient(), "127.0.0.1", nullptr, capture(first));
        m_pair.run(pinnedClient(), "127.0.0.1", nullptr, capture(second));
        QCOMPARE(first.size(), std::size_t{32});
        QCOMPARE(second.size(), std::size_t{32});
        QVERIFY(first != second);
    }

    void verifiesAgainstTheRightCa_data()
    {
        QTest::addColumn<QString>("name");
        QTest::newRow("ipv4") << "127.0.0.1";
        QTest::newRow("dns") << "localhost";
    }
    void verifiesAgainstTheRightCa()
    {
        QFETCH(QString, name);
        std::optional<StreamResult<syncv1::Envelope>> got;
        auto run = m_pair.run(
            verifyingClient(m_tls.ca.certificatePem), name.toStdString(),
            [&](TlsStream &s) -> asio::awaitable<void> { got = co_await s.readFrame(5s, 5s, {}); },
            [&](TlsStream &s) -> asio::awaitable<void> { co_await s.writeFrame(pullRequest(7), 5s, {}); });
        QVERIFY2(isOk(*run.clientHandshake), messageOf(*run.clientHandshake).c_str());
        QVERIFY(got && !errorOf(*got));
    }

    void largeFramesRoundTrip()
    {
        const std::size_t size = 3 * 1024 * 1024;
        std::optional<StreamResult<syncv1::Envelope>> got;
        std::optional<Outcome> sent;
        auto run = m_pair.run(
            pinnedClient(), "127.0.0.1",
            [&](TlsStream &s) -> asio::awaitable<void> { got = co_await s.readFrame(5s, 10s, {}); },
            [&](TlsStream &s) -> asio::awaitable<void> { sent = co_await s.writeFrame(bigBatch(size), 10s, {}); });
        QVERIFY(sent && isOk(*sent));
        QVERIFY2(got && !errorOf(*got), got ? messageOf(*got).c_str() : "no read");
        QCOMPARE(std::get<syncv1::Envelope>(*got).upload_batch().changes(0).fields(0).value().text_value().size(),
                 size);
    }

    void tls12ClientIsRefused()
    {
        auto run = m_pair.run(customClientContext(TLS1_2_VERSION, "beatbook/1"), "127.0.0.1", nullptr, nullptr);
        QVERIFY(run.serverDone && run.clientDone);
        QCOMPARE(errorOf(*run.serverHandshake), std::optional(StreamError::TlsFailure));
        QCOMPARE(errorOf(*run.clientHandshake), std::optional(StreamError::TlsFailure));
    }

    void tls12ClientIsRefusedOnTheWire()
    {
        bool connected = true;
        auto run = m_pair.runServerAgainst(
            [&](unsigned short port) { connected = RawTlsClient(rawOptions(TLS1_2_VERSION)).connect(port).ok(); },
            nullptr);
        QVERIFY(!connected);
        QCOMPARE(errorOf(*run.serverHandshake), std::optional(StreamError::TlsFailure));
    }

    void wrongCaFails()
    {
        auto other = createCertificateAuthority("Someone else's CA");
        QVERIFY(other.ok());
        auto run = m_pair.run(verifyingClient(other->certificatePem), "127.0.0.1", nullptr, nullptr);
        QCOMPARE(errorOf(*run.clientHandshake), std::optional(StreamError::TlsFailure));
        QVERIFY2(messageOf(*run.clientHandshake).find("certificate") != std::string::npos,
                 messageOf(*run.clientHandshake).c_str());
        QCOMPARE(errorOf(*run.serverHandshake), std::optional(StreamError::TlsFailure));
    }

    void caCheckNeedsAServerName()
    {
        auto run = m_pair.run(verifyingClient(m_tls.ca.certificatePem), "", nullptr, nullptr);
        QVERIFY(run.clientHandshake.has_value());
        QCOMPARE(errorOf(*run.clientHandshake), std::optional(StreamError::TlsFailure));
        QVERIFY2(messageOf(*run.clientHandshake).find("server name") != std::string::npos,
                 messageOf(*run.clientHandshake).c_str());
    }

    void wrongHostNameFails_data()
    {
        QTest::addColumn<QString>("name");
        QTest::newRow("dns") << "sync.example.org";
        QTest::newRow("ip") << "10.1.2.3";
    }
    void wrongHostNameFails()
    {
        QFETCH(QString, name);
        auto run = m_pair.run(verifyingClient(m_tls.ca.certificatePem), name.toStdString(), nullptr, nullptr);
        QCOMPARE(errorOf(*run.clientHandshake), std::optional(StreamError::TlsFailure));
    }

    void alpnMismatchFails_data()
    {
        QTest::addColumn<QString>("alpn");
        QTest::newRow("other protocol") << "http/1.1";
        QTest::newRow("future version") << "beatbook/2";
        QTest::newRow("none") << "";
    }
    void alpnMismatchFails()
    {
        QFETCH(QString, alpn);
        auto run = m_pair.run(customClientContext(TLS1_3_VERSION, alpn.toStdString()), "127.0.0.1", nullptr, nullptr);
        QVERIFY(run.serverDone && run.clientDone);
        QCOMPARE(errorOf(*run.serverHandshake), std::optional(StreamError::TlsFailure));
        QCOMPARE(errorOf(*run.clientHandshake), std::optional(StreamError::TlsFailure));
    }

    void handshakeTimesOut()
    {
        // A TCP connection that never says hello.
        auto run = m_pair.runServerAgainst(
            [](unsigned short port) {
                const int fd = connectLoopbackTcp(port);
                std::this_thread::sleep_for(800ms);
                ::close(fd);
            },
            nullptr, 200ms);
        QCOMPARE(errorOf(*run.serverHandshake), std::optional(StreamError::TimedOut));
    }

    void garbageInsteadOfTlsFails()
    {
        auto run = m_pair.runServerAgainst(
            [](unsigned short port) {
                const int fd = connectLoopbackTcp(port);
                const char text[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
                [[maybe_unused]] auto n = ::write(fd, text, sizeof text - 1);
                std::this_thread::sleep_for(300ms);
                ::close(fd);
            },
            nullptr);
        QCOMPARE(errorOf(*run.serverHandshake), std::optional(StreamError::TlsFailure));
    }

    void idleTimeoutFires()
    {
        std::optional<StreamResult<syncv1::Envelope>> got;
        auto start = std::chrono::steady_clock::now();
        std::chrono::steady_clock::duration waited{};
        m_pair.run(
            pinnedClient(), "127.0.0.1",
            [&](TlsStream &s) -> asio::awaitable<void> {
                start = std::chrono::steady_clock::now();
                got = co_await s.readFrame(150ms, 5s, {});
                waited = std::chrono::steady_clock::now() - start;
            },
            staySilent);  // longer than the idle timeout
        QCOMPARE(errorOf(*got), std::optional(StreamError::TimedOut));
        QVERIFY(waited >= 140ms);
        QVERIFY(waited < 1500ms);
    }

    void frameTimeoutFiresForAStalledFrame()
    {
        std::optional<StreamResult<syncv1::Envelope>> got;
        m_pair.runServerAgainst(
            [](unsigned short port) {
                auto client = rawClient(port);
                (void)client->writeRaw(frameHeader(100) + "abc");  // a frame begun, never finished
                std::this_thread::sleep_for(1000ms);
            },
            [&](TlsStream &s) -> asio::awaitable<void> { got = co_await s.readFrame(5s, 200ms, {}); });
        QCOMPARE(errorOf(*got), std::optional(StreamError::TimedOut));
    }

    void badFramesFailCleanly_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<int>("expected");
        const auto header = [](std::uint32_t n) { return QByteArray::fromStdString(frameHeader(n)); };
        QTest::newRow("oversized announced") << header(4 * 1024 * 1024 + 1) << int(StreamError::BadFrame);
        QTest::newRow("huge announced") << header(0xffffffffu) << int(StreamError::BadFrame);
        QTest::newRow("empty frame") << header(0) << int(StreamError::BadFrame);
        QTest::newRow("garbage body") << header(6) + QByteArray("\xff\xff\xff\xff\xff\xff", 6)
                                      << int(StreamError::BadFrame);
        QTest::newRow("no message in it") << header(2) + QByteArray("\x78\x01", 2) << int(StreamError::BadFrame);
        QTest::newRow("truncated body") << header(100) + QByteArray("abc") << int(StreamError::Closed);
        QTest::newRow("truncated header") << QByteArray("\x00\x00", 2) << int(StreamError::Closed);
    }
    void badFramesFailCleanly()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(int, expected);
        std::optional<StreamResult<syncv1::Envelope>> got;
        m_pair.runServerAgainst(
            [&](unsigned short port) {
                auto client = rawClient(port);
                (void)client->writeRaw(bytes.toStdString());
                std::this_thread::sleep_for(100ms);
                client->cut();  // no close_notify
            },
            [&](TlsStream &s) -> asio::awaitable<void> { got = co_await s.readFrame(5s, 5s, {}); });
        QVERIFY(got.has_value());
        QVERIFY2(errorOf(*got) == static_cast<StreamError>(expected), messageOf(*got).c_str());
    }

    void smallerLimitRefusesLargerFrame()
    {
        FrameLimits small{1000};
        std::optional<StreamResult<syncv1::Envelope>> got;
        std::optional<Outcome> refusedLocally;
        m_pair.run(
            pinnedClient(), "127.0.0.1",
            [&](TlsStream &s) -> asio::awaitable<void> { got = co_await s.readFrame(5s, 5s, small); },
            [&](TlsStream &s) -> asio::awaitable<void> {
                // The writer refuses before sending a byte under its own limit...
                refusedLocally = co_await s.writeFrame(bigBatch(2000), 5s, small);
                // ...and the reader refuses on the header under its own.
                co_await s.writeFrame(bigBatch(2000), 5s, {});
            });
        QCOMPARE(errorOf(*refusedLocally), std::optional(StreamError::BadFrame));
        QCOMPARE(errorOf(*got), std::optional(StreamError::BadFrame));
    }

    void interruptEndsAnIdleRead()
    {
        auto got = serverReadWith([](TlsStream &s) { s.interruptIdleRead(); });
        QCOMPARE(errorOf(*got), std::optional(StreamError::Cancelled));
    }

    void interruptLetsAFrameUnderWayFinish()
    {
        std::optional<StreamResult<syncv1::Envelope>> got, next;
        m_pair.runServerAgainst(
            [](unsigned short port) {
                auto client = rawClient(port);
                auto frame = *encodeFrame(pullRequest(9));
                (void)client->writeRaw(frame.substr(0, 3));
                std::this_thread::sleep_for(300ms);
                (void)client->writeRaw(frame.substr(3));
                std::this_thread::sleep_for(300ms);
            },
            [&](TlsStream &s) -> asio::awaitable<void> {
                asio::steady_timer timer(s.socket().get_executor(), 150ms);
                timer.async_wait([&s](boost::system::error_code) { s.interruptIdleRead(); });
                got = co_await s.readFrame(5s, 5s, {});
                next = co_await s.readFrame(5s, 5s, {});
            });
        QVERIFY2(got && !errorOf(*got), got ? messageOf(*got).c_str() : "");
        QCOMPARE(std::get<syncv1::Envelope>(*got).pull_request().cursor(), std::uint64_t{9});
        QCOMPARE(errorOf(*next), std::optional(StreamError::Cancelled));
    }

    void closeCancelsAPendingRead()
    {
        auto got = serverReadWith([](TlsStream &s) { s.close(); });
        QCOMPARE(errorOf(*got), std::optional(StreamError::Cancelled));
    }

    void refusalReachesAClientStillSending()
    {
        // The server refuses an oversized frame mid-upload; the refusal must
        // still reach the client despite the bytes it keeps sending.
        std::optional<syncv1::Envelope> received;
        m_pair.runServerAgainst(
            [&](unsigned short port) {
                auto client = rawClient(port);
                // More than the socket buffers hold: the write only ends
                // once the server has read (drained) what it refused.
                const std::uint32_t size = 3 * 1024 * 1024;
                if (client->writeRaw(frameHeader(size) + std::string(size, 'z')))
                    if (auto frame = client->readFrame())
                        received = *frame;
            },
            [&](TlsStream &s) -> asio::awaitable<void> {
                auto r = co_await s.readFrame(5s, 5s, FrameLimits{1024 * 1024});
                if (errorOf(r) == StreamError::BadFrame) {
                    syncv1::Envelope refusal;
                    refusal.mutable_refusal()->set_code(syncv1::Refusal::BAD_FRAME);
                    co_await s.writeFrame(refusal, 2s, {});
                }
                co_await s.shutdown(2s);
            });
        QVERIFY(received.has_value());
        QCOMPARE(received->refusal().code(), syncv1::Refusal::BAD_FRAME);
    }

    void peerCloseIsClosed()
    {
        std::optional<StreamResult<syncv1::Envelope>> got;
        m_pair.run(
            pinnedClient(), "127.0.0.1",
            [&](TlsStream &s) -> asio::awaitable<void> { got = co_await s.readFrame(5s, 5s, {}); },
            [&](TlsStream &s) -> asio::awaitable<void> { co_await s.shutdown(1s); });
        QCOMPARE(errorOf(*got), std::optional(StreamError::Closed));
    }

    void contextsRefuseBadMaterial()
    {
        QCOMPARE(makeServerTlsContext("junk", m_tls.server.privateKeyPem).error().code, ErrorCode::InvalidInput);
        QCOMPARE(makeServerTlsContext(m_tls.server.certificatePem, "junk").error().code, ErrorCode::InvalidInput);
        auto other = issueServerCertificate(m_tls.ca, {"localhost"}, {});
        QVERIFY(other.ok());
        QCOMPARE(makeServerTlsContext(m_tls.server.certificatePem, other->privateKeyPem).error().code,
                 ErrorCode::InvalidInput);
        QCOMPARE(makeClientTlsContext("not a certificate").error().code, ErrorCode::InvalidInput);
        // A chain: the leaf then the CA.
        QVERIFY(makeServerTlsContext(m_tls.server.certificatePem + m_tls.ca.certificatePem, m_tls.server.privateKeyPem)
                    .ok());
    }

    void unusableStreamFailsAsValues()
    {
        asio::io_context ioc;
        std::optional<Outcome> hs;
        std::optional<StreamResult<syncv1::Envelope>> got;
        std::string peer = "unset";
        auto body = [&]() -> asio::awaitable<void> {
            TlsStream stream(tcp::socket(ioc), m_tls.serverContext, TlsStream::Role::Server);
            hs = co_await stream.handshake(1s);
            got = co_await stream.readFrame(1s, 1s, {});
            co_await stream.shutdown(1s);
            peer = stream.peerCertificateSha256() + stream.exportKeyingMaterial("x", 32);
        };
        asio::co_spawn(ioc, body(), asio::detached);
        ioc.run_for(5s);
        QVERIFY(peer.empty());
        QVERIFY(hs && errorOf(*hs).has_value());
        QVERIFY(got && errorOf(*got).has_value());
    }
};

QTEST_GUILESS_MAIN(TestTlsStream)
#include "tst_tlsstream.moc"
