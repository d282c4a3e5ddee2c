#pragma once

#include "core/enumnames.h"

// The vocabulary of domain.md's "Names used everywhere". Order matters only
// within this file: each EnumNames list follows its enum.

namespace beatbook {

enum class AsbType {
    RowdyInconsiderate, NuisanceNeighbours, Noise, Littering, FlyPosting, FlyTipping,
    StreetDrinking, VehicleAbandoned, VehicleNuisance, CriminalDamage, Graffiti, Arson,
    Drugs, AnimalProblems, Trespass, MaliciousCommunications, ProstitutionRelated,
    BeggingVagrancy, Fireworks, HoaxCalls, Other,
};
template <>
struct EnumNames<AsbType> {
    static constexpr std::array<std::string_view, 21> names{
        "rowdy_inconsiderate", "nuisance_neighbours", "noise", "littering", "fly_posting",
        "fly_tipping", "street_drinking", "vehicle_abandoned", "vehicle_nuisance",
        "criminal_damage", "graffiti", "arson", "drugs", "animal_problems", "trespass",
        "malicious_communications", "prostitution_related", "begging_vagrancy", "fireworks",
        "hoax_calls", "other"};
};

// National Standard for Incident Recording qualifier, kept apart from the type.
enum class AsbQualifier { Personal, Nuisance, Environmental };
template <>
struct EnumNames<AsbQualifier> {
    static constexpr std::array<std::string_view, 3> names{"personal", "nuisance", "environmental"};
};

enum class AsbStatus {
    Draft, Submitted, Triaged, Assigned, InAction, Resolved, ReporterInformed, Closed,
    Redirected, NotAsb,
};
template <>
struct EnumNames<AsbStatus> {
    static constexpr std::array<std::string_view, 10> names{
        "draft", "submitted", "triaged", "assigned", "in_action", "resolved",
        "reporter_informed", "closed", "redirected", "not_asb"};
};

enum class Role { Champion, Pcso, Officer, Supervisor, CouncilAsb, FireHfsv, Analyst, Admin };
template <>
struct EnumNames<Role> {
    static constexpr std::array<std::string_view, 8> names{
        "champion", "pcso", "officer", "supervisor", "council_asb", "fire_hfsv", "analyst", "admin"};
};

enum class ReferralRoute {
    Hfsv, AdultSocialCare, DomesticAbuse, FamilySupport, VictimSupport, Hoarding, Housing,
};
template <>
struct EnumNames<ReferralRoute> {
    static constexpr std::array<std::string_view, 7> names{
        "hfsv", "adult_social_care", "domestic_abuse", "family_support", "victim_support",
        "hoarding", "housing"};
};

} // namespace beatbook
