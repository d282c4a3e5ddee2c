#pragma once

#include "core/result.h"
#include "store/writetxn.h"
#include "sync/proto/sync.pb.h"

#include <cstdint>
#include <string>

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
// repeated field, an unknown op); domain checks come later.
Result<SyncChange> changeFromProto(const beatbook::sync::v1::Change &change, const std::string &deviceId);
Status changeToProto(const SyncChange &change, beatbook::sync::v1::Change &out);

} // namespace beatbook
