#pragma once

#include "core/clock.h"
#include "core/result.h"
#include "store/advicestore.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace beatbook::field {

// How the command line writes values for --json and reads them from options,
// kept in one place so that every command prints an absent value, a time or
// a number the same way.

// Object keys stay in the order they are written, for people reading --json.
using Json = nlohmann::ordered_json;

// null for an absent value rather than an empty string or a zero, so a script
// can tell "not given" from a given value.
Json optionalText(const std::optional<std::string> &text);
Json textOrNull(const std::string &text);
Json numberOrNull(const std::optional<double> &value);
// ISO 8601 UTC, or null.
Json timeOrNull(const std::optional<TimestampMs> &time);

// An optional time option such as --at: nothing when empty (the store then
// uses "now"), else ISO 8601 with a zone.
Result<std::optional<TimestampMs>> parseOptionalTime(const std::string &text);

// The advice article options, shared by the advice and cocooning commands.
// One record of advice given, as every command prints it.
Json adviceRecordJson(const AdviceRecord &record);

Status checkArticleId(const std::string &id);
Status checkArticleVersion(const std::optional<int> &version);

} // namespace beatbook::field
