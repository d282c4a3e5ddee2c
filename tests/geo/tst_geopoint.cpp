#include "geo/geopoint.h"

#include <QTest>

#include <cmath>
#include <limits>
#include <numbers>
#include <set>
#include <string>

using namespace beatbook;

namespace {

constexpr double kMetresPerDegreeLat = kMeanEarthRadiusMetres * std::numbers::pi / 180.0;

// A point `metres` north of p.
GeoPoint north(GeoPoint p, double metres) { return {p.lat + metres / kMetresPerDegreeLat, p.lon}; }
// A point `metres` east of p.
GeoPoint east(GeoPoint p, double metres)
{
    return {p.lat, p.lon + metres / (kMetresPerDegreeLat * std::cos(p.lat * std::numbers::pi / 180.0))};
}

// The centre of the cell a point is in, worked out from the rule in the
// header rather than from the code under test.
GeoPoint cellCentre(GeoPoint p, double cell)
{
    const double row = std::floor(p.lat * kMetresPerDegreeLat / cell);
    const double centreLat = (row + 0.5) * cell / kMetresPerDegreeLat;
    const double scale = std::cos(centreLat * std::numbers::pi / 180.0);
    const double col = std::floor(p.lon * kMetresPerDegreeLat * scale / cell);
    return {centreLat, (col + 0.5) * cell / (kMetresPerDegreeLat * scale)};
}

} // namespace

class TestGeoPoint : public QObject {
    Q_OBJECT
private slots:
    void acceptsValidCoordinates_data()
    {
        QTest::addColumn<double>("lat");
        QTest::addColumn<double>("lon");
        QTest::newRow("barnet") << 51.6252 << -0.1517;
        QTest::newRow("origin") << 0.0 << 0.0;
        QTest::newRow("north pole") << 90.0 << 0.0;
        QTest::newRow("south pole") << -90.0 << 0.0;
        QTest::newRow("date line east") << 0.0 << 180.0;
        QTest::newRow("date line west") << 0.0 << -180.0;
    }
    void acceptsValidCoordinates()
    {
        QFETCH(double, lat);
        QFETCH(double, lon);
        const auto status = validateCoordinates(lat, lon);
        QVERIFY2(status.ok(), status.ok() ? "" : status.error().message.c_str());
    }

    void refusesInvalidCoordinates_data()
    {
        const double nan = std::numeric_limits<double>::quiet_NaN();
        const double inf = std::numeric_limits<double>::infinity();
        QTest::addColumn<double>("lat");
        QTest::addColumn<double>("lon");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("lat NaN") << nan << 0.0 << "latitude";
        QTest::newRow("lon NaN") << 51.0 << nan << "longitude";
        QTest::newRow("lat inf") << inf << 0.0 << "latitude";
        QTest::newRow("lat -inf") << -inf << 0.0 << "latitude";
        QTest::newRow("lon inf") << 51.0 << inf << "longitude";
        QTest::newRow("lat above 90") << 90.000001 << 0.0 << "latitude";
        QTest::newRow("lat below -90") << -90.5 << 0.0 << "latitude";
        QTest::newRow("lon above 180") << 0.0 << 180.000001 << "longitude";
        QTest::newRow("lon below -180") << 0.0 << -181.0 << "longitude";
        // The classic swap: easting first, as GeoJSON writes it.
        QTest::newRow("swapped far east") << 120.0 << 51.0 << "latitude";
    }
    void refusesInvalidCoordinates()
    {
        QFETCH(double, lat);
        QFETCH(double, lon);
        QFETCH(QString, mentions);
        const auto status = validateCoordinates(lat, lon);
        QVERIFY(!status.ok());
        QCOMPARE(status.error().code, ErrorCode::InvalidInput);
        QVERIFY2(QString::fromStdString(status.error().message).contains(mentions),
                 status.error().message.c_str());
    }

    void measuresDistances()
    {
        const GeoPoint a{51.5074, -0.1278};
        QCOMPARE(distanceMetres(a, a), 0.0);
        // One degree of latitude on the mean sphere.
        QVERIFY(std::abs(distanceMetres({0.0, 0.0}, {1.0, 0.0}) - 111195.08) < 0.01);
        // One degree of longitude at 60 N is half of one at the equator.
        QVERIFY(std::abs(distanceMetres({60.0, 0.0}, {60.0, 1.0})
                         - distanceMetres({0.0, 0.0}, {0.0, 1.0}) / 2.0)
                < 2.0);
        // London to Paris, about 343.5 km.
        const double londonParis = distanceMetres(a, {48.8566, 2.3522});
        QVERIFY2(std::abs(londonParis - 343500.0) < 1000.0, std::to_string(londonParis).c_str());
        QCOMPARE(distanceMetres(a, {48.8566, 2.3522}), distanceMetres({48.8566, 2.3522}, a));
        // Antipodes: half the circumference, not NaN.
        const double half = distanceMetres({0.0, 0.0}, {0.0, 180.0});
        QVERIFY(std::abs(half - std::numbers::pi * kMeanEarthRadiusMetres) < 1e-3);
        // A cocooning radius check: 200 m north is 200 m away.
        const GeoPoint b = north(a, 200.0);
        QVERIFY(std::abs(distanceMetres(a, b) - 200.0) < 0.01);
        QVERIFY(std::abs(distanceMetres(a, east(a, 200.0)) - 200.0) < 0.05);
    }

    void cellKeyHasStableText()
    {
        QCOMPARE(placeCellKey({0.0, 0.0}), std::string("cell:0:0"));
        // Just south-west of the origin: negative rows and columns.
        QCOMPARE(placeCellKey({-0.0001, -0.0001}), std::string("cell:-1:-1"));
        // 150 m north of the equator is row 1 (rows are 100 m tall).
        QCOMPARE(placeCellKey(north({0.0, 0.0005}, 150.0)), std::string("cell:1:0"));
        // Barnet: row from latitude, column from longitude scaled at the row's centre.
        const GeoPoint p{51.6252, -0.1517};
        const double row = std::floor(p.lat * kMetresPerDegreeLat / 100.0);
        const double scale = std::cos((row + 0.5) * 100.0 / kMeanEarthRadiusMetres);
        const double col = std::floor(p.lon * kMetresPerDegreeLat * scale / 100.0);
        QCOMPARE(placeCellKey(p), "cell:" + std::to_string(static_cast<long long>(row)) + ":"
                                      + std::to_string(static_cast<long long>(col)));
        QCOMPARE(placeCellKey(p), placeCellKey(p));
        // The two spellings of the date line are one meridian.
        QCOMPARE(placeCellKey({10.0, 180.0}), placeCellKey({10.0, -180.0}));
    }

    void nearbyPointsShareACell_data()
    {
        QTest::addColumn<double>("lat");
        QTest::addColumn<double>("lon");
        QTest::newRow("barnet") << 51.6252 << -0.1517;
        QTest::newRow("hendon") << 51.5830 << -0.2260;
        QTest::newRow("equator") << 0.2 << 10.3;
        QTest::newRow("south") << -33.87 << 151.21;
        QTest::newRow("far north") << 78.22 << 15.65;
    }
    void nearbyPointsShareACell()
    {
        QFETCH(double, lat);
        QFETCH(double, lon);
        const GeoPoint centre = cellCentre({lat, lon}, 100.0);
        const std::string key = placeCellKey(centre);
        QVERIFY(!key.empty());
        for (const double dx : {-40.0, -20.0, 0.0, 20.0, 40.0})
            for (const double dy : {-40.0, -20.0, 0.0, 20.0, 40.0})
                QCOMPARE(placeCellKey(east(north(centre, dy), dx)), key);
    }

    void pointsApartDoNotShareACell()
    {
        for (const GeoPoint p : {GeoPoint{51.6252, -0.1517}, GeoPoint{51.5830, -0.2260}, GeoPoint{0.2, 10.3},
                                 GeoPoint{-33.87, 151.21}, GeoPoint{78.22, 15.65}}) {
            const std::string key = placeCellKey(p);
            QVERIFY(placeCellKey(north(p, 150.0)) != key);
            QVERIFY(placeCellKey(north(p, -150.0)) != key);
            QVERIFY(placeCellKey(east(p, 150.0)) != key);
            QVERIFY(placeCellKey(east(p, -150.0)) != key);
        }
    }

    void cellsAreAboutSquare()
    {
        // Walking 2 km east or north in 5 m steps crosses about 20 cell edges
        // each way: the columns are as wide as the rows are tall.
        for (const GeoPoint start : {GeoPoint{51.6, -0.2}, GeoPoint{0.1, 0.1}, GeoPoint{70.0, 20.0}}) {
            std::set<std::string> eastward;
            std::set<std::string> northward;
            for (int i = 0; i <= 400; ++i) {
                eastward.insert(placeCellKey(east(start, 5.0 * i)));
                northward.insert(placeCellKey(north(start, 5.0 * i)));
            }
            QVERIFY2(eastward.size() >= 20 && eastward.size() <= 22, std::to_string(eastward.size()).c_str());
            QVERIFY2(northward.size() >= 20 && northward.size() <= 22, std::to_string(northward.size()).c_str());
        }
    }

    void cellSizeIsAParameter()
    {
        const GeoPoint centre = cellCentre({51.6252, -0.1517}, 400.0);
        QCOMPARE(placeCellKey(north(centre, 150.0), 400.0), placeCellKey(centre, 400.0));
        QVERIFY(placeCellKey(north(centre, 150.0), 100.0) != placeCellKey(centre, 100.0));
    }

    void invalidInputGivesNoCell()
    {
        const double nan = std::numeric_limits<double>::quiet_NaN();
        const double inf = std::numeric_limits<double>::infinity();
        QVERIFY(placeCellKey({nan, 0.0}).empty());
        QVERIFY(placeCellKey({0.0, inf}).empty());
        QVERIFY(placeCellKey({91.0, 0.0}).empty());
        QVERIFY(placeCellKey({51.6, -0.15}, 0.0).empty());
        QVERIFY(placeCellKey({51.6, -0.15}, -100.0).empty());
        QVERIFY(placeCellKey({51.6, -0.15}, nan).empty());
        QVERIFY(placeCellKey({51.6, -0.15}, 1e-300).empty());
        // The poles still give a key rather than dividing by zero.
        QVERIFY(!placeCellKey({90.0, 0.0}).empty());
        QVERIFY(!placeCellKey({-90.0, 179.9}).empty());
    }
};

QTEST_GUILESS_MAIN(TestGeoPoint)
#include "tst_geopoint.moc"
