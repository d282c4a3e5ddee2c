#include "cliformat.h"
#include "commands.h"

#include "core/isotime.h"
#include "store/asbreportstore.h"

namespace beatbook::field {
namespace {

Json reportSummaryJson(const AsbReport &r)
{
    return Json{{"id", r.id},
                {"type", toString(r.type)},
                {"qualifier", toString(r.qualifier)},
                {"status", toString(r.status)},
                {"ward_code", optionalText(r.wardCode)},
                {"occurred_at", formatIsoTime(r.occurredAt)},
                {"hate", r.hate},
                {"repeat_victim", r.repeatVictim},
                {"prior_reports", r.priorReports},
                {"address", textOrNull(r.addressText)}};
}

} // namespace

void addReportCommands(CommandSet &set)
{
    FieldContext &ctx = set.ctx;
    int &exitCode = set.exitCode;

    // log-asb
    struct LogOptions {
        std::string type, qualifier, address, victim, victimContact, reporter, reporterContact, description,
            occurredAt;
        double lat = 0, lon = 0;
        std::optional<double> accuracy;
        bool hate = false;
    };
    auto log = std::make_shared<LogOptions>();
    auto *logCmd = set.app.add_subcommand("log-asb", "Log an anti-social behaviour report");
    logCmd->add_option("--type", log->type, "ASB type: " + allNames<AsbType>())->required();
    logCmd->add_option("--qualifier", log->qualifier, "personal, nuisance or environmental")->required();
    logCmd->add_option("--lat", log->lat, "Latitude, WGS84 degrees")->required()->check(decimalNumber());
    logCmd->add_option("--lon", log->lon, "Longitude, WGS84 degrees")->required()->check(decimalNumber());
    logCmd->add_option("--accuracy", log->accuracy, "Position accuracy in metres")->check(decimalNumber());
    logCmd->add_option("--address", log->address, "Street address as given");
    logCmd->add_option("--victim", log->victim, "Victim's name");
    logCmd->add_option("--victim-contact", log->victimContact, "Victim's phone or e-mail");
    logCmd->add_option("--reporter", log->reporter, "Reporter's name, when not the victim");
    logCmd->add_option("--reporter-contact", log->reporterContact, "Reporter's phone or e-mail");
    logCmd->add_option("--description", log->description, "What happened");
    logCmd->add_option("--occurred-at", log->occurredAt, "When it happened, ISO 8601 with zone (default: now)");
    logCmd->add_flag("--hate", log->hate, "Hate motivation");
    logCmd->callback([&ctx, &exitCode, log] {
        // Parse everything from outside before opening anything.
        auto type = parseEnum<AsbType>("ASB type", log->type);
        if (!type) {
            exitCode = ctx.fail(type.error());
            return;
        }
        auto qualifier = parseEnum<AsbQualifier>("qualifier", log->qualifier);
        if (!qualifier) {
            exitCode = ctx.fail(qualifier.error());
            return;
        }
        NewAsbReport input;
        input.type = *type;
        input.qualifier = *qualifier;
        input.hate = log->hate;
        input.lat = log->lat;
        input.lon = log->lon;
        input.accuracyM = log->accuracy;
        input.addressText = log->address;
        input.description = log->description;
        if (!log->victim.empty() || !log->victimContact.empty())
            input.victim = PersonDetails{log->victim, log->victimContact};
        if (!log->reporter.empty() || !log->reporterContact.empty())
            input.reporter = PersonDetails{log->reporter, log->reporterContact};
        auto occurredAt = parseOptionalTime(log->occurredAt);
        if (!occurredAt) {
            exitCode = ctx.fail(occurredAt.error());
            return;
        }
        input.occurredAt = occurredAt->value_or(ctx.clock().nowMs());
        // The shape of the report is checked before anything is opened, so a
        // bad report on a fresh path creates no database. (The user's role
        // is checked again, with the stored profile, when it is logged.)
        if (auto ok = validateNewAsbReport(input, Role::Pcso, ctx.clock().nowMs()); !ok) {
            exitCode = ctx.fail(ok.error());
            return;
        }
        ctx.run(exitCode, [&](DeviceStore &store, const DataPack &pack) -> Status {
            AsbReportStore reports(store, pack.wards(), pack.repeatRule());
            auto logged = reports.log(input);
            if (!logged)
                return logged.error();
            const AsbReport &r = logged->report;
            const auto *ward = r.wardCode ? pack.wards().find(*r.wardCode) : nullptr;
            Json out{{"id", r.id},
                     {"ward_code", optionalText(r.wardCode)},
                     {"ward_name", ward ? Json(ward->name) : Json(nullptr)},
                     {"repeat_victim", logged->repeatVictim},
                     {"prior_reports", logged->priorReports},
                     {"status", toString(r.status)},
                     {"type", toString(r.type)},
                     {"qualifier", toString(r.qualifier)},
                     {"occurred_at", formatIsoTime(r.occurredAt)},
                     {"place", r.placeKey}};
            std::string text = "Logged " + r.id + " in " + (ward ? ward->name + " (" + ward->code + ")" : "no ward (outside the borough)");
            if (logged->repeatVictim)
                text += "\nREPEAT: " + std::to_string(logged->priorReports)
                    + " earlier report(s) for this victim or address in the window. Consider a risk assessment.";
            else if (logged->priorReports > 0)
                text += "\nNote: " + std::to_string(logged->priorReports) + " earlier report(s) for this victim or address.";
            ctx.print(out, text);
            return {};
        });
    });

    // list
    struct ListOptions {
        std::string ward, status;
        int limit = 1000;
    };
    auto list = std::make_shared<ListOptions>();
    auto *listCmd = set.app.add_subcommand("list", "List reports, newest first");
    listCmd->add_option("--ward", list->ward, "Only this ward (2022 code)");
    listCmd->add_option("--status", list->status, "Only this status: " + allNames<AsbStatus>());
    listCmd->add_option("--limit", list->limit, "At most this many (default 1000)")->check(CLI::Range(1, 1000000));
    listCmd->callback([&ctx, &exitCode, list] {
        AsbReportFilter filter;
        filter.limit = list->limit;
        if (!list->status.empty()) {
            auto status = parseEnum<AsbStatus>("status", list->status);
            if (!status) {
                exitCode = ctx.fail(status.error());
                return;
            }
            filter.status = *status;
        }
        ctx.run(exitCode, [&](DeviceStore &store, const DataPack &pack) -> Status {
            AsbReportStore reports(store, pack.wards(), pack.repeatRule());
            if (!list->ward.empty()) {
                if (!pack.wards().find(list->ward))
                    return Error::invalid("unknown ward code " + list->ward.substr(0, 40));
                filter.wardCode = list->ward;
            }
            auto found = reports.list(filter);
            if (!found)
                return found.error();
            Json out = Json::array();
            std::string text;
            for (const auto &r : *found) {
                out.push_back(reportSummaryJson(r));
                text += r.id + "  " + formatIsoTime(r.occurredAt).substr(0, 16) + "  " + std::string(toString(r.status))
                    + "  " + std::string(toString(r.type)) + "/" + std::string(toString(r.qualifier)) + "  "
                    + r.wardCode.value_or("-") + (r.repeatVictim ? "  REPEAT" : "") + "\n";
            }
            ctx.print(out, text.empty() ? "No reports." : text);
            return {};
        });
    });

    // show
    auto showId = std::make_shared<std::string>();
    auto *showCmd = set.app.add_subcommand("show", "One report with its people and history");
    showCmd->add_option("id", *showId, "Report id")->required();
    showCmd->callback([&ctx, &exitCode, showId] {
        ctx.run(exitCode, [&](DeviceStore &store, const DataPack &pack) -> Status {
            AsbReportStore reports(store, pack.wards(), pack.repeatRule());
            auto r = reports.get(*showId);
            if (!r)
                return r.error();
            auto events = reports.events(r->id);
            if (!events)
                return events.error();
            auto reporter = reports.person(r->reporterId);
            auto victim = reports.person(r->victimId);
            if (!reporter || !victim)
                return Error::storage("could not read the people on report " + r->id);
            auto personJson = [](const std::optional<PersonDetails> &p) {
                return p ? Json{{"name", p->name}, {"contact", p->contact}} : Json(nullptr);
            };
            Json history = Json::array();
            std::string text = r->id + "\n  " + std::string(toString(r->type)) + "/" + std::string(toString(r->qualifier))
                + (r->hate ? " (hate)" : "") + ", " + std::string(toString(r->status))
                + (r->assignedTo ? ", assignee " + *r->assignedTo : std::string()) + ", ward "
                + r->wardCode.value_or("none") + "\n  occurred " + formatIsoTime(r->occurredAt) + ", logged by "
                + r->loggedBy + "\n";
            for (const auto &e : *events) {
                history.push_back(Json{{"kind", e.kind},
                                       {"from_status", optionalText(e.fromStatus)},
                                       {"to_status", optionalText(e.toStatus)},
                                       {"text", e.text},
                                       {"at", formatIsoTime(e.at)},
                                       {"author", e.author},
                                       {"author_role", e.authorRole}});
                text += "  " + formatIsoTime(e.at).substr(0, 16) + " " + e.kind
                    + (e.toStatus ? " -> " + *e.toStatus : std::string()) + (e.text.empty() ? "" : ": " + e.text)
                    + " (" + e.author + ")\n";
            }
            Json out = reportSummaryJson(*r);
            out["description"] = r->description;
            out["lat"] = r->lat;
            out["lon"] = r->lon;
            out["accuracy_m"] = numberOrNull(r->accuracyM);
            out["logged_at"] = formatIsoTime(r->loggedAt);
            out["logged_by"] = r->loggedBy;
            out["source_role"] = toString(r->sourceRole);
            out["assigned_to"] = optionalText(r->assignedTo);
            out["reporter_informed_at"] = timeOrNull(r->reporterInformedAt);
            out["close_reason"] = optionalText(r->closeReason);
            out["reporter"] = personJson(*reporter);
            out["victim"] = personJson(*victim);
            out["history"] = history;
            ctx.print(out, text);
            return {};
        });
    });

    // transition
    struct TransitionOptions {
        std::string id, to, reason, assignee;
    };
    auto move = std::make_shared<TransitionOptions>();
    auto *moveCmd = set.app.add_subcommand("transition", "Move a report along its lifecycle");
    moveCmd->add_option("id", move->id, "Report id")->required();
    moveCmd->add_option("--to", move->to, "New status: " + allNames<AsbStatus>())->required();
    moveCmd->add_option("--reason", move->reason, "Why (needed for redirected, not_asb, closing uninformed)");
    moveCmd->add_option("--assignee", move->assignee, "Who it is assigned to (with --to assigned)");
    moveCmd->callback([&ctx, &exitCode, move] {
        auto to = parseEnum<AsbStatus>("status", move->to);
        if (!to) {
            exitCode = ctx.fail(to.error());
            return;
        }
        ctx.run(exitCode, [&](DeviceStore &store, const DataPack &pack) -> Status {
            AsbReportStore reports(store, pack.wards(), pack.repeatRule());
            std::optional<std::string> assignee;
            if (!move->assignee.empty())
                assignee = move->assignee;
            auto r = reports.transition(move->id, *to, move->reason, assignee);
            if (!r)
                return r.error();
            ctx.print(reportSummaryJson(*r), r->id + " is now " + std::string(toString(r->status)));
            return {};
        });
    });

    // follow-up
    struct FollowUpOptions {
        std::string id, text, kind = "follow_up";
    };
    auto follow = std::make_shared<FollowUpOptions>();
    auto *followCmd = set.app.add_subcommand("follow-up", "Add a follow-up or note to a report (append-only)");
    followCmd->add_option("id", follow->id, "Report id")->required();
    followCmd->add_option("--text", follow->text, "What was done or learnt")->required();
    followCmd->add_option("--kind", follow->kind, "follow_up (default) or note");
    followCmd->callback([&ctx, &exitCode, follow] {
        ctx.run(exitCode, [&](DeviceStore &store, const DataPack &pack) -> Status {
            AsbReportStore reports(store, pack.wards(), pack.repeatRule());
            auto e = reports.addFollowUp(follow->id, follow->kind, follow->text);
            if (!e)
                return e.error();
            ctx.print(Json{{"id", e->id}, {"report_id", e->reportId}, {"kind", e->kind}, {"at", formatIsoTime(e->at)}},
                      "Added " + e->kind + " " + e->id + " to " + e->reportId);
            return {};
        });
    });
}

} // namespace beatbook::field
