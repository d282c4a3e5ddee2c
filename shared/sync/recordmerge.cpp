#include "sync/recordmerge.h"

#include <algorithm>
#include <tuple>

namespace beatbook {
namespace {

// One write the field still holds: its value and who wrote it when.
struct Live {
    Fields value;
    std::uint64_t hlc = 0;
    std::string deviceId;
};

// Later stamp first by clock, then by device id: the same order everywhere.
bool later(std::uint64_t aHlc, const std::string &aDevice, std::uint64_t bHlc, const std::string &bDevice)
{
    return std::tie(aHlc, aDevice) > std::tie(bHlc, bDevice);
}

// What the field holds now: the values in conflict, or its one value.
std::vector<Live> liveWrites(const MergeState &state, const std::string &field)
{
    std::vector<Live> out;
    if (auto c = state.conflicts.find(field); c != state.conflicts.end() && !c->second.empty()) {
        for (const auto &value : c->second)
            out.push_back({value.value, value.stamp.hlc, value.stamp.deviceId});
        return out;
    }
    const bool hasValue = state.fields.is_object() && state.fields.contains(field);
    if (auto s = state.stamps.find(field); s != state.stamps.end())
        out.push_back({hasValue ? state.fields.at(field) : Fields(nullptr), s->second.hlc, s->second.deviceId});
    else if (hasValue)
        // A value with no stamp (written before stamps were kept): any write replaces it.
        out.push_back({state.fields.at(field), 0, {}});
    return out;
}

std::uint64_t seenOf(const MergeState &state, const std::string &field)
{
    auto s = state.stamps.find(field);
    return s == state.stamps.end() ? 0 : s->second.seenHlc;
}

struct FieldResult {
    std::vector<Live> live;   // sorted, oldest stamp first
    std::uint64_t seen = 0;
};

// The writes a field keeps once this change's write is folded in.
FieldResult mergeField(const MergeState &state, const SyncChange &change, const std::string &field,
                       const Fields &value)
{
    const std::uint64_t base = change.op == ChangeOp::Create ? 0 : change.baseHlc;
    FieldResult result;
    result.seen = std::max(seenOf(state, field), base);
    const std::vector<Live> held = liveWrites(state, field);

    // Replaced already: someone had seen it, or its device wrote the field
    // again later (a replayed write is its own "later" write).
    bool replaced = change.hlc <= result.seen;
    for (const auto &write : held)
        replaced = replaced || (write.deviceId == change.deviceId && write.hlc >= change.hlc);

    for (const auto &write : held) {
        if (write.hlc <= result.seen)
            continue;
        if (!replaced && write.deviceId == change.deviceId && write.hlc < change.hlc)
            continue;
        result.live.push_back(write);
    }
    if (!replaced) {
        auto same = std::find_if(result.live.begin(), result.live.end(),
                                 [&](const Live &write) { return write.value == value; });
        if (same == result.live.end())
            result.live.push_back({value, change.hlc, change.deviceId});
        else if (later(change.hlc, change.deviceId, same->hlc, same->deviceId))
            *same = {value, change.hlc, change.deviceId};
    }
    std::sort(result.live.begin(), result.live.end(), [](const Live &a, const Live &b) {
        return later(b.hlc, b.deviceId, a.hlc, a.deviceId);
    });
    return result;
}

} // namespace

MergeOutcome mergeChange(const MergeState &current, const SyncChange &change)
{
    MergeOutcome out;
    out.merged = current;
    if (!out.merged.fields.is_object())
        out.merged.fields = Fields::object();
    if (!change.fields.is_object())
        return out;

    for (const auto &[field, value] : change.fields.items()) {
        FieldResult result = mergeField(current, change, field, value);
        if (result.live.empty())
            continue; // nothing held and nothing new: cannot happen, but never index an empty list
        const Live &winner = result.live.back();
        out.merged.fields[field] = winner.value;
        out.merged.stamps[field] = FieldStamp{winner.hlc, winner.deviceId, result.seen};

        std::size_t distinct = 0;
        for (std::size_t i = 0; i < result.live.size(); ++i) {
            bool repeated = false;
            for (std::size_t j = 0; j < i; ++j)
                repeated = repeated || result.live[j].value == result.live[i].value;
            distinct += repeated ? 0 : 1;
        }
        if (distinct >= 2) {
            std::vector<ConflictingValue> values;
            for (const auto &write : result.live)
                values.push_back({write.value, FieldStamp{write.hlc, write.deviceId, 0}});
            out.merged.conflicts[field] = std::move(values);
            auto before = current.conflicts.find(field);
            if (before == current.conflicts.end() || before->second.empty())
                out.newConflicts.push_back(field);
        } else {
            out.merged.conflicts.erase(field);
        }

        const bool had = current.fields.is_object() && current.fields.contains(field);
        if (!had || current.fields.at(field) != winner.value)
            out.changedFields[field] = winner.value;
    }
    out.merged.version = std::max(current.version, change.hlc);
    return out;
}

bool resolvesConflict(const MergeState &current, const SyncChange &change, const std::string &field)
{
    auto before = current.conflicts.find(field);
    if (before == current.conflicts.end() || before->second.empty() || !change.fields.is_object()
        || !change.fields.contains(field))
        return false;
    const FieldResult result = mergeField(current, change, field, change.fields.at(field));
    for (std::size_t i = 1; i < result.live.size(); ++i)
        if (result.live[i].value != result.live[0].value)
            return false;
    return true;
}

} // namespace beatbook
