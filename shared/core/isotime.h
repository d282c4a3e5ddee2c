#pragma once

#include "core/clock.h"
#include "core/result.h"

#include <string>
#include <string_view>

namespace beatbook {

// ISO 8601 date-times as people and other systems write them:
// "2026-11-24T21:15", "2026-11-24T21:15:30", "...30.250", with "Z" or an
// offset "+01:00". A time without a zone is refused: a report's time may
// become evidence, and guessing the zone would make it wrong by an hour.
Result<TimestampMs> parseIsoTime(std::string_view text);

// UTC, millisecond precision: "2026-11-24T21:15:30.250Z".
std::string formatIsoTime(TimestampMs t);

} // namespace beatbook
