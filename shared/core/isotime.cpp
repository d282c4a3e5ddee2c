#include "core/isotime.h"

#include <cstdio>

namespace beatbook {
namespace {

// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
long long daysFromCivil(long long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const long long era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<long long>(doe) - 719468;
}

void civilFromDays(long long z, long long &y, unsigned &m, unsigned &d)
{
    z += 719468;
    const long long era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = static_cast<long long>(yoe) + era * 400 + (m <= 2);
}

bool isLeap(long long y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned daysInMonth(long long y, unsigned m)
{
    static constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && isLeap(y) ? 29 : days[m - 1];
}

class Cursor {
public:
    explicit Cursor(std::string_view s) : m_s(s) {}
    bool digits(int count, int &out)
    {
        out = 0;
        for (int i = 0; i < count; ++i) {
            if (m_pos >= m_s.size() || m_s[m_pos] < '0' || m_s[m_pos] > '9')
                return false;
            out = out * 10 + (m_s[m_pos++] - '0');
        }
        return true;
    }
    bool literal(char c)
    {
        if (m_pos < m_s.size() && m_s[m_pos] == c) {
            ++m_pos;
            return true;
        }
        return false;
    }
    char peek() const { return m_pos < m_s.size() ? m_s[m_pos] : '\0'; }
    bool done() const { return m_pos == m_s.size(); }

private:
    std::string_view m_s;
    std::size_t m_pos = 0;
};

} // namespace

Result<TimestampMs> parseIsoTime(std::string_view text)
{
    const auto bad = [&] {
        return Error::invalid("time must be ISO 8601 with a zone, e.g. 2026-11-24T21:15:00Z or "
                              "2026-11-24T21:15:00+00:00");
    };
    if (text.size() > 40)
        return bad();
    Cursor c(text);
    int year, month, day, hour, minute, second = 0, millis = 0;
    if (!c.digits(4, year) || !c.literal('-') || !c.digits(2, month) || !c.literal('-')
        || !c.digits(2, day) || !(c.literal('T') || c.literal('t') || c.literal(' '))
        || !c.digits(2, hour) || !c.literal(':') || !c.digits(2, minute))
        return bad();
    if (c.literal(':')) {
        if (!c.digits(2, second))
            return bad();
        if (c.literal('.') || c.literal(',')) {
            // Keep milliseconds; accept (and drop) finer digits.
            int scale = 100, n = 0, digit;
            while (c.digits(1, digit)) {
                if (n < 3)
                    millis += digit * scale;
                scale /= 10;
                if (++n > 9)
                    return bad();
            }
            if (n == 0)
                return bad();
        }
    }
    int offsetMinutes = 0;
    if (c.literal('Z') || c.literal('z')) {
    } else if (c.peek() == '+' || c.peek() == '-') {
        const int sign = c.peek() == '+' ? 1 : -1;
        c.literal(c.peek());
        int oh, om;
        if (!c.digits(2, oh))
            return bad();
        c.literal(':');
        if (!c.digits(2, om) || oh > 14 || om > 59)
            return bad();
        offsetMinutes = sign * (oh * 60 + om);
    } else {
        return bad();
    }
    if (!c.done())
        return bad();
    if (year < 1970 || year > 9999 || month < 1 || month > 12 || day < 1
        || static_cast<unsigned>(day) > daysInMonth(year, static_cast<unsigned>(month)) || hour > 23
        || minute > 59 || second > 59)
        return Error::invalid("time is not a real date and time: " + std::string(text));

    const long long days = daysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    const long long seconds = days * 86400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60;
    return static_cast<TimestampMs>(seconds * 1000 + millis);
}

std::string formatIsoTime(TimestampMs t)
{
    long long seconds = t / 1000;
    long long millis = t % 1000;
    if (millis < 0) {
        millis += 1000;
        --seconds;
    }
    long long days = seconds / 86400;
    long long rem = seconds % 86400;
    if (rem < 0) {
        rem += 86400;
        --days;
    }
    long long y;
    unsigned m, d;
    civilFromDays(days, y, m, d);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ", y, m, d, rem / 3600,
                  (rem % 3600) / 60, rem % 60, millis);
    return buf;
}

} // namespace beatbook
