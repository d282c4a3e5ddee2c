#include "domain/jointpatrol.h"

#include "core/isotime.h"
#include "core/text.h"
#include "geo/wardcode.h"

#include <unordered_set>

namespace beatbook {

namespace {

constexpr double kMsPerHour = 60.0 * 60.0 * 1000.0;


std::string minutes(TimestampMs ms) { return std::to_string(ms / 60000) + " min"; }

std::string hours(TimestampMs ms) { return std::to_string(ms / (60LL * 60 * 1000)) + " h"; }

bool isBlank(std::string_view text) { return collapseSpaces(text).empty(); }

} // namespace

Status validatePatrol(const JointPatrol &patrol, const JointPatrolSettings &settings)
{
    if (settings.minParticipants < 2 || settings.maxParticipants < settings.minParticipants
        || settings.maxDurationMs <= 0 || settings.observationGraceMs < 0)
        return Error::invalid("Joint patrol settings need 2 <= minParticipants <= maxParticipants, "
                              "a positive maximum duration and a grace of 0 or more");
    if (!isWardCodeFormat(patrol.wardCode))
        return Error::invalid("The patrol's ward code is not a 2022 ONS ward code (e.g. E05013628)");
    if (patrol.startedAt < 0)
        return Error::invalid("Patrol start time is before 1970; check the date");

    const auto count = static_cast<int>(patrol.participants.size());
    if (count < settings.minParticipants)
        return Error::invalid("A joint patrol needs at least " + std::to_string(settings.minParticipants)
                              + " participants");
    if (count > settings.maxParticipants)
        return Error::invalid("A joint patrol has at most " + std::to_string(settings.maxParticipants)
                              + " participants");

    bool hasChampion = false;
    bool hasPcso = false;
    std::unordered_set<std::string> names;
    for (const auto &p : patrol.participants) {
        if (auto ok = checkText("Participant name", p.name, kMaxShortText); !ok)
            return ok;
        if (isBlank(p.name))
            return Error::invalid("Every patrol participant needs a name");
        if (static_cast<std::size_t>(p.role) >= enumCount<Role>())
            return Error::invalid("Role of " + collapseSpaces(p.name) + " is not one of: " + allNames<Role>());
        // "Sam Jones" and "sam  jones" are one person listed twice.
        if (!names.insert(foldForMatching(p.name)).second)
            return Error::invalid(collapseSpaces(p.name) + " is listed twice on the patrol");
        hasChampion = hasChampion || p.role == Role::Champion;
        hasPcso = hasPcso || p.role == Role::Pcso;
    }
    if (!hasChampion || !hasPcso)
        return Error::invalid("A joint patrol needs at least one Neighbourhood Watch champion and one PCSO");

    if (patrol.endedAt) {
        if (*patrol.endedAt <= patrol.startedAt)
            return Error::invalid("A patrol must end after it started");
        if (*patrol.endedAt - patrol.startedAt > settings.maxDurationMs)
            return Error::invalid("A patrol lasts at most " + hours(settings.maxDurationMs)
                                  + "; check the start and end times");
    }
    return {};
}

Status endPatrol(JointPatrol &patrol, TimestampMs at, const JointPatrolSettings &settings)
{
    if (patrol.endedAt)
        return Error::notAllowed("This patrol has already ended");
    JointPatrol ended = patrol;
    ended.endedAt = at;
    if (auto ok = validatePatrol(ended, settings); !ok)
        return ok;
    patrol.endedAt = at;
    return {};
}

Status validateObservation(const JointPatrol &patrol, const PatrolObservation &observation,
                           const JointPatrolSettings &settings)
{
    if (settings.maxDurationMs <= 0 || settings.observationGraceMs < 0)
        return Error::invalid("Joint patrol settings need a positive maximum duration and a grace of 0 or more");
    if (observation.patrolId != patrol.id)
        return Error::invalid("The observation belongs to a different patrol");
    if (auto ok = checkText("Observation", observation.text, kMaxLongText, true); !ok)
        return ok;
    if (isBlank(observation.text))
        return Error::invalid("The observation has no text");
    if (auto ok = checkText("Observation author", observation.author, kMaxShortText); !ok)
        return ok;
    if (isBlank(observation.author))
        return Error::invalid("The observation has no author");
    if (observation.position) {
        if (auto ok = validateCoordinates(observation.position->lat, observation.position->lon); !ok)
            return Error::invalid("Observation position: " + ok.error().message);
    }

    const TimestampMs grace = settings.observationGraceMs;
    const TimestampMs earliest = patrol.startedAt - grace;
    const TimestampMs latest = (patrol.endedAt ? *patrol.endedAt : patrol.startedAt + settings.maxDurationMs) + grace;
    if (observation.at < earliest || observation.at > latest) {
        const std::string during = patrol.endedAt
            ? "the patrol (" + formatIsoTime(patrol.startedAt) + " to " + formatIsoTime(*patrol.endedAt) + ")"
            : "the open patrol (started " + formatIsoTime(patrol.startedAt) + ", at most "
                + hours(settings.maxDurationMs) + ")";
        return Error::invalid("The observation's time is outside " + during + ", allowing " + minutes(grace)
                              + " either side");
    }
    return {};
}

double patrolHours(const JointPatrol &patrol)
{
    if (!patrol.endedAt || *patrol.endedAt <= patrol.startedAt)
        return 0.0;
    return static_cast<double>(*patrol.endedAt - patrol.startedAt) / kMsPerHour;
}

} // namespace beatbook
