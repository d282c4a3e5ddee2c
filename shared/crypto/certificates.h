#pragma once

#include "core/result.h"

#include <cstdint>
#include <string>
#include <vector>

namespace beatbook {

// A PEM certificate with its PEM private key.
struct CertificateAndKey {
    std::string certificatePem;
    std::string privateKeyPem;
};

struct CertificateSettings {
    std::int64_t caValidDays = 3650;
    std::int64_t serverValidDays = 825;
};

// A new self-signed certificate authority for one server's data directory
// (ECDSA P-256). commonName names it in certificate viewers.
Result<CertificateAndKey> createCertificateAuthority(const std::string &commonName,
                                                     const CertificateSettings &settings = {});

// A server certificate signed by the CA, naming each of `dnsNames` and
// `ipAddresses` as subject alternative names (extendedKeyUsage serverAuth).
Result<CertificateAndKey> issueServerCertificate(const CertificateAndKey &ca, const std::vector<std::string> &dnsNames,
                                                 const std::vector<std::string> &ipAddresses,
                                                 const CertificateSettings &settings = {});

// SHA-256 of the first certificate in the PEM, as DER: raw 32 bytes. This is
// what a device pins.
Result<std::string> certificateSha256(const std::string &certificatePem);

std::string toHex(const std::string &bytes);
// Refused for odd lengths and non-hex characters.
Result<std::string> fromHex(const std::string &hex);

} // namespace beatbook
