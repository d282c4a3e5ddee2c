#pragma once

#include <cstdint>

namespace beatbook::testing {

// Why: clients that speak below TlsStream (silence, plain text, TLS by hand) share one connect.
// A blocking TCP socket connected to 127.0.0.1:port, for the caller to
// ::close(); -1 when it cannot connect.
int connectLoopbackTcp(std::uint16_t port);

} // namespace beatbook::testing
