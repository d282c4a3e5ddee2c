#pragma once

#include "core/result.h"
#include "store/writetxn.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace beatbook {

class Database;
class DeviceStore;

// One value written concurrently to a field, as the server keeps it.
struct KeptValue {
    Fields value;
    std::uint64_t hlc = 0;
    std::string deviceId;
};

// A field of a record that two or more people changed at once: every value
// is kept, on the server and on each device in scope, until a supervisor
// chooses (domain.md: no value is ever lost).
struct FieldConflict {
    std::string entity;
    std::string entityId;
    std::string field;
    std::vector<KeptValue> values;  // oldest stamp first
};

// Every conflict the device holds, by record and field.
Result<std::vector<FieldConflict>> heldConflicts(Database &db);

// A supervisor chooses value number `choice` (1-based, as heldConflicts
// orders them) for the field: written as an ordinary change of that field,
// made having seen every kept value, so the server ends the conflict when it
// arrives and every device hears of it at its next sync. The conflict stays
// listed here until then. Refused for any other role (NotAllowed), and for
// a field not in conflict or a choice out of range (InvalidInput).
Status resolveConflict(DeviceStore &store, const std::string &entity, const std::string &entityId,
                       const std::string &field, std::size_t choice);

} // namespace beatbook
