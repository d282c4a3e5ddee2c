#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace beatbook {

// Every domain enum has exactly one spelling per value, used in code, the
// database, the protocol and the command line alike. A specialisation of
// EnumNames lists them in the enum's declaration order.
template <typename E>
struct EnumNames;

template <typename E>
constexpr std::string_view toString(E value)
{
    return EnumNames<E>::names[static_cast<std::size_t>(value)];
}

template <typename E>
constexpr std::optional<E> enumFromString(std::string_view text)
{
    const auto &names = EnumNames<E>::names;
    for (std::size_t i = 0; i < names.size(); ++i)
        if (names[i] == text)
            return static_cast<E>(i);
    return std::nullopt;
}

// "a, b, c": for error messages that say what would have been accepted.
template <typename E>
std::string allNames()
{
    std::string out;
    for (auto name : EnumNames<E>::names) {
        if (!out.empty())
            out += ", ";
        out += name;
    }
    return out;
}

template <typename E>
constexpr std::size_t enumCount()
{
    return EnumNames<E>::names.size();
}

} // namespace beatbook

#include "core/result.h"

namespace beatbook {

// Reads a name from outside; an unknown one is an error that lists the valid
// names, e.g. "unknown type 'noisy'; expected one of: rowdy_inconsiderate, ...".
template <typename E>
Result<E> parseEnum(std::string_view field, std::string_view text)
{
    if (auto value = enumFromString<E>(text))
        return *value;
    std::string shown(text.substr(0, 40));
    for (char &c : shown)
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F)
            c = '?';
    return Error::invalid("unknown " + std::string(field) + " '" + shown + "'; expected one of: " + allNames<E>());
}

} // namespace beatbook
