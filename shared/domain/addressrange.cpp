#include "domain/addressrange.h"

#include "core/text.h"

#include <algorithm>
#include <cstdint>

namespace beatbook {

namespace {

constexpr std::string_view kExample = "e.g. \"Acacia Avenue 2-40, even\" or \"Mill Lane 12\"";
// Six digits are enough to hold any maxHouseNumber someone would configure
// and keep the conversion far from int overflow.
constexpr std::size_t kMaxDigits = 6;

bool isDigit(char c) { return c >= '0' && c <= '9'; }

bool hasLetter(std::string_view text)
{
    for (char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        // Bytes >= 0x80 belong to non-ASCII letters (street names are not transliterated).
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80)
            return true;
    }
    return false;
}

std::string asciiLower(std::string_view text)
{
    std::string out(text);
    for (char &c : out)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool isOdd(int n) { return n % 2 != 0; }

void trimTrailing(std::string_view &s)
{
    while (!s.empty() && (s.back() == ' ' || s.back() == ','))
        s.remove_suffix(1);
}

void trimTrailingSpaces(std::string_view &s)
{
    while (!s.empty() && s.back() == ' ')
        s.remove_suffix(1);
}

// People type a hyphen; word processors and phones turn it into a dash.
bool removeTrailingDash(std::string_view &s)
{
    for (std::string_view dash : {std::string_view("-"), std::string_view("\xE2\x80\x93"),
                                  std::string_view("\xE2\x80\x94"), std::string_view("\xE2\x88\x92")}) {
        if (s.ends_with(dash)) {
            s.remove_suffix(dash.size());
            return true;
        }
    }
    return false;
}

std::string_view takeTrailingDigits(std::string_view &s)
{
    std::size_t start = s.size();
    while (start > 0 && isDigit(s[start - 1]))
        --start;
    const auto digits = s.substr(start);
    s.remove_suffix(digits.size());
    return digits;
}

Result<int> toHouseNumber(std::string_view digits)
{
    if (digits.size() > kMaxDigits)
        return Error::invalid("House number " + std::string(digits) + " is too large");
    int value = 0;
    for (char c : digits)
        value = value * 10 + (c - '0');
    return value;
}

std::string parityMismatch(const AddressRange &range)
{
    const bool wantOdd = range.parity == Parity::Odd;
    const std::string_view wrong = wantOdd ? "even" : "odd";
    const bool fromWrong = isOdd(range.from) != wantOdd;
    const bool toWrong = isOdd(range.to) != wantOdd;
    if (!fromWrong && !toWrong)
        return {};
    std::string msg = formatAddressRange(range) + ": marked " + std::string(toString(range.parity)) + ", but ";
    if (fromWrong && toWrong && range.from != range.to)
        msg += std::to_string(range.from) + " and " + std::to_string(range.to) + " are " + std::string(wrong);
    else
        msg += std::to_string(fromWrong ? range.from : range.to) + " is " + std::string(wrong);
    const int from = fromWrong ? range.from + 1 : range.from;
    const int to = toWrong ? range.to - 1 : range.to;
    msg += "; start and end the range on " + std::string(toString(range.parity)) + " numbers";
    if (from <= to)
        msg += " (" + std::to_string(from) + (from == to ? "" : "-" + std::to_string(to)) + ")";
    return msg;
}

} // namespace

int addressCount(const AddressRange &range)
{
    if (range.from > range.to)
        return 0;
    const auto span = static_cast<std::int64_t>(range.to) - range.from;
    const auto count = range.parity == Parity::All ? span + 1 : span / 2 + 1;
    return count > INT32_MAX ? INT32_MAX : static_cast<int>(count);
}

Status validateAddressRange(const AddressRange &range, const AddressRangeSettings &settings)
{
    if (settings.maxAddresses < 1 || settings.maxHouseNumber < 1)
        return Error::invalid("Address range settings need maxAddresses and maxHouseNumber of at least 1");
    if (auto text = checkText("Street", range.street, kMaxShortText); !text)
        return text;
    if (collapseSpaces(range.street).empty() || !hasLetter(range.street))
        return Error::invalid("Address range has no street name; write it before the numbers, "
                              + std::string(kExample));
    if (static_cast<std::size_t>(range.parity) >= enumCount<Parity>())
        return Error::invalid("Address range parity is not one of: " + allNames<Parity>());
    if (range.from < 1 || range.to < 1)
        return Error::invalid("House numbers start at 1 (" + range.street + " "
                              + std::to_string(range.from) + "-" + std::to_string(range.to) + ")");
    if (range.from > settings.maxHouseNumber || range.to > settings.maxHouseNumber)
        return Error::invalid("House number " + std::to_string(std::max(range.from, range.to))
                              + " in " + range.street + " is larger than "
                              + std::to_string(settings.maxHouseNumber) + "; check for a typo");
    if (range.from > range.to)
        return Error::invalid(range.street + " " + std::to_string(range.from) + "-" + std::to_string(range.to)
                              + " runs backwards; write the lower number first ("
                              + std::to_string(range.to) + "-" + std::to_string(range.from) + ")");
    if (range.parity != Parity::All) {
        if (auto msg = parityMismatch(range); !msg.empty())
            return Error::invalid(msg);
    }
    if (const int count = addressCount(range); count > settings.maxAddresses)
        return Error::invalid(formatAddressRange(range) + " names " + std::to_string(count)
                              + " addresses; at most " + std::to_string(settings.maxAddresses)
                              + " in one range (check for a typo, or split it)");
    return {};
}

Result<AddressRange> parseAddressRange(std::string_view text, const AddressRangeSettings &settings)
{
    if (auto checked = checkText("Address range", text, kMaxShortText); !checked)
        return checked.error();
    const std::string collapsed = collapseSpaces(text);
    std::string_view rest = collapsed;
    trimTrailing(rest);
    if (rest.empty())
        return Error::invalid("Address range is empty; write a street and house numbers, " + std::string(kExample));

    AddressRange range;
    // The parity word comes last, after a space or a comma.
    const auto cut = rest.find_last_of(" ,");
    const auto lastWord = asciiLower(cut == std::string_view::npos ? rest : rest.substr(cut + 1));
    if (lastWord == "even" || lastWord == "evens")
        range.parity = Parity::Even;
    else if (lastWord == "odd" || lastWord == "odds")
        range.parity = Parity::Odd;
    else if (lastWord == "all")
        range.parity = Parity::All;
    if (range.parity != Parity::All || lastWord == "all") {
        rest = cut == std::string_view::npos ? std::string_view() : rest.substr(0, cut);
        trimTrailing(rest);
    }

    const auto toDigits = takeTrailingDigits(rest);
    if (toDigits.empty()) {
        const auto sep = rest.find_last_of(" ,-");
        const auto token = sep == std::string_view::npos ? rest : rest.substr(sep + 1);
        if (!token.empty() && isDigit(token.front()))
            return Error::invalid("\"" + collapsed + "\": house numbers with a letter (such as 12a) cannot be "
                                  "entered as a range; enter the number without the letter");
        return Error::invalid("\"" + collapsed + "\" does not end with a house number or range, "
                              "optionally followed by odd, even or all; " + std::string(kExample));
    }
    auto to = toHouseNumber(toDigits);
    if (!to)
        return to.error();
    range.to = *to;
    range.from = *to;

    std::string_view beforeNumbers = rest;
    trimTrailingSpaces(beforeNumbers);
    if (removeTrailingDash(beforeNumbers)) {
        rest = beforeNumbers;
        trimTrailingSpaces(rest);
        const auto fromDigits = takeTrailingDigits(rest);
        if (fromDigits.empty())
            return Error::invalid("\"" + collapsed + "\" has a dash but no house number before it; "
                                  + std::string(kExample));
        auto from = toHouseNumber(fromDigits);
        if (!from)
            return from.error();
        range.from = *from;
    }

    if (!rest.empty() && rest.back() != ' ' && rest.back() != ',')
        return Error::invalid("\"" + collapsed + "\": put a space between the street name and the house numbers");
    trimTrailing(rest);
    // "Acacia Avenue 2 40" would otherwise become number 40 of "Acacia Avenue 2".
    if (std::string_view probe = rest; !takeTrailingDigits(probe).empty() && (probe.empty() || probe.back() == ' '))
        return Error::invalid("\"" + collapsed + "\" has two numbers without a dash between them; "
                              "write a range as 2-40");
    range.street = std::string(rest);

    if (auto valid = validateAddressRange(range, settings); !valid)
        return valid.error();
    return range;
}

std::vector<std::string> houseNumbers(const AddressRange &range, const AddressRangeSettings &settings)
{
    std::vector<std::string> out;
    if (!validateAddressRange(range, settings))
        return out;
    const int step = range.parity == Parity::All ? 1 : 2;
    out.reserve(static_cast<std::size_t>(addressCount(range)));
    for (int n = range.from; n <= range.to; n += step)
        out.push_back(std::to_string(n));
    return out;
}

std::string formatAddressRange(const AddressRange &range)
{
    std::string out = range.street + " " + std::to_string(range.from);
    if (range.to != range.from)
        out += "-" + std::to_string(range.to);
    if (range.parity != Parity::All)
        out += ", " + std::string(toString(range.parity));
    return out;
}

} // namespace beatbook
