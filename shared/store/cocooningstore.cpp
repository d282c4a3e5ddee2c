#include "store/cocooningstore.h"

#include "core/text.h"
#include "core/uuid.h"
#include "domain/advicelibrary.h"
#include "domain/permissions.h"
#include "geo/wardboundaries.h"
#include "store/query.h"

namespace beatbook {
namespace {

constexpr const char *kOperationColumns =
    "id, origin_address, origin_lat, origin_lon, radius_m, ward_code, burglary_at, planned_at, deadline_at, "
    "status, close_reason, planned_by, hlc";

Fields optionalNumber(const std::optional<double> &value) { return value ? Fields(*value) : Fields(nullptr); }

std::string printable(std::string_view text)
{
    if (text.empty() || !checkText("value", text, 40))
        return "given";
    return "\"" + std::string(text) + "\"";
}

Result<CocooningOperation> readOperation(const Statement &row)
{
    CocooningOperation op;
    op.id = row.columnText(0);
    op.originAddress = row.columnText(1);
    const auto lat = row.columnOptionalDouble(2);
    const auto lon = row.columnOptionalDouble(3);
    if (lat && lon)
        op.origin = GeoPoint{*lat, *lon};
    op.radiusM = row.columnDouble(4);
    op.wardCode = row.columnText(5);
    op.burglaryAt = row.columnInt(6);
    op.plannedAt = row.columnInt(7);
    op.deadlineAt = row.columnInt(8);
    auto status = enumFromString<CocooningStatus>(row.columnText(9));
    if (!status)
        return Error::storage("cocooning operation " + op.id + " holds a status this build does not know");
    op.status = *status;
    // close_reason is NULL until the operation is closed early, then the
    // reason given, possibly empty.
    if (auto reason = row.columnOptionalText(10)) {
        op.closeReason = *reason;
        op.closedAt = HlcTimestamp{static_cast<std::uint64_t>(row.columnInt(12))}.wallMs();
    }
    op.plannedBy = row.columnText(11);
    return op;
}

} // namespace

CocooningStore::CocooningStore(DeviceStore &store, const WardBoundaries &wards, const AdviceLibrary &library,
                               CocooningStoreSettings settings)
    : m_store(store), m_wards(wards), m_advice(store, library, settings.advice), m_settings(std::move(settings))
{
}

Status CocooningStore::checkMayPlan() const
{
    if (!m_store.isInitialised())
        return Error::notAllowed("the database is not initialised: run init first");
    const Role role = m_store.profile().role;
    // Cocooning is burglary prevention: fire_hfsv records fire advice only.
    if (!can(role, Capability::RecordAdvice) || role == Role::FireHfsv)
        return Error::notAllowed("a " + std::string(toString(role)) + " may not plan or close cocooning operations");
    return {};
}

Result<CocooningOperation> CocooningStore::plan(const CocooningRequest &request)
{
    if (auto ok = checkMayPlan(); !ok)
        return ok.error();
    CocooningRequest req = request;
    req.now = m_store.now();
    req.plannedBy = m_store.profile().userName;

    if (req.origin) {
        if (auto ok = validateCoordinates(req.origin->lat, req.origin->lon); !ok)
            return Error::invalid("Burglary position: " + ok.error().message);
        const auto *ward = m_wards.wardAt(*req.origin);
        if (req.wardCode.empty()) {
            if (!ward)
                return Error::invalid("the burglary position lies outside every ward of the data pack; "
                                      "check it, or name the ward");
            req.wardCode = ward->code;
        } else if (ward && ward->code != req.wardCode) {
            return Error::invalid("the burglary position lies in " + ward->name + " (" + ward->code
                                  + "), not in the ward " + printable(req.wardCode));
        }
    }
    if (req.wardCode.empty())
        return Error::invalid("name the ward of the burglary, or give its position");

    auto planned = planCocooning(req, m_settings.cocooning);
    if (!planned)
        return planned.error();
    CocooningOperation op = std::move(*planned);
    if (!m_wards.find(op.wardCode))
        return Error::invalid("ward " + op.wardCode + " is not a ward of this data pack");

    Status written = m_store.write([&](WriteTxn &txn) -> Status {
        op.id = txn.newId();
        Fields f;
        f["origin_address"] = op.originAddress;
        f["origin_lat"] = op.origin ? Fields(op.origin->lat) : Fields(nullptr);
        f["origin_lon"] = op.origin ? Fields(op.origin->lon) : Fields(nullptr);
        f["radius_m"] = op.radiusM;
        f["ward_code"] = op.wardCode;
        f["burglary_at"] = op.burglaryAt;
        f["planned_at"] = op.plannedAt;
        f["deadline_at"] = op.deadlineAt;
        f["status"] = toString(op.status);
        f["close_reason"] = nullptr;
        f["planned_by"] = op.plannedBy;
        if (auto ok = txn.insert("cocooning_operations", op.id, std::move(f)); !ok)
            return ok;
        for (auto &target : op.targets) {
            target.id = txn.newId();
            Fields t;
            t["operation_id"] = op.id;
            t["street"] = target.street;
            t["house_number"] = target.houseNumber;
            t["lat"] = target.position ? Fields(target.position->lat) : Fields(nullptr);
            t["lon"] = target.position ? Fields(target.position->lon) : Fields(nullptr);
            t["distance_m"] = optionalNumber(target.distanceM);
            if (auto ok = txn.insert("cocooning_targets", target.id, std::move(t)); !ok)
                return ok;
        }
        return {};
    });
    if (!written)
        return written.error();
    return op;
}

Result<CocooningVisitResult> CocooningStore::recordVisit(const std::string &operationId, const std::string &targetId,
                                                         std::string_view outcome, const std::string &articleId,
                                                         std::optional<int> articleVersion,
                                                         std::optional<TimestampMs> at)
{
    if (!m_store.isInitialised())
        return Error::notAllowed("the database is not initialised: run init first");
    CocooningVisitResult result;
    Status written = m_store.write([&](WriteTxn &txn) -> Status {
        // Read inside the transaction, so a visit recorded at the same time
        // elsewhere on the device cannot be missed by the status update.
        auto op = get(operationId);
        if (!op)
            return op.error();
        const TargetVisit visit{targetId, std::string(outcome), at.value_or(txn.now())};
        if (auto ok = validateVisit(*op, visit); !ok)
            return ok;
        const CocooningTarget *target = nullptr;
        for (const auto &t : op->targets)
            if (t.id == targetId)
                target = &t;
        auto mode = enumFromString<AdviceMode>(outcome);
        if (!target || !mode) // validateVisit checked both; kept so neither is dereferenced unchecked
            return Error::invalid("the visit names an unknown target or outcome");

        AdviceGiven advice;
        advice.articleId = articleId.empty() ? m_settings.neighbourArticle : articleId;
        auto article = m_advice.library().article(advice.articleId, articleVersion);
        if (!article)
            return article.error();
        advice.articleVersion = (*article)->version;
        advice.recipient = RecipientKind::Neighbour;
        advice.mode = *mode;
        advice.addressText = target->houseNumber + " " + target->street;
        advice.givenAt = visit.at;
        advice.operationId = op->id;
        advice.targetId = target->id;
        auto recorded = m_advice.recordIn(txn, std::move(advice));
        if (!recorded)
            return recorded.error();
        result.advice = std::move(*recorded);

        auto all = visits(op->id);
        if (!all)
            return all.error();
        result.status = statusAfterVisits(*op, *all);
        result.coverage = computeCoverage(*op, *all);
        if (result.status != op->status) {
            Fields changed;
            changed["status"] = toString(result.status);
            if (auto ok = txn.update("cocooning_operations", op->id, std::move(changed)); !ok)
                return ok;
        }
        return {};
    });
    if (!written)
        return written.error();
    return result;
}

Result<AdviceRecord> CocooningStore::recordVictimAdvice(const std::string &operationId, const std::string &articleId,
                                                        std::optional<int> articleVersion, AdviceMode mode,
                                                        std::optional<TimestampMs> at)
{
    if (!m_store.isInitialised())
        return Error::notAllowed("the database is not initialised: run init first");
    AdviceRecord result;
    Status written = m_store.write([&](WriteTxn &txn) -> Status {
        auto op = get(operationId);
        if (!op)
            return op.error();
        AdviceGiven advice;
        advice.articleId = articleId.empty() ? m_settings.victimArticle : articleId;
        auto article = m_advice.library().article(advice.articleId, articleVersion);
        if (!article)
            return article.error();
        advice.articleVersion = (*article)->version;
        advice.recipient = RecipientKind::Victim;
        advice.mode = mode;
        advice.addressText = op->originAddress;
        advice.givenAt = at.value_or(txn.now());
        if (advice.givenAt < op->burglaryAt)
            return Error::invalid("advice to the victim cannot be earlier than the burglary it follows");
        advice.operationId = op->id;
        auto recorded = m_advice.recordIn(txn, std::move(advice));
        if (!recorded)
            return recorded.error();
        result = std::move(*recorded);
        return {};
    });
    if (!written)
        return written.error();
    return result;
}

Result<CocooningOperation> CocooningStore::close(const std::string &operationId, const std::string &reason)
{
    if (auto ok = checkMayPlan(); !ok)
        return ok.error();
    CocooningOperation closed;
    Status written = m_store.write([&](WriteTxn &txn) -> Status {
        auto op = get(operationId);
        if (!op)
            return op.error();
        auto all = visits(op->id);
        if (!all)
            return all.error();
        op->status = statusAfterVisits(*op, *all);
        if (auto ok = closeOperation(*op, txn.now(), reason); !ok)
            return ok;
        Fields changed;
        changed["status"] = toString(op->status);
        changed["close_reason"] = op->closeReason;
        if (auto ok = txn.update("cocooning_operations", op->id, std::move(changed)); !ok)
            return ok;
        closed = std::move(*op);
        return {};
    });
    if (!written)
        return written.error();
    return closed;
}

Result<CocooningOperation> CocooningStore::get(const std::string &id)
{
    if (!isUuid(id))
        return Error::invalid("not a cocooning operation id: ids look like 0192f1d2-...-... (36 characters)");
    const auto bindId = [&](Statement &s) { s.bind(1, id); };
    auto op = readOneRow(m_store.db(),
                         std::string("SELECT ") + kOperationColumns + " FROM cocooning_operations WHERE id = ?1",
                         bindId, readOperation, "no cocooning operation " + id);
    if (!op)
        return op;

    auto targets = readRows(m_store.db(),
                            "SELECT id, street, house_number, lat, lon, distance_m "
                            "FROM cocooning_targets WHERE operation_id = ?1 ORDER BY rowid",
                            bindId, [](const Statement &s) {
                                CocooningTarget t;
                                t.id = s.columnText(0);
                                t.street = s.columnText(1);
                                t.houseNumber = s.columnText(2);
                                const auto lat = s.columnOptionalDouble(3);
                                const auto lon = s.columnOptionalDouble(4);
                                if (lat && lon)
                                    t.position = GeoPoint{*lat, *lon};
                                t.distanceM = s.columnOptionalDouble(5);
                                return t;
                            });
    if (!targets)
        return targets.error();
    op->targets = std::move(*targets);
    return op;
}

Result<std::vector<CocooningOperation>> CocooningStore::list(int limit)
{
    if (limit < 1)
        return Error::invalid("the limit must be 1 or more");
    auto ids = readRows(
        m_store.db(), "SELECT id FROM cocooning_operations ORDER BY burglary_at DESC, id DESC LIMIT ?1",
        [&](Statement &s) { s.bind(1, static_cast<std::int64_t>(limit)); },
        [](const Statement &s) { return s.columnText(0); });
    if (!ids)
        return ids.error();
    std::vector<CocooningOperation> out;
    for (const auto &id : *ids) {
        auto op = get(id);
        if (!op)
            return op.error();
        out.push_back(std::move(*op));
    }
    return out;
}

Result<std::vector<TargetVisit>> CocooningStore::visits(const std::string &operationId)
{
    return readRows(
        m_store.db(),
        "SELECT target_id, mode, given_at FROM advice_given "
        "WHERE operation_id = ?1 AND target_id IS NOT NULL ORDER BY given_at, id",
        [&](Statement &s) { s.bind(1, operationId); },
        [](const Statement &s) {
            // The advice modes and the visit outcomes share their spelling.
            return TargetVisit{s.columnText(0), s.columnText(1), s.columnInt(2)};
        });
}

Result<CocooningCoverage> CocooningStore::coverage(const std::string &id)
{
    auto op = get(id);
    if (!op)
        return op.error();
    auto all = visits(id);
    if (!all)
        return all.error();
    return computeCoverage(*op, *all);
}

} // namespace beatbook
