#pragma once

#include "core/clock.h"
#include "server/devicedirectory.h"
#include "server/serverconfig.h"
#include "server/serveridentity.h"
#include "server/syncstorage.h"
#include "sync/tlsstream.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>

namespace beatbook {

class ServerLog;
class UploadCommitter;

// What every session of one server shares. The server (or a test) owns
// each part and keeps it alive longer than any session.
struct SessionServices {
    const ServerSettings &settings;
    DeviceDirectory &directory;
    SyncStorage &storage;
    UploadCommitter &committer;
    // Database calls block; they run here so one slow query never stalls
    // the network threads and, through them, the other sessions.
    boost::asio::thread_pool &blockingPool;
    const ServerIdentity &identity;
    const Clock &clock;
    ServerLog &log;
};

// One device's connection, from the TLS handshake to the close, in the
// order docs/protocol.md fixes: handshake, ClientHello, then ServerHello or
// a Refusal; enrolment, or any number of uploads, pulls and verifies; Goodbye.
// A bad frame, a message out of order or a timeout ends this session alone
// with a Refusal that says why.
//
// Memory: besides OpenSSL's state (its record buffers are released while
// idle) a session holds only the frame in flight and its user's scope.
class SyncSession {
public:
    SyncSession(const SessionServices &services, boost::asio::ip::tcp::socket socket, SslContextPtr tls,
                std::uint64_t id);
    ~SyncSession();
    SyncSession(const SyncSession &) = delete;
    SyncSession &operator=(const SyncSession &) = delete;

    // The whole session. Never throws; ends with the connection closed.
    boost::asio::awaitable<void> run();

    // Asks the session to end where nothing is half done: an idle session
    // is sent SHUTTING_DOWN at once; one handling a request answers it
    // first. Call on the session's executor.
    void requestStop();
    // Closes the connection at once (the shutdown grace ran out). Call on
    // the session's executor.
    void abort();

    std::uint64_t id() const { return m_id; }
    boost::asio::any_io_executor executor() { return m_stream.socket().get_executor(); }

    // A connection over the server's limit: handshake, Refusal SERVER_BUSY,
    // close. Costs no session.
    static boost::asio::awaitable<void> refuseBusy(boost::asio::ip::tcp::socket socket, SslContextPtr tls,
                                                   const ServerSettings &settings, ServerLog &log, std::uint64_t id);

private:
    enum class Next { Continue, End };

    boost::asio::awaitable<bool> send(const syncv1::Envelope &envelope);
    boost::asio::awaitable<void> refuse(syncv1::Refusal::Code code, const std::string &message, bool wipe = false);
    boost::asio::awaitable<void> close();
    boost::asio::awaitable<Next> refuseReadFailure(const StreamFailure &failure);

    boost::asio::awaitable<Next> hello(const syncv1::ClientHello &hello);
    boost::asio::awaitable<void> enrol();
    boost::asio::awaitable<Next> upload(const syncv1::UploadBatch &batch);
    boost::asio::awaitable<Next> pull(const syncv1::PullRequest &request);
    boost::asio::awaitable<Next> verify();

    template <typename F>
    boost::asio::awaitable<std::invoke_result_t<F &>> blocking(F f);

    const SessionServices &m_services;
    TlsStream m_stream;
    std::uint64_t m_id;
    std::uint32_t m_version = 0;
    std::string m_deviceId;
    SyncScope m_scope;
    bool m_stopRequested = false;
    const char *m_endReason = "closed";
    std::uint64_t m_changes = 0;
    std::uint64_t m_records = 0;
    std::uint32_t m_requests = 0;
};

} // namespace beatbook
