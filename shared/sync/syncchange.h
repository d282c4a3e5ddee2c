#pragma once

#include "core/result.h"
#include "store/writetxn.h"
#include "sync/proto/sync.pb.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace beatbook {

enum class ChangeOp { Create, Update };

// One change as both sides reason about it, decoded from the protocol's
// Change (and read from the device's outbox).
struct SyncChange {
    std::uint64_t seq = 0;
    std::string changeId;
    std::string entity;
    std::string entityId;
    ChangeOp op = ChangeOp::Create;
    std::uint64_t hlc = 0;
    std::uint64_t baseHlc = 0;
    std::string deviceId;   // the sender, from the authenticated session
    Fields fields;
};

// Refused when a value is malformed (no value, a non-finite number, a
// repeated field, an unknown op, an id or entity outside checkSyncId, no seq
// or hlc, a base_hlc not older than hlc); domain checks come later.
Result<SyncChange> changeFromProto(const beatbook::sync::v1::Change &change, const std::string &deviceId);
Status changeToProto(const SyncChange &change, beatbook::sync::v1::Change &out);

// The rule every record id, change id and record-class name on the wire
// follows: 1 to 64 characters of [0-9A-Za-z_-]. `what` names it in the error.
Status checkSyncId(std::string_view what, std::string_view value);

} // namespace beatbook
