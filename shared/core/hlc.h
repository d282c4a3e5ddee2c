#pragma once

#include "core/clock.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace beatbook {

// A hybrid logical clock timestamp: wall-clock milliseconds in the high 48
// bits and a logical counter in the low 16. It orders changes across devices
// whose clocks drift, and still reads as a time. Ties between devices are
// broken by device id where the order matters (field merges in sync).
struct HlcTimestamp {
    std::uint64_t value = 0;

    TimestampMs wallMs() const { return static_cast<TimestampMs>(value >> 16); }
    std::uint16_t counter() const { return static_cast<std::uint16_t>(value & 0xFFFF); }

    static HlcTimestamp from(TimestampMs wallMs, std::uint16_t counter)
    {
        return {(static_cast<std::uint64_t>(wallMs) << 16) | counter};
    }

    auto operator<=>(const HlcTimestamp &) const = default;
};

// Text form "<16 hex digits>": fixed width, so text order is time order.
std::string toString(HlcTimestamp t);
bool parseHlc(std::string_view text, HlcTimestamp &out);

class HybridLogicalClock {
public:
    explicit HybridLogicalClock(const Clock &clock, HlcTimestamp last = {});

    // A timestamp for a local change: never below any issued or observed.
    HlcTimestamp tick();
    // Folds in a timestamp seen on a remote change (used by sync).
    HlcTimestamp observe(HlcTimestamp remote);

    HlcTimestamp last() const { return m_last; }
    // Resumes above a timestamp issued before (e.g. by an earlier run).
    void advanceTo(HlcTimestamp t)
    {
        if (t > m_last)
            m_last = t;
    }

private:
    const Clock &m_clock;
    HlcTimestamp m_last;
};

} // namespace beatbook
