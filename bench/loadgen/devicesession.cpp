#include "devicesession.h"

#include "crypto/devicekey.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace beatbook::loadgen {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr const char *kDeviceAuthLabel = "EXPORTER-beatbook-device-auth";
constexpr std::size_t kDeviceAuthBytes = 32;

Error streamError(const StreamFailure &failure) { return Error::io(failure.message); }

syncv1::ClientHello baseHello()
{
    syncv1::ClientHello hello;
    hello.set_min_version(kOldestSyncProtocolVersion);
    hello.set_max_version(kSyncProtocolVersion);
    hello.set_app_version("beatbook-loadgen");
    return hello;
}

} // namespace

std::string describeRefusal(const syncv1::Refusal &refusal)
{
    return syncv1::Refusal::Code_Name(refusal.code()) + ": " + refusal.message();
}

asio::awaitable<Result<std::unique_ptr<DeviceSession>>>
DeviceSession::open(asio::any_io_executor executor, tcp::endpoint server, SslContextPtr context,
                    std::string pinnedSha256, SessionTimeouts timeouts)
{
    tcp::socket socket(executor);
    auto [error] = co_await socket.async_connect(server, asio::as_tuple(asio::use_awaitable));
    if (error)
        co_return Error::io("cannot connect to the server: " + error.message());
    auto stream = std::make_unique<TlsStream>(std::move(socket), std::move(context), TlsStream::Role::Client);
    auto shaken = co_await stream->handshake(timeouts.handshake);
    if (auto *failure = std::get_if<StreamFailure>(&shaken))
        co_return streamError(*failure);
    if (!pinnedSha256.empty() && stream->peerCertificateSha256() != pinnedSha256) {
        stream->close();
        co_return Error::notAllowed("the server's certificate is not the pinned one");
    }
    co_return std::make_unique<DeviceSession>(std::move(stream), timeouts);
}

asio::awaitable<Result<syncv1::Envelope>> DeviceSession::readAnswer()
{
    auto answer = co_await m_stream->readFrame(m_timeouts.answer, m_timeouts.frame, m_limits);
    if (auto *failure = std::get_if<StreamFailure>(&answer))
        co_return streamError(*failure);
    auto &envelope = std::get<syncv1::Envelope>(answer);
    if (envelope.has_refusal())
        co_return Error::notAllowed("refused: " + describeRefusal(envelope.refusal()));
    co_return std::move(envelope);
}

asio::awaitable<Result<syncv1::Envelope>> DeviceSession::request(const syncv1::Envelope &envelope)
{
    auto sent = co_await m_stream->writeFrame(envelope, m_timeouts.frame, m_limits);
    if (auto *failure = std::get_if<StreamFailure>(&sent))
        co_return streamError(*failure);
    co_return co_await readAnswer();
}

asio::awaitable<Result<syncv1::ServerHello>> DeviceSession::hello(const DeviceCredentials &device)
{
    const std::string material = m_stream->exportKeyingMaterial(kDeviceAuthLabel, kDeviceAuthBytes);
    if (material.size() != kDeviceAuthBytes)
        co_return Error::io("the TLS session gave no keying material to sign");
    auto signature = signWithDeviceKey(device.privateKey, material);
    if (!signature)
        co_return signature.error();
    syncv1::Envelope envelope;
    auto *hello = envelope.mutable_client_hello();
    *hello = baseHello();
    hello->set_device_id(device.deviceId);
    hello->set_device_signature(*signature);
    auto answer = co_await request(envelope);
    if (!answer)
        co_return answer.error();
    if (!answer->has_server_hello())
        co_return Error::io("the server answered the hello with something other than ServerHello");
    co_return std::move(*answer->mutable_server_hello());
}

asio::awaitable<Result<syncv1::EnrolResponse>> DeviceSession::enrol(const std::string &secretText,
                                                                    const std::string &publicKey,
                                                                    const std::string &label)
{
    syncv1::Envelope hello;
    *hello.mutable_client_hello() = baseHello();
    auto helloAnswer = co_await request(hello);
    if (!helloAnswer)
        co_return helloAnswer.error();
    if (!helloAnswer->has_server_hello())
        co_return Error::io("the server answered an enrolling hello with something other than ServerHello");
    syncv1::Envelope envelope;
    auto *enrol = envelope.mutable_enrol_request();
    enrol->set_code_secret(secretText);
    enrol->set_public_key(publicKey);
    enrol->set_device_label(label);
    auto answer = co_await request(envelope);
    if (!answer)
        co_return answer.error();
    if (!answer->has_enrol_response())
        co_return Error::io("the server answered EnrolRequest with something other than EnrolResponse");
    co_return std::move(*answer->mutable_enrol_response());
}

asio::awaitable<void> DeviceSession::close()
{
    syncv1::Envelope goodbye;
    goodbye.mutable_goodbye();
    co_await m_stream->writeFrame(goodbye, std::chrono::milliseconds(5'000), m_limits);
    co_await m_stream->shutdown(std::chrono::milliseconds(5'000));
}

} // namespace beatbook::loadgen
