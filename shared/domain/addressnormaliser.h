#pragma once

#include <string>
#include <string_view>

namespace beatbook {

// The key that makes two spellings of one address the same place, for repeat
// checks and hotspots: case, punctuation and spacing are folded and the
// common street-type abbreviations expanded ("12a Acacia Ave." and "12A
// acacia avenue" match). Empty for an empty address.
std::string normaliseAddress(std::string_view address);

} // namespace beatbook
