#pragma once

#include <openssl/x509.h>

#include <memory>
#include <string>

namespace beatbook::testing {

struct X509Free {
    void operator()(X509 *p) const { X509_free(p); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

// The first certificate in a PEM text; empty when there is none.
X509Ptr parseCertificate(const std::string &pem);

// Verifies the server certificate against the CA as a TLS client would, for
// a host name or an IP address.
bool verifiesFor(const std::string &caPem, const std::string &leafPem, const std::string &host, bool isIp);

} // namespace beatbook::testing
