#pragma once

#include "core/clock.h"
#include "core/randomsource.h"
#include "core/result.h"
#include "core/uuid.h"
#include "geo/geopoint.h"
#include "sync/framecodec.h"

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace beatbook::loadgen {

// Positions inside each ward of the borough, drawn once from the data pack's
// boundaries, so generated reports sit where a PCSO of that ward would log
// them.
class WardPositions {
public:
    // packDir holds wards-2022.geojson. perWard points are drawn per ward.
    static Result<WardPositions> load(const std::string &packDir, std::size_t perWard, std::uint64_t seed);

    std::vector<std::string> wardCodes() const;
    const std::vector<GeoPoint> &points(const std::string &ward) const { return m_points.at(ward); }

private:
    std::map<std::string, std::vector<GeoPoint>> m_points;
};

// Who a simulated device writes as: the server checks that a report names
// its author, carries the author's role and sits in one of their wards.
struct ReportAuthor {
    std::string userName;
    std::string role = "pcso";
    std::string ward;
};

// Makes asb_reports create changes as a device's outbox would hold them
// (the columns AsbReportStore::log writes), with the device's own seq and
// hybrid logical clock. One factory per simulated device.
class ReportFactory {
public:
    ReportFactory(ReportAuthor author, const WardPositions &positions, std::uint64_t seed);

    // count changes in one batch, seqs continuing from the last batch.
    syncv1::Envelope nextBatch(std::size_t count);
    std::uint64_t lastSeq() const { return m_seq; }

private:
    void fillReport(syncv1::Change &change);
    std::uint64_t nextHlc();

    ReportAuthor m_author;
    const std::vector<GeoPoint> &m_points;
    SystemClock m_clock;
    SeededRandom m_idRandom;
    UuidGenerator m_ids;
    std::mt19937_64 m_random;
    std::uint64_t m_seq = 0;
    std::uint64_t m_lastHlc = 0;
};

} // namespace beatbook::loadgen
