#pragma once

// The device's side of one sync session's transport: TCP connect, TLS,
// framed envelopes, byte counts and cancellation. Private to the sync
// client and enrolment (the two translation units that use Asio on the
// device), so Asio stays out of every other header.

#include "sync/framecodec.h"
#include "sync/serveraddress.h"
#include "sync/tlsstream.h"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace beatbook {

struct SyncTimeouts {
    std::chrono::milliseconds connect{15000};
    std::chrono::milliseconds handshake{15000};
    // Waiting for an answer: the server may group several devices' batches
    // into one durable commit before it answers.
    std::chrono::milliseconds answer{120000};
    std::chrono::milliseconds frame{60000};  // one frame, once it has begun
    std::chrono::milliseconds write{60000};
    std::chrono::milliseconds shutdown{2000};
};

// Why a session ended early.
enum class SessionFailureKind {
    Network,    // connection failed, cut or timed out: worth retrying
    Busy,       // the server asked to come back later: worth retrying
    Tls,        // handshake failure (version, protocol, certificate)
    Pin,        // the certificate is not the one pinned or named by the code
    Protocol,   // the server sent something out of order or malformed
    Refused,    // the server refused the device
    Local,      // the device's own store failed
    Cancelled,  // the user cancelled
};

struct SessionFailure {
    SessionFailureKind kind = SessionFailureKind::Network;
    std::string message;  // one line for the device's user
    syncv1::Refusal::Code refusal = syncv1::Refusal::UNSPECIFIED;
    bool wipe = false;
};

struct TransferCount {
    std::uint64_t bytesSent = 0;
    std::uint64_t bytesReceived = 0;
};

class SyncConnection;

// Cancellation from another thread: the flag is polled on the session's
// own thread, which then closes whatever connection is open, so every
// pending read, write or connect ends at once.
class CancelScope {
public:
    explicit CancelScope(const std::atomic<bool> *flag) : m_flag(flag) {}

    bool requested() const { return m_flag && m_flag->load(); }
    void attach(SyncConnection *connection) { m_connection = connection; }
    void detach(SyncConnection *connection)
    {
        if (m_connection == connection)
            m_connection = nullptr;
    }

    // Runs beside the session until stop().
    boost::asio::awaitable<void> watch();
    void stop();
    // Waits, ending early when cancelled; false when cancelled.
    boost::asio::awaitable<bool> sleep(std::chrono::milliseconds delay);

private:
    const std::atomic<bool> *m_flag = nullptr;
    SyncConnection *m_connection = nullptr;
    bool m_stopped = false;
    boost::asio::steady_timer *m_timer = nullptr;
};

class SyncConnection {
public:
    SyncConnection(boost::asio::any_io_executor executor, SslContextPtr context, const SyncTimeouts &timeouts,
                   const FrameLimits &limits, TransferCount &count, CancelScope &cancel);
    ~SyncConnection();
    SyncConnection(const SyncConnection &) = delete;
    SyncConnection &operator=(const SyncConnection &) = delete;

    // Resolves, connects and completes the TLS 1.3 handshake.
    boost::asio::awaitable<std::optional<SessionFailure>> open(const ServerAddress &address);

    std::string peerCertificateSha256() const;
    std::string exportKeyingMaterial(const std::string &label, std::size_t length) const;

    boost::asio::awaitable<std::optional<SessionFailure>> send(const syncv1::Envelope &envelope);
    // The next envelope; a Refusal arrives as a failure (kind Refused, or
    // Busy for "come back later").
    boost::asio::awaitable<std::variant<syncv1::Envelope, SessionFailure>> receive();
    // Goodbye, then TLS close_notify. Never fails.
    boost::asio::awaitable<void> finish();
    // Closes at once (cancellation).
    void abort();

private:
    SessionFailure failureOf(const StreamFailure &failure) const;

    boost::asio::any_io_executor m_executor;
    SslContextPtr m_context;
    SyncTimeouts m_timeouts;
    FrameLimits m_limits;
    TransferCount &m_count;
    CancelScope &m_cancel;
    std::unique_ptr<boost::asio::ip::tcp::socket> m_socket;  // while connecting
    std::unique_ptr<TlsStream> m_stream;                      // once connected
};

// One line the device's user can act on, for a refusal from the server.
SessionFailure refusalFailure(const syncv1::Refusal &refusal);

// Runs a session coroutine to completion on an io_context of its own, on
// the calling thread: the synchronous face of the client. Outcome must be
// default-constructible; an exception escaping the coroutine becomes
// `onException(what)`.
template <typename Outcome, typename Session, typename OnException>
Outcome runSession(const std::atomic<bool> *cancelFlag, Session &&session, OnException &&onException)
{
    boost::asio::io_context io;
    CancelScope cancel(cancelFlag);
    std::optional<Outcome> outcome;
    std::string failure;
    try {
        boost::asio::co_spawn(io, cancel.watch(), [](std::exception_ptr) {});
        boost::asio::co_spawn(
            io,
            [&]() -> boost::asio::awaitable<Outcome> {
                Outcome result = co_await session(io.get_executor(), cancel);
                cancel.stop();
                co_return result;
            },
            [&](std::exception_ptr error, Outcome result) {
                cancel.stop();
                if (error) {
                    try {
                        std::rethrow_exception(error);
                    } catch (const std::exception &e) {
                        failure = e.what();
                    } catch (...) {
                        failure = "unknown error";
                    }
                } else {
                    outcome = std::move(result);
                }
            });
        io.run();
    } catch (const std::exception &e) {
        failure = e.what();
    }
    if (outcome)
        return std::move(*outcome);
    return onException(failure.empty() ? std::string("the sync session ended unexpectedly") : failure);
}

} // namespace beatbook
