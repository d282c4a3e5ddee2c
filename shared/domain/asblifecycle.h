#pragma once

#include "core/result.h"
#include "domain/asbreport.h"
#include "domain/names.h"

#include <string_view>
#include <vector>

namespace beatbook {

// domain.md's ASB lifecycle:
//   submitted -> triaged -> assigned -> in_action -> resolved
//             -> reporter_informed -> closed
// From triaged a report may instead be redirected (recorded as a crime, 999)
// or marked not_asb; both need a reason and end the report's life here.
// Closing needs the reporter to have been informed, or a recorded reason why
// not ("every report followed up, and the person reporting kept informed").
// A draft exists only in the app's form and is never stored.

// The statuses reachable from `from` by some role, in lifecycle order.
std::vector<AsbStatus> nextAsbStatuses(AsbStatus from);

// Whether `role` may move `report` to `to`; `reason` is the text recorded
// with the change (required for redirected, not_asb and closing without the
// reporter informed).
Status checkAsbTransition(const AsbReport &report, AsbStatus to, Role role, std::string_view reason);

} // namespace beatbook
