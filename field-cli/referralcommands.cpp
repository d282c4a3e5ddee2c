#include "cliformat.h"
#include "commands.h"

#include "core/isotime.h"
#include "core/text.h"
#include "core/uuid.h"
#include "store/referralstore.h"

#include <memory>

namespace beatbook::field {
namespace {

Json routesJson(const std::vector<ReferralRoute> &routes)
{
    Json out = Json::array();
    for (auto route : routes)
        out.push_back(toString(route));
    return out;
}

Json riskJson(const RiskFactors &factors)
{
    Json out = Json::array();
    for (auto factor : factors.toVector())
        out.push_back(toString(factor));
    return out;
}

Json consentJson(const ConsentRecord &c)
{
    Json out{{"id", c.id},
             {"person_id", c.personId},
             {"purpose", c.purpose},
             {"recipients", routesJson(c.recipients)},
             {"script_version", c.scriptVersion},
             {"method", toString(c.method)},
             {"witness", textOrNull(c.witnessName)},
             {"captured_by", c.capturedBy},
             {"captured_by_role", toString(c.capturedByRole)},
             {"captured_at", formatIsoTime(c.capturedAt)},
             {"capacity_concern", c.capacityConcern},
             {"capacity_note", textOrNull(c.capacityNote)},
             {"withdrawn", c.withdrawal.has_value()}};
    out["withdrawn_at"] = c.withdrawal ? Json(formatIsoTime(c.withdrawal->withdrawnAt)) : Json(nullptr);
    out["withdrawn_by"] = c.withdrawal ? Json(c.withdrawal->withdrawnBy) : Json(nullptr);
    out["withdrawal_note"] = c.withdrawal ? textOrNull(c.withdrawal->note) : Json(nullptr);
    return out;
}

Json overrideJson(const std::optional<ReferralOverride> &ov)
{
    if (!ov)
        return nullptr;
    return Json{{"justification", ov->justification},
                {"requested_by", ov->requestedBy},
                {"requested_by_role", toString(ov->requestedByRole)},
                {"requested_at", formatIsoTime(ov->requestedAt)},
                {"approved_by", textOrNull(ov->approvedBy)},
                {"approved_at", timeOrNull(ov->approvedAt)},
                {"refused_by", textOrNull(ov->refusedBy)},
                {"refused_at", timeOrNull(ov->refusedAt)},
                {"refusal_reason", textOrNull(ov->refusalReason)}};
}

Json referralJson(const Referral &r, TimestampMs now)
{
    Json next = Json::array();
    for (auto status : nextStatuses(r))
        next.push_back(toString(status));
    return Json{{"id", r.id},
                {"route", toString(r.route)},
                {"status", toString(r.status)},
                {"person_id", r.personId},
                {"report_id", optionalText(r.reportId)},
                {"address", textOrNull(r.addressText)},
                {"ward_code", textOrNull(r.wardCode)},
                {"risk_factors", riskJson(r.riskFactors)},
                {"priority_band", toString(r.priorityBand)},
                {"clutter_rating", r.clutterRating ? Json(*r.clutterRating) : Json(nullptr)},
                {"capacity_note", textOrNull(r.capacityNote)},
                {"consent_id", textOrNull(r.consentId)},
                {"override", overrideJson(r.consentOverride)},
                {"created_by", r.createdBy},
                {"created_by_role", toString(r.createdByRole)},
                {"created_at", formatIsoTime(r.createdAt)},
                {"deadline", timeOrNull(r.deadlineAt)},
                {"acknowledge_by", timeOrNull(r.acknowledgeBy)},
                {"sent_at", timeOrNull(r.sentAt)},
                {"acknowledged_at", timeOrNull(r.acknowledgedAt)},
                {"decided_at", timeOrNull(r.decidedAt)},
                {"completed_at", timeOrNull(r.completedAt)},
                {"withdrawn_at", timeOrNull(r.withdrawnAt)},
                {"escalated_at", timeOrNull(r.escalatedAt)},
                {"decline_reason", textOrNull(r.declineReason)},
                {"updated_by", r.updatedBy},
                {"updated_at", formatIsoTime(r.updatedAt)},
                {"overdue", isOverdue(r, now)},
                {"next_steps", next}};
}

std::string referralLine(const Referral &r, TimestampMs now)
{
    return r.id + "  " + formatIsoTime(r.createdAt).substr(0, 16) + "  " + std::string(toString(r.route)) + "  "
        + std::string(toString(r.status)) + "  " + std::string(toString(r.priorityBand))
        + (r.deadlineAt ? "  due " + formatIsoTime(*r.deadlineAt).substr(0, 16) : std::string())
        + (isOverdue(r, now) ? "  OVERDUE" : "") + "\n";
}

Status checkUuid(std::string_view what, const std::string &id)
{
    if (!isUuid(id))
        return Error::invalid(std::string(what) + " is not an id: ids are UUIDs (36 characters, as printed when "
                                                  "the record was made)");
    return {};
}

// A failed check ends the command with its exit code; true when it failed.
bool failed(FieldContext &ctx, int &exitCode, const Status &status)
{
    if (status)
        return false;
    exitCode = ctx.fail(status.error());
    return true;
}

// The person from --person-id or --person/--contact, checked from outside.
Result<ReferredPerson> personFrom(const std::string &personId, const std::string &name, const std::string &contact)
{
    if (!personId.empty()) {
        if (!name.empty() || !contact.empty())
            return Error::invalid("give either --person-id or --person (with --contact), not both");
        if (auto ok = checkUuid("--person-id", personId); !ok)
            return ok.error();
        return ReferredPerson::existing(personId);
    }
    if (name.empty())
        return Error::invalid("name the person: --person NAME for someone new, or --person-id ID for someone on "
                              "the device (as printed by 'consent capture')");
    if (auto ok = checkText("--person", name, kMaxShortText); !ok)
        return ok.error();
    if (collapseSpaces(name).empty())
        return Error::invalid("--person is blank");
    if (auto ok = checkText("--contact", contact, kMaxShortText); !ok)
        return ok.error();
    return ReferredPerson::named(name, contact);
}

// One lifecycle step: `referral <name> ID [--<textOption> TEXT] [--consent ID]`.
struct StepSpec {
    const char *name;
    const char *help;
    ReferralStatus to;
    const char *textOption;  // "--note", "--reason", "--justification"
    const char *textHelp;
    bool textRequired;
    bool withConsent;
};

void addStep(CLI::App *group, FieldContext &ctx, int &exitCode, const StepSpec &spec)
{
    struct StepOptions {
        std::string id, text, consent;
    };
    auto opts = std::make_shared<StepOptions>();
    auto *cmd = group->add_subcommand(spec.name, spec.help);
    cmd->add_option("id", opts->id, "Referral id")->required();
    auto *textOpt = cmd->add_option(spec.textOption, opts->text, spec.textHelp);
    if (spec.textRequired)
        textOpt->required();
    if (spec.withConsent)
        cmd->add_option("--consent", opts->consent, "The consent record's id (from 'consent capture')")->required();
    const StepSpec copy = spec;
    cmd->callback([&ctx, &exitCode, opts, copy] {
        if (failed(ctx, exitCode, checkUuid("the referral", opts->id)))
            return;
        if (copy.withConsent && failed(ctx, exitCode, checkUuid("--consent", opts->consent)))
            return;
        if (failed(ctx, exitCode, checkText(copy.textOption, opts->text, kMaxLongText, true)))
            return;
        if (copy.textRequired && collapseSpaces(opts->text).empty()) {
            exitCode = ctx.fail(Error::invalid(std::string(copy.textOption) + " is blank"));
            return;
        }
        ctx.run(exitCode, [&](DeviceStore &store) -> Status {
            ReferralStore referrals(store);
            std::optional<std::string> consentId;
            if (copy.withConsent)
                consentId = opts->consent;
            auto r = referrals.transition(opts->id, copy.to, opts->text, consentId);
            if (!r)
                return r.error();
            std::string text = r->id + " is now " + std::string(toString(r->status));
            if (r->status == ReferralStatus::Sent && r->acknowledgeBy)
                text += "; to be acknowledged by " + formatIsoTime(*r->acknowledgeBy);
            if (r->status == ReferralStatus::OverrideRequested)
                text += "; a supervisor other than you must approve it before it can be sent";
            ctx.print(referralJson(*r, store.now()), text);
            return {};
        });
    });
}

void addConsentCommands(CommandSet &set)
{
    FieldContext &ctx = set.ctx;
    int &exitCode = set.exitCode;
    auto *group = set.app.add_subcommand("consent", "A resident's consent to be referred: capture, withdraw, show");
    group->require_subcommand(1);

    // consent capture
    struct CaptureOptions {
        std::string person, personId, contact, purpose, scriptVersion, method, witness, capacityNote;
        std::vector<std::string> recipients;
        bool capacityConcern = false;
    };
    auto cap = std::make_shared<CaptureOptions>();
    auto *capCmd = group->add_subcommand("capture", "Record a resident's consent, as given now");
    capCmd->add_option("--person", cap->person, "The person's name (someone new)");
    capCmd->add_option("--contact", cap->contact, "The person's phone or e-mail (with --person)");
    capCmd->add_option("--person-id", cap->personId, "A person already on the device (e.g. a report's victim)");
    capCmd->add_option("--purpose", cap->purpose, "What the person was told the referral is for")->required();
    capCmd->add_option("--recipient", cap->recipients, "A route the consent covers, repeatable: "
                                                           + allNames<ReferralRoute>())
        ->required();
    capCmd->add_option("--script-version", cap->scriptVersion, "The consent script read out, e.g. hfsv-consent-v3")
        ->required();
    capCmd->add_option("--method", cap->method, "How it was given: " + allNames<ConsentMethod>())->required();
    capCmd->add_option("--witness", cap->witness, "The witness's name (needed for verbal_witnessed)");
    capCmd->add_flag("--capacity-concern", cap->capacityConcern, "There is a concern about the person's capacity");
    capCmd->add_option("--capacity-note", cap->capacityNote, "What the concern is (needed with --capacity-concern)");
    capCmd->callback([&ctx, &exitCode, cap] {
        auto person = personFrom(cap->personId, cap->person, cap->contact);
        if (!person) {
            exitCode = ctx.fail(person.error());
            return;
        }
        ConsentRecord input;
        auto method = parseEnum<ConsentMethod>("consent method", cap->method);
        if (!method) {
            exitCode = ctx.fail(method.error());
            return;
        }
        input.method = *method;
        for (const auto &name : cap->recipients) {
            auto route = parseEnum<ReferralRoute>("recipient route", name);
            if (!route) {
                exitCode = ctx.fail(route.error());
                return;
            }
            input.recipients.push_back(*route);
        }
        input.purpose = cap->purpose;
        input.scriptVersion = cap->scriptVersion;
        input.witnessName = cap->witness;
        input.capacityConcern = cap->capacityConcern;
        input.capacityNote = cap->capacityNote;
        // Text from outside is checked before the database is opened (or
        // created); the record's own rules are applied by the store.
        if (failed(ctx, exitCode, checkText("--purpose", cap->purpose, kMaxLongText, true))
            || failed(ctx, exitCode, checkText("--script-version", cap->scriptVersion, kMaxShortText))
            || failed(ctx, exitCode, checkText("--witness", cap->witness, kMaxShortText))
            || failed(ctx, exitCode, checkText("--capacity-note", cap->capacityNote, kMaxLongText, true)))
            return;
        ctx.run(exitCode, [&](DeviceStore &store) -> Status {
            ReferralStore referrals(store);
            auto captured = referrals.captureConsent(input, *person);
            if (!captured)
                return captured.error();
            const ConsentRecord &c = captured->consent;
            Json out{{"consent_id", c.id},
                     {"person_id", c.personId},
                     {"new_person", captured->newPerson},
                     {"recipients", routesJson(c.recipients)},
                     {"captured_at", formatIsoTime(c.capturedAt)}};
            ctx.print(out, "Consent " + c.id + " captured for person " + c.personId
                               + "\nDraft referrals for this person with --person-id " + c.personId);
            return {};
        });
    });

    // consent withdraw
    struct WithdrawOptions {
        std::string id, note;
    };
    auto wd = std::make_shared<WithdrawOptions>();
    auto *wdCmd = group->add_subcommand("withdraw", "Withdraw consent; every open referral that went on it ends");
    wdCmd->add_option("id", wd->id, "Consent id")->required();
    wdCmd->add_option("--note", wd->note, "Anything the person said (no reason is needed)");
    wdCmd->callback([&ctx, &exitCode, wd] {
        if (failed(ctx, exitCode, checkUuid("the consent", wd->id)))
            return;
        if (failed(ctx, exitCode, checkText("--note", wd->note, kMaxLongText, true)))
            return;
        ctx.run(exitCode, [&](DeviceStore &store) -> Status {
            ReferralStore referrals(store);
            auto done = referrals.withdrawConsent(wd->id, wd->note);
            if (!done)
                return done.error();
            Json ids = Json::array();
            std::string text = "Consent " + done->consent.id + " withdrawn";
            for (const auto &r : done->withdrawnReferrals) {
                ids.push_back(r.id);
                text += "\n  referral " + r.id + " (" + std::string(toString(r.route)) + ") withdrawn";
            }
            ctx.print(Json{{"consent_id", done->consent.id},
                           {"withdrawn_at", formatIsoTime(done->consent.withdrawal->withdrawnAt)},
                           {"withdrawn_referrals", ids}},
                      text);
            return {};
        });
    });

    // consent show
    auto showId = std::make_shared<std::string>();
    auto *showCmd = group->add_subcommand("show", "One consent record and the referrals that went on it");
    showCmd->add_option("id", *showId, "Consent id")->required();
    showCmd->callback([&ctx, &exitCode, showId] {
        if (failed(ctx, exitCode, checkUuid("the consent", *showId)))
            return;
        ctx.run(exitCode, [&](DeviceStore &store) -> Status {
            ReferralStore referrals(store);
            auto c = referrals.getConsent(*showId);
            if (!c)
                return c.error();
            auto onIt = referrals.referralsOnConsent(c->id);
            if (!onIt)
                return onIt.error();
            Json out = consentJson(*c);
            Json list = Json::array();
            std::string routes;
            for (auto route : c->recipients)
                routes += (routes.empty() ? "" : ", ") + std::string(toString(route));
            std::string text = c->id + "\n  person " + c->personId + "\n  for: " + routes + "\n  purpose: " + c->purpose
                + "\n  " + std::string(toString(c->method)) + ", script " + c->scriptVersion + ", captured "
                + formatIsoTime(c->capturedAt) + " by " + c->capturedBy + "\n";
            if (c->withdrawal)
                text += "  WITHDRAWN " + formatIsoTime(c->withdrawal->withdrawnAt) + " by " + c->withdrawal->withdrawnBy
                    + "\n";
            for (const auto &r : *onIt) {
                list.push_back(referralJson(r, store.now()));
                text += "  " + referralLine(r, store.now());
            }
            out["referrals"] = list;
            ctx.print(out, text);
            return {};
        });
    });
}

} // namespace

void addReferralCommands(CommandSet &set)
{
    addConsentCommands(set);

    FieldContext &ctx = set.ctx;
    int &exitCode = set.exitCode;
    auto *group = set.app.add_subcommand("referral", "Refer a vulnerable person to a partner agency");
    group->require_subcommand(1);

    // referral draft
    struct DraftOptions {
        std::string route, personId, person, contact, report, address, ward, risk, capacityNote, band;
        std::optional<int> clutter;
    };
    auto dr = std::make_shared<DraftOptions>();
    auto *drCmd = group->add_subcommand("draft", "Draft a referral; its band and deadline are worked out");
    drCmd->add_option("--route", dr->route, "Route: " + allNames<ReferralRoute>())->required();
    drCmd->add_option("--person-id", dr->personId, "A person on the device (as printed by 'consent capture')");
    drCmd->add_option("--person", dr->person, "The person's name (someone new)");
    drCmd->add_option("--contact", dr->contact, "The person's phone or e-mail (with --person)");
    drCmd->add_option("--report", dr->report, "The ASB report it comes from");
    drCmd->add_option("--address", dr->address, "The person's address (default: the report's)");
    drCmd->add_option("--ward", dr->ward, "Ward (2022 code; default: the report's)");
    drCmd->add_option("--risk", dr->risk, "Risk factors, comma-separated: " + allNames<RiskFactor>());
    drCmd->add_option("--clutter", dr->clutter, "Clutter Image Rating, 1 to 9 (hoarding)");
    drCmd->add_option("--capacity-note", dr->capacityNote, "The person's capacity to decide about their home");
    drCmd->add_option("--band", dr->band, "Raise the band on judgement: " + allNames<PriorityBand>());
    drCmd->callback([&ctx, &exitCode, dr] {
        auto person = personFrom(dr->personId, dr->person, dr->contact);
        if (!person) {
            exitCode = ctx.fail(person.error());
            return;
        }
        Referral input;
        auto route = parseEnum<ReferralRoute>("route", dr->route);
        if (!route) {
            exitCode = ctx.fail(route.error());
            return;
        }
        input.route = *route;
        auto risk = parseRiskFactorList(dr->risk);
        if (!risk) {
            exitCode = ctx.fail(risk.error());
            return;
        }
        input.riskFactors = *risk;
        if (!dr->band.empty()) {
            auto band = parseEnum<PriorityBand>("priority band", dr->band);
            if (!band) {
                exitCode = ctx.fail(band.error());
                return;
            }
            input.priorityBand = *band;
        }
        if (!dr->report.empty()) {
            if (failed(ctx, exitCode, checkUuid("--report", dr->report)))
                return;
            input.reportId = dr->report;
        }
        if (failed(ctx, exitCode, checkText("--address", dr->address, kMaxShortText)))
            return;
        if (failed(ctx, exitCode, checkText("--ward", dr->ward, kMaxShortText)))
            return;
        if (failed(ctx, exitCode, checkText("--capacity-note", dr->capacityNote, kMaxLongText, true)))
            return;
        input.addressText = dr->address;
        input.wardCode = dr->ward;
        input.clutterRating = dr->clutter;
        input.capacityNote = dr->capacityNote;
        ctx.run(exitCode, [&](DeviceStore &store) -> Status {
            ReferralStore referrals(store);
            if (!input.wardCode.empty()) {
                auto pack = ctx.pack();
                if (!pack)
                    return pack.error();
                if (!(*pack)->wards().find(input.wardCode))
                    return Error::invalid("unknown ward code " + input.wardCode + ": not a ward of the data pack");
            }
            auto r = referrals.draft(input, *person);
            if (!r)
                return r.error();
            const auto assessed = assessBand(r->riskFactors, referrals.rules().banding);
            Json out{{"id", r->id},
                     {"person_id", r->personId},
                     {"route", toString(r->route)},
                     {"status", toString(r->status)},
                     {"priority_band", toString(r->priorityBand)},
                     {"band_reason", assessed.reason},
                     {"deadline", timeOrNull(r->deadlineAt)}};
            std::string text = "Drafted " + std::string(toString(r->route)) + " referral " + r->id + "\n  band "
                + std::string(toString(r->priorityBand)) + " (" + assessed.reason + ")"
                + (r->deadlineAt ? ", deadline " + formatIsoTime(*r->deadlineAt) : ", no visit deadline")
                + "\n  person " + r->personId + "\n  next: capture consent ('referral consent') or ask for an override";
            ctx.print(out, text);
            return {};
        });
    });

    const StepSpec steps[] = {
        {"consent", "Record the consent the referral goes on (-> consent_captured)", ReferralStatus::ConsentCaptured,
         "--note", "A note for the history", false, true},
        {"request-override", "Ask to send without consent (a supervisor must approve)",
         ReferralStatus::OverrideRequested, "--justification",
         "What the risk is and why consent cannot be had (at least 20 characters)", true, false},
        {"approve-override", "Approve going without consent (a supervisor, not the requester)",
         ReferralStatus::OverrideApproved, "--note", "A note for the history", false, false},
        {"refuse-override", "Refuse going without consent (a supervisor); back to drafted", ReferralStatus::Drafted,
         "--reason", "Why the override is refused", true, false},
        {"send", "Send to the receiving agency (needs consent or an approved override)", ReferralStatus::Sent,
         "--note", "A note for the history", false, false},
        {"acknowledge", "The agency acknowledged it", ReferralStatus::Acknowledged, "--note",
         "A note for the history", false, false},
        {"accept", "The agency accepted it", ReferralStatus::Accepted, "--note", "A note for the history", false,
         false},
        {"decline", "The agency declined it", ReferralStatus::Declined, "--reason", "Why the agency declined",
         true, false},
        {"complete", "The agency has done its part", ReferralStatus::Completed, "--note", "A note for the history",
         false, false},
        {"escalate", "Escalate a referral that missed a deadline", ReferralStatus::Escalated, "--note",
         "A note for the history", false, false},
    };
    for (const auto &step : steps)
        addStep(group, ctx, exitCode, step);

    // referral show
    auto showId = std::make_shared<std::string>();
    auto *showCmd = group->add_subcommand("show", "One referral with its person, consent and history");
    showCmd->add_option("id", *showId, "Referral id")->required();
    showCmd->callback([&ctx, &exitCode, showId] {
        if (failed(ctx, exitCode, checkUuid("the referral", *showId)))
            return;
        ctx.run(exitCode, [&](DeviceStore &store) -> Status {
            ReferralStore referrals(store);
            auto r = referrals.get(*showId);
            if (!r)
                return r.error();
            auto events = referrals.events(r->id);
            if (!events)
                return events.error();
            auto person = referrals.person(r->personId);
            if (!person)
                return person.error();
            const TimestampMs now = store.now();
            Json out = referralJson(*r, now);
            out["person"] = Json{{"name", person->name}, {"contact", textOrNull(person->contact)}};
            if (!r->consentId.empty()) {
                auto consent = referrals.getConsent(r->consentId);
                if (!consent)
                    return consent.error();
                out["consent"] = consentJson(*consent);
            } else {
                out["consent"] = nullptr;
            }
            std::string text = r->id + "\n  " + std::string(toString(r->route)) + ", "
                + std::string(toString(r->status)) + ", band " + std::string(toString(r->priorityBand))
                + (r->deadlineAt ? ", deadline " + formatIsoTime(*r->deadlineAt) : std::string())
                + (isOverdue(*r, now) ? "  OVERDUE" : "") + "\n  person " + person->name
                + (r->addressText.empty() ? std::string() : ", " + r->addressText) + "\n  risk "
                + (r->riskFactors.empty() ? std::string("none") : formatRiskFactors(r->riskFactors)) + "\n"
                + (r->consentId.empty() ? std::string() : "  consent " + r->consentId + "\n")
                + (r->consentOverride ? "  override: " + r->consentOverride->justification + " (asked by "
                                            + r->consentOverride->requestedBy
                                            + (r->consentOverride->approvedBy.empty()
                                                   ? std::string()
                                                   : ", approved by " + r->consentOverride->approvedBy)
                                            + ")\n"
                                      : std::string())
                + "  " + formatIsoTime(r->createdAt).substr(0, 16) + " drafted (" + r->createdBy + ")\n";
            Json history = Json::array();
            for (const auto &e : *events) {
                history.push_back(Json{{"from_status", toString(e.fromStatus)},
                                       {"to_status", toString(e.toStatus)},
                                       {"text", e.text},
                                       {"at", formatIsoTime(e.at)},
                                       {"author", e.author},
                                       {"author_role", toString(e.authorRole)}});
                text += "  " + formatIsoTime(e.at).substr(0, 16) + " " + std::string(toString(e.fromStatus)) + " -> "
                    + std::string(toString(e.toStatus)) + (e.text.empty() ? "" : ": " + e.text) + " (" + e.author
                    + ")\n";
            }
            out["history"] = history;
            ctx.print(out, text);
            return {};
        });
    });

    // referral list
    struct ListOptions {
        std::string status;
        bool overdue = false;
        int limit = 1000;
    };
    auto ls = std::make_shared<ListOptions>();
    auto *lsCmd = group->add_subcommand("list", "List referrals, newest first");
    lsCmd->add_option("--status", ls->status, "Only this status: " + allNames<ReferralStatus>());
    lsCmd->add_flag("--overdue", ls->overdue, "Only open referrals past a deadline, most overdue first");
    lsCmd->add_option("--limit", ls->limit, "At most this many (default 1000)")->check(CLI::Range(1, 1000000));
    lsCmd->callback([&ctx, &exitCode, ls] {
        ReferralFilter filter;
        filter.limit = ls->limit;
        if (!ls->status.empty()) {
            auto status = parseEnum<ReferralStatus>("status", ls->status);
            if (!status) {
                exitCode = ctx.fail(status.error());
                return;
            }
            filter.status = *status;
        }
        ctx.run(exitCode, [&](DeviceStore &store) -> Status {
            ReferralStore referrals(store);
            const TimestampMs now = store.now();
            auto found = ls->overdue ? referrals.overdue(now) : referrals.list(filter);
            if (!found)
                return found.error();
            Json out = Json::array();
            std::string text;
            int shown = 0;
            for (const auto &r : *found) {
                if (filter.status && r.status != *filter.status)
                    continue;
                if (shown++ >= filter.limit)
                    break;
                out.push_back(referralJson(r, now));
                text += referralLine(r, now);
            }
            ctx.print(out, text.empty() ? "No referrals." : text);
            return {};
        });
    });
}

} // namespace beatbook::field
