#include "sync/enrolment.h"

#include "core/text.h"
#include "crypto/certificates.h"
#include "crypto/devicekey.h"
#include "store/devicestore.h"
#include "sync/syncconnection_p.h"
#include "sync/syncstate.h"

namespace beatbook {
namespace asio = boost::asio;

namespace {

struct Outcome {
    std::optional<SessionFailure> failure;
    syncv1::EnrolResponse response;
};

SessionFailure unexpected(const char *what)
{
    return {SessionFailureKind::Protocol, std::string("the sync server sent an unexpected message (expected ") + what + ")"};
}

// What the server says about the enrolled user, checked like any input.
Result<DeviceProfile> identityFrom(const syncv1::EnrolResponse &response, const std::string &packDirectory)
{
    DeviceProfile profile;
    if (auto ok = checkText("device id", response.device_id(), kMaxShortText); !ok || response.device_id().empty())
        return Error::invalid("the sync server gave no valid device id");
    if (auto ok = checkText("user name", response.user_name(), kMaxShortText); !ok)
        return Error::invalid("the sync server gave no valid user name");
    auto role = enumFromString<Role>(response.role());
    if (!role)
        return Error::invalid("the sync server named an unknown role");
    if (response.match_key().size() < 16 || response.match_key().size() > 64)
        return Error::invalid("the sync server gave no valid match key");
    profile.deviceId = response.device_id();
    profile.userName = response.user_name();
    profile.role = *role;
    for (const auto &ward : response.wards()) {
        if (auto ok = checkText("ward", ward, kMaxShortText); !ok)
            return Error::invalid("the sync server named an invalid ward");
        profile.wards.push_back(ward);
    }
    profile.matchKeyHex = toHex(response.match_key());
    profile.packDirectory = packDirectory;
    return profile;
}

} // namespace

Result<EnrolmentResult> enrolDevice(DeviceStore &store, const EnrolmentRequest &request, const std::atomic<bool> *cancel)
{
    if (!store.isOpen())
        return Error::notAllowed("the device's data was wiped: open a new database");
    // The code and where to send it.
    std::string serverText = request.server;
    std::string codeText = request.code;
    std::string fullFingerprint;
    if (request.invite) {
        serverText = request.invite->server;
        codeText = request.invite->code;
        fullFingerprint = request.invite->certificateSha256;
    }
    auto address = parseServerAddress(serverText);
    if (!address)
        return Error::invalid("the server address: " + address.error().message);
    auto code = parseEnrolmentCode(codeText);
    if (!code)
        return code.error();
    if (auto ok = checkText("device label", request.deviceLabel, kMaxShortText); !ok)
        return ok.error();

    if (store.isInitialised()) {
        auto state = loadSyncState(store.db());
        if (!state)
            return state.error();
        if (state->isEnrolled())
            return Error::notAllowed("this device is already enrolled with " + state->serverAddress
                                     + "; a device enrols once (wipe its database to enrol it again)");
    }

    auto key = generateDeviceKey();
    if (!key)
        return key.error();
    auto context = makeClientTlsContext();
    if (!context)
        return context.error();

    SyncTimeouts timeouts;
    timeouts.connect = request.connectTimeout;
    timeouts.handshake = request.connectTimeout;
    timeouts.answer = request.answerTimeout;
    TransferCount count;
    std::string certificate;

    Outcome outcome = runSession<Outcome>(
        cancel,
        [&](asio::any_io_executor executor, CancelScope &scope) -> asio::awaitable<Outcome> {
            SyncConnection connection(executor, *context, timeouts, FrameLimits{}, count, scope);
            if (auto failed = co_await connection.open(*address))
                co_return Outcome{std::move(failed), {}};
            // The secret only ever goes to the server the code names.
            certificate = connection.peerCertificateSha256();
            if (!matchesCertificate(*code, certificate)
                || (!fullFingerprint.empty() && certificate != fullFingerprint))
                co_return Outcome{SessionFailure{SessionFailureKind::Pin,
                                                 "the server at " + address->text()
                                                     + " presented a certificate that does not match the enrolment "
                                                       "code, so the code was not sent: check the server address"},
                                  {}};
            syncv1::Envelope hello;
            hello.mutable_client_hello()->set_min_version(kOldestSyncProtocolVersion);
            hello.mutable_client_hello()->set_max_version(kSyncProtocolVersion);
            if (auto failed = co_await connection.send(hello))
                co_return Outcome{std::move(failed), {}};
            auto greeted = co_await connection.receive();
            if (auto *failed = std::get_if<SessionFailure>(&greeted))
                co_return Outcome{std::move(*failed), {}};
            if (!std::get<syncv1::Envelope>(greeted).has_server_hello())
                co_return Outcome{unexpected("the server's hello"), {}};

            syncv1::Envelope enrol;
            auto *body = enrol.mutable_enrol_request();
            body->set_code_secret(code->secret);
            body->set_public_key(key->publicKey);
            body->set_device_label(request.deviceLabel);
            if (auto failed = co_await connection.send(enrol))
                co_return Outcome{std::move(failed), {}};
            auto answered = co_await connection.receive();
            if (auto *failed = std::get_if<SessionFailure>(&answered))
                co_return Outcome{std::move(*failed), {}};
            auto &envelope = std::get<syncv1::Envelope>(answered);
            if (!envelope.has_enrol_response())
                co_return Outcome{unexpected("the enrolment's answer"), {}};
            Outcome done;
            done.response = std::move(*envelope.mutable_enrol_response());
            co_await connection.finish();
            co_return done;
        },
        [](const std::string &what) {
            return Outcome{SessionFailure{SessionFailureKind::Local, "the enrolment failed unexpectedly: " + what}, {}};
        });

    if (outcome.failure) {
        if (outcome.failure->kind == SessionFailureKind::Cancelled)
            return Error::io("enrolment cancelled");
        return Error::io(outcome.failure->message);
    }

    auto identity = identityFrom(outcome.response, request.packDirectory);
    if (!identity)
        return identity.error();
    SyncState state;
    state.serverAddress = address->text();
    state.pinnedCertificateSha256 = certificate;
    state.devicePrivateKey = key->privateKey;
    state.serverId = outcome.response.server_id();

    EnrolmentResult result;
    result.initialised = !store.isInitialised();
    Database &db = store.db();
    const Status stored = db.transaction([&]() -> Status {
        if (result.initialised) {
            auto initialised = store.initialise(*identity);
            if (!initialised)
                return initialised.error();
        } else if (auto adopted = store.adoptIdentity(*identity); !adopted) {
            return adopted;
        }
        return saveSyncEnrolment(db, state);
    });
    if (!stored)
        return Error::storage("the server enrolled this device, but it could not be recorded here ("
                              + stored.error().message + "): ask for a new code");
    result.deviceId = identity->deviceId;
    result.userName = identity->userName;
    result.role = identity->role;
    result.wards = identity->wards;
    result.serverId = state.serverId;
    result.server = state.serverAddress;
    result.certificateSha256 = certificate;
    return result;
}

} // namespace beatbook
