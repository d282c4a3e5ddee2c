#include "core/hlc.h"

#include <algorithm>
#include <cstdio>

namespace beatbook {

std::string toString(HlcTimestamp t)
{
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(t.value));
    return buf;
}

bool parseHlc(std::string_view text, HlcTimestamp &out)
{
    if (text.size() != 16)
        return false;
    std::uint64_t v = 0;
    for (char c : text) {
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= static_cast<std::uint64_t>(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= static_cast<std::uint64_t>(c - 'a' + 10);
        else
            return false;
    }
    out.value = v;
    return true;
}

HybridLogicalClock::HybridLogicalClock(const Clock &clock, HlcTimestamp last)
    : m_clock(clock), m_last(last)
{
}

HlcTimestamp HybridLogicalClock::tick()
{
    const TimestampMs wall = std::max<TimestampMs>(m_clock.nowMs(), 0);
    if (wall > m_last.wallMs())
        m_last = HlcTimestamp::from(wall, 0);
    else
        m_last.value += 1; // same or earlier wall time: the counter carries the order
    return m_last;
}

HlcTimestamp HybridLogicalClock::observe(HlcTimestamp remote)
{
    const TimestampMs wall = std::max<TimestampMs>(m_clock.nowMs(), 0);
    const HlcTimestamp physical = HlcTimestamp::from(wall, 0);
    const HlcTimestamp top = std::max({physical, m_last, remote});
    m_last = (top == physical && physical > m_last && physical > remote) ? physical
                                                                          : HlcTimestamp{top.value + 1};
    return m_last;
}

} // namespace beatbook
