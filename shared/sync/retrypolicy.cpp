#include "sync/retrypolicy.h"

#include "core/randomsource.h"

#include <algorithm>
#include <array>
#include <cstdint>

namespace beatbook {

std::chrono::milliseconds retryDelay(const RetryPolicy &policy, int retry, RandomSource &random)
{
    const std::int64_t initial = std::max<std::int64_t>(policy.initialDelay.count(), 0);
    const std::int64_t cap = std::max<std::int64_t>(policy.maxDelay.count(), 0);
    std::int64_t delay = initial;
    // Doubling stops at the cap, so no shift can overflow.
    for (int i = 1; i < retry && delay < cap; ++i)
        delay *= 2;
    delay = std::min(delay, cap);
    const std::int64_t half = delay / 2;
    if (delay - half <= 0)
        return std::chrono::milliseconds(delay);
    std::array<std::uint8_t, 8> bytes{};
    random.fill(bytes);
    std::uint64_t value = 0;
    for (std::uint8_t b : bytes)
        value = (value << 8) | b;
    const auto span = static_cast<std::uint64_t>(delay - half) + 1;
    return std::chrono::milliseconds(half + static_cast<std::int64_t>(value % span));
}

} // namespace beatbook
