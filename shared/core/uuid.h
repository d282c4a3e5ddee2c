#pragma once

#include "core/clock.h"
#include "core/randomsource.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace beatbook {

// Record ids are made on the device, offline: time-ordered UUIDs (RFC 9562
// version 7), so ids sort by creation time and index well, and two devices
// never collide.
class UuidGenerator {
public:
    UuidGenerator(const Clock &clock, RandomSource &random);

    // Canonical lower-case text form, 36 characters.
    std::string next();

private:
    const Clock &m_clock;
    RandomSource &m_random;
    TimestampMs m_lastMs = 0;
    std::uint16_t m_sequence = 0; // keeps ids in order within one millisecond
};

// True for the canonical 8-4-4-4-12 lower- or upper-case hex form.
bool isUuid(std::string_view text);

} // namespace beatbook
