#include "analysis/measures.h"

#include "core/isotime.h"
#include "datapack/datapack.h"
#include "domain/names.h"
#include "store/database.h"
#include "store/query.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <unordered_map>

namespace beatbook {
namespace {

constexpr TimestampMs kYearMs = 365LL * 24 * 3600 * 1000;
constexpr double kHourMs = 3600.0 * 1000.0;

// Runs a query with the ward filter bound as ?1 (NULL for the borough) and
// calls fn for every row.
Status eachRow(Database &db, const std::string &sql, const std::optional<std::string> &ward,
               const std::function<void(const Statement &)> &fn)
{
    return forEachRow(db, sql, [&](Statement &s) { s.bindOptional(1, ward); }, fn);
}

double share(long long part, long long whole) { return whole > 0 ? static_cast<double>(part) / static_cast<double>(whole) : 0.0; }

DurationFigure medianOf(std::vector<double> hours)
{
    DurationFigure figure;
    figure.count = static_cast<long long>(hours.size());
    if (hours.empty())
        return figure;
    std::sort(hours.begin(), hours.end());
    const std::size_t mid = hours.size() / 2;
    figure.medianHours = hours.size() % 2 ? hours[mid] : (hours[mid - 1] + hours[mid]) / 2.0;
    return figure;
}

struct ReportRow {
    std::string id;
    TimestampMs occurredAt;
    std::string victimKey;
    std::string addressKey;
    bool flagged;
};

// Applies the repeat rule in hindsight to every report: its priors are the
// other reports matching its victim or address that occurred in the window
// before it (ties in time are ordered by id, as they were logged). Counted
// with sliding windows: |victim| + |address| - |both|, so a report matching
// both ways counts once.
void countRepeats(std::vector<ReportRow> rows, const RepeatVictimRule &rule, Measures &m)
{
    std::sort(rows.begin(), rows.end(), [](const ReportRow &a, const ReportRow &b) {
        return a.occurredAt != b.occurredAt ? a.occurredAt < b.occurredAt : a.id < b.id;
    });
    std::unordered_map<std::string, long long> byVictim, byAddress, byBoth;
    std::unordered_map<std::string, bool> identities; // identity -> is a repeat victim
    std::size_t tail = 0;
    auto both = [](const ReportRow &r) { return r.victimKey + '\x1f' + r.addressKey; };
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const ReportRow &r = rows[i];
        while (rows[tail].occurredAt < r.occurredAt - rule.windowMs) {
            const ReportRow &old = rows[tail++];
            if (!old.victimKey.empty())
                --byVictim[old.victimKey];
            if (!old.addressKey.empty())
                --byAddress[old.addressKey];
            if (!old.victimKey.empty() && !old.addressKey.empty())
                --byBoth[both(old)];
        }
        long long prior = 0;
        if (!r.victimKey.empty())
            prior += byVictim[r.victimKey];
        if (!r.addressKey.empty())
            prior += byAddress[r.addressKey];
        if (!r.victimKey.empty() && !r.addressKey.empty())
            prior -= byBoth[both(r)];

        const std::string identity = !r.victimKey.empty() ? "v:" + r.victimKey : "a:" + r.addressKey;
        const bool repeat = rule.isRepeat(static_cast<int>(prior));
        identities[identity] = identities[identity] || repeat;
        if (repeat) {
            ++m.repeatReports;
            if (r.flagged)
                ++m.repeatReportsFlaggedAtLogging;
        }
        if (!r.victimKey.empty())
            ++byVictim[r.victimKey];
        if (!r.addressKey.empty())
            ++byAddress[r.addressKey];
        if (!r.victimKey.empty() && !r.addressKey.empty())
            ++byBoth[both(r)];
    }
    m.victims = static_cast<long long>(identities.size());
    m.repeatVictims = std::count_if(identities.begin(), identities.end(), [](const auto &e) { return e.second; });
    m.repeatVictimShare = share(m.repeatVictims, m.victims);
    m.flaggedAtFirstContactShare = share(m.repeatReportsFlaggedAtLogging, m.repeatReports);
}

} // namespace

Result<Measures> computeMeasures(Database &db, const DataPack &pack, TimestampMs now,
                                 const std::optional<std::string> &wardCode, const MeasureSettings &settings)
{
    if (wardCode && !pack.wards().find(*wardCode))
        return Error::invalid("unknown ward code " + *wardCode + " (wards are named by their 2022 codes, e.g. E05013628)");
    Measures m;
    m.wardFilter = wardCode;
    m.computedAt = now;
    m.population = wardCode && pack.wardPopulation(*wardCode) ? *pack.wardPopulation(*wardCode) : pack.population();
    m.baselines = pack.baselines();
    const std::string wardClause = " (?1 IS NULL OR ward_code = ?1) ";
    const TimestampMs yearAgo = now - kYearMs;

    // Reports: totals, wards, types, qualifiers, months, repeat inputs.
    std::map<std::string, WardFigure> wards;
    for (const auto &ward : pack.wards().wards())
        if (!wardCode || ward.code == *wardCode)
            wards[ward.code] = WardFigure{ward.code, ward.name, 0, 0, 0, ""};
    std::vector<ReportRow> repeatRows;
    std::map<std::string, long long> places;
    Status read = eachRow(
        db,
        "SELECT id, ward_code, type, qualifier, hate, occurred_at, victim_key, address_key, repeat_victim, "
        "place_key, reporter_id IS NOT NULL, status, reporter_informed_at IS NOT NULL FROM asb_reports WHERE"
            + wardClause,
        wardCode, [&](const Statement &s) {
            ++m.reportsTotal;
            const TimestampMs occurred = s.columnInt(5);
            const bool recent = occurred > yearAgo && occurred <= now;
            if (recent)
                ++m.reportsLast12Months;
            if (s.isNull(1)) {
                ++m.outsideBorough;
            } else if (auto found = wards.find(s.columnText(1)); found != wards.end()) {
                ++found->second.reports;
                if (recent)
                    ++found->second.reportsLast12Months;
            }
            ++m.byType[s.columnText(2)];
            ++m.byQualifier[s.columnText(3)];
            if (s.columnInt(4) != 0)
                ++m.hateFlagged;
            if (recent)
                ++m.byMonth[formatIsoTime(occurred).substr(0, 7)];
            if (!s.isNull(6) || !s.isNull(7))
                repeatRows.push_back({s.columnText(0), occurred, s.columnText(6), s.columnText(7), s.columnInt(8) != 0});
            ++places[s.columnText(9)];
            if (s.columnInt(10) != 0) {
                ++m.reportsWithReporter;
                const std::string status = s.columnText(11);
                if (status == toString(AsbStatus::Resolved) || status == toString(AsbStatus::ReporterInformed)
                    || status == toString(AsbStatus::Closed)) {
                    ++m.reachedOutcome;
                    if (s.columnInt(12) != 0)
                        ++m.reporterInformed;
                }
            }
        });
    if (!read)
        return read.error();

    for (auto &[code, figure] : wards) {
        const auto wardPopulation = pack.wardPopulation(code);
        const long long population = wardPopulation ? *wardPopulation : pack.population();
        figure.populationBasis = wardPopulation ? "ward" : "borough";
        figure.ratePer1000 = population > 0 ? 1000.0 * static_cast<double>(figure.reportsLast12Months)
                / static_cast<double>(population)
                                            : 0.0;
        m.byWard.push_back(figure);
    }
    m.ratePer1000Last12Months = m.population > 0 ? 1000.0 * static_cast<double>(m.reportsLast12Months)
            / static_cast<double>(m.population)
                                                 : 0.0;
    m.reporterInformedShare = share(m.reporterInformed, m.reachedOutcome);
    countRepeats(std::move(repeatRows), settings.repeatRule, m);
    // The strategy left this baseline "to be established": this is how.
    m.localValues["Repeat victimisation: ASB"] = m.repeatVictimShare * 100.0;

    // Hotspots.
    std::vector<PlaceFigure> placeList;
    for (const auto &[place, count] : places)
        placeList.push_back({place, count});
    std::sort(placeList.begin(), placeList.end(), [](const PlaceFigure &a, const PlaceFigure &b) {
        return a.reports != b.reports ? a.reports > b.reports : a.place < b.place;
    });
    m.hotspots.places = static_cast<long long>(placeList.size());
    const auto topDecile = static_cast<std::size_t>(std::ceil(static_cast<double>(placeList.size()) / 10.0));
    long long inTop = 0;
    for (std::size_t i = 0; i < topDecile && i < placeList.size(); ++i)
        inTop += placeList[i].reports;
    m.hotspots.top10PercentShare = share(inTop, m.reportsTotal);
    placeList.resize(std::min(placeList.size(), static_cast<std::size_t>(std::max(settings.topPlaces, 0))));
    m.hotspots.topPlaces = placeList;
    m.hotspots.topWards = m.byWard;
    std::sort(m.hotspots.topWards.begin(), m.hotspots.topWards.end(), [](const WardFigure &a, const WardFigure &b) {
        return a.reports != b.reports ? a.reports > b.reports : a.code < b.code;
    });
    m.hotspots.topWards.erase(std::remove_if(m.hotspots.topWards.begin(), m.hotspots.topWards.end(),
                                             [](const WardFigure &w) { return w.reports == 0; }),
                              m.hotspots.topWards.end());
    if (m.hotspots.topWards.size() > static_cast<std::size_t>(std::max(settings.topPlaces, 0)))
        m.hotspots.topWards.resize(static_cast<std::size_t>(settings.topPlaces));

    // Follow-up in time and the lifecycle's durations, from the events.
    std::unordered_map<std::string, TimestampMs> firstFollowUp;
    std::vector<double> triage, assignment, closure;
    long long loggedBeforeCutoff = 0, followedInTime = 0;
    read = eachRow(db,
                   "SELECT r.id, r.logged_at, e.kind, e.to_status, MIN(e.at) FROM asb_reports r "
                   "LEFT JOIN report_events e ON e.report_id = r.id WHERE"
                       + std::string(" (?1 IS NULL OR r.ward_code = ?1) ")
                       + "GROUP BY r.id, e.kind, e.to_status",
                   wardCode, [&](const Statement &s) {
                       const std::string id = s.columnText(0);
                       const TimestampMs logged = s.columnInt(1);
                       if (s.isNull(2)) {
                           firstFollowUp.emplace(id, -1);
                           return;
                       }
                       const TimestampMs at = s.columnInt(4);
                       auto [it, inserted] = firstFollowUp.emplace(id, at);
                       if (!inserted && (it->second < 0 || at < it->second))
                           it->second = at;
                       const double hours = static_cast<double>(at - logged) / kHourMs;
                       const std::string to = s.columnText(3);
                       if (to == toString(AsbStatus::Triaged))
                           triage.push_back(hours);
                       else if (to == toString(AsbStatus::Assigned))
                           assignment.push_back(hours);
                       else if (to == toString(AsbStatus::Closed))
                           closure.push_back(hours);
                   });
    if (!read)
        return read.error();
    std::unordered_map<std::string, TimestampMs> loggedAt;
    read = eachRow(db, "SELECT id, logged_at FROM asb_reports WHERE" + wardClause, wardCode,
                   [&](const Statement &s) { loggedAt.emplace(s.columnText(0), s.columnInt(1)); });
    if (!read)
        return read.error();
    for (const auto &[id, logged] : loggedAt) {
        // Only reports whose follow-up deadline has passed can be judged.
        if (logged + settings.followUpWithinMs > now)
            continue;
        ++loggedBeforeCutoff;
        const auto first = firstFollowUp.find(id);
        if (first != firstFollowUp.end() && first->second >= 0 && first->second - logged <= settings.followUpWithinMs)
            ++followedInTime;
    }
    m.followedUpInTimeShare = share(followedInTime, loggedBeforeCutoff);
    m.timeToTriage = medianOf(triage);
    m.timeToAssignment = medianOf(assignment);
    m.timeToClosure = medianOf(closure);

    // Advice given, by ward.
    read = eachRow(db, "SELECT COALESCE(ward_code, ''), COUNT(*) FROM advice_given WHERE" + wardClause + "GROUP BY 1",
                   wardCode, [&](const Statement &s) {
                       m.adviceGiven += s.columnInt(1);
                       if (!s.columnText(0).empty())
                           m.adviceByWard[s.columnText(0)] = s.columnInt(1);
                   });
    if (!read)
        return read.error();

    // Cocooning: coverage, and burglary victims advised within 48 hours.
    long long victimsAdvised = 0;
    read = eachRow(db,
                   "SELECT o.id, (SELECT COUNT(*) FROM cocooning_targets t WHERE t.operation_id = o.id),"
                   " (SELECT COUNT(DISTINCT a.target_id) FROM advice_given a WHERE a.operation_id = o.id"
                   "  AND a.target_id IS NOT NULL),"
                   " EXISTS (SELECT 1 FROM advice_given a WHERE a.operation_id = o.id AND a.recipient_kind = 'victim'"
                   "  AND a.given_at <= o.burglary_at + "
                       + std::to_string(settings.adviceWithinMs) + ")"
                   " FROM cocooning_operations o WHERE (?1 IS NULL OR o.ward_code = ?1)",
                   wardCode, [&](const Statement &s) {
                       ++m.cocooningOperations;
                       m.cocooningTargets += s.columnInt(1);
                       m.cocooningTargetsVisited += s.columnInt(2);
                       victimsAdvised += s.columnInt(3);
                   });
    if (!read)
        return read.error();
    m.cocooningCoverage = share(m.cocooningTargetsVisited, m.cocooningTargets);
    m.burglaryVictimsAdvisedIn48hShare = share(victimsAdvised, m.cocooningOperations);

    // Referrals: by ward, consent or approved override, time to acknowledgement.
    long long consented = 0;
    std::map<std::string, std::vector<double>> ackHours;
    read = eachRow(db,
                   "SELECT COALESCE(ward_code, ''), status, consent_id IS NOT NULL, override_approved_at IS NOT NULL,"
                   " priority_band, created_at, acknowledged_at, sent_at FROM referrals WHERE"
                       + wardClause,
                   wardCode, [&](const Statement &s) {
                       ++m.referrals;
                       if (!s.columnText(0).empty())
                           ++m.referralsByWard[s.columnText(0)];
                       if (!s.isNull(7)) {
                           ++m.referralsSentOrLater;
                           if (s.columnInt(2) != 0 || s.columnInt(3) != 0)
                               ++consented;
                       }
                       if (!s.isNull(6))
                           ackHours[s.columnText(4)].push_back(static_cast<double>(s.columnInt(6) - s.columnInt(5))
                                                               / kHourMs);
                   });
    if (!read)
        return read.error();
    m.referralsWithConsentOrOverrideShare = share(consented, m.referralsSentOrLater);
    for (auto &[band, hours] : ackHours)
        m.timeToAcknowledgementByBand[band] = medianOf(std::move(hours));

    // Joint patrol hours by ward (closed patrols only).
    read = eachRow(db, "SELECT ward_code, SUM(ended_at - started_at) FROM joint_patrols WHERE ended_at IS NOT NULL AND"
                           + wardClause + "GROUP BY ward_code",
                   wardCode, [&](const Statement &s) {
                       const double hours = static_cast<double>(s.columnInt(1)) / kHourMs;
                       m.jointPatrolHours += hours;
                       m.jointPatrolHoursByWard[s.columnText(0)] = hours;
                   });
    if (!read)
        return read.error();
    return m;
}

} // namespace beatbook
