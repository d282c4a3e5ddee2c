#include "domain/referral.h"

#include "core/text.h"
#include "geo/wardcode.h"
#include "core/uuid.h"

#include <algorithm>
#include <limits>

namespace beatbook {

namespace {

bool isBlank(std::string_view text)
{
    return collapseSpaces(text).empty();
}

TimestampMs saturatingAdd(TimestampMs a, TimestampMs b)
{
    constexpr auto kMax = std::numeric_limits<TimestampMs>::max();
    if (b > 0 && a > kMax - b)
        return kMax;
    return a + b;
}

} // namespace

bool isOpen(ReferralStatus status)
{
    return status != ReferralStatus::Completed && status != ReferralStatus::Declined
           && status != ReferralStatus::Withdrawn;
}

const ReferralRules &defaultReferralRules()
{
    static const ReferralRules rules;
    return rules;
}

void assignPriority(Referral &referral, const ReferralRules &rules)
{
    referral.priorityBand = computeBand(referral.riskFactors, rules.banding);
    if (static_cast<std::size_t>(referral.route) < enumCount<ReferralRoute>()
        && rules.routes.rulesFor(referral.route).bandSetsDeadline)
        referral.deadlineAt = responseDeadline(referral.priorityBand, referral.createdAt, rules.banding);
}

Status validateNewReferral(const Referral &referral, TimestampMs now, const ReferralRules &rules)
{
    if (static_cast<std::size_t>(referral.route) >= enumCount<ReferralRoute>())
        return Error::invalid("unknown referral route; valid routes: " + allNames<ReferralRoute>());
    const auto &route = rules.routes.rulesFor(referral.route);
    const std::string routeName(toString(referral.route));

    if (referral.status != ReferralStatus::Drafted)
        return Error::invalid("a new referral starts as drafted, not " + std::string(toString(referral.status)));
    if (!referral.consentId.empty() || referral.consentOverride)
        return Error::invalid("a new referral has no consent or override yet: capture them as lifecycle steps");
    if (!isUuid(referral.id))
        return Error::invalid("referral id must be a UUID");
    if (!isUuid(referral.personId))
        return Error::invalid("a referral must name the person by their UUID");
    if (referral.reportId && !isUuid(*referral.reportId))
        return Error::invalid("the report a referral comes from must be named by its UUID");

    if (static_cast<std::size_t>(referral.createdByRole) >= enumCount<Role>())
        return Error::invalid("unknown role for the referral's creator; valid roles: " + allNames<Role>());
    if (auto ok = checkText("created by", referral.createdBy, kMaxShortText); !ok)
        return ok;
    if (isBlank(referral.createdBy))
        return Error::invalid("a referral must say who created it");
    if (!rules.routes.mayCreate(referral.route, referral.createdByRole))
        return Error::notAllowed("role " + std::string(toString(referral.createdByRole)) + " may not create a "
                                 + routeName + " referral; allowed: "
                                 + joinRoles(rules.routes.rulesFor(referral.route).mayCreate));
    if (referral.createdAt <= 0)
        return Error::invalid("a referral needs the time it was created");
    if (referral.createdAt > saturatingAdd(now, std::max<TimestampMs>(rules.maxClockSkewMs, 0)))
        return Error::invalid("the referral is dated in the future");

    if (auto ok = checkText("address", referral.addressText, kMaxShortText); !ok)
        return ok;
    if (route.needsAddress && isBlank(referral.addressText))
        return Error::invalid("a " + routeName + " referral needs the address");
    if (!referral.wardCode.empty() && !isWardCodeFormat(referral.wardCode))
        return Error::invalid("ward code must be a 2022 ONS code such as E05013628");

    if (route.needsRiskFactors && referral.riskFactors.empty())
        return Error::invalid("a " + routeName + " referral needs at least one risk factor; valid factors: "
                              + allNames<RiskFactor>());
    if (route.needsClutterRating && !referral.clutterRating)
        return Error::invalid("a " + routeName + " referral needs a clutter rating ("
                              + std::to_string(route.clutterRatingMin) + " to "
                              + std::to_string(route.clutterRatingMax) + ")");
    if (referral.clutterRating
        && (*referral.clutterRating < route.clutterRatingMin || *referral.clutterRating > route.clutterRatingMax))
        return Error::invalid("clutter rating must be from " + std::to_string(route.clutterRatingMin) + " to "
                              + std::to_string(route.clutterRatingMax) + ", not "
                              + std::to_string(*referral.clutterRating));
    if (auto ok = checkText("capacity note", referral.capacityNote, kMaxLongText, true); !ok)
        return ok;
    if (route.needsCapacityNote && isBlank(referral.capacityNote))
        return Error::invalid("a " + routeName
                              + " referral needs a note on the person's capacity to decide about their home");
    if (!referral.declineReason.empty())
        return Error::invalid("a new referral cannot have a decline reason");

    if (static_cast<std::size_t>(referral.priorityBand) >= enumCount<PriorityBand>())
        return Error::invalid("unknown priority band; valid bands: " + allNames<PriorityBand>());
    const auto computed = assessBand(referral.riskFactors, rules.banding);
    if (isMoreUrgent(computed.band, referral.priorityBand))
        return Error::invalid("priority band " + std::string(toString(referral.priorityBand))
                              + " is below the computed " + std::string(toString(computed.band)) + " ("
                              + computed.reason + "); a band may be raised on judgement, never lowered");
    if (referral.deadlineAt && *referral.deadlineAt < referral.createdAt)
        return Error::invalid("the referral's deadline is before it was created");
    if (route.bandSetsDeadline) {
        const auto due = responseDeadline(referral.priorityBand, referral.createdAt, rules.banding);
        if (due && (!referral.deadlineAt || *referral.deadlineAt > *due))
            return Error::invalid("a " + std::string(toString(referral.priorityBand)) + " " + routeName
                                  + " referral must have a deadline no later than its band allows");
    }
    return {};
}

} // namespace beatbook
