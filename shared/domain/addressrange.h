#pragma once

#include "core/enumnames.h"
#include "core/result.h"

#include <string>
#include <string_view>
#include <vector>

namespace beatbook {

// Which house numbers of a range are meant: UK streets usually number one
// side odd and the other even, so a planner walking one side says so.
enum class Parity { All, Odd, Even };
template <>
struct EnumNames<Parity> {
    static constexpr std::array<std::string_view, 3> names{"all", "odd", "even"};
};

struct AddressRangeSettings {
    // A typo such as "2-4000" must not turn into thousands of visits.
    int maxAddresses = 200;
    // Above this a "house number" is almost certainly a typo or a postcode.
    int maxHouseNumber = 9999;
};

// No address gazetteer ships with the app, so cocooning targets are entered
// as a street with a house-number range: "Acacia Avenue 2-40, even".
struct AddressRange {
    std::string street;
    int from = 0;
    int to = 0;
    Parity parity = Parity::All;
};

// Accepts "Acacia Avenue 2-40, even", "Acacia Avenue 2–40 even" (en or em
// dash), "Acacia Avenue 1-15 odd", "High Street 3-9" (every number) and
// "Mill Lane 12" (one address). The parity word is case-insensitive and may
// be plural ("evens"). The street's white space is collapsed.
Result<AddressRange> parseAddressRange(std::string_view text, const AddressRangeSettings &settings = {});

// The rules parseAddressRange applies, for ranges built in code or read back
// from storage: a street, 1 <= from <= to <= maxHouseNumber, end points that
// match the parity, and at most maxAddresses numbers.
Status validateAddressRange(const AddressRange &range, const AddressRangeSettings &settings = {});

// How many addresses the range names (0 when from > to).
int addressCount(const AddressRange &range);

// "2", "4", ... "40". Empty for a range that fails validateAddressRange, so
// a hand-built 1-2000000000 cannot exhaust memory.
std::vector<std::string> houseNumbers(const AddressRange &range, const AddressRangeSettings &settings = {});

// "Acacia Avenue 2-40, even", "High Street 3-9", "Mill Lane 12": the form
// parseAddressRange reads back (ASCII hyphen, so any keyboard can retype it).
std::string formatAddressRange(const AddressRange &range);

} // namespace beatbook
