#pragma once

#include "core/result.h"
#include "domain/names.h"
#include "sync/enrolmentcode.h"

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace beatbook {

class DeviceStore;

// How to reach the server and prove the right to enrol: a typed code with
// the server's address, or the invite a QR code carries (address, code and
// the certificate's full fingerprint).
struct EnrolmentRequest {
    std::string server;                    // HOST:PORT, when no invite
    std::string code;                      // the typed code, when no invite
    std::optional<EnrolmentInvite> invite;
    std::string deviceLabel;               // shown in the server's device list
    std::string packDirectory;             // for a database set up by the enrolment
    std::chrono::milliseconds connectTimeout{15000};
    std::chrono::milliseconds answerTimeout{60000};
};

struct EnrolmentResult {
    std::string deviceId;
    std::string userName;
    Role role = Role::Pcso;
    std::vector<std::string> wards;
    std::string serverId;
    std::string server;                    // HOST:PORT as stored
    std::string certificateSha256;         // raw 32 bytes: the pin
    bool initialised = false;              // the database was set up by this enrolment
};

// Enrols the device with a one-time code:
// connect; TLS 1.3; compare the server certificate's SHA-256 with the code's
// fingerprint prefix (and the invite's full fingerprint) BEFORE the secret
// is sent; make the device's Ed25519 key; ClientHello (no device id), then
// EnrolRequest; store the enrolled identity (device id, user, role, wards,
// the partnership's match key) and the pin, in one transaction. A database
// not set up yet is initialised with that identity.
//
// Refused (NotAllowed) when the device is already enrolled; InvalidInput for
// a malformed code or address; Io for network failures, a certificate that
// does not match the code, and the server's refusal. Nothing is stored
// unless the server enrolled the device. Not retried: a code is used once.
Result<EnrolmentResult> enrolDevice(DeviceStore &store, const EnrolmentRequest &request,
                                    const std::atomic<bool> *cancel = nullptr);

} // namespace beatbook
