#include "devicesession.h"

#include "signedclienthello.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_future.hpp>

#include <future>

namespace beatbook::testing {
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

template <typename T>
T runOn(asio::io_context &io, asio::awaitable<T> work)
{
    auto future = asio::co_spawn(io, std::move(work), asio::use_future);
    io.restart();
    io.run();
    return future.get();
}

std::string failureText(const StreamFailure &failure)
{
    static const char *const kinds[] = {"closed", "timed out", "TLS failure", "bad frame", "cancelled", "I/O error"};
    return std::string(kinds[static_cast<int>(failure.kind)]) + ": " + failure.message;
}

} // namespace

std::string describe(const syncv1::Envelope &envelope) { return envelope.ShortDebugString(); }

DeviceSession::DeviceSession(std::chrono::milliseconds timeout) : m_timeout(timeout) {}

DeviceSession::~DeviceSession() { close(); }

Status DeviceSession::connect(std::uint16_t port, const std::string &caPem, const std::string &serverName)
{
    auto context = makeClientTlsContext(caPem);
    if (!context)
        return context.error();
    tcp::socket socket(m_io);
    boost::system::error_code error;
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), error);
    if (error)
        return Error::io("cannot connect to 127.0.0.1:" + std::to_string(port) + ": " + error.message());
    m_stream = std::make_unique<TlsStream>(std::move(socket), *context, TlsStream::Role::Client);
    if (!serverName.empty())
        m_stream->setServerName(serverName);
    auto shaken = runOn(m_io, m_stream->handshake(m_timeout));
    if (auto *failed = std::get_if<StreamFailure>(&shaken))
        return Error::io("TLS handshake failed: " + failureText(*failed));
    return {};
}

Result<syncv1::Envelope> DeviceSession::signIn(std::uint16_t port, const std::string &deviceId,
                                               const std::string &privateKey, const std::string &pin)
{
    if (auto connected = connect(port); !connected)
        return connected.error();
    if (!pin.empty() && m_stream->peerCertificateSha256() != pin)
        return Error::io("the server's certificate is not the pinned one");
    const std::string material = m_stream->exportKeyingMaterial(kDeviceAuthLabel, kDeviceAuthBytes);
    auto hello = signedClientHello(deviceId, privateKey, material);
    if (!hello)
        return hello.error();
    return exchange(*hello);
}

Status DeviceSession::send(const syncv1::Envelope &envelope)
{
    if (!m_stream)
        return Error::io("not connected");
    auto sent = runOn(m_io, m_stream->writeFrame(envelope, m_timeout, FrameLimits{}));
    if (auto *failed = std::get_if<StreamFailure>(&sent))
        return Error::io("send failed: " + failureText(*failed));
    return {};
}

Result<syncv1::Envelope> DeviceSession::receive()
{
    if (!m_stream)
        return Error::io("not connected");
    auto received = runOn(m_io, m_stream->readFrame(m_timeout, m_timeout, FrameLimits{}));
    if (auto *failed = std::get_if<StreamFailure>(&received))
        return Error::io("receive failed: " + failureText(*failed));
    return std::move(std::get<syncv1::Envelope>(received));
}

Result<syncv1::Envelope> DeviceSession::exchange(const syncv1::Envelope &envelope)
{
    if (auto sent = send(envelope); !sent)
        return sent.error();
    return receive();
}

Status DeviceSession::goodbye()
{
    syncv1::Envelope envelope;
    envelope.mutable_goodbye();
    auto answer = exchange(envelope);
    if (!answer)
        return answer.error();
    if (!answer->has_goodbye())
        return Error::io("the server answered goodbye with " + describe(*answer));
    return {};
}

void DeviceSession::close()
{
    if (!m_stream)
        return;
    runOn(m_io, m_stream->shutdown(std::chrono::seconds(2)));
    m_stream.reset();
}

std::string DeviceSession::peerCertificateSha256() const { return m_stream ? m_stream->peerCertificateSha256() : ""; }

std::string DeviceSession::negotiatedAlpn() const { return m_stream ? m_stream->negotiatedAlpn() : ""; }

} // namespace beatbook::testing
