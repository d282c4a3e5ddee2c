#pragma once

#include "core/enumnames.h"
#include "core/result.h"
#include "domain/recipientkind.h"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace beatbook {

// One crime-prevention advice article, as shipped in the borough data pack
// (data/packs/<borough>/advice/<id>.v<version>.json). Each file holds exactly
// one version of one article, in this form:
//
//   {
//     "id": "burglary_home_security",         // [a-z0-9_]{1,64}
//     "version": 2,                            // integer >= 1
//     "title": "Keeping your home safe ...",   // one line, <= kMaxShortText bytes
//     "topic": "burglary",                     // an AdviceTopic name
//     "audiences": ["victim", "neighbour", "resident"],   // RecipientKind names, no repeats
//     "summary": "One or two sentences.",      // one line, <= kMaxLongText bytes
//     "sections": [                            // at least one
//       {"heading": "Doors",                   // one line, <= kMaxShortText bytes
//        "points": ["Lock ...", "..."]}        // at least one; each one line, <= kMaxLongText
//     ],
//     "published": "2026-11-01",               // YYYY-MM-DD, a real date
//     "supersedes": 1                          // optional: an earlier version of this id
//   }
//
// Unknown keys are refused, so that a misspelt optional key ("supersede")
// fails the pack build instead of being silently dropped.

enum class AdviceTopic { Burglary, DistractionBurglary, FireSafety, Asb, PersonalSafety };
template <>
struct EnumNames<AdviceTopic> {
    static constexpr std::array<std::string_view, 5> names{
        "burglary", "distraction_burglary", "fire_safety", "asb", "personal_safety"};
};

struct AdviceSection {
    std::string heading;
    std::vector<std::string> points;
};

struct AdviceArticle {
    std::string id;
    int version = 0;
    std::string title;
    AdviceTopic topic = AdviceTopic::Burglary;
    std::vector<RecipientKind> audiences;
    std::string summary;
    std::vector<AdviceSection> sections;
    std::string published; // YYYY-MM-DD
    std::optional<int> supersedes;

    bool isFor(RecipientKind kind) const;
};

// Upper bound on one article file. A real article is a few kilobytes; this
// stops a stray large file from being read into memory at start-up.
inline constexpr std::size_t kMaxAdviceArticleBytes = 256 * 1024;

// [a-z0-9_]{1,64}: the id appears in file names, records and the protocol.
bool isValidAdviceArticleId(std::string_view id);

// Parses and validates one article file's text. Does no I/O.
Result<AdviceArticle> parseAdviceArticle(std::string_view jsonText);

} // namespace beatbook
