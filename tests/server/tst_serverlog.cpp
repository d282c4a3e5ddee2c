#include "server/serverlog.h"

#include <QTest>

#include <nlohmann/json.hpp>

using namespace beatbook;

class TestServerLog : public QObject {
    Q_OBJECT
private slots:
    void writesOneJsonObjectPerLine()
    {
        std::vector<std::string> lines;
        auto log = ServerLog::toCallback([&](const std::string &line) { lines.push_back(line); });
        log->info("upload", {{"session", std::uint64_t{12}},
                             {"device", std::string_view("dev-1")},
                             {"changes", std::int64_t{-3}},
                             {"complete", true}});
        QCOMPARE(lines.size(), std::size_t{1});
        QVERIFY(lines[0].find('\n') == std::string::npos);
        auto json = nlohmann::json::parse(lines[0], nullptr, false);
        QVERIFY2(!json.is_discarded(), lines[0].c_str());
        QCOMPARE(json["event"].get<std::string>(), std::string("upload"));
        QCOMPARE(json["level"].get<std::string>(), std::string("info"));
        QVERIFY(json["ts"].get<std::string>().ends_with("Z"));
        QCOMPARE(json["session"].get<std::uint64_t>(), std::uint64_t{12});
        QCOMPARE(json["device"].get<std::string>(), std::string("dev-1"));
        QCOMPARE(json["changes"].get<std::int64_t>(), std::int64_t{-3});
        QCOMPARE(json["complete"].get<bool>(), true);
    }

    void hostileTextStaysOneValidLine()
    {
        std::vector<std::string> lines;
        auto log = ServerLog::toCallback([&](const std::string &line) { lines.push_back(line); });
        log->warning("odd", {{"text", std::string_view("quote\" newline\n brace} bad \xff utf-8")}});
        QCOMPARE(lines.size(), std::size_t{1});
        QVERIFY(lines[0].find('\n') == std::string::npos);
        auto json = nlohmann::json::parse(lines[0], nullptr, false);
        QVERIFY2(!json.is_discarded(), lines[0].c_str());
        QCOMPARE(json["level"].get<std::string>(), std::string("warning"));
        QVERIFY(json["text"].get<std::string>().starts_with("quote\" newline\n brace}"));
    }

    void debugIsOffUnlessAskedFor()
    {
        std::vector<std::string> lines;
        auto log = ServerLog::toCallback([&](const std::string &line) { lines.push_back(line); });
        log->write(ServerLog::Level::Debug, "detail");
        QVERIFY(lines.empty());
        log->setMinimumLevel(ServerLog::Level::Debug);
        log->write(ServerLog::Level::Debug, "detail");
        QCOMPARE(lines.size(), std::size_t{1});
        log->setMinimumLevel(ServerLog::Level::Error);
        log->info("ignored");
        log->error("kept");
        QCOMPARE(lines.size(), std::size_t{2});
        QVERIFY(lines[1].find("\"kept\"") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestServerLog)
#include "tst_serverlog.moc"
