#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace beatbook {

// Randomness is injected like time: ids and keys use the system's CSPRNG,
// tests use a seeded generator so runs repeat.
class RandomSource {
public:
    virtual ~RandomSource() = default;
    virtual void fill(std::span<std::uint8_t> out) = 0;
};

// OpenSSL's CSPRNG.
class SecureRandom final : public RandomSource {
public:
    void fill(std::span<std::uint8_t> out) override;
};

// Deterministic, for tests and benchmarks only (splitmix64).
class SeededRandom final : public RandomSource {
public:
    explicit SeededRandom(std::uint64_t seed) : m_state(seed) {}
    void fill(std::span<std::uint8_t> out) override;

private:
    std::uint64_t m_state;
};

} // namespace beatbook
