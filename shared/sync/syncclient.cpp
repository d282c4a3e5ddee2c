#include "sync/syncclient.h"

#include "core/randomsource.h"
#include "crypto/devicekey.h"
#include "store/devicestore.h"
#include "sync/entitycatalog.h"
#include "sync/localchecksum.h"
#include "sync/pullapplier.h"
#include "sync/syncconnection_p.h"
#include "sync/syncstate.h"

#include <set>

namespace beatbook {
namespace asio = boost::asio;

namespace {

constexpr const char *kDeviceAuthLabel = "EXPORTER-beatbook-device-auth";
constexpr std::size_t kDeviceAuthBytes = 32;

using Failure = std::optional<SessionFailure>;
using Received = std::variant<syncv1::Envelope, SessionFailure>;

struct Outcome {
    Failure failure;
};

SessionFailure localFailure(const std::string &what, const Error &error)
{
    return {SessionFailureKind::Local, what + ": " + error.message};
}

SessionFailure protocolFailure(const std::string &message) { return {SessionFailureKind::Protocol, message}; }

bool retryable(SessionFailureKind kind)
{
    return kind == SessionFailureKind::Network || kind == SessionFailureKind::Busy;
}

// Entities the server never sends this role back, so they are not compared.
std::set<std::string, std::less<>> entitiesNotCompared(Role role)
{
    std::set<std::string, std::less<>> skip;
    if (role == Role::Champion)
        for (const EntityInfo &entity : syncedEntities())
            if (entity.personal)
                skip.insert(std::string(entity.name));
    return skip;
}

// One session with the server: everything between connecting and Goodbye.
class Session {
public:
    Session(DeviceStore &store, const SyncSettings &settings, const EntityCatalog &catalog, SyncReport &report,
            TransferCount &count, const SyncProgressCallback &progress)
        : m_store(store), m_settings(settings), m_catalog(catalog), m_report(report), m_count(count),
          m_progress(progress)
    {
    }

    asio::awaitable<Failure> run(SyncConnection &connection, const ServerAddress &address, CancelScope &cancel)
    {
        m_cancel = &cancel;
        auto state = loadSyncState(m_store.db());
        if (!state)
            co_return localFailure("could not read the sync state", state.error());
        report(SyncProgress::Phase::Connecting);
        if (auto failed = co_await connection.open(address))
            co_return failed;
        // The pin before anything else is sent: a device talks to the
        // server it enrolled with, and to no other.
        if (connection.peerCertificateSha256() != state->pinnedCertificateSha256)
            co_return SessionFailure{SessionFailureKind::Pin,
                                     "the sync server at " + address.text()
                                         + " presented a certificate other than the one this device enrolled with: "
                                           "not syncing (if the server's certificate was replaced, enrol again)"};
        if (auto failed = co_await hello(connection, *state))
            co_return failed;
        if (auto failed = co_await upload(connection))
            co_return failed;
        if (auto failed = co_await pull(connection))
            co_return failed;
        if (auto failed = co_await verify(connection))
            co_return failed;
        co_await connection.finish();
        if (auto saved = saveLastSyncAt(m_store.db(), m_store.now()); !saved)
            co_return localFailure("could not record the sync", saved.error());
        // Forgotten or evicted details still sit in older frames of the
        // write-ahead log until a checkpoint: copy the log back and truncate
        // it now, so they leave the device's files at once.
        if (m_report.forgotten > 0 || m_report.recordsRemoved > 0)
            if (auto ok = m_store.db().exec("PRAGMA wal_checkpoint(TRUNCATE)"); !ok)
                co_return localFailure("could not clear forgotten details from the log", ok.error());
        report(SyncProgress::Phase::Done);
        co_return std::nullopt;
    }

private:
    void report(SyncProgress::Phase phase)
    {
        m_report.bytesSent = m_count.bytesSent;
        m_report.bytesReceived = m_count.bytesReceived;
        if (!m_progress)
            return;
        SyncProgress p;
        p.phase = phase;
        p.changesSent = m_report.changesSent;
        p.changesAnswered = m_report.accepted + m_report.rejected;
        p.recordsReceived = m_report.recordsReceived;
        p.bytesSent = m_count.bytesSent;
        p.bytesReceived = m_count.bytesReceived;
        m_progress(p);
    }

    Failure cancelled() const
    {
        if (m_cancel && m_cancel->requested())
            return SessionFailure{SessionFailureKind::Cancelled, "sync cancelled"};
        return std::nullopt;
    }

    asio::awaitable<Received> expect(SyncConnection &connection, syncv1::Envelope::BodyCase body, const char *what)
    {
        auto received = co_await connection.receive();
        if (auto *failed = std::get_if<SessionFailure>(&received))
            co_return std::move(*failed);
        auto &envelope = std::get<syncv1::Envelope>(received);
        if (envelope.body_case() != body)
            co_return protocolFailure(std::string("the sync server sent an unexpected message (expected ") + what + ")");
        co_return std::move(envelope);
    }

    asio::awaitable<Failure> hello(SyncConnection &connection, const SyncState &state)
    {
        const std::string material = connection.exportKeyingMaterial(kDeviceAuthLabel, kDeviceAuthBytes);
        if (material.size() != kDeviceAuthBytes)
            co_return SessionFailure{SessionFailureKind::Tls, "the secure connection gave no keying material to sign"};
        auto signature = signWithDeviceKey(state.devicePrivateKey, material);
        if (!signature)
            co_return localFailure("could not sign in to the sync server", signature.error());
        syncv1::Envelope envelope;
        auto *hello = envelope.mutable_client_hello();
        hello->set_min_version(kOldestSyncProtocolVersion);
        hello->set_max_version(kSyncProtocolVersion);
        hello->set_app_version(m_settings.appVersion);
        hello->set_device_id(m_store.profile().deviceId);
        hello->set_device_signature(*signature);
        if (auto failed = co_await connection.send(envelope))
            co_return failed;
        auto received = co_await expect(connection, syncv1::Envelope::kServerHello, "the server's hello");
        if (auto *failed = std::get_if<SessionFailure>(&received))
            co_return std::move(*failed);
        const auto &server = std::get<syncv1::Envelope>(received).server_hello();
        if (server.version() < kOldestSyncProtocolVersion || server.version() > kSyncProtocolVersion)
            co_return protocolFailure("the sync server chose protocol version " + std::to_string(server.version())
                                      + ", which this app does not speak");
        if (!state.serverId.empty() && server.server_id() != state.serverId)
            co_return SessionFailure{SessionFailureKind::Pin,
                                     "the sync server is not the one this device enrolled with (its id changed): "
                                     "enrol again"};
        // The user's name, role and wards may have changed since the last
        // session: the device takes the server's word (the next pull then
        // rebaselines a changed scope).
        auto role = enumFromString<Role>(server.role());
        if (!role)
            co_return protocolFailure("the sync server named an unknown role");
        DeviceProfile identity = m_store.profile();
        std::vector<std::string> wards(server.wards().begin(), server.wards().end());
        const std::string userName = server.user_name().empty() ? identity.userName : server.user_name();
        if (identity.userName != userName || identity.role != *role || identity.wards != wards) {
            identity.userName = userName;
            identity.role = *role;
            identity.wards = std::move(wards);
            if (auto adopted = m_store.adoptIdentity(identity); !adopted)
                co_return localFailure("could not record the user's role and wards", adopted.error());
        }
        co_return std::nullopt;
    }

    asio::awaitable<Failure> upload(SyncConnection &connection)
    {
        OutboxQueue queue(m_store.db(), m_store.clock());
        PullApplier applier(m_store, m_catalog);
        for (;;) {
            if (auto stop = cancelled())
                co_return stop;
            auto batch = queue.nextBatch(m_settings.batch);
            if (!batch)
                co_return localFailure("could not read the changes to send", batch.error());
            const auto count = static_cast<std::uint64_t>(batch->changes_size());
            if (count == 0)
                co_return std::nullopt;
            syncv1::Envelope envelope;
            envelope.mutable_upload_batch()->Swap(&*batch);
            if (auto failed = co_await connection.send(envelope))
                co_return failed;
            m_report.changesSent += count;
            report(SyncProgress::Phase::Uploading);
            auto received = co_await expect(connection, syncv1::Envelope::kUploadResult, "the answers to a batch");
            if (auto *failed = std::get_if<SessionFailure>(&received))
                co_return std::move(*failed);
            auto answered = queue.recordResults(std::get<syncv1::Envelope>(received).upload_result());
            if (!answered)
                co_return localFailure("could not record the server's answers", answered.error());
            m_report.accepted += answered->accepted;
            m_report.rejected += answered->rejected;
            m_report.conflicts += answered->conflicts;
            if (answered->accepted + answered->rejected == 0)
                co_return protocolFailure("the sync server answered none of the changes sent");
            if (m_store.profile().role == Role::Champion) {
                auto forgotten = applier.forgetAcknowledgedPeople();
                if (!forgotten)
                    co_return localFailure("could not let go of people's details", forgotten.error());
                m_report.forgotten += *forgotten;
            }
            report(SyncProgress::Phase::Uploading);
        }
    }

    asio::awaitable<Failure> pull(SyncConnection &connection)
    {
        PullApplier applier(m_store, m_catalog);
        auto state = loadSyncState(m_store.db());
        if (!state)
            co_return localFailure("could not read the sync state", state.error());
        std::uint64_t requestedCursor = state->cursor;
        std::string scopeToken = state->scopeToken;
        if (auto failed = co_await requestPage(connection, requestedCursor, scopeToken))
            co_return failed;
        for (;;) {
            if (auto stop = cancelled())
                co_return stop;
            auto received = co_await expect(connection, syncv1::Envelope::kPullPage, "a page of records");
            if (auto *failed = std::get_if<SessionFailure>(&received))
                co_return std::move(*failed);
            const auto &page = std::get<syncv1::Envelope>(received).pull_page();
            const bool more = !page.complete();
            if (more && page.records_size() == 0 && !page.rebaseline() && page.next_cursor() <= requestedCursor)
                co_return protocolFailure("the sync server's feed did not move on");
            // Ask for the next page before writing this one, so the server
            // reads and sends it while the device applies. The request names
            // the cursor and scope token the applier stores with this page;
            // if applying fails the session ends and the stored cursor stays
            // where it was.
            if (more) {
                requestedCursor = page.next_cursor();
                if (!page.scope_token().empty())
                    scopeToken = page.scope_token();
                if (auto failed = co_await requestPage(connection, requestedCursor, scopeToken))
                    co_return failed;
            }
            auto applied = applier.apply(page);
            if (!applied)
                co_return localFailure("could not apply what the server sent", applied.error());
            m_report.recordsReceived += applied->received;
            m_report.recordsRemoved += applied->removed + applied->swept;
            m_report.forgotten += applied->forgotten;
            report(SyncProgress::Phase::Downloading);
            if (!more)
                co_return std::nullopt;
        }
    }

    asio::awaitable<Failure> requestPage(SyncConnection &connection, std::uint64_t cursor, const std::string &scopeToken)
    {
        syncv1::Envelope envelope;
        auto *request = envelope.mutable_pull_request();
        request->set_cursor(cursor);
        request->set_max_records(m_settings.pageRecords);
        request->set_scope_token(scopeToken);
        co_return co_await connection.send(envelope);
    }

    asio::awaitable<Failure> verify(SyncConnection &connection)
    {
        const auto skip = entitiesNotCompared(m_store.profile().role);
        for (int round = 0; round < m_settings.verifyRounds; ++round) {
            if (auto stop = cancelled())
                co_return stop;
            report(SyncProgress::Phase::Verifying);
            syncv1::Envelope envelope;
            envelope.mutable_verify_request();
            if (auto failed = co_await connection.send(envelope))
                co_return failed;
            auto received = co_await expect(connection, syncv1::Envelope::kVerifyResponse, "the server's checksums");
            if (auto *failed = std::get_if<SessionFailure>(&received))
                co_return std::move(*failed);
            const auto &server = std::get<syncv1::Envelope>(received).verify_response();
            auto state = loadSyncState(m_store.db());
            if (!state)
                co_return localFailure("could not read the sync state", state.error());
            if (server.cursor() > state->cursor) {
                // Changes arrived on the server since the pull: fetch them first.
                if (auto failed = co_await pull(connection))
                    co_return failed;
                continue;
            }
            LocalChecksum checksum(m_store.db());
            auto local = checksum.compute(skip);
            if (!local)
                co_return localFailure("could not compute the device's checksums", local.error());
            auto compared = LocalChecksum::compare(*local, server, skip);
            m_report.mismatched = compared.mismatched;
            m_report.verified = compared.matches;
            if (compared.matches || !m_settings.repairOnMismatch || m_report.repaired)
                co_return std::nullopt;
            // The device and the server disagree although the device is up
            // to date: take the whole scope again, and let the sweep remove
            // what the server no longer has for this device.
            m_report.repaired = true;
            Database &db = m_store.db();
            const Status reset = db.transaction([&]() -> Status {
                if (auto ok = db.exec("DELETE FROM sync_rebaseline_seen"); !ok)
                    return ok;
                if (auto ok = saveRebaselineActive(db, true); !ok)
                    return ok;
                return saveSyncCursor(db, 0, state->scopeToken);
            });
            if (!reset)
                co_return localFailure("could not start a full pull", reset.error());
            if (auto failed = co_await pull(connection))
                co_return failed;
        }
        co_return std::nullopt;
    }

    DeviceStore &m_store;
    const SyncSettings &m_settings;
    const EntityCatalog &m_catalog;
    SyncReport &m_report;
    TransferCount &m_count;
    const SyncProgressCallback &m_progress;
    CancelScope *m_cancel = nullptr;
};

} // namespace

SyncClient::SyncClient(DeviceStore &store, RandomSource &random, SyncSettings settings)
    : m_store(store), m_random(random), m_settings(std::move(settings))
{
}

Result<SyncReport> SyncClient::sync(const std::atomic<bool> *cancel)
{
    m_report = {};
    if (!m_store.isOpen())
        return Error::notAllowed("the device's data was wiped: enrol it again");
    if (!m_store.isInitialised())
        return Error::notAllowed("this device is not enrolled: run enrol first");
    auto state = loadSyncState(m_store.db());
    if (!state)
        return state.error();
    if (!state->isEnrolled())
        return Error::notAllowed("this device is not enrolled with a sync server: run enrol first");
    auto address = parseServerAddress(state->serverAddress);
    if (!address)
        return Error::storage("the stored server address is unreadable: " + address.error().message);
    auto catalog = EntityCatalog::load(m_store.db());
    if (!catalog)
        return catalog.error();
    auto context = makeClientTlsContext();
    if (!context)
        return context.error();

    SyncTimeouts timeouts;
    timeouts.connect = m_settings.connectTimeout;
    timeouts.handshake = m_settings.handshakeTimeout;
    timeouts.answer = m_settings.answerTimeout;
    timeouts.frame = m_settings.frameTimeout;
    timeouts.write = m_settings.frameTimeout;
    TransferCount count;
    Session session(m_store, m_settings, *catalog, m_report, count, m_progress);

    Outcome outcome = runSession<Outcome>(
        cancel,
        [&](asio::any_io_executor executor, CancelScope &scope) -> asio::awaitable<Outcome> {
            for (int attempt = 1;; ++attempt) {
                m_report.attempts = attempt;
                Failure failed;
                {
                    SyncConnection connection(executor, *context, timeouts, m_settings.frameLimits, count, scope);
                    failed = co_await session.run(connection, *address, scope);
                }
                if (!failed)
                    co_return Outcome{};
                if (scope.requested())
                    co_return Outcome{SessionFailure{SessionFailureKind::Cancelled, "sync cancelled"}};
                if (!retryable(failed->kind) || attempt >= m_settings.retry.maxAttempts)
                    co_return Outcome{std::move(failed)};
                if (!co_await scope.sleep(retryDelay(m_settings.retry, attempt, m_random)))
                    co_return Outcome{SessionFailure{SessionFailureKind::Cancelled, "sync cancelled"}};
            }
        },
        [](const std::string &what) {
            return Outcome{SessionFailure{SessionFailureKind::Local, "the sync failed unexpectedly: " + what}};
        });
    m_report.bytesSent = count.bytesSent;
    m_report.bytesReceived = count.bytesReceived;

    if (!outcome.failure)
        return m_report;
    const SessionFailure &failure = *outcome.failure;
    if (failure.kind == SessionFailureKind::Refused || failure.kind == SessionFailureKind::Busy)
        m_report.refusal = syncv1::Refusal::Code_Name(failure.refusal);
    if (failure.wipe) {
        // Remote wipe does not wait for anything pending: the server has
        // said this device may hold nothing more.
        const Status wiped = m_store.wipe();
        m_report.wiped = wiped.ok();
        if (!wiped)
            return Error::io(failure.message + "; the server asked to wipe this device's data, but "
                             + wiped.error().message);
        return Error::io(failure.message + "; this device's data was wiped, as the server asked");
    }
    switch (failure.kind) {
    case SessionFailureKind::Cancelled:
        m_report.cancelled = true;
        return Error::io("sync cancelled");
    case SessionFailureKind::Local:
        return Error::storage(failure.message);
    default:
        return Error::io(failure.message);
    }
}

} // namespace beatbook
