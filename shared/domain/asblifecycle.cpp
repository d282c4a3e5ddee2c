#include "domain/asblifecycle.h"

#include "core/text.h"
#include "domain/permissions.h"

namespace beatbook {

std::vector<AsbStatus> nextAsbStatuses(AsbStatus from)
{
    switch (from) {
    case AsbStatus::Submitted:
        return {AsbStatus::Triaged};
    case AsbStatus::Triaged:
        return {AsbStatus::Assigned, AsbStatus::Redirected, AsbStatus::NotAsb};
    case AsbStatus::Assigned:
        return {AsbStatus::InAction};
    case AsbStatus::InAction:
        return {AsbStatus::Resolved};
    case AsbStatus::Resolved:
        return {AsbStatus::ReporterInformed, AsbStatus::Closed};
    case AsbStatus::ReporterInformed:
        return {AsbStatus::Closed};
    case AsbStatus::Draft:
    case AsbStatus::Closed:
    case AsbStatus::Redirected:
    case AsbStatus::NotAsb:
        return {};
    }
    return {};
}

Status checkAsbTransition(const AsbReport &report, AsbStatus to, Role role, std::string_view reason)
{
    const std::string from(toString(report.status));
    const std::string target(toString(to));
    bool reachable = false;
    for (AsbStatus next : nextAsbStatuses(report.status))
        reachable = reachable || next == to;
    if (!reachable)
        return Error::notAllowed("a report cannot go from " + from + " to " + target);

    if (auto ok = checkText("reason", reason, kMaxLongText, true); !ok)
        return ok;
    const bool hasReason = !collapseSpaces(reason).empty();

    const Capability needed = to == AsbStatus::ReporterInformed ? Capability::InformReporter
                                                                 : Capability::TriageAssignOutcome;
    if (!can(role, needed))
        return Error::notAllowed("a " + std::string(toString(role)) + " cannot move a report to " + target);

    if ((to == AsbStatus::Redirected || to == AsbStatus::NotAsb) && !hasReason)
        return Error::invalid("say why the report is " + target + " (e.g. recorded as crime reference ...)");
    if (to == AsbStatus::Closed && report.status != AsbStatus::ReporterInformed && !hasReason)
        return Error::invalid("the reporter has not been informed: inform them first, or record why not");
    return {};
}

} // namespace beatbook
