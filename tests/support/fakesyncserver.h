#pragma once

#include "sync/framecodec.h"
#include "sync/tlsstream.h"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace beatbook::testing {

// A scripted TLS 1.3 sync server on 127.0.0.1 for testing the device's
// client: each connection runs the script given for it, with its own
// certificate (issued by a CA made for the test). Not the real server:
// the end-to-end tests drive beatbook-sync-server itself.
class FakeSyncServer {
public:
    class Connection;
    using Script = std::function<boost::asio::awaitable<void>(Connection &)>;

    // One accepted connection, as a script sees it.
    class Connection {
    public:
        Connection(TlsStream &stream, FakeSyncServer &server, std::size_t index)
            : m_stream(stream), m_server(server), m_index(index)
        {
        }
        // The next frame, or nothing when the peer closed or failed. Each
        // frame read is logged.
        boost::asio::awaitable<std::optional<syncv1::Envelope>> read();
        boost::asio::awaitable<bool> write(const syncv1::Envelope &envelope);
        std::string exportKeyingMaterial() const;
        TlsStream &stream() { return m_stream; }

    private:
        TlsStream &m_stream;
        FakeSyncServer &m_server;
        std::size_t m_index;
    };

    FakeSyncServer();
    ~FakeSyncServer();
    FakeSyncServer(const FakeSyncServer &) = delete;
    FakeSyncServer &operator=(const FakeSyncServer &) = delete;

    // Scripts for the connections in the order they arrive; connections
    // beyond the list are closed at once.
    void setScripts(std::vector<Script> scripts);
    bool start();  // false (with a warning) when it cannot listen
    std::uint16_t port() const { return m_port; }
    std::string address() const { return "127.0.0.1:" + std::to_string(m_port); }
    const std::string &certificateSha256() const { return m_certificateSha256; }  // raw 32 bytes

    int connections() const;
    // Body cases of the frames read, per connection, in order.
    std::vector<std::vector<int>> framesRead() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
    std::uint16_t m_port = 0;
    std::string m_certificateSha256;
    mutable std::mutex m_mutex;
    std::vector<Script> m_scripts;
    std::vector<std::vector<int>> m_frames;
    friend class Connection;
};

// Ready-made scripts: a server that enrols one device and then serves it.
namespace fakesync {

inline const std::string kSecretBytes = "0123456789";
inline constexpr const char *kDeviceId = "0192f0a4-0000-7000-8000-00000000d001";

// What the fake server learns and holds across connections.
struct ServerState {
    std::mutex mutex;
    std::string secret;
    std::string publicKey;
    std::string label;
    bool signatureValid = false;
    // Per entity, the count and checksum of the records accepted from the
    // device (the records a script serves are added on top).
    std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> sums;
    std::vector<std::uint64_t> seqs;
    int pulls = 0;
    // Changes of these entities are rejected with this reason.
    std::vector<std::string> rejectEntities;
    std::string rejectReason = "not allowed here";
};

syncv1::Envelope refusal(syncv1::Refusal::Code code, const std::string &message, bool wipe = false);
// Answers a hello without device id and an EnrolRequest: device kDeviceId,
// user "pat", pcso in E05013630, match key 32 bytes of 0x11, server "srv-1".
FakeSyncServer::Script enrolScript(ServerState &state);
// Checks the device's signature, then answers every request as a server
// holding `records` (sent on every pull from cursor 0) and the patrols it
// accepted would; ends at Goodbye.
FakeSyncServer::Script syncScript(ServerState &state, std::vector<syncv1::Record> records = {},
                                  std::vector<std::string> wards = {"E05013630"});
// Reads the hello and refuses.
FakeSyncServer::Script refuseScript(syncv1::Refusal::Code code, const std::string &message, bool wipe);

} // namespace fakesync

} // namespace beatbook::testing
