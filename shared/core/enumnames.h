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
