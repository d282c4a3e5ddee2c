#include "tlstestcertificates.h"

namespace beatbook::testing {

Result<TlsTestCertificates> makeTlsTestCertificates(const std::string &caName)
{
    TlsTestCertificates out;
    auto ca = createCertificateAuthority(caName);
    if (!ca)
        return ca.error();
    out.ca = *ca;
    auto server = issueServerCertificate(out.ca, {"localhost"}, {"127.0.0.1", "::1"});
    if (!server)
        return server.error();
    out.server = *server;
    auto context = makeServerTlsContext(out.server.certificatePem, out.server.privateKeyPem);
    if (!context)
        return context.error();
    out.serverContext = *context;
    return out;
}

} // namespace beatbook::testing
