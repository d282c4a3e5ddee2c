#pragma once

#include "core/clock.h"
#include "core/result.h"
#include "domain/names.h"

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace beatbook {

// The roles with the "consent and referral" capability (domain.md, "Who
// sees what"): everyone but the analyst and the admin.
std::vector<Role> defaultReferringRoles();

bool hasRole(const std::vector<Role> &roles, Role role);
// "pcso, officer": for error messages that say who could have done it.
std::string joinRoles(const std::vector<Role> &roles);

// What one route needs and who may use it (domain.md, "Referral routes").
struct RouteRules {
    std::string agency; // who receives it, as people in the partnership say it

    // Who may draft a referral on this route and capture consent for it.
    std::vector<Role> mayCreate;
    // Who may send it. A creator who may not send only flags a concern:
    // on domestic abuse, volunteers flag and an officer decides.
    std::vector<Role> maySend;
    // Who records the receiving agency's answers (acknowledged, accepted,
    // declined, completed): usually the agency's own staff in Beatbook or
    // the supervisor who chases it.
    std::vector<Role> mayRecordResponse;

    bool needsAddress = true;
    bool needsRiskFactors = false;   // hfsv: the band is computed from them
    bool needsClutterRating = false; // hoarding
    // Clutter Image Rating scale, 1 (clear) to 9 (rooms full to the ceiling).
    int clutterRatingMin = 1;
    int clutterRatingMax = 9;
    bool needsCapacityNote = false; // hoarding: whether the person can decide about their home

    // Whether the route may go without consent on a justified, supervisor-
    // approved override. Voluntary services (early help, victim support,
    // housing) only work with a willing person, so they need consent.
    bool overrideAllowed = true;
    // What the justification is called on this route. Adult social care
    // records a safeguarding reason instead of consent; it still needs a
    // supervisor's approval, so no referral leaves without consent or a
    // second pair of eyes.
    std::string overrideReasonName = "justification";

    // hfsv: the referral's deadline is the band's visit deadline.
    bool bandSetsDeadline = false;
    // How long the receiving agency has to acknowledge once it is sent.
    std::optional<TimestampMs> acknowledgeWithinMs;
};

// One row per route, indexed by the route's value. Defaults from domain.md;
// the acknowledgement times are proposals to agree with each agency.
struct ReferralRouteTable {
    std::vector<Role> referringRoles = defaultReferringRoles();
    std::array<RouteRules, enumCount<ReferralRoute>()> routes;

    const RouteRules &rulesFor(ReferralRoute route) const { return routes[static_cast<std::size_t>(route)]; }
    RouteRules &rulesFor(ReferralRoute route) { return routes[static_cast<std::size_t>(route)]; }

    bool mayCreate(ReferralRoute route, Role role) const;
    bool maySend(ReferralRoute route, Role role) const;
    bool mayRecordResponse(ReferralRoute route, Role role) const;
    // The routes a role may draft on, for the app's route picker.
    std::vector<ReferralRoute> routesFor(Role role) const;
};

ReferralRouteTable defaultReferralRoutes();

// Refuses a table that could not work: a route nobody may send, a sender
// who may not create, roles outside the referring roles, a bad clutter scale.
Status validateRouteTable(const ReferralRouteTable &table);

} // namespace beatbook
