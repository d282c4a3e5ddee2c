#include "server/syncserver.h"

#include "server/listener.h"
#include "server/serverlog.h"
#include "server/syncsession.h"
#include "server/uploadcommitter.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>

namespace beatbook {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// How often the shutdown checks whether the sessions have ended.
constexpr std::chrono::milliseconds kShutdownPoll{20};

std::string exceptionText(std::exception_ptr e)
{
    try {
        std::rethrow_exception(e);
    } catch (const std::exception &ex) {
        return ex.what();
    } catch (...) {
        return "unknown exception";
    }
}

} // namespace

SyncServer::SyncServer(ServerSettings settings, SslContextPtr tls, DeviceDirectory &directory, SyncStorage &storage,
                       ServerIdentity identity, const Clock &clock, std::shared_ptr<ServerLog> log)
    : m_settings(std::move(settings)), m_tls(std::move(tls)), m_identity(std::move(identity)),
      m_log(log ? std::move(log) : ServerLog::discard()), m_ioc(static_cast<int>(m_settings.ioThreads())),
      m_control(asio::make_strand(m_ioc)), m_pool(m_settings.blockingThreads()),
      m_committer(std::make_unique<UploadCommitter>(storage, *m_log))
{
    m_services.reset(new SessionServices{m_settings, directory, storage, *m_committer, m_pool, m_identity, clock,
                                         *m_log});
}

SyncServer::~SyncServer()
{
    if (!m_threads.empty() && !m_waited) {
        // Nobody waited for a graceful stop: stop now.
        m_stopRequests = 2;
        m_ioc.stop();
    }
    wait();
}

Result<tcp::endpoint> SyncServer::start()
{
    if (!m_threads.empty() || m_listener)
        return Error::notAllowed("The server is already running.");
    if (!m_tls)
        return Error::invalid("The server has no TLS context.");
    auto listener = Listener::open(m_ioc, m_settings.listen, *m_log);
    if (!listener)
        return listener.error();
    m_listener = std::move(*listener);
    m_work.emplace(m_ioc.get_executor());

    asio::co_spawn(m_listener->executor(), m_listener->run([this](tcp::socket s) { accept(std::move(s)); }),
                   [this](std::exception_ptr e) {
                       if (e)
                           m_log->error("listener_failed", {{"error", std::string_view(exceptionText(e))}});
                   });

    const unsigned threads = m_settings.ioThreads();
    for (unsigned i = 0; i < threads; ++i) {
        m_threads.emplace_back([this] {
            // A handler that throws must not end a network thread: log it
            // and go on serving the other sessions.
            for (;;) {
                try {
                    m_ioc.run();
                    return;
                } catch (const std::exception &e) {
                    m_log->error("handler_failed", {{"error", std::string_view(e.what())}});
                }
            }
        });
    }
    const auto endpoint = m_listener->endpoint();
    m_log->info("server_started", {{"port", std::uint64_t{endpoint.port()}},
                                   {"threads", std::uint64_t{threads}},
                                   {"storage_threads", std::uint64_t{m_settings.blockingThreads()}},
                                   {"max_connections", std::uint64_t{m_settings.maxConnections}}});
    return endpoint;
}

std::size_t SyncServer::sessionCount() const
{
    std::lock_guard lock(m_sessionsMutex);
    return m_sessions.size();
}

std::vector<std::shared_ptr<SyncSession>> SyncServer::liveSessions() const
{
    std::vector<std::shared_ptr<SyncSession>> out;
    std::lock_guard lock(m_sessionsMutex);
    out.reserve(m_sessions.size());
    for (const auto &[id, weak] : m_sessions)
        if (auto session = weak.lock())
            out.push_back(std::move(session));
    return out;
}

void SyncServer::forgetSession(std::uint64_t id)
{
    std::lock_guard lock(m_sessionsMutex);
    m_sessions.erase(id);
}

void SyncServer::accept(tcp::socket socket)
{
    const std::uint64_t id = m_nextId.fetch_add(1);
    if (m_stopRequests.load() > 0) {
        boost::system::error_code ec;
        socket.close(ec);
        return;
    }
    bool full = false;
    std::shared_ptr<SyncSession> session;
    {
        std::lock_guard lock(m_sessionsMutex);
        if (m_sessions.size() >= m_settings.maxConnections) {
            full = true;
        } else {
            session = std::make_shared<SyncSession>(*m_services, std::move(socket), m_tls, id);
            m_sessions.emplace(id, session);
        }
    }
    if (full) {
        // Each refusal costs a handshake; past a few, a flood is simply closed.
        if (m_busyRefusals.fetch_add(1) >= m_settings.maxBusyRefusals) {
            m_busyRefusals.fetch_sub(1);
            m_log->warning("connection_dropped", {{"session", id}, {"reason", std::string_view("server_busy")}});
            boost::system::error_code ec;
            socket.close(ec);
            return;
        }
        auto executor = socket.get_executor();
        asio::co_spawn(executor, SyncSession::refuseBusy(std::move(socket), m_tls, m_settings, *m_log, id),
                       [this](std::exception_ptr) { m_busyRefusals.fetch_sub(1); });
        return;
    }
    // The completion handler owns the session: it lives exactly as long as
    // its coroutine runs.
    asio::co_spawn(session->executor(), session->run(), [this, session, id](std::exception_ptr e) {
        if (e)
            m_log->error("session_failed", {{"session", id}, {"error", std::string_view(exceptionText(e))}});
        forgetSession(id);
    });
}

void SyncServer::requestStop()
{
    const int requests = ++m_stopRequests;
    if (requests == 1) {
        m_log->info("server_stopping", {{"sessions", std::uint64_t{sessionCount()}}});
        asio::co_spawn(m_control, shutdownSequence(), [this](std::exception_ptr e) {
            if (e)
                m_log->error("shutdown_failed", {{"error", std::string_view(exceptionText(e))}});
            m_work.reset();
            m_ioc.stop();
        });
    } else if (requests == 2) {
        m_log->warning("server_stopping_now", {{"sessions", std::uint64_t{sessionCount()}}});
        m_ioc.stop();
    }
}

asio::awaitable<void> SyncServer::waitForSessions(std::chrono::milliseconds limit)
{
    const auto deadline = std::chrono::steady_clock::now() + limit;
    asio::steady_timer timer(m_control);
    while (sessionCount() > 0 && std::chrono::steady_clock::now() < deadline) {
        timer.expires_after(kShutdownPoll);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
}

asio::awaitable<void> SyncServer::shutdownSequence()
{
    if (m_listener) {
        Listener *listener = m_listener.get();
        asio::post(listener->executor(), [listener] { listener->close(); });
    }
    for (auto &session : liveSessions())
        asio::post(session->executor(), [session] { session->requestStop(); });
    co_await waitForSessions(m_settings.shutdownGrace);

    auto left = liveSessions();
    if (!left.empty()) {
        m_log->warning("sessions_aborted", {{"sessions", std::uint64_t{left.size()}}});
        for (auto &session : left)
            asio::post(session->executor(), [session] { session->abort(); });
        left.clear();
        // Aborted sessions may still be waiting for the committer: their
        // batch is applied whole or not at all either way.
        co_await waitForSessions(m_settings.closeTimeout + m_settings.writeTimeout);
    }
    m_log->info("server_stopped", {{"sessions", std::uint64_t{sessionCount()}}});
}

void SyncServer::wait()
{
    if (m_waited)
        return;
    for (auto &thread : m_threads)
        if (thread.joinable())
            thread.join();
    m_waited = true;
    // Blocking calls still running finish first; their results are then
    // simply dropped with the sessions that asked for them.
    m_pool.join();
    m_committer->stop();
}

} // namespace beatbook
