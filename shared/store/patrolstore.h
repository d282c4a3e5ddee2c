#pragma once

#include "core/result.h"
#include "domain/jointpatrol.h"
#include "geo/geopoint.h"
#include "store/devicestore.h"

#include <optional>
#include <string>
#include <vector>

namespace beatbook {

class WardBoundaries;

struct PatrolStoreSettings {
    JointPatrolSettings patrol;
    // Device clocks drift; a time a little ahead is normal, one far ahead is
    // a wrong clock or a made-up time.
    TimestampMs maxFutureSkewMs = 5 * 60 * 1000;
};

struct PatrolFilter {
    std::optional<std::string> wardCode;
    bool openOnly = false;
    int limit = 1000;
};

// Joint champion-PCSO patrols on the device, and their observations
// (append-only: the database refuses to change or delete one).
class PatrolStore {
public:
    PatrolStore(DeviceStore &store, const WardBoundaries &wards, PatrolStoreSettings settings = {});

    // Starts a patrol in a ward of the data pack; no time: now. Names are
    // stored with their white space collapsed.
    Result<JointPatrol> start(const std::string &wardCode, std::vector<PatrolParticipant> participants,
                              std::optional<TimestampMs> startedAt = std::nullopt);
    // Ends an open patrol; no time: now.
    Result<JointPatrol> end(const std::string &id, std::optional<TimestampMs> at = std::nullopt);
    // Appends an observation by the device's user; no time: now.
    Result<PatrolObservation> observe(const std::string &patrolId, const std::string &text,
                                      std::optional<TimestampMs> at = std::nullopt,
                                      std::optional<GeoPoint> position = std::nullopt);

    Result<JointPatrol> get(const std::string &id);
    // Oldest first.
    Result<std::vector<PatrolObservation>> observations(const std::string &patrolId);
    // Newest start first.
    Result<std::vector<JointPatrol>> list(const PatrolFilter &filter = {});

private:
    Status checkMayRecord() const;
    Status checkNotFuture(std::string_view what, TimestampMs at, TimestampMs now) const;

    DeviceStore &m_store;
    const WardBoundaries &m_wards;
    PatrolStoreSettings m_settings;
};

} // namespace beatbook
