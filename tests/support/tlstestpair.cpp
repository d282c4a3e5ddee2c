#include "tlstestpair.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <thread>

namespace beatbook::testing {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr std::chrono::seconds kTimeLimit{20};

bool isOk(const StreamResult<std::monostate> &outcome) { return std::holds_alternative<std::monostate>(outcome); }

tcp::acceptor loopbackAcceptor(asio::io_context &io)
{
    return tcp::acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
}

// The server's side of both kinds of run: accept one connection, handshake,
// then the body only after a successful handshake.
asio::awaitable<void> serveOne(tcp::acceptor &acceptor, const SslContextPtr &context, const TlsSideBody &body,
                               std::chrono::milliseconds handshakeTimeout, bool closeAfterBody, TlsPairRun &run)
{
    auto [error, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (!error) {
        TlsStream stream(std::move(socket), context, TlsStream::Role::Server);
        run.serverHandshake = co_await stream.handshake(handshakeTimeout);
        if (isOk(*run.serverHandshake) && body)
            co_await body(stream);
        if (closeAfterBody)
            stream.close();
    }
    run.serverDone = true;
}

} // namespace

TlsTestPair::TlsTestPair(SslContextPtr serverContext) : m_serverContext(std::move(serverContext)) {}

TlsPairRun TlsTestPair::run(SslContextPtr clientContext, const std::string &serverName, TlsSideBody serverBody,
                            TlsSideBody clientBody, std::chrono::milliseconds handshakeTimeout) const
{
    TlsPairRun result;
    asio::io_context io;
    tcp::acceptor acceptor = loopbackAcceptor(io);
    const auto endpoint = acceptor.local_endpoint();

    auto client = [&]() -> asio::awaitable<void> {
        tcp::socket socket(io);
        auto [error] = co_await socket.async_connect(endpoint, asio::as_tuple(asio::use_awaitable));
        if (!error) {
            TlsStream stream(std::move(socket), clientContext, TlsStream::Role::Client);
            stream.setServerName(serverName);
            result.clientHandshake = co_await stream.handshake(handshakeTimeout);
            if (isOk(*result.clientHandshake) && clientBody)
                co_await clientBody(stream);
        }
        result.clientDone = true;
    };
    asio::co_spawn(io, serveOne(acceptor, m_serverContext, serverBody, handshakeTimeout, false, result),
                   asio::detached);
    asio::co_spawn(io, client(), asio::detached);
    io.run_for(kTimeLimit);
    return result;
}

TlsPairRun TlsTestPair::runServerAgainst(const std::function<void(std::uint16_t port)> &client,
                                         TlsSideBody serverBody, std::chrono::milliseconds handshakeTimeout) const
{
    TlsPairRun result;
    asio::io_context io;
    tcp::acceptor acceptor = loopbackAcceptor(io);
    const std::uint16_t port = acceptor.local_endpoint().port();

    asio::co_spawn(io, serveOne(acceptor, m_serverContext, serverBody, handshakeTimeout, true, result),
                   asio::detached);
    std::thread thread([&] { client(port); });
    io.run_for(kTimeLimit);
    thread.join();
    return result;
}

} // namespace beatbook::testing
