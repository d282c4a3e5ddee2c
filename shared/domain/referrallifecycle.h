#pragma once

#include "core/clock.h"
#include "core/result.h"
#include "domain/consentrecord.h"
#include "domain/referral.h"

#include <optional>
#include <string>
#include <vector>

namespace beatbook {

// Who is acting, when, and what they bring to the step.
struct TransitionContext {
    std::string actor;
    Role actorRole = Role::Analyst; // powerless unless set
    TimestampMs now = 0;
    // The consent record: the one to capture (drafted → consent_captured),
    // or the referral's own (to re-check it on sending, or to show it was
    // withdrawn). Not owned.
    const ConsentRecord *consent = nullptr;
    // Override justification, override refusal reason or decline reason.
    std::string reason;
    // Defaults when null.
    const ReferralRules *rules = nullptr;
};

// The steps (domain.md, "Lifecycles"), and who may take them:
//   drafted → consent_captured          creator role; a valid consent for the
//                                       same person that covers the route
//   drafted → override_requested        creator role; route allows overrides;
//                                       justification of at least 20 characters
//   override_requested → override_approved   a supervisor who is not the requester
//   override_requested → drafted        a supervisor refuses, with a reason
//   override_requested → consent_captured    consent arrived after all
//   consent_captured | override_approved → sent   a role that may send on
//                                       the route; THE GATE, see below
//   sent → acknowledged → accepted | declined (with a reason); accepted →
//   completed                           roles that record the agency's answers
//   sent | acknowledged | accepted → escalated   when a deadline was missed
//                                       (once per missed deadline)
//   escalated → the step it was waiting for when it escalated (from sent:
//                                       acknowledged; from acknowledged:
//                                       accepted or declined; from accepted:
//                                       completed)
//   any open state → withdrawn          the referral went on consent and that
//                                       consent is now withdrawn
// The gate: a referral never reaches `sent` without either a valid consent
// for its person that covers its route and is not withdrawn, or an approved
// override with a justification, approved by a supervisor other than the
// requester, on a route that allows overrides.
Status checkReferralTransition(const Referral &referral, ReferralStatus to, const TransitionContext &context);

// Checks, then moves the referral and records who, when and why. Changes
// nothing when refused.
Status applyReferralTransition(Referral &referral, ReferralStatus to, const TransitionContext &context);

// The gate alone, for re-checking a referral that is about to leave (for
// example on the server, before it is forwarded).
Status checkConsentOrOverride(const Referral &referral, const TransitionContext &context);

// The statuses the lifecycle could lead to from here, ignoring who acts and
// what they bring: for showing the next steps.
std::vector<ReferralStatus> nextStatuses(const Referral &referral);

// The latest deadline the referral has missed by `now`: the acknowledgement
// deadline while it waits to be acknowledged, and its own deadline while it
// is open. Nothing when none is missed.
std::optional<TimestampMs> missedDeadline(const Referral &referral, TimestampMs now);
bool isOverdue(const Referral &referral, TimestampMs now);

} // namespace beatbook
