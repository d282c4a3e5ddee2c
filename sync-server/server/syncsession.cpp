#include "server/syncsession.h"

#include "core/text.h"
#include "crypto/devicekey.h"
#include "server/serverlog.h"
#include "server/uploadcommitter.h"

#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <exception>

namespace beatbook {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr const char *kDeviceAuthLabel = "EXPORTER-beatbook-device-auth";
constexpr std::size_t kDeviceAuthBytes = 32;
constexpr std::size_t kEd25519PublicKeyBytes = 32;
// Ids, codes and app versions are short; anything longer is not one.
constexpr std::size_t kMaxIdentifier = 128;

std::string_view messageName(const syncv1::Envelope &envelope)
{
    const auto *field = syncv1::Envelope::descriptor()->FindFieldByNumber(static_cast<int>(envelope.body_case()));
    return field != nullptr ? std::string_view(field->name()) : std::string_view("nothing");
}

std::string_view streamErrorName(StreamError kind)
{
    switch (kind) {
    case StreamError::Closed:
        return "closed";
    case StreamError::TimedOut:
        return "timed_out";
    case StreamError::TlsFailure:
        return "tls_failure";
    case StreamError::BadFrame:
        return "bad_frame";
    case StreamError::Cancelled:
        return "cancelled";
    case StreamError::Io:
        return "io";
    }
    return "unknown";
}

std::string versionRange(std::uint32_t low, std::uint32_t high)
{
    return low == high ? std::to_string(low) : std::to_string(low) + " to " + std::to_string(high);
}

syncv1::Envelope refusalEnvelope(syncv1::Refusal::Code code, const std::string &message, bool wipe)
{
    syncv1::Envelope envelope;
    auto *refusal = envelope.mutable_refusal();
    refusal->set_code(code);
    refusal->set_message(message);
    refusal->set_wipe(wipe);
    return envelope;
}

FrameLimits limitsOf(const ServerSettings &settings) { return FrameLimits{settings.maxFrameBytes}; }

} // namespace

SyncSession::SyncSession(const SessionServices &services, tcp::socket socket, SslContextPtr tls, std::uint64_t id)
    : m_services(services), m_stream(std::move(socket), std::move(tls), TlsStream::Role::Server), m_id(id)
{
}

SyncSession::~SyncSession() = default;

// Runs f on the blocking pool and resumes the session on its own executor
// with the result. f must not throw across; an exception (only bad_alloc is
// possible) becomes a storage error rather than ending the pool's thread.
template <typename F>
asio::awaitable<std::invoke_result_t<F &>> SyncSession::blocking(F f)
{
    using R = std::invoke_result_t<F &>;
    auto &pool = m_services.blockingPool;
    co_return co_await asio::async_initiate<const asio::use_awaitable_t<> &, void(R)>(
        // fn is captured, not passed as an async_initiate argument, and
        // holds only references: with g++ 12, a non-trivial object carried
        // into use_awaitable's initiation can be destroyed twice.
        [&pool, fn = std::move(f)](auto handler) mutable {
            auto work = asio::prefer(asio::get_associated_executor(handler),
                                     asio::execution::outstanding_work.tracked);
            asio::post(pool, [handler = std::move(handler), fn = std::move(fn), work = std::move(work)]() mutable {
                std::optional<R> result;
                try {
                    result.emplace(fn());
                } catch (const std::exception &e) {
                    result.emplace(Error::storage(std::string("storage call failed: ") + e.what()));
                }
                asio::dispatch(work, [handler = std::move(handler), r = std::move(*result)]() mutable {
                    std::move(handler)(std::move(r));
                });
            });
        },
        asio::use_awaitable);
}

void SyncSession::requestStop()
{
    m_stopRequested = true;
    m_stream.interruptIdleRead();
}

void SyncSession::abort()
{
    m_stopRequested = true;
    m_endReason = "aborted";
    m_stream.close();
}

asio::awaitable<bool> SyncSession::send(const syncv1::Envelope &envelope)
{
    auto sent = co_await m_stream.writeFrame(envelope, m_services.settings.writeTimeout, limitsOf(m_services.settings));
    if (auto *f = std::get_if<StreamFailure>(&sent)) {
        m_services.log.info("session_write_failed", {{"session", m_id},
                                                     {"device", std::string_view(m_deviceId)},
                                                     {"kind", streamErrorName(f->kind)},
                                                     {"message", std::string_view(messageName(envelope))}});
        if (m_endReason == std::string_view("closed"))
            m_endReason = "write_failed";
        co_return false;
    }
    co_return true;
}

asio::awaitable<void> SyncSession::close() { co_await m_stream.shutdown(m_services.settings.closeTimeout); }

asio::awaitable<void> SyncSession::refuse(syncv1::Refusal::Code code, const std::string &message, bool wipe)
{
    const std::string &codeName = syncv1::Refusal::Code_Name(code);
    m_services.log.info("session_refused",
                        {{"session", m_id}, {"device", std::string_view(m_deviceId)}, {"code", std::string_view(codeName)}});
    m_endReason = "refused";
    if (co_await send(refusalEnvelope(code, message, wipe)))
        co_await close();
    else
        m_stream.close();
}

asio::awaitable<SyncSession::Next> SyncSession::refuseReadFailure(const StreamFailure &failure)
{
    switch (failure.kind) {
    case StreamError::BadFrame:
        co_await refuse(syncv1::Refusal::BAD_FRAME, "The server could not read the last frame: " + failure.message);
        break;
    case StreamError::TimedOut:
        co_await refuse(syncv1::Refusal::TIMEOUT, "The connection was silent for too long and is closed: sync again.");
        break;
    case StreamError::Cancelled:
        if (m_stopRequested)
            co_await refuse(syncv1::Refusal::SHUTTING_DOWN, "The server is shutting down: sync again in a minute.");
        else
            m_stream.close();
        break;
    case StreamError::Closed:
    case StreamError::TlsFailure:
    case StreamError::Io:
        m_endReason = failure.kind == StreamError::Closed ? "peer_closed" : "connection_failed";
        m_stream.close();
        break;
    }
    co_return Next::End;
}

asio::awaitable<void> SyncSession::run()
{
    const auto started = std::chrono::steady_clock::now();
    const ServerSettings &settings = m_services.settings;
    const FrameLimits limits = limitsOf(settings);

    auto handshake = co_await m_stream.handshake(settings.handshakeTimeout);
    if (auto *f = std::get_if<StreamFailure>(&handshake)) {
        m_services.log.info("session_tls_failed", {{"session", m_id},
                                                   {"kind", streamErrorName(f->kind)},
                                                   {"reason", std::string_view(f->message)}});
        m_stream.close();
        co_return;
    }

    Next next = Next::End;
    {
        // The hello is due right after the handshake.
        auto first = co_await m_stream.readFrame(settings.handshakeTimeout, settings.frameTimeout, limits);
        if (auto *f = std::get_if<StreamFailure>(&first)) {
            next = co_await refuseReadFailure(*f);
        } else if (auto &envelope = std::get<syncv1::Envelope>(first); !envelope.has_client_hello()) {
            co_await refuse(syncv1::Refusal::UNEXPECTED_MESSAGE,
                            "The session must begin with a hello, not " + std::string(messageName(envelope)) + ".");
        } else {
            next = co_await hello(envelope.client_hello());
        }
    }

    while (next == Next::Continue) {
        if (m_stopRequested) {
            co_await refuse(syncv1::Refusal::SHUTTING_DOWN, "The server is shutting down: sync again in a minute.");
            break;
        }
        auto frame = co_await m_stream.readFrame(settings.idleTimeout, settings.frameTimeout, limits);
        if (auto *f = std::get_if<StreamFailure>(&frame)) {
            next = co_await refuseReadFailure(*f);
            break;
        }
        const auto &envelope = std::get<syncv1::Envelope>(frame);
        ++m_requests;
        switch (envelope.body_case()) {
        case syncv1::Envelope::kUploadBatch:
            next = co_await upload(envelope.upload_batch());
            break;
        case syncv1::Envelope::kPullRequest:
            next = co_await pull(envelope.pull_request());
            break;
        case syncv1::Envelope::kVerifyRequest:
            next = co_await verify();
            break;
        case syncv1::Envelope::kGoodbye: {
            syncv1::Envelope goodbye;
            goodbye.mutable_goodbye();
            m_endReason = "goodbye";
            if (co_await send(goodbye))
                co_await close();
            next = Next::End;
            break;
        }
        default:
            co_await refuse(syncv1::Refusal::UNEXPECTED_MESSAGE,
                            "Expected an upload, a pull, a verify or a goodbye, not " + std::string(messageName(envelope))
                                + ".");
            next = Next::End;
            break;
        }
    }
    m_stream.close();

    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    m_services.log.info("session_end", {{"session", m_id},
                                        {"device", std::string_view(m_deviceId)},
                                        {"reason", std::string_view(m_endReason)},
                                        {"requests", std::uint64_t{m_requests}},
                                        {"changes", m_changes},
                                        {"records", m_records},
                                        {"ms", std::int64_t{millis}}});
}

asio::awaitable<SyncSession::Next> SyncSession::hello(const syncv1::ClientHello &hello)
{
    const std::uint32_t low = hello.min_version();
    const std::uint32_t high = hello.max_version();
    const std::string serverRange = versionRange(kOldestSyncProtocolVersion, kSyncProtocolVersion);
    if (high < low) {
        co_await refuse(syncv1::Refusal::BAD_REQUEST, "The hello names no valid range of protocol versions.");
        co_return Next::End;
    }
    if (high < kOldestSyncProtocolVersion) {
        co_await refuse(syncv1::Refusal::VERSION_TOO_OLD,
                        "This app is too old for the server: it speaks sync protocol " + versionRange(low, high)
                            + " and the server needs " + serverRange + ". Update the app, then sync again.");
        co_return Next::End;
    }
    if (low > kSyncProtocolVersion) {
        co_await refuse(syncv1::Refusal::VERSION_TOO_NEW,
                        "This app is newer than the server: it needs sync protocol " + versionRange(low, high)
                            + " and the server speaks " + serverRange
                            + ". The server must be updated before this app can sync.");
        co_return Next::End;
    }
    m_version = std::min(high, kSyncProtocolVersion);

    if (!checkText("device id", hello.device_id(), kMaxIdentifier).ok()
        || !checkText("app version", hello.app_version(), kMaxIdentifier).ok()) {
        co_await refuse(syncv1::Refusal::BAD_REQUEST, "The hello's device id or app version is not valid text.");
        co_return Next::End;
    }

    if (hello.device_id().empty()) {
        if (!hello.device_signature().empty()) {
            co_await refuse(syncv1::Refusal::BAD_REQUEST, "A signature was sent without a device id.");
            co_return Next::End;
        }
        co_await enrol();
        co_return Next::End;
    }

    const std::string deviceId = hello.device_id();
    auto found = co_await blocking([this, &deviceId] { return m_services.directory.findDevice(deviceId); });
    if (!found) {
        m_services.log.error("directory_failed", {{"session", m_id}, {"call", std::string_view("findDevice")}});
        co_await refuse(syncv1::Refusal::INTERNAL, "The server could not check this device: sync again later.");
        co_return Next::End;
    }
    if (!found->has_value()) {
        co_await refuse(syncv1::Refusal::UNAUTHENTICATED,
                        "This device is not enrolled with this server: enrol it again with a new code.");
        co_return Next::End;
    }
    const EnrolledDevice &enrolled = **found;
    // The signature covers this TLS session's exported keying material, so
    // a signature recorded from another session proves nothing here.
    const std::string material = m_stream.exportKeyingMaterial(kDeviceAuthLabel, kDeviceAuthBytes);
    if (material.size() != kDeviceAuthBytes
        || !verifyDeviceSignature(enrolled.device.publicKey, material, hello.device_signature())) {
        co_await refuse(syncv1::Refusal::UNAUTHENTICATED,
                        "This device could not prove its identity to the server: enrol it again with a new code.");
        co_return Next::End;
    }
    m_deviceId = enrolled.device.id;
    if (enrolled.device.status == DeviceStatus::Revoked) {
        co_await refuse(syncv1::Refusal::DEVICE_REVOKED,
                        "An administrator has revoked this device: its Beatbook data must now be erased.", true);
        co_return Next::End;
    }
    if (enrolled.user.disabled) {
        co_await refuse(syncv1::Refusal::USER_DISABLED,
                        "Your account has been disabled: ask your administrator before syncing again.");
        co_return Next::End;
    }
    m_scope = enrolled.user.scope();

    const TimestampMs now = m_services.clock.nowMs();
    auto touched = co_await blocking([this, now] { return m_services.directory.touchDevice(m_deviceId, now); });
    if (!touched)  // only the "last seen" time: not worth refusing the device for
        m_services.log.warning("directory_failed", {{"session", m_id}, {"call", std::string_view("touchDevice")}});

    syncv1::Envelope reply;
    auto *serverHello = reply.mutable_server_hello();
    serverHello->set_version(m_version);
    serverHello->set_server_id(m_services.identity.serverId);
    serverHello->set_user_name(m_scope.userName);
    serverHello->set_role(std::string(toString(m_scope.role)));
    for (const auto &ward : m_scope.wards)
        serverHello->add_wards(ward);
    m_services.log.info("session_authenticated", {{"session", m_id},
                                                  {"device", std::string_view(m_deviceId)},
                                                  {"role", toString(m_scope.role)},
                                                  {"version", std::uint64_t{m_version}},
                                                  {"app_version", std::string_view(hello.app_version())}});
    co_return co_await send(reply) ? Next::Continue : Next::End;
}

asio::awaitable<void> SyncSession::enrol()
{
    const ServerSettings &settings = m_services.settings;
    {
        syncv1::Envelope reply;
        reply.mutable_server_hello()->set_version(m_version);
        reply.mutable_server_hello()->set_server_id(m_services.identity.serverId);
        if (!co_await send(reply))
            co_return;
    }
    auto frame = co_await m_stream.readFrame(settings.handshakeTimeout, settings.frameTimeout, limitsOf(settings));
    if (auto *f = std::get_if<StreamFailure>(&frame)) {
        co_await refuseReadFailure(*f);
        co_return;
    }
    const auto &envelope = std::get<syncv1::Envelope>(frame);
    if (!envelope.has_enrol_request()) {
        co_await refuse(syncv1::Refusal::UNEXPECTED_MESSAGE,
                        "A device without an id must enrol, not send " + std::string(messageName(envelope)) + ".");
        co_return;
    }
    const auto &request = envelope.enrol_request();
    if (request.public_key().size() != kEd25519PublicKeyBytes) {
        co_await refuse(syncv1::Refusal::BAD_REQUEST, "The device key must be a 32-byte Ed25519 public key.");
        co_return;
    }
    if (!checkText("device label", request.device_label(), kMaxShortText).ok()) {
        co_await refuse(syncv1::Refusal::BAD_REQUEST, "The device label must be text of at most "
                                                          + std::to_string(kMaxShortText) + " bytes.");
        co_return;
    }
    const std::string refusedText = "This enrolment code is unknown, already used or expired: ask your "
                                    "administrator for a new one.";
    if (request.code_secret().empty() || !checkText("code", request.code_secret(), kMaxIdentifier).ok()) {
        co_await refuse(syncv1::Refusal::ENROLMENT_REFUSED, refusedText);
        co_return;
    }
    const TimestampMs now = m_services.clock.nowMs();
    auto enrolled = co_await blocking([this, &request, now] {
        return m_services.directory.enrolDevice(request.code_secret(), request.public_key(), request.device_label(),
                                                now);
    });
    if (!enrolled) {
        const ErrorCode code = enrolled.error().code;
        if (code == ErrorCode::NotAllowed || code == ErrorCode::NotFound || code == ErrorCode::InvalidInput) {
            co_await refuse(syncv1::Refusal::ENROLMENT_REFUSED, refusedText);
        } else {
            m_services.log.error("directory_failed", {{"session", m_id}, {"call", std::string_view("enrolDevice")}});
            co_await refuse(syncv1::Refusal::INTERNAL, "The server could not enrol the device: try again later.");
        }
        co_return;
    }
    m_deviceId = enrolled->device.id;
    syncv1::Envelope reply;
    auto *response = reply.mutable_enrol_response();
    response->set_device_id(enrolled->device.id);
    response->set_user_name(enrolled->user.name);
    response->set_role(std::string(toString(enrolled->user.role)));
    for (const auto &ward : enrolled->user.wards)
        response->add_wards(ward);
    response->set_match_key(m_services.identity.matchKey);
    response->set_server_id(m_services.identity.serverId);
    m_services.log.info("device_enrolled", {{"session", m_id},
                                            {"device", std::string_view(m_deviceId)},
                                            {"role", toString(enrolled->user.role)}});
    m_endReason = "enrolled";
    // The device reconnects as itself; this session has done its part.
    if (co_await send(reply))
        co_await close();
}

asio::awaitable<SyncSession::Next> SyncSession::upload(const syncv1::UploadBatch &batch)
{
    const auto count = static_cast<std::size_t>(batch.changes_size());
    if (count > m_services.settings.maxChangesPerBatch) {
        co_await refuse(syncv1::Refusal::BAD_REQUEST,
                        "An upload may hold at most " + std::to_string(m_services.settings.maxChangesPerBatch)
                            + " changes; this one held " + std::to_string(count) + ". Send smaller batches.");
        co_return Next::End;
    }
    if (count == 0) {
        // Nothing to make durable: no reason to wait for a commit.
        syncv1::Envelope reply;
        reply.mutable_upload_result();
        co_return co_await send(reply) ? Next::Continue : Next::End;
    }
    // The request and its batch stay in this session's frame while the
    // committer works. Its changes are decoded here, on this session's
    // thread, not on the one writer's.
    const UploadRequest request{m_deviceId, m_scope, batch};
    auto result = co_await m_services.committer.submit(request);
    if (!result) {
        if (result.error().code == ErrorCode::NotAllowed)
            co_await refuse(syncv1::Refusal::SHUTTING_DOWN, "The server is shutting down: sync again in a minute.");
        else
            co_await refuse(syncv1::Refusal::INTERNAL,
                            "The server could not store the changes; none was applied. Sync again later.");
        co_return Next::End;
    }
    std::uint64_t accepted = 0, rejected = 0, conflicts = 0;
    for (const auto &r : result->results()) {
        if (r.outcome() == syncv1::ChangeResult::ACCEPTED)
            ++accepted;
        else
            ++rejected;
        if (r.conflict())
            ++conflicts;
    }
    m_changes += count;
    m_services.log.info("upload", {{"session", m_id},
                                   {"device", std::string_view(m_deviceId)},
                                   {"changes", std::uint64_t{count}},
                                   {"accepted", accepted},
                                   {"rejected", rejected},
                                   {"conflicts", conflicts}});
    syncv1::Envelope reply;
    *reply.mutable_upload_result() = std::move(*result);
    co_return co_await send(reply) ? Next::Continue : Next::End;
}

asio::awaitable<SyncSession::Next> SyncSession::pull(const syncv1::PullRequest &request)
{
    syncv1::PullRequest bounded = request;
    const std::uint32_t most = m_services.settings.maxRecordsPerPage;
    if (bounded.max_records() == 0 || bounded.max_records() > most)
        bounded.set_max_records(most);
    auto page = co_await blocking([this, &bounded] { return m_services.storage.pull(m_scope, bounded); });
    if (!page) {
        m_services.log.error("storage_failed", {{"session", m_id},
                                                {"device", std::string_view(m_deviceId)},
                                                {"call", std::string_view("pull")}});
        co_await refuse(syncv1::Refusal::INTERNAL, "The server could not read the changes: sync again later.");
        co_return Next::End;
    }
    const auto records = static_cast<std::uint64_t>(page->records_size());
    m_records += records;
    m_services.log.info("pull", {{"session", m_id},
                                 {"device", std::string_view(m_deviceId)},
                                 {"cursor", std::uint64_t{request.cursor()}},
                                 {"next_cursor", std::uint64_t{page->next_cursor()}},
                                 {"records", records},
                                 {"complete", page->complete()},
                                 {"rebaseline", page->rebaseline()}});
    syncv1::Envelope reply;
    *reply.mutable_pull_page() = std::move(*page);
    co_return co_await send(reply) ? Next::Continue : Next::End;
}

asio::awaitable<SyncSession::Next> SyncSession::verify()
{
    auto response = co_await blocking([this] { return m_services.storage.verify(m_scope); });
    if (!response) {
        m_services.log.error("storage_failed", {{"session", m_id},
                                                {"device", std::string_view(m_deviceId)},
                                                {"call", std::string_view("verify")}});
        co_await refuse(syncv1::Refusal::INTERNAL, "The server could not check the records: sync again later.");
        co_return Next::End;
    }
    m_services.log.info("verify", {{"session", m_id},
                                   {"device", std::string_view(m_deviceId)},
                                   {"cursor", std::uint64_t{response->cursor()}}});
    syncv1::Envelope reply;
    *reply.mutable_verify_response() = std::move(*response);
    co_return co_await send(reply) ? Next::Continue : Next::End;
}

asio::awaitable<void> SyncSession::refuseBusy(tcp::socket socket, SslContextPtr tls, const ServerSettings &settings,
                                              ServerLog &log, std::uint64_t id)
{
    TlsStream stream(std::move(socket), std::move(tls), TlsStream::Role::Server);
    auto handshake = co_await stream.handshake(settings.handshakeTimeout);
    if (std::holds_alternative<StreamFailure>(handshake)) {
        stream.close();
        co_return;
    }
    log.warning("session_refused", {{"session", id}, {"code", std::string_view("SERVER_BUSY")}});
    auto sent = co_await stream.writeFrame(
        refusalEnvelope(syncv1::Refusal::SERVER_BUSY, "The server is busy: sync again in a minute.", false),
        settings.writeTimeout, limitsOf(settings));
    if (std::holds_alternative<std::monostate>(sent))
        co_await stream.shutdown(settings.closeTimeout);
    stream.close();
}

} // namespace beatbook
