#pragma once

#include "core/result.h"

#include <string_view>

namespace beatbook {

// A user's login name: 1-64 characters of letters, digits, '.', '_', '-'
// and '@', starting with a letter or digit. Names appear in space-separated
// listings operators script over (`device list`) and on command lines, so no
// spaces, quotes or anything that reads as an option.
Status checkUserName(std::string_view name);

} // namespace beatbook
