#include "sync/changevalidator.h"

#include "core/hlc.h"
#include "core/text.h"
#include "domain/advicegiven.h"
#include "domain/advicelibrary.h"
#include "domain/asblifecycle.h"
#include "domain/consentrecord.h"
#include "domain/permissions.h"
#include "domain/recipientkind.h"
#include "domain/referrallifecycle.h"
#include "geo/wardcode.h"
#include "store/namelist.h"
#include "store/referralfields.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <span>

namespace beatbook {
namespace {

using Columns = std::map<std::string, ColumnInfo, std::less<>>;

// ---------------------------------------------------------------- reading Fields

const Fields *member(const Fields &object, std::string_view name)
{
    if (!object.is_object())
        return nullptr;
    auto found = object.find(std::string(name));
    return found == object.end() ? nullptr : &*found;
}

bool isNull(const Fields *value) { return !value || value->is_null(); }

std::string textOf(const Fields *value)
{
    return value && value->is_string() ? value->get<std::string>() : std::string();
}

std::optional<std::string> optionalText(const Fields *value)
{
    if (!value || !value->is_string())
        return std::nullopt;
    return value->get<std::string>();
}

std::optional<std::int64_t> integerOf(const Fields *value)
{
    if (!value)
        return std::nullopt;
    if (value->is_boolean())
        return value->get<bool>() ? 1 : 0;
    if (value->is_number_integer())
        return value->get<std::int64_t>();
    return std::nullopt;
}

std::optional<double> realOf(const Fields *value)
{
    if (!value || !value->is_number())
        return std::nullopt;
    return value->get<double>();
}

bool isBlank(std::string_view text) { return collapseSpaces(text).empty(); }

// A name from a device, safe to put in a message.
std::string printable(std::string_view text)
{
    std::string shown(text.substr(0, 40));
    for (char &c : shown)
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F)
            c = '?';
    return shown;
}

std::string name(Role role) { return std::string(toString(role)); }

// ---------------------------------------------------------------- the schema's rules

// Free text that may run long (notes, descriptions, reasons) and the JSON
// lists kept in one column; everything else is a short single line.
constexpr std::array<std::string_view, 12> kLongText{
    "description", "text", "close_reason", "capacity_note", "withdrawal_note", "override_justification",
    "override_refusal_reason", "decline_reason", "purpose", "risk_factors", "participants", "recipients"};

bool isLongText(std::string_view column)
{
    return std::find(kLongText.begin(), kLongText.end(), column) != kLongText.end();
}

using ValueCheck = Status (*)(std::string_view column, const Fields &value);

template <typename E>
Status enumValue(std::string_view column, const Fields &value)
{
    auto parsed = parseEnum<E>(column, textOf(&value));
    if (!parsed)
        return parsed.error();
    return {};
}

Status asbStatusValue(std::string_view column, const Fields &value)
{
    if (auto ok = enumValue<AsbStatus>(column, value); !ok)
        return ok;
    if (textOf(&value) == toString(AsbStatus::Draft))
        return Error::invalid("a draft report exists only in the app's form: it is never synced");
    return {};
}

Status flagValue(std::string_view column, const Fields &value)
{
    auto n = integerOf(&value);
    if (!n || (*n != 0 && *n != 1))
        return Error::invalid(std::string(column) + " must be 0 or 1");
    return {};
}

Status latitudeValue(std::string_view column, const Fields &value)
{
    auto x = realOf(&value);
    if (!x || *x < -90 || *x > 90)
        return Error::invalid(std::string(column) + " must be a latitude in [-90, 90]");
    return {};
}

Status longitudeValue(std::string_view column, const Fields &value)
{
    auto x = realOf(&value);
    if (!x || *x < -180 || *x > 180)
        return Error::invalid(std::string(column) + " must be a longitude in [-180, 180]");
    return {};
}

Status positiveValue(std::string_view column, const Fields &value)
{
    auto x = realOf(&value);
    if (!x || !(*x > 0))
        return Error::invalid(std::string(column) + " must be more than 0");
    return {};
}

Status notNegativeValue(std::string_view column, const Fields &value)
{
    auto x = realOf(&value);
    if (!x || *x < 0)
        return Error::invalid(std::string(column) + " cannot be negative");
    return {};
}

Status recordIdValue(std::string_view column, const Fields &value)
{
    return checkSyncId(column, textOf(&value));
}

Status wardCodeValue(std::string_view column, const Fields &value)
{
    if (!isWardCodeFormat(textOf(&value)))
        return Error::invalid(std::string(column) + " must be a 2022 ONS ward code such as E05013628");
    return {};
}

Status eventKindValue(std::string_view column, const Fields &value)
{
    const std::string kind = textOf(&value);
    if (kind != "transition" && kind != "follow_up" && kind != "note")
        return Error::invalid("unknown " + std::string(column) + " '" + printable(kind)
                              + "'; expected one of: transition, follow_up, note");
    return {};
}

Status routeListValue(std::string_view column, const Fields &value)
{
    auto names = namesFromJson(textOf(&value));
    if (!names)
        return Error::invalid(std::string(column) + " must be a JSON list of referral routes");
    for (const auto &route : *names)
        if (auto ok = parseEnum<ReferralRoute>(column, route); !ok)
            return ok.error();
    return {};
}

Status riskFactorListValue(std::string_view column, const Fields &value)
{
    auto names = namesFromJson(textOf(&value));
    if (!names)
        return Error::invalid(std::string(column) + " must be a JSON list of risk factors");
    if (auto ok = riskFactorsFromNames(*names); !ok)
        return ok.error();
    return {};
}

Result<std::vector<PatrolParticipant>> participantsFrom(const std::string &text)
{
    const Error bad = Error::invalid("participants must be a JSON list of {\"name\", \"role\"}");
    auto list = nlohmann::json::parse(text, nullptr, false);
    if (list.is_discarded() || !list.is_array())
        return bad;
    std::vector<PatrolParticipant> out;
    for (const auto &item : list) {
        if (!item.is_object() || !item.contains("name") || !item.contains("role") || !item["name"].is_string()
            || !item["role"].is_string())
            return bad;
        auto role = parseEnum<Role>("participant role", item["role"].get<std::string>());
        if (!role)
            return role.error();
        out.push_back({item["name"].get<std::string>(), *role});
    }
    return out;
}

Status participantsValue(std::string_view, const Fields &value)
{
    auto list = participantsFrom(textOf(&value));
    if (!list)
        return list.error();
    return {};
}

struct ValueRule {
    std::string_view entity; // empty: every class
    std::string_view column;
    ValueCheck check;
};

// What the store's own writers guarantee about a column's values (names,
// ranges, and the tables' CHECK constraints), so a device's record never
// makes another device's reader fail.
const ValueRule kValueRules[] = {
    {"", "ward_code", wardCodeValue},
    {"asb_reports", "type", enumValue<AsbType>},
    {"asb_reports", "qualifier", enumValue<AsbQualifier>},
    {"asb_reports", "hate", flagValue},
    {"asb_reports", "lat", latitudeValue},
    {"asb_reports", "lon", longitudeValue},
    {"asb_reports", "accuracy_m", notNegativeValue},
    {"asb_reports", "reporter_id", recordIdValue},
    {"asb_reports", "victim_id", recordIdValue},
    {"asb_reports", "source_role", enumValue<Role>},
    {"asb_reports", "status", asbStatusValue},
    {"asb_reports", "repeat_victim", flagValue},
    {"asb_reports", "prior_reports", notNegativeValue},
    {"report_events", "report_id", recordIdValue},
    {"report_events", "kind", eventKindValue},
    {"report_events", "from_status", asbStatusValue},
    {"report_events", "to_status", asbStatusValue},
    {"report_events", "author_role", enumValue<Role>},
    {"cocooning_operations", "origin_lat", latitudeValue},
    {"cocooning_operations", "origin_lon", longitudeValue},
    {"cocooning_operations", "radius_m", positiveValue},
    {"cocooning_operations", "status", enumValue<CocooningStatus>},
    {"cocooning_targets", "operation_id", recordIdValue},
    {"cocooning_targets", "lat", latitudeValue},
    {"cocooning_targets", "lon", longitudeValue},
    {"cocooning_targets", "distance_m", notNegativeValue},
    {"advice_given", "recipient_kind", enumValue<RecipientKind>},
    {"advice_given", "mode", enumValue<AdviceMode>},
    {"advice_given", "report_id", recordIdValue},
    {"advice_given", "operation_id", recordIdValue},
    {"advice_given", "target_id", recordIdValue},
    {"advice_given", "given_by_role", enumValue<Role>},
    {"consent_records", "person_id", recordIdValue},
    {"consent_records", "recipients", routeListValue},
    {"consent_records", "method", enumValue<ConsentMethod>},
    {"consent_records", "captured_by_role", enumValue<Role>},
    {"consent_records", "capacity_concern", flagValue},
    {"consent_records", "withdrawn_by_role", enumValue<Role>},
    {"referrals", "route", enumValue<ReferralRoute>},
    {"referrals", "person_id", recordIdValue},
    {"referrals", "report_id", recordIdValue},
    {"referrals", "risk_factors", riskFactorListValue},
    {"referrals", "priority_band", enumValue<PriorityBand>},
    {"referrals", "status", enumValue<ReferralStatus>},
    {"referrals", "consent_id", recordIdValue},
    {"referrals", "override_requested_by_role", enumValue<Role>},
    {"referrals", "override_approved_by_role", enumValue<Role>},
    {"referrals", "created_by_role", enumValue<Role>},
    {"referrals", "escalated_from", enumValue<ReferralStatus>},
    {"referral_events", "referral_id", recordIdValue},
    {"referral_events", "from_status", enumValue<ReferralStatus>},
    {"referral_events", "to_status", enumValue<ReferralStatus>},
    {"referral_events", "author_role", enumValue<Role>},
    {"joint_patrols", "participants", participantsValue},
    {"patrol_observations", "patrol_id", recordIdValue},
    {"patrol_observations", "lat", latitudeValue},
    {"patrol_observations", "lon", longitudeValue},
};

enum class Actor { Name, RoleName };

struct ActorColumn {
    std::string_view entity;
    std::string_view column;
    Actor kind;
};

// Columns that say who did something: a device may only write its own
// user's name and role into them.
constexpr ActorColumn kActorColumns[] = {
    {"asb_reports", "logged_by", Actor::Name},
    {"asb_reports", "source_role", Actor::RoleName},
    {"report_events", "author", Actor::Name},
    {"report_events", "author_role", Actor::RoleName},
    {"cocooning_operations", "planned_by", Actor::Name},
    {"advice_given", "given_by", Actor::Name},
    {"advice_given", "given_by_role", Actor::RoleName},
    {"consent_records", "captured_by", Actor::Name},
    {"consent_records", "captured_by_role", Actor::RoleName},
    {"consent_records", "withdrawn_by", Actor::Name},
    {"consent_records", "withdrawn_by_role", Actor::RoleName},
    {"referrals", "created_by", Actor::Name},
    {"referrals", "created_by_role", Actor::RoleName},
    {"referrals", "updated_by", Actor::Name},
    {"referrals", "override_requested_by", Actor::Name},
    {"referrals", "override_requested_by_role", Actor::RoleName},
    {"referrals", "override_approved_by", Actor::Name},
    {"referrals", "override_approved_by_role", Actor::RoleName},
    {"referrals", "override_refused_by", Actor::Name},
    {"referral_events", "author", Actor::Name},
    {"referral_events", "author_role", Actor::RoleName},
    {"joint_patrols", "created_by", Actor::Name},
    {"patrol_observations", "author", Actor::Name},
};

// The columns an update may change, per class: what the device's stores
// change. Everything else is fixed once written.
constexpr std::array<std::string_view, 3> kPeopleUpdatable{"name", "contact", "match_key"};
constexpr std::array<std::string_view, 5> kReportUpdatable{"status", "assigned_to", "close_reason",
                                                           "reporter_informed_at", "ward_code"};
constexpr std::array<std::string_view, 2> kOperationUpdatable{"status", "close_reason"};
constexpr std::array<std::string_view, 3> kTargetUpdatable{"lat", "lon", "distance_m"};
constexpr std::array<std::string_view, 4> kConsentUpdatable{"withdrawn_at", "withdrawn_by", "withdrawn_by_role",
                                                            "withdrawal_note"};
// A referral changes only by its lifecycle steps, which write these.
constexpr std::array<std::string_view, 23> kReferralStepColumns{
    "status", "consent_id", "override_justification", "override_requested_by", "override_requested_by_role",
    "override_requested_at", "override_approved_by", "override_approved_by_role", "override_approved_at",
    "override_refused_by", "override_refused_at", "override_refusal_reason", "acknowledge_by", "sent_at",
    "acknowledged_at", "decided_at", "completed_at", "withdrawn_at", "escalated_at", "escalated_from",
    "decline_reason", "updated_by", "updated_at"};
constexpr std::array<std::string_view, 1> kPatrolUpdatable{"ended_at"};

std::span<const std::string_view> updatableColumns(std::string_view entity)
{
    if (entity == "people")
        return kPeopleUpdatable;
    if (entity == "asb_reports")
        return kReportUpdatable;
    if (entity == "cocooning_operations")
        return kOperationUpdatable;
    if (entity == "cocooning_targets")
        return kTargetUpdatable;
    if (entity == "consent_records")
        return kConsentUpdatable;
    if (entity == "referrals")
        return kReferralStepColumns;
    if (entity == "joint_patrols")
        return kPatrolUpdatable;
    return {};
}

std::string nounFor(std::string_view entity)
{
    constexpr std::array<std::pair<std::string_view, std::string_view>, 11> kNouns{{
        {"people", "person"},
        {"asb_reports", "report"},
        {"report_events", "report event"},
        {"cocooning_operations", "cocooning operation"},
        {"cocooning_targets", "cocooning target"},
        {"advice_given", "record of advice given"},
        {"consent_records", "consent record"},
        {"referrals", "referral"},
        {"referral_events", "referral event"},
        {"joint_patrols", "joint patrol"},
        {"patrol_observations", "patrol observation"},
    }};
    for (const auto &[table, noun] : kNouns)
        if (table == entity)
            return std::string(noun);
    return std::string(entity);
}

// ---------------------------------------------------------------- records from Fields

// As AsbReportStore reads a row (store/asbreportstore.cpp).
Result<AsbReport> asbReportFrom(const Fields &f, const std::string &id)
{
    AsbReport r;
    r.id = id;
    auto type = enumFromString<AsbType>(textOf(member(f, "type")));
    auto qualifier = enumFromString<AsbQualifier>(textOf(member(f, "qualifier")));
    auto role = enumFromString<Role>(textOf(member(f, "source_role")));
    auto status = enumFromString<AsbStatus>(textOf(member(f, "status")));
    if (!type || !qualifier || !role || !status)
        return Error::storage("the server's copy of report " + id + " holds a value this build does not know");
    r.type = *type;
    r.qualifier = *qualifier;
    r.hate = integerOf(member(f, "hate")).value_or(0) != 0;
    r.occurredAt = integerOf(member(f, "occurred_at")).value_or(0);
    r.loggedAt = integerOf(member(f, "logged_at")).value_or(0);
    r.lat = realOf(member(f, "lat")).value_or(0);
    r.lon = realOf(member(f, "lon")).value_or(0);
    r.accuracyM = realOf(member(f, "accuracy_m"));
    r.addressText = textOf(member(f, "address_text"));
    r.addressKey = textOf(member(f, "address_key"));
    r.placeKey = textOf(member(f, "place_key"));
    r.wardCode = optionalText(member(f, "ward_code"));
    r.description = textOf(member(f, "description"));
    r.reporterId = optionalText(member(f, "reporter_id"));
    r.victimId = optionalText(member(f, "victim_id"));
    r.sourceRole = *role;
    r.loggedBy = textOf(member(f, "logged_by"));
    r.status = *status;
    r.repeatVictim = integerOf(member(f, "repeat_victim")).value_or(0) != 0;
    r.priorReports = static_cast<int>(std::clamp<std::int64_t>(integerOf(member(f, "prior_reports")).value_or(0), 0,
                                                               std::numeric_limits<int>::max()));
    r.assignedTo = optionalText(member(f, "assigned_to"));
    r.reporterInformedAt = integerOf(member(f, "reporter_informed_at"));
    r.closeReason = optionalText(member(f, "close_reason"));
    return r;
}

template <typename E>
bool readEnum(const Fields &f, std::string_view column, E &out)
{
    auto value = enumFromString<E>(textOf(member(f, column)));
    if (!value)
        return false;
    out = *value;
    return true;
}

template <typename E>
bool readOptionalEnum(const Fields &f, std::string_view column, std::optional<E> &out)
{
    if (isNull(member(f, column))) {
        out.reset();
        return true;
    }
    E value{};
    if (!readEnum(f, column, value))
        return false;
    out = value;
    return true;
}

// As ReferralStore reads a consent row (store/referralstore.cpp).
Result<ConsentRecord> consentFrom(const Fields &f, const std::string &id)
{
    ConsentRecord c;
    c.id = id;
    const Error bad = Error::invalid("consent record " + id + " holds a value this build does not know");
    c.personId = textOf(member(f, "person_id"));
    c.purpose = textOf(member(f, "purpose"));
    auto recipients = enumsFromJson<ReferralRoute>(textOf(member(f, "recipients")));
    if (!recipients)
        return bad;
    c.recipients = std::move(*recipients);
    c.scriptVersion = textOf(member(f, "script_version"));
    if (!readEnum(f, "method", c.method))
        return bad;
    c.witnessName = textOf(member(f, "witness"));
    c.capturedBy = textOf(member(f, "captured_by"));
    if (!readEnum(f, "captured_by_role", c.capturedByRole))
        return bad;
    c.capturedAt = integerOf(member(f, "captured_at")).value_or(0);
    c.capacityConcern = integerOf(member(f, "capacity_concern")).value_or(0) != 0;
    c.capacityNote = textOf(member(f, "capacity_note"));
    if (auto at = integerOf(member(f, "withdrawn_at"))) {
        ConsentWithdrawal w;
        w.withdrawnAt = *at;
        w.withdrawnBy = textOf(member(f, "withdrawn_by"));
        if (!readEnum(f, "withdrawn_by_role", w.withdrawnByRole))
            return bad;
        w.note = textOf(member(f, "withdrawal_note"));
        c.withdrawal = std::move(w);
    }
    return c;
}

// As ReferralStore reads a referral row.
Result<Referral> referralFrom(const Fields &f, const std::string &id)
{
    Referral r;
    r.id = id;
    const Error bad = Error::invalid("referral " + id + " holds a value this build does not know");
    if (!readEnum(f, "route", r.route))
        return bad;
    r.personId = textOf(member(f, "person_id"));
    r.reportId = optionalText(member(f, "report_id"));
    r.addressText = textOf(member(f, "address_text"));
    r.wardCode = textOf(member(f, "ward_code"));
    auto names = namesFromJson(textOf(member(f, "risk_factors")));
    if (!names)
        return bad;
    auto factors = riskFactorsFromNames(*names);
    if (!factors)
        return bad;
    r.riskFactors = *factors;
    if (!readEnum(f, "priority_band", r.priorityBand))
        return bad;
    if (auto clutter = integerOf(member(f, "clutter_rating"))) {
        if (*clutter < std::numeric_limits<int>::min() || *clutter > std::numeric_limits<int>::max())
            return bad;
        r.clutterRating = static_cast<int>(*clutter);
    }
    r.capacityNote = textOf(member(f, "capacity_note"));
    if (!readEnum(f, "status", r.status))
        return bad;
    r.consentId = textOf(member(f, "consent_id"));
    if (!isNull(member(f, "override_requested_by"))) {
        ReferralOverride ov;
        ov.justification = textOf(member(f, "override_justification"));
        ov.requestedBy = textOf(member(f, "override_requested_by"));
        if (!readEnum(f, "override_requested_by_role", ov.requestedByRole))
            return bad;
        ov.requestedAt = integerOf(member(f, "override_requested_at")).value_or(0);
        ov.approvedBy = textOf(member(f, "override_approved_by"));
        if (!readOptionalEnum(f, "override_approved_by_role", ov.approvedByRole))
            return bad;
        ov.approvedAt = integerOf(member(f, "override_approved_at"));
        ov.refusedBy = textOf(member(f, "override_refused_by"));
        ov.refusedAt = integerOf(member(f, "override_refused_at"));
        ov.refusalReason = textOf(member(f, "override_refusal_reason"));
        r.consentOverride = std::move(ov);
    }
    r.createdBy = textOf(member(f, "created_by"));
    if (!readEnum(f, "created_by_role", r.createdByRole))
        return bad;
    r.createdAt = integerOf(member(f, "created_at")).value_or(0);
    r.deadlineAt = integerOf(member(f, "deadline_at"));
    r.acknowledgeBy = integerOf(member(f, "acknowledge_by"));
    r.sentAt = integerOf(member(f, "sent_at"));
    r.acknowledgedAt = integerOf(member(f, "acknowledged_at"));
    r.decidedAt = integerOf(member(f, "decided_at"));
    r.completedAt = integerOf(member(f, "completed_at"));
    r.withdrawnAt = integerOf(member(f, "withdrawn_at"));
    r.escalatedAt = integerOf(member(f, "escalated_at"));
    if (!readOptionalEnum(f, "escalated_from", r.escalatedFrom))
        return bad;
    r.declineReason = textOf(member(f, "decline_reason"));
    r.updatedBy = textOf(member(f, "updated_by"));
    r.updatedAt = integerOf(member(f, "updated_at")).value_or(0);
    return r;
}

// The step columns of a referral as ReferralStore writes them.
Fields referralStepFields(const Referral &r)
{
    const Fields all = referralFields(r);
    Fields f = Fields::object();
    for (const auto &[column, value] : all.items())
        if (std::find(kReferralStepColumns.begin(), kReferralStepColumns.end(), column) != kReferralStepColumns.end())
            f[column] = value;
    return f;
}

// As PatrolStore reads a row.
Result<JointPatrol> patrolFrom(const Fields &f, const std::string &id)
{
    JointPatrol p;
    p.id = id;
    p.wardCode = textOf(member(f, "ward_code"));
    p.startedAt = integerOf(member(f, "started_at")).value_or(0);
    p.endedAt = integerOf(member(f, "ended_at"));
    auto participants = participantsFrom(textOf(member(f, "participants")));
    if (!participants)
        return participants.error();
    p.participants = std::move(*participants);
    return p;
}

// As AdviceStore writes a row.
Result<AdviceGiven> adviceFrom(const Fields &f, const std::string &id)
{
    AdviceGiven a;
    a.id = id;
    a.articleId = textOf(member(f, "article_id"));
    const auto version = integerOf(member(f, "article_version")).value_or(0);
    if (version < 1 || version > std::numeric_limits<int>::max())
        return Error::invalid("article_version must be 1 or more");
    a.articleVersion = static_cast<int>(version);
    auto recipient = parseEnum<RecipientKind>("recipient_kind", textOf(member(f, "recipient_kind")));
    if (!recipient)
        return recipient.error();
    a.recipient = *recipient;
    auto mode = parseEnum<AdviceMode>("mode", textOf(member(f, "mode")));
    if (!mode)
        return mode.error();
    a.mode = *mode;
    a.addressText = textOf(member(f, "address_text"));
    a.givenBy = textOf(member(f, "given_by"));
    a.givenAt = integerOf(member(f, "given_at")).value_or(0);
    a.reportId = textOf(member(f, "report_id"));
    a.operationId = textOf(member(f, "operation_id"));
    a.targetId = textOf(member(f, "target_id"));
    return a;
}

TimestampMs saturatingAdd(TimestampMs a, TimestampMs b)
{
    constexpr auto kMax = std::numeric_limits<TimestampMs>::max();
    if (b > 0 && a > kMax - b)
        return kMax;
    return a + std::max<TimestampMs>(b, 0);
}

// ---------------------------------------------------------------- the checks

class Validator {
public:
    Validator(const SyncChange &change, const ChangeCheck &check, const EntityInfo &info, const Columns &columns,
              const ChangeRules &rules)
        : m_change(change), m_check(check), m_info(info), m_columns(columns), m_rules(rules),
          m_noun(nounFor(info.name)), m_role(check.author.role)
    {
        m_stampMs = HlcTimestamp{change.hlc}.wallMs();
        m_now = check.now > 0 ? check.now : m_stampMs;
        // A create reads as it was sent: no copy (creates are most uploads).
        if (!creating() && check.current) {
            m_merged = *check.current;
            if (!m_merged.is_object())
                m_merged = Fields::object();
            for (const auto &[column, value] : change.fields.items())
                m_merged[column] = value;
            m_after = &m_merged;
        }
    }

    Status run();

private:
    bool creating() const { return m_change.op == ChangeOp::Create; }
    const Fields *sent(std::string_view column) const { return member(m_change.fields, column); }
    const Fields *stored(std::string_view column) const
    {
        return m_check.current ? member(*m_check.current, column) : nullptr;
    }
    const Fields *after(std::string_view column) const { return member(*m_after, column); }
    // The change gives the column a value: on a create, any value; on an
    // update, one that differs from the stored one.
    bool sets(std::string_view column) const
    {
        const Fields *value = sent(column);
        if (!value)
            return false;
        if (creating())
            return !value->is_null();
        const Fields *old = stored(column);
        return old ? *old != *value : !value->is_null();
    }
    bool role(Role r) const { return m_role == r; }
    Status need(bool allowed, const std::string &what) const
    {
        if (!allowed)
            return Error::notAllowed("a " + name(m_role) + " may not " + what);
        return {};
    }
    Status need(Capability capability, const std::string &what) const { return need(can(m_role, capability), what); }
    Status notInFuture(std::string_view what, TimestampMs at) const
    {
        if (at > saturatingAdd(m_now, m_rules.maxClockAheadMs))
            return Error::invalid(std::string(what) + " is dated in the future; check the device's clock");
        return {};
    }

    Status checkClock() const;
    Status checkExistence() const;
    Status checkShape() const;
    Status checkValues() const;
    Status checkFixedColumns() const;
    Status checkActors() const;
    Status checkActor(const ActorColumn &actor) const;
    Status checkArea() const;
    Status checkConflicts() const;
    Status checkClass() const;

    Status checkPerson() const;
    Status checkReport() const;
    Status checkReportEvent() const;
    Status checkCocooning() const;
    Status checkAdvice() const;
    Status checkConsent() const;
    Status checkReferral() const;
    Status checkReferralStep() const;
    Status checkReferralEvent() const;
    Status checkPatrol() const;
    Status checkObservation() const;

    const SyncChange &m_change;
    const ChangeCheck &m_check;
    const EntityInfo &m_info;
    const Columns &m_columns;
    const ChangeRules &m_rules;
    const std::string m_noun;
    const Role m_role;
    TimestampMs m_stampMs = 0;
    TimestampMs m_now = 0;
    Fields m_merged;                        // an update applied to the stored record
    const Fields *m_after = &m_change.fields; // the record as it would read with the change applied
};

Status Validator::run()
{
    if (auto ok = need(m_role != Role::Analyst && m_role != Role::Admin, "write records"); !ok)
        return ok;
    if (auto ok = checkSyncId("record id", m_change.entityId); !ok)
        return ok;
    if (!m_change.fields.is_object())
        return Error::invalid("a change's fields must be a set of named values");
    if (!creating() && m_change.fields.empty())
        return Error::invalid("the update changes nothing");
    for (auto step : {&Validator::checkClock, &Validator::checkExistence, &Validator::checkShape,
                      &Validator::checkValues, &Validator::checkFixedColumns, &Validator::checkActors,
                      &Validator::checkArea, &Validator::checkConflicts, &Validator::checkClass})
        if (auto ok = (this->*step)(); !ok)
            return ok;
    return {};
}

Status Validator::checkClock() const
{
    if (m_check.now <= 0)
        return {};
    if (m_stampMs > saturatingAdd(m_check.now, m_rules.maxClockAheadMs))
        return Error::invalid("the change is stamped " + std::to_string((m_stampMs - m_check.now) / 60000)
                              + " minutes ahead of the server's clock: set the device's date and time, then "
                                "make the change again");
    return {};
}

Status Validator::checkExistence() const
{
    if (!creating()) {
        if (!m_check.current)
            return Error::notFound("no " + m_noun + " " + m_change.entityId + " on the server to update");
        if (m_info.recordClass == RecordClass::AppendOnly)
            return Error::notAllowed("a " + m_noun + " never changes once written: add a new one to correct it");
        return {};
    }
    if (!m_check.current)
        return {};
    bool replay = false;
    if (!m_check.creatorDeviceId.empty())
        replay = m_check.creatorDeviceId == m_change.deviceId;
    else if (!m_info.ownerColumn.empty())
        replay = textOf(stored(m_info.ownerColumn)) == m_check.author.userName
                 && textOf(sent(m_info.ownerColumn)) == m_check.author.userName;
    if (!replay)
        return Error{ErrorCode::Conflict, "a " + m_noun + " with id " + m_change.entityId
                                              + " already exists on the server, made on another device"};
    return {};
}

Status Validator::checkShape() const
{
    for (const auto &[column, value] : m_change.fields.items()) {
        if (column == "id" || column == "hlc" || column == "device_id")
            return Error::invalid(column + " is stamped by sync and cannot be sent as a field");
        auto found = m_columns.find(column);
        if (found == m_columns.end())
            return Error::invalid("a " + m_noun + " has no field '" + printable(column) + "'");
        const ColumnInfo &info = found->second;
        if (value.is_null()) {
            if (info.notNull)
                return Error::invalid(column + " cannot be empty");
            continue;
        }
        switch (info.type) {
        case ColumnType::Integer:
            if (value.is_boolean())
                break;
            if (!value.is_number_integer())
                return Error::invalid(column + " must be a whole number");
            if (value.is_number_unsigned()
                && value.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
                return Error::invalid(column + " is too large");
            break;
        case ColumnType::Real:
            if (!value.is_number())
                return Error::invalid(column + " must be a number");
            if (!std::isfinite(value.get<double>()))
                return Error::invalid(column + " must be a finite number");
            break;
        case ColumnType::Text: {
            if (!value.is_string())
                return Error::invalid(column + " must be text");
            const bool longText = isLongText(column);
            if (auto ok = checkText(column, value.get_ref<const std::string &>(),
                                    longText ? kMaxLongText : kMaxShortText, longText);
                !ok)
                return ok;
            break;
        }
        }
    }
    if (creating())
        for (const auto &[column, info] : m_columns)
            if (info.notNull && isNull(sent(column)))
                return Error::invalid("a new " + m_noun + " needs " + column);
    return {};
}

Status Validator::checkValues() const
{
    auto apply = [&](const ValueRule &rule) -> Status {
        if (!rule.entity.empty() && rule.entity != m_info.name)
            return {};
        const Fields *value = sent(rule.column);
        if (isNull(value))
            return {};
        return rule.check(rule.column, *value);
    };
    for (const auto &rule : kValueRules)
        if (auto ok = apply(rule); !ok)
            return ok;
    return {};
}

Status Validator::checkFixedColumns() const
{
    if (creating())
        return {};
    const auto allowed = updatableColumns(m_info.name);
    for (const auto &[column, value] : m_change.fields.items()) {
        if (std::find(allowed.begin(), allowed.end(), column) != allowed.end())
            continue;
        if (sets(column))
            return Error::notAllowed(column + " of a " + m_noun + " cannot be changed once it is written");
    }
    return {};
}

Status Validator::checkActor(const ActorColumn &actor) const
{
    if (actor.entity != m_info.name || !sets(actor.column))
        return {};
    const std::string value = textOf(sent(actor.column));
    if (actor.kind == Actor::Name && value != m_check.author.userName)
        return Error::notAllowed(std::string(actor.column) + " must name you (" + m_check.author.userName
                                 + "): a device cannot write in someone else's name");
    if (actor.kind == Actor::RoleName && value != toString(m_role))
        return Error::notAllowed(std::string(actor.column) + " must be your role (" + name(m_role) + ")");
    return {};
}

Status Validator::checkActors() const
{
    for (const auto &actor : kActorColumns)
        if (auto ok = checkActor(actor); !ok)
            return ok;
    return {};
}

Status Validator::checkArea() const
{
    auto allowed = [&](const std::optional<std::string> &ward) -> Status {
        if (mayWriteInWard(m_check.author, ward))
            return {};
        std::string yours;
        for (const auto &w : m_check.author.wards)
            yours += (yours.empty() ? "" : ", ") + w;
        return Error::notAllowed("you may not write records in ward " + printable(ward.value_or(""))
                                 + (yours.empty() ? std::string("; you have no wards") : "; your wards: " + yours));
    };
    if (!m_info.wardColumn.empty()) {
        const Fields *ward = creating() ? sent(m_info.wardColumn) : stored(m_info.wardColumn);
        if (auto ok = allowed(optionalText(ward)); !ok)
            return ok;
        if (!creating() && sets(m_info.wardColumn))
            return allowed(optionalText(sent(m_info.wardColumn)));
        return {};
    }
    if (!m_info.parentEntity.empty())
        return allowed(m_check.parentWard);
    return {}; // people and consent records: no ward of their own
}

Status Validator::checkConflicts() const
{
    if (creating() || !m_check.merge || can(m_role, Capability::ApproveOverride))
        return {};
    for (const auto &[column, value] : m_change.fields.items())
        if (resolvesConflict(*m_check.merge, m_change, column))
            return Error::notAllowed(column + " of this " + m_noun
                                     + " holds conflicting values: only a supervisor may resolve it");
    return {};
}

Status Validator::checkClass() const
{
    const std::string_view entity = m_info.name;
    if (entity == "people")
        return checkPerson();
    if (entity == "asb_reports")
        return checkReport();
    if (entity == "report_events")
        return checkReportEvent();
    if (entity == "cocooning_operations" || entity == "cocooning_targets")
        return checkCocooning();
    if (entity == "advice_given")
        return checkAdvice();
    if (entity == "consent_records")
        return checkConsent();
    if (entity == "referrals")
        return checkReferral();
    if (entity == "referral_events")
        return checkReferralEvent();
    if (entity == "joint_patrols")
        return checkPatrol();
    if (entity == "patrol_observations")
        return checkObservation();
    return Error::invalid("no rules for " + std::string(entity) + ": this build cannot check it");
}

Status Validator::checkPerson() const
{
    if (auto ok = need(can(m_role, Capability::CreateAsbReport) || can(m_role, Capability::ConsentAndReferral),
                       "record people's details");
        !ok)
        return ok;
    if (sent("name") && isBlank(textOf(sent("name"))))
        return Error::invalid("a person's name cannot be blank");
    return {};
}

Status Validator::checkReport() const
{
    if (creating()) {
        if (auto ok = need(Capability::CreateAsbReport, "log ASB reports"); !ok)
            return ok;
        const std::string status = textOf(sent("status"));
        if (status != toString(AsbStatus::Submitted))
            return Error::invalid("a new report starts as submitted, not " + printable(status));
        for (std::string_view column : {"assigned_to", "reporter_informed_at", "close_reason"})
            if (!isNull(sent(column)))
                return Error::invalid("a new report has no " + std::string(column) + " yet");
        NewAsbReport report;
        report.type = *enumFromString<AsbType>(textOf(sent("type")));
        report.qualifier = *enumFromString<AsbQualifier>(textOf(sent("qualifier")));
        report.hate = integerOf(sent("hate")).value_or(0) != 0;
        report.occurredAt = integerOf(sent("occurred_at")).value_or(0);
        report.lat = realOf(sent("lat")).value_or(0);
        report.lon = realOf(sent("lon")).value_or(0);
        report.accuracyM = realOf(sent("accuracy_m"));
        report.addressText = textOf(sent("address_text"));
        report.description = textOf(sent("description"));
        if (auto ok = validateNewAsbReport(report, m_role, m_now, m_rules.reports); !ok)
            return ok;
        return notInFuture("the time the report was logged", integerOf(sent("logged_at")).value_or(0));
    }

    auto report = asbReportFrom(*m_check.current, m_change.entityId);
    if (!report)
        return report.error();
    if (sets("status")) {
        const AsbStatus to = *enumFromString<AsbStatus>(textOf(sent("status")));
        std::string reason = textOf(after("close_reason"));
        // Redirecting or marking not_asb records its reason in the report's
        // transition event, which is checked on its own; the report's row
        // has no column for it.
        if ((to == AsbStatus::Redirected || to == AsbStatus::NotAsb) && isBlank(reason))
            reason = "given in the report's transition event";
        if (auto ok = checkAsbTransition(*report, to, m_role, reason); !ok)
            return ok;
        if (to == AsbStatus::Assigned && isBlank(textOf(after("assigned_to"))))
            return Error::invalid("say who the report is assigned to");
        if (to == AsbStatus::ReporterInformed && isNull(after("reporter_informed_at")))
            return Error::invalid("record when the reporter was informed");
    }
    if (sets("assigned_to") || sets("close_reason") || sets("ward_code"))
        if (auto ok = need(Capability::TriageAssignOutcome, "assign, redirect or close reports"); !ok)
            return ok;
    if (sets("reporter_informed_at")) {
        if (auto ok = need(Capability::InformReporter, "record that the reporter was informed"); !ok)
            return ok;
        const auto at = integerOf(sent("reporter_informed_at"));
        if (!at)
            return Error::notAllowed("that the reporter was informed cannot be taken back");
        if (auto ok = notInFuture("the time the reporter was informed", *at); !ok)
            return ok;
    }
    return {};
}

Status Validator::checkReportEvent() const
{
    const std::string kind = textOf(sent("kind"));
    const std::string text = textOf(sent("text"));
    if (kind == "transition") {
        if (isNull(sent("from_status")) || isNull(sent("to_status")))
            return Error::invalid("a transition event names the statuses it moved between");
        const AsbStatus from = *enumFromString<AsbStatus>(textOf(sent("from_status")));
        const AsbStatus to = *enumFromString<AsbStatus>(textOf(sent("to_status")));
        const auto next = nextAsbStatuses(from);
        if (std::find(next.begin(), next.end(), to) == next.end())
            return Error::notAllowed("a report cannot go from " + std::string(toString(from)) + " to "
                                     + std::string(toString(to)));
        const Capability needed =
            to == AsbStatus::ReporterInformed ? Capability::InformReporter : Capability::TriageAssignOutcome;
        if (auto ok = need(needed, "move a report to " + std::string(toString(to))); !ok)
            return ok;
        if ((to == AsbStatus::Redirected || to == AsbStatus::NotAsb) && isBlank(text))
            return Error::invalid("say why the report is " + std::string(toString(to)));
    } else {
        if (!isNull(sent("from_status")) || !isNull(sent("to_status")))
            return Error::invalid("only a transition event names statuses");
        if (isBlank(text))
            return Error::invalid("a follow-up needs some text");
        if (auto ok = need(can(m_role, Capability::CreateAsbReport) || can(m_role, Capability::TriageAssignOutcome)
                               || can(m_role, Capability::InformReporter),
                           "add follow-ups to reports");
            !ok)
            return ok;
    }
    return notInFuture("the event", integerOf(sent("at")).value_or(0));
}

Status Validator::checkCocooning() const
{
    // Cocooning is burglary prevention: fire_hfsv records fire advice only.
    if (auto ok = need(can(m_role, Capability::RecordAdvice) && m_role != Role::FireHfsv,
                       "plan, visit or close cocooning operations");
        !ok)
        return ok;
    if (m_info.name != "cocooning_operations")
        return {};
    if (creating()) {
        const std::string status = textOf(sent("status"));
        if (status != toString(CocooningStatus::Planned))
            return Error::invalid("a new cocooning operation starts as planned, not " + printable(status));
        if (!isNull(sent("close_reason")))
            return Error::invalid("a new cocooning operation cannot be closed already");
        const double radius = realOf(sent("radius_m")).value_or(0);
        if (radius > m_rules.cocooning.maxRadiusM)
            return Error::invalid("the cocooning radius may be at most "
                                  + std::to_string(static_cast<int>(m_rules.cocooning.maxRadiusM)) + " m");
        const auto burglary = integerOf(sent("burglary_at")).value_or(0);
        if (integerOf(sent("deadline_at")).value_or(0) < burglary)
            return Error::invalid("the cocooning deadline is before the burglary");
        return notInFuture("the burglary", burglary);
    }
    if (sets("status")) {
        const auto from = enumFromString<CocooningStatus>(textOf(stored("status"))).value_or(CocooningStatus::Planned);
        const auto to = *enumFromString<CocooningStatus>(textOf(sent("status")));
        if (to < from)
            return Error::notAllowed("a cocooning operation cannot go back from " + std::string(toString(from))
                                     + " to " + std::string(toString(to)));
    }
    if (sets("close_reason") && !isNull(stored("close_reason")))
        return Error::notAllowed("the cocooning operation was already closed");
    return {};
}

Status Validator::checkAdvice() const
{
    if (auto ok = need(Capability::RecordAdvice, "record advice"); !ok)
        return ok;
    if (!isNull(sent("target_id")) && isNull(sent("operation_id")))
        return Error::invalid("a cocooning target id needs its operation id");
    if (m_check.adviceLibrary) {
        auto advice = adviceFrom(m_change.fields, m_change.entityId);
        if (!advice)
            return advice.error();
        if (auto ok = validateAdviceGiven(*advice, *m_check.adviceLibrary, m_now); !ok)
            return ok;
        const AdviceArticle *article = m_check.adviceLibrary->find(advice->articleId, advice->articleVersion);
        if (m_role == Role::FireHfsv && article && article->topic != AdviceTopic::FireSafety)
            return Error::notAllowed("a fire_hfsv user may only give fire_safety advice; " + advice->articleId
                                     + " is on " + std::string(toString(article->topic)));
    } else if (m_role == Role::FireHfsv && !isNull(sent("operation_id"))) {
        return Error::notAllowed("a fire_hfsv user gives fire-safety advice only; cocooning is burglary prevention");
    }
    return notInFuture("the advice", integerOf(sent("given_at")).value_or(0));
}

Status Validator::checkConsent() const
{
    if (auto ok = need(Capability::ConsentAndReferral, "capture or withdraw consent"); !ok)
        return ok;
    ConsentRules rules;
    rules.mayRecord = m_rules.referrals.routes.referringRoles;
    rules.maxClockSkewMs = m_rules.referrals.maxClockSkewMs;
    if (creating()) {
        for (std::string_view column : {"withdrawn_at", "withdrawn_by", "withdrawn_by_role", "withdrawal_note"})
            if (!isNull(sent(column)))
                return Error::invalid("a consent being captured cannot already be withdrawn: record the "
                                      "withdrawal as its own step");
        auto consent = consentFrom(m_change.fields, m_change.entityId);
        if (!consent)
            return consent.error();
        return validateConsent(*consent, m_now, rules);
    }
    // WithdrawOnce: only the withdrawal columns (checkFixedColumns), once.
    if (!isNull(stored("withdrawn_at")))
        return Error::notAllowed("this consent was already withdrawn; a withdrawal is recorded once");
    if (isNull(sent("withdrawn_at")) || isNull(sent("withdrawn_by")) || isNull(sent("withdrawn_by_role")))
        return Error::invalid("a withdrawal of consent needs when and by whom (withdrawn_at, withdrawn_by, "
                              "withdrawn_by_role)");
    auto consent = consentFrom(*m_check.current, m_change.entityId);
    if (!consent)
        return consent.error();
    const TimestampMs at = *integerOf(sent("withdrawn_at"));
    if (auto ok = withdrawConsent(*consent, m_check.author.userName, m_role, at, textOf(sent("withdrawal_note")),
                                  rules);
        !ok)
        return ok;
    return notInFuture("the withdrawal", at);
}

Status Validator::checkReferral() const
{
    if (auto ok = need(Capability::ConsentAndReferral, "make or change referrals"); !ok)
        return ok;
    if (!creating())
        return checkReferralStep();
    // Drafted, with no step taken yet: the steps come as their own changes.
    for (std::string_view column : kReferralStepColumns) {
        if (column == "status" || column == "updated_by" || column == "updated_at")
            continue;
        if (!isNull(sent(column)))
            return Error::invalid("a new referral has no " + std::string(column)
                                  + " yet: it starts as drafted and moves by lifecycle steps");
    }
    auto referral = referralFrom(m_change.fields, m_change.entityId);
    if (!referral)
        return referral.error();
    return validateNewReferral(*referral, m_now, m_rules.referrals);
}

Status Validator::checkReferralStep() const
{
    auto before = referralFrom(*m_check.current, m_change.entityId);
    if (!before)
        return before.error();
    if (!sets("status"))
        return Error::notAllowed("a referral changes only by a lifecycle step, and this one is already "
                                 + std::string(toString(before->status)));
    auto claimed = referralFrom(*m_after, m_change.entityId);
    if (!claimed)
        return claimed.error();
    const ReferralStatus to = claimed->status;

    std::optional<ConsentRecord> consent;
    if (!claimed->consentId.empty() && m_check.consent) {
        auto loaded = consentFrom(*m_check.consent, claimed->consentId);
        if (!loaded)
            return loaded.error();
        consent = std::move(*loaded);
    }
    const bool restsOnConsent =
        to == ReferralStatus::ConsentCaptured || to == ReferralStatus::Withdrawn
        || (to == ReferralStatus::Sent && !claimed->consentId.empty());
    if (restsOnConsent && !consent) {
        if (claimed->consentId.empty())
            return Error::invalid("the step to " + std::string(toString(to)) + " needs the referral's consent_id");
        return Error::notFound("consent record " + claimed->consentId
                               + " that this referral names is not on the server: sync it first");
    }

    TransitionContext context;
    context.actor = m_check.author.userName;
    context.actorRole = m_role;
    // The device stamps every time a step writes with the step's own time.
    context.now = claimed->updatedAt;
    context.consent = consent ? &*consent : nullptr;
    context.rules = &m_rules.referrals;
    if (to == ReferralStatus::OverrideRequested && claimed->consentOverride)
        context.reason = claimed->consentOverride->justification;
    else if (to == ReferralStatus::Drafted && claimed->consentOverride)
        context.reason = claimed->consentOverride->refusalReason;
    else if (to == ReferralStatus::Declined)
        context.reason = claimed->declineReason;

    Referral expected = *before;
    if (auto ok = applyReferralTransition(expected, to, context); !ok)
        return ok;
    if (auto ok = notInFuture("the referral step", claimed->updatedAt); !ok)
        return ok;
    // The change must be exactly the step: no column moved that the step
    // does not move, none left behind that it does.
    const Fields want = referralStepFields(expected);
    for (const auto &[column, value] : want.items()) {
        const Fields *have = after(column);
        const Fields none(nullptr);
        if ((have ? *have : none) != value)
            return Error::invalid("the step from " + std::string(toString(before->status)) + " to "
                                  + std::string(toString(to)) + " does not match its fields: " + column
                                  + " should be " + (value.is_null() ? std::string("empty") : printable(value.dump())));
    }
    return {};
}

Status Validator::checkReferralEvent() const
{
    if (auto ok = need(Capability::ConsentAndReferral, "record referral steps"); !ok)
        return ok;
    if (textOf(sent("from_status")) == textOf(sent("to_status")))
        return Error::invalid("a referral event records a move from one status to another");
    return notInFuture("the referral event", integerOf(sent("at")).value_or(0));
}

Status Validator::checkPatrol() const
{
    // The capability table has no row for patrols: they are the street work
    // of the roles that log reports (as PatrolStore).
    if (auto ok = need(Capability::CreateAsbReport, "record joint patrols"); !ok)
        return ok;
    if (creating()) {
        auto patrol = patrolFrom(m_change.fields, m_change.entityId);
        if (!patrol)
            return patrol.error();
        if (auto ok = validatePatrol(*patrol, m_rules.patrols); !ok)
            return ok;
        return notInFuture("the patrol's start", patrol->startedAt);
    }
    if (!sets("ended_at"))
        return {};
    if (!isNull(stored("ended_at")))
        return Error::notAllowed("the patrol has already ended");
    auto patrol = patrolFrom(*m_check.current, m_change.entityId);
    if (!patrol)
        return patrol.error();
    const TimestampMs at = integerOf(sent("ended_at")).value_or(0);
    if (auto ok = endPatrol(*patrol, at, m_rules.patrols); !ok)
        return ok;
    return notInFuture("the patrol's end", at);
}

Status Validator::checkObservation() const
{
    if (auto ok = need(Capability::CreateAsbReport, "record patrol observations"); !ok)
        return ok;
    if (isBlank(textOf(sent("text"))))
        return Error::invalid("an observation needs some text");
    return notInFuture("the observation", integerOf(sent("at")).value_or(0));
}

} // namespace

Status validateChange(const SyncChange &change, const ChangeCheck &check)
{
    const EntityInfo *info = findEntity(change.entity);
    const Columns *columns = info ? check.catalog.columns(change.entity) : nullptr;
    if (!info || !columns)
        return Error::invalid("unknown record class '" + printable(change.entity) + "'");
    static const ChangeRules kDefaults;
    return Validator(change, check, *info, *columns, check.rules ? *check.rules : kDefaults).run();
}

} // namespace beatbook
