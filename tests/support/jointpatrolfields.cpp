#include "jointpatrolfields.h"

namespace beatbook::testing {

Fields jointPatrolFields(TimestampMs startedAt, const std::string &participants, const std::string &createdBy)
{
    Fields f;
    f["ward_code"] = "E05013630";
    f["started_at"] = startedAt;
    f["ended_at"] = nullptr;
    f["participants"] = participants;
    f["created_by"] = createdBy;
    return f;
}

} // namespace beatbook::testing
