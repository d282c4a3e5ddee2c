#pragma once

#include "domain/names.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace beatbook {

// What one device may hold, from its user's role and wards (domain.md, "Who
// sees what"). The server filters every page through it; the device trusts
// nothing outside it.
struct SyncScope {
    std::string userName;
    Role role = Role::Champion;
    std::vector<std::string> wards;  // sorted, no repeats

    // Changes whenever the role or the wards change, so a device whose scope
    // moved can be rebaselined. Hex, stable across runs and servers.
    std::string token() const;
};

// Where a stored record sits for scope decisions.
struct RecordPlacement {
    std::string_view entity;            // table name
    std::optional<std::string> ward;    // its ward, or inherited from its parent
    std::string owner;                  // the user who created it
    bool personal = false;              // people and consent records
    // For personal records: the classes of record that reference the person
    // (asb_reports, referrals), which decide who may see them.
    bool referencedByReport = false;
    bool referencedByReferral = false;
};

// Whether a device with this scope may receive the record.
bool mayReceive(const SyncScope &scope, const RecordPlacement &record);

// Whether a change by this user may be written at this ward (area check on
// upload): users with wards may only write in them; borough-wide roles may
// write anywhere; a record with no ward (outside the borough) is allowed.
bool mayWriteInWard(const SyncScope &author, const std::optional<std::string> &ward);

} // namespace beatbook
