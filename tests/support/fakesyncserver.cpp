#include "fakesyncserver.h"

#include "signedclienthello.h"
#include "tlstestcertificates.h"

#include "crypto/certificates.h"
#include "crypto/devicekey.h"
#include "sync/localchecksum.h"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <QtGlobal>

namespace beatbook::testing {
namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

struct FakeSyncServer::Impl {
    asio::io_context io;
    std::optional<tcp::acceptor> acceptor;
    SslContextPtr context;
    std::thread thread;
};

asio::awaitable<std::optional<syncv1::Envelope>> FakeSyncServer::Connection::read()
{
    auto result = co_await m_stream.readFrame(10s, 10s, FrameLimits{});
    if (auto *envelope = std::get_if<syncv1::Envelope>(&result)) {
        {
            std::lock_guard lock(m_server.m_mutex);
            m_server.m_frames[m_index].push_back(static_cast<int>(envelope->body_case()));
        }
        co_return std::move(*envelope);
    }
    co_return std::nullopt;
}

asio::awaitable<bool> FakeSyncServer::Connection::write(const syncv1::Envelope &envelope)
{
    auto result = co_await m_stream.writeFrame(envelope, 10s, FrameLimits{});
    co_return std::holds_alternative<std::monostate>(result);
}

std::string FakeSyncServer::Connection::exportKeyingMaterial() const
{
    return m_stream.exportKeyingMaterial(kDeviceAuthLabel, kDeviceAuthBytes);
}

FakeSyncServer::FakeSyncServer() : m_impl(std::make_unique<Impl>()) {}

FakeSyncServer::~FakeSyncServer()
{
    m_impl->io.stop();
    if (m_impl->thread.joinable())
        m_impl->thread.join();
}

void FakeSyncServer::setScripts(std::vector<Script> scripts)
{
    std::lock_guard lock(m_mutex);
    m_scripts = std::move(scripts);
}

int FakeSyncServer::connections() const
{
    std::lock_guard lock(m_mutex);
    return static_cast<int>(m_frames.size());
}

std::vector<std::vector<int>> FakeSyncServer::framesRead() const
{
    std::lock_guard lock(m_mutex);
    return m_frames;
}

bool FakeSyncServer::start()
{
    auto tls = makeTlsTestCertificates("Fake sync server test CA");
    if (!tls) {
        qWarning("%s", tls.error().message.c_str());
        return false;
    }
    auto digest = beatbook::certificateSha256(tls->server.certificatePem);
    if (!digest) {
        qWarning("cannot set up the fake server's TLS");
        return false;
    }
    m_certificateSha256 = *digest;
    m_impl->context = tls->serverContext;
    boost::system::error_code error;
    m_impl->acceptor.emplace(m_impl->io);
    const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    m_impl->acceptor->open(endpoint.protocol(), error);
    if (!error)
        m_impl->acceptor->bind(endpoint, error);
    if (!error)
        m_impl->acceptor->listen(16, error);
    if (error) {
        qWarning("the fake server cannot listen: %s", error.message().c_str());
        return false;
    }
    m_port = m_impl->acceptor->local_endpoint().port();

    asio::co_spawn(
        m_impl->io,
        [this]() -> asio::awaitable<void> {
            for (;;) {
                auto [acceptError, socket] = co_await m_impl->acceptor->async_accept(asio::as_tuple(asio::use_awaitable));
                if (acceptError)
                    co_return;
                Script script;
                std::size_t index = 0;
                {
                    std::lock_guard lock(m_mutex);
                    index = m_frames.size();
                    m_frames.emplace_back();
                    if (index < m_scripts.size())
                        script = m_scripts[index];
                }
                asio::co_spawn(
                    m_impl->io,
                    [this, script, index, socket = std::move(socket)]() mutable -> asio::awaitable<void> {
                        TlsStream stream(std::move(socket), m_impl->context, TlsStream::Role::Server);
                        if (!script)
                            co_return;
                        auto shaken = co_await stream.handshake(10s);
                        if (!std::holds_alternative<std::monostate>(shaken))
                            co_return;
                        Connection connection(stream, *this, index);
                        co_await script(connection);
                        co_await stream.shutdown(1s);
                    },
                    asio::detached);
            }
        },
        asio::detached);
    m_impl->thread = std::thread([this] { m_impl->io.run(); });
    return true;
}

namespace fakesync {

syncv1::Envelope refusal(syncv1::Refusal::Code code, const std::string &message, bool wipe)
{
    syncv1::Envelope e;
    e.mutable_refusal()->set_code(code);
    e.mutable_refusal()->set_message(message);
    e.mutable_refusal()->set_wipe(wipe);
    return e;
}

FakeSyncServer::Script enrolScript(ServerState &state)
{
    return [&state](FakeSyncServer::Connection &c) -> asio::awaitable<void> {
        auto hello = co_await c.read();
        if (!hello || !hello->has_client_hello() || !hello->client_hello().device_id().empty())
            co_return;
        syncv1::Envelope greeting;
        greeting.mutable_server_hello()->set_version(1);
        greeting.mutable_server_hello()->set_server_id("srv-1");
        co_await c.write(greeting);
        auto request = co_await c.read();
        if (!request || !request->has_enrol_request())
            co_return;
        {
            std::lock_guard lock(state.mutex);
            state.secret = request->enrol_request().code_secret();
            state.publicKey = request->enrol_request().public_key();
            state.label = request->enrol_request().device_label();
        }
        syncv1::Envelope answer;
        auto *response = answer.mutable_enrol_response();
        response->set_device_id(kDeviceId);
        response->set_user_name("pat");
        response->set_role("pcso");
        response->add_wards("E05013630");
        response->set_match_key(std::string(32, '\x11'));
        response->set_server_id("srv-1");
        co_await c.write(answer);
        co_await c.read();  // Goodbye
    };
}

FakeSyncServer::Script syncScript(ServerState &state, std::vector<syncv1::Record> records,
                                  std::vector<std::string> wards)
{
    return [&state, records, wards](FakeSyncServer::Connection &c) -> asio::awaitable<void> {
        auto hello = co_await c.read();
        if (!hello || !hello->has_client_hello())
            co_return;
        bool valid = false;
        {
            std::lock_guard lock(state.mutex);
            valid = hello->client_hello().device_id() == kDeviceId
                && verifyDeviceSignature(state.publicKey, c.exportKeyingMaterial(),
                                         hello->client_hello().device_signature());
            state.signatureValid = valid;
        }
        if (!valid) {
            co_await c.write(refusal(syncv1::Refusal::UNAUTHENTICATED, "who are you"));
            co_return;
        }
        syncv1::Envelope greeting;
        auto *server = greeting.mutable_server_hello();
        server->set_version(1);
        server->set_server_id("srv-1");
        server->set_user_name("pat");
        server->set_role("pcso");
        for (const auto &ward : wards)
            server->add_wards(ward);
        co_await c.write(greeting);
        for (;;) {
            auto request = co_await c.read();
            if (!request || request->has_goodbye())
                co_return;
            syncv1::Envelope answer;
            if (request->has_upload_batch()) {
                std::lock_guard lock(state.mutex);
                for (const auto &change : request->upload_batch().changes()) {
                    auto *result = answer.mutable_upload_result()->add_results();
                    result->set_seq(change.seq());
                    if (std::find(state.rejectEntities.begin(), state.rejectEntities.end(), change.entity())
                        != state.rejectEntities.end()) {
                        result->set_outcome(syncv1::ChangeResult::REJECTED);
                        result->set_reason(state.rejectReason);
                        continue;
                    }
                    result->set_outcome(syncv1::ChangeResult::ACCEPTED);
                    state.seqs.push_back(change.seq());
                    if (change.op() == syncv1::Change::CREATE) {
                        auto &sum = state.sums[change.entity()];
                        ++sum.first;
                        sum.second += LocalChecksum::term(change.entity(), change.entity_id(), change.hlc());
                    }
                }
            } else if (request->has_pull_request()) {
                auto *page = answer.mutable_pull_page();
                if (request->pull_request().cursor() == 0)
                    for (const auto &record : records)
                        *page->add_records() = record;
                page->set_next_cursor(10);
                page->set_complete(true);
                page->set_scope_token("tok-1");
                std::lock_guard lock(state.mutex);
                ++state.pulls;
            } else if (request->has_verify_request()) {
                std::lock_guard lock(state.mutex);
                auto *response = answer.mutable_verify_response();
                response->set_cursor(10);
                auto sums = state.sums;
                for (const auto &record : records) {
                    auto &sum = sums[record.entity()];
                    ++sum.first;
                    sum.second += LocalChecksum::term(record.entity(), record.id(), record.version());
                }
                for (const auto &[entity, sum] : sums) {
                    auto *checksum = response->add_checksums();
                    checksum->set_entity(entity);
                    checksum->set_count(sum.first);
                    checksum->set_checksum(sum.second);
                }
            } else {
                co_await c.write(refusal(syncv1::Refusal::UNEXPECTED_MESSAGE, "out of order"));
                co_return;
            }
            if (!co_await c.write(answer))
                co_return;
        }
    };
}

FakeSyncServer::Script refuseScript(syncv1::Refusal::Code code, const std::string &message, bool wipe)
{
    return [code, message, wipe](FakeSyncServer::Connection &c) -> asio::awaitable<void> {
        if (co_await c.read())
            co_await c.write(refusal(code, message, wipe));
    };
}

} // namespace fakesync

} // namespace beatbook::testing
