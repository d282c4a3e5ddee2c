#include "sync/syncconnection_p.h"

#include "core/text.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace beatbook {
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

constexpr std::chrono::milliseconds kCancelPoll{50};

// Text from the server shown to the user: one readable line, bounded.
std::string serverText(const std::string &text)
{
    std::string line = text.substr(0, 300);
    while (!line.empty() && !isValidUtf8(line))
        line.pop_back();
    for (char &c : line)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            c = ' ';
    return collapseSpaces(line);
}

std::size_t frameBytes(const syncv1::Envelope &envelope) { return envelope.ByteSizeLong() + kFrameHeaderBytes; }

} // namespace

asio::awaitable<void> CancelScope::watch()
{
    asio::steady_timer timer(co_await asio::this_coro::executor);
    m_timer = &timer;
    while (!m_stopped) {
        if (requested() && m_connection)
            m_connection->abort();
        timer.expires_after(kCancelPoll);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    m_timer = nullptr;
}

void CancelScope::stop()
{
    m_stopped = true;
    if (m_timer)
        m_timer->cancel();
}

asio::awaitable<bool> CancelScope::sleep(std::chrono::milliseconds delay)
{
    asio::steady_timer timer(co_await asio::this_coro::executor);
    const auto until = std::chrono::steady_clock::now() + delay;
    while (std::chrono::steady_clock::now() < until) {
        if (requested())
            co_return false;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
        timer.expires_after(std::clamp(left, std::chrono::milliseconds(1), kCancelPoll));
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    co_return !requested();
}

SyncConnection::SyncConnection(asio::any_io_executor executor, SslContextPtr context, const SyncTimeouts &timeouts,
                               const FrameLimits &limits, TransferCount &count, CancelScope &cancel)
    : m_executor(std::move(executor)), m_context(std::move(context)), m_timeouts(timeouts), m_limits(limits),
      m_count(count), m_cancel(cancel)
{
    m_cancel.attach(this);
}

SyncConnection::~SyncConnection() { m_cancel.detach(this); }

void SyncConnection::abort()
{
    if (m_stream)
        m_stream->close();
    if (m_socket) {
        boost::system::error_code ignored;
        m_socket->close(ignored);
    }
}

asio::awaitable<std::optional<SessionFailure>> SyncConnection::open(const ServerAddress &address)
{
    const std::string where = address.text();
    tcp::resolver resolver(m_executor);
    m_socket = std::make_unique<tcp::socket>(m_executor);
    // One deadline for name lookup and connect; on expiry it cancels both.
    // Its handler may already be queued when the connect completes, and then
    // runs later: it touches nothing once `done` is set.
    struct Deadline {
        bool done = false;
        bool timedOut = false;
    };
    auto state = std::make_shared<Deadline>();
    asio::steady_timer deadline(m_executor, m_timeouts.connect);
    deadline.async_wait([state, &resolver, socket = m_socket.get()](const boost::system::error_code &error) {
        if (error || state->done)
            return;
        state->timedOut = true;
        resolver.cancel();
        boost::system::error_code ignored;
        socket->close(ignored);
    });
    const bool *timedOut = &state->timedOut;
    auto [resolveError, endpoints] =
        co_await resolver.async_resolve(address.host, std::to_string(address.port), asio::as_tuple(asio::use_awaitable));
    if (resolveError) {
        state->done = true;
        deadline.cancel();
        if (m_cancel.requested())
            co_return SessionFailure{SessionFailureKind::Cancelled, "sync cancelled"};
        co_return SessionFailure{SessionFailureKind::Network,
                                 *timedOut ? "could not find the sync server " + where + " in time"
                                           : "could not find the sync server " + where + ": " + resolveError.message()};
    }
    auto [connectError, endpoint] =
        co_await asio::async_connect(*m_socket, endpoints, asio::as_tuple(asio::use_awaitable));
    state->done = true;
    deadline.cancel();
    if (m_cancel.requested())
        co_return SessionFailure{SessionFailureKind::Cancelled, "sync cancelled"};
    if (connectError || *timedOut)
        co_return SessionFailure{SessionFailureKind::Network,
                                 *timedOut ? "the sync server " + where + " did not answer in time"
                                           : "could not connect to the sync server " + where + ": "
                                               + connectError.message()};
    (void)endpoint;

    boost::system::error_code ignored;
    m_socket->set_option(tcp::no_delay(true), ignored);
    m_stream = std::make_unique<TlsStream>(std::move(*m_socket), m_context, TlsStream::Role::Client);
    m_socket.reset();
    m_stream->setServerName(address.host);
    auto shaken = co_await m_stream->handshake(m_timeouts.handshake);
    if (auto *failed = std::get_if<StreamFailure>(&shaken))
        co_return failureOf(*failed);
    co_return std::nullopt;
}

std::string SyncConnection::peerCertificateSha256() const
{
    return m_stream ? m_stream->peerCertificateSha256() : std::string();
}

std::string SyncConnection::exportKeyingMaterial(const std::string &label, std::size_t length) const
{
    return m_stream ? m_stream->exportKeyingMaterial(label, length) : std::string();
}

SessionFailure SyncConnection::failureOf(const StreamFailure &failure) const
{
    if (m_cancel.requested())
        return {SessionFailureKind::Cancelled, "sync cancelled"};
    switch (failure.kind) {
    case StreamError::TlsFailure:
        return {SessionFailureKind::Tls, "secure connection to the sync server failed: " + failure.message};
    case StreamError::BadFrame:
        return {SessionFailureKind::Protocol, "the sync server sent a malformed message: " + failure.message};
    case StreamError::Cancelled:
    case StreamError::Closed:
    case StreamError::TimedOut:
    case StreamError::Io:
        break;
    }
    return {SessionFailureKind::Network, "the connection to the sync server failed: " + failure.message};
}

asio::awaitable<std::optional<SessionFailure>> SyncConnection::send(const syncv1::Envelope &envelope)
{
    if (!m_stream)
        co_return SessionFailure{SessionFailureKind::Network, "not connected to the sync server"};
    auto written = co_await m_stream->writeFrame(envelope, m_timeouts.write, m_limits);
    if (auto *failed = std::get_if<StreamFailure>(&written))
        co_return failureOf(*failed);
    m_count.bytesSent += frameBytes(envelope);
    co_return std::nullopt;
}

asio::awaitable<std::variant<syncv1::Envelope, SessionFailure>> SyncConnection::receive()
{
    if (!m_stream)
        co_return SessionFailure{SessionFailureKind::Network, "not connected to the sync server"};
    auto read = co_await m_stream->readFrame(m_timeouts.answer, m_timeouts.frame, m_limits);
    if (auto *failed = std::get_if<StreamFailure>(&read))
        co_return failureOf(*failed);
    auto &envelope = std::get<syncv1::Envelope>(read);
    m_count.bytesReceived += frameBytes(envelope);
    if (envelope.has_refusal())
        co_return refusalFailure(envelope.refusal());
    co_return std::move(envelope);
}

asio::awaitable<void> SyncConnection::finish()
{
    if (!m_stream)
        co_return;
    syncv1::Envelope goodbye;
    goodbye.mutable_goodbye();
    auto written = co_await m_stream->writeFrame(goodbye, m_timeouts.shutdown, m_limits);
    if (std::holds_alternative<std::monostate>(written))
        m_count.bytesSent += frameBytes(goodbye);
    co_await m_stream->shutdown(m_timeouts.shutdown);
}

SessionFailure refusalFailure(const syncv1::Refusal &refusal)
{
    const std::string said = serverText(refusal.message());
    const std::string suffix = said.empty() ? std::string() : " (the server said: " + said + ")";
    SessionFailure failure{SessionFailureKind::Refused, {}, refusal.code(), refusal.wipe()};
    switch (refusal.code()) {
    case syncv1::Refusal::VERSION_TOO_OLD:
        failure.message = "this app is too old for the sync server: update Beatbook" + suffix;
        break;
    case syncv1::Refusal::VERSION_TOO_NEW:
        failure.message = "the sync server is older than this app: the server must be updated first" + suffix;
        break;
    // For these the device's own words say it all; the server's would repeat them.
    case syncv1::Refusal::UNAUTHENTICATED:
        failure.message = "the sync server does not recognise this device: enrol it again";
        break;
    case syncv1::Refusal::DEVICE_REVOKED:
        failure.message = "an administrator revoked this device";
        break;
    case syncv1::Refusal::USER_DISABLED:
        failure.message = "this user is disabled on the sync server: ask an administrator";
        break;
    case syncv1::Refusal::ENROLMENT_REFUSED:
        failure.message = "the enrolment code was refused (unknown, already used or expired): ask for a new code";
        break;
    case syncv1::Refusal::SERVER_BUSY:
    case syncv1::Refusal::SHUTTING_DOWN:
    case syncv1::Refusal::TIMEOUT:
        failure.kind = SessionFailureKind::Busy;
        failure.message = "the sync server asked to try again later" + suffix;
        break;
    default:
        failure.message = "the sync server refused the session" + suffix;
        break;
    }
    return failure;
}

} // namespace beatbook
