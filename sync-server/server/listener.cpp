#include "server/listener.h"

#include "server/serverlog.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>

namespace beatbook {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// How long to pause accepting after the system refused a new connection
// for lack of resources: long enough not to spin, short enough to recover.
constexpr std::chrono::milliseconds kAcceptBackoff{100};

} // namespace

Listener::Listener(asio::io_context &ioc, tcp::acceptor acceptor, ServerLog &log)
    : m_ioc(ioc), m_acceptor(std::move(acceptor)), m_log(log)
{
    boost::system::error_code ec;
    m_endpoint = m_acceptor.local_endpoint(ec);
}

Result<std::unique_ptr<Listener>> Listener::open(asio::io_context &ioc, const ServerAddress &address, ServerLog &log)
{
    boost::system::error_code ec;
    tcp::endpoint endpoint;
    const auto ip = asio::ip::make_address(address.host, ec);
    if (!ec) {
        endpoint = tcp::endpoint(ip, address.port);
    } else {
        tcp::resolver resolver(ioc);
        auto results = resolver.resolve(address.host, std::to_string(address.port),
                                        tcp::resolver::passive | tcp::resolver::numeric_service, ec);
        if (ec || results.empty())
            return Error::io("Cannot listen on " + address.text() + ": the host name does not resolve ("
                             + ec.message() + ").");
        endpoint = results.begin()->endpoint();
    }
    tcp::acceptor acceptor(asio::make_strand(ioc));
    const std::string where = "Cannot listen on " + address.text() + ": ";
    acceptor.open(endpoint.protocol(), ec);
    if (ec)
        return Error::io(where + ec.message());
    // A restarted server must not wait for the old connections' TIME_WAIT.
    acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    acceptor.bind(endpoint, ec);
    if (ec)
        return Error::io(where + ec.message());
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
        return Error::io(where + ec.message());
    return std::unique_ptr<Listener>(new Listener(ioc, std::move(acceptor), log));
}

asio::awaitable<void> Listener::run(AcceptHandler onAccept)
{
    while (m_acceptor.is_open()) {
        auto [ec, socket] =
            co_await m_acceptor.async_accept(asio::make_strand(m_ioc), asio::as_tuple(asio::use_awaitable));
        if (!ec) {
            onAccept(std::move(socket));
            continue;
        }
        if (ec == asio::error::operation_aborted || !m_acceptor.is_open())
            break;
        if (ec == asio::error::connection_aborted)
            continue;  // the client gave up before we got to it
        m_log.warning("accept_failed", {{"error", std::string_view(ec.message())}});
        asio::steady_timer pause(m_acceptor.get_executor(), kAcceptBackoff);
        co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
    }
}

void Listener::close()
{
    boost::system::error_code ec;
    m_acceptor.close(ec);
}

} // namespace beatbook
