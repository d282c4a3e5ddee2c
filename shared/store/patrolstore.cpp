#include "store/patrolstore.h"

#include "core/text.h"
#include "core/uuid.h"
#include "domain/permissions.h"
#include "geo/wardboundaries.h"
#include "store/query.h"

namespace beatbook {
namespace {

constexpr const char *kPatrolColumns = "id, ward_code, started_at, ended_at, participants";

std::string participantsJson(const std::vector<PatrolParticipant> &participants)
{
    nlohmann::json list = nlohmann::json::array();
    for (const auto &p : participants)
        list.push_back({{"name", p.name}, {"role", toString(p.role)}});
    return list.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<JointPatrol> readPatrol(const Statement &row)
{
    JointPatrol patrol;
    patrol.id = row.columnText(0);
    patrol.wardCode = row.columnText(1);
    patrol.startedAt = row.columnInt(2);
    if (auto ended = row.columnOptionalInt(3))
        patrol.endedAt = *ended;
    const Error bad = Error::storage("patrol " + patrol.id + " holds participants this build cannot read");
    auto list = nlohmann::json::parse(row.columnText(4), nullptr, false);
    if (list.is_discarded() || !list.is_array())
        return bad;
    for (const auto &item : list) {
        if (!item.is_object() || !item.contains("name") || !item.contains("role") || !item["name"].is_string()
            || !item["role"].is_string())
            return bad;
        auto role = enumFromString<Role>(item["role"].get<std::string>());
        if (!role)
            return bad;
        patrol.participants.push_back({item["name"].get<std::string>(), *role});
    }
    return patrol;
}

} // namespace

PatrolStore::PatrolStore(DeviceStore &store, const WardBoundaries &wards, PatrolStoreSettings settings)
    : m_store(store), m_wards(wards), m_settings(settings)
{
}

Status PatrolStore::checkMayRecord() const
{
    if (!m_store.isInitialised())
        return Error::notAllowed("the database is not initialised: run init first");
    // The capability table has no row for patrols: they are the street work
    // of the roles that log reports.
    const Role role = m_store.profile().role;
    if (!can(role, Capability::CreateAsbReport))
        return Error::notAllowed("a " + std::string(toString(role)) + " may not record joint patrols");
    return {};
}

Status PatrolStore::checkNotFuture(std::string_view what, TimestampMs at, TimestampMs now) const
{
    if (at > now && at - now > m_settings.maxFutureSkewMs)
        return Error::invalid(std::string(what) + " is in the future (more than "
                              + std::to_string(m_settings.maxFutureSkewMs / 1000)
                              + " seconds ahead); check the time and the device clock");
    return {};
}

Result<JointPatrol> PatrolStore::start(const std::string &wardCode, std::vector<PatrolParticipant> participants,
                                       std::optional<TimestampMs> startedAt)
{
    if (auto ok = checkMayRecord(); !ok)
        return ok.error();
    JointPatrol patrol;
    patrol.wardCode = wardCode;
    patrol.participants = std::move(participants);
    const TimestampMs now = m_store.now();
    patrol.startedAt = startedAt.value_or(now);
    if (auto ok = validatePatrol(patrol, m_settings.patrol); !ok)
        return ok.error();
    if (auto ok = checkNotFuture("The patrol's start", patrol.startedAt, now); !ok)
        return ok.error();
    if (!m_wards.find(patrol.wardCode))
        return Error::invalid("ward " + patrol.wardCode + " is not a ward of this data pack");
    for (auto &p : patrol.participants)
        p.name = collapseSpaces(p.name);

    Status written = m_store.write([&](WriteTxn &txn) -> Status {
        patrol.id = txn.newId();
        Fields f;
        f["ward_code"] = patrol.wardCode;
        f["started_at"] = patrol.startedAt;
        f["ended_at"] = nullptr;
        f["participants"] = participantsJson(patrol.participants);
        f["created_by"] = m_store.profile().userName;
        return txn.insert("joint_patrols", patrol.id, std::move(f));
    });
    if (!written)
        return written.error();
    return patrol;
}

Result<JointPatrol> PatrolStore::end(const std::string &id, std::optional<TimestampMs> at)
{
    if (auto ok = checkMayRecord(); !ok)
        return ok.error();
    JointPatrol ended;
    Status written = m_store.write([&](WriteTxn &txn) -> Status {
        auto patrol = get(id);
        if (!patrol)
            return patrol.error();
        const TimestampMs endAt = at.value_or(txn.now());
        if (auto ok = checkNotFuture("The patrol's end", endAt, txn.now()); !ok)
            return ok;
        if (auto ok = endPatrol(*patrol, endAt, m_settings.patrol); !ok)
            return ok;
        Fields changed;
        changed["ended_at"] = endAt;
        if (auto ok = txn.update("joint_patrols", patrol->id, std::move(changed)); !ok)
            return ok;
        ended = std::move(*patrol);
        return {};
    });
    if (!written)
        return written.error();
    return ended;
}

Result<PatrolObservation> PatrolStore::observe(const std::string &patrolId, const std::string &text,
                                               std::optional<TimestampMs> at, std::optional<GeoPoint> position)
{
    if (auto ok = checkMayRecord(); !ok)
        return ok.error();
    PatrolObservation observation;
    Status written = m_store.write([&](WriteTxn &txn) -> Status {
        auto patrol = get(patrolId);
        if (!patrol)
            return patrol.error();
        observation.id = txn.newId();
        observation.patrolId = patrol->id;
        observation.at = at.value_or(txn.now());
        observation.text = text;
        observation.position = position;
        observation.author = m_store.profile().userName;
        if (auto ok = validateObservation(*patrol, observation, m_settings.patrol); !ok)
            return ok;
        if (auto ok = checkNotFuture("The observation's time", observation.at, txn.now()); !ok)
            return ok;
        Fields f;
        f["patrol_id"] = observation.patrolId;
        f["at"] = observation.at;
        f["text"] = observation.text;
        f["lat"] = position ? Fields(position->lat) : Fields(nullptr);
        f["lon"] = position ? Fields(position->lon) : Fields(nullptr);
        f["author"] = observation.author;
        return txn.insert("patrol_observations", observation.id, std::move(f));
    });
    if (!written)
        return written.error();
    return observation;
}

Result<JointPatrol> PatrolStore::get(const std::string &id)
{
    if (!isUuid(id))
        return Error::invalid("not a patrol id: ids look like 0192f1d2-...-... (36 characters)");
    return readOneRow(
        m_store.db(), std::string("SELECT ") + kPatrolColumns + " FROM joint_patrols WHERE id = ?1",
        [&](Statement &s) { s.bind(1, id); }, readPatrol, "no patrol " + id);
}

Result<std::vector<PatrolObservation>> PatrolStore::observations(const std::string &patrolId)
{
    return readRows(
        m_store.db(),
        "SELECT id, patrol_id, at, text, lat, lon, author FROM patrol_observations WHERE patrol_id = ?1 "
        "ORDER BY at, id",
        [&](Statement &s) { s.bind(1, patrolId); },
        [](const Statement &s) {
            PatrolObservation o;
            o.id = s.columnText(0);
            o.patrolId = s.columnText(1);
            o.at = s.columnInt(2);
            o.text = s.columnText(3);
            const auto lat = s.columnOptionalDouble(4);
            const auto lon = s.columnOptionalDouble(5);
            if (lat && lon)
                o.position = GeoPoint{*lat, *lon};
            o.author = s.columnText(6);
            return o;
        });
}

Result<std::vector<JointPatrol>> PatrolStore::list(const PatrolFilter &filter)
{
    if (filter.limit < 1)
        return Error::invalid("the limit must be 1 or more");
    return readRows(
        m_store.db(),
        std::string("SELECT ") + kPatrolColumns
            + " FROM joint_patrols WHERE (?1 IS NULL OR ward_code = ?1)"
              " AND (?2 = 0 OR ended_at IS NULL)"
              " ORDER BY started_at DESC, id DESC LIMIT ?3",
        [&](Statement &s) {
            s.bindOptional(1, filter.wardCode);
            s.bind(2, filter.openOnly ? 1 : 0);
            s.bind(3, static_cast<std::int64_t>(filter.limit));
        },
        readPatrol);
}

} // namespace beatbook
