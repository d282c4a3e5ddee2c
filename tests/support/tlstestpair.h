#pragma once

#include "sync/tlsstream.h"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>

namespace beatbook::testing {

// What one side does with its stream once its own handshake succeeded.
using TlsSideBody = std::function<boost::asio::awaitable<void>(TlsStream &)>;

// How each side's handshake ended (empty: it never got that far), and
// whether each side finished before the time limit.
struct TlsPairRun {
    std::optional<StreamResult<std::monostate>> serverHandshake;
    std::optional<StreamResult<std::monostate>> clientHandshake;
    bool serverDone = false;
    bool clientDone = false;
};

// Why: every TlsStream test first needs a loopback server and client past their handshakes.
// Each run has its own io_context and listening port, and ends when both
// sides are done or after 20 s.
class TlsTestPair {
public:
    explicit TlsTestPair(SslContextPtr serverContext = nullptr);

    // Accepts one connection and connects one client with clientContext
    // (serverName set on it, as a device would), runs both handshakes, then
    // each side's body, only after that side's own successful handshake.
    TlsPairRun run(SslContextPtr clientContext, const std::string &serverName, TlsSideBody serverBody,
                   TlsSideBody clientBody, std::chrono::milliseconds handshakeTimeout = std::chrono::seconds(5)) const;

    // The server side alone (accept, handshake, body, close) while `client`
    // runs on its own thread against the port: for clients that are not a
    // TlsStream (plain TCP, raw bytes, an old TLS version).
    TlsPairRun runServerAgainst(const std::function<void(std::uint16_t port)> &client, TlsSideBody serverBody,
                                std::chrono::milliseconds handshakeTimeout = std::chrono::seconds(5)) const;

private:
    SslContextPtr m_serverContext;
};

} // namespace beatbook::testing
