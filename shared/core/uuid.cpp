#include "core/uuid.h"

namespace beatbook {

UuidGenerator::UuidGenerator(const Clock &clock, RandomSource &random)
    : m_clock(clock), m_random(random)
{
}

std::string UuidGenerator::next()
{
    std::array<std::uint8_t, 16> bytes{};
    m_random.fill(bytes);

    TimestampMs now = m_clock.nowMs();
    if (now <= m_lastMs) {
        // Same millisecond (or a clock step back): keep ids increasing with
        // the 12-bit rand_a field used as a counter (RFC 9562, method 1).
        now = m_lastMs;
        ++m_sequence;
        if (m_sequence > 0x0FFF) {
            ++now;
            m_sequence = 0;
        }
    } else {
        m_sequence = 0;
    }
    m_lastMs = now;

    const auto ms = static_cast<std::uint64_t>(now);
    for (int i = 0; i < 6; ++i)
        bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(ms >> (8 * (5 - i)));
    bytes[6] = static_cast<std::uint8_t>(0x70 | ((m_sequence >> 8) & 0x0F));
    bytes[7] = static_cast<std::uint8_t>(m_sequence & 0xFF);
    bytes[8] = static_cast<std::uint8_t>(0x80 | (bytes[8] & 0x3F));

    static constexpr char hex[] = "0123456789abcdef";
    std::string text;
    text.reserve(36);
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            text.push_back('-');
        text.push_back(hex[bytes[i] >> 4]);
        text.push_back(hex[bytes[i] & 0x0F]);
    }
    return text;
}

bool isUuid(std::string_view text)
{
    if (text.size() != 36)
        return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return true;
}

} // namespace beatbook
