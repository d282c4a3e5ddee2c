#include "geo/geopoint.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <numbers>
#include <sstream>

namespace beatbook {

namespace {

constexpr double kDegToRad = std::numbers::pi / 180.0;

std::string describe(double value)
{
    if (std::isnan(value))
        return "not a number";
    if (std::isinf(value))
        return value > 0 ? "infinite" : "minus infinity";
    std::ostringstream out;
    out << std::setprecision(10) << value;
    return out.str();
}

} // namespace

Status validateCoordinates(double lat, double lon)
{
    if (!std::isfinite(lat) || lat < -90.0 || lat > 90.0)
        return Error::invalid("latitude is " + describe(lat)
                              + ": it must be a number from -90 to 90 degrees");
    if (!std::isfinite(lon) || lon < -180.0 || lon > 180.0)
        return Error::invalid("longitude is " + describe(lon)
                              + ": it must be a number from -180 to 180 degrees");
    return {};
}

double distanceMetres(GeoPoint a, GeoPoint b)
{
    const double lat1 = a.lat * kDegToRad;
    const double lat2 = b.lat * kDegToRad;
    const double sinHalfDLat = std::sin((b.lat - a.lat) * kDegToRad / 2.0);
    const double sinHalfDLon = std::sin((b.lon - a.lon) * kDegToRad / 2.0);
    const double h = sinHalfDLat * sinHalfDLat
                     + std::cos(lat1) * std::cos(lat2) * sinHalfDLon * sinHalfDLon;
    // Rounding can push h a hair above 1 for antipodal points; asin would give NaN.
    return 2.0 * kMeanEarthRadiusMetres * std::asin(std::sqrt(std::min(1.0, h)));
}

std::string placeCellKey(GeoPoint p, double cellMetres)
{
    if (!validateCoordinates(p.lat, p.lon).ok() || !std::isfinite(cellMetres) || cellMetres < 1.0)
        return {};

    // -180 and 180 are the same meridian; one spelling keeps one cell.
    const double lon = p.lon == 180.0 ? -180.0 : p.lon;

    const double row = std::floor(p.lat * kDegToRad * kMeanEarthRadiusMetres / cellMetres);
    // The scale comes from the row's centre, not the point, so every point of a
    // row uses the same column width and the grid has no ragged cell edges.
    const double rowCentreLat = std::clamp((row + 0.5) * cellMetres / kMeanEarthRadiusMetres,
                                           -std::numbers::pi / 2.0, std::numbers::pi / 2.0);
    // At the poles the cosine reaches zero; a floor keeps the division finite
    // (the whole polar row then falls into a handful of columns, which is fine).
    const double scale = std::max(std::cos(rowCentreLat), 1e-6);
    const double col = std::floor(lon * kDegToRad * kMeanEarthRadiusMetres * scale / cellMetres);

    return "cell:" + std::to_string(static_cast<long long>(row)) + ":"
           + std::to_string(static_cast<long long>(col));
}

} // namespace beatbook
