#include "rawtlsclient.h"

#include "loopbacktcp.h"
#include "signedclienthello.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <array>
#include <cerrno>

namespace beatbook::testing {
namespace {

std::string opensslErrors()
{
    std::string text;
    while (unsigned long code = ERR_get_error()) {
        std::array<char, 256> buffer{};
        ERR_error_string_n(code, buffer.data(), buffer.size());
        text += (text.empty() ? "" : "; ") + std::string(buffer.data());
    }
    return text.empty() ? "no detail from OpenSSL" : text;
}

} // namespace

std::string frameHeader(std::uint32_t length)
{
    return std::string{static_cast<char>((length >> 24) & 0xff), static_cast<char>((length >> 16) & 0xff),
                       static_cast<char>((length >> 8) & 0xff), static_cast<char>(length & 0xff)};
}

RawTlsClient::RawTlsClient(RawTlsOptions options) : m_options(std::move(options)) {}

RawTlsClient::~RawTlsClient()
{
    if (m_ssl != nullptr)
        SSL_free(m_ssl);
    if (m_ctx != nullptr)
        SSL_CTX_free(m_ctx);
    if (m_fd >= 0)
        ::close(m_fd);
}

Status RawTlsClient::connect(std::uint16_t port)
{
    ERR_clear_error();
    m_ctx = SSL_CTX_new(TLS_client_method());
    if (m_ctx == nullptr)
        return Error::io("SSL_CTX_new: " + opensslErrors());
    if (m_options.minVersion != 0)
        SSL_CTX_set_min_proto_version(m_ctx, m_options.minVersion);
    if (m_options.maxVersion != 0)
        SSL_CTX_set_max_proto_version(m_ctx, m_options.maxVersion);
    if (m_options.alpn) {
        static const unsigned char alpn[] = {10, 'b', 'e', 'a', 't', 'b', 'o', 'o', 'k', '/', '1'};
        SSL_CTX_set_alpn_protos(m_ctx, alpn, sizeof alpn);
    }
    if (!m_options.caPem.empty()) {
        BIO *bio = BIO_new_mem_buf(m_options.caPem.data(), static_cast<int>(m_options.caPem.size()));
        X509 *ca = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
        BIO_free(bio);
        if (ca == nullptr)
            return Error::invalid("the CA PEM does not parse: " + opensslErrors());
        X509_STORE_add_cert(SSL_CTX_get_cert_store(m_ctx), ca);
        X509_free(ca);
        SSL_CTX_set_verify(m_ctx, SSL_VERIFY_PEER, nullptr);
    }

    m_fd = connectLoopbackTcp(port);
    if (m_fd < 0)
        return Error::io("cannot connect to 127.0.0.1:" + std::to_string(port));
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(m_options.timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((m_options.timeout.count() % 1000) * 1000);
    ::setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(m_fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);

    m_ssl = SSL_new(m_ctx);
    SSL_set_fd(m_ssl, m_fd);
    if (!m_options.serverName.empty()) {
        // SSL_set_tlsext_host_name, without the macro's C cast.
        SSL_ctrl(m_ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char *>(m_options.serverName.c_str()));
        if (!m_options.caPem.empty())
            SSL_set1_host(m_ssl, m_options.serverName.c_str());
    }
    if (SSL_connect(m_ssl) != 1) {
        std::string why = opensslErrors();
        if (!m_options.caPem.empty() && SSL_get_verify_result(m_ssl) != X509_V_OK)
            why += " (verify: " + std::string(X509_verify_cert_error_string(SSL_get_verify_result(m_ssl))) + ")";
        return Error::io("TLS handshake failed: " + why);
    }
    return {};
}

Status RawTlsClient::writeRaw(const std::string &bytes)
{
    if (m_ssl == nullptr)
        return Error::io("not connected");
    std::size_t written = 0;
    if (SSL_write_ex(m_ssl, bytes.data(), bytes.size(), &written) != 1 || written != bytes.size())
        return Error::io("write failed: " + opensslErrors());
    return {};
}

Status RawTlsClient::writeFrame(const syncv1::Envelope &envelope)
{
    auto frame = encodeFrame(envelope);
    if (!frame)
        return frame.error();
    return writeRaw(*frame);
}

Status RawTlsClient::readExactly(char *out, std::size_t n)
{
    std::size_t got = 0;
    while (got < n) {
        std::size_t part = 0;
        if (SSL_read_ex(m_ssl, out + got, n - got, &part) != 1) {
            const int error = SSL_get_error(m_ssl, 0);
            if (error == SSL_ERROR_ZERO_RETURN || (error == SSL_ERROR_SYSCALL && got == 0))
                return Error::io("closed");
            return Error::io("read failed (SSL error " + std::to_string(error) + "): " + opensslErrors());
        }
        got += part;
    }
    return {};
}

Result<syncv1::Envelope> RawTlsClient::readFrame()
{
    if (m_ssl == nullptr)
        return Error::io("not connected");
    std::array<std::uint8_t, kFrameHeaderBytes> header{};
    if (auto ok = readExactly(reinterpret_cast<char *>(header.data()), header.size()); !ok)
        return ok.error();
    auto size = frameBodySize(header);
    if (!size)
        return size.error();
    std::string body(*size, '\0');
    if (auto ok = readExactly(body.data(), body.size()); !ok)
        return ok.error();
    return decodeFrameBody(
        std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t *>(body.data()), body.size()));
}

bool RawTlsClient::waitForClose()
{
    if (m_ssl == nullptr)
        return true;
    char byte = 0;
    std::size_t part = 0;
    if (SSL_read_ex(m_ssl, &byte, 1, &part) == 1)
        return false;
    const int error = SSL_get_error(m_ssl, 0);
    // A timeout shows as a syscall error with EAGAIN; anything else ended
    // the connection.
    return !(error == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK));
}

void RawTlsClient::cut()
{
    if (m_fd >= 0)
        ::shutdown(m_fd, SHUT_RDWR);
}

void RawTlsClient::close()
{
    if (m_ssl != nullptr) {
        SSL_shutdown(m_ssl);
        SSL_free(m_ssl);
        m_ssl = nullptr;
    }
    if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
    }
}

Result<syncv1::Envelope> RawTlsClient::signIn(const std::string &deviceId, const std::string &privateKey)
{
    const std::string material = exportKeyingMaterial(kDeviceAuthLabel, kDeviceAuthBytes);
    if (material.size() != kDeviceAuthBytes)
        return Error::io("no keying material from this session");
    auto hello = signedClientHello(deviceId, privateKey, material);
    if (!hello)
        return hello.error();
    if (auto ok = writeFrame(*hello); !ok)
        return ok.error();
    return readFrame();
}

std::string RawTlsClient::negotiatedAlpn() const
{
    if (m_ssl == nullptr)
        return {};
    const unsigned char *data = nullptr;
    unsigned int length = 0;
    SSL_get0_alpn_selected(m_ssl, &data, &length);
    return data ? std::string(reinterpret_cast<const char *>(data), length) : std::string();
}

std::string RawTlsClient::negotiatedVersion() const { return m_ssl ? SSL_get_version(m_ssl) : ""; }

std::string RawTlsClient::exportKeyingMaterial(const std::string &label, std::size_t length) const
{
    if (m_ssl == nullptr)
        return {};
    std::string out(length, '\0');
    if (SSL_export_keying_material(m_ssl, reinterpret_cast<unsigned char *>(out.data()), length, label.data(),
                                   label.size(), nullptr, 0, 0)
        != 1)
        return {};
    return out;
}

} // namespace beatbook::testing
