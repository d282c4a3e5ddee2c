#include "sync/syncchange.h"

#include "sync/fieldcodec.h"

#include <algorithm>

namespace beatbook {
namespace {

namespace v1 = beatbook::sync::v1;

constexpr std::size_t kMaxIdLength = 64;

bool idCharacter(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' || c == '_';
}

// Names and ids end up in SQL parameters, logs and error messages: keep them
// to a safe alphabet and a bounded length, whatever a device sends.
Status checkName(std::string_view what, std::string_view value)
{
    if (value.empty())
        return Error::invalid("a change has no " + std::string(what));
    if (value.size() > kMaxIdLength)
        return Error::invalid("a change's " + std::string(what) + " is longer than "
                              + std::to_string(kMaxIdLength) + " characters");
    if (!std::all_of(value.begin(), value.end(), idCharacter))
        return Error::invalid("a change's " + std::string(what)
                              + " may hold only letters, digits, '-' and '_'");
    return {};
}

} // namespace

Status checkSyncId(std::string_view what, std::string_view value) { return checkName(what, value); }

Result<SyncChange> changeFromProto(const v1::Change &change, const std::string &deviceId)
{
    SyncChange out;
    switch (change.op()) {
    case v1::Change::CREATE:
        out.op = ChangeOp::Create;
        break;
    case v1::Change::UPDATE:
        out.op = ChangeOp::Update;
        break;
    default:
        return Error::invalid("change " + std::to_string(change.seq()) + " has an unknown operation ("
                              + std::to_string(static_cast<int>(change.op())) + "): update the server");
    }
    if (change.seq() == 0)
        return Error::invalid("a change has no sequence number");
    const std::string at = "change " + std::to_string(change.seq()) + ": ";
    if (auto ok = checkName("change id", change.change_id()); !ok)
        return Error::invalid(at + ok.error().message);
    if (auto ok = checkName("record class", change.entity()); !ok)
        return Error::invalid(at + ok.error().message);
    if (auto ok = checkName("record id", change.entity_id()); !ok)
        return Error::invalid(at + ok.error().message);
    if (change.hlc() == 0)
        return Error::invalid(at + "the change has no clock stamp (hlc)");
    // A device only ever bases a change on a version it held before making
    // it; a base at or past the change's own stamp would hide concurrent
    // edits from the merge.
    if (change.base_hlc() >= change.hlc())
        return Error::invalid(at + "the change's base version is not older than the change itself");
    auto fields = fieldsFromProto(change.fields());
    if (!fields)
        return Error::invalid(at + fields.error().message);

    out.seq = change.seq();
    out.changeId = change.change_id();
    out.entity = change.entity();
    out.entityId = change.entity_id();
    out.hlc = change.hlc();
    out.baseHlc = change.base_hlc();
    out.deviceId = deviceId;
    out.fields = std::move(*fields);
    return out;
}

Status changeToProto(const SyncChange &change, v1::Change &out)
{
    out.Clear();
    out.set_seq(change.seq);
    out.set_change_id(change.changeId);
    out.set_entity(change.entity);
    out.set_entity_id(change.entityId);
    out.set_op(change.op == ChangeOp::Create ? v1::Change::CREATE : v1::Change::UPDATE);
    out.set_hlc(change.hlc);
    out.set_base_hlc(change.baseHlc);
    if (auto ok = fieldsToProto(change.fields, *out.mutable_fields()); !ok) {
        out.Clear();
        return Error::invalid("change " + std::to_string(change.seq) + ": " + ok.error().message);
    }
    return {};
}

} // namespace beatbook
