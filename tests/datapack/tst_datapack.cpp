#include "datapack/datapack.h"

#include "testdata.h"

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QTest>

#include <cstdlib>
#include <fstream>
#include <string>

using namespace beatbook;
using beatbook::testing::sourceFile;
using beatbook::testing::wardSamplePoints;

namespace {

using Json = nlohmann::json;

void writeFile(const std::string &path, const std::string &text)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

// A made-up borough of two square wards, small enough to read in the test.
const char *const kTinyWards = R"({"type":"FeatureCollection","features":[
  {"type":"Feature","properties":{"code":"X01","label":"Northfield"},"geometry":{"type":"Polygon",
    "coordinates":[[[1.0,50.01],[1.01,50.01],[1.01,50.02],[1.0,50.02],[1.0,50.01]]]}},
  {"type":"Feature","properties":{"code":"X02","label":"Southfield"},"geometry":{"type":"MultiPolygon",
    "coordinates":[[[[1.0,50.0],[1.01,50.0],[1.01,50.01],[1.0,50.01],[1.0,50.0]]]]}}
]})";

const char *const kTinyBaselines = "priority,measure,baseline_2010_11,unit,direction,note\n"
                                   "1,\"Litter, fly-tipping\",42,reports,reduce,\n";

Json tinyManifest()
{
    return Json{{"id", "tinyborough"},
                {"name", "Tiny Borough Council"},
                {"format", 1},
                {"population", 5400},
                {"population_source", "made up for a test"},
                {"wards", {{"file", "wards.geojson"}, {"code_property", "code"}, {"name_property", "label"}}},
                {"ward_populations", {{"X01", 3000}, {"X02", 2400}}},
                {"baselines", "baselines.csv"},
                {"advice", "leaflets"},
                {"strategy", "Tiny Borough Safety Plan"}};
}

// Writes the tiny pack into dir; the manifest can be swapped for a broken one.
void writeTinyPack(const QString &dir, const std::string &manifest = tinyManifest().dump(2))
{
    const std::string root = dir.toStdString();
    writeFile(root + "/pack.json", manifest);
    writeFile(root + "/wards.geojson", kTinyWards);
    writeFile(root + "/baselines.csv", kTinyBaselines);
}

} // namespace

class TestDataPack : public QObject {
    Q_OBJECT
private slots:
    void loadsBarnet()
    {
        const std::string dir = sourceFile("data/packs/barnet");
        const auto pack = DataPack::load(dir);
        QVERIFY2(pack.ok(), pack.ok() ? "" : pack.error().message.c_str());
        QCOMPARE(pack->id(), std::string("barnet"));
        QCOMPARE(pack->name(), std::string("London Borough of Barnet"));
        QCOMPARE(pack->population(), 389300LL);
        QCOMPARE(pack->populationSource(), std::string("2021 census"));
        QCOMPARE(pack->strategy(), std::string("Barnet Safer Communities Strategy 2011-2014"));
        QCOMPARE(pack->wards().wards().size(), std::size_t{24});
        QCOMPARE(pack->baselines().size(), std::size_t{27});
        QCOMPARE(pack->directory(), dir);
        QCOMPARE(pack->adviceDirectory(), dir + "/advice");
        // The domain's default repeat rule, written out: 3 in 12 months.
        QCOMPARE(pack->repeatRule().threshold, 3);
        QCOMPARE(pack->repeatRule().windowMs, 365LL * 24 * 3600 * 1000);
        // No ward figures ship yet.
        QVERIFY(!pack->wardPopulation("E05013628").has_value());
        QVERIFY(!pack->wardPopulation("nowhere").has_value());

        // A trailing separator names the same folder.
        const auto again = DataPack::load(dir + "/");
        QVERIFY(again.ok());
        QCOMPARE(again->directory(), dir);
    }

    void samplePointsResolveThroughThePack()
    {
        const auto pack = DataPack::load(sourceFile("data/packs/barnet"));
        QVERIFY(pack.ok());
        int checked = 0;
        for (const auto &point : wardSamplePoints()) {
            const auto *ward = pack->wards().wardAt({std::stod(point.lat), std::stod(point.lon)});
            QVERIFY2(ward != nullptr, point.code.c_str());
            QCOMPARE(ward->code, point.code);
            QCOMPARE(ward->name, point.name);
            ++checked;
        }
        QCOMPARE(checked, 24);
        QVERIFY(pack->wards().wardAt({51.5074, -0.1278}) == nullptr); // Charing Cross
        QVERIFY(pack->wards().wardAt({48.8566, 2.3522}) == nullptr);  // Paris
        QVERIFY(pack->wards().wardAt({0.0, 0.0}) == nullptr);
    }

    void loadsAnotherBorough()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        writeTinyPack(dir.path());
        const auto pack = DataPack::load(dir.path().toStdString());
        QVERIFY2(pack.ok(), pack.ok() ? "" : pack.error().message.c_str());
        QCOMPARE(pack->id(), std::string("tinyborough"));
        QCOMPARE(pack->population(), 5400LL);
        QCOMPARE(pack->wards().wards().size(), std::size_t{2});
        QCOMPARE(pack->wards().wardAt({50.015, 1.005})->name, std::string("Northfield"));
        QCOMPARE(pack->wards().wardAt({50.005, 1.005})->code, std::string("X02"));
        QVERIFY(pack->wards().wardAt({51.6, -0.2}) == nullptr); // Barnet is not in it
        QCOMPARE(pack->wardPopulation("X01"), std::optional<long long>(3000));
        QCOMPARE(pack->wardPopulation("X02"), std::optional<long long>(2400));
        QVERIFY(!pack->wardPopulation("E05013628").has_value());
        QCOMPARE(pack->baselines().size(), std::size_t{1});
        QCOMPARE(pack->baselines().front().measure, std::string("Litter, fly-tipping"));
        QCOMPARE(pack->adviceDirectory(), dir.path().toStdString() + "/leaflets");

        // Ward populations are optional.
        Json manifest = tinyManifest();
        manifest.erase("ward_populations");
        writeTinyPack(dir.path(), manifest.dump());
        const auto without = DataPack::load(dir.path().toStdString());
        QVERIFY2(without.ok(), without.ok() ? "" : without.error().message.c_str());
        QVERIFY(!without->wardPopulation("X01").has_value());
        QCOMPARE(without->repeatRule().threshold, 3); // no rule given: the default

        // A borough with its own repeat-victim definition: 3 in 3 months.
        manifest["repeat_victim"] = Json{{"threshold", 3}, {"window_days", 90}};
        writeTinyPack(dir.path(), manifest.dump());
        const auto stricter = DataPack::load(dir.path().toStdString());
        QVERIFY2(stricter.ok(), stricter.ok() ? "" : stricter.error().message.c_str());
        QCOMPARE(stricter->repeatRule().threshold, 3);
        QCOMPARE(stricter->repeatRule().windowMs, 90LL * 24 * 3600 * 1000);
        // A rule may give only one of its fields.
        manifest["repeat_victim"] = Json{{"threshold", 10}};
        writeTinyPack(dir.path(), manifest.dump());
        const auto calls = DataPack::load(dir.path().toStdString());
        QVERIFY(calls.ok());
        QCOMPARE(calls->repeatRule().threshold, 10);
        QCOMPARE(calls->repeatRule().windowMs, 365LL * 24 * 3600 * 1000);
    }

    void defaultDirectoryFollowsTheEnvironment()
    {
        const QByteArray saved = qgetenv("BEATBOOK_PACK_DIR");
        qunsetenv("BEATBOOK_PACK_DIR");
        QCOMPARE(DataPack::defaultDirectory(), std::string(BEATBOOK_DEFAULT_PACK_DIR));
        QCOMPARE(DataPack::defaultDirectory(), sourceFile("data/packs/barnet"));
        QVERIFY(DataPack::load(DataPack::defaultDirectory()).ok());

        qputenv("BEATBOOK_PACK_DIR", "");
        QCOMPARE(DataPack::defaultDirectory(), std::string(BEATBOOK_DEFAULT_PACK_DIR));

        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        writeTinyPack(dir.path());
        qputenv("BEATBOOK_PACK_DIR", dir.path().toLocal8Bit());
        QCOMPARE(DataPack::defaultDirectory(), dir.path().toStdString());
        const auto pack = DataPack::load(DataPack::defaultDirectory());
        QVERIFY(pack.ok());
        QCOMPARE(pack->id(), std::string("tinyborough"));

        if (saved.isNull())
            qunsetenv("BEATBOOK_PACK_DIR");
        else
            qputenv("BEATBOOK_PACK_DIR", saved);
    }

    void refusesMissingFolderAndManifest()
    {
        const auto noFolder = DataPack::load("/nonexistent/beatbook/pack");
        QVERIFY(!noFolder.ok());
        QCOMPARE(noFolder.error().code, ErrorCode::DataPack);
        QVERIFY(noFolder.error().message.find("/nonexistent/beatbook/pack") != std::string::npos);

        const auto empty = DataPack::load("");
        QVERIFY(!empty.ok());
        QCOMPARE(empty.error().code, ErrorCode::DataPack);

        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const auto noManifest = DataPack::load(dir.path().toStdString());
        QVERIFY(!noManifest.ok());
        QCOMPARE(noManifest.error().code, ErrorCode::DataPack);
        QVERIFY2(noManifest.error().message.find("pack.json") != std::string::npos,
                 noManifest.error().message.c_str());
    }

    void refusesBadManifests_data()
    {
        QTest::addColumn<QString>("manifest");
        QTest::addColumn<QString>("mentions");
        const auto with = [](const char *key, const Json &value) {
            Json m = tinyManifest();
            m[key] = value;
            return QString::fromStdString(m.dump());
        };
        const auto without = [](const char *key) {
            Json m = tinyManifest();
            m.erase(key);
            return QString::fromStdString(m.dump());
        };
        const auto withWards = [](const char *key, const Json &value) {
            Json m = tinyManifest();
            if (value.is_null())
                m["wards"].erase(key);
            else
                m["wards"][key] = value;
            return QString::fromStdString(m.dump());
        };
        QTest::newRow("not JSON") << "{\"id\": \"tiny\"," << "not valid JSON";
        QTest::newRow("an array") << "[1, 2]" << "object";
        QTest::newRow("population as text") << with("population", "389300") << "population";
        QTest::newRow("population negative") << with("population", -5) << "population";
        QTest::newRow("population zero") << with("population", 0) << "population";
        QTest::newRow("population fraction") << with("population", 389300.5) << "population";
        QTest::newRow("population absurd") << with("population", 12345678901234LL) << "population";
        QTest::newRow("population missing") << without("population") << "population";
        QTest::newRow("format 2") << with("format", 2) << "format 2";
        QTest::newRow("format as text") << with("format", "1") << "format";
        QTest::newRow("format missing") << without("format") << "format";
        QTest::newRow("id missing") << without("id") << "\"id\"";
        QTest::newRow("id with spaces") << with("id", "Tiny Borough") << "\"id\"";
        QTest::newRow("name a number") << with("name", 7) << "\"name\"";
        QTest::newRow("name empty") << with("name", "") << "\"name\"";
        QTest::newRow("name with control character") << with("name", "Tiny\x01") << "name";
        QTest::newRow("population source missing") << without("population_source") << "population_source";
        QTest::newRow("strategy missing") << without("strategy") << "strategy";
        QTest::newRow("wards missing") << without("wards") << "wards";
        QTest::newRow("wards as text") << with("wards", "wards.geojson") << "wards";
        QTest::newRow("wards file missing from manifest") << withWards("file", nullptr) << "wards.file";
        QTest::newRow("code property missing") << withWards("code_property", nullptr) << "wards.code_property";
        QTest::newRow("wrong code property") << withWards("code_property", "WD22CD") << "WD22CD";
        QTest::newRow("wards file not on disk") << withWards("file", "wards-2030.geojson") << "wards-2030.geojson";
        QTest::newRow("wards file outside the pack") << withWards("file", "../wards.geojson") << "inside the pack";
        QTest::newRow("wards file absolute") << withWards("file", "/etc/passwd") << "relative";
        QTest::newRow("wards file is the baselines") << withWards("file", "baselines.csv") << "baselines.csv";
        QTest::newRow("ward populations not an object") << with("ward_populations", Json::array({1, 2}))
                                                        << "ward_populations";
        QTest::newRow("ward population for an unknown ward") << with("ward_populations", Json{{"X99", 100}})
                                                             << "X99";
        QTest::newRow("ward population negative") << with("ward_populations", Json{{"X01", -100}}) << "X01";
        QTest::newRow("ward population text") << with("ward_populations", Json{{"X01", "3000"}}) << "X01";
        QTest::newRow("baselines missing") << without("baselines") << "baselines";
        QTest::newRow("baselines file not on disk") << with("baselines", "targets.csv") << "targets.csv";
        QTest::newRow("baselines file is the wards") << with("baselines", "wards.geojson") << "wards.geojson";
        QTest::newRow("repeat rule not an object") << with("repeat_victim", 3) << "repeat_victim";
        QTest::newRow("repeat threshold 1") << with("repeat_victim", Json{{"threshold", 1}}) << "repeat_victim.threshold";
        QTest::newRow("repeat threshold text") << with("repeat_victim", Json{{"threshold", "3"}}) << "repeat_victim.threshold";
        QTest::newRow("repeat window 0 days") << with("repeat_victim", Json{{"window_days", 0}}) << "repeat_victim.window_days";
        QTest::newRow("repeat window fraction") << with("repeat_victim", Json{{"window_days", 90.5}}) << "repeat_victim.window_days";
        QTest::newRow("repeat rule unknown field") << with("repeat_victim", Json{{"calls", 10}}) << "calls";
        QTest::newRow("advice missing") << without("advice") << "advice";
        QTest::newRow("advice outside the pack") << with("advice", "../../advice") << "inside the pack";
    }
    void refusesBadManifests()
    {
        QFETCH(QString, manifest);
        QFETCH(QString, mentions);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        writeTinyPack(dir.path(), manifest.toStdString());
        const auto pack = DataPack::load(dir.path().toStdString());
        QVERIFY(!pack.ok());
        QCOMPARE(pack.error().code, ErrorCode::DataPack);
        const QString message = QString::fromStdString(pack.error().message);
        QVERIFY2(message.contains(mentions), qPrintable(message));
        // Every error names a file of the pack.
        QVERIFY2(message.contains(dir.path()), qPrintable(message));
    }

    void refusesBrokenFiles()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string root = dir.path().toStdString();

        writeTinyPack(dir.path());
        writeFile(root + "/wards.geojson", R"({"type":"FeatureCollection","features":[]})");
        auto pack = DataPack::load(root);
        QVERIFY(!pack.ok());
        QCOMPARE(pack.error().code, ErrorCode::DataPack);
        QVERIFY2(pack.error().message.find(root + "/wards.geojson") != std::string::npos, pack.error().message.c_str());

        writeTinyPack(dir.path());
        writeFile(root + "/baselines.csv", "priority,measure,value\n1,A,1\n");
        pack = DataPack::load(root);
        QVERIFY(!pack.ok());
        QCOMPARE(pack.error().code, ErrorCode::DataPack);
        QVERIFY2(pack.error().message.find(root + "/baselines.csv") != std::string::npos, pack.error().message.c_str());
        QVERIFY2(pack.error().message.find("header") != std::string::npos, pack.error().message.c_str());

        writeTinyPack(dir.path());
        writeFile(root + "/pack.json", "");
        pack = DataPack::load(root);
        QVERIFY(!pack.ok());
        QVERIFY2(pack.error().message.find(root + "/pack.json") != std::string::npos, pack.error().message.c_str());

        // The folder given is a file.
        pack = DataPack::load(root + "/baselines.csv");
        QVERIFY(!pack.ok());
        QCOMPARE(pack.error().code, ErrorCode::DataPack);
    }
};

QTEST_GUILESS_MAIN(TestDataPack)
#include "tst_datapack.moc"
