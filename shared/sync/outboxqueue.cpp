#include "sync/outboxqueue.h"

#include "core/hlc.h"
#include "core/text.h"
#include "store/database.h"
#include "store/query.h"

#include <algorithm>
#include <limits>

namespace beatbook {
namespace {

// A reason comes from the server and is shown to the user: kept to one
// readable line of bounded size.
std::string cleanReason(const std::string &reason)
{
    constexpr std::size_t kMaxReason = 500;
    std::string text = reason.substr(0, kMaxReason);
    // Cut back to a whole UTF-8 character.
    while (!text.empty() && !isValidUtf8(text))
        text.pop_back();
    for (char &c : text)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            c = ' ';
    text = collapseSpaces(text);
    return text.empty() ? std::string("refused by the server (no reason given)") : text;
}

// Bytes a change adds to a batch: its encoding and the field's tag and
// length in front of it.
std::size_t encodedSize(const syncv1::Change &change)
{
    const std::size_t body = change.ByteSizeLong();
    return body + 1 + (body < 128 ? 1 : body < 16384 ? 2 : body < 2097152 ? 3 : 4);
}

} // namespace

OutboxQueue::OutboxQueue(Database &db, const Clock &clock) : m_db(db), m_clock(clock) {}

Result<std::vector<SyncChange>> OutboxQueue::nextChanges(const OutboxBatchLimits &limits)
{
    struct Row {
        SyncChange change;
        bool readable = true;
    };
    for (;;) {
        const std::size_t maxChanges = std::max<std::size_t>(limits.maxChanges, 1);
        auto rows = readRows(
            m_db,
            "SELECT seq, change_id, entity, entity_id, op, fields, hlc, base_hlc, device_id FROM outbox "
            "WHERE state = 'pending' ORDER BY seq LIMIT ?1",
            [&](Statement &s) { s.bind(1, static_cast<std::int64_t>(maxChanges)); },
            [](const Statement &s) {
                Row row;
                row.change.seq = static_cast<std::uint64_t>(s.columnInt(0));
                row.change.changeId = s.columnText(1);
                row.change.entity = s.columnText(2);
                row.change.entityId = s.columnText(3);
                const std::string op = s.columnText(4);
                row.change.op = op == "update" ? ChangeOp::Update : ChangeOp::Create;
                row.change.fields = Fields::parse(s.columnText(5), nullptr, false);
                row.readable = !row.change.fields.is_discarded() && row.change.fields.is_object();
                row.change.hlc = static_cast<std::uint64_t>(s.columnInt(6));
                row.change.baseHlc = static_cast<std::uint64_t>(s.columnInt(7));
                row.change.deviceId = s.columnText(8);
                return row;
            });
        if (!rows)
            return rows.error();

        bool markedAny = false;
        std::vector<SyncChange> batch;
        std::size_t bytes = 0;
        for (Row &row : *rows) {
            if (!row.readable) {
                if (auto ok = markUnreadable(row.change.seq); !ok)
                    return ok.error();
                markedAny = true;
                break;
            }
            syncv1::Change proto;
            if (auto ok = changeToProto(row.change, proto); !ok) {
                if (auto marked = markUnreadable(row.change.seq); !marked)
                    return marked.error();
                markedAny = true;
                break;
            }
            const std::size_t size = encodedSize(proto);
            if (!batch.empty() && bytes + size > limits.maxBytes)
                break;
            bytes += size;
            batch.push_back(std::move(row.change));
        }
        // An unreadable entry ends the batch where it stood, so the batch
        // stays in seq order with no gap; the next call goes on after it.
        if (markedAny && batch.empty())
            continue;
        return batch;
    }
}

Result<syncv1::UploadBatch> OutboxQueue::nextBatch(const OutboxBatchLimits &limits)
{
    auto changes = nextChanges(limits);
    if (!changes)
        return changes.error();
    syncv1::UploadBatch batch;
    for (const SyncChange &change : *changes)
        if (auto ok = changeToProto(change, *batch.add_changes()); !ok)
            return ok.error();
    return batch;
}

Status OutboxQueue::markUnreadable(std::uint64_t seq)
{
    auto stmt = m_db.prepare("UPDATE outbox SET state = 'rejected', reason = ?2, answered_at = ?3 WHERE seq = ?1");
    if (!stmt)
        return stmt.error();
    return (*stmt)
        ->bind(1, static_cast<std::int64_t>(seq))
        .bind(2, "this change is stored in a form that cannot be sent; it was kept on the device")
        .bind(3, static_cast<std::int64_t>(m_clock.nowMs()))
        .run();
}

Result<AnswerCounts> OutboxQueue::recordResults(const syncv1::UploadResult &result)
{
    AnswerCounts counts;
    Status done = m_db.transaction([&]() -> Status {
        std::uint64_t highestAccepted = 0;
        for (const auto &answer : result.results()) {
            if (answer.seq() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
                ++counts.ignored;
                continue;
            }
            const auto seq = static_cast<std::int64_t>(answer.seq());
            auto entry = readOptionalRow(
                m_db, "SELECT hlc FROM outbox WHERE seq = ?1 AND state = 'pending'",
                [&](Statement &s) { s.bind(1, seq); },
                [](const Statement &s) { return static_cast<std::uint64_t>(s.columnInt(0)); });
            if (!entry)
                return entry.error();
            if (!*entry) {
                ++counts.ignored;
                continue;
            }
            if (answer.outcome() == syncv1::ChangeResult::ACCEPTED) {
                auto stmt = m_db.prepare("DELETE FROM outbox WHERE seq = ?1");
                if (!stmt)
                    return stmt.error();
                if (auto ok = (*stmt)->bind(1, seq).run(); !ok)
                    return ok;
                highestAccepted = std::max(highestAccepted, **entry);
                ++counts.accepted;
                if (answer.conflict())
                    ++counts.conflicts;
            } else {
                auto stmt = m_db.prepare(
                    "UPDATE outbox SET state = 'rejected', reason = ?2, answered_at = ?3 WHERE seq = ?1");
                if (!stmt)
                    return stmt.error();
                if (auto ok = (*stmt)
                                  ->bind(1, seq)
                                  .bind(2, cleanReason(answer.reason()))
                                  .bind(3, static_cast<std::int64_t>(m_clock.nowMs()))
                                  .run();
                    !ok)
                    return ok;
                ++counts.rejected;
            }
        }
        if (highestAccepted == 0)
            return {};
        // The store resumes its clock above the outbox's highest stamp; once
        // entries leave the outbox, the floor must remember them instead, or
        // a device whose wall clock went back would issue older stamps.
        // Fixed-width hex compares as text in time order.
        auto floor = m_db.prepare(
            "INSERT INTO device_meta (key, value) VALUES ('hlc_floor', ?1) ON CONFLICT (key) DO UPDATE SET "
            "value = CASE WHEN excluded.value > value THEN excluded.value ELSE value END");
        if (!floor)
            return floor.error();
        return (*floor)->bind(1, toString(HlcTimestamp{highestAccepted})).run();
    });
    if (!done)
        return done.error();
    return counts;
}

Result<OutboxCounts> OutboxQueue::counts()
{
    auto found = readOptionalRow(
        m_db,
        "SELECT COALESCE(SUM(state = 'pending'), 0), COALESCE(SUM(state = 'rejected'), 0) FROM outbox",
        noParameters, [](const Statement &s) { return OutboxCounts{s.columnInt(0), s.columnInt(1)}; });
    if (!found)
        return found.error();
    return found->value_or(OutboxCounts{});
}

Result<std::vector<RejectedChange>> OutboxQueue::rejected()
{
    return readRows(m_db,
                    "SELECT seq, change_id, entity, entity_id, op, COALESCE(reason, ''), created_at, answered_at "
                    "FROM outbox WHERE state = 'rejected' ORDER BY seq",
                    noParameters, [](const Statement &s) {
                        RejectedChange r;
                        r.seq = static_cast<std::uint64_t>(s.columnInt(0));
                        r.changeId = s.columnText(1);
                        r.entity = s.columnText(2);
                        r.entityId = s.columnText(3);
                        r.op = s.columnText(4);
                        r.reason = s.columnText(5);
                        r.createdAt = s.columnInt(6);
                        r.answeredAt = s.columnOptionalInt(7);
                        return r;
                    });
}

} // namespace beatbook
