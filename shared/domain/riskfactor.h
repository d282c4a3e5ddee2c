#pragma once

#include "core/enumnames.h"
#include "core/result.h"

#include <bitset>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace beatbook {

// What a home visitor notices that makes a fire more likely, or harder to
// survive (domain.md, "Home Fire Safety Visit referrals").
enum class RiskFactor {
    Smoker,
    PoorMobility,
    BedOrChairBound,
    SightOrHearingLoss,
    MentalIllHealthOrDementia,
    AlcoholOrDrugs,
    AgedOver70,
    LivesAlone,
    Hoarding,
    HomeOxygen,
    AirflowMattress,
    ParaffinEmollients,
    IncontinenceProducts,
    CandlesOrHeaters,
    NoWorkingSmokeAlarm,
    ReceivesCare,
    ArsonThreat,
};
template <>
struct EnumNames<RiskFactor> {
    static constexpr std::array<std::string_view, 17> names{
        "smoker", "poor_mobility", "bed_or_chair_bound", "sight_or_hearing_loss",
        "mental_ill_health_or_dementia", "alcohol_or_drugs", "aged_over_70", "lives_alone",
        "hoarding", "home_oxygen", "airflow_mattress", "paraffin_emollients",
        "incontinence_products", "candles_or_heaters", "no_working_smoke_alarm",
        "receives_care", "arson_threat"};
};

// A set of risk factors. A household either has a factor or not, so a set
// (not a list) is the honest shape: duplicates and order carry no meaning.
class RiskFactors {
public:
    RiskFactors() = default;
    RiskFactors(std::initializer_list<RiskFactor> factors);

    bool has(RiskFactor factor) const;
    RiskFactors &add(RiskFactor factor);
    RiskFactors &remove(RiskFactor factor);
    bool empty() const;
    std::size_t size() const;
    // True when the two sets share at least one factor.
    bool intersects(const RiskFactors &other) const;
    // In declaration order, so output is stable.
    std::vector<RiskFactor> toVector() const;

    // A compact form for storage: bit i is the factor with value i.
    std::uint32_t bits() const;
    // Refuses bits that name no factor (data from a newer or corrupt store).
    static Result<RiskFactors> fromBits(std::uint32_t bits);

    bool operator==(const RiskFactors &) const = default;

private:
    std::bitset<enumCount<RiskFactor>()> m_bits;
};

// "smoker,lives_alone": canonical text, declaration order, no spaces.
std::string formatRiskFactors(const RiskFactors &factors);

// Parses "smoker, lives_alone" (spaces around names are ignored; an empty or
// blank text is the empty set). An unknown or empty name is refused with the
// list of valid names, so a person typing on the command line can fix it.
Result<RiskFactors> parseRiskFactorList(std::string_view commaSeparated);
Result<RiskFactors> riskFactorsFromNames(const std::vector<std::string> &names);

} // namespace beatbook
