#pragma once

#include "core/result.h"
#include "sync/framecodec.h"

#include <cstddef>
#include <string>

namespace beatbook::testing {

// The keying material a device signs to sign in: this exporter label and length.
inline constexpr const char *kDeviceAuthLabel = "EXPORTER-beatbook-device-auth";
inline constexpr std::size_t kDeviceAuthBytes = 32;

// Why: the raw TLS and TlsStream test clients must sign in with the very hello a device sends.
// The ClientHello for deviceId with privateKey's Ed25519 signature over the
// session's exported keying material.
Result<syncv1::Envelope> signedClientHello(const std::string &deviceId, const std::string &privateKey,
                                           const std::string &keyingMaterial);

} // namespace beatbook::testing
