#pragma once

#include "core/clock.h"
#include "core/enumnames.h"
#include "store/writetxn.h"

#include <optional>
#include <string>

namespace beatbook {

// A column the stores leave NULL rather than hold an empty or absent value.
inline Fields nullable(const std::string &text) { return text.empty() ? Fields(nullptr) : Fields(text); }
inline Fields nullableTime(const std::optional<TimestampMs> &t) { return t ? Fields(*t) : Fields(nullptr); }

template <typename E>
Fields nullableName(const std::optional<E> &value)
{
    return value ? Fields(toString(*value)) : Fields(nullptr);
}

} // namespace beatbook
