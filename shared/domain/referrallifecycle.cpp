#include "domain/referrallifecycle.h"

#include "core/text.h"

#include <algorithm>
#include <limits>

namespace beatbook {

namespace {

using S = ReferralStatus;

std::string name(ReferralStatus status)
{
    return std::string(toString(status));
}

std::string name(ReferralRoute route)
{
    return std::string(toString(route));
}

std::string name(Role role)
{
    return std::string(toString(role));
}

std::size_t codePoints(std::string_view text)
{
    return static_cast<std::size_t>(
        std::count_if(text.begin(), text.end(), [](char ch) { return (static_cast<unsigned char>(ch) & 0xC0) != 0x80; }));
}

// Loose, so that "Sgt J. Smith" cannot approve the override "sgt j smith"
// asked for: a false "same person" only asks for another supervisor.
bool samePerson(std::string_view a, std::string_view b)
{
    return foldForMatching(a) == foldForMatching(b);
}

Status checkReason(std::string_view field, std::string_view text)
{
    if (auto ok = checkText(field, text, kMaxLongText, true); !ok)
        return ok;
    if (collapseSpaces(text).empty())
        return Error::invalid(std::string(field) + " is required");
    return {};
}

Status checkJustification(std::string_view text, const RouteRules &route, const ReferralRules &rules)
{
    if (auto ok = checkText(route.overrideReasonName, text, kMaxLongText, true); !ok)
        return ok;
    if (codePoints(collapseSpaces(text)) < rules.minOverrideJustificationChars)
        return Error::invalid("the " + route.overrideReasonName + " for going without consent must be at least "
                              + std::to_string(rules.minOverrideJustificationChars)
                              + " characters: say what the risk is and why consent cannot be had");
    return {};
}

TimestampMs plusSkew(TimestampMs t, const ReferralRules &rules)
{
    constexpr auto kMax = std::numeric_limits<TimestampMs>::max();
    const TimestampMs skew = std::max<TimestampMs>(rules.maxClockSkewMs, 0);
    return t > kMax - skew ? kMax : t + skew;
}

std::string joinStatuses(const std::vector<ReferralStatus> &statuses)
{
    if (statuses.empty())
        return "none";
    std::string out;
    for (auto status : statuses) {
        if (!out.empty())
            out += ", ";
        out += name(status);
    }
    return out;
}

Status checkConsentFor(const Referral &referral, const ConsentRecord *consent, TimestampMs now,
                       const ReferralRules &rules)
{
    if (!consent)
        return Error::notAllowed("the consent record is needed to check consent for this referral");
    ConsentRules consentRules;
    consentRules.mayRecord = rules.routes.referringRoles;
    consentRules.maxClockSkewMs = rules.maxClockSkewMs;
    if (auto ok = validateConsent(*consent, now, consentRules); !ok)
        return ok;
    if (consent->personId != referral.personId)
        return Error::notAllowed("the consent was given by a different person than the one referred");
    if (isConsentWithdrawn(*consent, now))
        return Error::notAllowed("consent was withdrawn; the referral cannot go on it");
    if (!consentCovers(*consent, referral.route, now)) {
        if (now < consent->capturedAt)
            return Error::notAllowed("the consent is dated after this step");
        std::string named;
        for (auto route : consent->recipients)
            named += (named.empty() ? "" : ", ") + name(route);
        return Error::notAllowed("the consent does not cover " + name(referral.route) + " (it names " + named
                                 + "); capture consent for it or ask for an override");
    }
    return {};
}

Status checkApprovedOverride(const Referral &referral, const ReferralRules &rules)
{
    const auto &route = rules.routes.rulesFor(referral.route);
    if (!referral.consentOverride)
        return Error::notAllowed("the referral has neither consent nor an approved override");
    const auto &ov = *referral.consentOverride;
    if (!route.overrideAllowed)
        return Error::notAllowed("a " + name(referral.route) + " referral needs consent: overrides are not allowed");
    if (auto ok = checkJustification(ov.justification, route, rules); !ok)
        return Error::notAllowed("the override has no adequate " + route.overrideReasonName);
    if (collapseSpaces(ov.requestedBy).empty())
        return Error::notAllowed("the override does not say who asked for it");
    if (collapseSpaces(ov.approvedBy).empty() || !ov.approvedAt || ov.approvedByRole != Role::Supervisor)
        return Error::notAllowed("the override has not been approved by a supervisor");
    if (samePerson(ov.approvedBy, ov.requestedBy))
        return Error::notAllowed("the override was approved by the person who asked for it");
    return {};
}

bool isValid(ReferralStatus status)
{
    return static_cast<std::size_t>(status) < enumCount<ReferralStatus>();
}

} // namespace

std::vector<ReferralStatus> nextStatuses(const Referral &referral)
{
    std::vector<ReferralStatus> out;
    switch (referral.status) {
    case S::Drafted:
        out = {S::ConsentCaptured, S::OverrideRequested};
        break;
    case S::ConsentCaptured:
        out = {S::Sent};
        break;
    case S::OverrideRequested:
        out = {S::OverrideApproved, S::Drafted, S::ConsentCaptured};
        break;
    case S::OverrideApproved:
        out = {S::Sent};
        break;
    case S::Sent:
        out = {S::Acknowledged, S::Escalated};
        break;
    case S::Acknowledged:
        out = {S::Accepted, S::Declined, S::Escalated};
        break;
    case S::Accepted:
        out = {S::Completed, S::Escalated};
        break;
    case S::Escalated:
        if (!referral.escalatedFrom)
            out = {S::Acknowledged, S::Accepted, S::Declined, S::Completed}; // history unknown: allow any
        else if (*referral.escalatedFrom == S::Sent)
            out = {S::Acknowledged};
        else if (*referral.escalatedFrom == S::Acknowledged)
            out = {S::Accepted, S::Declined};
        else if (*referral.escalatedFrom == S::Accepted)
            out = {S::Completed};
        break;
    case S::Declined:
    case S::Completed:
    case S::Withdrawn:
        break;
    }
    // Withdrawing consent ends every open referral that went on consent.
    if (isOpen(referral.status) && !referral.consentId.empty())
        out.push_back(S::Withdrawn);
    return out;
}

std::optional<TimestampMs> missedDeadline(const Referral &referral, TimestampMs now)
{
    if (!isOpen(referral.status))
        return std::nullopt;
    std::optional<TimestampMs> missed;
    const bool awaitingAcknowledgement =
        referral.status == S::Sent || (referral.status == S::Escalated && referral.escalatedFrom == S::Sent);
    if (awaitingAcknowledgement && referral.acknowledgeBy && now > *referral.acknowledgeBy)
        missed = referral.acknowledgeBy;
    if (referral.deadlineAt && now > *referral.deadlineAt && (!missed || *referral.deadlineAt > *missed))
        missed = referral.deadlineAt;
    return missed;
}

bool isOverdue(const Referral &referral, TimestampMs now)
{
    return missedDeadline(referral, now).has_value();
}

Status checkConsentOrOverride(const Referral &referral, const TransitionContext &context)
{
    const auto &rules = context.rules ? *context.rules : defaultReferralRules();
    if (!referral.consentId.empty()) {
        if (!context.consent || context.consent->id != referral.consentId)
            return Error::notAllowed("the referral's own consent record is needed to check its consent");
        return checkConsentFor(referral, context.consent, context.now, rules);
    }
    return checkApprovedOverride(referral, rules);
}

Status checkReferralTransition(const Referral &referral, ReferralStatus to, const TransitionContext &context)
{
    const auto &rules = context.rules ? *context.rules : defaultReferralRules();
    if (!isValid(to) || !isValid(referral.status))
        return Error::invalid("unknown referral status; valid statuses: " + allNames<ReferralStatus>());
    if (static_cast<std::size_t>(referral.route) >= enumCount<ReferralRoute>())
        return Error::invalid("unknown referral route; valid routes: " + allNames<ReferralRoute>());
    if (static_cast<std::size_t>(context.actorRole) >= enumCount<Role>())
        return Error::invalid("unknown role; valid roles: " + allNames<Role>());
    if (auto ok = checkText("actor", context.actor, kMaxShortText); !ok)
        return ok;
    if (collapseSpaces(context.actor).empty())
        return Error::invalid("a referral step must say who takes it");
    if (plusSkew(context.now, rules) < referral.createdAt || plusSkew(context.now, rules) < referral.updatedAt)
        return Error::invalid("the step is dated before the referral's last change");

    const auto &route = rules.routes.rulesFor(referral.route);
    const auto role = context.actorRole;
    if (!hasRole(rules.routes.referringRoles, role))
        return Error::notAllowed("role " + name(role) + " may not act on referrals");
    if (!isOpen(referral.status))
        return Error::notAllowed("the referral is " + name(referral.status) + "; it cannot change any more");
    if (to == S::Withdrawn && referral.consentId.empty())
        return Error::notAllowed("this referral did not go on consent, so withdrawing consent does not end it");
    const auto next = nextStatuses(referral);
    if (std::find(next.begin(), next.end(), to) == next.end())
        return Error::notAllowed("a referral cannot go from " + name(referral.status) + " to " + name(to)
                                 + "; next steps: " + joinStatuses(next));

    switch (to) {
    case S::ConsentCaptured:
        if (!rules.routes.mayCreate(referral.route, role))
            return Error::notAllowed("role " + name(role) + " may not capture consent for a " + name(referral.route)
                                     + " referral; allowed: " + joinRoles(route.mayCreate));
        if (!context.consent)
            return Error::invalid("capturing consent needs the consent record");
        return checkConsentFor(referral, context.consent, context.now, rules);

    case S::OverrideRequested:
        if (!rules.routes.mayCreate(referral.route, role))
            return Error::notAllowed("role " + name(role) + " may not ask for an override on a "
                                     + name(referral.route) + " referral; allowed: " + joinRoles(route.mayCreate));
        if (!route.overrideAllowed)
            return Error::notAllowed("a " + name(referral.route)
                                     + " referral needs the person's consent: it cannot go on an override");
        return checkJustification(context.reason, route, rules);

    case S::OverrideApproved:
        if (role != Role::Supervisor)
            return Error::notAllowed("only a supervisor may approve going without consent");
        if (!referral.consentOverride || collapseSpaces(referral.consentOverride->requestedBy).empty())
            return Error::invalid("there is no override request to approve");
        if (samePerson(context.actor, referral.consentOverride->requestedBy))
            return Error::notAllowed("you asked for this override, so another supervisor must approve it");
        if (!route.overrideAllowed)
            return Error::notAllowed("a " + name(referral.route) + " referral needs consent: overrides are not allowed");
        return checkJustification(referral.consentOverride->justification, route, rules);

    case S::Drafted: // a supervisor refuses the override
        if (role != Role::Supervisor)
            return Error::notAllowed("only a supervisor may refuse an override");
        return checkReason("the reason for refusing the override", context.reason);

    case S::Sent:
        if (!rules.routes.maySend(referral.route, role)) {
            if (rules.routes.mayCreate(referral.route, role))
                return Error::notAllowed("role " + name(role) + " only flags a " + name(referral.route)
                                         + " concern; sending it is for: " + joinRoles(route.maySend));
            return Error::notAllowed("role " + name(role) + " may not send a " + name(referral.route)
                                     + " referral; allowed: " + joinRoles(route.maySend));
        }
        return checkConsentOrOverride(referral, context);

    case S::Acknowledged:
    case S::Accepted:
    case S::Declined:
    case S::Completed:
        if (!rules.routes.mayRecordResponse(referral.route, role))
            return Error::notAllowed("role " + name(role) + " may not record the " + route.agency
                                     + "'s answer; allowed: " + joinRoles(route.mayRecordResponse));
        if (to == S::Declined)
            return checkReason("the reason the referral was declined", context.reason);
        return {};

    case S::Escalated: {
        const auto missed = missedDeadline(referral, context.now);
        if (!missed)
            return Error::notAllowed("the referral has missed no deadline, so it cannot be escalated");
        if (referral.escalatedAt && *missed <= *referral.escalatedAt)
            return Error::notAllowed("the referral was already escalated for this missed deadline");
        return {};
    }

    case S::Withdrawn:
        if (!context.consent || context.consent->id != referral.consentId)
            return Error::invalid("withdrawing needs the referral's own consent record");
        if (!isConsentWithdrawn(*context.consent, context.now))
            return Error::notAllowed("the consent has not been withdrawn, so the referral stands");
        return {};
    }
    return Error::invalid("unknown referral status");
}

Status applyReferralTransition(Referral &referral, ReferralStatus to, const TransitionContext &context)
{
    if (auto ok = checkReferralTransition(referral, to, context); !ok)
        return ok;
    const auto &rules = context.rules ? *context.rules : defaultReferralRules();
    const auto now = context.now;
    const auto from = referral.status;

    switch (to) {
    case S::ConsentCaptured:
        referral.consentId = context.consent->id;
        break;
    case S::OverrideRequested: {
        ReferralOverride request;
        request.justification = context.reason;
        request.requestedBy = context.actor;
        request.requestedByRole = context.actorRole;
        request.requestedAt = now;
        referral.consentOverride = std::move(request);
        break;
    }
    case S::OverrideApproved:
        referral.consentOverride->approvedBy = context.actor;
        referral.consentOverride->approvedByRole = context.actorRole;
        referral.consentOverride->approvedAt = now;
        break;
    case S::Drafted:
        referral.consentOverride->refusedBy = context.actor;
        referral.consentOverride->refusedAt = now;
        referral.consentOverride->refusalReason = context.reason;
        break;
    case S::Sent: {
        referral.sentAt = now;
        const auto &route = rules.routes.rulesFor(referral.route);
        if (route.acknowledgeWithinMs) {
            constexpr auto kMax = std::numeric_limits<TimestampMs>::max();
            TimestampMs by = now > kMax - *route.acknowledgeWithinMs ? kMax : now + *route.acknowledgeWithinMs;
            // A very high HFSV must be visited within hours: it cannot wait a day to be acknowledged.
            if (referral.deadlineAt)
                by = std::min(by, *referral.deadlineAt);
            referral.acknowledgeBy = by;
        }
        break;
    }
    case S::Acknowledged:
        referral.acknowledgedAt = now;
        break;
    case S::Accepted:
        referral.decidedAt = now;
        break;
    case S::Declined:
        referral.decidedAt = now;
        referral.declineReason = context.reason;
        break;
    case S::Completed:
        referral.completedAt = now;
        break;
    case S::Withdrawn:
        referral.withdrawnAt = now;
        break;
    case S::Escalated:
        referral.escalatedAt = now;
        referral.escalatedFrom = from;
        break;
    }
    referral.status = to;
    referral.updatedAt = now;
    referral.updatedBy = context.actor;
    return {};
}

} // namespace beatbook
