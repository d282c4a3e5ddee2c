#pragma once

#include "core/result.h"
#include "crypto/certificates.h"
#include "sync/tlsstream.h"

#include <string>

namespace beatbook::testing {

// Why: every loopback TLS server test needs the same throwaway CA, server certificate and context.
struct TlsTestCertificates {
    CertificateAndKey ca;
    CertificateAndKey server;     // issued by `ca` for localhost, 127.0.0.1 and ::1
    SslContextPtr serverContext;  // presents `server`
};

// caName names the CA, so a certificate seen in a failure shows which test made it.
Result<TlsTestCertificates> makeTlsTestCertificates(const std::string &caName);

} // namespace beatbook::testing
