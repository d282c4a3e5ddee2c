#pragma once

#include <chrono>

namespace beatbook {

class RandomSource;

// How the sync client retries a session cut by the network: a bounded
// number of attempts, waiting longer each time.
struct RetryPolicy {
    int maxAttempts = 4;                           // sessions in all, the first included
    std::chrono::milliseconds initialDelay{1000};  // before the first retry
    std::chrono::milliseconds maxDelay{30000};
};

// The wait before retry number `retry` (1 for the first retry): the delay
// doubles each time up to maxDelay, and half of it is random ("equal
// jitter"), so that devices cut off together (a mast back up, a server
// restarted) do not all come back at the same moment. Never negative.
std::chrono::milliseconds retryDelay(const RetryPolicy &policy, int retry, RandomSource &random);

} // namespace beatbook
