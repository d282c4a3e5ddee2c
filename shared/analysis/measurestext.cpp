#include "analysis/measurestext.h"

#include <cstdio>

namespace beatbook {
namespace {

std::string percent(double share)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f%%", share * 100.0);
    return buf;
}

std::string number(double value)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", value);
    return buf;
}

std::string compact(double value)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", value);
    return buf;
}

} // namespace

std::string measuresToText(const Measures &m)
{
    std::string t = "Reports: " + std::to_string(m.reportsTotal) + " in all, " + std::to_string(m.reportsLast12Months)
        + " in the last 12 months (" + number(m.ratePer1000Last12Months) + " per 1,000 residents)\n";
    if (m.outsideBorough)
        t += "Outside the borough: " + std::to_string(m.outsideBorough) + "\n";
    t += "By ward (rolling 12 months, per 1,000 residents):\n";
    for (const auto &w : m.byWard)
        if (w.reports)
            t += "  " + w.code + " " + w.name + ": " + std::to_string(w.reports) + " (" + number(w.ratePer1000)
                + " per 1,000, " + w.populationBasis + " population)\n";
    t += "Repeat victims: " + std::to_string(m.repeatVictims) + " of " + std::to_string(m.victims) + " ("
        + percent(m.repeatVictimShare) + "); flagged at first contact: " + percent(m.flaggedAtFirstContactShare) + "\n";
    t += "Reporters informed of the outcome: " + std::to_string(m.reporterInformed) + " of "
        + std::to_string(m.reachedOutcome) + " (" + percent(m.reporterInformedShare) + ")\n";
    t += "Followed up in time: " + percent(m.followedUpInTimeShare) + "\n";
    t += "Hotspots: " + std::to_string(m.hotspots.places) + " places; top 10% hold "
        + percent(m.hotspots.top10PercentShare) + " of reports\n";
    for (const auto &p : m.hotspots.topPlaces)
        t += "  " + p.place + ": " + std::to_string(p.reports) + "\n";
    t += "Advice given: " + std::to_string(m.adviceGiven) + "; cocooning coverage " + percent(m.cocooningCoverage)
        + " of " + std::to_string(m.cocooningTargets) + " addresses\n";
    t += "Referrals: " + std::to_string(m.referrals) + "; sent with consent or approved override "
        + percent(m.referralsWithConsentOrOverrideShare) + "\n";
    t += "Joint patrol hours: " + number(m.jointPatrolHours) + "\n";
    t += "Strategy baselines (2010/11):\n";
    for (const auto &b : m.baselines)
        t += "  [" + std::to_string(b.priority) + "] " + b.measure + ": "
            + (b.value ? compact(*b.value) + " " + b.unit : std::string("to be established")) + " (" + b.direction
            + ")"
            + (m.localValues.count(b.measure) ? "; now " + compact(m.localValues.at(b.measure)) + " " + b.unit : "")
            + "\n";
    return t;
}


} // namespace beatbook
