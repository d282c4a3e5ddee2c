#pragma once

#include "core/clock.h"

namespace beatbook {

// domain.md: a report is a repeat when the distinct earlier reports matching
// its victim or its normalised address that occurred in [T - window, T]
// number at least threshold - 1. The default, 3 in 12 months, flags the
// third report. Forces differ (3 in 3 months, 10 in 6 months): configurable.
struct RepeatVictimRule {
    int threshold = 3;
    TimestampMs windowMs = 365LL * 24 * 3600 * 1000;

    bool isRepeat(int priorReports) const { return priorReports >= threshold - 1; }
};

} // namespace beatbook
