#pragma once

#include "core/enumnames.h"

namespace beatbook {

// Who advice is meant for, and who it was given to. An article lists the
// kinds it was written for; a record of advice given names one of them.
enum class RecipientKind { Victim, Neighbour, Resident };
template <>
struct EnumNames<RecipientKind> {
    static constexpr std::array<std::string_view, 3> names{"victim", "neighbour", "resident"};
};

} // namespace beatbook
