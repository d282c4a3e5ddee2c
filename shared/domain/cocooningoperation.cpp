#include "domain/cocooningoperation.h"

#include "core/text.h"
#include "geo/wardcode.h"

#include <cmath>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace beatbook {

namespace {


// Matching ignores case and punctuation so "Acacia Ave." typed in the
// positions list finds the targets of "acacia ave 2-10".
std::string matchKey(std::string_view street, std::string_view houseNumber)
{
    return foldForMatching(street) + "|" + foldForMatching(houseNumber);
}

// Echoes a bad value back only when it is short, printable text.
std::string quotedIfPrintable(std::string_view value)
{
    if (value.empty() || !checkText("value", value, 40))
        return {};
    return "\"" + std::string(value) + "\" ";
}

std::string metres(double m) { return std::to_string(std::lround(m)) + " m"; }

Status checkSettings(const CocooningSettings &s)
{
    if (!(std::isfinite(s.maxRadiusM) && s.maxRadiusM > 0.0) || !(std::isfinite(s.defaultRadiusM) && s.defaultRadiusM > 0.0)
        || s.defaultRadiusM > s.maxRadiusM)
        return Error::invalid("Cocooning settings need 0 < defaultRadiusM <= maxRadiusM");
    if (s.visitWindowMs <= 0 || s.maxTargets < 1)
        return Error::invalid("Cocooning settings need a positive visit window and maxTargets of at least 1");
    return {};
}

Result<std::string> requiredShortText(std::string_view field, std::string_view text)
{
    if (auto checked = checkText(field, text, kMaxShortText); !checked)
        return checked.error();
    auto collapsed = collapseSpaces(text);
    if (collapsed.empty())
        return Error::invalid(std::string(field) + " is empty");
    return collapsed;
}

// Best outcome first: in person is the goal; a refusal at the door still
// means someone was reached; a card is the fallback at no answer.
int outcomeRank(std::string_view outcome)
{
    if (outcome == kVisitInPerson)
        return 3;
    if (outcome == kVisitDeclined)
        return 2;
    if (outcome == kVisitCardLeft)
        return 1;
    return 0;
}

std::string_view trimmed(std::string_view text)
{
    const auto isSpace = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (!text.empty() && isSpace(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && isSpace(text.back()))
        text.remove_suffix(1);
    return text;
}

} // namespace

std::string cocooningTargetKey(std::string_view street, std::string_view houseNumber)
{
    return collapseSpaces(street) + "|" + std::string(houseNumber);
}

bool isVisitOutcome(std::string_view outcome) { return outcomeRank(outcome) > 0; }

Result<CocooningOperation> planCocooning(const CocooningRequest &request, const CocooningSettings &settings)
{
    if (auto ok = checkSettings(settings); !ok)
        return ok.error();

    CocooningOperation op;
    auto origin = requiredShortText("Burglary address", request.originAddress);
    if (!origin)
        return origin.error();
    op.originAddress = std::move(*origin);
    auto plannedBy = requiredShortText("Planned by", request.plannedBy);
    if (!plannedBy)
        return plannedBy.error();
    op.plannedBy = std::move(*plannedBy);
    if (!isWardCodeFormat(request.wardCode))
        return Error::invalid("Ward code " + quotedIfPrintable(request.wardCode)
                              + "is not a 2022 ONS ward code (e.g. E05013628)");
    op.wardCode = request.wardCode;

    if (request.origin) {
        if (auto ok = validateCoordinates(request.origin->lat, request.origin->lon); !ok)
            return Error::invalid("Burglary position: " + ok.error().message);
        op.origin = request.origin;
    }

    op.radiusM = request.radiusM.value_or(settings.defaultRadiusM);
    if (!std::isfinite(op.radiusM) || op.radiusM <= 0.0)
        return Error::invalid("Cocooning radius must be a positive number of metres");
    if (op.radiusM > settings.maxRadiusM)
        return Error::invalid("Cocooning radius " + metres(op.radiusM) + " is larger than the maximum of "
                              + metres(settings.maxRadiusM));

    if (request.burglaryAt < 0)
        return Error::invalid("Burglary time is before 1970; check the date");
    if (request.burglaryAt > request.now)
        return Error::invalid("Burglary time is in the future; check the date and time");
    op.burglaryAt = request.burglaryAt;
    op.plannedAt = request.now;
    op.deadlineAt = request.burglaryAt + settings.visitWindowMs;
    op.status = CocooningStatus::Planned;

    // Positions are matched loosely, so two keys that fold together must agree.
    std::unordered_map<std::string, GeoPoint> positions;
    std::unordered_map<std::string, std::string> positionKeyAsGiven;
    for (const auto &[key, point] : request.positions) {
        if (auto ok = checkText("Position key", key, kMaxShortText); !ok)
            return ok.error();
        const auto bar = key.rfind('|');
        if (bar == std::string::npos)
            return Error::invalid("Position key \"" + key + "\" is not of the form \"street|house number\"");
        if (auto ok = validateCoordinates(point.lat, point.lon); !ok)
            return Error::invalid("Position of " + key + ": " + ok.error().message);
        const auto folded = matchKey(std::string_view(key).substr(0, bar), std::string_view(key).substr(bar + 1));
        if (auto [it, inserted] = positions.emplace(folded, point);
            !inserted && (it->second.lat != point.lat || it->second.lon != point.lon))
            return Error::invalid("Positions for \"" + positionKeyAsGiven[folded] + "\" and \"" + key
                                  + "\" name the same address but differ");
        positionKeyAsGiven.emplace(folded, key);
    }

    if (request.ranges.empty())
        return Error::invalid("A cocooning operation needs at least one target address range");

    std::unordered_set<std::string> seen;
    std::set<std::string> positionsUsed;
    for (const auto &range : request.ranges) {
        if (auto ok = validateAddressRange(range, settings.ranges); !ok)
            return ok.error();
        const auto street = collapseSpaces(range.street);
        for (auto &number : houseNumbers(range, settings.ranges)) {
            auto key = matchKey(street, number);
            if (!seen.insert(key).second)
                continue; // overlapping ranges name the same door once
            if (static_cast<int>(seen.size()) > settings.maxTargets)
                return Error::invalid("The ranges name more than " + std::to_string(settings.maxTargets)
                                      + " addresses; plan a smaller area or split the operation");
            CocooningTarget target;
            target.street = street;
            target.houseNumber = std::move(number);
            if (auto pos = positions.find(key); pos != positions.end()) {
                positionsUsed.insert(key);
                target.position = pos->second;
                if (op.origin) {
                    const double d = distanceMetres(*op.origin, pos->second);
                    if (d > op.radiusM)
                        return Error::invalid(target.street + " " + target.houseNumber + " is " + metres(d)
                                              + " from the burglary, outside the " + metres(op.radiusM)
                                              + " radius; remove it from the range or widen the radius (at most "
                                              + metres(settings.maxRadiusM) + ")");
                    target.distanceM = d;
                }
            }
            op.targets.push_back(std::move(target));
        }
    }

    // A position for no target is most likely a typo in the street or number.
    for (const auto &[folded, key] : positionKeyAsGiven)
        if (!positionsUsed.contains(folded))
            return Error::invalid("A position is given for \"" + key + "\", which is not among the target addresses");

    return op;
}

Status validateVisit(const CocooningOperation &op, const TargetVisit &visit)
{
    if (!isVisitOutcome(visit.outcome))
        return Error::invalid("Visit outcome " + quotedIfPrintable(visit.outcome) + "is not one of: "
                              + std::string(kVisitInPerson) + ", " + std::string(kVisitCardLeft) + ", "
                              + std::string(kVisitDeclined));
    bool known = false;
    for (const auto &target : op.targets)
        known = known || (!visit.targetId.empty() && target.id == visit.targetId);
    if (!known)
        return Error::notFound("The visit names a target that is not part of this cocooning operation");
    if (visit.at < op.burglaryAt)
        return Error::invalid("A visit cannot be earlier than the burglary it follows");
    return {};
}

CocooningCoverage computeCoverage(const CocooningOperation &op, const std::vector<TargetVisit> &visits)
{
    struct Seen {
        TimestampMs first;
        int best;
    };
    std::unordered_map<std::string, Seen> byTarget;
    for (const auto &visit : visits) {
        if (!validateVisit(op, visit))
            continue;
        const int rank = outcomeRank(visit.outcome);
        auto [it, inserted] = byTarget.emplace(visit.targetId, Seen{visit.at, rank});
        if (!inserted) {
            it->second.first = std::min(it->second.first, visit.at);
            it->second.best = std::max(it->second.best, rank);
        }
    }

    CocooningCoverage c;
    c.targets = static_cast<int>(op.targets.size());
    for (const auto &[id, seen] : byTarget) {
        ++c.visited;
        if (seen.best == outcomeRank(kVisitInPerson))
            ++c.inPerson;
        else if (seen.best == outcomeRank(kVisitDeclined))
            ++c.declined;
        else
            ++c.cardLeft;
        if (seen.first <= op.deadlineAt)
            ++c.visitedInWindow;
    }
    if (c.targets > 0) {
        c.share = static_cast<double>(c.visited) / c.targets;
        c.shareInWindow = static_cast<double>(c.visitedInWindow) / c.targets;
    }
    return c;
}

CocooningStatus statusAfterVisits(const CocooningOperation &op, const std::vector<TargetVisit> &visits)
{
    if (op.status == CocooningStatus::Completed)
        return CocooningStatus::Completed;
    const auto coverage = computeCoverage(op, visits);
    if (coverage.targets > 0 && coverage.visited == coverage.targets)
        return CocooningStatus::Completed;
    return coverage.visited > 0 ? CocooningStatus::InProgress : CocooningStatus::Planned;
}

Status closeOperation(CocooningOperation &op, TimestampMs at, std::string_view reason)
{
    if (op.status == CocooningStatus::Completed)
        return Error::notAllowed("This cocooning operation is already completed");
    if (op.status != CocooningStatus::Planned && op.status != CocooningStatus::InProgress)
        return Error::invalid("Cocooning operation status is not one of: " + allNames<CocooningStatus>());
    if (auto ok = checkText("Reason for closing", reason, kMaxLongText, true); !ok)
        return ok;
    const auto why = trimmed(reason);
    if (op.status == CocooningStatus::Planned && why.empty())
        return Error::notAllowed("Closing a cocooning operation before any visit needs a reason");
    if (at < op.plannedAt)
        return Error::invalid("An operation cannot be closed before it was planned");
    op.status = CocooningStatus::Completed;
    op.closedAt = at;
    op.closeReason = std::string(why);
    return {};
}

} // namespace beatbook
