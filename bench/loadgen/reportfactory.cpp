#include "reportfactory.h"

#include "core/enumnames.h"
#include "domain/addressnormaliser.h"
#include "domain/names.h"
#include "geo/wardboundaries.h"

#include <array>
#include <string_view>

namespace beatbook::loadgen {
namespace {

// Phrases a field note is typically made of: a description of 80-300
// characters, like the ones officers type on a phone.
constexpr std::array<std::string_view, 8> kOpenings{
    "Group of youths gathering outside the parade of shops",
    "Resident reports loud music from the upper flat",
    "Two mopeds riding on the footpath",
    "Bags of household waste dumped beside the recycling point",
    "Caller says the same car has been parked across the dropped kerb",
    "Graffiti tags sprayed on the bus shelter and the garage doors",
    "Men drinking on the bench by the playground",
    "Repeated knocking on doors late at night",
};
constexpr std::array<std::string_view, 6> kMiddles{
    " most evenings between 8 and 11 pm,",
    " again this week,",
    " for the third weekend running,",
    " since the start of the month,",
    " while the caller was at home with her children,",
    " and neighbours have complained to the housing officer,",
};
constexpr std::array<std::string_view, 6> kEndings{
    " causing alarm to elderly residents. Advised to call 101 if it recurs.",
    " no injuries. Area to be added to the patrol plan.",
    " caller does not want to be contacted again.",
    " CCTV request made to the council. Follow-up visit planned.",
    " photos taken at the scene. Litter enforcement informed.",
    " words of advice given to those present.",
};
constexpr std::array<std::string_view, 10> kStreets{
    "Station Road", "High Street", "Church Lane", "Ballards Lane", "Regents Park Road",
    "Watling Avenue", "Cat Hill", "Friern Barnet Lane", "Brent Street", "Mill Hill Broadway",
};

void setText(syncv1::Change &change, const char *name, std::string_view value)
{
    auto *field = change.add_fields();
    field->set_name(name);
    field->mutable_value()->set_text_value(std::string(value));
}

void setInt(syncv1::Change &change, const char *name, std::int64_t value)
{
    auto *field = change.add_fields();
    field->set_name(name);
    field->mutable_value()->set_int_value(value);
}

void setReal(syncv1::Change &change, const char *name, double value)
{
    auto *field = change.add_fields();
    field->set_name(name);
    field->mutable_value()->set_real_value(value);
}

void setNull(syncv1::Change &change, const char *name)
{
    auto *field = change.add_fields();
    field->set_name(name);
    field->mutable_value()->set_null_value(true);
}

template <typename Array, typename Rng>
std::string_view pick(const Array &items, Rng &rng)
{
    return items[static_cast<std::size_t>(rng() % items.size())];
}

} // namespace

Result<WardPositions> WardPositions::load(const std::string &packDir, std::size_t perWard, std::uint64_t seed)
{
    auto wards = WardBoundaries::loadFile(packDir + "/wards-2022.geojson");
    if (!wards)
        return wards.error();
    WardPositions out;
    std::mt19937_64 rng(seed);
    const auto box = wards->bounds();
    std::uniform_real_distribution<double> lat(box.minLat, box.maxLat);
    std::uniform_real_distribution<double> lon(box.minLon, box.maxLon);
    for (const auto &ward : wards->wards())
        out.m_points[ward.code];
    std::size_t missing = out.m_points.size() * perWard;
    // Rejection sampling in the borough's box: every ward is a sizeable part
    // of it, so this ends after a few times perWard * wards draws.
    for (std::size_t tries = 0; missing > 0 && tries < 1000 * perWard * out.m_points.size(); ++tries) {
        const GeoPoint p{lat(rng), lon(rng)};
        const auto *ward = wards->wardAt(p);
        if (ward == nullptr)
            continue;
        auto &points = out.m_points[ward->code];
        if (points.size() < perWard) {
            points.push_back(p);
            --missing;
        }
    }
    for (const auto &[code, points] : out.m_points)
        if (points.empty())
            return Error::dataPack("no position could be drawn inside ward " + code);
    return out;
}

std::vector<std::string> WardPositions::wardCodes() const
{
    std::vector<std::string> codes;
    for (const auto &[code, points] : m_points)
        codes.push_back(code);
    return codes;
}

ReportFactory::ReportFactory(ReportAuthor author, const WardPositions &positions, std::uint64_t seed)
    : m_author(std::move(author)), m_points(positions.points(m_author.ward)), m_idRandom(seed ^ 0x9e3779b97f4a7c15ULL),
      m_ids(m_clock, m_idRandom), m_random(seed)
{
}

std::uint64_t ReportFactory::nextHlc()
{
    const auto wall = static_cast<std::uint64_t>(m_clock.nowMs()) << 16;
    m_lastHlc = std::max(wall, m_lastHlc + 1);
    return m_lastHlc;
}

void ReportFactory::fillReport(syncv1::Change &change)
{
    const TimestampMs now = m_clock.nowMs();
    const GeoPoint p = m_points[static_cast<std::size_t>(m_random() % m_points.size())];
    // A few metres of GPS scatter around the drawn point.
    const double jitterLat = static_cast<double>(static_cast<std::int64_t>(m_random() % 200) - 100) * 1e-6;
    const double jitterLon = static_cast<double>(static_cast<std::int64_t>(m_random() % 200) - 100) * 1e-6;

    const auto type = static_cast<AsbType>(m_random() % enumCount<AsbType>());
    const auto qualifier = static_cast<AsbQualifier>(m_random() % enumCount<AsbQualifier>());
    setText(change, "type", toString(type));
    setText(change, "qualifier", toString(qualifier));
    setInt(change, "hate", m_random() % 20 == 0 ? 1 : 0);
    // Happened up to two days ago; logged now.
    setInt(change, "occurred_at", now - static_cast<TimestampMs>(m_random() % (2ULL * 24 * 3600 * 1000)));
    setInt(change, "logged_at", now);
    setReal(change, "lat", p.lat + jitterLat);
    setReal(change, "lon", p.lon + jitterLon);
    setReal(change, "accuracy_m", 3.0 + static_cast<double>(m_random() % 40));
    if (m_random() % 3 != 0) {
        const std::string address =
            std::to_string(1 + m_random() % 180) + " " + std::string(pick(kStreets, m_random));
        const std::string key = normaliseAddress(address);
        setText(change, "address_text", address);
        setText(change, "address_key", key);
        setText(change, "place_key", key);
    } else {
        setNull(change, "address_text");
        setNull(change, "address_key");
        setText(change, "place_key", placeCellKey({p.lat, p.lon}));
    }
    setText(change, "ward_code", m_author.ward);
    std::string description(pick(kOpenings, m_random));
    description += pick(kMiddles, m_random);
    description += pick(kEndings, m_random);
    setText(change, "description", description);
    setNull(change, "reporter_id");
    setNull(change, "victim_id");
    setNull(change, "victim_key");
    setText(change, "source_role", m_author.role);
    setText(change, "logged_by", m_author.userName);
    setText(change, "status", "submitted");
    setInt(change, "repeat_victim", 0);
    setInt(change, "prior_reports", 0);
}

syncv1::Envelope ReportFactory::nextBatch(std::size_t count)
{
    syncv1::Envelope envelope;
    auto *batch = envelope.mutable_upload_batch();
    batch->mutable_changes()->Reserve(static_cast<int>(count));
    for (std::size_t i = 0; i < count; ++i) {
        auto *change = batch->add_changes();
        change->set_seq(++m_seq);
        change->set_change_id(m_ids.next());
        change->set_entity("asb_reports");
        change->set_entity_id(m_ids.next());
        change->set_op(syncv1::Change::CREATE);
        change->set_hlc(nextHlc());
        fillReport(*change);
    }
    return envelope;
}

} // namespace beatbook::loadgen
