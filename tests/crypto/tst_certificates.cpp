#include "crypto/certificates.h"

#include <QTest>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "certificatecheck.h"

#include <memory>

using namespace beatbook;

namespace {

const std::vector<std::string> kDns{"sync.example.org", "localhost"};
const std::vector<std::string> kIps{"127.0.0.1", "::1"};

} // namespace

class TestCertificates : public QObject {
    Q_OBJECT
private slots:
    void createsAUsableAuthority()
    {
        auto ca = createCertificateAuthority("Beatbook test CA");
        QVERIFY2(ca.ok(), ca.ok() ? "" : ca.error().message.c_str());
        QVERIFY(ca->certificatePem.starts_with("-----BEGIN CERTIFICATE-----"));
        QVERIFY(ca->privateKeyPem.starts_with("-----BEGIN PRIVATE KEY-----"));
        auto cert = testing::parseCertificate(ca->certificatePem);
        QVERIFY(cert);
        QCOMPARE(X509_check_ca(cert.get()), 1);
        // Self-signed, ECDSA P-256.
        QCOMPARE(X509_NAME_cmp(X509_get_subject_name(cert.get()), X509_get_issuer_name(cert.get())), 0);
        EVP_PKEY *key = X509_get0_pubkey(cert.get());
        QVERIFY(EVP_PKEY_is_a(key, "EC"));
        char group[64] = {};
        std::size_t groupLength = 0;
        QCOMPARE(EVP_PKEY_get_group_name(key, group, sizeof group, &groupLength), 1);
        QCOMPARE(std::string(group), std::string("prime256v1"));
    }

    void issuesAServerCertificateNamingEveryHost()
    {
        auto ca = createCertificateAuthority("Beatbook test CA");
        QVERIFY(ca.ok());
        auto server = issueServerCertificate(*ca, kDns, kIps);
        QVERIFY2(server.ok(), server.ok() ? "" : server.error().message.c_str());
        QVERIFY(testing::verifiesFor(ca->certificatePem, server->certificatePem, "sync.example.org", false));
        QVERIFY(testing::verifiesFor(ca->certificatePem, server->certificatePem, "localhost", false));
        QVERIFY(testing::verifiesFor(ca->certificatePem, server->certificatePem, "127.0.0.1", true));
        QVERIFY(testing::verifiesFor(ca->certificatePem, server->certificatePem, "::1", true));
        // Names it does not carry fail, so the checks above can fail.
        QVERIFY(!testing::verifiesFor(ca->certificatePem, server->certificatePem, "evil.example.org", false));
        QVERIFY(!testing::verifiesFor(ca->certificatePem, server->certificatePem, "10.0.0.1", true));

        auto cert = testing::parseCertificate(server->certificatePem);
        QVERIFY(cert);
        QCOMPARE(X509_check_ca(cert.get()), 0);
        QVERIFY((X509_get_extended_key_usage(cert.get()) & XKU_SSL_SERVER) != 0);
        QCOMPARE(X509_check_purpose(cert.get(), X509_PURPOSE_SSL_SERVER, 0), 1);
    }

    void anotherAuthorityDoesNotVerify()
    {
        auto ca = createCertificateAuthority("CA one");
        auto other = createCertificateAuthority("CA two");
        QVERIFY(ca.ok() && other.ok());
        auto server = issueServerCertificate(*ca, kDns, kIps);
        QVERIFY(server.ok());
        QVERIFY(!testing::verifiesFor(other->certificatePem, server->certificatePem, "localhost", false));
    }

    void serialsAndKeysAreFresh()
    {
        auto ca = createCertificateAuthority("Beatbook test CA");
        QVERIFY(ca.ok());
        auto a = issueServerCertificate(*ca, kDns, kIps);
        auto b = issueServerCertificate(*ca, kDns, kIps);
        QVERIFY(a.ok() && b.ok());
        auto ca1 = testing::parseCertificate(a->certificatePem);
        auto ca2 = testing::parseCertificate(b->certificatePem);
        QVERIFY(ASN1_INTEGER_cmp(X509_get0_serialNumber(ca1.get()), X509_get0_serialNumber(ca2.get())) != 0);
        QVERIFY(a->privateKeyPem != b->privateKeyPem);
        QVERIFY(*certificateSha256(a->certificatePem) != *certificateSha256(b->certificatePem));
    }

    void fingerprintIsSha256OfDer()
    {
        auto ca = createCertificateAuthority("Beatbook test CA");
        QVERIFY(ca.ok());
        auto fp = certificateSha256(ca->certificatePem);
        QVERIFY(fp.ok());
        QCOMPARE(fp->size(), std::size_t{32});

        auto cert = testing::parseCertificate(ca->certificatePem);
        unsigned char *der = nullptr;
        const int derLength = i2d_X509(cert.get(), &der);
        QVERIFY(derLength > 0);
        unsigned char digest[32];
        unsigned int digestLength = 0;
        QCOMPARE(EVP_Digest(der, static_cast<std::size_t>(derLength), digest, &digestLength, EVP_sha256(), nullptr), 1);
        OPENSSL_free(der);
        QCOMPARE(*fp, std::string(reinterpret_cast<const char *>(digest), digestLength));
        // Stable for the same certificate.
        QCOMPARE(*certificateSha256(ca->certificatePem), *fp);
    }

    void fingerprintRefusesGarbage()
    {
        QVERIFY(!certificateSha256("").ok());
        QVERIFY(!certificateSha256("not a certificate").ok());
        QCOMPARE(certificateSha256("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").error().code,
                 ErrorCode::InvalidInput);
    }

    void refusesBadNames_data()
    {
        QTest::addColumn<QStringList>("dns");
        QTest::addColumn<QStringList>("ips");
        QTest::newRow("nothing") << QStringList{} << QStringList{};
        QTest::newRow("empty dns") << QStringList{""} << QStringList{};
        QTest::newRow("comma") << QStringList{"a.example,IP:1.2.3.4"} << QStringList{};
        QTest::newRow("space") << QStringList{"a b"} << QStringList{};
        QTest::newRow("empty label") << QStringList{"a..b"} << QStringList{};
        QTest::newRow("trailing dot") << QStringList{"a.b."} << QStringList{};
        QTest::newRow("control") << QStringList{"a\nb"} << QStringList{};
        QTest::newRow("utf8") << QStringList{QString::fromUtf8("caf\xc3\xa9.example")} << QStringList{};
        QTest::newRow("long label") << QStringList{QString(64, 'a')} << QStringList{};
        QTest::newRow("bad ip") << QStringList{"localhost"} << QStringList{"300.1.1.1"};
        QTest::newRow("ip word") << QStringList{"localhost"} << QStringList{"localhost"};
        QTest::newRow("empty ip") << QStringList{"localhost"} << QStringList{""};
    }
    void refusesBadNames()
    {
        QFETCH(QStringList, dns);
        QFETCH(QStringList, ips);
        std::vector<std::string> d, i;
        for (const auto &s : dns)
            d.push_back(s.toStdString());
        for (const auto &s : ips)
            i.push_back(s.toStdString());
        auto ca = createCertificateAuthority("Beatbook test CA");
        QVERIFY(ca.ok());
        auto server = issueServerCertificate(*ca, d, i);
        QVERIFY(!server.ok());
        QCOMPARE(server.error().code, ErrorCode::InvalidInput);
        QVERIFY(!server.error().message.empty());
    }

    void ipOnlyCertificateIsAllowed()
    {
        auto ca = createCertificateAuthority("Beatbook test CA");
        QVERIFY(ca.ok());
        auto server = issueServerCertificate(*ca, {}, {"::1"});
        QVERIFY(server.ok());
        QVERIFY(testing::verifiesFor(ca->certificatePem, server->certificatePem, "::1", true));
    }

    void refusesABrokenAuthority()
    {
        auto ca = createCertificateAuthority("CA one");
        auto other = createCertificateAuthority("CA two");
        QVERIFY(ca.ok() && other.ok());
        CertificateAndKey mismatched{ca->certificatePem, other->privateKeyPem};
        QCOMPARE(issueServerCertificate(mismatched, kDns, kIps).error().code, ErrorCode::InvalidInput);
        CertificateAndKey garbageKey{ca->certificatePem, "junk"};
        QCOMPARE(issueServerCertificate(garbageKey, kDns, kIps).error().code, ErrorCode::InvalidInput);
        CertificateAndKey garbageCert{"junk", ca->privateKeyPem};
        QCOMPARE(issueServerCertificate(garbageCert, kDns, kIps).error().code, ErrorCode::InvalidInput);
        // A server certificate cannot act as an authority.
        auto server = issueServerCertificate(*ca, kDns, kIps);
        QVERIFY(server.ok());
        QCOMPARE(issueServerCertificate(*server, kDns, kIps).error().code, ErrorCode::InvalidInput);
    }

    void refusesBadSettings()
    {
        QVERIFY(!createCertificateAuthority("").ok());
        QVERIFY(!createCertificateAuthority(std::string(65, 'x')).ok());
        QVERIFY(!createCertificateAuthority("a\x01" "b").ok());
        CertificateSettings zero;
        zero.caValidDays = 0;
        QCOMPARE(createCertificateAuthority("CA", zero).error().code, ErrorCode::InvalidInput);
        CertificateSettings huge;
        huge.serverValidDays = std::int64_t{1} << 40;
        auto ca = createCertificateAuthority("CA");
        QVERIFY(ca.ok());
        QCOMPARE(issueServerCertificate(*ca, kDns, kIps, huge).error().code, ErrorCode::InvalidInput);
    }

    void hexRoundTrips()
    {
        const std::string bytes("\x00\x01\x7f\x80\xfe\xff", 6);
        QCOMPARE(toHex(bytes), std::string("00017f80feff"));
        QCOMPARE(*fromHex("00017f80feff"), bytes);
        QCOMPARE(*fromHex("00017F80FEFF"), bytes);
        QCOMPARE(toHex(""), std::string());
        QCOMPARE(*fromHex(""), std::string());
    }

    void hexRefusesBadText()
    {
        QCOMPARE(fromHex("abc").error().code, ErrorCode::InvalidInput);
        QCOMPARE(fromHex("zz").error().code, ErrorCode::InvalidInput);
        QCOMPARE(fromHex("0x12").error().code, ErrorCode::InvalidInput);
        QCOMPARE(fromHex(std::string("a\0", 2)).error().code, ErrorCode::InvalidInput);
        QCOMPARE(fromHex(" 1").error().code, ErrorCode::InvalidInput);
    }
};

QTEST_GUILESS_MAIN(TestCertificates)
#include "tst_certificates.moc"
