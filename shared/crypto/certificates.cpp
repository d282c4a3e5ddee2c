#include "crypto/certificates.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <limits>
#include <memory>
#include <span>

namespace beatbook {

namespace {

struct OpenSslFree {
    void operator()(X509 *p) const { X509_free(p); }
    void operator()(EVP_PKEY *p) const { EVP_PKEY_free(p); }
    void operator()(BIO *p) const { BIO_free(p); }
    void operator()(BIGNUM *p) const { BN_free(p); }
    // ASN1_INTEGER and ASN1_OCTET_STRING are both ASN1_STRING underneath.
    void operator()(ASN1_STRING *p) const { ASN1_STRING_free(p); }
    void operator()(X509_EXTENSION *p) const { X509_EXTENSION_free(p); }
    void operator()(GENERAL_NAMES *p) const { GENERAL_NAMES_free(p); }
    void operator()(GENERAL_NAME *p) const { GENERAL_NAME_free(p); }
};
template <typename T>
using Owned = std::unique_ptr<T, OpenSslFree>;

// X.509 upper bound for a common name (RFC 5280 ub-common-name).
constexpr std::size_t kMaxCommonName = 64;
// Longest a DNS name may be (RFC 1035).
constexpr std::size_t kMaxDnsName = 253;
// Certificates may be backdated a little so a device whose clock runs slow
// still accepts a certificate made a moment ago.
constexpr long kBackdateSeconds = 300;
constexpr std::int64_t kMaxValidDays = 36500;

Owned<BIO> memoryBio(const std::string &text)
{
    if (text.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        return nullptr;
    return Owned<BIO>(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

std::string bioText(BIO *bio)
{
    BUF_MEM *mem = nullptr;
    BIO_get_mem_ptr(bio, &mem);
    if (mem == nullptr)
        return {};
    return std::string(mem->data, mem->length);
}

Result<Owned<X509>> readCertificate(const std::string &pem)
{
    auto bio = memoryBio(pem);
    if (!bio)
        return Error::invalid("The certificate text is too large.");
    Owned<X509> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert)
        return Error::invalid("The certificate is not a valid PEM certificate.");
    return cert;
}

Result<Owned<EVP_PKEY>> readPrivateKey(const std::string &pem)
{
    auto bio = memoryBio(pem);
    if (!bio)
        return Error::invalid("The private key text is too large.");
    // An empty passphrase callback: keys in a data directory are never
    // encrypted, and OpenSSL must not prompt on a terminal.
    Owned<EVP_PKEY> key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, const_cast<char *>("")));
    if (!key)
        return Error::invalid("The private key is not a valid unencrypted PEM key.");
    return key;
}

Result<std::string> certificatePem(X509 *cert)
{
    Owned<BIO> bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1)
        return Error::io("Could not write the certificate as PEM.");
    return bioText(bio.get());
}

Result<std::string> privateKeyPem(EVP_PKEY *key)
{
    Owned<BIO> bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
        return Error::io("Could not write the private key as PEM.");
    return bioText(bio.get());
}

Result<Owned<EVP_PKEY>> newP256Key()
{
    Owned<EVP_PKEY> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    if (!key)
        return Error::io("Could not create an ECDSA P-256 key.");
    return key;
}

Status checkDays(std::int64_t days, const char *what)
{
    if (days <= 0 || days > kMaxValidDays)
        return Error::invalid(std::string("The ") + what + " validity must be between 1 and "
                              + std::to_string(kMaxValidDays) + " days.");
    return {};
}

// A fresh certificate with a random positive 127-bit serial, so two
// certificates from one CA never share one (RFC 5280 allows up to 20 octets).
Result<Owned<X509>> newCertificate(EVP_PKEY *publicKey, std::int64_t validDays)
{
    Owned<X509> cert(X509_new());
    Owned<BIGNUM> serial(BN_new());
    if (!cert || !serial || X509_set_version(cert.get(), X509_VERSION_3) != 1
        || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1)
        return Error::io("Could not start a certificate.");
    if (BN_is_zero(serial.get()))
        BN_one(serial.get());
    Owned<ASN1_INTEGER> serialAsn1(BN_to_ASN1_INTEGER(serial.get(), nullptr));
    if (!serialAsn1 || X509_set_serialNumber(cert.get(), serialAsn1.get()) != 1)
        return Error::io("Could not set the certificate's serial number.");
    if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), -kBackdateSeconds) == nullptr
        || X509_time_adj_ex(X509_getm_notAfter(cert.get()), static_cast<int>(validDays), 0, nullptr) == nullptr)
        return Error::io("Could not set the certificate's validity.");
    if (X509_set_pubkey(cert.get(), publicKey) != 1)
        return Error::io("Could not set the certificate's key.");
    return cert;
}

Status setSubject(X509 *cert, const std::string &commonName)
{
    X509_NAME *name = X509_get_subject_name(cert);
    const auto *cn = reinterpret_cast<const unsigned char *>(commonName.c_str());
    const auto *org = reinterpret_cast<const unsigned char *>("Beatbook");
    if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, org, -1, -1, 0) != 1
        || X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, cn, -1, -1, 0) != 1)
        return Error::invalid("The certificate's name could not be set.");
    return {};
}

Status addExtension(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    Owned<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
    if (!ext || X509_add_ext(cert, ext.get(), -1) != 1)
        return Error::io(std::string("Could not add the certificate extension ") + OBJ_nid2sn(nid) + ".");
    return {};
}

Status checkCommonName(const std::string &name)
{
    if (name.empty() || name.size() > kMaxCommonName)
        return Error::invalid("The certificate name must be 1 to " + std::to_string(kMaxCommonName) + " characters.");
    for (char ch : name) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == 0x7f)
            return Error::invalid("The certificate name must not contain control characters.");
    }
    return {};
}

// Host names as a resolver knows them: letters, digits, hyphens and dots,
// no empty labels. Anything else in a SAN would only confuse verifiers.
bool validDnsName(const std::string &name)
{
    if (name.empty() || name.size() > kMaxDnsName || name.front() == '.' || name.front() == '-')
        return false;
    std::size_t labelLength = 0;
    for (char c : name) {
        if (c == '.') {
            if (labelLength == 0)
                return false;
            labelLength = 0;
            continue;
        }
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
        if (!ok || ++labelLength > 63)
            return false;
    }
    return labelLength > 0;
}

Status addSubjectAltNames(X509 *cert, const std::vector<std::string> &dnsNames,
                          const std::vector<std::string> &ipAddresses)
{
    Owned<GENERAL_NAMES> names(sk_GENERAL_NAME_new_null());
    if (!names)
        return Error::io("Could not build the certificate's names.");
    for (const auto &dns : dnsNames) {
        if (!validDnsName(dns))
            return Error::invalid("'" + dns + "' is not a valid host name for the server certificate.");
        Owned<GENERAL_NAME> gn(GENERAL_NAME_new());
        ASN1_IA5STRING *text = ASN1_IA5STRING_new();
        if (!gn || text == nullptr || ASN1_STRING_set(text, dns.data(), static_cast<int>(dns.size())) != 1) {
            ASN1_IA5STRING_free(text);
            return Error::io("Could not build the certificate's names.");
        }
        GENERAL_NAME_set0_value(gn.get(), GEN_DNS, text);
        if (sk_GENERAL_NAME_push(names.get(), gn.get()) == 0)
            return Error::io("Could not build the certificate's names.");
        static_cast<void>(gn.release());
    }
    for (const auto &ip : ipAddresses) {
        // a2i_IPADDRESS parses both IPv4 dotted quads and IPv6 ("::1").
        Owned<ASN1_OCTET_STRING> octets(a2i_IPADDRESS(ip.c_str()));
        if (!octets || ip.empty())
            return Error::invalid("'" + ip + "' is not a valid IP address for the server certificate.");
        Owned<GENERAL_NAME> gn(GENERAL_NAME_new());
        if (!gn)
            return Error::io("Could not build the certificate's names.");
        GENERAL_NAME_set0_value(gn.get(), GEN_IPADD, octets.release());
        if (sk_GENERAL_NAME_push(names.get(), gn.get()) == 0)
            return Error::io("Could not build the certificate's names.");
        static_cast<void>(gn.release());
    }
    if (sk_GENERAL_NAME_num(names.get()) == 0)
        return Error::invalid("A server certificate needs at least one host name or IP address.");
    if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1)
        return Error::io("Could not add the certificate's names.");
    return {};
}

// X509v3 extensions by NID and OpenSSL's text form; the issuer is the
// certificate itself for a CA, so key identifiers resolve.
using Extension = std::pair<int, const char *>;

Status addExtensions(X509 *cert, X509 *issuer, std::span<const Extension> extensions)
{
    for (const auto &[nid, value] : extensions)
        if (auto s = addExtension(cert, issuer, nid, value); !s)
            return s;
    return {};
}

// Signs the finished certificate with the issuer's key and writes it out
// with the subject's own private key.
Result<CertificateAndKey> signAndExport(X509 *cert, EVP_PKEY *issuerKey, EVP_PKEY *subjectKey)
{
    if (X509_sign(cert, issuerKey, EVP_sha256()) <= 0)
        return Error::io("Could not sign the certificate.");
    auto certText = certificatePem(cert);
    if (!certText)
        return certText.error();
    auto keyText = privateKeyPem(subjectKey);
    if (!keyText)
        return keyText.error();
    return CertificateAndKey{std::move(*certText), std::move(*keyText)};
}

} // namespace

Result<CertificateAndKey> createCertificateAuthority(const std::string &commonName, const CertificateSettings &settings)
{
    if (auto s = checkCommonName(commonName); !s)
        return s.error();
    if (auto s = checkDays(settings.caValidDays, "certificate authority's"); !s)
        return s.error();
    auto key = newP256Key();
    if (!key)
        return key.error();
    auto cert = newCertificate(key->get(), settings.caValidDays);
    if (!cert)
        return cert.error();
    X509 *x = cert->get();
    if (auto s = setSubject(x, commonName); !s)
        return s.error();
    if (X509_set_issuer_name(x, X509_get_subject_name(x)) != 1)
        return Error::io("Could not set the certificate authority's issuer.");
    constexpr std::array<Extension, 3> kCaExtensions{{
        {NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
        {NID_key_usage, "critical,keyCertSign,cRLSign"},
        {NID_subject_key_identifier, "hash"},
    }};
    if (auto s = addExtensions(x, x, kCaExtensions); !s)
        return s.error();
    return signAndExport(x, key->get(), key->get());
}

Result<CertificateAndKey> issueServerCertificate(const CertificateAndKey &ca, const std::vector<std::string> &dnsNames,
                                                 const std::vector<std::string> &ipAddresses,
                                                 const CertificateSettings &settings)
{
    if (auto s = checkDays(settings.serverValidDays, "server certificate's"); !s)
        return s.error();
    auto caCert = readCertificate(ca.certificatePem);
    if (!caCert)
        return Error::invalid("The certificate authority's certificate is unreadable: " + caCert.error().message);
    auto caKey = readPrivateKey(ca.privateKeyPem);
    if (!caKey)
        return Error::invalid("The certificate authority's key is unreadable: " + caKey.error().message);
    if (X509_check_private_key(caCert->get(), caKey->get()) != 1)
        return Error::invalid("The certificate authority's key does not belong to its certificate.");
    if (X509_check_ca(caCert->get()) == 0)
        return Error::invalid("The certificate given as authority is not a CA certificate.");

    auto key = newP256Key();
    if (!key)
        return key.error();
    auto cert = newCertificate(key->get(), settings.serverValidDays);
    if (!cert)
        return cert.error();
    X509 *x = cert->get();
    const std::string commonName = !dnsNames.empty() ? dnsNames.front()
                                   : !ipAddresses.empty() ? ipAddresses.front()
                                                          : std::string();
    if (commonName.empty())
        return Error::invalid("A server certificate needs at least one host name or IP address.");
    if (auto s = checkCommonName(commonName); !s)
        return s.error();
    if (auto s = setSubject(x, commonName); !s)
        return s.error();
    if (X509_set_issuer_name(x, X509_get_subject_name(caCert->get())) != 1)
        return Error::io("Could not set the server certificate's issuer.");
    constexpr std::array<Extension, 5> kServerExtensions{{
        {NID_basic_constraints, "critical,CA:FALSE"},
        {NID_key_usage, "critical,digitalSignature"},
        {NID_ext_key_usage, "serverAuth"},
        {NID_subject_key_identifier, "hash"},
        {NID_authority_key_identifier, "keyid:always"},
    }};
    if (auto s = addExtensions(x, caCert->get(), kServerExtensions); !s)
        return s.error();
    if (auto s = addSubjectAltNames(x, dnsNames, ipAddresses); !s)
        return s.error();
    return signAndExport(x, caKey->get(), key->get());
}

Result<std::string> certificateSha256(const std::string &certificatePem)
{
    auto cert = readCertificate(certificatePem);
    if (!cert)
        return cert.error();
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (X509_digest(cert->get(), EVP_sha256(), digest.data(), &length) != 1 || length != 32)
        return Error::io("Could not compute the certificate's SHA-256 fingerprint.");
    return std::string(reinterpret_cast<const char *>(digest.data()), length);
}

std::string toHex(const std::string &bytes)
{
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (char c : bytes) {
        const auto b = static_cast<unsigned char>(c);
        out.push_back(kDigits[b >> 4]);
        out.push_back(kDigits[b & 0x0f]);
    }
    return out;
}

Result<std::string> fromHex(const std::string &hex)
{
    if (hex.size() % 2 != 0)
        return Error::invalid("A hex string must have an even number of digits.");
    auto digit = [](char c) -> int {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    };
    std::string out;
    out.reserve(hex.size() / 2);
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        const int hi = digit(hex[i]);
        const int lo = digit(hex[i + 1]);
        if (hi < 0 || lo < 0)
            return Error::invalid("A hex string may only hold the digits 0-9 and a-f.");
        out.push_back(static_cast<char>((hi << 4) | lo));
    }
    return out;
}

} // namespace beatbook
