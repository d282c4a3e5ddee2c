#include "geo/wardboundaries.h"

#include "testdata.h"

#include <nlohmann/json.hpp>

#include <QTest>

#include <cmath>
#include <map>
#include <numbers>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

using namespace beatbook;
using beatbook::testing::fixture;
using beatbook::testing::readFile;
using beatbook::testing::sourceFile;
using beatbook::testing::wardSamplePoints;

namespace {

using Json = nlohmann::json;
using Vertex = std::pair<double, double>;  // lon, lat exactly as in the file
using EdgeKey = std::pair<Vertex, Vertex>; // the lesser vertex first

constexpr double kMetresPerDegreeLat = 6371008.8 * std::numbers::pi / 180.0;

std::string barnetGeoJson() { return readFile(sourceFile("data/packs/barnet/wards-2022.geojson")); }

EdgeKey edgeKey(Vertex a, Vertex b) { return a < b ? EdgeKey{a, b} : EdgeKey{b, a}; }

// Each ward alone, so a test can count how many wards hold a point without
// trusting wardAt's "first match wins".
std::vector<WardBoundaries> eachWardAlone(const Json &collection)
{
    std::vector<WardBoundaries> out;
    for (const auto &feature : collection["features"]) {
        Json single = {{"type", "FeatureCollection"}, {"features", Json::array({feature})}};
        auto wards = WardBoundaries::fromGeoJson(single.dump());
        if (wards.ok())
            out.push_back(std::move(wards.value()));
    }
    return out;
}

std::vector<std::string> wardsHolding(const std::vector<WardBoundaries> &singles, GeoPoint p)
{
    std::vector<std::string> codes;
    for (const auto &single : singles)
        if (const auto *ward = single.wardAt(p))
            codes.push_back(ward->code);
    return codes;
}

// The edges of every ring of the 2022 file, with the wards that use each.
std::map<EdgeKey, std::vector<std::string>> edgesByWard(const Json &collection)
{
    std::map<EdgeKey, std::vector<std::string>> edges;
    for (const auto &feature : collection["features"]) {
        const std::string code = feature["properties"]["WD22CD"];
        for (const auto &ring : feature["geometry"]["coordinates"]) {
            for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
                const Vertex a{ring[i][0].get<double>(), ring[i][1].get<double>()};
                const Vertex b{ring[i + 1][0].get<double>(), ring[i + 1][1].get<double>()};
                edges[edgeKey(a, b)].push_back(code);
            }
        }
    }
    return edges;
}

// Points `metres` either side of an edge's midpoint, along its normal.
std::pair<GeoPoint, GeoPoint> eitherSide(const EdgeKey &edge, double metres)
{
    const auto [a, b] = edge;
    const double midLat = (a.second + b.second) / 2.0;
    const double midLon = (a.first + b.first) / 2.0;
    const double lonScale = kMetresPerDegreeLat * std::cos(midLat * std::numbers::pi / 180.0);
    const double dx = (b.first - a.first) * lonScale; // metres east
    const double dy = (b.second - a.second) * kMetresPerDegreeLat; // metres north
    const double length = std::hypot(dx, dy);
    const double nx = -dy / length;
    const double ny = dx / length;
    return {{midLat + ny * metres / kMetresPerDegreeLat, midLon + nx * metres / lonScale},
            {midLat - ny * metres / kMetresPerDegreeLat, midLon - nx * metres / lonScale}};
}

double lengthMetres(const EdgeKey &edge)
{
    return distanceMetres({edge.first.second, edge.first.first}, {edge.second.second, edge.second.first});
}

// A one-ring ward; corners are {lon, lat} as GeoJSON writes them, and the
// ring is closed here.
std::string ring(const std::string &code, const std::string &name, std::vector<Vertex> corners)
{
    corners.push_back(corners.front());
    std::ostringstream out;
    out.precision(17);
    out << R"({"type":"Feature","properties":{"WD22CD":")" << code << R"(","WD22NM":")" << name
        << R"("},"geometry":{"type":"Polygon","coordinates":[[)";
    for (std::size_t i = 0; i < corners.size(); ++i)
        out << (i ? "," : "") << "[" << corners[i].first << "," << corners[i].second << "]";
    out << "]]}}";
    return out.str();
}

std::string square(const std::string &code, const std::string &name, double lat0, double lon0, double size)
{
    return ring(code, name, {{lon0, lat0}, {lon0 + size, lat0}, {lon0 + size, lat0 + size}, {lon0, lat0 + size}});
}

std::string collection(const std::vector<std::string> &features)
{
    std::string out = R"({"type":"FeatureCollection","features":[)";
    for (std::size_t i = 0; i < features.size(); ++i)
        out += (i ? "," : "") + features[i];
    return out + "]}";
}

} // namespace

class TestWardBoundaries : public QObject {
    Q_OBJECT
private slots:
    void loadsBarnet2022()
    {
        const auto wards = WardBoundaries::loadFile(sourceFile("data/packs/barnet/wards-2022.geojson"));
        QVERIFY2(wards.ok(), wards.ok() ? "" : wards.error().message.c_str());
        QCOMPARE(wards->wards().size(), std::size_t{24});

        // Same codes and names as the CSV list that ships beside it.
        std::istringstream csv(readFile(sourceFile("data/packs/barnet/wards-2022.csv")));
        std::string line;
        std::getline(csv, line);
        QCOMPARE(line, std::string("ward_code,ward_name"));
        int rows = 0;
        while (std::getline(csv, line)) {
            if (line.empty())
                continue;
            const auto comma = line.find(',');
            const std::string code = line.substr(0, comma);
            const std::string name = line.substr(comma + 1);
            const auto *ward = wards->find(code);
            QVERIFY2(ward != nullptr, code.c_str());
            QCOMPARE(ward->name, name);
            ++rows;
        }
        QCOMPARE(rows, 24);
        QCOMPARE(wards->find("E05013628")->name, std::string("Barnet Vale"));
        QVERIFY(wards->find("E05000043") == nullptr);
        QVERIFY(wards->find("") == nullptr);

        const auto box = wards->bounds();
        QVERIFY(box.minLat > 51.55 && box.minLat < 51.56);
        QVERIFY(box.maxLat > 51.66 && box.maxLat < 51.68);
        QVERIFY(box.minLon > -0.31 && box.minLon < -0.30);
        QVERIFY(box.maxLon > -0.13 && box.maxLon < -0.12);
    }

    void samplePointsFindTheirWard()
    {
        const auto wards = WardBoundaries::fromGeoJson(barnetGeoJson());
        QVERIFY(wards.ok());
        int checked = 0;
        for (const auto &point : wardSamplePoints()) {
            const auto *ward = wards->wardAt({std::stod(point.lat), std::stod(point.lon)});
            QVERIFY2(ward != nullptr, point.code.c_str());
            QCOMPARE(ward->code, point.code);
            ++checked;
        }
        QCOMPARE(checked, 24);
    }

    void sharedEdgesSplitCleanly()
    {
        const Json geo = Json::parse(barnetGeoJson());
        const auto wards = WardBoundaries::fromGeoJson(barnetGeoJson());
        QVERIFY(wards.ok());
        const auto singles = eachWardAlone(geo);
        QCOMPARE(singles.size(), std::size_t{24});

        int tested = 0;
        std::set<std::pair<std::string, std::string>> pairsSeen;
        for (const auto &[edge, users] : edgesByWard(geo)) {
            if (users.size() != 2 || users[0] == users[1])
                continue;
            // Short edges sit in tight corners where 3 m could reach a third ward.
            if (lengthMetres(edge) < 40.0)
                continue;
            const auto [left, right] = eitherSide(edge, 3.0);
            for (const GeoPoint p : {left, right}) {
                const auto holding = wardsHolding(singles, p);
                QVERIFY2(holding.size() == 1, (users[0] + "|" + users[1]).c_str());
                const auto *ward = wards->wardAt(p);
                QVERIFY(ward != nullptr);
                QCOMPARE(ward->code, holding.front());
            }
            const auto *a = wards->wardAt(left);
            const auto *b = wards->wardAt(right);
            QVERIFY(a != b);
            const std::set<std::string> sides{a->code, b->code};
            QCOMPARE(sides, (std::set<std::string>{users[0], users[1]}));
            pairsSeen.insert({std::min(users[0], users[1]), std::max(users[0], users[1])});
            ++tested;
        }
        // Every neighbouring pair of wards, many edges each.
        QVERIFY2(tested > 200, std::to_string(tested).c_str());
        QVERIFY2(pairsSeen.size() > 40, std::to_string(pairsSeen.size()).c_str());
    }

    void pointsOnSharedBoundariesBelongToOneWard()
    {
        // The half-open rule: a vertex or an edge midpoint inside the borough
        // is in exactly one ward, never two and never none.
        const Json geo = Json::parse(barnetGeoJson());
        const auto wards = WardBoundaries::fromGeoJson(barnetGeoJson());
        QVERIFY(wards.ok());
        const auto singles = eachWardAlone(geo);
        const auto edges = edgesByWard(geo);

        std::set<Vertex> outline;
        for (const auto &[edge, users] : edges)
            if (users.size() == 1) {
                outline.insert(edge.first);
                outline.insert(edge.second);
            }
        int vertices = 0;
        for (const auto &[edge, users] : edges) {
            if (users.size() != 2)
                continue;
            for (const Vertex &v : {edge.first, edge.second}) {
                if (outline.count(v))
                    continue;
                const GeoPoint p{v.second, v.first};
                const auto holding = wardsHolding(singles, p);
                QVERIFY2(holding.size() == 1, std::to_string(holding.size()).c_str());
                QCOMPARE(wards->wardAt(p)->code, holding.front());
                ++vertices;
            }
            // Axis-aligned edges give a midpoint exactly on the edge.
            if (edge.first.first == edge.second.first || edge.first.second == edge.second.second) {
                const GeoPoint mid{(edge.first.second + edge.second.second) / 2.0,
                                   (edge.first.first + edge.second.first) / 2.0};
                const auto holding = wardsHolding(singles, mid);
                QCOMPARE(holding.size(), std::size_t{1});
            }
        }
        QVERIFY(vertices > 500);
    }

    void outsideTheBoroughIsNoWard_data()
    {
        QTest::addColumn<double>("lat");
        QTest::addColumn<double>("lon");
        QTest::newRow("Charing Cross") << 51.5074 << -0.1278;
        QTest::newRow("Paris") << 48.8566 << 2.3522;
        QTest::newRow("null island") << 0.0 << 0.0;
        QTest::newRow("Enfield Town") << 51.6523 << -0.0807;
        QTest::newRow("Harrow") << 51.5806 << -0.3420;
        QTest::newRow("inside the box, outside the outline") << 51.556 << -0.3;
        QTest::newRow("NaN") << std::nan("") << -0.2;
        QTest::newRow("swapped") << -0.2 << 51.6;
    }
    void outsideTheBoroughIsNoWard()
    {
        QFETCH(double, lat);
        QFETCH(double, lon);
        const auto wards = WardBoundaries::fromGeoJson(barnetGeoJson());
        QVERIFY(wards.ok());
        QVERIFY(wards->wardAt({lat, lon}) == nullptr);
    }

    void justOutsideTheOutlineIsNoWard()
    {
        // A point 3 m beyond the borough's edge is not forced into the ward
        // next to it; 3 m inside it is in that ward.
        const Json geo = Json::parse(barnetGeoJson());
        const auto wards = WardBoundaries::fromGeoJson(barnetGeoJson());
        QVERIFY(wards.ok());
        int tested = 0;
        for (const auto &[edge, users] : edgesByWard(geo)) {
            if (users.size() != 1 || lengthMetres(edge) < 60.0)
                continue;
            const auto [left, right] = eitherSide(edge, 3.0);
            const auto *a = wards->wardAt(left);
            const auto *b = wards->wardAt(right);
            QVERIFY((a == nullptr) != (b == nullptr));
            QCOMPARE((a ? a : b)->code, users.front());
            ++tested;
        }
        QVERIFY2(tested > 100, std::to_string(tested).c_str());
    }

    void loads2002WardsWithTheirOwnProperties()
    {
        const auto wards = WardBoundaries::loadFile(fixture("barnet-wards-2002.geojson"), "wd19cd", "wd19nm");
        QVERIFY2(wards.ok(), wards.ok() ? "" : wards.error().message.c_str());
        QCOMPARE(wards->wards().size(), std::size_t{21});
        const std::string csv = readFile(fixture("barnet-wards-2002.csv"));
        for (const auto &ward : wards->wards())
            QVERIFY2(csv.find(ward.code + "," + ward.name) != std::string::npos, ward.code.c_str());
        QCOMPARE(wards->find("E05000043")->name, std::string("Brunswick Park"));

        // Brunswick Park's 2022 sample point lies in the 2002 ward of that name too.
        const auto *ward = wards->wardAt({51.62834, -0.14426});
        QVERIFY(ward != nullptr);
        QCOMPARE(ward->name, std::string("Brunswick Park"));
        QVERIFY(wards->wardAt({51.5074, -0.1278}) == nullptr);

        // With the 2022 property names the 2002 file is refused, and says why.
        const auto wrong = WardBoundaries::loadFile(fixture("barnet-wards-2002.geojson"));
        QVERIFY(!wrong.ok());
        QCOMPARE(wrong.error().code, ErrorCode::InvalidInput);
        QVERIFY2(wrong.error().message.find("WD22CD") != std::string::npos, wrong.error().message.c_str());
        QVERIFY2(wrong.error().message.find("barnet-wards-2002.geojson") != std::string::npos,
                 wrong.error().message.c_str());
    }

    void holesAndMultiPolygons()
    {
        // A ward with a hole, an island ward filling half the hole, and a
        // ward in two parts.
        const std::string text = R"({"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"WD22CD":"RING","WD22NM":"Ring"},"geometry":{"type":"Polygon",
            "coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[3,3],[3,7],[7,7],[7,3],[3,3]]]}},
          {"type":"Feature","properties":{"WD22CD":"ISLAND","WD22NM":"Island"},"geometry":{"type":"Polygon",
            "coordinates":[[[3,3],[5,3],[5,7],[3,7],[3,3]]]}},
          {"type":"Feature","properties":{"WD22CD":"PAIR","WD22NM":"Pair"},"geometry":{"type":"MultiPolygon",
            "coordinates":[[[[20,0],[22,0],[22,2],[20,2],[20,0]]],[[[30,0],[32,0],[32,2],[30,2],[30,0]]]]}}
        ]})";
        const auto wards = WardBoundaries::fromGeoJson(text);
        QVERIFY2(wards.ok(), wards.ok() ? "" : wards.error().message.c_str());
        QCOMPARE(wards->wardAt({1.0, 1.0})->code, std::string("RING"));
        QCOMPARE(wards->wardAt({5.0, 8.5})->code, std::string("RING"));
        QCOMPARE(wards->wardAt({5.0, 4.0})->code, std::string("ISLAND"));
        QVERIFY(wards->wardAt({5.0, 6.0}) == nullptr); // the hole's empty half
        QCOMPARE(wards->wardAt({1.0, 21.0})->code, std::string("PAIR"));
        QCOMPARE(wards->wardAt({1.0, 31.0})->code, std::string("PAIR"));
        QVERIFY(wards->wardAt({1.0, 26.0}) == nullptr);
        QVERIFY(wards->wardAt({11.0, 5.0}) == nullptr);
        // On the island's edge with the hole's empty half: the island takes
        // its west edge, so its east edge (lon 5) goes to neither ward.
        QCOMPARE(wards->wardAt({5.0, 3.0})->code, std::string("ISLAND"));
        QVERIFY(wards->wardAt({5.0, 5.0}) == nullptr);
    }

    void sharedEdgeBelongsToOneWard()
    {
        // Two wards side by side, the shared edge written in opposite
        // directions (both rings run anticlockwise): points on it go to
        // exactly one of them, the one to the east.
        const auto wards = WardBoundaries::fromGeoJson(collection(
            {ring("W", "West", {{-0.2, 51.6}, {-0.19, 51.6}, {-0.19, 51.61}, {-0.2, 51.61}}),
             ring("E", "East", {{-0.19, 51.6}, {-0.18, 51.6}, {-0.18, 51.61}, {-0.19, 51.61}})}));
        QVERIFY(wards.ok());
        for (int i = 0; i < 100; ++i) {
            const auto *ward = wards->wardAt({51.6 + 0.0001 * i, -0.19});
            QVERIFY(ward != nullptr);
            QCOMPARE(ward->code, std::string("E"));
        }
        QCOMPARE(wards->wardAt({51.605, -0.1900001})->code, std::string("W"));
        // The shared corners at the bottom belong to the east ward; the top
        // ones to neither (the half-open rule leaves the top edge out).
        QCOMPARE(wards->wardAt({51.6, -0.19})->code, std::string("E"));
        QVERIFY(wards->wardAt({51.61, -0.19}) == nullptr);
    }

    void slantedSharedEdgeBelongsToOneWard()
    {
        // A diagonal edge with awkward coordinates, shared by two wards that
        // run it in opposite directions: points on or within rounding of it
        // are in one ward, never both and never neither.
        const Vertex a{-0.21234567, 51.58765432};
        const Vertex b{-0.17654321, 51.62345678};
        const std::string text = collection(
            {ring("NW", "North west", {a, b, {-0.25, 51.65}}), ring("SE", "South east", {a, {-0.15, 51.55}, b})});
        const Json geo = Json::parse(text);
        const auto wards = WardBoundaries::fromGeoJson(text);
        QVERIFY2(wards.ok(), wards.ok() ? "" : wards.error().message.c_str());
        const auto singles = eachWardAlone(geo);
        QCOMPARE(singles.size(), std::size_t{2});
        int nw = 0;
        int se = 0;
        for (int i = 1; i < 5000; ++i) {
            const double t = i / 5000.0;
            const GeoPoint p{a.second + t * (b.second - a.second), a.first + t * (b.first - a.first)};
            for (const GeoPoint q : {p, GeoPoint{std::nextafter(p.lat, 90.0), p.lon},
                                     GeoPoint{p.lat, std::nextafter(p.lon, 180.0)}}) {
                const auto holding = wardsHolding(singles, q);
                QCOMPARE(holding.size(), std::size_t{1});
                const auto *ward = wards->wardAt(q);
                QVERIFY(ward != nullptr);
                QCOMPARE(ward->code, holding.front());
                (ward->code == "NW" ? nw : se)++;
            }
        }
        // Rounding puts points on both sides of the line.
        QVERIFY(nw > 0 && se > 0);
    }

    void refusesMalformedInput_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("mentions");
        const std::string ok = square("A", "Alpha", 51.6, -0.2, 0.01);
        const auto c = [](const std::string &s) { return QString::fromStdString(s); };
        QTest::newRow("not json") << "{\"type\": " << "JSON";
        QTest::newRow("empty text") << "" << "JSON";
        QTest::newRow("array") << "[]" << "FeatureCollection";
        QTest::newRow("a feature, not a collection") << c(ok) << "FeatureCollection";
        QTest::newRow("no features") << R"({"type":"FeatureCollection"})" << "features";
        QTest::newRow("features not array") << R"({"type":"FeatureCollection","features":{}})" << "features";
        QTest::newRow("empty collection") << c(collection({})) << "empty";
        QTest::newRow("feature not object") << c(collection({"42"})) << "feature 1";
        QTest::newRow("no properties")
            << c(collection({R"({"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}})"}))
            << "properties";
        QTest::newRow("missing code")
            << c(collection({R"({"type":"Feature","properties":{"WD22NM":"A"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}})"}))
            << "WD22CD";
        QTest::newRow("code is a number")
            << c(collection({R"({"type":"Feature","properties":{"WD22CD":5,"WD22NM":"A"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}})"}))
            << "WD22CD";
        QTest::newRow("missing name")
            << c(collection({R"({"type":"Feature","properties":{"WD22CD":"A"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}})"}))
            << "WD22NM";
        QTest::newRow("name with control character")
            << c(collection({R"({"type":"Feature","properties":{"WD22CD":"A","WD22NM":"A\u0007"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}})"}))
            << "ward name";
        QTest::newRow("no geometry")
            << c(collection({R"({"type":"Feature","properties":{"WD22CD":"A","WD22NM":"A"}})"})) << "geometry";
        QTest::newRow("null geometry")
            << c(collection({R"({"type":"Feature","properties":{"WD22CD":"A","WD22NM":"A"},"geometry":null})"}))
            << "geometry";
        QTest::newRow("point geometry")
            << c(collection({R"({"type":"Feature","properties":{"WD22CD":"A","WD22NM":"A"},"geometry":{"type":"Point","coordinates":[0,0]}})"}))
            << "Point";
        QTest::newRow("polygon without rings")
            << c(collection({R"({"type":"Feature","properties":{"WD22CD":"A","WD22NM":"A"},"geometry":{"type":"Polygon","coordinates":[]}})"}))
            << "ring";
        QTest::newRow("ring of 3 points")
            << c(collection({R"({"type":"Feature","properties":{"WD22CD":"A","WD22NM":"A"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}})"}))
            << "at least 4";
        QTest::newRow("ring not closed")
            << c(collection({R"({"type":"Feature","properties":{"WD22CD":"A","WD22NM":"A"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}})"}))
            << "not closed";
        QTest::newRow("position as text")
            << c(collection({R"({"type":"Feature","properties":{"WD22CD":"A","WD22NM":"A"},"geometry":{"type":"Polygon","coordinates":[[[0,0],["1","0"],[1,1],[0,0]]]}})"}))
            << "position 2";
        QTest::newRow("position with one number")
            << c(collection({R"({"type":"Feature","properties":{"WD22CD":"A","WD22NM":"A"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1],[1,1],[0,0]]]}})"}))
            << "position 2";
        QTest::newRow("latitude out of range")
            << c(collection({R"({"type":"Feature","properties":{"WD22CD":"A","WD22NM":"A"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,95],[1,1],[0,0]]]}})"}))
            << "latitude";
        QTest::newRow("overflowing coordinate (not finite)")
            << c(collection({R"({"type":"Feature","properties":{"WD22CD":"A","WD22NM":"A"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1e999,0],[1,1],[0,0]]]}})"}))
            << "JSON";
        QTest::newRow("empty multipolygon")
            << c(collection({R"({"type":"Feature","properties":{"WD22CD":"A","WD22NM":"A"},"geometry":{"type":"MultiPolygon","coordinates":[]}})"}))
            << "MultiPolygon";
        QTest::newRow("bad second part of multipolygon")
            << c(collection({R"({"type":"Feature","properties":{"WD22CD":"A","WD22NM":"A"},"geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[5,5],[6,5],[6,6]]]]}})"}))
            << "polygon 2";
        QTest::newRow("duplicate codes") << c(collection({ok, square("A", "Again", 52.0, 0.0, 0.01)})) << "twice";
    }
    void refusesMalformedInput()
    {
        QFETCH(QString, text);
        QFETCH(QString, mentions);
        const auto wards = WardBoundaries::fromGeoJson(text.toStdString());
        QVERIFY(!wards.ok());
        QCOMPARE(wards.error().code, ErrorCode::InvalidInput);
        QVERIFY2(QString::fromStdString(wards.error().message).contains(mentions),
                 wards.error().message.c_str());
    }

    void refusesInvalidUtf8()
    {
        // Raw bytes, not through QString, which would repair them.
        const std::string text = collection({square("A", "Al\xC3\x28pha", 51.6, -0.2, 0.01)});
        const auto wards = WardBoundaries::fromGeoJson(text);
        QVERIFY(!wards.ok());
        QCOMPARE(wards.error().code, ErrorCode::InvalidInput);
        QVERIFY2(wards.error().message.find("JSON") != std::string::npos, wards.error().message.c_str());
    }

    void reportsAMissingFile()
    {
        const auto wards = WardBoundaries::loadFile("/nonexistent/wards.geojson");
        QVERIFY(!wards.ok());
        QCOMPARE(wards.error().code, ErrorCode::Io);
        QVERIFY(wards.error().message.find("/nonexistent/wards.geojson") != std::string::npos);
    }

    void copiesStayIndependent()
    {
        std::optional<WardBoundaries> copy;
        {
            const auto wards = WardBoundaries::fromGeoJson(barnetGeoJson());
            QVERIFY(wards.ok());
            copy = wards.value();
        }
        const auto *ward = copy->wardAt({51.64874, -0.18155});
        QVERIFY(ward != nullptr);
        QCOMPARE(ward->code, std::string("E05013628"));
        QCOMPARE(ward, copy->find("E05013628"));
    }
};

QTEST_GUILESS_MAIN(TestWardBoundaries)
#include "tst_wardboundaries.moc"
