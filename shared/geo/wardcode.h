#pragma once

#include <array>
#include <string_view>

namespace beatbook {

// The form of an ONS ward code (GSS code): the ward entity code and six
// digits, such as E05013628. Wards are E05 in England, W05 in Wales, S13 in
// Scotland and N08 in Northern Ireland; other entity codes (E04 parishes,
// E09 boroughs) are not wards. Format only: whether the ward is in the
// borough's data pack is the caller's check.
constexpr bool isWardCodeFormat(std::string_view code)
{
    constexpr std::array<std::string_view, 4> kWardEntities{"E05", "W05", "S13", "N08"};
    if (code.size() != 9)
        return false;
    bool wardEntity = false;
    for (std::string_view entity : kWardEntities)
        wardEntity = wardEntity || code.starts_with(entity);
    if (!wardEntity)
        return false;
    for (char c : code.substr(3))
        if (c < '0' || c > '9')
            return false;
    return true;
}

} // namespace beatbook
