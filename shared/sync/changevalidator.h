#pragma once

#include "core/result.h"
#include "store/writetxn.h"
#include "sync/entitycatalog.h"
#include "sync/syncchange.h"
#include "sync/syncscope.h"

#include <optional>

namespace beatbook {

// Checks one uploaded change the way the device's own stores did when it
// was written, because nothing from a device is trusted: the record class
// and its columns and types (from the catalog), text limits, the author's
// role (permissions.h) and area (their wards), and the lifecycle: a status
// may only move as asblifecycle.h / referrallifecycle.h allow, re-checked
// against the record as the server holds it now.
//
// `current` is the stored record (all columns but id/hlc/device_id), empty
// for a record the server does not have. `parentWard` is the ward of the
// record's parent, for classes whose ward comes from it. The reason of a
// refusal is one line for the device's user.
struct ChangeCheck {
    const EntityCatalog &catalog;
    const SyncScope &author;
    const std::optional<Fields> &current;
    const std::optional<std::string> &parentWard;
};

Status validateChange(const SyncChange &change, const ChangeCheck &check);

} // namespace beatbook
