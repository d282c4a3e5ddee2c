#pragma once

#include <chrono>
#include <cstdint>

namespace beatbook {

// Milliseconds since the Unix epoch, UTC. Every stored time is one of these.
using TimestampMs = std::int64_t;

// "Now" is injected so that tests can set it and replay.
class Clock {
public:
    virtual ~Clock() = default;
    virtual TimestampMs nowMs() const = 0;
};

class SystemClock final : public Clock {
public:
    TimestampMs nowMs() const override
    {
        using namespace std::chrono;
        return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    }
};

// A clock tests move by hand.
class ManualClock final : public Clock {
public:
    explicit ManualClock(TimestampMs start) : m_now(start) {}
    TimestampMs nowMs() const override { return m_now; }
    void set(TimestampMs now) { m_now = now; }
    void advance(TimestampMs deltaMs) { m_now += deltaMs; }

private:
    TimestampMs m_now;
};

} // namespace beatbook
