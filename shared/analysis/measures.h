#pragma once

#include "core/clock.h"
#include "core/result.h"
#include "datapack/baseline.h"
#include "domain/repeatvictimrule.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace beatbook {

class Database;
class DataPack;

// Settings behind the measures: every one a default a partnership may change.
struct MeasureSettings {
    RepeatVictimRule repeatRule;
    TimestampMs followUpWithinMs = 48LL * 3600 * 1000;  // "followed up within the agreed time"
    TimestampMs adviceWithinMs = 48LL * 3600 * 1000;    // burglary victims advised within 48 h
    int topPlaces = 10;
};

struct WardFigure {
    std::string code;
    std::string name;
    long long reports = 0;            // all time
    long long reportsLast12Months = 0;
    double ratePer1000 = 0;           // rolling 12 months per 1,000 residents
    std::string populationBasis;      // "ward" or "borough" (no ward figure in the pack)
};

struct PlaceFigure {
    std::string place;                // normalised address, or a ~100 m cell
    long long reports = 0;
};

struct Hotspots {
    std::vector<PlaceFigure> topPlaces;
    std::vector<WardFigure> topWards;
    long long places = 0;
    double top10PercentShare = 0;     // share of reports in the top 10% of places
};

struct DurationFigure {
    long long count = 0;
    std::optional<double> medianHours;
};

// The measures of domain.md that the device's (or server's) data supports,
// for the whole borough or one ward.
struct Measures {
    std::optional<std::string> wardFilter;
    TimestampMs computedAt = 0;
    long long population = 0;
    long long reportsTotal = 0;
    long long reportsLast12Months = 0;
    double ratePer1000Last12Months = 0;
    long long outsideBorough = 0;
    std::vector<WardFigure> byWard;
    std::map<std::string, long long> byType;
    std::map<std::string, long long> byQualifier;
    std::map<std::string, long long> byMonth;   // "YYYY-MM", last 12 months
    long long hateFlagged = 0;

    // Repeat victimisation (victim, or address where no victim is named).
    long long victims = 0;
    long long repeatVictims = 0;
    double repeatVictimShare = 0;
    long long repeatReports = 0;               // reports that are repeats by the rule, in hindsight
    long long repeatReportsFlaggedAtLogging = 0;
    double flaggedAtFirstContactShare = 0;

    // Follow-up and keeping the reporter informed.
    long long reportsWithReporter = 0;
    long long reachedOutcome = 0;              // resolved or later, with a reporter
    long long reporterInformed = 0;
    double reporterInformedShare = 0;
    double followedUpInTimeShare = 0;
    DurationFigure timeToTriage, timeToAssignment, timeToClosure;

    Hotspots hotspots;

    // Crime prevention, cocooning, referrals, patrols.
    long long adviceGiven = 0;
    long long cocooningOperations = 0;
    long long cocooningTargets = 0;
    long long cocooningTargetsVisited = 0;
    double cocooningCoverage = 0;
    double burglaryVictimsAdvisedIn48hShare = 0;
    long long referrals = 0;
    long long referralsSentOrLater = 0;
    double referralsWithConsentOrOverrideShare = 0;
    std::map<std::string, long long> referralsByWard;
    std::map<std::string, DurationFigure> timeToAcknowledgementByBand;
    double jointPatrolHours = 0;
    std::map<std::string, double> jointPatrolHoursByWard;
    std::map<std::string, long long> adviceByWard;

    std::vector<Baseline> baselines;
    // Today's value, in the baseline's own unit, for the baselines the local
    // data measures directly (keyed by the baseline's measure name).
    std::map<std::string, double> localValues;
};

Result<Measures> computeMeasures(Database &db, const DataPack &pack, TimestampMs now,
                                 const std::optional<std::string> &wardCode = std::nullopt,
                                 const MeasureSettings &settings = {});

} // namespace beatbook
