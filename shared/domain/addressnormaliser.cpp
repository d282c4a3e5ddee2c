#include "domain/addressnormaliser.h"

#include "core/text.h"

#include <array>
#include <utility>
#include <vector>

namespace beatbook {
namespace {

// Abbreviations of street types as people write them in the UK.
constexpr std::array<std::pair<std::string_view, std::string_view>, 17> kStreetTypes{{
    {"rd", "road"}, {"ave", "avenue"}, {"av", "avenue"}, {"st", "street"}, {"ln", "lane"},
    {"cl", "close"}, {"dr", "drive"}, {"gdns", "gardens"}, {"ct", "court"}, {"cres", "crescent"},
    {"pl", "place"}, {"sq", "square"}, {"tce", "terrace"}, {"gr", "grove"}, {"pk", "park"},
    {"hse", "house"}, {"mans", "mansions"},
}};

} // namespace

std::string normaliseAddress(std::string_view address)
{
    const std::string folded = foldForMatching(address);
    std::vector<std::string_view> words;
    for (std::size_t start = 0; start < folded.size();) {
        std::size_t end = folded.find(' ', start);
        if (end == std::string::npos)
            end = folded.size();
        words.emplace_back(folded.data() + start, end - start);
        start = end + 1;
    }
    std::string out;
    for (std::size_t i = 0; i < words.size(); ++i) {
        std::string_view word = words[i];
        // "St" opening an address or following a house number is a saint
        // ("St Albans Road", "14 St Albans Road"); after a name it is a
        // street ("14 High St, Barnet").
        const bool saint = word == "st" && i + 1 < words.size()
            && (i == 0 || (words[i - 1][0] >= '0' && words[i - 1][0] <= '9'));
        if (!saint)
            for (const auto &[abbreviation, full] : kStreetTypes)
                if (word == abbreviation) {
                    word = full;
                    break;
                }
        if (!out.empty())
            out.push_back(' ');
        out.append(word);
    }
    return out;
}

} // namespace beatbook
