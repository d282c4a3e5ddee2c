#pragma once

#include "core/clock.h"
#include "core/result.h"
#include "server/devicedirectory.h"
#include "server/serverconfig.h"
#include "server/serveridentity.h"
#include "server/syncstorage.h"
#include "sync/tlsstream.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

namespace beatbook {

class Listener;
class ServerLog;
class SyncSession;
class UploadCommitter;
struct SessionServices;

// The sync server: network threads running one io_context, a pool for
// blocking database reads, the upload committer's writer thread, and the
// listener. Storage and the device directory are behind their interfaces
// and owned by the caller.
//
// Shutdown (requestStop, e.g. on SIGTERM): stop accepting; every session
// finishes the request in hand (an upload is applied whole or not at all:
// it is one transaction) and idle ones are sent SHUTTING_DOWN; after the
// grace period whatever is left is closed; then the threads end.
class SyncServer {
public:
    SyncServer(ServerSettings settings, SslContextPtr tls, DeviceDirectory &directory, SyncStorage &storage,
               ServerIdentity identity, const Clock &clock, std::shared_ptr<ServerLog> log);
    // Stops (at once if still running) and joins every thread.
    ~SyncServer();
    SyncServer(const SyncServer &) = delete;
    SyncServer &operator=(const SyncServer &) = delete;

    // Binds, starts the threads and accepts. Returns the address bound (the
    // real port when port 0 was asked for).
    Result<boost::asio::ip::tcp::endpoint> start();
    // Thread-safe. The first call shuts down gracefully; a second one stops
    // at once (sessions are cut; nothing acknowledged is lost).
    void requestStop();
    // Blocks until the server has stopped and its threads have ended.
    void wait();

    std::size_t sessionCount() const;
    // For signal handling and tests: the context the server runs on.
    boost::asio::io_context &ioContext() { return m_ioc; }

private:
    void accept(boost::asio::ip::tcp::socket socket);
    void forgetSession(std::uint64_t id);
    std::vector<std::shared_ptr<SyncSession>> liveSessions() const;
    boost::asio::awaitable<void> shutdownSequence();
    boost::asio::awaitable<void> waitForSessions(std::chrono::milliseconds limit);

    ServerSettings m_settings;
    SslContextPtr m_tls;
    ServerIdentity m_identity;
    std::shared_ptr<ServerLog> m_log;

    // Declared before what runs on it, so it is destroyed last: handlers and
    // session frames it still holds are dropped while everything they
    // point at is gone already, and they touch none of it.
    boost::asio::io_context m_ioc;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> m_work;
    boost::asio::strand<boost::asio::io_context::executor_type> m_control;
    boost::asio::thread_pool m_pool;
    std::unique_ptr<UploadCommitter> m_committer;
    std::unique_ptr<SessionServices> m_services;
    std::unique_ptr<Listener> m_listener;

    mutable std::mutex m_sessionsMutex;
    std::unordered_map<std::uint64_t, std::weak_ptr<SyncSession>> m_sessions;
    std::atomic<std::size_t> m_busyRefusals{0};
    std::atomic<std::uint64_t> m_nextId{1};
    std::atomic<int> m_stopRequests{0};
    std::vector<std::thread> m_threads;
    bool m_waited = false;
};

} // namespace beatbook
