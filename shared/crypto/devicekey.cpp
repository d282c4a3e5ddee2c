#include "crypto/devicekey.h"

#include <openssl/evp.h>

#include <memory>

namespace beatbook {

namespace {

constexpr std::size_t kEd25519KeyBytes = 32;
constexpr std::size_t kEd25519SignatureBytes = 64;

struct OpenSslFree {
    void operator()(EVP_PKEY *p) const { EVP_PKEY_free(p); }
    void operator()(EVP_MD_CTX *p) const { EVP_MD_CTX_free(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, OpenSslFree>;
using DigestContextPtr = std::unique_ptr<EVP_MD_CTX, OpenSslFree>;

const unsigned char *bytes(const std::string &s)
{
    return reinterpret_cast<const unsigned char *>(s.data());
}

std::string rawKey(EVP_PKEY *key, bool privateHalf)
{
    std::string out(kEd25519KeyBytes, '\0');
    std::size_t length = out.size();
    auto *data = reinterpret_cast<unsigned char *>(out.data());
    const int ok = privateHalf ? EVP_PKEY_get_raw_private_key(key, data, &length)
                               : EVP_PKEY_get_raw_public_key(key, data, &length);
    if (ok != 1 || length != kEd25519KeyBytes)
        return {};
    return out;
}

} // namespace

Result<DeviceKeyPair> generateDeviceKey()
{
    KeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    if (!key)
        return Error::io("Could not create the device's Ed25519 key.");
    DeviceKeyPair pair{rawKey(key.get(), true), rawKey(key.get(), false)};
    if (pair.privateKey.empty() || pair.publicKey.empty())
        return Error::io("Could not read the device's Ed25519 key.");
    return pair;
}

Result<std::string> signWithDeviceKey(const std::string &privateKey, const std::string &message)
{
    if (privateKey.size() != kEd25519KeyBytes)
        return Error::invalid("The device key must be 32 bytes; the stored key is damaged.");
    KeyPtr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, bytes(privateKey), privateKey.size()));
    DigestContextPtr ctx(EVP_MD_CTX_new());
    if (!key || !ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1)
        return Error::invalid("The device key is not a usable Ed25519 key.");
    std::string signature(kEd25519SignatureBytes, '\0');
    std::size_t length = signature.size();
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char *>(signature.data()), &length, bytes(message),
                       message.size())
            != 1
        || length != kEd25519SignatureBytes)
        return Error::io("Could not sign with the device key.");
    return signature;
}

bool verifyDeviceSignature(const std::string &publicKey, const std::string &message, const std::string &signature)
{
    if (publicKey.size() != kEd25519KeyBytes || signature.size() != kEd25519SignatureBytes)
        return false;
    KeyPtr key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, bytes(publicKey), publicKey.size()));
    DigestContextPtr ctx(EVP_MD_CTX_new());
    if (!key || !ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1)
        return false;
    return EVP_DigestVerify(ctx.get(), bytes(signature), signature.size(), bytes(message), message.size()) == 1;
}

} // namespace beatbook
