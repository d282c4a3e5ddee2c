#pragma once

#include "core/result.h"

#include <cstddef>
#include <string>
#include <string_view>

namespace beatbook {

// Limits on free text from outside. Generous for a field note, small enough
// that a paste of a whole document or a hostile payload is refused.
inline constexpr std::size_t kMaxShortText = 200;   // names, addresses, titles
inline constexpr std::size_t kMaxLongText = 10000;  // descriptions, notes

bool isValidUtf8(std::string_view text);

// Checks free text from outside: valid UTF-8, no control characters other
// than newline and tab, at most maxBytes. `field` names it in the error.
Status checkText(std::string_view field, std::string_view text, std::size_t maxBytes,
                 bool allowNewlines = false);

// Trims and folds runs of white space to one space.
std::string collapseSpaces(std::string_view text);

// Lower-cases ASCII letters and keeps only letters, digits and single spaces,
// so "12a  Acacia Ave." and "12A Acacia Ave" compare equal. Non-ASCII
// characters are kept as they are (names are not transliterated).
std::string foldForMatching(std::string_view text);

} // namespace beatbook
