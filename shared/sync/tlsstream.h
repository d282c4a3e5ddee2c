#pragma once

// A TLS 1.3 stream over an Asio TCP socket, driven by OpenSSL directly on
// the socket's descriptor rather than through asio::ssl::stream. Why: the
// server holds thousands of idle sessions, and asio::ssl keeps about 68 KiB
// of fixed buffers per stream; OpenSSL with SSL_MODE_RELEASE_BUFFERS frees
// its record buffers whenever a session is idle. Both the sync server and
// the device's sync client use it, so both sides frame and time out alike.

#include "core/result.h"
#include "sync/framecodec.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <openssl/ssl.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <variant>

namespace beatbook {

// Owns an SSL_CTX; shared by every stream made from it.
struct SslContextDeleter {
    void operator()(SSL_CTX *ctx) const { SSL_CTX_free(ctx); }
};
using SslContextPtr = std::shared_ptr<SSL_CTX>;

// How a stream ended or failed, as values: the network's ordinary failures
// are not exceptional.
enum class StreamError {
    Closed,        // the peer closed the connection (cleanly or not)
    TimedOut,      // no progress within the deadline
    TlsFailure,    // handshake or record layer failure (certificate, version, ALPN)
    BadFrame,      // the peer sent a frame the codec refuses
    Cancelled,     // this side cancelled (shutdown, client cancel)
    Io,            // any other socket error
};

struct StreamFailure {
    StreamError kind = StreamError::Io;
    std::string message;  // for logs and the user: never holds payload data
};

template <typename T>
using StreamResult = std::variant<T, StreamFailure>;

class TlsStream {
public:
    enum class Role { Client, Server };

    TlsStream(boost::asio::ip::tcp::socket socket, SslContextPtr context, Role role);
    ~TlsStream();
    TlsStream(const TlsStream &) = delete;
    TlsStream &operator=(const TlsStream &) = delete;

    // For a client: the server's host name or IP address. A DNS name is
    // sent as SNI; with a CA (makeClientTlsContext(caPem)) the certificate
    // must name it, and the handshake fails when no name was set.
    void setServerName(const std::string &name);

    boost::asio::awaitable<StreamResult<std::monostate>> handshake(std::chrono::milliseconds timeout);

    // Reads one whole frame. The body buffer exists only while a frame is
    // being read. The timeout covers the whole frame once its first byte has
    // arrived; idleTimeout bounds the wait for that first byte.
    boost::asio::awaitable<StreamResult<syncv1::Envelope>> readFrame(std::chrono::milliseconds idleTimeout,
                                                                     std::chrono::milliseconds frameTimeout,
                                                                     const FrameLimits &limits);
    boost::asio::awaitable<StreamResult<std::monostate>> writeFrame(const syncv1::Envelope &envelope,
                                                                    std::chrono::milliseconds timeout,
                                                                    const FrameLimits &limits);

    // TLS close_notify, then closes the socket. Never fails.
    boost::asio::awaitable<void> shutdown(std::chrono::milliseconds timeout);
    // Closes at once; pending operations end with Cancelled.
    void close();
    // Ends a readFrame that is waiting for the first byte of a frame with
    // Cancelled, at once, or the next one that would have to wait. A frame
    // already under way is read whole. Lets a server stop idle sessions
    // without cutting a frame in half. Call on the stream's executor.
    void interruptIdleRead();

    // After the handshake: SHA-256 of the peer's certificate (DER), raw 32
    // bytes; empty when the peer sent none.
    std::string peerCertificateSha256() const;
    // After the handshake: RFC 8446 exported keying material, the value a
    // device signs to prove its identity on this very session.
    std::string exportKeyingMaterial(const std::string &label, std::size_t length) const;
    std::string negotiatedAlpn() const;

    boost::asio::ip::tcp::socket &socket() { return m_socket; }

private:
    // Drives one OpenSSL call to completion on the non-blocking socket,
    // waiting for readiness as OpenSSL asks, until the deadline.
    template <typename Op>
    boost::asio::awaitable<StreamResult<std::size_t>> runSsl(Op op, std::chrono::steady_clock::time_point deadline,
                                                             const char *what);

    boost::asio::ip::tcp::socket m_socket;
    SslContextPtr m_context;
    SSL *m_ssl = nullptr;
    bool m_failed = false;         // a fatal TLS or socket error: no close_notify
    bool m_peerClosed = false;
    bool m_serverNameSet = false;
    bool m_idleWait = false;       // readFrame is waiting for a frame's first byte
    bool m_interruptIdle = false;
};

// TLS 1.3 only, ALPN "beatbook/1" required, SSL_MODE_RELEASE_BUFFERS.
Result<SslContextPtr> makeServerTlsContext(const std::string &certificateChainPem, const std::string &privateKeyPem);
// TLS 1.3 only, ALPN "beatbook/1". No CA check: the client checks the peer
// certificate's fingerprint against the pin itself after the handshake
// (see sync/serverpin.h). caPem, when given, is used instead for CA
// verification (tests; and the check that a wrong CA fails).
Result<SslContextPtr> makeClientTlsContext(const std::string &caPem = {});

} // namespace beatbook
