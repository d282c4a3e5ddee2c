#pragma once

#include "store/writetxn.h"
#include "sync/syncchange.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace beatbook {

// Who last set a field, and when.
struct FieldStamp {
    std::uint64_t hlc = 0;
    std::string deviceId;
    // In MergeState::stamps: the newest record version any writer of this
    // field had seen (the highest base_hlc of the changes that wrote it,
    // applied or not). A value stamped at or below it was seen and replaced
    // by someone, so it is not concurrent. Keep it with the stamp; 0 in
    // conflict values.
    std::uint64_t seenHlc = 0;
    auto operator<=>(const FieldStamp &) const = default;
};

struct ConflictingValue {
    Fields value;
    FieldStamp stamp;
};

// A record as the server holds it for merging.
struct MergeState {
    Fields fields = Fields::object();               // current value of each column
    std::map<std::string, FieldStamp> stamps;       // per column
    // Fields changed concurrently, with every value written: kept until a
    // supervisor resolves them.
    std::map<std::string, std::vector<ConflictingValue>> conflicts;
    std::uint64_t version = 0;                      // highest hlc applied
};

struct MergeOutcome {
    MergeState merged;
    Fields changedFields = Fields::object();        // columns whose value changed
    std::vector<std::string> newConflicts;          // columns newly in conflict
};

// Field-level merge by hybrid logical clock. For each field of an update:
// - if it was set elsewhere after the change's base (stamp.hlc > baseHlc,
//   another device) to a different value, the two are concurrent: both
//   values are kept in conflicts, the later stamp shows, the record needs
//   review. Nothing is ever dropped.
// - otherwise the later stamp wins (ties by device id), so replays and
//   out-of-order arrival end in the same state on every server.
// A create fills every field (a create for a record that exists is merged
// as an update with base 0 from the same device: a replay changes nothing).
//
// Precisely, per field: a write is replaced when a write of the same field
// had seen it (its base >= the write's hlc) or the same device wrote the
// field again later. The field keeps every write not replaced, one per
// distinct value (the latest stamp for that value); two or more values are a
// conflict. So the result depends only on the set of changes applied, not on
// their order (key order of `fields` aside). A write that sees every value in
// conflict resolves the conflict (see resolvesConflict).
MergeOutcome mergeChange(const MergeState &current, const SyncChange &change);

// Whether this change would end the conflict kept on `field`: it writes the
// field having seen every value in conflict. Resolving is a supervisor's
// decision (domain.md), so the validator asks this.
bool resolvesConflict(const MergeState &current, const SyncChange &change, const std::string &field);

} // namespace beatbook
