#pragma once

#include "core/result.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace beatbook {

// One measure from the borough strategy with its 2010/11 baseline, against
// which the partnership reports progress.
struct Baseline {
    int priority = 0;                 // the strategy's priority number (1 and up)
    std::string measure;
    std::optional<double> value;      // empty where the strategy left it "to be established"
    std::string unit;
    std::string direction;            // "reduce", "increase", "increase reporting", ...
    std::string note;
};

// Parses the data pack's baselines file: RFC 4180 CSV (quoted fields may hold
// commas, doubled quotes and line breaks; LF or CRLF line ends) with the
// header `priority,measure,baseline_2010_11,unit,direction,note`. A parser:
// no I/O. Errors name the line.
Result<std::vector<Baseline>> parseBaselinesCsv(std::string_view csvText);

} // namespace beatbook
