#pragma once

#include "core/clock.h"
#include "core/enumnames.h"
#include "core/result.h"
#include "domain/addressrange.h"
#include "geo/geopoint.h"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace beatbook {

// Cocooning: after a burglary, visit the neighbours within a radius within a
// window, and record delivery per address, because evaluations found that
// most planned visits never happened.
struct CocooningSettings {
    double defaultRadiusM = 200.0;
    double maxRadiusM = 400.0;
    TimestampMs visitWindowMs = 48LL * 60 * 60 * 1000;
    int maxTargets = 500;
    AddressRangeSettings ranges;
};

enum class CocooningStatus { Planned, InProgress, Completed };
template <>
struct EnumNames<CocooningStatus> {
    static constexpr std::array<std::string_view, 3> names{"planned", "in_progress", "completed"};
};

struct CocooningTarget {
    std::string id; // left empty by planCocooning: the caller assigns ids
    std::string street;
    std::string houseNumber;
    std::optional<GeoPoint> position;
    std::optional<double> distanceM; // set where both this and the origin have a position
};

struct CocooningOperation {
    std::string id;
    std::string originAddress;
    std::optional<GeoPoint> origin;
    double radiusM = 0.0;
    std::string wardCode;
    TimestampMs burglaryAt = 0;
    TimestampMs plannedAt = 0;
    TimestampMs deadlineAt = 0;
    CocooningStatus status = CocooningStatus::Planned;
    std::string plannedBy;
    std::vector<CocooningTarget> targets;
    // Set by closeOperation: closing early is a decision someone answers for.
    std::optional<TimestampMs> closedAt;
    std::string closeReason;
};

struct CocooningRequest {
    std::string originAddress;
    std::optional<GeoPoint> origin;
    std::optional<double> radiusM; // defaultRadiusM when absent
    std::string wardCode;          // ONS form (geo/wardcode.h); which codes exist is the caller's check
    TimestampMs burglaryAt = 0;
    TimestampMs now = 0;
    std::string plannedBy;
    std::vector<AddressRange> ranges;
    // Known positions keyed by cocooningTargetKey(street, houseNumber). The
    // street is compared case- and punctuation-insensitively.
    std::map<std::string, GeoPoint> positions;
};

// "Acacia Avenue|12": the key of CocooningRequest::positions.
std::string cocooningTargetKey(std::string_view street, std::string_view houseNumber);

// Expands the ranges into targets (in the order given, duplicates dropped),
// checks 0 < radius <= maxRadiusM, the burglary is not in the future, and
// refuses any target whose known position lies outside the radius. The
// deadline is burglaryAt + visitWindowMs; the status is planned.
Result<CocooningOperation> planCocooning(const CocooningRequest &request, const CocooningSettings &settings = {});

// What happened at one target's door: "in_person", "card_left" or "declined"
// (the advice modes of domain.md, minus the advice itself).
struct TargetVisit {
    std::string targetId;
    std::string outcome;
    TimestampMs at = 0;
};

inline constexpr std::string_view kVisitInPerson = "in_person";
inline constexpr std::string_view kVisitCardLeft = "card_left";
inline constexpr std::string_view kVisitDeclined = "declined";
bool isVisitOutcome(std::string_view outcome);

// A visit names a target of this operation, a known outcome, and a time not
// before the burglary. Visits after the deadline or after closing are
// accepted: devices sync late, and a late visit is still a visit.
Status validateVisit(const CocooningOperation &op, const TargetVisit &visit);

struct CocooningCoverage {
    int targets = 0;
    int visited = 0;         // targets with at least one visit
    int inPerson = 0;        // each visited target counted once, by its best outcome:
    int cardLeft = 0;        //   in_person, then declined (someone answered), then card_left
    int declined = 0;
    int visitedInWindow = 0; // first visit at or before deadlineAt
    double share = 0.0;      // visited / targets (0 with no targets)
    double shareInWindow = 0.0;
};

// Visits that fail validateVisit (unknown target, unknown outcome) are ignored.
CocooningCoverage computeCoverage(const CocooningOperation &op, const std::vector<TargetVisit> &visits);

// planned until the first visit, in_progress after, completed when every
// target has a visit. An operation already completed (closed) stays so.
CocooningStatus statusAfterVisits(const CocooningOperation &op, const std::vector<TargetVisit> &visits);

// Closes the operation before every target is visited. Allowed from
// in_progress (reason optional), or from planned only with a reason; refused
// when already completed. Update op.status with statusAfterVisits first.
// Changes nothing on failure.
Status closeOperation(CocooningOperation &op, TimestampMs at, std::string_view reason = {});

} // namespace beatbook
