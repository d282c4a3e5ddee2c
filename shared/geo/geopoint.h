#pragma once

#include "core/result.h"

#include <string>

namespace beatbook {

// A WGS84 position in decimal degrees, as GPS and GeoJSON give it.
struct GeoPoint {
    double lat;
    double lon;
};

// The IUGG mean Earth radius: the haversine distance is within about 0.5% of
// the ellipsoidal one, far better than a phone's GPS fix.
inline constexpr double kMeanEarthRadiusMetres = 6371008.8;

// Refuses NaN, infinities, latitude outside [-90, 90] and longitude outside
// [-180, 180], so a bad fix never reaches a ward lookup or a distance check.
Status validateCoordinates(double lat, double lon);

// Great-circle distance in metres (haversine). Callers validate first: a
// non-finite input gives a non-finite result.
double distanceMetres(GeoPoint a, GeoPoint b);

// The id of the grid cell of about cellMetres a point lies in, used as the
// hotspot "place" of a report that has no street address. Rows are taken in
// cellMetres steps of latitude; columns in cellMetres steps of longitude
// scaled by the cosine of the row's centre latitude, so cells stay roughly
// square at any latitude. The text is "cell:<row>:<col>" and is stable across
// builds and devices (it is stored and compared). Returns an empty string for
// invalid coordinates or a cell size that is not finite or under 1 m.
std::string placeCellKey(GeoPoint p, double cellMetres = 100.0);

} // namespace beatbook
