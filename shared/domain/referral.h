#pragma once

#include "core/clock.h"
#include "core/enumnames.h"
#include "core/result.h"
#include "domain/names.h"
#include "domain/prioritybanding.h"
#include "domain/referralroutes.h"
#include "domain/riskfactor.h"

#include <cstddef>
#include <optional>
#include <string>

namespace beatbook {

// domain.md, "Lifecycles": drafted → consent captured (or override justified
// and approved) → sent → acknowledged → accepted or declined → completed;
// consent withdrawn → withdrawn; past its deadline → escalated.
enum class ReferralStatus {
    Drafted,
    ConsentCaptured,
    OverrideRequested,
    OverrideApproved,
    Sent,
    Acknowledged,
    Accepted,
    Declined,
    Completed,
    Withdrawn,
    Escalated,
};
template <>
struct EnumNames<ReferralStatus> {
    static constexpr std::array<std::string_view, 11> names{
        "drafted", "consent_captured", "override_requested", "override_approved", "sent", "acknowledged",
        "accepted", "declined", "completed", "withdrawn", "escalated"};
};

// Open: the referral may still change. Completed, declined and withdrawn
// are final.
bool isOpen(ReferralStatus status);

// Going without consent: who asked and why, and the supervisor who agreed
// (or refused, which sends the referral back to drafted).
struct ReferralOverride {
    std::string justification;
    std::string requestedBy;
    Role requestedByRole = Role::Analyst;
    TimestampMs requestedAt = 0;
    std::string approvedBy;
    std::optional<Role> approvedByRole;
    std::optional<TimestampMs> approvedAt;
    std::string refusedBy;
    std::optional<TimestampMs> refusedAt;
    std::string refusalReason;

    bool operator==(const ReferralOverride &) const = default;
};

struct Referral {
    std::string id; // UUID
    ReferralRoute route = ReferralRoute::Hfsv;
    std::string personId; // UUID
    std::optional<std::string> reportId; // UUID of the ASB report it came from, if any
    std::string addressText;
    std::string wardCode; // 2022 ONS code (E05…); empty when not known
    RiskFactors riskFactors;
    // Computed from the risk factors on every route (it orders work queues);
    // on hfsv it also sets the visit deadline.
    PriorityBand priorityBand = PriorityBand::Low;
    std::optional<int> clutterRating; // hoarding: Clutter Image Rating 1–9
    std::string capacityNote;         // hoarding: can the person decide about their home?
    ReferralStatus status = ReferralStatus::Drafted;
    std::string consentId; // UUID of the ConsentRecord; empty until consent is captured
    std::optional<ReferralOverride> consentOverride;
    std::string createdBy;
    Role createdByRole = Role::Analyst; // powerless unless set
    TimestampMs createdAt = 0;
    // When the receiving service must have done its part (hfsv: the visit).
    std::optional<TimestampMs> deadlineAt;
    // When the receiving agency must have acknowledged; set on sending.
    std::optional<TimestampMs> acknowledgeBy;
    std::string declineReason;

    std::string updatedBy;
    TimestampMs updatedAt = 0;
    std::optional<TimestampMs> sentAt;
    std::optional<TimestampMs> acknowledgedAt;
    std::optional<TimestampMs> decidedAt; // accepted or declined
    std::optional<TimestampMs> completedAt;
    std::optional<TimestampMs> withdrawnAt;
    std::optional<TimestampMs> escalatedAt;
    std::optional<ReferralStatus> escalatedFrom; // where to continue after escalation

    bool operator==(const Referral &) const = default;
};

// Settings for referrals; every number a configurable default.
struct ReferralRules {
    ReferralRouteTable routes = defaultReferralRoutes();
    BandingRules banding;
    // An override must say why in more than a word or two.
    std::size_t minOverrideJustificationChars = 20;
    // Devices work offline and their clocks drift.
    TimestampMs maxClockSkewMs = 5LL * 60 * 1000;
};

const ReferralRules &defaultReferralRules();

// Sets the band from the risk factors and, on routes whose deadline comes
// from the band (hfsv), the deadline from the creation time. Call before
// validateNewReferral.
void assignPriority(Referral &referral, const ReferralRules &rules = defaultReferralRules());

// Checks a referral as drafted: ids, text limits, the creator's role for the
// route, the route's requirements (risk factors, address, clutter rating,
// capacity note), and that the band and deadline are no less urgent than
// the rules compute. A visitor may raise the band on judgement; lowering it
// would hide risk, so that is refused.
Status validateNewReferral(const Referral &referral, TimestampMs now,
                           const ReferralRules &rules = defaultReferralRules());

} // namespace beatbook
