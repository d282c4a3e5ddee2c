#pragma once

#include "core/result.h"
#include "sync/tlsstream.h"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace beatbook::loadgen {

// What a simulated device keeps after enrolment.
struct DeviceCredentials {
    std::string deviceId;
    std::string privateKey;  // raw Ed25519, 32 bytes
    std::string publicKey;
    std::string userName;
    std::string matchKey;    // raw, from EnrolResponse (empty when enrolled directly)
    std::string serverId;
};

struct SessionTimeouts {
    std::chrono::milliseconds handshake{30'000};
    // Under load the server answers a batch only once its group commit is on
    // disk; a benchmark must wait for that, not give up.
    std::chrono::milliseconds answer{180'000};
    std::chrono::milliseconds frame{60'000};
};

// One connection of a simulated device, speaking the protocol directly
// over TlsStream (the same framing and TLS set-up as the real client), so
// the load generator measures the server rather than a client library.
class DeviceSession {
public:
    // TCP connect, TLS 1.3 handshake, then the certificate pin check.
    static boost::asio::awaitable<Result<std::unique_ptr<DeviceSession>>>
    open(boost::asio::any_io_executor executor, boost::asio::ip::tcp::endpoint server, SslContextPtr context,
         std::string pinnedSha256, SessionTimeouts timeouts = {});

    // ClientHello signed with the device key, answered by ServerHello.
    boost::asio::awaitable<Result<syncv1::ServerHello>> hello(const DeviceCredentials &device);
    // An enrolling hello, then EnrolRequest; the device reconnects afterwards.
    boost::asio::awaitable<Result<syncv1::EnrolResponse>> enrol(const std::string &secretText,
                                                                const std::string &publicKey,
                                                                const std::string &label);
    // One request and its answer. A Refusal is an error naming its code.
    boost::asio::awaitable<Result<syncv1::Envelope>> request(const syncv1::Envelope &envelope);
    // Goodbye, close_notify, close.
    boost::asio::awaitable<void> close();
    // At once, without a goodbye (the server sees the connection cut).
    void abort() { m_stream->close(); }

    DeviceSession(std::unique_ptr<TlsStream> stream, SessionTimeouts timeouts)
        : m_stream(std::move(stream)), m_timeouts(timeouts)
    {
    }

private:
    boost::asio::awaitable<Result<syncv1::Envelope>> readAnswer();

    std::unique_ptr<TlsStream> m_stream;
    SessionTimeouts m_timeouts;
    FrameLimits m_limits;
};

// "REFUSAL_CODE: message" for logs.
std::string describeRefusal(const syncv1::Refusal &refusal);

} // namespace beatbook::loadgen
