#pragma once

#include "core/result.h"
#include "sync/serveraddress.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>

#include <functional>
#include <memory>

namespace beatbook {

class ServerLog;

// The accept loop. Every accepted socket gets a strand of its own, so a
// session's steps never run on two threads at once while different sessions
// run in parallel. What to do with a socket (a session, or a refusal when
// the server is full) is the server's choice, made in onAccept.
class Listener {
public:
    using AcceptHandler = std::function<void(boost::asio::ip::tcp::socket)>;

    // Binds and listens. Io with a message naming the address when it
    // cannot (in use, not an address of this machine, not permitted).
    static Result<std::unique_ptr<Listener>> open(boost::asio::io_context &ioc, const ServerAddress &address,
                                                  ServerLog &log);

    // The address bound: with port 0 asked for, the port the system chose.
    boost::asio::ip::tcp::endpoint endpoint() const { return m_endpoint; }
    boost::asio::any_io_executor executor() { return m_acceptor.get_executor(); }

    // Accepts until close(). Errors such as running out of file descriptors
    // pause accepting briefly instead of spinning.
    boost::asio::awaitable<void> run(AcceptHandler onAccept);
    // Stops accepting. Call on executor().
    void close();

private:
    Listener(boost::asio::io_context &ioc, boost::asio::ip::tcp::acceptor acceptor, ServerLog &log);

    boost::asio::io_context &m_ioc;
    boost::asio::ip::tcp::acceptor m_acceptor;
    boost::asio::ip::tcp::endpoint m_endpoint;
    ServerLog &m_log;
};

} // namespace beatbook
