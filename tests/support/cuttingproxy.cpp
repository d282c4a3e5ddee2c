#include "cuttingproxy.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <thread>

namespace beatbook::testing {
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// Follows the TLS record layer in one direction: a 5-byte header (type,
// version, 16-bit length), then the body.
struct RecordTracker {
    std::array<unsigned char, 5> header{};
    std::size_t headerSeen = 0;
    std::uint64_t bodyLeft = 0;
    std::uint64_t started = 0;
    std::uint64_t completed = 0;

    // Takes one byte; the body length when it completes a record's header.
    std::optional<std::uint64_t> feed(unsigned char byte)
    {
        if (headerSeen < header.size()) {
            header[headerSeen++] = byte;
            if (headerSeen < header.size())
                return std::nullopt;
            bodyLeft = (std::uint64_t{header[3]} << 8) | header[4];
            ++started;
            if (bodyLeft == 0) {
                ++completed;
                headerSeen = 0;
            }
            return bodyLeft;
        }
        if (--bodyLeft == 0) {
            ++completed;
            headerSeen = 0;
        }
        return std::nullopt;
    }
};

struct Link {
    Link(tcp::socket accepted, asio::io_context &io) : device(std::move(accepted)), server(io) {}
    tcp::socket device;
    tcp::socket server;
    std::size_t index = 0;
    std::optional<CuttingProxy::Direction> cutDirection;
    std::uint64_t cutAfter = 0;       // bytes, when cutRecord is 0
    std::uint64_t cutRecord = 0;      // 1-based TLS record to cut halfway through
    std::optional<std::uint64_t> cutAt;  // where, in bytes, once known
    RecordTracker records[2];         // by direction

    void closeBoth()
    {
        boost::system::error_code ignored;
        device.close(ignored);
        server.close(ignored);
    }
};

} // namespace

struct CuttingProxy::Impl {
    // First, so it goes last: the coroutines it still holds refer to the
    // members below.
    asio::io_context io;
    std::optional<tcp::acceptor> acceptor;
    std::thread thread;
    std::uint16_t target = 0;

    mutable std::mutex mutex;
    struct PendingCut {
        Direction direction;
        std::uint64_t bytes;
        std::uint64_t record;
    };
    std::optional<PendingCut> pendingCut;
    bool refuse = false;
    std::vector<ConnectionBytes> connections;
    int cuts = 0;

    asio::awaitable<void> pump(std::shared_ptr<Link> link, Direction direction)
    {
        tcp::socket &from = direction == Direction::Upstream ? link->device : link->server;
        tcp::socket &to = direction == Direction::Upstream ? link->server : link->device;
        std::array<char, 16384> buffer{};
        for (;;) {
            auto [readError, n] =
                co_await from.async_read_some(asio::buffer(buffer), asio::as_tuple(asio::use_awaitable));
            if (readError || n == 0)
                break;
            const auto d = static_cast<std::size_t>(direction);
            std::uint64_t already = 0;
            {
                std::lock_guard lock(mutex);
                const auto &bytes = connections[link->index];
                already = direction == Direction::Upstream ? bytes.upstream : bytes.downstream;
            }
            const bool cutsHere = link->cutDirection == direction;
            if (cutsHere && link->cutRecord == 0)
                link->cutAt = link->cutAfter;
            RecordTracker &tracker = link->records[d];
            for (std::size_t i = 0; i < n; ++i) {
                const auto body = tracker.feed(static_cast<unsigned char>(buffer[i]));
                // The cut may fall in a later read than the record's header.
                if (body && cutsHere && link->cutRecord == tracker.started)
                    link->cutAt = already + i + 1 + *body / 2;
            }
            std::size_t forward = n;
            bool cutNow = false;
            if (cutsHere && link->cutAt && *link->cutAt <= already + n) {
                forward = static_cast<std::size_t>(*link->cutAt > already ? *link->cutAt - already : 0);
                cutNow = true;
            }
            if (forward > 0) {
                // Counted before they go: whatever the far side has seen is
                // in the count by the time it can answer.
                {
                    std::lock_guard lock(mutex);
                    auto &bytes = connections[link->index];
                    (direction == Direction::Upstream ? bytes.upstream : bytes.downstream) += forward;
                    (direction == Direction::Upstream ? bytes.upstreamRecords : bytes.downstreamRecords) =
                        tracker.completed;
                }
                auto [writeError, written] = co_await asio::async_write(to, asio::buffer(buffer.data(), forward),
                                                                        asio::as_tuple(asio::use_awaitable));
                (void)written;
                if (writeError)
                    break;
            }
            if (cutNow) {
                std::lock_guard lock(mutex);
                connections[link->index].cut = true;
                ++cuts;
                break;
            }
        }
        // Either side ending ends the connection: TLS sessions do not
        // half-close.
        link->closeBoth();
    }

    asio::awaitable<void> serve(std::shared_ptr<Link> link)
    {
        auto [connectError] = co_await link->server.async_connect(
            tcp::endpoint(asio::ip::make_address("127.0.0.1"), target), asio::as_tuple(asio::use_awaitable));
        if (connectError) {
            link->closeBoth();
            co_return;
        }
        asio::co_spawn(io, pump(link, Direction::Upstream), asio::detached);
        asio::co_spawn(io, pump(link, Direction::Downstream), asio::detached);
    }

    asio::awaitable<void> acceptLoop()
    {
        for (;;) {
            auto [acceptError, socket] = co_await acceptor->async_accept(asio::as_tuple(asio::use_awaitable));
            if (acceptError) {
                if (acceptError == asio::error::operation_aborted || !acceptor->is_open())
                    co_return;
                continue;
            }
            auto link = std::make_shared<Link>(std::move(socket), io);
            bool refused = false;
            {
                std::lock_guard lock(mutex);
                refused = refuse;
                link->index = connections.size();
                connections.emplace_back();
                if (!refused && pendingCut) {
                    link->cutDirection = pendingCut->direction;
                    link->cutAfter = pendingCut->bytes;
                    link->cutRecord = pendingCut->record;
                    pendingCut.reset();
                }
            }
            if (refused) {
                link->closeBoth();
                continue;
            }
            asio::co_spawn(io, serve(link), asio::detached);
        }
    }
};

CuttingProxy::CuttingProxy(std::uint16_t targetPort) : m_impl(std::make_unique<Impl>())
{
    m_impl->target = targetPort;
}

CuttingProxy::~CuttingProxy()
{
    m_impl->io.stop();
    if (m_impl->thread.joinable())
        m_impl->thread.join();
}

Status CuttingProxy::start()
{
    boost::system::error_code error;
    const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    m_impl->acceptor.emplace(m_impl->io);
    m_impl->acceptor->open(endpoint.protocol(), error);
    if (!error)
        m_impl->acceptor->bind(endpoint, error);
    if (!error)
        m_impl->acceptor->listen(64, error);
    if (error)
        return Error::io("the test proxy cannot listen: " + error.message());
    m_port = m_impl->acceptor->local_endpoint().port();
    asio::co_spawn(m_impl->io, m_impl->acceptLoop(), asio::detached);
    m_impl->thread = std::thread([this] { m_impl->io.run(); });
    return {};
}

void CuttingProxy::cutNextConnection(Direction direction, std::uint64_t bytes)
{
    std::lock_guard lock(m_impl->mutex);
    m_impl->pendingCut = Impl::PendingCut{direction, bytes, 0};
}

void CuttingProxy::cutNextConnectionInRecord(Direction direction, std::uint64_t record)
{
    std::lock_guard lock(m_impl->mutex);
    m_impl->pendingCut = Impl::PendingCut{direction, 0, record};
}

void CuttingProxy::refuseConnections()
{
    std::lock_guard lock(m_impl->mutex);
    m_impl->refuse = true;
}

void CuttingProxy::allowConnections()
{
    std::lock_guard lock(m_impl->mutex);
    m_impl->refuse = false;
}

std::vector<CuttingProxy::ConnectionBytes> CuttingProxy::connections() const
{
    std::lock_guard lock(m_impl->mutex);
    return m_impl->connections;
}

int CuttingProxy::cuts() const
{
    std::lock_guard lock(m_impl->mutex);
    return m_impl->cuts;
}

} // namespace beatbook::testing
