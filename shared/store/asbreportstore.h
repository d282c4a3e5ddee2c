#pragma once

#include "core/result.h"
#include "domain/asbreport.h"
#include "domain/repeatvictimrule.h"
#include "store/devicestore.h"

#include <optional>
#include <string>
#include <vector>

namespace beatbook {

class WardBoundaries;

// What the logging officer is told on the spot.
struct LoggedAsbReport {
    AsbReport report;
    int priorReports = 0;   // distinct earlier reports for the victim or address in the window
    bool repeatVictim = false;
};

struct ReportEvent {
    std::string id;
    std::string reportId;
    std::string kind; // transition, follow_up, note
    std::optional<std::string> fromStatus;
    std::optional<std::string> toStatus;
    std::string text;
    TimestampMs at = 0;
    std::string author;
    std::string authorRole;
};

struct AsbReportFilter {
    std::optional<std::string> wardCode;
    std::optional<AsbStatus> status;
    int limit = 1000;
};

// Logging, reading and moving ASB reports on the device.
class AsbReportStore {
public:
    AsbReportStore(DeviceStore &store, const WardBoundaries &wards, RepeatVictimRule rule = {},
                   AsbReportSettings settings = {});

    // Validates, finds the ward, runs the repeat check and writes the report,
    // its people and its outbox entries in one transaction.
    Result<LoggedAsbReport> log(const NewAsbReport &input);

    // The repeat rule's count for a victim key and/or address key at time T.
    Result<int> countPriorReports(const std::optional<std::string> &victimKey,
                                  const std::optional<std::string> &addressKey, TimestampMs occurredAt);

    Result<AsbReport> get(const std::string &id);
    Result<std::vector<AsbReport>> list(const AsbReportFilter &filter = {});

    // Moves a report along its lifecycle as the device's user.
    Result<AsbReport> transition(const std::string &id, AsbStatus to, const std::string &reason,
                                 const std::optional<std::string> &assignee = std::nullopt);
    // Appends a follow-up or note (kind "follow_up" or "note").
    Result<ReportEvent> addFollowUp(const std::string &id, const std::string &kind, const std::string &text);
    Result<std::vector<ReportEvent>> events(const std::string &reportId);

    // The named people on a report, for the device's own user.
    Result<std::optional<PersonDetails>> person(const std::optional<std::string> &personId);

private:
    DeviceStore &m_store;
    const WardBoundaries &m_wards;
    RepeatVictimRule m_rule;
    AsbReportSettings m_settings;
};

} // namespace beatbook
