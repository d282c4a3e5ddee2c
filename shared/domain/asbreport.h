#pragma once

#include "core/clock.h"
#include "core/result.h"
#include "domain/names.h"

#include <optional>
#include <string>

namespace beatbook {

// A person named on a report. Kept in its own record (people table) and
// referenced, so personal data can be protected and removed on its own.
struct PersonDetails {
    std::string name;
    std::string contact; // phone or e-mail, optional
};

// What a PCSO or champion types when logging ASB. Ward, place and the repeat
// check are worked out from it, not typed.
struct NewAsbReport {
    AsbType type = AsbType::Other;
    AsbQualifier qualifier = AsbQualifier::Nuisance;
    bool hate = false;
    TimestampMs occurredAt = 0;
    double lat = 0;
    double lon = 0;
    std::optional<double> accuracyM;
    std::string addressText;
    std::string description;
    std::optional<PersonDetails> reporter;
    std::optional<PersonDetails> victim;
};

struct AsbReport {
    std::string id;
    AsbType type = AsbType::Other;
    AsbQualifier qualifier = AsbQualifier::Nuisance;
    bool hate = false;
    TimestampMs occurredAt = 0;
    TimestampMs loggedAt = 0;
    double lat = 0;
    double lon = 0;
    std::optional<double> accuracyM;
    std::string addressText;
    std::string addressKey;
    std::string placeKey;
    std::optional<std::string> wardCode;
    std::string description;
    std::optional<std::string> reporterId;
    std::optional<std::string> victimId;
    Role sourceRole = Role::Pcso;
    std::string loggedBy;
    AsbStatus status = AsbStatus::Submitted;
    bool repeatVictim = false;
    int priorReports = 0;
    std::optional<std::string> assignedTo;
    std::optional<TimestampMs> reporterInformedAt;
    std::optional<std::string> closeReason;
};

struct AsbReportSettings {
    // A device clock a little ahead is tolerated; a report "in the future"
    // beyond this is a typing mistake.
    TimestampMs maxFutureSkewMs = 5 * 60 * 1000;
    // Older than this is not a field report but a data import.
    TimestampMs maxAgeMs = 5LL * 366 * 24 * 3600 * 1000;
    double maxAccuracyM = 10000;
};

// Checks a report before anything is written. `role` is the logging user's.
Status validateNewAsbReport(const NewAsbReport &report, Role role, TimestampMs now,
                            const AsbReportSettings &settings = {});

} // namespace beatbook
