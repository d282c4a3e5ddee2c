#include "geo/wardboundaries.h"

#include "core/text.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <optional>
#include <utility>

namespace beatbook {

namespace {

using Json = nlohmann::json;

// Generalised ward sets are a few hundred kilobytes; full-resolution ones a
// few megabytes. Anything far beyond that is not a ward file.
constexpr std::uintmax_t kMaxGeoJsonBytes = 64u * 1024u * 1024u;

// About 0.1 mm of longitude in London.
constexpr double kBoxSlackDegrees = 1e-9;

struct Position {
    double lat;
    double lon;
};

struct RawPolygon {
    std::vector<std::vector<Position>> rings;
};

// Gathers what a feature's geometry holds, or says what is wrong with it.
class GeometryReader {
public:
    explicit GeometryReader(std::string where) : m_where(std::move(where)) {}

    std::optional<Error> readGeometry(const Json &geometry, std::vector<RawPolygon> &out) const
    {
        if (!geometry.is_object())
            return fail("has no geometry object");
        const auto type = geometry.find("type");
        if (type == geometry.end() || !type->is_string())
            return fail("geometry has no \"type\"");
        const auto coordinates = geometry.find("coordinates");
        if (coordinates == geometry.end() || !coordinates->is_array())
            return fail("geometry has no \"coordinates\" array");

        const auto &typeName = type->get_ref<const std::string &>();
        if (typeName == "Polygon") {
            RawPolygon polygon;
            if (auto error = readPolygon(*coordinates, "", polygon))
                return error;
            out.push_back(std::move(polygon));
            return std::nullopt;
        }
        if (typeName == "MultiPolygon") {
            if (coordinates->empty())
                return fail("MultiPolygon has no polygons");
            std::size_t index = 0;
            for (const auto &part : *coordinates) {
                ++index;
                RawPolygon polygon;
                if (auto error = readPolygon(part, "polygon " + std::to_string(index) + ": ", polygon))
                    return error;
                out.push_back(std::move(polygon));
            }
            return std::nullopt;
        }
        return fail("geometry type \"" + typeName + "\" is not supported (use Polygon or MultiPolygon)");
    }

private:
    Error fail(const std::string &what) const { return Error::invalid(m_where + " " + what); }

    std::optional<Error> readPolygon(const Json &rings, const std::string &part, RawPolygon &out) const
    {
        if (!rings.is_array() || rings.empty())
            return fail(part + "a polygon needs at least one ring");
        std::size_t ringIndex = 0;
        for (const auto &ring : rings) {
            ++ringIndex;
            const std::string ringName = part + "ring " + std::to_string(ringIndex);
            if (!ring.is_array())
                return fail(ringName + " is not an array of positions");
            if (ring.size() < 4)
                return fail(ringName + " has " + std::to_string(ring.size())
                            + " positions; a closed ring needs at least 4");
            std::vector<Position> positions;
            positions.reserve(ring.size());
            std::size_t posIndex = 0;
            for (const auto &position : ring) {
                ++posIndex;
                const std::string posName = ringName + " position " + std::to_string(posIndex);
                if (!position.is_array() || position.size() < 2 || !position[0].is_number()
                    || !position[1].is_number())
                    return fail(posName + " is not a [longitude, latitude] pair of numbers");
                const double lon = position[0].get<double>();
                const double lat = position[1].get<double>();
                if (const auto valid = validateCoordinates(lat, lon); !valid.ok())
                    return fail(posName + ": " + valid.error().message);
                positions.push_back({lat, lon});
            }
            // Exact comparison on purpose: GeoJSON requires the first and last
            // positions to be identical, not merely close.
            if (positions.front().lat != positions.back().lat
                || positions.front().lon != positions.back().lon)
                return fail(ringName + " is not closed (its first and last positions differ)");
            out.rings.push_back(std::move(positions));
        }
        return std::nullopt;
    }

    std::string m_where;
};

std::optional<std::string> readWholeFile(const std::string &path, std::string &error)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = "cannot open " + path;
        return std::nullopt;
    }
    in.seekg(0, std::ios::end);
    const auto size = in.tellg();
    if (size < 0) {
        error = "cannot read " + path;
        return std::nullopt;
    }
    if (static_cast<std::uintmax_t>(size) > kMaxGeoJsonBytes) {
        error = path + " is larger than " + std::to_string(kMaxGeoJsonBytes / (1024u * 1024u))
                + " MiB: it is not a ward boundaries file";
        return std::nullopt;
    }
    in.seekg(0, std::ios::beg);
    std::string text(static_cast<std::size_t>(size), '\0');
    if (!in.read(text.data(), static_cast<std::streamsize>(text.size()))) {
        error = "cannot read " + path;
        return std::nullopt;
    }
    return text;
}

} // namespace

Result<WardBoundaries> WardBoundaries::fromGeoJson(std::string_view text,
                                                   std::string_view codeProperty,
                                                   std::string_view nameProperty)
{
    const Json root = Json::parse(text.begin(), text.end(), nullptr, false);
    if (root.is_discarded())
        return Error::invalid("ward boundaries are not valid JSON");
    if (!root.is_object())
        return Error::invalid("ward boundaries must be a GeoJSON FeatureCollection object");
    const auto type = root.find("type");
    if (type == root.end() || !type->is_string() || type->get_ref<const std::string &>() != "FeatureCollection")
        return Error::invalid("ward boundaries must be a GeoJSON object with \"type\": \"FeatureCollection\"");
    const auto features = root.find("features");
    if (features == root.end() || !features->is_array())
        return Error::invalid("ward boundaries have no \"features\" array");
    if (features->empty())
        return Error::invalid("ward boundaries hold no wards (the \"features\" array is empty)");

    WardBoundaries result;
    result.m_bounds = {std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity(),
                       -std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};

    const std::string codeKey(codeProperty);
    const std::string nameKey(nameProperty);
    std::size_t featureIndex = 0;
    for (const auto &feature : *features) {
        ++featureIndex;
        std::string where = "feature " + std::to_string(featureIndex);
        if (!feature.is_object())
            return Error::invalid(where + " is not an object");
        const auto properties = feature.find("properties");
        if (properties == feature.end() || !properties->is_object())
            return Error::invalid(where + " has no \"properties\" object");

        const auto code = properties->find(codeKey);
        if (code == properties->end() || !code->is_string() || code->get_ref<const std::string &>().empty())
            return Error::invalid(where + " has no \"" + codeKey
                                  + "\" text property for the ward code (is the code property name right?)");
        const auto name = properties->find(nameKey);
        if (name == properties->end() || !name->is_string() || name->get_ref<const std::string &>().empty())
            return Error::invalid(where + " has no \"" + nameKey
                                  + "\" text property for the ward name (is the name property name right?)");
        Ward ward{code->get<std::string>(), name->get<std::string>()};
        if (const auto ok = checkText("ward code", ward.code, kMaxShortText); !ok.ok())
            return Error::invalid(where + ": " + ok.error().message);
        where += " (" + ward.code + ")";
        if (const auto ok = checkText("ward name", ward.name, kMaxShortText); !ok.ok())
            return Error::invalid(where + ": " + ok.error().message);
        if (result.find(ward.code) != nullptr)
            return Error::invalid(where + ": ward code " + ward.code + " appears twice");

        const auto geometry = feature.find("geometry");
        if (geometry == feature.end())
            return Error::invalid(where + " has no geometry");
        std::vector<RawPolygon> polygons;
        if (auto error = GeometryReader(where).readGeometry(*geometry, polygons))
            return *error;

        const std::size_t wardIndex = result.m_wards.size();
        result.m_wards.push_back(std::move(ward));
        for (const auto &raw : polygons) {
            Polygon polygon{{std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity(),
                             -std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()},
                            wardIndex, result.m_edges.size(), 0};
            for (const auto &ring : raw.rings) {
                for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
                    const Position &a = ring[i];
                    const Position &b = ring[i + 1];
                    polygon.box.minLat = std::min(polygon.box.minLat, a.lat);
                    polygon.box.maxLat = std::max(polygon.box.maxLat, a.lat);
                    polygon.box.minLon = std::min(polygon.box.minLon, a.lon);
                    polygon.box.maxLon = std::max(polygon.box.maxLon, a.lon);
                    // A horizontal edge can never be crossed under the half-open
                    // rule, so it is left out rather than tested every time.
                    if (a.lat == b.lat)
                        continue;
                    const Position &low = a.lat < b.lat ? a : b;
                    const Position &high = a.lat < b.lat ? b : a;
                    result.m_edges.push_back(
                        {low.lat, high.lat, low.lon, (high.lon - low.lon) / (high.lat - low.lat)});
                }
            }
            polygon.edgeCount = result.m_edges.size() - polygon.firstEdge;
            result.m_bounds.minLat = std::min(result.m_bounds.minLat, polygon.box.minLat);
            result.m_bounds.maxLat = std::max(result.m_bounds.maxLat, polygon.box.maxLat);
            result.m_bounds.minLon = std::min(result.m_bounds.minLon, polygon.box.minLon);
            result.m_bounds.maxLon = std::max(result.m_bounds.maxLon, polygon.box.maxLon);
            // Widened by far more than any rounding in the crossing sum, so the
            // box test only skips polygons that could not hold the point: it
            // never changes the answer for a point on a shared edge.
            polygon.box.minLon -= kBoxSlackDegrees;
            polygon.box.maxLon += kBoxSlackDegrees;
            result.m_polygons.push_back(polygon);
        }
    }
    return result;
}

Result<WardBoundaries> WardBoundaries::loadFile(const std::string &path, std::string_view codeProperty,
                                                std::string_view nameProperty)
{
    std::string readError;
    const auto text = readWholeFile(path, readError);
    if (!text)
        return Error::io("ward boundaries: " + readError);
    auto parsed = fromGeoJson(*text, codeProperty, nameProperty);
    if (!parsed.ok())
        return Error{parsed.error().code, path + ": " + parsed.error().message};
    return parsed;
}

const WardBoundaries::Ward *WardBoundaries::wardAt(GeoPoint p) const
{
    if (!std::isfinite(p.lat) || !std::isfinite(p.lon))
        return nullptr;
    for (const Polygon &polygon : m_polygons) {
        // Latitude is compared exactly as the edge test below does (a point on
        // the top of the box is never inside); longitude has slack.
        if (p.lat < polygon.box.minLat || p.lat >= polygon.box.maxLat || p.lon < polygon.box.minLon
            || p.lon > polygon.box.maxLon)
            continue;
        // Ray cast towards increasing longitude, counting edges whose
        // latitude span [lat0, lat1) holds the point and whose crossing lies
        // strictly east of it. Holes are rings too, so even-odd handles them.
        bool inside = false;
        const Edge *edge = m_edges.data() + polygon.firstEdge;
        const Edge *end = edge + polygon.edgeCount;
        for (; edge != end; ++edge) {
            if (p.lat >= edge->lat0 && p.lat < edge->lat1
                && p.lon < edge->lon0 + (p.lat - edge->lat0) * edge->lonPerLat)
                inside = !inside;
        }
        if (inside)
            return &m_wards[polygon.ward];
    }
    return nullptr;
}

const WardBoundaries::Ward *WardBoundaries::find(std::string_view code) const
{
    const auto it = std::find_if(m_wards.begin(), m_wards.end(),
                                 [code](const Ward &ward) { return ward.code == code; });
    return it == m_wards.end() ? nullptr : &*it;
}

} // namespace beatbook
