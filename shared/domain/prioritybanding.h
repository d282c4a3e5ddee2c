#pragma once

#include "core/clock.h"
#include "core/enumnames.h"
#include "core/result.h"
#include "domain/riskfactor.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace beatbook {

// How soon a referred household must be seen. Declared most urgent first.
enum class PriorityBand { VeryHigh, High, Medium, Low };
template <>
struct EnumNames<PriorityBand> {
    static constexpr std::array<std::string_view, 4> names{"very_high", "high", "medium", "low"};
};

constexpr bool isMoreUrgent(PriorityBand a, PriorityBand b)
{
    return static_cast<int>(a) < static_cast<int>(b);
}
constexpr PriorityBand mostUrgent(PriorityBand a, PriorityBand b)
{
    return isMoreUrgent(a, b) ? a : b;
}

// "Any factor of `anyOf` together with any factor of `withAnyOf` puts the
// household at least in band `atLeast`". Risk in a home is not additive: a
// cigarette is a small risk for someone who can smell smoke and walk out,
// and a fatal one for someone bed-bound, so some pairs decide the band alone.
struct FactorCombination {
    RiskFactors anyOf;
    RiskFactors withAnyOf;
    PriorityBand atLeast = PriorityBand::VeryHigh;
    std::string why; // quoted in the explanation a visitor sees
};

// Weights per factor, indexed by the factor's value.
using RiskWeights = std::array<int, enumCount<RiskFactor>()>;

// The default weights, in the spirit of the fire brigades' person-centred
// risk assessment. 3: what starts a fire (smoking, candles or heaters), what
// makes it burn fiercely (home oxygen), and what stops a person being warned
// or getting out (bed- or chair-bound, no working alarm, hoarding blocking
// the way). 2: other impairments that slow a response (poor mobility, sight
// or hearing loss, mental ill-health or dementia, alcohol or drugs), living
// alone (nobody else to raise the alarm), and materials that feed a fire
// (paraffin-based emollients in bedding, air-flow mattresses). 1: things that
// only add to other risks (age over 70, receiving care, incontinence
// products as fuel). Arson threat is in `alwaysVeryHigh`, so weighs 0.
RiskWeights defaultRiskWeights();

// Two pairs decide the band alone (both very high):
//   - an ignition source (smoker, candles or heaters, home oxygen, paraffin
//     emollients, air-flow mattress) with a reduced ability to respond or
//     escape (poor mobility, bed- or chair-bound, sight or hearing loss,
//     mental ill-health or dementia, alcohol or drugs): the fire starts and
//     the person cannot get out in time;
//   - a flame (smoker, candles or heaters) with an accelerant (home oxygen,
//     paraffin emollients, air-flow mattress): a dropped cigarette becomes a
//     fire that spreads in seconds, whoever is in the room.
std::vector<FactorCombination> defaultFactorCombinations();

// The household's band is the most urgent of: the "always very high"
// factors, every matching combination, and the weighted score against the
// thresholds. Defaults, checked against representative households in the
// tests:
//   - arson threat                                   → very high (always)
//   - smoker who is bed-bound                        → very high (combination)
//   - smoker using home oxygen                       → very high (combination)
//   - hoarder, no smoke alarm, lives alone, over 70  → very high (score 9)
//   - smoker, no smoke alarm                         → high   (score 6)
//   - over 70, living alone, no smoke alarm          → high   (score 6)
//   - smoker living alone                            → medium (score 5)
//   - no smoke alarm only                            → medium (score 3)
//   - over 70 only, or nothing                       → low    (online self-check)
// Response times (domain.md): very high within 4 hours, high 7 days, medium
// 30 days, low has no visit deadline (an online self-check).
struct BandingRules {
    RiskWeights weights = defaultRiskWeights();
    RiskFactors alwaysVeryHigh{RiskFactor::ArsonThreat};
    std::vector<FactorCombination> combinations = defaultFactorCombinations();

    // A score at or above a threshold reaches that band.
    std::int64_t veryHighFromScore = 9;
    std::int64_t highFromScore = 6;
    std::int64_t mediumFromScore = 3;

    // How long the service has to visit; empty means no visit deadline.
    std::optional<TimestampMs> veryHighWithinMs = 4LL * 60 * 60 * 1000;
    std::optional<TimestampMs> highWithinMs = 7LL * 24 * 60 * 60 * 1000;
    std::optional<TimestampMs> mediumWithinMs = 30LL * 24 * 60 * 60 * 1000;
    std::optional<TimestampMs> lowWithinMs = std::nullopt;
};

// Refuses settings that would band nonsensically (negative weights,
// thresholds out of order, non-positive response times).
Status validateBandingRules(const BandingRules &rules);

// The band and why, for the visitor's screen and the audit trail.
struct BandAssessment {
    PriorityBand band = PriorityBand::Low;
    std::int64_t score = 0;
    std::string reason;
};

std::int64_t riskScore(const RiskFactors &factors, const BandingRules &rules = {});
BandAssessment assessBand(const RiskFactors &factors, const BandingRules &rules = {});
PriorityBand computeBand(const RiskFactors &factors, const BandingRules &rules = {});

// How long the band allows, or nothing when the band has no visit deadline.
std::optional<TimestampMs> responseWithin(PriorityBand band, const BandingRules &rules = {});
// `from` plus the band's response time (saturating, never wrapping round).
std::optional<TimestampMs> responseDeadline(PriorityBand band, TimestampMs from,
                                            const BandingRules &rules = {});

} // namespace beatbook
