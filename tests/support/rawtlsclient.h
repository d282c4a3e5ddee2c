#pragma once

#include "core/result.h"
#include "sync/framecodec.h"

#include <openssl/ssl.h>

#include <chrono>
#include <cstdint>
#include <string>


namespace beatbook::testing {

// How a RawTlsClient connects: the TLS versions it offers, whether it asks
// for the beatbook ALPN, and the CA it verifies the server against (none:
// no verification, as a device relies on its pin instead).
struct RawTlsOptions {
    int minVersion = 0;   // TLS1_2_VERSION, TLS1_3_VERSION; 0: OpenSSL's default
    int maxVersion = 0;
    bool alpn = true;
    std::string caPem;
    std::string serverName = "localhost";
    std::chrono::milliseconds timeout{30000};

    // Offering exactly these versions, with the defaults otherwise.
    static RawTlsOptions versions(int min, int max)
    {
        RawTlsOptions options;
        options.minVersion = min;
        options.maxVersion = max;
        return options;
    }
};

// A blocking OpenSSL client with no protocol of its own: it writes whatever
// bytes a test gives it, so tests can send what no real device would
// (garbage, a frame cut short, a length over the limit), offer old TLS
// versions, or sign in with a device's key by hand. Every read is bounded
// by the timeout.
class RawTlsClient {
public:
    explicit RawTlsClient(RawTlsOptions options = {});
    ~RawTlsClient();
    RawTlsClient(const RawTlsClient &) = delete;
    RawTlsClient &operator=(const RawTlsClient &) = delete;

    // TCP connect and the TLS handshake; the error says what OpenSSL said.
    Status connect(std::uint16_t port);

    Status writeRaw(const std::string &bytes);
    Status writeFrame(const syncv1::Envelope &envelope);
    // The next whole frame; an error when the server closed the connection
    // first (message "closed"), or on a timeout or a bad frame.
    Result<syncv1::Envelope> readFrame();
    // Reads until the server closes; false when it is still open at the
    // timeout (or sends something).
    bool waitForClose();
    // TLS close_notify, then the socket is closed.
    void close();
    // The connection dropped with no close_notify, as a lost network does;
    // the socket stays open until close() or destruction.
    void cut();

    // A ClientHello signed with the device's Ed25519 key over this session's
    // exported keying material, as the device sends it; then the server's
    // answer.
    Result<syncv1::Envelope> signIn(const std::string &deviceId, const std::string &privateKey);

    std::string negotiatedAlpn() const;
    std::string negotiatedVersion() const;
    std::string exportKeyingMaterial(const std::string &label, std::size_t length) const;

private:
    Status readExactly(char *out, std::size_t n);

    RawTlsOptions m_options;
    SSL_CTX *m_ctx = nullptr;
    SSL *m_ssl = nullptr;
    int m_fd = -1;
};

// A frame header announcing `length` body bytes.
std::string frameHeader(std::uint32_t length);

} // namespace beatbook::testing
