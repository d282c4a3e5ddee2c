#include "analysis/measuresjson.h"

#include "core/isotime.h"

namespace beatbook {
namespace {

using Json = nlohmann::ordered_json;

Json wardJson(const WardFigure &w)
{
    return Json{{"ward_code", w.code},
                {"ward_name", w.name},
                {"reports", w.reports},
                {"reports_last_12_months", w.reportsLast12Months},
                {"rate_per_1000", w.ratePer1000},
                {"population_basis", w.populationBasis}};
}

Json durationJson(const DurationFigure &d)
{
    return Json{{"count", d.count}, {"median_hours", d.medianHours ? Json(*d.medianHours) : Json(nullptr)}};
}

} // namespace

Json measuresToJson(const Measures &m)
{
    Json byWard = Json::array();
    for (const auto &w : m.byWard)
        byWard.push_back(wardJson(w));
    Json topPlaces = Json::array();
    for (const auto &p : m.hotspots.topPlaces)
        topPlaces.push_back(Json{{"place", p.place}, {"reports", p.reports}});
    Json topWards = Json::array();
    for (const auto &w : m.hotspots.topWards)
        topWards.push_back(Json{{"ward_code", w.code}, {"ward_name", w.name}, {"reports", w.reports}});
    Json baselines = Json::array();
    for (const auto &b : m.baselines) {
        Json entry{{"priority", b.priority},
                   {"measure", b.measure},
                   {"baseline_2010_11", b.value ? Json(*b.value) : Json(nullptr)},
                   {"unit", b.unit},
                   {"direction", b.direction},
                   {"note", b.note}};
        if (const auto local = m.localValues.find(b.measure); local != m.localValues.end())
            entry["local_value"] = local->second;
        baselines.push_back(std::move(entry));
    }
    Json ackByBand = Json::object();
    for (const auto &[band, d] : m.timeToAcknowledgementByBand)
        ackByBand[band] = durationJson(d);

    return Json{
        {"ward", m.wardFilter ? Json(*m.wardFilter) : Json(nullptr)},
        {"computed_at", formatIsoTime(m.computedAt)},
        {"population", m.population},
        {"reports_total", m.reportsTotal},
        {"reports_last_12_months", m.reportsLast12Months},
        {"rate_per_1000_last_12_months", m.ratePer1000Last12Months},
        {"outside_borough", m.outsideBorough},
        {"by_ward", byWard},
        {"by_type", m.byType},
        {"by_qualifier", m.byQualifier},
        {"by_month", m.byMonth},
        {"hate_flagged", m.hateFlagged},
        {"victims", m.victims},
        {"repeat_victims", m.repeatVictims},
        {"repeat_victim_share", m.repeatVictimShare},
        {"repeat_reports", m.repeatReports},
        {"repeat_reports_flagged_at_logging", m.repeatReportsFlaggedAtLogging},
        {"flagged_at_first_contact_share", m.flaggedAtFirstContactShare},
        {"reports_with_reporter", m.reportsWithReporter},
        {"reached_outcome", m.reachedOutcome},
        {"reporter_informed", m.reporterInformed},
        {"reporter_informed_share", m.reporterInformedShare},
        {"followed_up_in_time_share", m.followedUpInTimeShare},
        {"time_to_triage", durationJson(m.timeToTriage)},
        {"time_to_assignment", durationJson(m.timeToAssignment)},
        {"time_to_closure", durationJson(m.timeToClosure)},
        {"hotspots",
         Json{{"places", m.hotspots.places},
              {"top_10_percent_share", m.hotspots.top10PercentShare},
              {"top_places", topPlaces},
              {"top_wards", topWards}}},
        {"advice_given", m.adviceGiven},
        {"advice_by_ward", m.adviceByWard},
        {"cocooning",
         Json{{"operations", m.cocooningOperations},
              {"targets", m.cocooningTargets},
              {"targets_visited", m.cocooningTargetsVisited},
              {"coverage", m.cocooningCoverage},
              {"victims_advised_within_48h_share", m.burglaryVictimsAdvisedIn48hShare}}},
        {"referrals",
         Json{{"total", m.referrals},
              {"sent_or_later", m.referralsSentOrLater},
              {"with_consent_or_override_share", m.referralsWithConsentOrOverrideShare},
              {"by_ward", m.referralsByWard},
              {"time_to_acknowledgement_by_band", ackByBand}}},
        {"joint_patrol_hours", m.jointPatrolHours},
        {"joint_patrol_hours_by_ward", m.jointPatrolHoursByWard},
        {"baselines", baselines},
    };
}

} // namespace beatbook
