#include "sync/tlsstream.h"

#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <limits>
#include <mutex>

namespace beatbook {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// ALPN wire form: one length byte, then the name.
constexpr unsigned char kAlpnWire[] = {10, 'b', 'e', 'a', 't', 'b', 'o', 'o', 'k', '/', '1'};
static_assert(sizeof kAlpnWire == 11);

// When the peer has already sent data after our close_notify, closing the
// socket at once makes the kernel answer with a reset, and the reset can
// destroy our last frame (a Refusal) before the peer reads it. Draining the
// peer's bytes for a moment lets the refusal arrive; the cap keeps a peer
// that never stops from holding the session open.
constexpr std::size_t kMaxDrainBytes = 8 * 1024 * 1024;

// OpenSSL writes to the socket with write(2): a peer that has gone away
// would raise SIGPIPE and end the whole process. Nothing in Beatbook wants
// that signal, so contexts switch it off for the process once.
void ignoreSigpipe()
{
    static std::once_flag once;
    std::call_once(once, [] { std::signal(SIGPIPE, SIG_IGN); });
}

std::string opensslReason()
{
    const unsigned long code = ERR_peek_last_error();
    ERR_clear_error();
    if (code == 0)
        return "unknown TLS error";
    const char *reason = ERR_reason_error_string(code);
    return reason != nullptr ? reason : "unknown TLS error";
}

StreamFailure failure(StreamError kind, std::string message) { return {kind, std::move(message)}; }

int alpnSelect(SSL *, const unsigned char **out, unsigned char *outlen, const unsigned char *in, unsigned int inlen,
               void *)
{
    // Walk the client's list: only "beatbook/1" is spoken here, and a client
    // that offers nothing else is refused at the handshake with
    // no_application_protocol rather than talked to in a language it did not ask for.
    unsigned int i = 0;
    while (i < inlen) {
        const unsigned int length = in[i];
        if (i + 1 + length > inlen)
            break;
        if (length + 1 == sizeof kAlpnWire && std::memcmp(in + i, kAlpnWire, sizeof kAlpnWire) == 0) {
            *out = in + i + 1;
            *outlen = static_cast<unsigned char>(length);
            return SSL_TLSEXT_ERR_OK;
        }
        i += 1 + length;
    }
    return SSL_TLSEXT_ERR_ALERT_FATAL;
}

Result<SslContextPtr> newContext(const SSL_METHOD *method)
{
    ignoreSigpipe();
    SSL_CTX *raw = SSL_CTX_new(method);
    if (raw == nullptr)
        return Error::io("Could not create a TLS context: " + opensslReason());
    SslContextPtr ctx(raw, SslContextDeleter{});
    if (SSL_CTX_set_min_proto_version(raw, TLS1_3_VERSION) != 1
        || SSL_CTX_set_max_proto_version(raw, TLS1_3_VERSION) != 1)
        return Error::io("Could not restrict the TLS context to TLS 1.3.");
    // Idle sessions give their record buffers back; thousands of them
    // otherwise hold about 34 KiB each.
    SSL_CTX_set_mode(raw, SSL_MODE_RELEASE_BUFFERS);
    // Every connection authenticates afresh (the device signs this session's
    // keying material), so session resumption buys nothing.
    SSL_CTX_set_session_cache_mode(raw, SSL_SESS_CACHE_OFF);
    return ctx;
}

Result<std::vector<X509 *>> readCertificates(const std::string &pem)
{
    std::vector<X509 *> certs;
    if (pem.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        return Error::invalid("The certificate text is too large.");
    BIO *bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    if (bio == nullptr)
        return Error::io("Could not read the certificates.");
    while (X509 *cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr))
        certs.push_back(cert);
    BIO_free(bio);
    ERR_clear_error();  // the loop ends on a "no start line" error
    if (certs.empty())
        return Error::invalid("The certificate text holds no PEM certificate.");
    return certs;
}

void freeCertificates(std::vector<X509 *> &certs)
{
    for (X509 *cert : certs)
        X509_free(cert);
    certs.clear();
}

bool looksLikeIpAddress(const std::string &name)
{
    ASN1_OCTET_STRING *ip = a2i_IPADDRESS(name.c_str());
    ERR_clear_error();
    if (ip == nullptr)
        return false;
    ASN1_OCTET_STRING_free(ip);
    return true;
}

enum class WaitOutcome { Ready, TimedOut, Cancelled, Failed };

// Waits for the socket to become readable or writable, or for the deadline,
// whichever comes first. No exceptions: results come back as values.
asio::awaitable<WaitOutcome> waitSocket(tcp::socket &socket, tcp::socket::wait_type what, Clock::time_point deadline)
{
    if (!socket.is_open())
        co_return WaitOutcome::Cancelled;
    asio::steady_timer timer(socket.get_executor(), deadline);
    auto [order, waitError, timerError] =
        co_await asio::experimental::make_parallel_group(socket.async_wait(what, asio::deferred),
                                                         timer.async_wait(asio::deferred))
            .async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
    if (order[0] == 1)
        co_return timerError ? WaitOutcome::Cancelled : WaitOutcome::TimedOut;
    if (!waitError)
        co_return WaitOutcome::Ready;
    if (waitError == asio::error::operation_aborted)
        co_return WaitOutcome::Cancelled;
    co_return WaitOutcome::Failed;
}

} // namespace

// ---------------------------------------------------------------------------

TlsStream::TlsStream(tcp::socket socket, SslContextPtr context, Role role)
    : m_socket(std::move(socket)), m_context(std::move(context))
{
    boost::system::error_code ec;
    m_socket.non_blocking(true, ec);
    // Frames are request and answer: Nagle's delay would only add latency.
    m_socket.set_option(tcp::no_delay(true), ec);
    if (m_context && m_socket.is_open())
        m_ssl = SSL_new(m_context.get());
    if (m_ssl != nullptr) {
        if (m_socket.native_handle() > std::numeric_limits<int>::max()
            || SSL_set_fd(m_ssl, static_cast<int>(m_socket.native_handle())) != 1) {
            SSL_free(m_ssl);
            m_ssl = nullptr;
        } else if (role == Role::Client) {
            SSL_set_connect_state(m_ssl);
        } else {
            SSL_set_accept_state(m_ssl);
        }
    }
    ERR_clear_error();
}

TlsStream::~TlsStream()
{
    if (m_ssl != nullptr)
        SSL_free(m_ssl);
}

void TlsStream::setServerName(const std::string &name)
{
    if (m_ssl == nullptr || name.empty())
        return;
    if (looksLikeIpAddress(name)) {
        // No SNI for addresses (RFC 6066); the certificate must name the IP.
        m_serverNameSet = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(m_ssl), name.c_str()) == 1;
    } else {
        // SSL_set_tlsext_host_name, without the macro's C cast.
        SSL_ctrl(m_ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char *>(name.c_str()));
        m_serverNameSet = SSL_set1_host(m_ssl, name.c_str()) == 1;
    }
    ERR_clear_error();
}

template <typename Op>
asio::awaitable<StreamResult<std::size_t>> TlsStream::runSsl(Op op, std::chrono::steady_clock::time_point deadline,
                                                              const char *what)
{
    for (;;) {
        if (m_ssl == nullptr || !m_socket.is_open())
            co_return failure(StreamError::Cancelled, std::string(what) + ": the connection is closed");
        ERR_clear_error();
        std::size_t done = 0;
        const int rc = op(done);
        if (rc == 1)
            co_return done;
        const int error = SSL_get_error(m_ssl, rc);
        tcp::socket::wait_type waitFor = tcp::socket::wait_read;
        switch (error) {
        case SSL_ERROR_WANT_READ:
            waitFor = tcp::socket::wait_read;
            break;
        case SSL_ERROR_WANT_WRITE:
            waitFor = tcp::socket::wait_write;
            break;
        case SSL_ERROR_ZERO_RETURN:
            m_peerClosed = true;
            co_return failure(StreamError::Closed, std::string(what) + ": the peer closed the connection");
        case SSL_ERROR_SYSCALL: {
            const int sysErrno = errno;
            m_failed = true;
            ERR_clear_error();
            if (sysErrno == 0 || sysErrno == ECONNRESET || sysErrno == EPIPE)
                co_return failure(StreamError::Closed, std::string(what) + ": the connection was cut");
            co_return failure(StreamError::Io, std::string(what) + ": " + std::strerror(sysErrno));
        }
        case SSL_ERROR_SSL: {
            m_failed = true;
            const unsigned long code = ERR_peek_last_error();
            if (ERR_GET_LIB(code) == ERR_LIB_SSL && ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
                ERR_clear_error();
                co_return failure(StreamError::Closed, std::string(what) + ": the connection was cut");
            }
            std::string message = std::string(what) + " failed: " + opensslReason();
            const long verify = SSL_get_verify_result(m_ssl);
            if (verify != X509_V_OK)
                message += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
            co_return failure(StreamError::TlsFailure, std::move(message));
        }
        default:
            m_failed = true;
            co_return failure(StreamError::TlsFailure, std::string(what) + " failed: " + opensslReason());
        }
        const bool idle = m_idleWait;
        if (idle && m_interruptIdle)
            co_return failure(StreamError::Cancelled, "the session was asked to stop");
        const WaitOutcome outcome = co_await waitSocket(m_socket, waitFor, deadline);
        if (idle && m_interruptIdle)
            co_return failure(StreamError::Cancelled, "the session was asked to stop");
        switch (outcome) {
        case WaitOutcome::Ready:
            break;
        case WaitOutcome::TimedOut:
            co_return failure(StreamError::TimedOut, std::string(what) + ": timed out");
        case WaitOutcome::Cancelled:
            co_return failure(StreamError::Cancelled, std::string(what) + ": cancelled");
        case WaitOutcome::Failed:
            m_failed = true;
            co_return failure(StreamError::Io, std::string(what) + ": the socket failed");
        }
    }
}

asio::awaitable<StreamResult<std::monostate>> TlsStream::handshake(std::chrono::milliseconds timeout)
{
    const auto deadline = Clock::now() + timeout;
    // A CA check without a name would accept any certificate the CA ever
    // issued, for any host: refuse to start rather than half-verify.
    if (m_ssl != nullptr && SSL_is_server(m_ssl) == 0 && (SSL_get_verify_mode(m_ssl) & SSL_VERIFY_PEER) != 0
        && !m_serverNameSet) {
        m_failed = true;
        co_return failure(StreamError::TlsFailure,
                          "TLS handshake not started: no server name to check the certificate against");
    }
    auto result = co_await runSsl(
        [this](std::size_t &) { return SSL_do_handshake(m_ssl); }, deadline,
        "TLS handshake");
    if (auto *f = std::get_if<StreamFailure>(&result)) {
        // A client that drops the connection mid-handshake (a TLS 1.2-only
        // client refused by version, a client that distrusts the
        // certificate) failed the handshake as far as the server cares.
        // For a client, a connection cut mid-handshake is the network's
        // doing (and retried), not a TLS failure.
        if (f->kind == StreamError::Closed && SSL_is_server(m_ssl) == 1)
            f->kind = StreamError::TlsFailure;
        co_return std::move(*f);
    }
    if (SSL_version(m_ssl) != TLS1_3_VERSION) {
        m_failed = true;
        co_return failure(StreamError::TlsFailure, "TLS handshake failed: the peer did not speak TLS 1.3");
    }
    if (negotiatedAlpn() != kSyncAlpn) {
        m_failed = true;
        co_return failure(StreamError::TlsFailure,
                          std::string("TLS handshake failed: the peer does not speak the ") + kSyncAlpn + " protocol");
    }
    co_return std::monostate{};
}

asio::awaitable<StreamResult<syncv1::Envelope>> TlsStream::readFrame(std::chrono::milliseconds idleTimeout,
                                                                     std::chrono::milliseconds frameTimeout,
                                                                     const FrameLimits &limits)
{
    std::array<std::uint8_t, kFrameHeaderBytes> header{};
    std::size_t have = 0;
    auto deadline = Clock::now() + idleTimeout;
    m_idleWait = true;
    while (have < header.size()) {
        auto part = co_await runSsl(
            [this, &header, have](std::size_t &done) {
                return SSL_read_ex(m_ssl, header.data() + have, header.size() - have, &done);
            },
            deadline, have == 0 ? "waiting for a frame" : "reading a frame");
        if (auto *f = std::get_if<StreamFailure>(&part)) {
            m_idleWait = false;
            co_return std::move(*f);
        }
        if (have == 0) {
            // The first byte is here: from now on the frame as a whole must
            // arrive within its own time.
            m_idleWait = false;
            deadline = Clock::now() + frameTimeout;
        }
        have += std::get<std::size_t>(part);
    }
    auto size = frameBodySize(header, limits);
    if (!size)
        co_return failure(StreamError::BadFrame, size.error().message);
    // The only buffer a session holds: allocated for this frame, freed with it.
    std::string body(*size, '\0');
    std::size_t got = 0;
    while (got < body.size()) {
        auto part = co_await runSsl(
            [this, &body, got](std::size_t &done) {
                return SSL_read_ex(m_ssl, body.data() + got, body.size() - got, &done);
            },
            deadline, "reading a frame");
        if (auto *f = std::get_if<StreamFailure>(&part)) {
            if (f->kind == StreamError::Closed)
                f->message = "the connection ended in the middle of a frame";
            co_return std::move(*f);
        }
        got += std::get<std::size_t>(part);
    }
    auto envelope = decodeFrameBody(
        std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t *>(body.data()), body.size()));
    if (!envelope)
        co_return failure(StreamError::BadFrame, envelope.error().message);
    co_return std::move(*envelope);
}

asio::awaitable<StreamResult<std::monostate>> TlsStream::writeFrame(const syncv1::Envelope &envelope,
                                                                    std::chrono::milliseconds timeout,
                                                                    const FrameLimits &limits)
{
    auto frame = encodeFrame(envelope, limits);
    if (!frame)
        co_return failure(StreamError::BadFrame, frame.error().message);
    const auto deadline = Clock::now() + timeout;
    std::size_t sent = 0;
    while (sent < frame->size()) {
        auto part = co_await runSsl(
            [this, &frame, sent](std::size_t &done) {
                return SSL_write_ex(m_ssl, frame->data() + sent, frame->size() - sent, &done);
            },
            deadline, "sending a frame");
        if (auto *f = std::get_if<StreamFailure>(&part))
            co_return std::move(*f);
        sent += std::get<std::size_t>(part);
    }
    co_return std::monostate{};
}

asio::awaitable<void> TlsStream::shutdown(std::chrono::milliseconds timeout)
{
    const auto deadline = Clock::now() + timeout;
    if (m_ssl != nullptr && m_socket.is_open() && !m_failed && SSL_is_init_finished(m_ssl) == 1) {
        // Send our close_notify; waiting for the peer's adds nothing.
        co_await runSsl([this](std::size_t &) {
                            const int rc = SSL_shutdown(m_ssl);
                            return rc >= 0 ? 1 : rc;
                        }, deadline,
                        "closing the connection");
    }
    if (m_socket.is_open()) {
        boost::system::error_code ec;
        m_socket.shutdown(tcp::socket::shutdown_send, ec);
        // Read and drop what the peer still sends until it closes too, so
        // the last frame we sent is not lost to a reset.
        std::array<char, 1024> sink{};
        std::size_t drained = 0;
        while (m_socket.is_open() && drained < kMaxDrainBytes) {
            const std::size_t n = m_socket.read_some(asio::buffer(sink), ec);
            if (ec == asio::error::would_block) {
                if (co_await waitSocket(m_socket, tcp::socket::wait_read, deadline) != WaitOutcome::Ready)
                    break;
                continue;
            }
            if (ec)
                break;
            drained += n;
        }
    }
    close();
}

void TlsStream::close()
{
    boost::system::error_code ec;
    if (m_socket.is_open())
        m_socket.close(ec);
}

void TlsStream::interruptIdleRead()
{
    m_interruptIdle = true;
    if (m_idleWait) {
        boost::system::error_code ec;
        m_socket.cancel(ec);
    }
}

std::string TlsStream::peerCertificateSha256() const
{
    if (m_ssl == nullptr)
        return {};
    X509 *cert = SSL_get0_peer_certificate(m_ssl);
    if (cert == nullptr)
        return {};
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (X509_digest(cert, EVP_sha256(), digest.data(), &length) != 1)
        return {};
    return std::string(reinterpret_cast<const char *>(digest.data()), length);
}

std::string TlsStream::exportKeyingMaterial(const std::string &label, std::size_t length) const
{
    if (m_ssl == nullptr || length == 0 || SSL_is_init_finished(m_ssl) != 1)
        return {};
    std::string out(length, '\0');
    if (SSL_export_keying_material(m_ssl, reinterpret_cast<unsigned char *>(out.data()), out.size(), label.data(),
                                   label.size(), nullptr, 0, 0)
        != 1) {
        ERR_clear_error();
        return {};
    }
    return out;
}

std::string TlsStream::negotiatedAlpn() const
{
    if (m_ssl == nullptr)
        return {};
    const unsigned char *data = nullptr;
    unsigned int length = 0;
    SSL_get0_alpn_selected(m_ssl, &data, &length);
    if (data == nullptr)
        return {};
    return std::string(reinterpret_cast<const char *>(data), length);
}

// ---------------------------------------------------------------------------

Result<SslContextPtr> makeServerTlsContext(const std::string &certificateChainPem, const std::string &privateKeyPem)
{
    auto ctx = newContext(TLS_server_method());
    if (!ctx)
        return ctx.error();
    SSL_CTX *raw = ctx->get();
    // Session tickets would only serve resumption, which is off.
    SSL_CTX_set_num_tickets(raw, 0);
    SSL_CTX_set_alpn_select_cb(raw, alpnSelect, nullptr);

    auto certs = readCertificates(certificateChainPem);
    if (!certs)
        return Error::invalid("The server certificate is unreadable: " + certs.error().message);
    bool ok = SSL_CTX_use_certificate(raw, certs->front()) == 1;
    for (std::size_t i = 1; ok && i < certs->size(); ++i)
        ok = SSL_CTX_add1_chain_cert(raw, (*certs)[i]) == 1;
    freeCertificates(*certs);
    if (!ok)
        return Error::invalid("The server certificate cannot be used: " + opensslReason());

    if (privateKeyPem.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        return Error::invalid("The server key text is too large.");
    BIO *bio = BIO_new_mem_buf(privateKeyPem.data(), static_cast<int>(privateKeyPem.size()));
    EVP_PKEY *key =
        bio != nullptr ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, const_cast<char *>("")) : nullptr;
    BIO_free(bio);
    if (key == nullptr) {
        ERR_clear_error();
        return Error::invalid("The server key is not a valid unencrypted PEM key.");
    }
    ok = SSL_CTX_use_PrivateKey(raw, key) == 1 && SSL_CTX_check_private_key(raw) == 1;
    EVP_PKEY_free(key);
    if (!ok) {
        ERR_clear_error();
        return Error::invalid("The server key does not belong to the server certificate.");
    }
    return ctx;
}

Result<SslContextPtr> makeClientTlsContext(const std::string &caPem)
{
    auto ctx = newContext(TLS_client_method());
    if (!ctx)
        return ctx.error();
    SSL_CTX *raw = ctx->get();
    // Note the inverted convention: 0 is success here.
    if (SSL_CTX_set_alpn_protos(raw, kAlpnWire, sizeof kAlpnWire) != 0)
        return Error::io("Could not set the TLS application protocol.");
    if (caPem.empty()) {
        // The caller pins the certificate's fingerprint after the handshake.
        SSL_CTX_set_verify(raw, SSL_VERIFY_NONE, nullptr);
        return ctx;
    }
    auto certs = readCertificates(caPem);
    if (!certs)
        return Error::invalid("The CA certificate is unreadable: " + certs.error().message);
    X509_STORE *store = SSL_CTX_get_cert_store(raw);
    bool ok = true;
    for (X509 *cert : *certs)
        ok = ok && X509_STORE_add_cert(store, cert) == 1;
    freeCertificates(*certs);
    if (!ok)
        return Error::invalid("The CA certificate cannot be used: " + opensslReason());
    SSL_CTX_set_verify(raw, SSL_VERIFY_PEER, nullptr);
    return ctx;
}

} // namespace beatbook
