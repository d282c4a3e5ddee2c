#include "store/asbreportstore.h"

#include "core/text.h"
#include "core/uuid.h"
#include "domain/addressnormaliser.h"
#include "domain/asblifecycle.h"
#include "geo/geopoint.h"
#include "geo/wardboundaries.h"
#include "store/query.h"

namespace beatbook {
namespace {

constexpr const char *kReportColumns =
    "id, type, qualifier, hate, occurred_at, logged_at, lat, lon, accuracy_m, address_text, address_key, "
    "place_key, ward_code, description, reporter_id, victim_id, source_role, logged_by, status, "
    "repeat_victim, prior_reports, assigned_to, reporter_informed_at, close_reason";

Result<AsbReport> readReport(const Statement &row)
{
    AsbReport r;
    r.id = row.columnText(0);
    auto type = enumFromString<AsbType>(row.columnText(1));
    auto qualifier = enumFromString<AsbQualifier>(row.columnText(2));
    auto role = enumFromString<Role>(row.columnText(16));
    auto status = enumFromString<AsbStatus>(row.columnText(18));
    if (!type || !qualifier || !role || !status)
        return Error::storage("report " + r.id + " holds a value this build does not know");
    r.type = *type;
    r.qualifier = *qualifier;
    r.hate = row.columnInt(3) != 0;
    r.occurredAt = row.columnInt(4);
    r.loggedAt = row.columnInt(5);
    r.lat = row.columnDouble(6);
    r.lon = row.columnDouble(7);
    r.accuracyM = row.columnOptionalDouble(8);
    r.addressText = row.columnText(9);
    r.addressKey = row.columnText(10);
    r.placeKey = row.columnText(11);
    r.wardCode = row.columnOptionalText(12);
    r.description = row.columnText(13);
    r.reporterId = row.columnOptionalText(14);
    r.victimId = row.columnOptionalText(15);
    r.sourceRole = *role;
    r.loggedBy = row.columnText(17);
    r.status = *status;
    r.repeatVictim = row.columnInt(19) != 0;
    r.priorReports = static_cast<int>(row.columnInt(20));
    r.assignedTo = row.columnOptionalText(21);
    r.reporterInformedAt = row.columnOptionalInt(22);
    r.closeReason = row.columnOptionalText(23);
    return r;
}

Fields nullable(const std::string &text) { return text.empty() ? Fields(nullptr) : Fields(text); }

Result<std::string> insertPerson(WriteTxn &txn, DeviceStore &store, const PersonDetails &person)
{
    const std::string id = txn.newId();
    Fields fields;
    fields["name"] = collapseSpaces(person.name);
    fields["contact"] = nullable(collapseSpaces(person.contact));
    fields["match_key"] = store.matchKey(person.name);
    fields["created_at"] = txn.now();
    if (auto ok = txn.insert("people", id, std::move(fields)); !ok)
        return ok.error();
    return id;
}

} // namespace

AsbReportStore::AsbReportStore(DeviceStore &store, const WardBoundaries &wards, RepeatVictimRule rule,
                               AsbReportSettings settings)
    : m_store(store), m_wards(wards), m_rule(rule), m_settings(settings)
{
}

Result<int> AsbReportStore::countPriorReports(const std::optional<std::string> &victimKey,
                                              const std::optional<std::string> &addressKey, TimestampMs occurredAt)
{
    if (!victimKey && !addressKey)
        return 0;
    // A UNION of two index range scans: distinct reports that match the
    // victim, the address or both, counted once each.
    auto count = readOptionalRow(
        m_store.db(),
        "SELECT COUNT(*) FROM ("
        " SELECT id FROM asb_reports WHERE victim_key = ?3 AND occurred_at BETWEEN ?1 AND ?2"
        " UNION"
        " SELECT id FROM asb_reports WHERE address_key = ?4 AND occurred_at BETWEEN ?1 AND ?2)",
        [&](Statement &s) {
            s.bind(1, occurredAt - m_rule.windowMs).bind(2, occurredAt);
            s.bindOptional(3, victimKey).bindOptional(4, addressKey);
        },
        [](const Statement &s) { return static_cast<int>(s.columnInt(0)); });
    if (!count)
        return count.error();
    return count->value_or(0);
}

Result<LoggedAsbReport> AsbReportStore::log(const NewAsbReport &input)
{
    if (!m_store.isInitialised())
        return Error::notAllowed("the database is not initialised: run init first");
    const DeviceProfile &profile = m_store.profile();
    if (auto ok = validateNewAsbReport(input, profile.role, m_store.now(), m_settings); !ok)
        return ok.error();

    AsbReport report;
    report.type = input.type;
    report.qualifier = input.qualifier;
    report.hate = input.hate;
    report.occurredAt = input.occurredAt;
    report.lat = input.lat;
    report.lon = input.lon;
    report.accuracyM = input.accuracyM;
    report.addressText = collapseSpaces(input.addressText);
    report.addressKey = normaliseAddress(input.addressText);
    report.placeKey = report.addressKey.empty() ? placeCellKey({input.lat, input.lon}) : report.addressKey;
    if (const auto *ward = m_wards.wardAt({input.lat, input.lon}))
        report.wardCode = ward->code;
    report.description = input.description;
    report.sourceRole = profile.role;
    report.loggedBy = profile.userName;
    report.status = AsbStatus::Submitted;

    std::optional<std::string> victimKey;
    // A name with no letters or digits ("?", "-") folds to nothing: it names
    // no one, so it must not make every such victim the same person.
    if (input.victim && !foldForMatching(input.victim->name).empty())
        victimKey = m_store.matchKey(input.victim->name);
    std::optional<std::string> addressKey;
    if (!report.addressKey.empty())
        addressKey = report.addressKey;

    LoggedAsbReport logged;
    Status written = m_store.write([&](WriteTxn &txn) -> Status {
        // Counted inside the write transaction, so two reports logged at once
        // cannot both miss each other.
        auto prior = countPriorReports(victimKey, addressKey, input.occurredAt);
        if (!prior)
            return prior.error();
        report.priorReports = *prior;
        report.repeatVictim = (victimKey || addressKey) && m_rule.isRepeat(*prior);

        if (input.reporter) {
            auto id = insertPerson(txn, m_store, *input.reporter);
            if (!id)
                return id.error();
            report.reporterId = *id;
        }
        if (input.victim) {
            auto id = insertPerson(txn, m_store, *input.victim);
            if (!id)
                return id.error();
            report.victimId = *id;
        }
        report.id = txn.newId();
        report.loggedAt = txn.now();

        Fields f;
        f["type"] = toString(report.type);
        f["qualifier"] = toString(report.qualifier);
        f["hate"] = report.hate;
        f["occurred_at"] = report.occurredAt;
        f["logged_at"] = report.loggedAt;
        f["lat"] = report.lat;
        f["lon"] = report.lon;
        f["accuracy_m"] = report.accuracyM ? Fields(*report.accuracyM) : Fields(nullptr);
        f["address_text"] = nullable(report.addressText);
        f["address_key"] = addressKey ? Fields(*addressKey) : Fields(nullptr);
        f["place_key"] = report.placeKey;
        f["ward_code"] = report.wardCode ? Fields(*report.wardCode) : Fields(nullptr);
        f["description"] = report.description;
        f["reporter_id"] = report.reporterId ? Fields(*report.reporterId) : Fields(nullptr);
        f["victim_id"] = report.victimId ? Fields(*report.victimId) : Fields(nullptr);
        f["victim_key"] = victimKey ? Fields(*victimKey) : Fields(nullptr);
        f["source_role"] = toString(report.sourceRole);
        f["logged_by"] = report.loggedBy;
        f["status"] = toString(report.status);
        f["repeat_victim"] = report.repeatVictim;
        f["prior_reports"] = report.priorReports;
        return txn.insert("asb_reports", report.id, std::move(f));
    });
    if (!written)
        return written.error();
    logged.report = report;
    logged.priorReports = report.priorReports;
    logged.repeatVictim = report.repeatVictim;
    return logged;
}

Result<AsbReport> AsbReportStore::get(const std::string &id)
{
    if (!isUuid(id))
        return Error::invalid("not a report id: ids look like 0192f1d2-...-... (36 characters)");
    return readOneRow(
        m_store.db(), std::string("SELECT ") + kReportColumns + " FROM asb_reports WHERE id = ?1",
        [&](Statement &s) { s.bind(1, id); }, readReport, "no report " + id);
}

Result<std::vector<AsbReport>> AsbReportStore::list(const AsbReportFilter &filter)
{
    return readRows(
        m_store.db(),
        std::string("SELECT ") + kReportColumns
            + " FROM asb_reports WHERE (?1 IS NULL OR ward_code = ?1)"
              " AND (?2 IS NULL OR status = ?2)"
              " ORDER BY occurred_at DESC, id DESC LIMIT ?3",
        [&](Statement &s) {
            s.bindOptional(1, filter.wardCode);
            if (filter.status)
                s.bind(2, toString(*filter.status));
            else
                s.bind(2, nullptr);
            s.bind(3, static_cast<std::int64_t>(filter.limit));
        },
        readReport);
}

Result<AsbReport> AsbReportStore::transition(const std::string &id, AsbStatus to, const std::string &reason,
                                             const std::optional<std::string> &assignee)
{
    if (!m_store.isInitialised())
        return Error::notAllowed("the database is not initialised: run init first");
    const DeviceProfile &profile = m_store.profile();
    if (assignee) {
        if (auto ok = checkText("assignee", *assignee, kMaxShortText); !ok)
            return ok.error();
        if (to != AsbStatus::Assigned)
            return Error::invalid("an assignee is only given when assigning");
    }
    AsbReport updated;
    Status written = m_store.write([&](WriteTxn &txn) -> Status {
        auto current = get(id);
        if (!current)
            return current.error();
        if (auto ok = checkAsbTransition(*current, to, profile.role, reason); !ok)
            return ok;
        updated = *current;
        const TimestampMs now = txn.now();
        const std::string text = collapseSpaces(reason);
        Fields changed;
        changed["status"] = toString(to);
        if (to == AsbStatus::Assigned) {
            updated.assignedTo = assignee ? collapseSpaces(*assignee) : profile.userName;
            changed["assigned_to"] = *updated.assignedTo;
        }
        if (to == AsbStatus::ReporterInformed) {
            updated.reporterInformedAt = now;
            changed["reporter_informed_at"] = now;
        }
        if (to == AsbStatus::Closed && !text.empty()) {
            updated.closeReason = text;
            changed["close_reason"] = text;
        }
        if (auto ok = txn.update("asb_reports", id, std::move(changed)); !ok)
            return ok;
        updated.status = to;

        Fields event;
        event["report_id"] = id;
        event["kind"] = "transition";
        event["from_status"] = toString(current->status);
        event["to_status"] = toString(to);
        event["text"] = text;
        event["at"] = now;
        event["author"] = profile.userName;
        event["author_role"] = toString(profile.role);
        return txn.insert("report_events", txn.newId(), std::move(event));
    });
    if (!written)
        return written.error();
    return updated;
}

Result<ReportEvent> AsbReportStore::addFollowUp(const std::string &id, const std::string &kind,
                                                const std::string &text)
{
    if (!m_store.isInitialised())
        return Error::notAllowed("the database is not initialised: run init first");
    if (kind != "follow_up" && kind != "note")
        return Error::invalid("a follow-up's kind is follow_up or note");
    if (auto ok = checkText("text", text, kMaxLongText, true); !ok)
        return ok.error();
    if (collapseSpaces(text).empty())
        return Error::invalid("a follow-up needs some text");
    const DeviceProfile &profile = m_store.profile();
    ReportEvent event;
    Status written = m_store.write([&](WriteTxn &txn) -> Status {
        auto report = get(id);
        if (!report)
            return report.error();
        event.id = txn.newId();
        event.reportId = id;
        event.kind = kind;
        event.text = text;
        event.at = txn.now();
        event.author = profile.userName;
        event.authorRole = std::string(toString(profile.role));
        Fields f;
        f["report_id"] = id;
        f["kind"] = kind;
        f["from_status"] = nullptr;
        f["to_status"] = nullptr;
        f["text"] = text;
        f["at"] = event.at;
        f["author"] = event.author;
        f["author_role"] = event.authorRole;
        return txn.insert("report_events", event.id, std::move(f));
    });
    if (!written)
        return written.error();
    return event;
}

Result<std::vector<ReportEvent>> AsbReportStore::events(const std::string &reportId)
{
    return readRows(
        m_store.db(),
        "SELECT id, report_id, kind, from_status, to_status, text, at, author, author_role FROM report_events "
        "WHERE report_id = ?1 ORDER BY at, hlc",
        [&](Statement &s) { s.bind(1, reportId); },
        [](const Statement &s) {
            return ReportEvent{s.columnText(0), s.columnText(1), s.columnText(2), s.columnOptionalText(3),
                               s.columnOptionalText(4), s.columnText(5), s.columnInt(6), s.columnText(7),
                               s.columnText(8)};
        });
}

Result<std::optional<PersonDetails>> AsbReportStore::person(const std::optional<std::string> &personId)
{
    if (!personId)
        return std::optional<PersonDetails>();
    return readOptionalRow(
        m_store.db(), "SELECT name, contact FROM people WHERE id = ?1", [&](Statement &s) { s.bind(1, *personId); },
        [](const Statement &s) { return PersonDetails{s.columnText(0), s.columnText(1)}; });
}

} // namespace beatbook
