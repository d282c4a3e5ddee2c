#pragma once

#include "core/clock.h"
#include "core/result.h"
#include "domain/names.h"
#include "geo/geopoint.h"

#include <optional>
#include <string>
#include <vector>

namespace beatbook {

// Joint champion-PCSO patrols: the strategy counts their hours per ward.
struct JointPatrolSettings {
    int minParticipants = 2;
    // More than this is a public meeting, not a patrol (and likely a data error).
    int maxParticipants = 20;
    TimestampMs maxDurationMs = 24LL * 60 * 60 * 1000;
    // Notes are often typed up just after the walk ends, or a moment before
    // someone presses "start".
    TimestampMs observationGraceMs = 15LL * 60 * 1000;
};

struct PatrolParticipant {
    std::string name;
    Role role = Role::Champion;
};

struct JointPatrol {
    std::string id;
    std::string wardCode;
    TimestampMs startedAt = 0;
    std::optional<TimestampMs> endedAt; // open while absent
    std::vector<PatrolParticipant> participants;
};

// Append-only: an observation is evidence of what was seen, so it is never
// edited; a correction is a new observation.
struct PatrolObservation {
    std::string id;
    std::string patrolId;
    TimestampMs at = 0;
    std::string text;
    std::optional<GeoPoint> position;
    std::string author;
};

// A ward code of the ONS form (see geo/wardcode.h; whether it is in the
// borough pack is the caller's check); at least minParticipants, among them
// at least one champion and one pcso (other roles may join); names present
// and unique ignoring case and spacing; if ended, the end after the start and
// at most maxDurationMs later.
Status validatePatrol(const JointPatrol &patrol, const JointPatrolSettings &settings = {});

// Ends an open patrol at `at`. Refused when it has ended already or the
// result would not pass validatePatrol; changes nothing on failure.
Status endPatrol(JointPatrol &patrol, TimestampMs at, const JointPatrolSettings &settings = {});

// The observation belongs to this patrol, its text and author are present
// and clean, its position (if any) is valid, and its time lies within the
// patrol, give or take observationGraceMs. While the patrol is open the
// latest allowed time is startedAt + maxDurationMs + grace.
Status validateObservation(const JointPatrol &patrol, const PatrolObservation &observation,
                           const JointPatrolSettings &settings = {});

// Length in hours; 0 while the patrol is open.
double patrolHours(const JointPatrol &patrol);

} // namespace beatbook
