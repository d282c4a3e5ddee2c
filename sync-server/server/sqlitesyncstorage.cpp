#include "server/sqlitesyncstorage.h"

#include "store/query.h"
#include "store/rowsql.h"
#include "sync/changevalidator.h"
#include "sync/fieldcodec.h"
#include "sync/localchecksum.h"
#include "sync/recordmerge.h"
#include "sync/syncchange.h"
#include "sync/syncscope.h"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <cstdio>
#include <limits>
#include <optional>
#include <thread>
#include <utility>

namespace beatbook {
namespace {

using ColumnMap = std::map<std::string, ColumnInfo, std::less<>>;

constexpr std::string_view kPeople = "people";
constexpr std::size_t kMaxIdBytes = 200;
constexpr auto kMaxCursor = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

// The columns that name a person, and the placement flag each sets on that
// person. A person has no ward of their own: the first record naming them
// that has a ward places them (people are created before the records that
// name them, which the foreign keys enforce).
struct PersonReference {
    std::string_view entity;
    std::string_view column;
    bool byReport;
    bool byReferral;
};
constexpr std::array<PersonReference, 3> kPersonReferences{{
    {"asb_reports", "victim_id", true, false},
    {"asb_reports", "reporter_id", true, false},
    {"referrals", "person_id", false, true},
}};

// The record a record without a ward column takes its placement from: its
// catalog parent, or, for a consent record, the person who gave it (it goes
// wherever their details go).
struct PlacementParent {
    std::string_view entity;
    std::string_view column;
};

std::optional<PlacementParent> placementParent(const EntityInfo &info)
{
    if (!info.parentEntity.empty())
        return PlacementParent{info.parentEntity, info.parentColumn};
    if (info.name == "consent_records")
        return PlacementParent{kPeople, "person_id"};
    return std::nullopt;
}

// Where a record sits and how it merges: one row of sync_records.
struct SyncMeta {
    std::int64_t feedSeq = 0;
    std::optional<std::string> parentId;
    std::optional<std::string> ward;
    std::optional<std::string> prevWard;
    std::string owner;
    std::string creatorDevice;
    bool byReport = false;
    bool byReferral = false;
    std::string stamps;
    std::optional<std::string> conflicts;
    bool needsReview = false;
    std::uint64_t version = 0;
};

RecordPlacement placementOf(const EntityInfo &info, const SyncMeta &meta)
{
    return RecordPlacement{info.name, meta.ward, meta.owner, info.personal, meta.byReport, meta.byReferral};
}

// A user may change, or add to, a record they may see, and always one they
// created (a champion's own people, which their device no longer holds).
bool mayTouch(const SyncScope &author, const EntityInfo &info, const SyncMeta &meta)
{
    return (!author.userName.empty() && meta.owner == author.userName) || mayReceive(author, placementOf(info, meta));
}

bool isSyncColumn(std::string_view name) { return name == "id" || name == "hlc" || name == "device_id"; }

std::optional<std::string> stringField(const Fields &fields, std::string_view column)
{
    if (!fields.is_object())
        return std::nullopt;
    const auto found = fields.find(std::string(column));
    if (found == fields.end() || !found->is_string())
        return std::nullopt;
    return found->get<std::string>();
}

const char *columnName(sqlite3_stmt *stmt, int column)
{
    const char *name = sqlite3_column_name(stmt, column);
    return name ? name : "";
}

std::string columnString(sqlite3_stmt *stmt, int column)
{
    const auto *text = sqlite3_column_text(stmt, column);
    const int size = sqlite3_column_bytes(stmt, column);
    return text ? std::string(reinterpret_cast<const char *>(text), static_cast<std::size_t>(size)) : std::string();
}

Fields columnValue(sqlite3_stmt *stmt, int column)
{
    switch (sqlite3_column_type(stmt, column)) {
    case SQLITE_NULL:
        return Fields(nullptr);
    case SQLITE_INTEGER:
        return Fields(static_cast<std::int64_t>(sqlite3_column_int64(stmt, column)));
    case SQLITE_FLOAT:
        return Fields(sqlite3_column_double(stmt, column));
    default:
        return Fields(columnString(stmt, column));
    }
}

// Straight from the row into the page: a pull of many records skips the
// JSON form the merge needs.
void columnToProto(sqlite3_stmt *stmt, int column, syncv1::Value &out)
{
    switch (sqlite3_column_type(stmt, column)) {
    case SQLITE_NULL:
        out.set_null_value(true);
        break;
    case SQLITE_INTEGER:
        out.set_int_value(sqlite3_column_int64(stmt, column));
        break;
    case SQLITE_FLOAT:
        out.set_real_value(sqlite3_column_double(stmt, column));
        break;
    default:
        out.set_text_value(columnString(stmt, column));
        break;
    }
}

int bindField(sqlite3_stmt *stmt, int index, const Fields &value)
{
    if (value.is_null())
        return sqlite3_bind_null(stmt, index);
    if (value.is_boolean())
        return sqlite3_bind_int64(stmt, index, value.get<bool>() ? 1 : 0);
    if (value.is_number_integer())
        return sqlite3_bind_int64(stmt, index, value.get<std::int64_t>());
    if (value.is_number_float())
        return sqlite3_bind_double(stmt, index, value.get<double>());
    if (value.is_string()) {
        const auto &text = value.get_ref<const std::string &>();
        return sqlite3_bind_text64(stmt, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    }
    return SQLITE_MISMATCH;
}

void appendJsonString(std::string &out, std::string_view text)
{
    out += '"';
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20) {
            std::array<char, 8> escaped{};
            std::snprintf(escaped.data(), escaped.size(), "\\u%04x", static_cast<unsigned>(byte));
            out += escaped.data();
        } else {
            out += c;
        }
    }
    out += '"';
}

// Field stamps, grouped by stamp: [[hlc, "device", seen, ["column", ...]], ...].
// A create stamps every column alike, so when the stamps cover every column
// of the table the largest group is written "*" ("every other column"):
// the common case stays a few bytes and is written without a JSON library.
std::string encodeStamps(const std::map<std::string, FieldStamp> &stamps, const ColumnMap *columns)
{
    std::map<FieldStamp, std::vector<const std::string *>> groups;
    for (const auto &[column, stamp] : stamps)
        groups[stamp].push_back(&column);
    // Both maps are sorted by column: one walk compares their keys.
    const bool coversAll = columns && stamps.size() == columns->size()
        && std::equal(stamps.begin(), stamps.end(), columns->begin(),
                      [](const auto &stamp, const auto &column) { return stamp.first == column.first; });
    const FieldStamp *star = nullptr;
    std::size_t largest = 0;
    if (coversAll)
        for (const auto &[stamp, names] : groups)
            if (names.size() > largest) {
                largest = names.size();
                star = &stamp;
            }
    std::string out = "[";
    bool firstGroup = true;
    for (const auto &[stamp, names] : groups) {
        if (!firstGroup)
            out += ',';
        firstGroup = false;
        out += '[';
        out += std::to_string(stamp.hlc);
        out += ',';
        appendJsonString(out, stamp.deviceId);
        out += ',';
        out += std::to_string(stamp.seenHlc);
        out += ',';
        if (&stamp == star) {
            out += "\"*\"";
        } else {
            out += '[';
            for (std::size_t i = 0; i < names.size(); ++i) {
                if (i > 0)
                    out += ',';
                appendJsonString(out, *names[i]);
            }
            out += ']';
        }
        out += ']';
    }
    out += ']';
    return out;
}

// The stamps of a record the server did not hold: every field the create
// sends takes the create's stamp, as mergeChange gives it, written without
// building the per-field maps (creates are most of the traffic). The same
// text encodeStamps writes for one group.
std::string encodeCreateStamps(const Fields &fields, const FieldStamp &stamp, const ColumnMap *columns)
{
    std::vector<std::string_view> names;
    names.reserve(fields.size());
    for (const auto &item : fields.items())
        names.emplace_back(item.key());
    if (names.empty())
        return "[]";
    const bool coversAll = columns && names.size() == columns->size()
        && std::all_of(names.begin(), names.end(),
                       [&](std::string_view name) { return columns->find(name) != columns->end(); });
    std::string out = "[[";
    out += std::to_string(stamp.hlc);
    out += ',';
    appendJsonString(out, stamp.deviceId);
    out += ',';
    out += std::to_string(stamp.seenHlc);
    out += ',';
    if (coversAll) {
        out += "\"*\"";
    } else {
        std::sort(names.begin(), names.end());
        out += '[';
        for (std::size_t i = 0; i < names.size(); ++i) {
            if (i > 0)
                out += ',';
            appendJsonString(out, names[i]);
        }
        out += ']';
    }
    out += "]]";
    return out;
}

Result<std::uint64_t> readHlc(const Fields &value)
{
    if (value.is_number_unsigned())
        return value.get<std::uint64_t>();
    if (value.is_number_integer() && value.get<std::int64_t>() >= 0)
        return static_cast<std::uint64_t>(value.get<std::int64_t>());
    return Error::storage("a stored clock value is not a whole number");
}

Result<std::map<std::string, FieldStamp>> decodeStamps(const std::string &text, const ColumnMap *columns)
{
    const auto parsed = Fields::parse(text, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_array())
        return Error::storage("stored field stamps are unreadable");
    std::map<std::string, FieldStamp> stamps;
    std::optional<FieldStamp> star;
    for (const auto &group : parsed) {
        if (!group.is_array() || group.size() != 4 || !group[1].is_string())
            return Error::storage("stored field stamps are unreadable");
        auto hlc = readHlc(group[0]);
        auto seen = readHlc(group[2]);
        if (!hlc || !seen)
            return Error::storage("stored field stamps are unreadable");
        FieldStamp stamp{*hlc, group[1].get<std::string>(), *seen};
        const Fields &names = group[3];
        if (names.is_string() && names.get_ref<const std::string &>() == "*") {
            star = stamp;
        } else if (names.is_array()) {
            for (const auto &name : names) {
                if (!name.is_string())
                    return Error::storage("stored field stamps are unreadable");
                stamps[name.get<std::string>()] = stamp;
            }
        } else {
            return Error::storage("stored field stamps are unreadable");
        }
    }
    if (star && columns)
        for (const auto &[column, info] : *columns)
            stamps.try_emplace(column, *star);
    return stamps;
}

// Conflicts: {"column": [[value, hlc, "device"], ...]}. Rare, so plain JSON.
std::optional<std::string> encodeConflicts(const std::map<std::string, std::vector<ConflictingValue>> &conflicts)
{
    if (conflicts.empty())
        return std::nullopt;
    Fields out = Fields::object();
    for (const auto &[column, values] : conflicts) {
        Fields list = Fields::array();
        for (const ConflictingValue &value : values) {
            Fields entry = Fields::array();
            entry.push_back(value.value);
            entry.push_back(value.stamp.hlc);
            entry.push_back(value.stamp.deviceId);
            list.push_back(std::move(entry));
        }
        out[column] = std::move(list);
    }
    return out.dump(-1, ' ', false, Fields::error_handler_t::replace);
}

Result<std::map<std::string, std::vector<ConflictingValue>>> decodeConflicts(const std::optional<std::string> &text)
{
    std::map<std::string, std::vector<ConflictingValue>> conflicts;
    if (!text)
        return conflicts;
    const auto parsed = Fields::parse(*text, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object())
        return Error::storage("stored conflicts are unreadable");
    for (const auto &[column, values] : parsed.items()) {
        if (!values.is_array())
            return Error::storage("stored conflicts are unreadable");
        auto &list = conflicts[column];
        for (const auto &value : values) {
            if (!value.is_array() || value.size() != 3 || !value[2].is_string())
                return Error::storage("stored conflicts are unreadable");
            auto hlc = readHlc(value[1]);
            if (!hlc)
                return hlc.error();
            list.push_back(ConflictingValue{value[0], FieldStamp{*hlc, value[2].get<std::string>(), 0}});
        }
    }
    return conflicts;
}

Status conflictsToProto(const std::optional<std::string> &text, syncv1::Record &record)
{
    auto conflicts = decodeConflicts(text);
    if (!conflicts)
        return conflicts.error();
    for (const auto &[column, values] : *conflicts) {
        auto *conflict = record.add_conflicts();
        conflict->set_field(column);
        for (const ConflictingValue &value : values) {
            auto *out = conflict->add_values();
            if (auto ok = valueToProto(value.value, *out->mutable_value()); !ok)
                return ok;
            out->set_hlc(value.stamp.hlc);
            out->set_device_id(value.stamp.deviceId);
        }
    }
    return {};
}

constexpr std::string_view kSelectMeta =
    "SELECT feed_seq, parent_id, ward_code, prev_ward_code, owner_user, by_report, by_referral, stamps, conflicts, "
    "needs_review, version, creator_device FROM sync_records WHERE entity = ?1 AND id = ?2";

// "SELECT * FROM <table> WHERE id = ?1" for each synced table, written once:
// the upload and the pull read a stored record for every change or record.
const std::string &selectRecordSql(const EntityInfo &info)
{
    static const std::map<std::string_view, std::string, std::less<>> texts = [] {
        std::map<std::string_view, std::string, std::less<>> out;
        for (const EntityInfo &entity : syncedEntities())
            out.emplace(entity.name, "SELECT * FROM " + std::string(entity.name) + " WHERE id = ?1");
        return out;
    }();
    return texts.find(info.name)->second;
}

SyncMeta readMeta(const Statement &s)
{
    SyncMeta meta;
    meta.feedSeq = s.columnInt(0);
    meta.parentId = s.columnOptionalText(1);
    meta.ward = s.columnOptionalText(2);
    meta.prevWard = s.columnOptionalText(3);
    meta.owner = s.columnText(4);
    meta.byReport = s.columnInt(5) != 0;
    meta.byReferral = s.columnInt(6) != 0;
    meta.stamps = s.columnText(7);
    meta.conflicts = s.columnOptionalText(8);
    meta.needsReview = s.columnInt(9) != 0;
    meta.version = static_cast<std::uint64_t>(s.columnInt(10));
    meta.creatorDevice = s.columnText(11);
    return meta;
}

Result<std::optional<SyncMeta>> loadMeta(Database &db, std::string_view entity, const std::string &id)
{
    return readOptionalRow(db, kSelectMeta, [&](Statement &s) { s.bind(1, entity).bind(2, id); }, readMeta);
}

// The stored record: every column but id, hlc and device_id.
Result<std::optional<Fields>> loadFields(Database &db, const EntityInfo &info, const std::string &id)
{
    return readOptionalRow(
        db, selectRecordSql(info), [&](Statement &s) { s.bind(1, id); },
        [](const Statement &s) {
            sqlite3_stmt *stmt = s.handle();
            Fields fields = Fields::object();
            const int count = sqlite3_column_count(stmt);
            for (int i = 0; i < count; ++i) {
                const char *name = columnName(stmt, i);
                if (!isSyncColumn(name))
                    fields[name] = columnValue(stmt, i);
            }
            return fields;
        });
}

// Resets a statement however a loop over it ends.
class ResetGuard {
public:
    explicit ResetGuard(Statement &stmt) : m_stmt(stmt) {}
    ~ResetGuard() { m_stmt.reset(); }
    ResetGuard(const ResetGuard &) = delete;
    ResetGuard &operator=(const ResetGuard &) = delete;

private:
    Statement &m_stmt;
};

// One read snapshot for a pull or a verify; rolled back however it ends
// (it wrote nothing).
class ReadTransaction {
public:
    explicit ReadTransaction(Database &db) : m_db(db) {}
    ~ReadTransaction()
    {
        if (m_open)
            (void)m_db.exec("ROLLBACK");
    }
    ReadTransaction(const ReadTransaction &) = delete;
    ReadTransaction &operator=(const ReadTransaction &) = delete;

    Status begin()
    {
        if (auto ok = m_db.exec("BEGIN"); !ok)
            return ok;
        m_open = true;
        return {};
    }

private:
    Database &m_db;
    bool m_open = false;
};

// How a write to a record table ended. The database refusing one record (a
// CHECK, a trigger, a foreign key, a type) rejects that change alone; any
// other failure (disk full, I/O) fails the whole group.
struct WriteOutcome {
    bool written = false;
    std::string refusal;      // set when the database refused the record
    std::optional<Error> fatal;
};

WriteOutcome stepWrite(Database &db, Statement &stmt)
{
    ResetGuard reset(stmt);
    const int rc = sqlite3_step(stmt.handle());
    if (rc == SQLITE_DONE)
        return WriteOutcome{true, {}, std::nullopt};
    const int code = sqlite3_extended_errcode(db.handle());
    const std::string message = sqlite3_errmsg(db.handle());
    if ((code & 0xff) == SQLITE_CONSTRAINT || (rc & 0xff) == SQLITE_CONSTRAINT) {
        if (code == SQLITE_CONSTRAINT_FOREIGNKEY)
            return WriteOutcome{false, "it refers to a record the server does not hold: sync that record first",
                                std::nullopt};
        return WriteOutcome{false, "the server's database refused it: " + message, std::nullopt};
    }
    return WriteOutcome{false, {}, Error::storage("could not write a synced record: " + message)};
}

WriteOutcome bindFailure(int rc)
{
    if (rc == SQLITE_MISMATCH)
        return WriteOutcome{false, "a field must be text, a number or null", std::nullopt};
    return WriteOutcome{false, {}, Error::storage(std::string("could not bind a value: ") + sqlite3_errstr(rc))};
}

std::string outcomeName(bool accepted) { return accepted ? "accepted" : "rejected"; }

// Applies one group of uploads inside the writer's open transaction.
//
// A change runs without a savepoint of its own: every check that can refuse
// it comes before its first write, and that first write (the record's row)
// is a single-row statement the database undoes by itself when it refuses
// it. Everything written after it either succeeds or fails the whole group.
// apply() checks that a refused change wrote nothing.
class UploadApplier {
public:
    UploadApplier(Database &db, RowStatements &rows, const EntityCatalog &catalog,
                  const SqliteSyncStorageSettings &settings, std::int64_t &lastFeedSeq, TimestampMs now)
        : m_db(db), m_rows(rows), m_catalog(catalog), m_settings(settings), m_lastFeedSeq(lastFeedSeq), m_now(now)
    {
    }

    // Before a request's changes: where its device's answered seqs end.
    Status beginRequest(const UploadRequest &request);
    Result<syncv1::ChangeResult> apply(const UploadRequest &request, int index);

private:
    struct Decision {
        bool accepted = false;
        std::string reason;
        bool conflict = false;
    };
    static Decision reject(std::string reason) { return Decision{false, std::move(reason), false}; }

    Result<Decision> applyChange(const UploadRequest &request, const SyncChange &change);
    Result<std::optional<syncv1::ChangeResult>> earlierAnswer(const std::string &deviceId, std::uint64_t seq);
    Status recordAnswer(const UploadRequest &request, const syncv1::Change &change, const Decision &decision);

    WriteOutcome writeRow(const EntityInfo &info, const ColumnMap &columns, const std::string &id,
                          const Fields &fields, std::uint64_t version, const std::string &deviceId, bool exists);
    Status writeMeta(const EntityInfo &info, const std::string &id, const SyncMeta &meta, bool exists);
    Status movePlacement(std::string_view entity, const std::string &id, const std::optional<std::string> &ward,
                         const std::optional<std::string> &prevWard, bool byReport, bool byReferral);
    Status placePerson(const std::string &personId, const std::optional<std::string> &ward, bool byReport,
                       bool byReferral);
    Status followParent(const EntityInfo &parent, const std::string &parentId, const std::optional<std::string> &ward,
                        bool byReport, bool byReferral, int depth);

    Database &m_db;
    RowStatements &m_rows;
    const EntityCatalog &m_catalog;
    const SqliteSyncStorageSettings &m_settings;
    std::int64_t &m_lastFeedSeq;
    TimestampMs m_now;
    // The highest seq of the current request's device with an answer kept:
    // only a seq at or below it can be a replay.
    std::uint64_t m_highestAnswered = 0;
    // Reused for each row written: the columns in name order.
    std::vector<std::pair<std::string_view, const Fields *>> m_rowFields;
    std::vector<std::string_view> m_rowColumns;
};

Status UploadApplier::beginRequest(const UploadRequest &request)
{
    auto highest = readOptionalRow(
        m_db, "SELECT MAX(seq) FROM sync_changes WHERE device_id = ?1",
        [&](Statement &s) { s.bind(1, request.deviceId); },
        [](const Statement &s) { return s.isNull(0) ? std::int64_t{0} : s.columnInt(0); });
    if (!highest)
        return highest.error();
    m_highestAnswered = static_cast<std::uint64_t>(highest->value_or(0));
    return {};
}

Result<syncv1::ChangeResult> UploadApplier::apply(const UploadRequest &request, int index)
{
    const syncv1::Change &change = request.batch->changes(index);
    syncv1::ChangeResult result;
    result.set_seq(change.seq());
    if (change.seq() == 0) {
        // Not kept: a second change without a seq must not get this answer.
        result.set_outcome(syncv1::ChangeResult::REJECTED);
        result.set_reason("the change has no sequence number: update the app");
        return result;
    }
    if (change.seq() <= m_highestAnswered) {
        auto earlier = earlierAnswer(request.deviceId, change.seq());
        if (!earlier)
            return earlier.error();
        if (*earlier)
            return std::move(**earlier);
    }

    const Result<SyncChange> &decoded = request.changes[static_cast<std::size_t>(index)];
    const std::int64_t feedBefore = m_lastFeedSeq;
    const sqlite3_int64 writesBefore = sqlite3_total_changes64(m_db.handle());
    auto decision = decoded ? applyChange(request, *decoded) : Result<Decision>(reject(decoded.error().message));
    if (!decision)
        return decision.error();
    if (!decision->accepted) {
        if (sqlite3_total_changes64(m_db.handle()) != writesBefore)
            return Error::storage("a refused change had already written: the whole group is rolled back");
        m_lastFeedSeq = feedBefore;
    }
    if (auto ok = recordAnswer(request, change, *decision); !ok)
        return ok.error();
    m_highestAnswered = std::max(m_highestAnswered, change.seq());
    result.set_outcome(decision->accepted ? syncv1::ChangeResult::ACCEPTED : syncv1::ChangeResult::REJECTED);
    result.set_reason(decision->reason);
    result.set_conflict(decision->conflict);
    return result;
}

Result<std::optional<syncv1::ChangeResult>> UploadApplier::earlierAnswer(const std::string &deviceId,
                                                                         std::uint64_t seq)
{
    return readOptionalRow(
        m_db, "SELECT outcome, reason, conflict FROM sync_changes WHERE device_id = ?1 AND seq = ?2",
        [&](Statement &s) { s.bind(1, deviceId).bind(2, static_cast<std::int64_t>(seq)); },
        [&](const Statement &s) {
            syncv1::ChangeResult result;
            result.set_seq(seq);
            result.set_outcome(s.columnText(0) == "accepted" ? syncv1::ChangeResult::ACCEPTED
                                                             : syncv1::ChangeResult::REJECTED);
            result.set_reason(s.columnText(1));
            result.set_conflict(s.columnInt(2) != 0);
            return result;
        });
}

Status UploadApplier::recordAnswer(const UploadRequest &request, const syncv1::Change &change,
                                   const Decision &decision)
{
    auto stmt = m_db.prepare("INSERT INTO sync_changes (device_id, seq, change_id, entity, entity_id, outcome, "
                             "reason, conflict, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (!stmt)
        return stmt.error();
    (*stmt)->bind(1, request.deviceId)
        .bind(2, static_cast<std::int64_t>(change.seq()))
        .bind(3, change.change_id())
        .bind(4, change.entity())
        .bind(5, change.entity_id())
        .bind(6, outcomeName(decision.accepted))
        .bind(8, decision.conflict ? 1 : 0)
        .bind(9, static_cast<std::int64_t>(m_now));
    if (decision.reason.empty())
        (*stmt)->bind(7, nullptr);
    else
        (*stmt)->bind(7, decision.reason);
    return (*stmt)->run();
}

Result<UploadApplier::Decision> UploadApplier::applyChange(const UploadRequest &request, const SyncChange &change)
{
    const SyncScope &author = request.author;
    const EntityInfo *info = findEntity(change.entity);
    const ColumnMap *columns = m_catalog.columns(change.entity);
    if (!info || !columns)
        return reject("the change is for a kind of record that does not sync");
    if (change.entityId.empty() || change.entityId.size() > kMaxIdBytes)
        return reject("the change does not name a valid record id");

    auto meta = loadMeta(m_db, info->name, change.entityId);
    if (!meta)
        return meta.error();
    std::optional<Fields> current;
    if (*meta) {
        auto stored = loadFields(m_db, *info, change.entityId);
        if (!stored)
            return stored.error();
        if (!*stored)
            return reject("the server's copy of this record is incomplete: ask an administrator");
        current = std::move(**stored);
        if (!mayTouch(author, *info, **meta))
            return reject("this record is outside your role's or area's scope");
    }

    // The parent gives classes without a ward column their placement.
    const std::optional<PlacementParent> parentLink = placementParent(*info);
    const EntityInfo *parentInfo = nullptr;
    std::optional<std::string> parentId;
    std::optional<SyncMeta> parentMeta;
    if (parentLink) {
        parentInfo = findEntity(parentLink->entity);
        parentId = stringField(change.fields, parentLink->column);
        if (!parentId && current)
            parentId = stringField(*current, parentLink->column);
        if (parentInfo && parentId) {
            auto loaded = loadMeta(m_db, parentInfo->name, *parentId);
            if (!loaded)
                return loaded.error();
            parentMeta = std::move(*loaded);
        }
        if (!*meta && parentMeta && !mayTouch(author, *parentInfo, *parentMeta))
            return reject("the record it belongs to is outside your role's or area's scope");
    }
    const std::optional<std::string> parentWard = parentMeta ? parentMeta->ward : std::nullopt;

    MergeState state;
    if (*meta) {
        auto stamps = decodeStamps((*meta)->stamps, columns);
        auto conflicts = decodeConflicts((*meta)->conflicts);
        if (!stamps || !conflicts)
            return reject("the server's copy of this record is unreadable: ask an administrator");
        state.fields = *current;
        state.stamps = std::move(*stamps);
        state.conflicts = std::move(*conflicts);
        state.version = (*meta)->version;
    }

    // A referral's consent steps rest on the consent record it names.
    std::optional<Fields> consent;
    if (info->name == "referrals") {
        auto consentId = stringField(change.fields, "consent_id");
        if (!consentId && current)
            consentId = stringField(*current, "consent_id");
        if (const EntityInfo *consentInfo = findEntity("consent_records"); consentInfo && consentId) {
            auto loaded = loadFields(m_db, *consentInfo, *consentId);
            if (!loaded)
                return loaded.error();
            consent = std::move(*loaded);
        }
    }

    // The validator's parent ward is the catalog's parent's only.
    const std::optional<std::string> catalogParentWard =
        info->parentEntity.empty() ? std::nullopt : parentWard;
    ChangeCheck check{m_catalog, author, current, catalogParentWard};
    check.creatorDeviceId = *meta ? std::string_view((*meta)->creatorDevice) : std::string_view();
    check.consent = consent ? &*consent : nullptr;
    check.merge = *meta ? &state : nullptr;
    check.adviceLibrary = m_settings.adviceLibrary;
    check.now = m_now;
    check.rules = &m_settings.rules;
    if (auto valid = validateChange(change, check); !valid)
        return reject(valid.error().message);

    // Naming a person must not become a way to see them.
    const EntityInfo *peopleInfo = findEntity(kPeople);
    struct NamedPerson {
        std::string id;
        bool byReport;
        bool byReferral;
    };
    std::vector<NamedPerson> named;
    for (const PersonReference &reference : kPersonReferences) {
        if (reference.entity != info->name)
            continue;
        auto personId = stringField(change.fields, reference.column);
        if (!personId || !peopleInfo)
            continue;
        auto person = loadMeta(m_db, kPeople, *personId);
        if (!person)
            return person.error();
        if (!*person)
            return reject("it names a person the server does not hold: sync that person first");
        if (!mayTouch(author, *peopleInfo, **person))
            return reject("it names a person outside your role's or area's scope");
        named.push_back(NamedPerson{std::move(*personId), reference.byReport, reference.byReferral});
    }

    // A record the server did not hold is the create's fields as sent; one
    // it held is the merge of the change into it.
    MergeOutcome merged;
    if (*meta)
        merged = mergeChange(state, change);
    const Fields &after = *meta ? merged.merged.fields : change.fields;
    const std::uint64_t version = *meta ? merged.merged.version : change.hlc;

    SyncMeta next;
    next.parentId = parentId;
    if (!info->wardColumn.empty())
        next.ward = stringField(after, info->wardColumn);
    else if (parentLink)
        next.ward = parentWard;
    else if (*meta)
        next.ward = (*meta)->ward;
    next.owner = *meta ? (*meta)->owner : author.userName;
    next.creatorDevice = *meta ? (*meta)->creatorDevice : change.deviceId;
    next.byReport = *meta && (*meta)->byReport;
    next.byReferral = *meta && (*meta)->byReferral;
    if (info->personal && parentInfo && parentInfo->personal && parentMeta) {
        next.byReport = next.byReport || parentMeta->byReport;
        next.byReferral = next.byReferral || parentMeta->byReferral;
    }
    next.prevWard = *meta ? ((*meta)->ward != next.ward ? (*meta)->ward : (*meta)->prevWard) : std::nullopt;
    next.stamps = *meta ? encodeStamps(merged.merged.stamps, columns)
                        : encodeCreateStamps(change.fields, FieldStamp{change.hlc, change.deviceId, 0}, columns);
    next.conflicts = *meta ? encodeConflicts(merged.merged.conflicts) : std::nullopt;
    next.needsReview = *meta && !merged.merged.conflicts.empty();
    next.version = version;

    const bool rowChanged = !*meta || !merged.changedFields.empty() || next.version != (*meta)->version;
    const bool placementChanged = *meta
        && (next.ward != (*meta)->ward || next.byReport != (*meta)->byReport
            || next.byReferral != (*meta)->byReferral);
    const bool metaChanged = rowChanged || placementChanged || next.stamps != (*meta)->stamps
        || next.conflicts != (*meta)->conflicts || next.parentId != (*meta)->parentId;
    const bool conflict = !merged.newConflicts.empty();
    if (!metaChanged)
        return Decision{true, {}, conflict};  // a replay, or a change already superseded: nothing moves

    // The first write: the database may still refuse the record here.
    if (rowChanged) {
        const WriteOutcome written = writeRow(*info, *columns, change.entityId,
                                              *meta ? merged.changedFields : change.fields, next.version,
                                              change.deviceId, meta->has_value());
        if (written.fatal)
            return *written.fatal;
        if (!written.written)
            return reject(written.refusal);
    }

    // People first, so a device receives a person before the record naming them.
    for (const NamedPerson &person : named)
        if (auto ok = placePerson(person.id, next.ward, person.byReport, person.byReferral); !ok)
            return ok.error();

    next.feedSeq = ++m_lastFeedSeq;
    if (auto ok = writeMeta(*info, change.entityId, next, meta->has_value()); !ok)
        return ok.error();
    if (placementChanged)
        if (auto ok = followParent(*info, change.entityId, next.ward, next.byReport, next.byReferral, 0); !ok)
            return ok.error();
    return Decision{true, {}, conflict};
}

// Inserts the record (every field sent) or updates the fields that changed.
// The columns go in name order, so each table and column set is one
// prepared statement whatever order a device sent them in.
WriteOutcome UploadApplier::writeRow(const EntityInfo &info, const ColumnMap &columns, const std::string &id,
                                     const Fields &fields, std::uint64_t version, const std::string &deviceId,
                                     bool exists)
{
    m_rowFields.clear();
    m_rowColumns.clear();
    for (const auto &item : fields.items()) {
        const std::string &column = item.key();
        // The validator checked the columns; the catalog is checked again so
        // that nothing from outside ever becomes SQL.
        if (isSyncColumn(column) || columns.find(column) == columns.end())
            return WriteOutcome{false, "the record has a field that does not exist: " + column, std::nullopt};
        m_rowFields.emplace_back(column, &item.value());
    }
    std::sort(m_rowFields.begin(), m_rowFields.end(),
              [](const auto &a, const auto &b) { return a.first < b.first; });
    for (const auto &[column, value] : m_rowFields)
        m_rowColumns.push_back(column);
    auto stmt = exists ? m_rows.update(info.name, m_rowColumns) : m_rows.insert(info.name, m_rowColumns);
    if (!stmt)
        return WriteOutcome{false, {}, stmt.error()};
    sqlite3_stmt *raw = (*stmt)->handle();
    // Insert: id, the fields, hlc, device_id. Update: the fields, hlc, device_id, id.
    int index = 0;
    int rc = exists ? SQLITE_OK : sqlite3_bind_text64(raw, ++index, id.data(), id.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    for (const auto &[column, value] : m_rowFields)
        if (rc == SQLITE_OK)
            rc = bindField(raw, ++index, *value);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(raw, ++index, static_cast<sqlite3_int64>(version));
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text64(raw, ++index, deviceId.data(), deviceId.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (rc == SQLITE_OK && exists)
        rc = sqlite3_bind_text64(raw, ++index, id.data(), id.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (rc != SQLITE_OK) {
        (*stmt)->reset();
        return bindFailure(rc);
    }
    WriteOutcome outcome = stepWrite(m_db, **stmt);
    if (exists && outcome.written && m_db.changes() != 1)
        return WriteOutcome{false, {}, Error::storage("a synced record vanished from " + std::string(info.name))};
    return outcome;
}

Status UploadApplier::writeMeta(const EntityInfo &info, const std::string &id, const SyncMeta &meta, bool exists)
{
    const std::string sql = exists
        ? "UPDATE sync_records SET feed_seq = ?1, parent_id = ?4, ward_code = ?5, prev_ward_code = ?6, "
          "owner_user = ?7, by_report = ?8, by_referral = ?9, stamps = ?10, conflicts = ?11, needs_review = ?12, "
          "version = ?13, creator_device = ?14 WHERE entity = ?2 AND id = ?3"
        : "INSERT INTO sync_records (feed_seq, entity, id, parent_id, ward_code, prev_ward_code, owner_user, "
          "by_report, by_referral, stamps, conflicts, needs_review, version, creator_device) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";
    auto stmt = m_db.prepare(sql);
    if (!stmt)
        return stmt.error();
    (*stmt)->bind(1, meta.feedSeq)
        .bind(2, info.name)
        .bind(3, id)
        .bindOptional(4, meta.parentId)
        .bindOptional(5, meta.ward)
        .bindOptional(6, meta.prevWard)
        .bind(7, meta.owner)
        .bind(8, meta.byReport ? 1 : 0)
        .bind(9, meta.byReferral ? 1 : 0)
        .bind(10, meta.stamps)
        .bindOptional(11, meta.conflicts)
        .bind(12, meta.needsReview ? 1 : 0)
        .bind(13, static_cast<std::int64_t>(meta.version))
        .bind(14, meta.creatorDevice);
    return (*stmt)->run();
}

// Moves a record to the head of the feed with a new placement, so devices
// that may now receive it (or must now drop it) hear of it.
Status UploadApplier::movePlacement(std::string_view entity, const std::string &id,
                                    const std::optional<std::string> &ward, const std::optional<std::string> &prevWard,
                                    bool byReport, bool byReferral)
{
    auto stmt = m_db.prepare("UPDATE sync_records SET feed_seq = ?1, ward_code = ?2, prev_ward_code = ?3, "
                             "by_report = ?4, by_referral = ?5 WHERE entity = ?6 AND id = ?7");
    if (!stmt)
        return stmt.error();
    return (*stmt)
        ->bind(1, ++m_lastFeedSeq)
        .bindOptional(2, ward)
        .bindOptional(3, prevWard)
        .bind(4, byReport ? 1 : 0)
        .bind(5, byReferral ? 1 : 0)
        .bind(6, entity)
        .bind(7, id)
        .run();
}

Status UploadApplier::placePerson(const std::string &personId, const std::optional<std::string> &ward, bool byReport,
                                  bool byReferral)
{
    auto person = loadMeta(m_db, kPeople, personId);
    if (!person)
        return person.error();
    if (!*person)
        return {};  // the record's foreign key has already refused this
    const SyncMeta &meta = **person;
    const std::optional<std::string> nextWard = meta.ward ? meta.ward : ward;
    const bool nextByReport = meta.byReport || byReport;
    const bool nextByReferral = meta.byReferral || byReferral;
    if (nextWard == meta.ward && nextByReport == meta.byReport && nextByReferral == meta.byReferral)
        return {};
    if (auto ok = movePlacement(kPeople, personId, nextWard, meta.prevWard, nextByReport, nextByReferral); !ok)
        return ok;
    const EntityInfo *peopleInfo = findEntity(kPeople);
    if (!peopleInfo)
        return {};
    return followParent(*peopleInfo, personId, nextWard, nextByReport, nextByReferral, 0);
}

// Records that take their placement from a parent follow it when it moves.
Status UploadApplier::followParent(const EntityInfo &parent, const std::string &parentId,
                                   const std::optional<std::string> &ward, bool byReport, bool byReferral, int depth)
{
    if (depth > 4)
        return {};  // the catalog nests two deep; this only stops a mistaken cycle
    struct Child {
        std::string entity;
        std::string id;
        std::optional<std::string> ward;
        std::optional<std::string> prevWard;
        bool byReport;
        bool byReferral;
    };
    auto children = readRows(
        m_db, "SELECT entity, id, ward_code, prev_ward_code, by_report, by_referral FROM sync_records "
              "WHERE parent_id = ?1",
        [&](Statement &s) { s.bind(1, parentId); },
        [](const Statement &s) {
            return Child{s.columnText(0), s.columnText(1), s.columnOptionalText(2), s.columnOptionalText(3),
                         s.columnInt(4) != 0, s.columnInt(5) != 0};
        });
    if (!children)
        return children.error();
    for (const Child &child : *children) {
        const EntityInfo *info = findEntity(child.entity);
        const auto link = info ? placementParent(*info) : std::nullopt;
        if (!link || link->entity != parent.name)
            continue;
        const std::optional<std::string> nextWard = info->wardColumn.empty() ? ward : child.ward;
        bool nextByReport = child.byReport;
        bool nextByReferral = child.byReferral;
        if (info->personal && parent.personal) {
            nextByReport = nextByReport || byReport;
            nextByReferral = nextByReferral || byReferral;
        }
        if (nextWard == child.ward && nextByReport == child.byReport && nextByReferral == child.byReferral)
            continue;
        const std::optional<std::string> prevWard = nextWard != child.ward ? child.ward : child.prevWard;
        if (auto ok = movePlacement(info->name, child.id, nextWard, prevWard, nextByReport, nextByReferral); !ok)
            return ok;
        if (auto ok = followParent(*info, child.id, nextWard, nextByReport, nextByReferral, depth + 1); !ok)
            return ok;
    }
    return {};
}

bool isInMemory(const std::string &path)
{
    return path.empty() || path == ":memory:" || path.rfind("file::memory:", 0) == 0;
}

} // namespace

// A read connection for one call: leased from the pool and given back, or,
// for an in-memory database, the writer's own under its mutex.
class SqliteSyncStorage::ReadLease {
public:
    ReadLease(SqliteSyncStorage &owner, std::unique_ptr<Database> reader)
        : m_owner(&owner), m_reader(std::move(reader))
    {
    }
    ReadLease(SqliteSyncStorage &owner, std::unique_lock<std::mutex> writerLock)
        : m_owner(&owner), m_lock(std::move(writerLock))
    {
    }
    ReadLease(ReadLease &&) noexcept = default;
    ReadLease &operator=(ReadLease &&) = delete;
    ReadLease(const ReadLease &) = delete;
    ReadLease &operator=(const ReadLease &) = delete;
    ~ReadLease()
    {
        if (m_reader)
            m_owner->returnReader(std::move(m_reader));
    }

    Database &db() { return m_reader ? *m_reader : *m_owner->m_db; }

private:
    SqliteSyncStorage *m_owner;
    std::unique_ptr<Database> m_reader;
    std::unique_lock<std::mutex> m_lock;
};

// Runs PASSIVE checkpoints on its own connection when the writer asks. A
// passive checkpoint never blocks the writer or the readers; what it cannot
// copy yet it copies next time.
class SqliteSyncStorage::Checkpointer {
public:
    explicit Checkpointer(std::unique_ptr<Database> db) : m_db(std::move(db)), m_thread([this] { run(); }) {}
    ~Checkpointer()
    {
        {
            const std::lock_guard<std::mutex> lock(m_mutex);
            m_stop = true;
        }
        m_wake.notify_one();
        m_thread.join();
    }
    Checkpointer(const Checkpointer &) = delete;
    Checkpointer &operator=(const Checkpointer &) = delete;

    void request()
    {
        {
            const std::lock_guard<std::mutex> lock(m_mutex);
            m_pending = true;
        }
        m_wake.notify_one();
    }

private:
    void run()
    {
        std::unique_lock<std::mutex> lock(m_mutex);
        for (;;) {
            m_wake.wait(lock, [this] { return m_pending || m_stop; });
            if (m_stop)
                return;
            m_pending = false;
            lock.unlock();
            (void)sqlite3_wal_checkpoint_v2(m_db->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
            lock.lock();
        }
    }

    std::unique_ptr<Database> m_db;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_pending = false;
    bool m_stop = false;
    std::thread m_thread;  // last: it starts once the rest is ready
};

int SqliteSyncStorage::walHook(void *self, sqlite3 *db, const char *, int pages)
{
    auto *storage = static_cast<SqliteSyncStorage *>(self);
    if (pages >= storage->m_settings.writerCheckpointPages)
        (void)sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    else if (pages >= storage->m_settings.checkpointPages && storage->m_checkpointer)
        storage->m_checkpointer->request();
    return SQLITE_OK;
}

SqliteSyncStorage::SqliteSyncStorage(std::unique_ptr<Database> db, const Clock &clock,
                                     SqliteSyncStorageSettings settings, EntityCatalog catalog)
    : m_db(std::move(db)), m_clock(clock), m_settings(settings), m_catalog(std::move(catalog)),
      m_sharedReads(isInMemory(m_db->path())), m_rowStatements(*m_db)
{
}

SqliteSyncStorage::~SqliteSyncStorage()
{
    if (m_checkpointer)
        sqlite3_wal_hook(m_db->handle(), nullptr, nullptr);
    m_checkpointer.reset();
}

Result<std::unique_ptr<SqliteSyncStorage>> SqliteSyncStorage::open(std::unique_ptr<Database> db, const Clock &clock,
                                                                   SqliteSyncStorageSettings settings)
{
    if (!db)
        return Error::invalid("no server database to store records in");
    auto tables = db->queryInt("SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' "
                               "AND name IN ('sync_records', 'sync_changes')");
    if (!tables)
        return tables.error();
    if (*tables != 2)
        return Error::storage("server database " + db->path()
                              + " has no sync tables: open it with openServerDatabase");
    // Each change runs in a savepoint, whose journal of page images would
    // otherwise go through a temporary file; and a group commit touches more
    // pages than SQLite's default cache holds, which would spill them to the
    // WAL mid-transaction, several times over.
    if (auto ok = db->exec("PRAGMA temp_store = MEMORY; PRAGMA cache_size = -"
                           + std::to_string(settings.writerCacheKiB));
        !ok)
        return ok.error();
    auto catalog = EntityCatalog::load(*db);
    if (!catalog)
        return catalog.error();
    if (settings.maxPageRecords == 0)
        settings.maxPageRecords = 1;
    if (settings.maxExaminedPerPage == 0)
        settings.maxExaminedPerPage = 1;
    std::unique_ptr<SqliteSyncStorage> storage(
        new SqliteSyncStorage(std::move(db), clock, settings, std::move(*catalog)));
    auto head = storage->readFeedHead(*storage->m_db);
    if (!head)
        return head.error();
    storage->m_lastFeedSeq = *head;
    if (!storage->m_sharedReads && storage->m_settings.checkpointPages > 0) {
        auto checkpoints = Database::open(storage->m_db->path(), Database::Durability::Full);
        if (!checkpoints)
            return checkpoints.error();
        storage->m_checkpointer = std::make_unique<Checkpointer>(std::move(*checkpoints));
        // Replaces SQLite's automatic checkpoint on the writer.
        sqlite3_wal_hook(storage->m_db->handle(), &SqliteSyncStorage::walHook, storage.get());
    }
    return storage;
}

Result<std::int64_t> SqliteSyncStorage::readFeedHead(Database &db)
{
    return db.queryInt("SELECT COALESCE(MAX(feed_seq), 0) FROM sync_records");
}

Result<std::uint64_t> SqliteSyncStorage::feedHead()
{
    auto lease = leaseReader();
    if (!lease)
        return lease.error();
    auto head = readFeedHead(lease->db());
    if (!head)
        return head.error();
    return static_cast<std::uint64_t>(*head);
}

Result<SqliteSyncStorage::ReadLease> SqliteSyncStorage::leaseReader()
{
    if (m_sharedReads)
        return ReadLease(*this, std::unique_lock<std::mutex>(m_writeMutex));
    {
        const std::lock_guard<std::mutex> lock(m_readersMutex);
        if (!m_idleReaders.empty()) {
            std::unique_ptr<Database> reader = std::move(m_idleReaders.back());
            m_idleReaders.pop_back();
            return ReadLease(*this, std::move(reader));
        }
    }
    auto reader = Database::open(m_db->path(), Database::Durability::Full);
    if (!reader)
        return reader.error();
    if (auto ok = (*reader)->exec("PRAGMA query_only = ON"); !ok)
        return ok.error();
    return ReadLease(*this, std::move(*reader));
}

void SqliteSyncStorage::returnReader(std::unique_ptr<Database> reader)
{
    if (!reader || reader->inTransaction())
        return;  // closed: a connection left mid-transaction is not reused
    const std::lock_guard<std::mutex> lock(m_readersMutex);
    if (m_idleReaders.size() < m_settings.idleReadConnections)
        m_idleReaders.push_back(std::move(reader));
}

Result<std::vector<syncv1::UploadResult>> SqliteSyncStorage::applyUploads(std::span<const UploadRequest *const> requests)
{
    const std::lock_guard<std::mutex> lock(m_writeMutex);
    std::vector<syncv1::UploadResult> results(requests.size());
    if (auto begun = m_db->exec("BEGIN IMMEDIATE"); !begun)
        return begun.error();
    UploadApplier applier(*m_db, m_rowStatements, m_catalog, m_settings, m_lastFeedSeq, m_clock.nowMs());
    auto fail = [&](Error error) -> Result<std::vector<syncv1::UploadResult>> {
        (void)m_db->exec("ROLLBACK");
        // Positions handed out in the rolled-back transaction are free again.
        if (auto head = readFeedHead(*m_db))
            m_lastFeedSeq = *head;
        return error;
    };
    for (std::size_t i = 0; i < requests.size(); ++i) {
        const UploadRequest &request = *requests[i];
        if (request.changes.empty())
            continue;
        if (auto ok = applier.beginRequest(request); !ok)
            return fail(ok.error());
        for (int c = 0; c < request.batch->changes_size(); ++c) {
            auto answer = applier.apply(request, c);
            if (!answer)
                return fail(answer.error());
            *results[i].add_results() = std::move(*answer);
        }
    }
    // synchronous=FULL: COMMIT returns once the WAL is on disk.
    if (auto committed = m_db->exec("COMMIT"); !committed)
        return fail(committed.error());
    return results;
}

Result<syncv1::PullPage> SqliteSyncStorage::pull(const SyncScope &scope, const syncv1::PullRequest &request)
{
    auto lease = leaseReader();
    if (!lease)
        return lease.error();
    Database &db = lease->db();
    ReadTransaction snapshot(db);
    if (auto ok = snapshot.begin(); !ok)
        return ok.error();

    syncv1::PullPage page;
    const std::string token = scope.token();
    auto head = readFeedHead(db);
    if (!head)
        return head.error();
    // A cursor this server never handed out (its data was restored from an
    // older backup, or the device pulled from another server) is as stale
    // as a changed scope.
    const bool rebaseline = request.cursor() != 0
        && (request.scope_token() != token || request.cursor() > static_cast<std::uint64_t>(*head));
    const std::uint64_t cursor = rebaseline ? 0 : request.cursor();
    page.set_scope_token(token);
    page.set_rebaseline(rebaseline);
    const std::uint32_t maxRecords = request.max_records() == 0
        ? m_settings.maxPageRecords
        : std::min(request.max_records(), m_settings.maxPageRecords);

    auto feed = db.prepare("SELECT feed_seq, entity, id, ward_code, prev_ward_code, owner_user, by_report, "
                           "by_referral, conflicts, needs_review, version FROM sync_records "
                           "WHERE feed_seq > ?1 ORDER BY feed_seq LIMIT ?2");
    if (!feed)
        return feed.error();
    std::uint64_t lastExamined = cursor;
    std::size_t bytes = 0;
    {
        Statement &rows = **feed;
        ResetGuard reset(rows);
        rows.bind(1, static_cast<std::int64_t>(std::min<std::uint64_t>(cursor, kMaxCursor)))
            .bind(2, static_cast<std::int64_t>(m_settings.maxExaminedPerPage));
        while (static_cast<std::uint32_t>(page.records_size()) < maxRecords && bytes < m_settings.maxPageBytes) {
            auto row = rows.step();
            if (!row)
                return row.error();
            if (!*row)
                break;
            lastExamined = static_cast<std::uint64_t>(rows.columnInt(0));
            const std::string entity = rows.columnText(1);
            const EntityInfo *info = findEntity(entity);
            if (!info)
                continue;
            SyncMeta meta;
            meta.ward = rows.columnOptionalText(3);
            meta.prevWard = rows.columnOptionalText(4);
            meta.owner = rows.columnText(5);
            meta.byReport = rows.columnInt(6) != 0;
            meta.byReferral = rows.columnInt(7) != 0;
            const bool receive = mayReceive(scope, placementOf(*info, meta));
            bool removed = false;
            if (!receive) {
                // A device holding nothing yet has nothing to remove.
                if (cursor == 0 || !meta.prevWard)
                    continue;
                RecordPlacement before = placementOf(*info, meta);
                before.ward = meta.prevWard;
                if (!mayReceive(scope, before))
                    continue;
                removed = true;
            }
            syncv1::Record *record = page.add_records();
            record->set_entity(entity);
            record->set_id(rows.columnText(2));
            record->set_version(static_cast<std::uint64_t>(rows.columnInt(10)));
            if (removed) {
                record->set_removed(true);
            } else {
                record->set_needs_review(rows.columnInt(9) != 0);
                if (auto ok = conflictsToProto(rows.columnOptionalText(8), *record); !ok)
                    return ok.error();
                auto stored = db.prepare(selectRecordSql(*info));
                if (!stored)
                    return stored.error();
                Statement &fields = **stored;
                ResetGuard resetFields(fields);
                fields.bind(1, record->id());
                auto found = fields.step();
                if (!found)
                    return found.error();
                if (!*found)
                    return Error::storage("the feed names a " + entity + " record that is not stored");
                sqlite3_stmt *raw = fields.handle();
                const int count = sqlite3_column_count(raw);
                for (int i = 0; i < count; ++i) {
                    const std::string_view name = columnName(raw, i);
                    if (name == "device_id") {
                        record->set_last_device_id(columnString(raw, i));
                    } else if (!isSyncColumn(name)) {
                        auto *field = record->add_fields();
                        field->set_name(std::string(name));
                        columnToProto(raw, i, *field->mutable_value());
                    }
                }
            }
            bytes += record->ByteSizeLong() + 8;
        }
    }
    page.set_next_cursor(lastExamined);
    auto more = hasRow(db, "SELECT 1 FROM sync_records WHERE feed_seq > ?1 LIMIT 1",
                       [&](Statement &s) { s.bind(1, static_cast<std::int64_t>(lastExamined)); });
    if (!more)
        return more.error();
    page.set_complete(!*more);
    return page;
}

Result<syncv1::VerifyResponse> SqliteSyncStorage::verify(const SyncScope &scope)
{
    auto lease = leaseReader();
    if (!lease)
        return lease.error();
    Database &db = lease->db();
    ReadTransaction snapshot(db);
    if (auto ok = snapshot.begin(); !ok)
        return ok.error();

    struct Sum {
        std::uint64_t count = 0;
        std::uint64_t checksum = 0;
    };
    std::map<std::string, Sum, std::less<>> sums;
    for (const EntityInfo &info : syncedEntities())
        sums[std::string(info.name)];
    auto head = readFeedHead(db);
    if (!head)
        return head.error();
    Status scanned = forEachRow(
        db, "SELECT entity, id, ward_code, owner_user, by_report, by_referral, version FROM sync_records",
        noParameters, [&](const Statement &s) {
            const std::string entity = s.columnText(0);
            const EntityInfo *info = findEntity(entity);
            if (!info)
                return;
            SyncMeta meta;
            meta.ward = s.columnOptionalText(2);
            meta.owner = s.columnText(3);
            meta.byReport = s.columnInt(4) != 0;
            meta.byReferral = s.columnInt(5) != 0;
            if (!mayReceive(scope, placementOf(*info, meta)))
                return;
            Sum &sum = sums[entity];
            ++sum.count;
            // Unsigned addition wraps: the sum is modulo 2^64 by definition.
            // The device's own term (localchecksum.h), so both sides sum alike.
            sum.checksum += LocalChecksum::term(entity, s.columnText(1), static_cast<std::uint64_t>(s.columnInt(6)));
        });
    if (!scanned)
        return scanned.error();

    syncv1::VerifyResponse response;
    response.set_cursor(static_cast<std::uint64_t>(*head));
    for (const EntityInfo &info : syncedEntities()) {
        const Sum &sum = sums.find(info.name)->second;
        auto *checksum = response.add_checksums();
        checksum->set_entity(std::string(info.name));
        checksum->set_count(sum.count);
        checksum->set_checksum(sum.checksum);
    }
    return response;
}

} // namespace beatbook
