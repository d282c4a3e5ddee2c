#pragma once

#include "core/result.h"
#include "sync/framecodec.h"
#include "sync/tlsstream.h"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace beatbook::testing {

// A session with a sync server over shared/'s own TlsStream, driven one
// message at a time: for tests that send protocol messages by hand (the
// same batch twice) or check the TLS set-up a device relies on. Blocking;
// every step bounded by the timeout.
class DeviceSession {
public:
    explicit DeviceSession(std::chrono::milliseconds timeout = std::chrono::seconds(30));
    ~DeviceSession();
    DeviceSession(const DeviceSession &) = delete;
    DeviceSession &operator=(const DeviceSession &) = delete;

    // TCP connect and TLS 1.3 handshake with makeClientTlsContext(caPem)
    // (no CA: no verification, as a device relies on its pin); serverName
    // is set when given (needed with a CA).
    Status connect(std::uint16_t port, const std::string &caPem = {}, const std::string &serverName = {});
    // connect(), then the pin is compared (when given, as the device does)
    // and the device signs in: the server's answer to the hello.
    Result<syncv1::Envelope> signIn(std::uint16_t port, const std::string &deviceId,
                                    const std::string &privateKey, const std::string &pin = {});

    Status send(const syncv1::Envelope &envelope);
    Result<syncv1::Envelope> receive();
    Result<syncv1::Envelope> exchange(const syncv1::Envelope &envelope);
    // Sends Goodbye and waits for the server's.
    Status goodbye();
    void close();

    std::string peerCertificateSha256() const;
    std::string negotiatedAlpn() const;

private:
    std::chrono::milliseconds m_timeout;
    boost::asio::io_context m_io;
    std::unique_ptr<TlsStream> m_stream;
};

// Text for a failure message: the envelope in protobuf's short debug form.
std::string describe(const syncv1::Envelope &envelope);

} // namespace beatbook::testing
