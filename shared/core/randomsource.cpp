#include "core/randomsource.h"

#include <openssl/rand.h>

#include <cstdlib>
#include <limits>

namespace beatbook {

void SecureRandom::fill(std::span<std::uint8_t> out)
{
    // RAND_bytes only fails when the OS entropy source is unusable; carrying
    // on would hand out guessable ids and keys, so stop instead.
    if (out.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())
        || RAND_bytes(out.data(), static_cast<int>(out.size())) != 1)
        std::abort();
}

void SeededRandom::fill(std::span<std::uint8_t> out)
{
    std::size_t i = 0;
    while (i < out.size()) {
        std::uint64_t z = (m_state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        z ^= z >> 31;
        for (int b = 0; b < 8 && i < out.size(); ++b, ++i)
            out[i] = static_cast<std::uint8_t>(z >> (8 * b));
    }
}

} // namespace beatbook
