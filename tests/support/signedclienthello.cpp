#include "signedclienthello.h"

#include "crypto/devicekey.h"

namespace beatbook::testing {

Result<syncv1::Envelope> signedClientHello(const std::string &deviceId, const std::string &privateKey,
                                           const std::string &keyingMaterial)
{
    auto signature = signWithDeviceKey(privateKey, keyingMaterial);
    if (!signature)
        return signature.error();
    syncv1::Envelope envelope;
    auto *hello = envelope.mutable_client_hello();
    hello->set_min_version(kOldestSyncProtocolVersion);
    hello->set_max_version(kSyncProtocolVersion);
    hello->set_app_version("integration-test");
    hello->set_device_id(deviceId);
    hello->set_device_signature(*signature);
    return envelope;
}

} // namespace beatbook::testing
