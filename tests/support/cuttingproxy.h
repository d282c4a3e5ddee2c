#pragma once

#include "core/result.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace beatbook::testing {

// A TCP proxy on 127.0.0.1 in front of a server, for cutting connections at
// chosen points: it forwards bytes both ways untouched and, when told, cuts
// one connection (closes both of its sides) after exactly N bytes have gone
// one way. What TLS sees is what a device sees when the signal drops in a
// stairwell: the stream simply stops, anywhere, mid-record.
class CuttingProxy {
public:
    enum class Direction {
        Upstream,    // device to server
        Downstream,  // server to device
    };

    // Per connection, the bytes and whole TLS records forwarded each way
    // (up to its end or now; counted as they are handed on, so what the far
    // side has received is always in the count).
    struct ConnectionBytes {
        std::uint64_t upstream = 0;
        std::uint64_t downstream = 0;
        std::uint64_t upstreamRecords = 0;
        std::uint64_t downstreamRecords = 0;
        bool cut = false;
    };

    explicit CuttingProxy(std::uint16_t targetPort);
    ~CuttingProxy();
    CuttingProxy(const CuttingProxy &) = delete;
    CuttingProxy &operator=(const CuttingProxy &) = delete;

    Status start();
    std::uint16_t port() const { return m_port; }
    std::string address() const { return "127.0.0.1:" + std::to_string(m_port); }

    // The next connection accepted is cut once `bytes` have been forwarded
    // in `direction`; the ones after it pass untouched.
    void cutNextConnection(Direction direction, std::uint64_t bytes);
    // The next connection accepted is cut halfway through the body of its
    // record-th TLS record (1 for the first) in `direction`. Sync frames go
    // one to a record, so this cuts a given frame whatever its size.
    void cutNextConnectionInRecord(Direction direction, std::uint64_t record);
    // Every connection accepted from now on is closed at once (no server
    // reachable), until allowConnections().
    void refuseConnections();
    void allowConnections();

    std::vector<ConnectionBytes> connections() const;
    int cuts() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
    std::uint16_t m_port = 0;
};

} // namespace beatbook::testing
