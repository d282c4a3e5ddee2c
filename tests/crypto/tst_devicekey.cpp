#include "crypto/devicekey.h"

#include <QTest>

using namespace beatbook;

class TestDeviceKey : public QObject {
    Q_OBJECT
private slots:
    void signsAndVerifies()
    {
        auto key = generateDeviceKey();
        QVERIFY2(key.ok(), key.ok() ? "" : key.error().message.c_str());
        QCOMPARE(key->privateKey.size(), std::size_t{32});
        QCOMPARE(key->publicKey.size(), std::size_t{32});
        const std::string message("exported keying material\0with a nul", 35);
        auto signature = signWithDeviceKey(key->privateKey, message);
        QVERIFY(signature.ok());
        QCOMPARE(signature->size(), std::size_t{64});
        QVERIFY(verifyDeviceSignature(key->publicKey, message, *signature));
        // Ed25519 is deterministic.
        QCOMPARE(*signWithDeviceKey(key->privateKey, message), *signature);
        QVERIFY(verifyDeviceSignature(key->publicKey, "", *signWithDeviceKey(key->privateKey, "")));
    }

    void keysAreFresh()
    {
        auto a = generateDeviceKey();
        auto b = generateDeviceKey();
        QVERIFY(a.ok() && b.ok());
        QVERIFY(a->privateKey != b->privateKey);
        QVERIFY(a->publicKey != b->publicKey);
    }

    void knownAnswer()
    {
        // RFC 8032 section 7.1, test 2: one-byte message 0x72.
        const std::string secret = QByteArray::fromHex(
            "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb").toStdString();
        const std::string publicKey = QByteArray::fromHex(
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c").toStdString();
        const std::string expected = QByteArray::fromHex(
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
            "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00").toStdString();
        auto signature = signWithDeviceKey(secret, "\x72");
        QVERIFY(signature.ok());
        QCOMPARE(*signature, expected);
        QVERIFY(verifyDeviceSignature(publicKey, "\x72", expected));
    }

    void refusesTamperedSignatures()
    {
        auto key = generateDeviceKey();
        auto other = generateDeviceKey();
        QVERIFY(key.ok() && other.ok());
        auto signature = *signWithDeviceKey(key->privateKey, "session one");
        QVERIFY(!verifyDeviceSignature(key->publicKey, "session two", signature));
        QVERIFY(!verifyDeviceSignature(other->publicKey, "session one", signature));
        std::string flipped = signature;
        flipped[10] = static_cast<char>(flipped[10] ^ 0x01);
        QVERIFY(!verifyDeviceSignature(key->publicKey, "session one", flipped));
        QVERIFY(!verifyDeviceSignature(key->publicKey, "session one", signature.substr(0, 63)));
        QVERIFY(!verifyDeviceSignature(key->publicKey, "session one", signature + "x"));
        QVERIFY(!verifyDeviceSignature(key->publicKey, "session one", ""));
    }

    void malformedKeysAreRefusedWithoutErrors()
    {
        auto key = generateDeviceKey();
        QVERIFY(key.ok());
        auto signature = *signWithDeviceKey(key->privateKey, "m");
        QVERIFY(!verifyDeviceSignature("", "m", signature));
        QVERIFY(!verifyDeviceSignature(key->publicKey.substr(0, 31), "m", signature));
        QVERIFY(!verifyDeviceSignature(std::string(32, '\0'), "m", signature));
        QVERIFY(!verifyDeviceSignature(std::string(32, '\xff'), "m", signature));

        QCOMPARE(signWithDeviceKey("", "m").error().code, ErrorCode::InvalidInput);
        QCOMPARE(signWithDeviceKey(std::string(31, 'k'), "m").error().code, ErrorCode::InvalidInput);
        QCOMPARE(signWithDeviceKey(std::string(64, 'k'), "m").error().code, ErrorCode::InvalidInput);
    }
};

QTEST_GUILESS_MAIN(TestDeviceKey)
#include "tst_devicekey.moc"
