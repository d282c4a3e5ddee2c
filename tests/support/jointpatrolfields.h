#pragma once

#include "core/clock.h"
#include "store/writetxn.h"

#include <string>

namespace beatbook::testing {

// Why: the write, outbox, pull and sync-client tests all need one valid joint patrol row.
// An open patrol in Burnt Oak (E05013630) started at startedAt;
// participants is the JSON array text.
Fields jointPatrolFields(TimestampMs startedAt, const std::string &participants = "[]",
                         const std::string &createdBy = "Tester");

} // namespace beatbook::testing
