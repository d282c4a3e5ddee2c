#include "store/advicestore.h"

#include "core/text.h"
#include "domain/advicelibrary.h"
#include "domain/permissions.h"
#include "store/query.h"

namespace beatbook {
namespace {

constexpr const char *kAdviceColumns =
    "id, article_id, article_version, recipient_kind, mode, address_text, ward_code, report_id, operation_id, "
    "target_id, given_by, given_by_role, given_at";

Fields nullable(const std::string &text) { return text.empty() ? Fields(nullptr) : Fields(text); }

Result<AdviceRecord> readAdvice(const Statement &row)
{
    AdviceRecord r;
    AdviceGiven &a = r.advice;
    a.id = row.columnText(0);
    a.articleId = row.columnText(1);
    a.articleVersion = static_cast<int>(row.columnInt(2));
    auto recipient = enumFromString<RecipientKind>(row.columnText(3));
    auto mode = enumFromString<AdviceMode>(row.columnText(4));
    auto role = enumFromString<Role>(row.columnText(11));
    if (!recipient || !mode || !role)
        return Error::storage("advice record " + a.id + " holds a value this build does not know");
    a.recipient = *recipient;
    a.mode = *mode;
    a.addressText = row.columnText(5);
    r.wardCode = row.columnOptionalText(6);
    a.reportId = row.columnText(7);
    a.operationId = row.columnText(8);
    a.targetId = row.columnText(9);
    a.givenBy = row.columnText(10);
    r.givenByRole = *role;
    a.givenAt = row.columnInt(12);
    return r;
}

// The ward of the row `id` selected by `sql` (one column, nullable). Outer
// optional: whether the row exists.
Result<std::optional<std::optional<std::string>>> lookupWard(Database &db, const std::string &sql,
                                                             const std::string &id)
{
    return readOptionalRow(
        db, sql, [&](Statement &s) { s.bind(1, id); }, [](const Statement &s) { return s.columnOptionalText(0); });
}

} // namespace

AdviceStore::AdviceStore(DeviceStore &store, const AdviceLibrary &library, AdviceGivenSettings settings)
    : m_store(store), m_library(library), m_settings(settings)
{
}

Status AdviceStore::checkMayGive(const AdviceArticle &article) const
{
    if (!m_store.isInitialised())
        return Error::notAllowed("the database is not initialised: run init first");
    const Role role = m_store.profile().role;
    if (!can(role, Capability::RecordAdvice))
        return Error::notAllowed("a " + std::string(toString(role)) + " may not record advice");
    // Fire-brigade visitors give fire-safety advice; crime prevention is
    // for the police and Neighbourhood Watch.
    if (role == Role::FireHfsv && article.topic != AdviceTopic::FireSafety)
        return Error::notAllowed("a fire_hfsv user may only give fire_safety advice; " + article.id + " is on "
                                 + std::string(toString(article.topic)));
    return {};
}

Result<AdviceRecord> AdviceStore::record(AdviceGiven input)
{
    if (!m_store.isInitialised())
        return Error::notAllowed("the database is not initialised: run init first");
    if (!input.targetId.empty())
        return Error::invalid("a visit to a cocooning target is recorded as a cocooning visit, which also "
                              "moves the operation on");
    AdviceRecord recorded;
    Status written = m_store.write([&](WriteTxn &txn) -> Status {
        auto r = recordIn(txn, std::move(input));
        if (!r)
            return r.error();
        recorded = std::move(*r);
        return {};
    });
    if (!written)
        return written.error();
    return recorded;
}

Result<AdviceRecord> AdviceStore::recordIn(WriteTxn &txn, AdviceGiven input)
{
    if (!m_store.isInitialised())
        return Error::notAllowed("the database is not initialised: run init first");
    const DeviceProfile &profile = m_store.profile();
    if (!can(profile.role, Capability::RecordAdvice))
        return Error::notAllowed("a " + std::string(toString(profile.role)) + " may not record advice");

    const TimestampMs now = txn.now();
    input.id = txn.newId();
    input.givenBy = profile.userName;
    if (input.givenAt == 0)
        input.givenAt = now;
    if (auto ok = validateAdviceGiven(input, m_library, now, m_settings); !ok)
        return ok.error();
    const AdviceArticle *article = m_library.find(input.articleId, input.articleVersion);
    if (!article) // validateAdviceGiven found it; kept so a null is never dereferenced
        return Error::notFound("no advice article " + input.articleId);
    if (auto ok = checkMayGive(*article); !ok)
        return ok.error();
    input.addressText = collapseSpaces(input.addressText);

    AdviceRecord record;
    // Checked here rather than left to the foreign keys, so that an unknown
    // id reads as "not found" and not as a database failure.
    if (!input.reportId.empty()) {
        auto ward = lookupWard(txn.db(), "SELECT ward_code FROM asb_reports WHERE id = ?1", input.reportId);
        if (!ward)
            return ward.error();
        if (!*ward)
            return Error::notFound("no report " + input.reportId);
        record.wardCode = **ward;
    }
    if (!input.operationId.empty()) {
        auto ward = lookupWard(txn.db(), "SELECT ward_code FROM cocooning_operations WHERE id = ?1",
                               input.operationId);
        if (!ward)
            return ward.error();
        if (!*ward)
            return Error::notFound("no cocooning operation " + input.operationId);
        if (!record.wardCode)
            record.wardCode = **ward;
    }
    if (!input.targetId.empty()) {
        auto found = hasRow(txn.db(), "SELECT 1 FROM cocooning_targets WHERE id = ?1 AND operation_id = ?2",
                            [&](Statement &s) { s.bind(1, input.targetId).bind(2, input.operationId); });
        if (!found)
            return found.error();
        if (!*found)
            return Error::notFound("target " + input.targetId + " is not part of cocooning operation "
                                   + input.operationId);
    }

    Fields f;
    f["article_id"] = input.articleId;
    f["article_version"] = input.articleVersion;
    f["recipient_kind"] = toString(input.recipient);
    f["mode"] = toString(input.mode);
    f["address_text"] = nullable(input.addressText);
    f["ward_code"] = record.wardCode ? Fields(*record.wardCode) : Fields(nullptr);
    f["report_id"] = nullable(input.reportId);
    f["operation_id"] = nullable(input.operationId);
    f["target_id"] = nullable(input.targetId);
    f["given_by"] = input.givenBy;
    f["given_by_role"] = toString(profile.role);
    f["given_at"] = input.givenAt;
    if (auto ok = txn.insert("advice_given", input.id, std::move(f)); !ok)
        return ok.error();
    record.advice = std::move(input);
    record.givenByRole = profile.role;
    return record;
}

Result<std::vector<AdviceRecord>> AdviceStore::list(const AdviceFilter &filter)
{
    if (filter.limit < 1)
        return Error::invalid("the limit must be 1 or more");
    return readRows(
        m_store.db(),
        std::string("SELECT ") + kAdviceColumns
            + " FROM advice_given WHERE (?1 IS NULL OR report_id = ?1)"
              " AND (?2 IS NULL OR operation_id = ?2)"
              " ORDER BY given_at DESC, id DESC LIMIT ?3",
        [&](Statement &s) {
            s.bindOptional(1, filter.reportId).bindOptional(2, filter.operationId);
            s.bind(3, static_cast<std::int64_t>(filter.limit));
        },
        readAdvice);
}

} // namespace beatbook
