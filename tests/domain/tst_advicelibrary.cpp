#include "core/text.h"
#include "domain/advicelibrary.h"
#include "testdata.h"

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <fstream>
#include <functional>
#include <regex>

using namespace beatbook;

// Enum values are compared with QVERIFY(a == b): QCOMPARE on a beatbook enum is
// ambiguous between QTest::toString and beatbook::toString (found by ADL).
using nlohmann::json;

namespace {

const std::string kBarnetAdvice = "data/packs/barnet/advice";

// A small valid article; each refusal case changes one thing in it.
json validArticle(const std::string &id = "test_article", int version = 1)
{
    return json{
        {"id", id},
        {"version", version},
        {"title", "A test article"},
        {"topic", "burglary"},
        {"audiences", {"victim", "resident"}},
        {"summary", "One sentence."},
        {"sections", {{{"heading", "Doors"}, {"points", {"Lock them.", "Lift the handle."}}}}},
        {"published", "2026-11-01"},
    };
}

void writeFile(const QTemporaryDir &dir, const std::string &name, const std::string &content)
{
    std::ofstream out(dir.filePath(QString::fromStdString(name)).toStdString(), std::ios::binary);
    out << content;
}

std::string dirPath(const QTemporaryDir &dir) { return dir.path().toStdString(); }

bool mentions(const std::string &message, const std::string &fragment)
{
    return message.find(fragment) != std::string::npos;
}

} // namespace

class TestAdviceLibrary : public QObject {
    Q_OBJECT
private slots:
    void shippedLibraryHasEveryRequiredArticle()
    {
        const auto library = AdviceLibrary::loadDirectory(testing::sourceFile(kBarnetAdvice));
        QVERIFY2(library.ok(), library.ok() ? "" : library.error().message.c_str());
        for (const char *id : {"burglary_home_security", "distraction_burglary_rogue_traders",
                               "fire_safety_at_home", "asb_victim_support", "personal_safety",
                               "burglary_neighbour_cocooning"}) {
            const AdviceArticle *article = library->latest(id);
            QVERIFY2(article, id);
            QCOMPARE(article->id, std::string(id));
            QVERIFY(!article->sections.empty());
            QVERIFY(!article->audiences.empty());
        }
        QCOMPARE(library->latestArticles().size(), std::size_t(6));
        QCOMPARE(library->size(), std::size_t(7));
    }

    void shippedBurglaryArticleHasTwoVersions()
    {
        const auto library = AdviceLibrary::loadDirectory(testing::sourceFile(kBarnetAdvice));
        QVERIFY(library.ok());
        const AdviceArticle *v1 = library->find("burglary_home_security", 1);
        const AdviceArticle *v2 = library->find("burglary_home_security", 2);
        QVERIFY(v1);
        QVERIFY(v2);
        QCOMPARE(v1->version, 1);
        QCOMPARE(v2->version, 2);
        QCOMPARE(library->latest("burglary_home_security"), v2);
        QVERIFY(!v1->supersedes.has_value());
        QCOMPARE(v2->supersedes, std::optional<int>(1));
        QVERIFY(v1->published < v2->published);
        // v2 is a real revision: it adds camera guidance that v1 lacks.
        const auto hasCameraSection = [](const AdviceArticle *a) {
            for (const auto &section : a->sections)
                if (mentions(section.heading, "camera"))
                    return true;
            return false;
        };
        QVERIFY(!hasCameraSection(v1));
        QVERIFY(hasCameraSection(v2));
        QVERIFY(!library->find("burglary_home_security", 3));
        QVERIFY(!library->find("burglary_home_security", 0));
        QVERIFY(!library->find("no_such_article", 1));
        QVERIFY(!library->latest("no_such_article"));
    }

    // What is handed out: the version asked for, or the latest.
    void articleResolvesTheVersionToHandOut()
    {
        const auto library = AdviceLibrary::loadDirectory(testing::sourceFile(kBarnetAdvice));
        QVERIFY(library.ok());
        const auto latest = library->article("burglary_home_security", std::nullopt);
        QVERIFY(latest.ok());
        QCOMPARE((*latest)->version, 2);
        const auto first = library->article("burglary_home_security", 1);
        QVERIFY(first.ok());
        QCOMPARE((*first)->version, 1);

        const auto future = library->article("burglary_home_security", 3);
        QVERIFY(!future.ok());
        QVERIFY(future.error().code == ErrorCode::NotFound);
        QVERIFY(mentions(future.error().message, "update the app"));
        const auto unknown = library->article("no_such\narticle", std::nullopt);
        QVERIFY(!unknown.ok());
        QVERIFY(unknown.error().code == ErrorCode::NotFound);
        QVERIFY(mentions(unknown.error().message, "no advice article no_such?article"));
    }

    void shippedLibraryListsAndFiltersLatestVersions()
    {
        const auto library = AdviceLibrary::loadDirectory(testing::sourceFile(kBarnetAdvice));
        QVERIFY(library.ok());
        const auto all = library->latestArticles();
        for (std::size_t i = 1; i < all.size(); ++i)
            QVERIFY(all[i - 1]->id < all[i]->id);
        const auto burglary = library->byTopic(AdviceTopic::Burglary);
        QCOMPARE(burglary.size(), std::size_t(2));
        QCOMPARE(burglary[0]->id, std::string("burglary_home_security"));
        QCOMPARE(burglary[0]->version, 2);
        QCOMPARE(burglary[1]->id, std::string("burglary_neighbour_cocooning"));
        QCOMPARE(library->byTopic(AdviceTopic::FireSafety).size(), std::size_t(1));
        QCOMPARE(library->byTopic(AdviceTopic::DistractionBurglary).size(), std::size_t(1));
        QCOMPARE(library->byTopic(AdviceTopic::Asb).size(), std::size_t(1));
        QCOMPARE(library->byTopic(AdviceTopic::PersonalSafety).size(), std::size_t(1));
        // Cocooning advice is left with neighbours, not handed to the victim.
        const AdviceArticle *cocooning = library->latest("burglary_neighbour_cocooning");
        QVERIFY(cocooning->isFor(RecipientKind::Neighbour));
        QVERIFY(!cocooning->isFor(RecipientKind::Victim));
    }

    // Residents act on the numbers printed: only the ones known to be right
    // may appear (999, 101, Crimestoppers, Victim Support, and 55 for the
    // silent 999 call).
    void shippedLibraryUsesOnlyKnownPhoneNumbers()
    {
        const auto library = AdviceLibrary::loadDirectory(testing::sourceFile(kBarnetAdvice));
        QVERIFY(library.ok());
        const std::regex number(R"(\d[\d ]*\d|\d)");
        const std::vector<std::string> allowed{"999", "101", "0800 555 111", "08 08 16 89 111", "55"};
        bool sawCrimestoppers = false, sawVictimSupport = false;
        for (const char *id : {"burglary_home_security", "distraction_burglary_rogue_traders",
                               "fire_safety_at_home", "asb_victim_support", "personal_safety",
                               "burglary_neighbour_cocooning"}) {
            for (int v = 1; const AdviceArticle *a = library->find(id, v); ++v) {
                for (const auto &section : a->sections) {
                    for (const auto &point : section.points) {
                        sawCrimestoppers |= mentions(point, "0800 555 111");
                        sawVictimSupport |= mentions(point, "08 08 16 89 111");
                        if (!mentions(point, "call") && !mentions(point, "Supportline")
                            && !mentions(point, "press"))
                            continue;
                        for (std::sregex_iterator it(point.begin(), point.end(), number), end; it != end; ++it) {
                            const std::string found = it->str();
                            // Standards and counts (BS 3621, 14 days, three times) are not numbers to call.
                            if (found.size() < 2 || found == "14" || found == "24" || found == "10")
                                continue;
                            QVERIFY2(std::find(allowed.begin(), allowed.end(), found) != allowed.end(),
                                     (std::string(id) + ": unexpected number " + found).c_str());
                        }
                    }
                }
            }
        }
        QVERIFY(sawCrimestoppers);
        QVERIFY(sawVictimSupport);
    }

    void parsesAValidArticle()
    {
        auto doc = validArticle("doors_1", 3);
        doc["supersedes"] = 2;
        const auto article = parseAdviceArticle(doc.dump());
        QVERIFY2(article.ok(), article.ok() ? "" : article.error().message.c_str());
        QCOMPARE(article->id, std::string("doors_1"));
        QCOMPARE(article->version, 3);
        QVERIFY(article->topic == AdviceTopic::Burglary);
        QCOMPARE(article->audiences.size(), std::size_t(2));
        QCOMPARE(article->sections.at(0).points.size(), std::size_t(2));
        QCOMPARE(article->supersedes, std::optional<int>(2));
        QCOMPARE(article->published, std::string("2026-11-01"));
    }

    void refusesMalformedArticles_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("fragment");

        const auto with = [](const std::function<void(json &)> &change) {
            json doc = validArticle();
            change(doc);
            return QByteArray::fromStdString(doc.dump());
        };
        const std::string longTitle(kMaxShortText + 1, 'a');
        const std::string longPoint(kMaxLongText + 1, 'a');

        QTest::newRow("bad json") << QByteArray("{\"id\": \"x\",") << "not valid JSON";
        QTest::newRow("array") << QByteArray("[]") << "one JSON object";
        QTest::newRow("empty") << QByteArray("") << "not valid JSON";
        QTest::newRow("invalid utf-8") << QByteArray("{\"id\": \"a\xff\"}") << "UTF-8";
        QTest::newRow("unknown topic") << with([](json &d) { d["topic"] = "shoplifting"; })
                                       << "unknown topic";
        QTest::newRow("topic not a string") << with([](json &d) { d["topic"] = 3; }) << "topic";
        QTest::newRow("version 0") << with([](json &d) { d["version"] = 0; }) << "1 or more";
        QTest::newRow("negative version") << with([](json &d) { d["version"] = -2; }) << "1 or more";
        QTest::newRow("version as text") << with([](json &d) { d["version"] = "1"; }) << "whole number";
        QTest::newRow("version fraction") << with([](json &d) { d["version"] = 1.5; }) << "whole number";
        QTest::newRow("version bool") << with([](json &d) { d["version"] = true; }) << "whole number";
        QTest::newRow("version null") << with([](json &d) { d["version"] = nullptr; }) << "whole number";
        QTest::newRow("version NaN") << QByteArray("{\"id\": \"a\", \"version\": NaN}") << "not valid JSON";
        QTest::newRow("version huge") << with([](json &d) { d["version"] = 1ULL << 40; }) << "too large";
        QTest::newRow("no version") << with([](json &d) { d.erase("version"); }) << "missing";
        QTest::newRow("id upper case") << with([](json &d) { d["id"] = "Burglary"; }) << "a-z";
        QTest::newRow("id hyphen") << with([](json &d) { d["id"] = "home-security"; }) << "a-z";
        QTest::newRow("id path") << with([](json &d) { d["id"] = "../secret"; }) << "a-z";
        QTest::newRow("id too long") << with([](json &d) { d["id"] = std::string(65, 'a'); }) << "a-z";
        QTest::newRow("id empty") << with([](json &d) { d["id"] = ""; }) << "a-z";
        QTest::newRow("title empty") << with([](json &d) { d["title"] = "   "; }) << "empty";
        QTest::newRow("title missing") << with([](json &d) { d.erase("title"); }) << "missing";
        QTest::newRow("title oversized") << with([&](json &d) { d["title"] = longTitle; }) << "too long";
        QTest::newRow("title newline") << with([](json &d) { d["title"] = "a\nb"; }) << "control character";
        QTest::newRow("summary empty") << with([](json &d) { d["summary"] = ""; }) << "empty";
        QTest::newRow("summary number") << with([](json &d) { d["summary"] = 7; }) << "must be a string";
        QTest::newRow("no audiences") << with([](json &d) { d["audiences"] = json::array(); }) << "audiences";
        QTest::newRow("unknown audience") << with([](json &d) { d["audiences"] = {"victim", "landlord"}; })
                                          << "unknown audience";
        QTest::newRow("audience twice") << with([](json &d) { d["audiences"] = {"victim", "victim"}; })
                                        << "listed twice";
        QTest::newRow("no sections") << with([](json &d) { d["sections"] = json::array(); }) << "sections";
        QTest::newRow("section not object") << with([](json &d) { d["sections"] = {"Doors"}; }) << "section 1";
        QTest::newRow("section no points")
            << with([](json &d) { d["sections"] = {{{"heading", "Doors"}, {"points", json::array()}}}; })
            << "points";
        QTest::newRow("point not string")
            << with([](json &d) { d["sections"][0]["points"][1] = 42; }) << "section 1, point 2";
        QTest::newRow("point oversized")
            << with([&](json &d) { d["sections"][0]["points"][0] = longPoint; }) << "too long";
        QTest::newRow("point blank") << with([](json &d) { d["sections"][0]["points"][0] = " "; }) << "empty";
        QTest::newRow("heading missing") << with([](json &d) { d["sections"][0].erase("heading"); })
                                         << "heading";
        QTest::newRow("section unknown key") << with([](json &d) { d["sections"][0]["note"] = "x"; })
                                             << "unknown key \"note\"";
        QTest::newRow("unknown key") << with([](json &d) { d["supersede"] = 1; }) << "unknown key \"supersede\"";
        QTest::newRow("date 30 February") << with([](json &d) { d["published"] = "2026-02-30"; }) << "YYYY-MM-DD";
        QTest::newRow("date words") << with([](json &d) { d["published"] = "1 Nov 2026"; }) << "YYYY-MM-DD";
        QTest::newRow("date with time") << with([](json &d) { d["published"] = "2026-11-01T00:00Z"; })
                                        << "YYYY-MM-DD";
        QTest::newRow("date missing") << with([](json &d) { d.erase("published"); }) << "YYYY-MM-DD";
        QTest::newRow("supersedes itself") << with([](json &d) { d["supersedes"] = 1; }) << "earlier version";
        QTest::newRow("supersedes text") << with([](json &d) { d["supersedes"] = "0"; }) << "whole number";
        QTest::newRow("oversized file")
            << QByteArray(static_cast<qsizetype>(kMaxAdviceArticleBytes + 1), ' ') << "too large";
    }
    void refusesMalformedArticles()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, fragment);
        const auto article = parseAdviceArticle(std::string_view(text.constData(), static_cast<std::size_t>(text.size())));
        QVERIFY(!article.ok());
        QVERIFY(article.error().code == ErrorCode::DataPack);
        QVERIFY2(mentions(article.error().message, fragment.toStdString()), article.error().message.c_str());
        // One line a person can act on.
        QVERIFY(article.error().message.find('\n') == std::string::npos);
    }

    void loadsAValidDirectory()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        auto v2 = validArticle("doors", 2);
        v2["topic"] = "fire_safety";
        writeFile(dir, "doors.v1.json", validArticle("doors", 1).dump());
        writeFile(dir, "doors.v2.json", v2.dump());
        writeFile(dir, "alarms.v1.json", validArticle("alarms", 1).dump());
        writeFile(dir, "README.txt", "not an article");
        const auto library = AdviceLibrary::loadDirectory(dirPath(dir));
        QVERIFY2(library.ok(), library.ok() ? "" : library.error().message.c_str());
        QCOMPARE(library->size(), std::size_t(3));
        QCOMPARE(library->latest("doors")->version, 2);
        QVERIFY(library->find("doors", 1)->topic == AdviceTopic::Burglary);
        const auto latest = library->latestArticles();
        QCOMPARE(latest.size(), std::size_t(2));
        QCOMPARE(latest[0]->id, std::string("alarms"));
        // byTopic looks at the latest version only: doors moved to fire safety in v2.
        QCOMPARE(library->byTopic(AdviceTopic::Burglary).size(), std::size_t(1));
        QCOMPARE(library->byTopic(AdviceTopic::FireSafety).at(0)->id, std::string("doors"));
    }

    void refusesBadDirectories_data()
    {
        QTest::addColumn<QStringList>("names");
        QTest::addColumn<QList<QByteArray>>("contents");
        QTest::addColumn<QString>("fragment");

        const auto valid = [](const std::string &id, int v) { return QByteArray::fromStdString(validArticle(id, v).dump()); };
        auto unknownTopic = validArticle("doors", 1);
        unknownTopic["topic"] = "shoplifting";

        QTest::newRow("bad json names the file")
            << QStringList{"alarms.v1.json", "doors.v1.json"}
            << QList<QByteArray>{valid("alarms", 1), "{ not json"} << "advice file doors.v1.json: ";
        QTest::newRow("unknown topic names the file")
            << QStringList{"doors.v1.json"} << QList<QByteArray>{QByteArray::fromStdString(unknownTopic.dump())}
            << "doors.v1.json: advice article: unknown topic";
        QTest::newRow("invalid utf-8")
            << QStringList{"doors.v1.json"} << QList<QByteArray>{QByteArray("{\"id\":\"\xc3\x28\"}")}
            << "doors.v1.json: advice article: the file is not valid UTF-8";
        QTest::newRow("oversized file")
            << QStringList{"doors.v1.json"}
            << QList<QByteArray>{QByteArray(static_cast<qsizetype>(kMaxAdviceArticleBytes + 10), ' ')}
            << "doors.v1.json is too large";
        QTest::newRow("id does not match file name")
            << QStringList{"windows.v1.json"} << QList<QByteArray>{valid("doors", 1)}
            << "windows.v1.json holds doors version 1; name it doors.v1.json";
        QTest::newRow("version does not match file name")
            << QStringList{"doors.v2.json"} << QList<QByteArray>{valid("doors", 1)} << "name it doors.v1.json";
        // The strict name rule is what stops a second copy of a version
        // slipping in under another spelling.
        QTest::newRow("duplicate version under another name")
            << QStringList{"doors.v1.json", "doors.v01.json"}
            << QList<QByteArray>{valid("doors", 1), valid("doors", 1)} << "doors.v01.json holds doors version 1";
        QTest::newRow("missing earlier version")
            << QStringList{"doors.v2.json"} << QList<QByteArray>{valid("doors", 2)} << "no version 1";
        QTest::newRow("gap between versions")
            << QStringList{"doors.v1.json", "doors.v3.json"}
            << QList<QByteArray>{valid("doors", 1), valid("doors", 3)} << "version 3 but no version 2";
        QTest::newRow("no articles") << QStringList{"notes.txt"} << QList<QByteArray>{"hello"}
                                     << "no advice articles";
    }
    void refusesBadDirectories()
    {
        QFETCH(QStringList, names);
        QFETCH(QList<QByteArray>, contents);
        QFETCH(QString, fragment);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        for (qsizetype i = 0; i < names.size(); ++i)
            writeFile(dir, names[i].toStdString(), contents[i].toStdString());
        const auto library = AdviceLibrary::loadDirectory(dirPath(dir));
        QVERIFY(!library.ok());
        QVERIFY(library.error().code == ErrorCode::DataPack);
        QVERIFY2(mentions(library.error().message, fragment.toStdString()), library.error().message.c_str());
    }

    void refusesMissingDirectory()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const auto library = AdviceLibrary::loadDirectory(dirPath(dir) + "/nowhere");
        QVERIFY(!library.ok());
        QVERIFY(library.error().code == ErrorCode::DataPack);
        QVERIFY(mentions(library.error().message, "advice folder not found"));
    }

    void fromArticlesRefusesDuplicates()
    {
        auto first = parseAdviceArticle(validArticle("doors", 1).dump());
        auto second = parseAdviceArticle(validArticle("doors", 1).dump());
        QVERIFY(first.ok() && second.ok());
        const auto library = AdviceLibrary::fromArticles({*first, *second});
        QVERIFY(!library.ok());
        QVERIFY(library.error().code == ErrorCode::DataPack);
        QVERIFY2(mentions(library.error().message, "doors version 1 appears twice"),
                 library.error().message.c_str());

        const auto single = AdviceLibrary::fromArticles({*first});
        QVERIFY(single.ok());
        QCOMPARE(single->latest("doors")->version, 1);

        AdviceArticle handMade = *first;
        handMade.id = "Not Valid";
        QVERIFY(!AdviceLibrary::fromArticles({handMade}).ok());
    }

    void pointersSurviveAMove()
    {
        auto loaded = AdviceLibrary::loadDirectory(testing::sourceFile(kBarnetAdvice));
        QVERIFY(loaded.ok());
        const AdviceArticle *before = loaded->find("burglary_home_security", 1);
        AdviceLibrary moved = std::move(loaded).value();
        QCOMPARE(moved.find("burglary_home_security", 1), before);
    }
};

QTEST_GUILESS_MAIN(TestAdviceLibrary)
#include "tst_advicelibrary.moc"
