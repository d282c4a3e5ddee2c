#pragma once

#include "core/enumnames.h"

#include <optional>
#include <string>
#include <vector>

namespace beatbook {

// A list of names as the stores keep it in one TEXT column: a JSON array of
// strings. Nothing when the text is not one.
std::optional<std::vector<std::string>> namesFromJson(const std::string &text);

// The same, each name one of E's; nothing when any is not.
template <typename E>
std::optional<std::vector<E>> enumsFromJson(const std::string &text)
{
    auto names = namesFromJson(text);
    if (!names)
        return std::nullopt;
    std::vector<E> values;
    for (const auto &name : *names) {
        auto value = enumFromString<E>(name);
        if (!value)
            return std::nullopt;
        values.push_back(*value);
    }
    return values;
}

// The JSON array kept for a list of names.
std::string namesToJson(const std::vector<std::string> &names);

template <typename E>
std::string enumsToJson(const std::vector<E> &values)
{
    std::vector<std::string> names;
    names.reserve(values.size());
    for (auto value : values)
        names.emplace_back(toString(value));
    return namesToJson(names);
}

} // namespace beatbook
