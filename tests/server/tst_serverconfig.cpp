#include "server/serverconfig.h"

#include <QTemporaryDir>
#include <QTest>

#include <fstream>

using namespace beatbook;
using namespace std::chrono_literals;

class TestServerConfig : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

    std::string dataDir() const { return m_dir.path().toStdString(); }

    void writeConf(const std::string &text, const std::string &name = "server.conf")
    {
        std::ofstream out(dataDir() + "/" + name, std::ios::trunc);
        out << text;
    }

    Result<ServerCommandLine> parse(std::vector<std::string> args)
    {
        args.insert(args.begin(), {"--data", dataDir()});
        return parseServerCommandLine(args);
    }

private slots:
    void init()
    {
        QVERIFY(m_dir.isValid());
        std::remove((dataDir() + "/server.conf").c_str());
    }

    void defaultsWithoutAConfigFile()
    {
        auto cli = parse({});
        QVERIFY2(cli.ok(), cli.ok() ? "" : cli.error().message.c_str());
        const ServerSettings &s = cli->settings;
        QCOMPARE(cli->dataDir, dataDir());
        QCOMPARE(cli->configFile, dataDir() + "/server.conf");
        QCOMPARE(s.listen.host, std::string("127.0.0.1"));
        QCOMPARE(s.listen.port, std::uint16_t{7443});
        QCOMPARE(s.maxConnections, std::size_t{10000});
        QCOMPARE(s.handshakeTimeout, 10000ms);
        QCOMPARE(s.idleTimeout, 120000ms);
        QCOMPARE(s.frameTimeout, 30000ms);
        QCOMPARE(s.maxFrameBytes, std::size_t{4 * 1024 * 1024});
        QCOMPARE(s.maxChangesPerBatch, std::size_t{2000});
        QCOMPARE(s.maxRecordsPerPage, 2000u);
        QVERIFY(s.ioThreads() >= 1);
        QVERIFY(s.blockingThreads() >= 2);
    }

    void readsTheDataDirectorysConfig()
    {
        // As beatbook-admin init writes it, plus tuning.
        writeConf("# Beatbook sync server settings\n"
                  "listen = \"0.0.0.0:8443\"\n"
                  "hostname = \"sync.example.org\"\n"
                  "threads = 3\n"
                  "idle-timeout-ms = 60000\n"
                  "max-connections = 500\n");
        auto cli = parse({});
        QVERIFY2(cli.ok(), cli.ok() ? "" : cli.error().message.c_str());
        QCOMPARE(cli->settings.listen.text(), std::string("0.0.0.0:8443"));
        QCOMPARE(cli->settings.hostname, std::string("sync.example.org"));
        QCOMPARE(cli->settings.threads, 3u);
        QCOMPARE(cli->settings.ioThreads(), 3u);
        QCOMPARE(cli->settings.idleTimeout, 60000ms);
        QCOMPARE(cli->settings.maxConnections, std::size_t{500});
    }

    void flagsOverrideTheFile()
    {
        writeConf("listen = \"0.0.0.0:8443\"\nthreads = 3\n");
        auto cli = parse({"--listen", "127.0.0.1:9000", "--threads", "5"});
        QVERIFY2(cli.ok(), cli.ok() ? "" : cli.error().message.c_str());
        QCOMPARE(cli->settings.listen.text(), std::string("127.0.0.1:9000"));
        QCOMPARE(cli->settings.threads, 5u);
    }

    void portZeroPicksAFreePort()
    {
        auto cli = parse({"--listen", "127.0.0.1:0"});
        QVERIFY2(cli.ok(), cli.ok() ? "" : cli.error().message.c_str());
        QCOMPARE(cli->settings.listen.port, std::uint16_t{0});
        auto v6 = parse({"--listen", "[::1]:0"});
        QVERIFY2(v6.ok(), v6.ok() ? "" : v6.error().message.c_str());
        QCOMPARE(v6->settings.listen.host, std::string("::1"));
    }

    void anotherConfigFile()
    {
        writeConf("threads = 7\n", "other.conf");
        auto cli = parse({"--config", dataDir() + "/other.conf"});
        QVERIFY2(cli.ok(), cli.ok() ? "" : cli.error().message.c_str());
        QCOMPARE(cli->settings.threads, 7u);
        QCOMPARE(cli->configFile, dataDir() + "/other.conf");
    }

    void refusesBadInput_data()
    {
        QTest::addColumn<QString>("conf");
        QTest::addColumn<QStringList>("flags");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("unknown key") << "listne = \"1.2.3.4:5\"\n" << QStringList{} << "listne";
        QTest::newRow("unknown flag") << "" << QStringList{"--bogus", "1"} << "bogus";
        QTest::newRow("bad listen") << "" << QStringList{"--listen", "nowhere"} << "listen";
        QTest::newRow("port too big") << "" << QStringList{"--listen", "127.0.0.1:70000"} << "listen";
        QTest::newRow("negative threads") << "threads = -1\n" << QStringList{} << "threads";
        QTest::newRow("words for a number") << "threads = many\n" << QStringList{} << "threads";
        QTest::newRow("zero connections") << "" << QStringList{"--max-connections", "0"} << "max-connections";
        QTest::newRow("zero idle") << "idle-timeout-ms = 0\n" << QStringList{} << "idle-timeout-ms";
        QTest::newRow("tiny frames") << "" << QStringList{"--max-frame-bytes", "10"} << "max-frame-bytes";
        QTest::newRow("huge batch") << "" << QStringList{"--max-batch-changes", "1000000000"} << "max-batch-changes";
        QTest::newRow("bad hostname") << "hostname = \"not a host\"\n" << QStringList{} << "hostname";
        QTest::newRow("missing config") << "" << QStringList{"--config", "/nonexistent/beatbook.conf"} << "beatbook.conf";
        QTest::newRow("data in file") << "data = \"/elsewhere\"\n" << QStringList{} << "data";
    }
    void refusesBadInput()
    {
        QFETCH(QString, conf);
        QFETCH(QStringList, flags);
        QFETCH(QString, mentions);
        if (!conf.isEmpty())
            writeConf(conf.toStdString());
        std::vector<std::string> args;
        for (const auto &f : flags)
            args.push_back(f.toStdString());
        auto cli = parse(args);
        QVERIFY(!cli.ok());
        QCOMPARE(cli.error().code, ErrorCode::InvalidInput);
        QVERIFY2(cli.error().message.find(mentions.toStdString()) != std::string::npos, cli.error().message.c_str());
    }

    void dataIsRequired()
    {
        auto cli = parseServerCommandLine({"--listen", "127.0.0.1:9000"});
        QVERIFY(!cli.ok());
        QVERIFY2(cli.error().message.find("--data") != std::string::npos, cli.error().message.c_str());
    }

    void helpIsNotAnError()
    {
        auto cli = parseServerCommandLine({"--help"});
        QVERIFY(cli.ok());
        QVERIFY(cli->helpRequested);
        QVERIFY(cli->helpText.find("--listen") != std::string::npos);
    }

    void validatesSettingsMadeInCode()
    {
        ServerSettings s;
        QVERIFY(validateServerSettings(s).ok());
        s.maxChangesPerBatch = 0;
        QVERIFY(!validateServerSettings(s).ok());
    }
};

QTEST_GUILESS_MAIN(TestServerConfig)
#include "tst_serverconfig.moc"
