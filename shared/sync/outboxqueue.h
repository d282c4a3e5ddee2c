#pragma once

#include "core/clock.h"
#include "core/result.h"
#include "sync/framecodec.h"
#include "sync/syncchange.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace beatbook {

class Database;

// How much one upload batch may carry. Well under the frame limit, so that a
// batch is answered (and made durable on the server) in reasonable time.
struct OutboxBatchLimits {
    std::size_t maxChanges = 500;
    std::size_t maxBytes = 1024 * 1024;  // encoded Change messages
};

struct OutboxCounts {
    std::int64_t pending = 0;
    std::int64_t rejected = 0;
};

// A change the server refused: kept on the device, with the reason, until
// someone deals with it. Its fields stay in the outbox (they may hold
// personal data, so they are not part of this summary).
struct RejectedChange {
    std::uint64_t seq = 0;
    std::string changeId;
    std::string entity;
    std::string entityId;
    std::string op;      // create / update
    std::string reason;
    TimestampMs createdAt = 0;
    std::optional<TimestampMs> answeredAt;
};

struct AnswerCounts {
    std::size_t accepted = 0;
    std::size_t rejected = 0;
    std::size_t conflicts = 0;   // accepted, but a field was changed concurrently elsewhere
    std::size_t ignored = 0;     // answers for entries not waiting (a replayed answer)
};

// The device's outbox as sync sees it: the next changes to send, in the
// order they were made, and the server's answers.
class OutboxQueue {
public:
    OutboxQueue(Database &db, const Clock &clock);

    // The oldest pending entries in seq order, at most limits.maxChanges and
    // limits.maxBytes encoded (always at least one, if any is pending).
    // Rejected entries are never sent again. An entry whose stored fields
    // cannot be read is marked rejected with that reason rather than
    // blocking every later change.
    Result<std::vector<SyncChange>> nextChanges(const OutboxBatchLimits &limits = {});
    // The same, as the protocol's batch.
    Result<syncv1::UploadBatch> nextBatch(const OutboxBatchLimits &limits = {});

    // Applies the server's answers in one transaction: an accepted entry is
    // removed, a rejected one is kept with its reason. Answers for entries
    // that are not pending (already answered) change nothing.
    Result<AnswerCounts> recordResults(const syncv1::UploadResult &result);

    Result<OutboxCounts> counts();
    Result<std::vector<RejectedChange>> rejected();

private:
    Status markUnreadable(std::uint64_t seq);

    Database &m_db;
    const Clock &m_clock;
};

} // namespace beatbook
