#include "store/referralstore.h"

#include "core/isotime.h"
#include "core/text.h"
#include "core/uuid.h"
#include "store/namelist.h"
#include "store/nullablefield.h"
#include "store/query.h"
#include "store/referralfields.h"

#include <algorithm>
#include <limits>

namespace beatbook {
namespace {

constexpr const char *kConsentColumns =
    "id, person_id, purpose, recipients, script_version, method, witness, captured_by, captured_by_role, "
    "captured_at, capacity_concern, capacity_note, withdrawn_at, withdrawn_by, withdrawal_note, withdrawn_by_role";

// The order readReferral expects; referralFields writes the same names.
constexpr const char *kReferralColumns =
    "id, route, person_id, report_id, address_text, ward_code, risk_factors, priority_band, clutter_rating, "
    "capacity_note, status, consent_id, override_justification, override_requested_by, "
    "override_requested_by_role, override_requested_at, override_approved_by, override_approved_by_role, "
    "override_approved_at, override_refused_by, override_refused_at, override_refusal_reason, created_by, "
    "created_by_role, created_at, deadline_at, acknowledge_by, sent_at, acknowledged_at, decided_at, "
    "completed_at, withdrawn_at, escalated_at, escalated_from, decline_reason, updated_by, updated_at";

constexpr const char *kEventColumns = "id, referral_id, from_status, to_status, text, at, author, author_role";

template <typename E>
bool readEnum(const Statement &row, int column, E &out)
{
    auto value = enumFromString<E>(row.columnText(column));
    if (!value)
        return false;
    out = *value;
    return true;
}

template <typename E>
bool readOptionalEnum(const Statement &row, int column, std::optional<E> &out)
{
    if (row.isNull(column)) {
        out.reset();
        return true;
    }
    E value{};
    if (!readEnum(row, column, value))
        return false;
    out = value;
    return true;
}

Result<ConsentRecord> readConsent(const Statement &row)
{
    ConsentRecord c;
    c.id = row.columnText(0);
    const Error bad = Error::storage("consent record " + c.id + " holds a value this build does not know");
    c.personId = row.columnText(1);
    c.purpose = row.columnText(2);
    auto recipients = enumsFromJson<ReferralRoute>(row.columnText(3));
    if (!recipients)
        return bad;
    c.recipients = std::move(*recipients);
    c.scriptVersion = row.columnText(4);
    if (!readEnum(row, 5, c.method))
        return bad;
    c.witnessName = row.columnText(6);
    c.capturedBy = row.columnText(7);
    if (!readEnum(row, 8, c.capturedByRole))
        return bad;
    c.capturedAt = row.columnInt(9);
    c.capacityConcern = row.columnInt(10) != 0;
    c.capacityNote = row.columnText(11);
    if (!row.isNull(12)) {
        ConsentWithdrawal w;
        w.withdrawnAt = row.columnInt(12);
        w.withdrawnBy = row.columnText(13);
        if (!readEnum(row, 15, w.withdrawnByRole))
            return bad;
        w.note = row.columnText(14);
        c.withdrawal = std::move(w);
    }
    return c;
}

Result<Referral> readReferral(const Statement &row)
{
    Referral r;
    r.id = row.columnText(0);
    const Error bad = Error::storage("referral " + r.id + " holds a value this build does not know");
    if (!readEnum(row, 1, r.route))
        return bad;
    r.personId = row.columnText(2);
    r.reportId = row.columnOptionalText(3);
    r.addressText = row.columnText(4);
    r.wardCode = row.columnText(5);
    auto names = namesFromJson(row.columnText(6));
    if (!names)
        return bad;
    auto factors = riskFactorsFromNames(*names);
    if (!factors)
        return bad;
    r.riskFactors = *factors;
    if (!readEnum(row, 7, r.priorityBand))
        return bad;
    if (auto clutter = row.columnOptionalInt(8)) {
        if (*clutter < std::numeric_limits<int>::min() || *clutter > std::numeric_limits<int>::max())
            return bad;
        r.clutterRating = static_cast<int>(*clutter);
    }
    r.capacityNote = row.columnText(9);
    if (!readEnum(row, 10, r.status))
        return bad;
    r.consentId = row.columnText(11);
    if (!row.isNull(13)) {
        ReferralOverride ov;
        ov.justification = row.columnText(12);
        ov.requestedBy = row.columnText(13);
        if (!readEnum(row, 14, ov.requestedByRole))
            return bad;
        ov.requestedAt = row.columnInt(15);
        ov.approvedBy = row.columnText(16);
        if (!readOptionalEnum(row, 17, ov.approvedByRole))
            return bad;
        ov.approvedAt = row.columnOptionalInt(18);
        ov.refusedBy = row.columnText(19);
        ov.refusedAt = row.columnOptionalInt(20);
        ov.refusalReason = row.columnText(21);
        r.consentOverride = std::move(ov);
    }
    r.createdBy = row.columnText(22);
    if (!readEnum(row, 23, r.createdByRole))
        return bad;
    r.createdAt = row.columnInt(24);
    r.deadlineAt = row.columnOptionalInt(25);
    r.acknowledgeBy = row.columnOptionalInt(26);
    r.sentAt = row.columnOptionalInt(27);
    r.acknowledgedAt = row.columnOptionalInt(28);
    r.decidedAt = row.columnOptionalInt(29);
    r.completedAt = row.columnOptionalInt(30);
    r.withdrawnAt = row.columnOptionalInt(31);
    r.escalatedAt = row.columnOptionalInt(32);
    if (!readOptionalEnum(row, 33, r.escalatedFrom))
        return bad;
    r.declineReason = row.columnText(34);
    r.updatedBy = row.columnText(35);
    r.updatedAt = row.columnInt(36);
    return r;
}

Fields consentFields(const ConsentRecord &c)
{
    Fields f;
    f["person_id"] = c.personId;
    f["purpose"] = c.purpose;
    f["recipients"] = enumsToJson(c.recipients);
    f["script_version"] = c.scriptVersion;
    f["method"] = toString(c.method);
    f["witness"] = nullable(c.witnessName);
    f["captured_by"] = c.capturedBy;
    f["captured_by_role"] = toString(c.capturedByRole);
    f["captured_at"] = c.capturedAt;
    f["capacity_concern"] = c.capacityConcern;
    f["capacity_note"] = nullable(c.capacityNote);
    f["withdrawn_at"] = nullptr;
    f["withdrawn_by"] = nullptr;
    f["withdrawn_by_role"] = nullptr;
    f["withdrawal_note"] = nullptr;
    return f;
}

Status checkNewPerson(const PersonDetails &person)
{
    if (auto ok = checkText("the person's name", person.name, kMaxShortText); !ok)
        return ok;
    if (collapseSpaces(person.name).empty())
        return Error::invalid("the person's name is required");
    return checkText("the person's contact", person.contact, kMaxShortText);
}

// An existing person must be on the device; a new one is written under
// `newId` the way a report writes its victim.
Status writePerson(WriteTxn &txn, DeviceStore &store, const ReferredPerson &person, const std::string &newId)
{
    if (!person.id.empty()) {
        auto found =
            hasRow(txn.db(), "SELECT 1 FROM people WHERE id = ?1", [&](Statement &s) { s.bind(1, person.id); });
        if (!found)
            return found.error();
        if (!*found)
            return Error::notFound("no person " + person.id + " on this device");
        return {};
    }
    Fields fields;
    fields["name"] = collapseSpaces(person.details.name);
    fields["contact"] = nullable(collapseSpaces(person.details.contact));
    fields["match_key"] = store.matchKey(person.details.name);
    fields["created_at"] = txn.now();
    return txn.insert("people", newId, std::move(fields));
}

Status checkPersonRef(const ReferredPerson &person)
{
    if (!person.id.empty())
        return isUuid(person.id) ? Status() : Error::invalid("not a person id: ids are UUIDs (36 characters)");
    return checkNewPerson(person.details);
}

// Writes the columns the step changed, and the step's history entry.
Status writeTransition(WriteTxn &txn, const DeviceProfile &profile, const Referral &before, const Referral &after,
                       const std::string &text)
{
    const Fields old = referralFields(before);
    const Fields now = referralFields(after);
    Fields changed = Fields::object();
    for (const auto &[column, value] : now.items())
        if (!old.contains(column) || old.at(column) != value)
            changed[column] = value;
    if (auto ok = txn.update("referrals", after.id, std::move(changed)); !ok)
        return ok;
    Fields event;
    event["referral_id"] = after.id;
    event["from_status"] = toString(before.status);
    event["to_status"] = toString(after.status);
    event["text"] = text;
    event["at"] = after.updatedAt;
    event["author"] = profile.userName;
    event["author_role"] = toString(profile.role);
    return txn.insert("referral_events", txn.newId(), std::move(event));
}

bool hasLifecycleFields(const Referral &r)
{
    return r.sentAt || r.acknowledgedAt || r.decidedAt || r.completedAt || r.withdrawnAt || r.escalatedAt
           || r.escalatedFrom || r.acknowledgeBy || !r.updatedBy.empty() || r.updatedAt != 0;
}

Status checkId(std::string_view what, const std::string &id)
{
    if (!isUuid(id))
        return Error::invalid("not a " + std::string(what)
                              + " id: ids are UUIDs such as 0192f1d2-...-... (36 characters)");
    return {};
}

} // namespace

ReferralStore::ReferralStore(DeviceStore &store, ReferralRules rules) : m_store(store), m_rules(std::move(rules)) {}

Status ReferralStore::checkInitialised() const
{
    if (!m_store.isInitialised())
        return Error::notAllowed("the database is not initialised: run init first");
    return {};
}

ConsentRules ReferralStore::consentRules() const
{
    // The same rules the lifecycle re-checks the consent with on sending.
    ConsentRules rules;
    rules.mayRecord = m_rules.routes.referringRoles;
    rules.maxClockSkewMs = m_rules.maxClockSkewMs;
    return rules;
}

Result<ConsentCaptured> ReferralStore::captureConsent(ConsentRecord input, const ReferredPerson &person)
{
    if (auto ok = checkInitialised(); !ok)
        return ok.error();
    if (input.withdrawal)
        return Error::invalid("a consent being captured cannot already be withdrawn: record the withdrawal as its "
                              "own step");
    if (auto ok = checkPersonRef(person); !ok)
        return ok.error();
    const DeviceProfile &profile = m_store.profile();
    ConsentCaptured out;
    out.newPerson = person.id.empty();
    Status written = m_store.write([&](WriteTxn &txn) -> Status {
        ConsentRecord c = input;
        c.id = txn.newId();
        c.personId = person.id.empty() ? txn.newId() : person.id;
        c.capturedBy = profile.userName;
        c.capturedByRole = profile.role;
        if (c.capturedAt == 0)
            c.capturedAt = txn.now();
        if (auto ok = validateConsent(c, txn.now(), consentRules()); !ok)
            return ok;
        c.witnessName = collapseSpaces(c.witnessName);
        if (auto ok = writePerson(txn, m_store, person, c.personId); !ok)
            return ok;
        if (auto ok = txn.insert("consent_records", c.id, consentFields(c)); !ok)
            return ok;
        out.consent = std::move(c);
        return {};
    });
    if (!written)
        return written.error();
    return out;
}

Result<ConsentWithdrawn> ReferralStore::withdrawConsent(const std::string &consentId, const std::string &note)
{
    if (auto ok = checkInitialised(); !ok)
        return ok.error();
    if (auto ok = checkId("consent", consentId); !ok)
        return ok.error();
    if (auto ok = checkText("withdrawal note", note, kMaxLongText, true); !ok)
        return ok.error();
    const DeviceProfile &profile = m_store.profile();
    ConsentWithdrawn out;
    Status written = m_store.write([&](WriteTxn &txn) -> Status {
        auto consent = getConsent(consentId);
        if (!consent)
            return consent.error();
        const TimestampMs now = txn.now();
        if (auto ok = beatbook::withdrawConsent(*consent, profile.userName, profile.role, now, note, consentRules());
            !ok)
            return ok;
        // Only the withdrawal columns: the table's trigger refuses any other
        // change, and a second withdrawal.
        Fields changed;
        changed["withdrawn_at"] = consent->withdrawal->withdrawnAt;
        changed["withdrawn_by"] = consent->withdrawal->withdrawnBy;
        changed["withdrawn_by_role"] = toString(consent->withdrawal->withdrawnByRole);
        changed["withdrawal_note"] = nullable(consent->withdrawal->note);
        if (auto ok = txn.update("consent_records", consentId, std::move(changed)); !ok)
            return ok;

        auto relying = referralsOnConsent(consentId);
        if (!relying)
            return relying.error();
        const std::string text = "consent withdrawn" + (note.empty() ? std::string() : ": " + note);
        for (const Referral &before : *relying) {
            if (!isOpen(before.status))
                continue;
            TransitionContext context;
            context.actor = profile.userName;
            context.actorRole = profile.role;
            context.now = now;
            context.consent = &*consent;
            context.rules = &m_rules;
            Referral after = before;
            if (auto ok = applyReferralTransition(after, ReferralStatus::Withdrawn, context); !ok)
                return Error{ok.error().code, "referral " + before.id + " could not be withdrawn with its consent: "
                                                  + ok.error().message};
            if (auto ok = writeTransition(txn, profile, before, after, text); !ok)
                return ok;
            out.withdrawnReferrals.push_back(std::move(after));
        }
        out.consent = std::move(*consent);
        return {};
    });
    if (!written)
        return written.error();
    return out;
}

Result<ConsentRecord> ReferralStore::getConsent(const std::string &id)
{
    if (auto ok = checkId("consent", id); !ok)
        return ok.error();
    return readOneRow(
        m_store.db(), std::string("SELECT ") + kConsentColumns + " FROM consent_records WHERE id = ?1",
        [&](Statement &s) { s.bind(1, id); }, readConsent, "no consent record " + id);
}

Result<Referral> ReferralStore::draft(Referral input, const ReferredPerson &person)
{
    if (auto ok = checkInitialised(); !ok)
        return ok.error();
    if (hasLifecycleFields(input))
        return Error::invalid("a new referral has no lifecycle steps yet: it starts as drafted");
    // Checked here because an unknown band would otherwise just lose to the
    // computed one below, silently.
    if (static_cast<std::size_t>(input.priorityBand) >= enumCount<PriorityBand>())
        return Error::invalid("unknown priority band; valid bands: " + allNames<PriorityBand>());
    if (auto ok = checkPersonRef(person); !ok)
        return ok.error();
    // Checked before white space is folded, so a control character is
    // refused rather than quietly turned into a space.
    if (auto ok = checkText("address", input.addressText, kMaxShortText); !ok)
        return ok.error();
    if (input.reportId)
        if (auto ok = checkId("report", *input.reportId); !ok)
            return ok.error();
    const DeviceProfile &profile = m_store.profile();
    Referral out;
    Status written = m_store.write([&](WriteTxn &txn) -> Status {
        Referral r = input;
        const TimestampMs now = txn.now();
        r.addressText = collapseSpaces(r.addressText);
        if (r.reportId) {
            auto report = readOneRow(
                txn.db(), "SELECT address_text, ward_code FROM asb_reports WHERE id = ?1",
                [&](Statement &s) { s.bind(1, *r.reportId); },
                [](const Statement &s) { return std::pair(s.columnText(0), s.columnText(1)); },
                "no report " + *r.reportId + " on this device");
            if (!report)
                return report.error();
            const auto &[reportAddress, reportWard] = *report;
            if (r.addressText.empty())
                r.addressText = reportAddress;
            if (r.wardCode.empty())
                r.wardCode = reportWard;
        }
        r.id = txn.newId();
        r.personId = person.id.empty() ? txn.newId() : person.id;
        r.createdBy = profile.userName;
        r.createdByRole = profile.role;
        r.createdAt = now;
        r.updatedBy = profile.userName;
        r.updatedAt = now;

        const PriorityBand asked = r.priorityBand;
        const std::optional<TimestampMs> askedDeadline = r.deadlineAt;
        assignPriority(r, m_rules);
        if (isMoreUrgent(asked, r.priorityBand)) {
            r.priorityBand = asked;
            if (m_rules.routes.rulesFor(r.route).bandSetsDeadline)
                r.deadlineAt = responseDeadline(asked, r.createdAt, m_rules.banding);
        }
        if (askedDeadline && (!r.deadlineAt || *askedDeadline < *r.deadlineAt))
            r.deadlineAt = askedDeadline;
        if (auto ok = validateNewReferral(r, now, m_rules); !ok)
            return ok;
        if (auto ok = writePerson(txn, m_store, person, r.personId); !ok)
            return ok;
        if (auto ok = txn.insert("referrals", r.id, referralFields(r)); !ok)
            return ok;
        out = std::move(r);
        return {};
    });
    if (!written)
        return written.error();
    return out;
}

Result<Referral> ReferralStore::transition(const std::string &referralId, ReferralStatus to, const std::string &reason,
                                           const std::optional<std::string> &consentId)
{
    if (auto ok = checkInitialised(); !ok)
        return ok.error();
    if (auto ok = checkId("referral", referralId); !ok)
        return ok.error();
    if (consentId) {
        if (auto ok = checkId("consent", *consentId); !ok)
            return ok.error();
        if (to != ReferralStatus::ConsentCaptured)
            return Error::invalid("a consent record is given only when capturing consent (to consent_captured)");
    }
    if (auto ok = checkText("reason", reason, kMaxLongText, true); !ok)
        return ok.error();
    const DeviceProfile &profile = m_store.profile();
    Referral out;
    Status written = m_store.write([&](WriteTxn &txn) -> Status {
        auto current = get(referralId);
        if (!current)
            return current.error();
        std::optional<ConsentRecord> consent;
        const std::string &useConsent = consentId ? *consentId : current->consentId;
        if (!useConsent.empty()) {
            auto loaded = getConsent(useConsent);
            if (!loaded)
                return loaded.error();
            consent = std::move(*loaded);
        }
        TransitionContext context;
        context.actor = profile.userName;
        context.actorRole = profile.role;
        context.now = txn.now();
        context.consent = consent ? &*consent : nullptr;
        context.reason = reason;
        context.rules = &m_rules;
        const auto missed = missedDeadline(*current, context.now);
        Referral after = *current;
        if (auto ok = applyReferralTransition(after, to, context); !ok)
            return ok;
        std::string text = reason;
        if (text.empty() && to == ReferralStatus::Escalated && missed)
            text = "missed the deadline " + formatIsoTime(*missed);
        if (text.empty() && to == ReferralStatus::ConsentCaptured)
            text = "consent " + after.consentId;
        if (auto ok = writeTransition(txn, profile, *current, after, text); !ok)
            return ok;
        out = std::move(after);
        return {};
    });
    if (!written)
        return written.error();
    return out;
}

Result<Referral> ReferralStore::get(const std::string &id)
{
    if (auto ok = checkId("referral", id); !ok)
        return ok.error();
    return readOneRow(
        m_store.db(), std::string("SELECT ") + kReferralColumns + " FROM referrals WHERE id = ?1",
        [&](Statement &s) { s.bind(1, id); }, readReferral, "no referral " + id);
}

Result<std::vector<Referral>> ReferralStore::list(const ReferralFilter &filter)
{
    if (filter.limit < 1)
        return Error::invalid("the list limit must be at least 1");
    return readRows(
        m_store.db(),
        std::string("SELECT ") + kReferralColumns
            + " FROM referrals WHERE (?1 IS NULL OR status = ?1) ORDER BY created_at DESC, id DESC LIMIT ?2",
        [&](Statement &s) {
            if (filter.status)
                s.bind(1, toString(*filter.status));
            else
                s.bind(1, nullptr);
            s.bind(2, static_cast<std::int64_t>(filter.limit));
        },
        readReferral);
}

Result<std::vector<Referral>> ReferralStore::overdue(TimestampMs now)
{
    // The query narrows to open referrals past one of their dates; the
    // lifecycle decides which of those dates still counts.
    auto rows = readRows(
        m_store.db(),
        std::string("SELECT ") + kReferralColumns
            + " FROM referrals WHERE status NOT IN ('completed', 'declined', 'withdrawn')"
              " AND (deadline_at < ?1 OR acknowledge_by < ?1)",
        [&](Statement &s) { s.bind(1, now); }, readReferral);
    if (!rows)
        return rows.error();
    std::vector<Referral> out;
    for (auto &r : *rows)
        if (isOverdue(r, now))
            out.push_back(std::move(r));
    std::stable_sort(out.begin(), out.end(), [now](const Referral &a, const Referral &b) {
        return *missedDeadline(a, now) < *missedDeadline(b, now);
    });
    return out;
}

Result<std::vector<Referral>> ReferralStore::referralsOnConsent(const std::string &consentId)
{
    if (auto ok = checkId("consent", consentId); !ok)
        return ok.error();
    return readRows(
        m_store.db(),
        std::string("SELECT ") + kReferralColumns + " FROM referrals WHERE consent_id = ?1 ORDER BY created_at, id",
        [&](Statement &s) { s.bind(1, consentId); }, readReferral);
}

Result<std::vector<ReferralEvent>> ReferralStore::events(const std::string &referralId)
{
    if (auto ok = checkId("referral", referralId); !ok)
        return ok.error();
    return readRows(
        m_store.db(),
        std::string("SELECT ") + kEventColumns + " FROM referral_events WHERE referral_id = ?1 ORDER BY at, hlc",
        [&](Statement &s) { s.bind(1, referralId); },
        [](const Statement &s) -> Result<ReferralEvent> {
            ReferralEvent e;
            e.id = s.columnText(0);
            e.referralId = s.columnText(1);
            e.text = s.columnText(4);
            e.at = s.columnInt(5);
            e.author = s.columnText(6);
            if (!readEnum(s, 2, e.fromStatus) || !readEnum(s, 3, e.toStatus) || !readEnum(s, 7, e.authorRole))
                return Error::storage("referral event " + e.id + " holds a value this build does not know");
            return e;
        });
}

Result<PersonDetails> ReferralStore::person(const std::string &personId)
{
    if (auto ok = checkId("person", personId); !ok)
        return ok.error();
    return readOneRow(
        m_store.db(), "SELECT name, contact FROM people WHERE id = ?1", [&](Statement &s) { s.bind(1, personId); },
        [](const Statement &s) { return PersonDetails{s.columnText(0), s.columnText(1)}; },
        "no person " + personId + " on this device");
}

} // namespace beatbook
