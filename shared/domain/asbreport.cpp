#include "domain/asbreport.h"

#include "core/text.h"
#include "domain/permissions.h"

#include <cmath>

namespace beatbook {
namespace {

Status validatePerson(std::string_view who, const PersonDetails &person)
{
    if (auto ok = checkText(std::string(who) + " name", person.name, kMaxShortText); !ok)
        return ok;
    if (collapseSpaces(person.name).empty())
        return Error::invalid(std::string(who) + " name is empty");
    return checkText(std::string(who) + " contact", person.contact, kMaxShortText);
}

} // namespace

Status validateNewAsbReport(const NewAsbReport &report, Role role, TimestampMs now,
                            const AsbReportSettings &settings)
{
    if (!can(role, Capability::CreateAsbReport))
        return Error::notAllowed("a " + std::string(toString(role)) + " cannot log ASB reports");
    if (static_cast<std::size_t>(report.type) >= enumCount<AsbType>()
        || static_cast<std::size_t>(report.qualifier) >= enumCount<AsbQualifier>())
        return Error::invalid("unknown ASB type or qualifier");
    if (!std::isfinite(report.lat) || !std::isfinite(report.lon) || report.lat < -90 || report.lat > 90
        || report.lon < -180 || report.lon > 180)
        return Error::invalid("the position must be a latitude in [-90, 90] and a longitude in [-180, 180]");
    if (report.accuracyM
        && (!std::isfinite(*report.accuracyM) || *report.accuracyM < 0 || *report.accuracyM > settings.maxAccuracyM))
        return Error::invalid("the position's accuracy must be between 0 and "
                              + std::to_string(static_cast<int>(settings.maxAccuracyM)) + " metres");
    if (report.occurredAt > now + settings.maxFutureSkewMs)
        return Error::invalid("the time it happened is in the future");
    if (report.occurredAt < now - settings.maxAgeMs)
        return Error::invalid("the time it happened is more than five years ago");
    if (auto ok = checkText("address", report.addressText, kMaxShortText); !ok)
        return ok;
    if (auto ok = checkText("description", report.description, kMaxLongText, true); !ok)
        return ok;
    if (report.reporter)
        if (auto ok = validatePerson("reporter", *report.reporter); !ok)
            return ok;
    if (report.victim)
        if (auto ok = validatePerson("victim", *report.victim); !ok)
            return ok;
    return {};
}

} // namespace beatbook
