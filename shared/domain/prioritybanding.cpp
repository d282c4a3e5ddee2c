#include "domain/prioritybanding.h"

#include <limits>

namespace beatbook {

namespace {

// Far above any sensible weight, small enough that 17 of them cannot overflow.
constexpr int kMaxWeight = 1000;

std::string factorNames(const RiskFactors &factors)
{
    std::string out;
    for (auto factor : factors.toVector()) {
        if (!out.empty())
            out += ", ";
        out += toString(factor);
    }
    return out;
}

RiskFactors common(const RiskFactors &a, const RiskFactors &b)
{
    RiskFactors out;
    for (auto factor : a.toVector())
        if (b.has(factor))
            out.add(factor);
    return out;
}

} // namespace

RiskWeights defaultRiskWeights()
{
    RiskWeights w{};
    auto set = [&w](RiskFactor factor, int weight) { w[static_cast<std::size_t>(factor)] = weight; };
    set(RiskFactor::Smoker, 3);
    set(RiskFactor::PoorMobility, 2);
    set(RiskFactor::BedOrChairBound, 3);
    set(RiskFactor::SightOrHearingLoss, 2);
    set(RiskFactor::MentalIllHealthOrDementia, 2);
    set(RiskFactor::AlcoholOrDrugs, 2);
    set(RiskFactor::AgedOver70, 1);
    set(RiskFactor::LivesAlone, 2);
    set(RiskFactor::Hoarding, 3);
    set(RiskFactor::HomeOxygen, 3);
    set(RiskFactor::AirflowMattress, 2);
    set(RiskFactor::ParaffinEmollients, 2);
    set(RiskFactor::IncontinenceProducts, 1);
    set(RiskFactor::CandlesOrHeaters, 3);
    set(RiskFactor::NoWorkingSmokeAlarm, 3);
    set(RiskFactor::ReceivesCare, 1);
    set(RiskFactor::ArsonThreat, 0);
    return w;
}

std::vector<FactorCombination> defaultFactorCombinations()
{
    using F = RiskFactor;
    return {
        {{F::Smoker, F::CandlesOrHeaters, F::HomeOxygen, F::ParaffinEmollients, F::AirflowMattress},
         {F::PoorMobility, F::BedOrChairBound, F::SightOrHearingLoss, F::MentalIllHealthOrDementia,
          F::AlcoholOrDrugs},
         PriorityBand::VeryHigh,
         "an ignition source with a reduced ability to respond or escape"},
        {{F::Smoker, F::CandlesOrHeaters},
         {F::HomeOxygen, F::ParaffinEmollients, F::AirflowMattress},
         PriorityBand::VeryHigh,
         "a naked flame near oxygen or fire-feeding materials"},
    };
}

Status validateBandingRules(const BandingRules &rules)
{
    for (std::size_t i = 0; i < rules.weights.size(); ++i) {
        const int weight = rules.weights[i];
        if (weight < 0 || weight > kMaxWeight)
            return Error::invalid("weight for risk factor " + std::string(toString(static_cast<RiskFactor>(i)))
                                  + " is " + std::to_string(weight) + "; it must be between 0 and "
                                  + std::to_string(kMaxWeight));
    }
    if (rules.mediumFromScore <= 0)
        return Error::invalid("the medium band threshold must be above 0, or a household with no risk factors "
                              "would need a visit");
    if (!(rules.mediumFromScore < rules.highFromScore && rules.highFromScore < rules.veryHighFromScore))
        return Error::invalid("band thresholds must rise: medium < high < very high (got "
                              + std::to_string(rules.mediumFromScore) + ", " + std::to_string(rules.highFromScore)
                              + ", " + std::to_string(rules.veryHighFromScore) + ")");
    for (std::size_t i = 0; i < rules.combinations.size(); ++i) {
        const auto &combination = rules.combinations[i];
        if (combination.anyOf.empty() || combination.withAnyOf.empty())
            return Error::invalid("factor combination " + std::to_string(i + 1)
                                  + " needs factors on both sides, or it never matches");
    }
    const std::optional<TimestampMs> times[] = {rules.veryHighWithinMs, rules.highWithinMs, rules.mediumWithinMs,
                                                rules.lowWithinMs};
    std::optional<TimestampMs> previous;
    for (std::size_t i = 0; i < 4; ++i) {
        const auto band = static_cast<PriorityBand>(i);
        if (times[i] && *times[i] <= 0)
            return Error::invalid("response time for band " + std::string(toString(band)) + " must be positive");
        // A less urgent band may not be answered sooner than a more urgent one.
        if (previous && times[i] && *times[i] < *previous)
            return Error::invalid("response time for band " + std::string(toString(band))
                                  + " is shorter than for a more urgent band");
        if (!times[i] && i + 1 < 4 && times[i + 1])
            return Error::invalid("band " + std::string(toString(band))
                                  + " has no response time but a less urgent band has one");
        if (times[i])
            previous = times[i];
    }
    return {};
}

std::int64_t riskScore(const RiskFactors &factors, const BandingRules &rules)
{
    std::int64_t score = 0;
    for (auto factor : factors.toVector())
        score += rules.weights[static_cast<std::size_t>(factor)];
    return score;
}

BandAssessment assessBand(const RiskFactors &factors, const BandingRules &rules)
{
    BandAssessment out;
    out.score = riskScore(factors, rules);
    if (out.score >= rules.veryHighFromScore)
        out.band = PriorityBand::VeryHigh;
    else if (out.score >= rules.highFromScore)
        out.band = PriorityBand::High;
    else if (out.score >= rules.mediumFromScore)
        out.band = PriorityBand::Medium;
    else
        out.band = PriorityBand::Low;
    out.reason = "risk score " + std::to_string(out.score);

    const auto always = common(factors, rules.alwaysVeryHigh);
    if (!always.empty()) {
        out.band = PriorityBand::VeryHigh;
        out.reason = factorNames(always) + " is always very high";
        return out;
    }
    for (const auto &combination : rules.combinations) {
        if (!factors.intersects(combination.anyOf) || !factors.intersects(combination.withAnyOf))
            continue;
        if (isMoreUrgent(combination.atLeast, out.band)) {
            out.band = combination.atLeast;
            out.reason = combination.why + " (" + factorNames(common(factors, combination.anyOf)) + " with "
                         + factorNames(common(factors, combination.withAnyOf)) + ")";
        }
    }
    return out;
}

PriorityBand computeBand(const RiskFactors &factors, const BandingRules &rules)
{
    return assessBand(factors, rules).band;
}

std::optional<TimestampMs> responseWithin(PriorityBand band, const BandingRules &rules)
{
    switch (band) {
    case PriorityBand::VeryHigh:
        return rules.veryHighWithinMs;
    case PriorityBand::High:
        return rules.highWithinMs;
    case PriorityBand::Medium:
        return rules.mediumWithinMs;
    case PriorityBand::Low:
        return rules.lowWithinMs;
    }
    return std::nullopt;
}

std::optional<TimestampMs> responseDeadline(PriorityBand band, TimestampMs from, const BandingRules &rules)
{
    const auto within = responseWithin(band, rules);
    if (!within)
        return std::nullopt;
    constexpr auto kMax = std::numeric_limits<TimestampMs>::max();
    constexpr auto kMin = std::numeric_limits<TimestampMs>::min();
    if (*within > 0 && from > kMax - *within)
        return kMax;
    if (*within < 0 && from < kMin - *within)
        return kMin;
    return from + *within;
}

} // namespace beatbook
