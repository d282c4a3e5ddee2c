#include "cliformat.h"
#include "commands.h"

#include "core/isotime.h"
#include "core/text.h"
#include "store/patrolstore.h"

#include <cstdio>

namespace beatbook::field {
namespace {

// "Sam Jones:champion": the name, then the role after the last colon.
Result<PatrolParticipant> parseParticipant(const std::string &text)
{
    if (auto ok = checkText("--participant", text, kMaxShortText); !ok)
        return ok.error();
    const auto colon = text.rfind(':');
    if (colon == std::string::npos)
        return Error::invalid("--participant \"" + text + "\" is not of the form \"NAME:ROLE\"");
    auto role = parseEnum<Role>("role", collapseSpaces(text.substr(colon + 1)));
    if (!role)
        return Error::invalid("--participant \"" + text + "\": " + role.error().message);
    return PatrolParticipant{text.substr(0, colon), *role};
}

std::string hoursText(double hours)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2f", hours);
    return buffer;
}

Json patrolJson(const JointPatrol &p, const DataPack &pack)
{
    const auto *ward = pack.wards().find(p.wardCode);
    Json participants = Json::array();
    for (const auto &person : p.participants)
        participants.push_back(Json{{"name", person.name}, {"role", toString(person.role)}});
    return Json{{"id", p.id},
                {"ward_code", p.wardCode},
                {"ward_name", ward ? Json(ward->name) : Json(nullptr)},
                {"started_at", formatIsoTime(p.startedAt)},
                {"ended_at", timeOrNull(p.endedAt)},
                {"hours", patrolHours(p)},
                {"participants", participants}};
}

std::string patrolLine(const JointPatrol &p)
{
    std::string names;
    for (const auto &person : p.participants)
        names += (names.empty() ? "" : ", ") + person.name + " (" + std::string(toString(person.role)) + ")";
    return p.id + "  " + p.wardCode + "  " + formatIsoTime(p.startedAt).substr(0, 16) + "  "
        + (p.endedAt ? hoursText(patrolHours(p)) + " h" : std::string("open")) + "  " + names;
}

Json observationJson(const PatrolObservation &o)
{
    return Json{{"id", o.id},
                {"patrol_id", o.patrolId},
                {"at", formatIsoTime(o.at)},
                {"text", o.text},
                {"lat", o.position ? Json(o.position->lat) : Json(nullptr)},
                {"lon", o.position ? Json(o.position->lon) : Json(nullptr)},
                {"author", o.author}};
}

} // namespace

void addPatrolCommands(CommandSet &set)
{
    FieldContext &ctx = set.ctx;
    int &exitCode = set.exitCode;

    auto *group = set.app.add_subcommand("patrol", "Joint champion-PCSO patrols and what they saw");
    group->require_subcommand(1);

    // patrol start
    struct StartOptions {
        std::string ward, at;
        std::vector<std::string> participants;
    };
    auto start = std::make_shared<StartOptions>();
    auto *startCmd = group->add_subcommand("start", "Start a joint patrol");
    startCmd->add_option("--ward", start->ward, "Ward patrolled (2022 code)")->required();
    startCmd->add_option("--participant", start->participants,
                         "\"NAME:ROLE\", e.g. \"Sam Jones:champion\"; repeatable (a champion and a pcso at least)")
        ->required();
    startCmd->add_option("--at", start->at, "When it started, ISO 8601 with zone (default: now)");
    startCmd->callback([&ctx, &exitCode, start] {
        auto at = parseOptionalTime(start->at);
        if (!at) {
            exitCode = ctx.fail(at.error());
            return;
        }
        std::vector<PatrolParticipant> participants;
        for (const auto &text : start->participants) {
            auto person = parseParticipant(text);
            if (!person) {
                exitCode = ctx.fail(person.error());
                return;
            }
            participants.push_back(std::move(*person));
        }
        ctx.run(exitCode, [&](DeviceStore &store, const DataPack &pack) -> Status {
            PatrolStore patrols(store, pack.wards());
            auto patrol = patrols.start(start->ward, participants, *at);
            if (!patrol)
                return patrol.error();
            const auto *ward = pack.wards().find(patrol->wardCode);
            ctx.print(patrolJson(*patrol, pack),
                      "Started patrol " + patrol->id + " in " + (ward ? ward->name : patrol->wardCode));
            return {};
        });
    });

    // patrol observe
    struct ObserveOptions {
        std::string id, text, at;
        std::optional<double> lat, lon;
    };
    auto observe = std::make_shared<ObserveOptions>();
    auto *observeCmd = group->add_subcommand("observe", "Note what the patrol saw (append-only)");
    observeCmd->add_option("patrol", observe->id, "Patrol id")->required();
    observeCmd->add_option("--text", observe->text, "What was seen")->required();
    observeCmd->add_option("--at", observe->at, "When, ISO 8601 with zone (default: now)");
    observeCmd->add_option("--lat", observe->lat, "Latitude, WGS84 degrees")->check(decimalNumber());
    observeCmd->add_option("--lon", observe->lon, "Longitude, WGS84 degrees")->check(decimalNumber());
    observeCmd->callback([&ctx, &exitCode, observe] {
        auto at = parseOptionalTime(observe->at);
        Status checked = at ? checkText("--text", observe->text, kMaxLongText, true) : Status(at.error());
        if (checked && observe->lat.has_value() != observe->lon.has_value())
            checked = Error::invalid("give both --lat and --lon, or neither");
        std::optional<GeoPoint> position;
        if (checked && observe->lat) {
            checked = validateCoordinates(*observe->lat, *observe->lon);
            position = GeoPoint{*observe->lat, *observe->lon};
        }
        if (!checked) {
            exitCode = ctx.fail(checked.error());
            return;
        }
        ctx.run(exitCode, [&](DeviceStore &store, const DataPack &pack) -> Status {
            PatrolStore patrols(store, pack.wards());
            auto seen = patrols.observe(observe->id, observe->text, *at, position);
            if (!seen)
                return seen.error();
            ctx.print(observationJson(*seen), "Noted " + seen->id + " on patrol " + seen->patrolId);
            return {};
        });
    });

    // patrol end
    struct EndOptions {
        std::string id, at;
    };
    auto end = std::make_shared<EndOptions>();
    auto *endCmd = group->add_subcommand("end", "End an open patrol");
    endCmd->add_option("patrol", end->id, "Patrol id")->required();
    endCmd->add_option("--at", end->at, "When it ended, ISO 8601 with zone (default: now)");
    endCmd->callback([&ctx, &exitCode, end] {
        auto at = parseOptionalTime(end->at);
        if (!at) {
            exitCode = ctx.fail(at.error());
            return;
        }
        ctx.run(exitCode, [&](DeviceStore &store, const DataPack &pack) -> Status {
            PatrolStore patrols(store, pack.wards());
            auto patrol = patrols.end(end->id, *at);
            if (!patrol)
                return patrol.error();
            ctx.print(patrolJson(*patrol, pack),
                      "Ended patrol " + patrol->id + " after " + hoursText(patrolHours(*patrol)) + " h");
            return {};
        });
    });

    // patrol list
    struct ListOptions {
        std::string ward;
        bool open = false;
        int limit = 1000;
    };
    auto list = std::make_shared<ListOptions>();
    auto *listCmd = group->add_subcommand("list", "Patrols, newest first");
    listCmd->add_option("--ward", list->ward, "Only this ward (2022 code)");
    listCmd->add_flag("--open", list->open, "Only patrols not yet ended");
    listCmd->add_option("--limit", list->limit, "At most this many (default 1000)")->check(CLI::Range(1, 1000000));
    listCmd->callback([&ctx, &exitCode, list] {
        ctx.run(exitCode, [&](DeviceStore &store, const DataPack &pack) -> Status {
            PatrolStore patrols(store, pack.wards());
            PatrolFilter filter;
            filter.openOnly = list->open;
            filter.limit = list->limit;
            if (!list->ward.empty()) {
                if (!pack.wards().find(list->ward))
                    return Error::invalid("unknown ward code " + collapseSpaces(list->ward).substr(0, 40));
                filter.wardCode = list->ward;
            }
            auto found = patrols.list(filter);
            if (!found)
                return found.error();
            Json out = Json::array();
            std::string text;
            for (const auto &p : *found) {
                out.push_back(patrolJson(p, pack));
                text += patrolLine(p) + "\n";
            }
            ctx.print(out, text.empty() ? "No patrols." : text);
            return {};
        });
    });

    // patrol show
    auto showId = std::make_shared<std::string>();
    auto *showCmd = group->add_subcommand("show", "One patrol with its observations");
    showCmd->add_option("patrol", *showId, "Patrol id")->required();
    showCmd->callback([&ctx, &exitCode, showId] {
        ctx.run(exitCode, [&](DeviceStore &store, const DataPack &pack) -> Status {
            PatrolStore patrols(store, pack.wards());
            auto patrol = patrols.get(*showId);
            if (!patrol)
                return patrol.error();
            auto notes = patrols.observations(patrol->id);
            if (!notes)
                return notes.error();
            Json out = patrolJson(*patrol, pack);
            Json observations = Json::array();
            std::string text = patrolLine(*patrol) + "\n";
            for (const auto &o : *notes) {
                observations.push_back(observationJson(o));
                text += "  " + formatIsoTime(o.at).substr(0, 16) + "Z  " + o.text + " (" + o.author + ")\n";
            }
            out["observations"] = observations;
            ctx.print(out, text);
            return {};
        });
    });
}

} // namespace beatbook::field
