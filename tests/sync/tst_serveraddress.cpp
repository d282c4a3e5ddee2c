#include "sync/serveraddress.h"

#include <QTest>

#include <string>

using namespace beatbook;

class TestServerAddress : public QObject {
    Q_OBJECT
private slots:
    void parses_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("host");
        QTest::addColumn<int>("port");
        QTest::addColumn<QString>("canonical");
        QTest::newRow("name") << "sync.example.org:7443" << "sync.example.org" << 7443 << "sync.example.org:7443";
        QTest::newRow("single label") << "localhost:1" << "localhost" << 1 << "localhost:1";
        QTest::newRow("fully qualified") << "sync.example.org.:443" << "sync.example.org." << 443
                                         << "sync.example.org.:443";
        QTest::newRow("ipv4") << "127.0.0.1:7443" << "127.0.0.1" << 7443 << "127.0.0.1:7443";
        QTest::newRow("ipv6") << "[::1]:7443" << "::1" << 7443 << "[::1]:7443";
        QTest::newRow("ipv6 full") << "[2001:db8::42]:65535" << "2001:db8::42" << 65535 << "[2001:db8::42]:65535";
        QTest::newRow("hyphen") << "beat-book.example:80" << "beat-book.example" << 80 << "beat-book.example:80";
    }
    void parses()
    {
        QFETCH(QString, text);
        QFETCH(QString, host);
        QFETCH(int, port);
        QFETCH(QString, canonical);
        const auto parsed = parseServerAddress(text.toStdString());
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().message.c_str());
        QCOMPARE(QString::fromStdString(parsed->host), host);
        QCOMPARE(static_cast<int>(parsed->port), port);
        QCOMPARE(QString::fromStdString(parsed->text()), canonical);
    }

    void refuses_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("empty") << QByteArray("");
        QTest::newRow("no port") << QByteArray("sync.example.org");
        QTest::newRow("empty port") << QByteArray("sync.example.org:");
        QTest::newRow("empty host") << QByteArray(":7443");
        QTest::newRow("port 0") << QByteArray("a.b:0");
        QTest::newRow("port too big") << QByteArray("a.b:65536");
        QTest::newRow("leading zero") << QByteArray("a.b:07443");
        QTest::newRow("signed port") << QByteArray("a.b:+7443");
        QTest::newRow("port with letters") << QByteArray("a.b:74x3");
        QTest::newRow("bare ipv6") << QByteArray("::1:7443");
        QTest::newRow("bad ipv6") << QByteArray("[::g]:7443");
        QTest::newRow("unclosed bracket") << QByteArray("[::1:7443");
        QTest::newRow("space") << QByteArray("a b:7443");
        QTest::newRow("underscore") << QByteArray("a_b.example:7443");
        QTest::newRow("label starts with hyphen") << QByteArray("-a.example:7443");
        QTest::newRow("empty label") << QByteArray("a..example:7443");
        QTest::newRow("long label") << QByteArray(64, 'a') + ":7443";
        QTest::newRow("bad ipv4") << QByteArray("999.1.1.1:7443");
        QTest::newRow("scheme") << QByteArray("https://a.b:7443");
        QTest::newRow("non-ASCII") << QByteArray("caf\xc3\xa9.example:7443");
        QTest::newRow("invalid UTF-8") << QByteArray("caf\xff.example:7443");
        QTest::newRow("oversized") << QByteArray(5000, 'a') + ":7443";
    }
    void refuses()
    {
        QFETCH(QByteArray, text);
        const auto parsed = parseServerAddress(std::string_view(text.constData(), static_cast<std::size_t>(text.size())));
        QVERIFY(!parsed.ok());
        QVERIFY(parsed.error().code == ErrorCode::InvalidInput);
        QVERIFY(parsed.error().message.find('\n') == std::string::npos);
    }

    void tellsNamesFromAddresses()
    {
        QVERIFY(isHostName("localhost"));
        QVERIFY(isHostName("sync.example.org"));
        QVERIFY(isHostName("10.0.0.1"));
        QVERIFY(isHostName("::1"));
        QVERIFY(!isHostName(""));
        QVERIFY(!isHostName("bad name"));
        QVERIFY(!isHostName("[::1]"));
        QVERIFY(isIpAddress("10.0.0.1"));
        QVERIFY(isIpAddress("fe80::1"));
        QVERIFY(!isIpAddress("localhost"));
        QVERIFY(!isIpAddress("10.0.0.256"));
    }
};

QTEST_GUILESS_MAIN(TestServerAddress)
#include "tst_serveraddress.moc"
