#include "cliformat.h"
#include "commands.h"

#include "core/isotime.h"
#include "core/text.h"
#include "domain/advicelibrary.h"
#include "store/cocooningstore.h"

#include <charconv>
#include <cmath>
#include <map>

namespace beatbook::field {
namespace {

Result<double> parseNumber(std::string_view what, std::string_view text)
{
    while (!text.empty() && text.front() == ' ')
        text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ')
        text.remove_suffix(1);
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value))
        return Error::invalid(std::string(what) + " is not a number");
    return value;
}

// "Acacia Avenue|12=51.6,-0.2": the street and house number as in a range,
// then the door's position.
Status parsePosition(const std::string &text, std::map<std::string, GeoPoint> &positions)
{
    if (auto ok = checkText("--position", text, kMaxShortText); !ok)
        return ok;
    const auto equals = text.rfind('=');
    const auto comma = equals == std::string::npos ? std::string::npos : text.find(',', equals);
    if (equals == std::string::npos || comma == std::string::npos || text.find('|') > equals)
        return Error::invalid("--position \"" + text + "\" is not of the form \"Street|number=lat,lon\"");
    auto lat = parseNumber("the latitude of --position \"" + text + "\"",
                           std::string_view(text).substr(equals + 1, comma - equals - 1));
    if (!lat)
        return lat.error();
    auto lon = parseNumber("the longitude of --position \"" + text + "\"", std::string_view(text).substr(comma + 1));
    if (!lon)
        return lon.error();
    if (auto ok = validateCoordinates(*lat, *lon); !ok)
        return Error::invalid("--position \"" + text + "\": " + ok.error().message);
    const std::string key = text.substr(0, equals);
    if (!positions.emplace(key, GeoPoint{*lat, *lon}).second)
        return Error::invalid("--position for \"" + key + "\" is given twice");
    return {};
}

std::string wardLabel(const DataPack &pack, const std::string &code)
{
    const auto *ward = pack.wards().find(code);
    return ward ? ward->name + " (" + code + ")" : code;
}

Json coverageJson(const CocooningCoverage &c)
{
    return Json{{"targets", c.targets},
                {"visited", c.visited},
                {"in_person", c.inPerson},
                {"card_left", c.cardLeft},
                {"declined", c.declined},
                {"visited_in_window", c.visitedInWindow},
                {"share", c.share},
                {"share_in_window", c.shareInWindow}};
}

std::string coverageText(const CocooningCoverage &c)
{
    return std::to_string(c.visited) + " of " + std::to_string(c.targets) + " doors visited ("
        + std::to_string(c.inPerson) + " in person, " + std::to_string(c.declined) + " declined, "
        + std::to_string(c.cardLeft) + " card left), " + std::to_string(c.visitedInWindow) + " within the window";
}

Json operationJson(const CocooningOperation &op, const DataPack &pack)
{
    const auto *ward = pack.wards().find(op.wardCode);
    return Json{{"id", op.id},
                {"status", toString(op.status)},
                {"ward_code", op.wardCode},
                {"ward_name", ward ? Json(ward->name) : Json(nullptr)},
                {"origin_address", op.originAddress},
                {"origin_lat", op.origin ? Json(op.origin->lat) : Json(nullptr)},
                {"origin_lon", op.origin ? Json(op.origin->lon) : Json(nullptr)},
                {"radius_m", op.radiusM},
                {"burglary_at", formatIsoTime(op.burglaryAt)},
                {"planned_at", formatIsoTime(op.plannedAt)},
                {"deadline_at", formatIsoTime(op.deadlineAt)},
                {"planned_by", op.plannedBy},
                {"closed_at", timeOrNull(op.closedAt)},
                {"close_reason", op.closedAt ? Json(op.closeReason) : Json(nullptr)}};
}

Json targetJson(const CocooningTarget &t)
{
    return Json{{"id", t.id},
                {"street", t.street},
                {"house_number", t.houseNumber},
                {"lat", t.position ? Json(t.position->lat) : Json(nullptr)},
                {"lon", t.position ? Json(t.position->lon) : Json(nullptr)},
                {"distance_m", numberOrNull(t.distanceM)}};
}


// An initialised store, the pack and its advice library, and the cocooning
// store over them.
template <typename Fn>
void withCocooning(FieldContext &ctx, int &exitCode, Fn &&fn)
{
    ctx.run(exitCode, [&](DeviceStore &store, const DataPack &pack) -> Status {
        auto library = AdviceLibrary::loadDirectory(pack.adviceDirectory());
        if (!library)
            return library.error();
        CocooningStore cocooning(store, pack.wards(), *library);
        AdviceStore advice(store, *library);
        return fn(cocooning, advice, pack);
    });
}

} // namespace

void addCocooningCommands(CommandSet &set)
{
    FieldContext &ctx = set.ctx;
    int &exitCode = set.exitCode;

    auto *group = set.app.add_subcommand("cocoon", "Cocooning after a burglary: plan, visit neighbours, coverage");
    group->require_subcommand(1);

    // cocoon plan
    struct PlanOptions {
        std::string originAddress, ward, burglaryAt;
        std::optional<double> lat, lon, radius;
        std::vector<std::string> ranges, positions;
    };
    auto plan = std::make_shared<PlanOptions>();
    auto *planCmd = group->add_subcommand("plan", "Plan the visits to the neighbours of a burglary");
    planCmd->add_option("--origin-address", plan->originAddress, "The burgled address")->required();
    planCmd->add_option("--lat", plan->lat, "Latitude of the burgled address, WGS84 degrees")->check(decimalNumber());
    planCmd->add_option("--lon", plan->lon, "Longitude of the burgled address, WGS84 degrees")->check(decimalNumber());
    planCmd->add_option("--radius", plan->radius, "Radius in metres (default 200, at most 400)")->check(decimalNumber());
    planCmd->add_option("--ward", plan->ward, "Ward of the burglary (2022 code); needed without --lat/--lon");
    planCmd->add_option("--burglary-at", plan->burglaryAt, "When the burglary happened, ISO 8601 with zone")
        ->required();
    planCmd->add_option("--range", plan->ranges, "Doors to visit: \"Acacia Avenue 2-40, even\"; repeatable")
        ->required();
    planCmd->add_option("--position", plan->positions, "A door's position: \"Acacia Avenue|12=51.6,-0.2\"; repeatable");
    planCmd->callback([&ctx, &exitCode, plan] {
        CocooningRequest request;
        Status checked = checkText("--origin-address", plan->originAddress, kMaxShortText);
        if (checked && plan->lat.has_value() != plan->lon.has_value())
            checked = Error::invalid("give both --lat and --lon, or neither");
        if (checked && plan->lat) {
            checked = validateCoordinates(*plan->lat, *plan->lon);
            request.origin = GeoPoint{*plan->lat, *plan->lon};
        }
        if (checked)
            checked = checkText("--ward", plan->ward, kMaxShortText);
        if (checked) {
            auto when = parseIsoTime(plan->burglaryAt);
            if (when)
                request.burglaryAt = *when;
            else
                checked = when.error();
        }
        for (const auto &text : plan->ranges) {
            if (!checked)
                break;
            auto range = parseAddressRange(text);
            if (range)
                request.ranges.push_back(std::move(*range));
            else
                checked = range.error();
        }
        for (const auto &text : plan->positions) {
            if (!checked)
                break;
            checked = parsePosition(text, request.positions);
        }
        if (!checked) {
            exitCode = ctx.fail(checked.error());
            return;
        }
        request.originAddress = plan->originAddress;
        request.radiusM = plan->radius;
        request.wardCode = plan->ward;
        withCocooning(ctx, exitCode, [&](CocooningStore &cocooning, AdviceStore &, const DataPack &pack) -> Status {
            auto op = cocooning.plan(request);
            if (!op)
                return op.error();
            Json out = operationJson(*op, pack);
            Json targets = Json::array();
            std::string text = "Planned cocooning " + op->id + " in " + wardLabel(pack, op->wardCode) + ": "
                + std::to_string(op->targets.size()) + " doors to visit by " + formatIsoTime(op->deadlineAt).substr(0, 16)
                + "Z\n";
            for (const auto &t : op->targets) {
                targets.push_back(targetJson(t));
                text += "  " + t.id + "  " + t.houseNumber + " " + t.street + "\n";
            }
            out["targets"] = targets;
            ctx.print(out, text);
            return {};
        });
    });

    // cocoon visit
    struct VisitOptions {
        std::string operation, target, outcome, article, at;
        std::optional<int> version;
    };
    auto visit = std::make_shared<VisitOptions>();
    auto *visitCmd = group->add_subcommand("visit", "Record what happened at one door");
    visitCmd->add_option("operation", visit->operation, "Operation id")->required();
    visitCmd->add_option("--target", visit->target, "Target (door) id, from 'cocoon show'")->required();
    visitCmd->add_option("--outcome", visit->outcome, "in_person, card_left or declined")->required();
    visitCmd->add_option("--article", visit->article, "Article handed out (default: the neighbour leaflet)");
    visitCmd->add_option("--version", visit->version, "Article version (default: the latest)");
    visitCmd->add_option("--at", visit->at, "When, ISO 8601 with zone (default: now)");
    visitCmd->callback([&ctx, &exitCode, visit] {
        Status checked = isVisitOutcome(visit->outcome)
            ? checkArticleVersion(visit->version)
            : Status(Error::invalid("--outcome must be one of: in_person, card_left, declined"));
        auto at = parseOptionalTime(visit->at);
        if (checked && !at)
            checked = at.error();
        if (checked && !visit->article.empty())
            checked = checkArticleId(visit->article);
        if (!checked) {
            exitCode = ctx.fail(checked.error());
            return;
        }
        withCocooning(ctx, exitCode, [&](CocooningStore &cocooning, AdviceStore &, const DataPack &) -> Status {
            auto done = cocooning.recordVisit(visit->operation, visit->target, visit->outcome, visit->article,
                                              visit->version, *at);
            if (!done)
                return done.error();
            Json out = adviceRecordJson(done->advice);
            out["status"] = toString(done->status);
            out["coverage"] = coverageJson(done->coverage);
            ctx.print(out, "Recorded " + visit->outcome + " at " + done->advice.advice.addressText + " (" + done->advice.advice.id
                               + ").\nOperation " + std::string(toString(done->status)) + ": "
                               + coverageText(done->coverage));
            return {};
        });
    });

    // cocoon advise-victim
    struct VictimOptions {
        std::string operation, article, mode = "in_person", at;
        std::optional<int> version;
    };
    auto victim = std::make_shared<VictimOptions>();
    auto *victimCmd = group->add_subcommand("advise-victim", "Record advice given to the burglary victim");
    victimCmd->add_option("operation", victim->operation, "Operation id")->required();
    victimCmd->add_option("--article", victim->article, "Article handed out (default: home security)");
    victimCmd->add_option("--version", victim->version, "Article version (default: the latest)");
    victimCmd->add_option("--mode", victim->mode, "How: " + allNames<AdviceMode>() + " (default in_person)");
    victimCmd->add_option("--at", victim->at, "When, ISO 8601 with zone (default: now)");
    victimCmd->callback([&ctx, &exitCode, victim] {
        auto mode = parseEnum<AdviceMode>("mode", victim->mode);
        Status checked = mode ? checkArticleVersion(victim->version) : Status(mode.error());
        auto at = parseOptionalTime(victim->at);
        if (checked && !at)
            checked = at.error();
        if (checked && !victim->article.empty())
            checked = checkArticleId(victim->article);
        if (!checked) {
            exitCode = ctx.fail(checked.error());
            return;
        }
        withCocooning(ctx, exitCode, [&](CocooningStore &cocooning, AdviceStore &, const DataPack &) -> Status {
            auto done = cocooning.recordVictimAdvice(victim->operation, victim->article, victim->version, *mode, *at);
            if (!done)
                return done.error();
            ctx.print(adviceRecordJson(*done), "Recorded advice to the victim " + done->advice.id + ": "
                                             + done->advice.articleId + " v"
                                             + std::to_string(done->advice.articleVersion));
            return {};
        });
    });

    // cocoon show
    auto showId = std::make_shared<std::string>();
    auto *showCmd = group->add_subcommand("show", "One operation: its doors and what happened at each, coverage");
    showCmd->add_option("operation", *showId, "Operation id")->required();
    showCmd->callback([&ctx, &exitCode, showId] {
        withCocooning(ctx, exitCode, [&](CocooningStore &cocooning, AdviceStore &advice, const DataPack &pack) -> Status {
            auto op = cocooning.get(*showId);
            if (!op)
                return op.error();
            auto visits = cocooning.visits(op->id);
            if (!visits)
                return visits.error();
            AdviceFilter filter;
            filter.operationId = op->id;
            auto given = advice.list(filter);
            if (!given)
                return given.error();
            const CocooningCoverage coverage = computeCoverage(*op, *visits);

            std::string text = op->id + "\n  " + std::string(toString(op->status)) + ", " + wardLabel(pack, op->wardCode)
                + "\n  burglary at " + op->originAddress + ", " + formatIsoTime(op->burglaryAt).substr(0, 16)
                + "Z; visits due by " + formatIsoTime(op->deadlineAt).substr(0, 16) + "Z\n  " + coverageText(coverage)
                + "\n";
            if (op->closedAt)
                text += "  closed early" + (op->closeReason.empty() ? std::string() : ": " + op->closeReason) + "\n";
            Json targets = Json::array();
            for (const auto &t : op->targets) {
                Json outcomes = Json::array();
                std::string line;
                for (const auto &v : *visits)
                    if (v.targetId == t.id) {
                        outcomes.push_back(Json{{"outcome", v.outcome}, {"at", formatIsoTime(v.at)}});
                        line += (line.empty() ? "" : ", ") + v.outcome;
                    }
                Json target = targetJson(t);
                target["visited"] = !outcomes.empty();
                target["visits"] = outcomes;
                targets.push_back(target);
                text += "  " + t.id + "  " + t.houseNumber + " " + t.street + "  "
                    + (line.empty() ? "not visited" : line) + "\n";
            }
            Json victimAdvice = Json::array();
            for (const auto &r : *given)
                if (r.advice.recipient == RecipientKind::Victim) {
                    victimAdvice.push_back(adviceRecordJson(r));
                    text += "  victim advised " + formatIsoTime(r.advice.givenAt).substr(0, 16) + "Z: "
                        + r.advice.articleId + " v" + std::to_string(r.advice.articleVersion) + " ("
                        + std::string(toString(r.advice.mode)) + ")\n";
                }
            Json out = operationJson(*op, pack);
            out["coverage"] = coverageJson(coverage);
            out["targets"] = targets;
            out["victim_advice"] = victimAdvice;
            ctx.print(out, text);
            return {};
        });
    });

    // cocoon close
    struct CloseOptions {
        std::string operation, reason;
    };
    auto close = std::make_shared<CloseOptions>();
    auto *closeCmd = group->add_subcommand("close", "Close an operation before every door is visited");
    closeCmd->add_option("operation", close->operation, "Operation id")->required();
    closeCmd->add_option("--reason", close->reason, "Why (needed when nothing has been visited)");
    closeCmd->callback([&ctx, &exitCode, close] {
        if (auto ok = checkText("--reason", close->reason, kMaxLongText, true); !ok) {
            exitCode = ctx.fail(ok.error());
            return;
        }
        withCocooning(ctx, exitCode, [&](CocooningStore &cocooning, AdviceStore &, const DataPack &pack) -> Status {
            auto op = cocooning.close(close->operation, close->reason);
            if (!op)
                return op.error();
            ctx.print(operationJson(*op, pack), "Closed " + op->id
                                                    + (op->closeReason.empty() ? std::string() : ": " + op->closeReason));
            return {};
        });
    });

    // cocoon list
    auto listLimit = std::make_shared<int>(1000);
    auto *listCmd = group->add_subcommand("list", "Cocooning operations, newest burglary first");
    listCmd->add_option("--limit", *listLimit, "At most this many (default 1000)")->check(CLI::Range(1, 1000000));
    listCmd->callback([&ctx, &exitCode, listLimit] {
        withCocooning(ctx, exitCode, [&](CocooningStore &cocooning, AdviceStore &, const DataPack &pack) -> Status {
            auto ops = cocooning.list(*listLimit);
            if (!ops)
                return ops.error();
            Json out = Json::array();
            std::string text;
            for (const auto &op : *ops) {
                auto visits = cocooning.visits(op.id);
                if (!visits)
                    return visits.error();
                const auto coverage = computeCoverage(op, *visits);
                Json item = operationJson(op, pack);
                item["coverage"] = coverageJson(coverage);
                out.push_back(item);
                text += op.id + "  " + formatIsoTime(op.burglaryAt).substr(0, 16) + "  "
                    + std::string(toString(op.status)) + "  " + op.wardCode + "  " + std::to_string(coverage.visited)
                    + "/" + std::to_string(coverage.targets) + "  " + op.originAddress + "\n";
            }
            ctx.print(out, text.empty() ? "No cocooning operations." : text);
            return {};
        });
    });
}

} // namespace beatbook::field
