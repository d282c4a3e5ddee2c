#include "crypto/certificates.h"
#include "sync/enrolmentcode.h"

#include <QTest>

#include <string>

using namespace beatbook;

namespace {

std::string bytesFrom(int first, int count)
{
    std::string out;
    for (int i = 0; i < count; ++i)
        out.push_back(static_cast<char>(first + i));
    return out;
}

// Secret 01..0a, certificate digest 64..83: worked out independently with
// Python's base64.b32encode and Crockford's alphabet.
const std::string kSecret = bytesFrom(1, 10);
const std::string kDigest = bytesFrom(100, 32);
const std::string kCode = "04106-1050R-3GG28-ACHJP-CSV8D-5N6PV-3DDSQ-Q0WBJ";
const std::string kSecretText = "041061050R3GG28A";

bool oneLine(const Error &error) { return !error.message.empty() && error.message.find('\n') == std::string::npos; }

} // namespace

class TestEnrolmentCode : public QObject {
    Q_OBJECT
private slots:
    void formatsAKnownCode()
    {
        QCOMPARE(formatEnrolmentCode(kSecret, kDigest), kCode);
        QCOMPARE(enrolmentSecretText(kSecret), kSecretText);
    }

    void formatsEightGroupsOfFive()
    {
        const std::string code = formatEnrolmentCode(std::string(10, '\xff'), std::string(32, '\xff'));
        QCOMPARE(code, std::string("ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ"));
        QCOMPARE(formatEnrolmentCode(std::string(10, '\0'), std::string(32, '\0')),
                 std::string("00000-00000-00000-00000-00000-00000-00000-00000"));
    }

    void refusesWrongSizesToFormat()
    {
        QVERIFY(formatEnrolmentCode(bytesFrom(1, 9), kDigest).empty());
        QVERIFY(formatEnrolmentCode(bytesFrom(1, 11), kDigest).empty());
        QVERIFY(formatEnrolmentCode(kSecret, bytesFrom(1, 31)).empty());
        QVERIFY(enrolmentSecretText(bytesFrom(1, 9)).empty());
    }

    void parsesWhatItFormats()
    {
        const auto parsed = parseEnrolmentCode(kCode);
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().message.c_str());
        QCOMPARE(parsed->secret, kSecretText);
        QCOMPARE(parsed->fingerprintPrefix, kDigest.substr(0, 15));
        QVERIFY(matchesCertificate(*parsed, kDigest));
    }

    void parsesTolerantly_data()
    {
        QTest::addColumn<QString>("typed");
        QTest::newRow("lower case") << "04106-1050r-3gg28-achjp-csv8d-5n6pv-3ddsq-q0wbj";
        QTest::newRow("spaces") << "04106 1050R 3GG28 ACHJP CSV8D 5N6PV 3DDSQ Q0WBJ";
        QTest::newRow("run together") << "041061050R3GG28ACHJPCSV8D5N6PV3DDSQQ0WBJ";
        QTest::newRow("O for 0, I and L for 1") << "O4IO6-lO5OR-3GG28-ACHJP-CSV8D-5N6PV-3DDSQ-QOWBJ";
        QTest::newRow("extra separators") << "  04106--1050R - 3GG28-ACHJP-CSV8D-5N6PV-3DDSQ-Q0WBJ  ";
    }
    void parsesTolerantly()
    {
        QFETCH(QString, typed);
        const auto parsed = parseEnrolmentCode(typed.toStdString());
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().message.c_str());
        QCOMPARE(parsed->secret, kSecretText);
        QVERIFY(matchesCertificate(*parsed, kDigest));
    }

    void refusesBadCodes_data()
    {
        QTest::addColumn<QByteArray>("typed");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("empty") << QByteArray("") << "40 letters";
        QTest::newRow("one short") << QByteArray("04106-1050R-3GG28-ACHJP-CSV8D-5N6PV-3DDSQ-Q0WB") << "has 39";
        QTest::newRow("one long") << QByteArray("04106-1050R-3GG28-ACHJP-CSV8D-5N6PV-3DDSQ-Q0WBJJ") << "has more";
        QTest::newRow("U") << QByteArray("U4106-1050R-3GG28-ACHJP-CSV8D-5N6PV-3DDSQ-Q0WBJ") << "'U'";
        QTest::newRow("punctuation") << QByteArray("*4106-1050R-3GG28-ACHJP-CSV8D-5N6PV-3DDSQ-Q0WBJ") << "'*'";
        QTest::newRow("non-ASCII") << QByteArray("\xc3\xa9" "4106-1050R-3GG28-ACHJP-CSV8D-5N6PV-3DDSQ-Q0WBJ")
                                   << "a character";
        QTest::newRow("invalid UTF-8") << QByteArray("\xff" "4106-1050R-3GG28-ACHJP-CSV8D-5N6PV-3DDSQ-Q0WBJ")
                                       << "a character";
        QTest::newRow("NUL") << QByteArray("0\0" "106-1050R-3GG28-ACHJP-CSV8D-5N6PV-3DDSQ-Q0WBJ", 47) << "a character";
        QTest::newRow("newline") << QByteArray("04106\n1050R-3GG28-ACHJP-CSV8D-5N6PV-3DDSQ-Q0WBJ") << "a character";
        QTest::newRow("oversized") << QByteArray(10000, '-') << "far longer";
    }
    void refusesBadCodes()
    {
        QFETCH(QByteArray, typed);
        QFETCH(QString, mentions);
        const auto parsed = parseEnrolmentCode(std::string_view(typed.constData(), static_cast<std::size_t>(typed.size())));
        QVERIFY(!parsed.ok());
        QVERIFY(parsed.error().code == ErrorCode::InvalidInput);
        QVERIFY(oneLine(parsed.error()));
        QVERIFY2(QString::fromStdString(parsed.error().message).contains(mentions), parsed.error().message.c_str());
    }

    void matchesOnlyItsCertificate()
    {
        const auto parsed = parseEnrolmentCode(kCode);
        QVERIFY(parsed.ok());
        std::string other = kDigest;
        other[14] = static_cast<char>(other[14] ^ 1);  // last byte of the prefix
        QVERIFY(!matchesCertificate(*parsed, other));
        QVERIFY(!matchesCertificate(*parsed, kDigest.substr(0, 31)));
        QVERIFY(!matchesCertificate(*parsed, ""));
        // Another secret, same certificate: still the same server.
        const auto another = parseEnrolmentCode(formatEnrolmentCode(bytesFrom(50, 10), kDigest));
        QVERIFY(another.ok());
        QVERIFY(another->secret != parsed->secret);
        QVERIFY(matchesCertificate(*another, kDigest));
    }

    void formatsAnInvite()
    {
        const std::string text = formatEnrolmentInvite({"sync.example.org:7443", kCode, kDigest});
        QCOMPARE(text, "beatbook-enrol:1?server=sync.example.org:7443&code=" + kCode + "&fp=" + toHex(kDigest));
        const auto parsed = parseEnrolmentInvite(text);
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().message.c_str());
        QCOMPARE(parsed->server, std::string("sync.example.org:7443"));
        QCOMPARE(parsed->code, kCode);
        QCOMPARE(parsed->certificateSha256, kDigest);
    }

    void parsesInvitesTolerantly()
    {
        const std::string fp = toHex(kDigest);
        // Parameters in another order, an upper-case fingerprint, a code
        // typed loosely (given back in its canonical form), an IPv6 server and
        // a parameter a later version added.
        std::string upper = fp;
        for (char &c : upper)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        const auto parsed = parseEnrolmentInvite("beatbook-enrol:1?fp=" + upper
                                                 + "&code=041061050r3gg28achjpcsv8d5n6pv3ddsqq0wbj&server=[::1]:7443"
                                                   "&label=ward-phone");
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().message.c_str());
        QCOMPARE(parsed->server, std::string("[::1]:7443"));
        QCOMPARE(parsed->code, kCode);
        QCOMPARE(parsed->certificateSha256, kDigest);
    }

    void refusesBadInvites_data()
    {
        const QString fp = QString::fromStdString(toHex(kDigest));
        const QString code = QString::fromStdString(kCode);
        std::string tampered = kDigest;
        tampered[0] = static_cast<char>(tampered[0] ^ 0x80);
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("not ours") << "https://example.org/?code=" + code << "not a Beatbook enrolment code";
        QTest::newRow("empty") << "" << "not a Beatbook enrolment code";
        QTest::newRow("newer version") << "beatbook-enrol:2?server=a.b:1&code=" + code + "&fp=" + fp << "update the app";
        QTest::newRow("no version") << "beatbook-enrol:?server=a.b:1&code=" + code + "&fp=" + fp << "no version";
        QTest::newRow("no query") << "beatbook-enrol:1" << "no server";
        QTest::newRow("no server") << "beatbook-enrol:1?code=" + code + "&fp=" + fp << "no server";
        QTest::newRow("no code") << "beatbook-enrol:1?server=a.b:1&fp=" + fp << "no code";
        QTest::newRow("no fp") << "beatbook-enrol:1?server=a.b:1&code=" + code << "no fp";
        QTest::newRow("twice") << "beatbook-enrol:1?server=a.b:1&server=c.d:1&code=" + code + "&fp=" + fp << "twice";
        QTest::newRow("bad server") << "beatbook-enrol:1?server=a b:1&code=" + code + "&fp=" + fp << "server";
        QTest::newRow("no port") << "beatbook-enrol:1?server=a.b&code=" + code + "&fp=" + fp << "server";
        QTest::newRow("bad code") << "beatbook-enrol:1?server=a.b:1&code=ABC&fp=" + fp << "code";
        QTest::newRow("short fp") << "beatbook-enrol:1?server=a.b:1&code=" + code + "&fp=" + fp.left(62) << "64 hex";
        QTest::newRow("non-hex fp") << "beatbook-enrol:1?server=a.b:1&code=" + code + "&fp=" + fp.left(62) + "zz"
                                    << "64 hex";
        QTest::newRow("code and fp disagree")
            << "beatbook-enrol:1?server=a.b:1&code=" + code + "&fp=" + QString::fromStdString(toHex(tampered))
            << "does not match";
        QTest::newRow("oversized") << "beatbook-enrol:1?server=a.b:1&code=" + code + "&fp=" + fp + "&x="
                + QString(2000, 'a')
                                   << "not a Beatbook";
    }
    void refusesBadInvites()
    {
        QFETCH(QString, text);
        QFETCH(QString, mentions);
        const auto parsed = parseEnrolmentInvite(text.toStdString());
        QVERIFY(!parsed.ok());
        QVERIFY(parsed.error().code == ErrorCode::InvalidInput);
        QVERIFY(oneLine(parsed.error()));
        QVERIFY2(QString::fromStdString(parsed.error().message).contains(mentions), parsed.error().message.c_str());
    }
};

QTEST_GUILESS_MAIN(TestEnrolmentCode)
#include "tst_enrolmentcode.moc"
