#pragma once

#include "core/result.h"

#include <string>

namespace beatbook {

// A device's Ed25519 key pair. The device makes it at enrolment and keeps the
// private half; the server keeps the public half and checks, at every
// connection, a signature over that TLS session's exported keying material.
struct DeviceKeyPair {
    std::string privateKey;  // raw 32 bytes
    std::string publicKey;   // raw 32 bytes
};

Result<DeviceKeyPair> generateDeviceKey();
Result<std::string> signWithDeviceKey(const std::string &privateKey, const std::string &message);
// False for a bad signature or a malformed key: never an error.
bool verifyDeviceSignature(const std::string &publicKey, const std::string &message, const std::string &signature);

} // namespace beatbook
