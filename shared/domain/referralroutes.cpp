#include "domain/referralroutes.h"

#include "domain/permissions.h"

#include <algorithm>

namespace beatbook {

namespace {

constexpr TimestampMs kHourMs = 60LL * 60 * 1000;
constexpr TimestampMs kDayMs = 24 * kHourMs;

bool isSubset(const std::vector<Role> &part, const std::vector<Role> &whole)
{
    return std::all_of(part.begin(), part.end(), [&whole](Role r) { return hasRole(whole, r); });
}

} // namespace

std::vector<Role> defaultReferringRoles()
{
    // domain.md's "consent and referral" column, kept in one place:
    // permissions.cpp.
    std::vector<Role> roles;
    for (std::size_t i = 0; i < enumCount<Role>(); ++i)
        if (can(static_cast<Role>(i), Capability::ConsentAndReferral))
            roles.push_back(static_cast<Role>(i));
    return roles;
}

bool hasRole(const std::vector<Role> &roles, Role role)
{
    return std::find(roles.begin(), roles.end(), role) != roles.end();
}

std::string joinRoles(const std::vector<Role> &roles)
{
    if (roles.empty())
        return "nobody";
    std::string out;
    for (auto role : roles) {
        if (!out.empty())
            out += ", ";
        out += static_cast<std::size_t>(role) < enumCount<Role>() ? toString(role) : std::string_view("unknown");
    }
    return out;
}

bool ReferralRouteTable::mayCreate(ReferralRoute route, Role role) const
{
    return hasRole(referringRoles, role) && hasRole(rulesFor(route).mayCreate, role);
}

bool ReferralRouteTable::maySend(ReferralRoute route, Role role) const
{
    return mayCreate(route, role) && hasRole(rulesFor(route).maySend, role);
}

bool ReferralRouteTable::mayRecordResponse(ReferralRoute route, Role role) const
{
    return hasRole(referringRoles, role) && hasRole(rulesFor(route).mayRecordResponse, role);
}

std::vector<ReferralRoute> ReferralRouteTable::routesFor(Role role) const
{
    std::vector<ReferralRoute> out;
    for (std::size_t i = 0; i < routes.size(); ++i)
        if (mayCreate(static_cast<ReferralRoute>(i), role))
            out.push_back(static_cast<ReferralRoute>(i));
    return out;
}

ReferralRouteTable defaultReferralRoutes()
{
    using R = Role;
    ReferralRouteTable table;
    const auto everyone = defaultReferringRoles();

    // Anyone who visits homes may spot fire risk.
    auto &hfsv = table.rulesFor(ReferralRoute::Hfsv);
    hfsv.agency = "fire brigade (Home Fire Safety Visit team)";
    hfsv.mayCreate = everyone;
    hfsv.maySend = everyone;
    hfsv.mayRecordResponse = {R::FireHfsv, R::Supervisor};
    hfsv.needsRiskFactors = true;
    hfsv.bandSetsDeadline = true;
    hfsv.acknowledgeWithinMs = kDayMs;

    auto &asc = table.rulesFor(ReferralRoute::AdultSocialCare);
    asc.agency = "council adult social care (safeguarding)";
    asc.mayCreate = everyone;
    asc.maySend = everyone;
    asc.mayRecordResponse = {R::CouncilAsb, R::Supervisor};
    asc.overrideReasonName = "safeguarding reason";
    asc.acknowledgeWithinMs = kDayMs; // safeguarding concerns are screened within a working day

    // A flag on any report; the police decide on DASH and MARAC.
    auto &da = table.rulesFor(ReferralRoute::DomesticAbuse);
    da.agency = "police (domestic abuse, MARAC)";
    da.mayCreate = everyone;
    da.maySend = {R::Officer, R::Supervisor};
    da.mayRecordResponse = {R::Officer, R::Supervisor};
    da.needsAddress = false; // a flagged concern may not have a safe address to give
    da.acknowledgeWithinMs = kDayMs;

    auto &family = table.rulesFor(ReferralRoute::FamilySupport);
    family.agency = "council children's and families service (early help, Family Focus)";
    family.mayCreate = {R::Pcso, R::Officer, R::Supervisor, R::CouncilAsb};
    family.maySend = family.mayCreate;
    family.mayRecordResponse = {R::CouncilAsb, R::Supervisor};
    family.overrideAllowed = false;
    family.acknowledgeWithinMs = 3 * kDayMs;

    auto &victim = table.rulesFor(ReferralRoute::VictimSupport);
    victim.agency = "victim support service";
    victim.mayCreate = everyone;
    victim.maySend = everyone;
    victim.mayRecordResponse = {R::Pcso, R::Officer, R::Supervisor, R::CouncilAsb};
    victim.needsAddress = false; // the service calls the person
    victim.overrideAllowed = false;
    victim.acknowledgeWithinMs = 2 * kDayMs;

    // Domain.md: from fire and council; the supervisor may do what staff do.
    auto &hoarding = table.rulesFor(ReferralRoute::Hoarding);
    hoarding.agency = "council hoarding panel";
    hoarding.mayCreate = {R::Supervisor, R::CouncilAsb, R::FireHfsv};
    hoarding.maySend = hoarding.mayCreate;
    hoarding.mayRecordResponse = {R::Supervisor, R::CouncilAsb, R::FireHfsv};
    hoarding.needsClutterRating = true;
    hoarding.needsCapacityNote = true;
    hoarding.acknowledgeWithinMs = 7 * kDayMs; // the panel meets on a cycle

    auto &housing = table.rulesFor(ReferralRoute::Housing);
    housing.agency = "social housing provider";
    housing.mayCreate = {R::Pcso, R::Supervisor, R::CouncilAsb};
    housing.maySend = housing.mayCreate;
    housing.mayRecordResponse = {R::Supervisor, R::CouncilAsb};
    housing.overrideAllowed = false;
    housing.acknowledgeWithinMs = 5 * kDayMs;

    return table;
}

Status validateRouteTable(const ReferralRouteTable &table)
{
    for (auto role : table.referringRoles)
        if (role == Role::Analyst || role == Role::Admin)
            return Error::invalid("role " + std::string(toString(role))
                                  + " may not make referrals: it never sees the person referred");
    for (std::size_t i = 0; i < table.routes.size(); ++i) {
        const auto route = static_cast<ReferralRoute>(i);
        const auto &rules = table.routes[i];
        const std::string name(toString(route));
        if (rules.agency.empty())
            return Error::invalid("route " + name + " names no receiving agency");
        if (rules.mayCreate.empty() || rules.maySend.empty() || rules.mayRecordResponse.empty())
            return Error::invalid("route " + name + " needs roles that may create, send and record responses");
        if (!isSubset(rules.mayCreate, table.referringRoles) || !isSubset(rules.mayRecordResponse, table.referringRoles))
            return Error::invalid("route " + name + " gives referral rights to a role outside the referring roles ("
                                  + joinRoles(table.referringRoles) + ")");
        if (!isSubset(rules.maySend, rules.mayCreate))
            return Error::invalid("route " + name + ": every role that may send must also be allowed to create");
        if (rules.clutterRatingMin < 1 || rules.clutterRatingMin > rules.clutterRatingMax)
            return Error::invalid("route " + name + " has a bad clutter rating scale ("
                                  + std::to_string(rules.clutterRatingMin) + " to "
                                  + std::to_string(rules.clutterRatingMax) + ")");
        if (rules.acknowledgeWithinMs && *rules.acknowledgeWithinMs <= 0)
            return Error::invalid("route " + name + " has a non-positive acknowledgement time");
        if (rules.overrideReasonName.empty())
            return Error::invalid("route " + name + " needs a name for its override reason");
    }
    return {};
}

} // namespace beatbook
