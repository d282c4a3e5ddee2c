#pragma once

#include "core/result.h"
#include "geo/geopoint.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace beatbook {

// The wards of a borough, for finding the ward a position lies in on the
// device, offline. Loaded from a GeoJSON FeatureCollection of Polygon or
// MultiPolygon features; the code and name properties are named by the
// caller because each ONS release spells them differently (WD22CD, wd19cd).
class WardBoundaries {
public:
    struct Ward {
        std::string code;
        std::string name;
    };

    struct Bounds {
        double minLat;
        double minLon;
        double maxLat;
        double maxLon;
    };

    // A parser: no I/O. Errors are ErrorCode::InvalidInput and say which
    // feature and ring is at fault.
    static Result<WardBoundaries> fromGeoJson(std::string_view text,
                                              std::string_view codeProperty = "WD22CD",
                                              std::string_view nameProperty = "WD22NM");
    // Reads the file and parses it; errors name the file.
    static Result<WardBoundaries> loadFile(const std::string &path,
                                           std::string_view codeProperty = "WD22CD",
                                           std::string_view nameProperty = "WD22NM");

    // The ward containing p, or nullptr when p is outside every ward: a point
    // outside the borough is never forced into the nearest ward. A point on a
    // shared edge or vertex belongs to exactly one ward (half-open rule).
    const Ward *wardAt(GeoPoint p) const;

    // In file order.
    const std::vector<Ward> &wards() const { return m_wards; }
    const Ward *find(std::string_view code) const;
    // The box around every ward.
    Bounds bounds() const { return m_bounds; }

private:
    // An edge kept with its lower-latitude end first. Both wards sharing an
    // edge then compute the crossing from the same numbers in the same order,
    // so a point exactly on it is inside one ward and outside the other,
    // whichever way round each ring runs.
    struct Edge {
        double lat0;
        double lat1;
        double lon0;
        double lonPerLat;
    };

    // One polygon (outer ring and holes) of a ward; its edges are
    // m_edges[firstEdge, firstEdge + edgeCount).
    struct Polygon {
        Bounds box;
        std::size_t ward;
        std::size_t firstEdge;
        std::size_t edgeCount;
    };

    WardBoundaries() = default;

    std::vector<Ward> m_wards;
    std::vector<Polygon> m_polygons;
    std::vector<Edge> m_edges;
    Bounds m_bounds{};
};

} // namespace beatbook
