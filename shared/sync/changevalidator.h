#pragma once

#include "core/clock.h"
#include "core/result.h"
#include "domain/asbreport.h"
#include "domain/cocooningoperation.h"
#include "domain/jointpatrol.h"
#include "domain/referral.h"
#include "store/writetxn.h"
#include "sync/entitycatalog.h"
#include "sync/recordmerge.h"
#include "sync/syncchange.h"
#include "sync/syncscope.h"

#include <optional>
#include <string_view>

namespace beatbook {

class AdviceLibrary;

// The settings the checks use; every number a configurable default, the
// same defaults the device's stores use.
struct ChangeRules {
    // A change stamped further ahead of the server's clock than this is
    // refused: its stamp would win every merge until real time caught up.
    TimestampMs maxClockAheadMs = 10LL * 60 * 1000;
    AsbReportSettings reports;
    CocooningSettings cocooning;
    JointPatrolSettings patrols;
    ReferralRules referrals = defaultReferralRules();
};

// Checks one uploaded change the way the device's own stores did when it
// was written, because nothing from a device is trusted: the record class
// and its columns and types (from the catalog), the values the stores write
// (names, ranges, the tables' CHECKs), text limits, the author's role
// (permissions.h) and area (their wards), and the lifecycle: a status may
// only move as asblifecycle.h / referrallifecycle.h allow, re-checked
// against the record as the server holds it now. Columns that say who acted
// (logged_by, author, *_role, ...) must name the author; an update may only
// change the columns the device's stores change (a referral: exactly the
// columns of one lifecycle step).
//
// `current` is the stored record (all columns but id/hlc/device_id), empty
// for a record the server does not have. `parentWard` is the ward of the
// record's parent, for classes whose ward comes from it (empty: no ward, or
// no parent: checking that the parent exists is the storage's part). The
// reason of a refusal is one line for the device's user; its code says why:
// InvalidInput (malformed), NotAllowed (role, area, lifecycle), NotFound
// (update of a record, or a consent, the server does not have), Conflict
// (a create naming another device's record).
struct ChangeCheck {
    const EntityCatalog &catalog;
    const SyncScope &author;
    const std::optional<Fields> &current;
    const std::optional<std::string> &parentWard;

    // Optional; the checks that need one are skipped or made stricter
    // without it, as said for each.

    // The device that created the stored record. A create naming a record
    // the server holds is a replay only from that device. When empty, the
    // record's owner column must name the author (classes with no owner
    // column: refused).
    std::string_view creatorDeviceId = {};
    // The consent record (all columns but id/hlc/device_id) that a referral
    // names once the change is applied (its consent_id), for the steps that
    // rest on consent: consent_captured, sent, withdrawn. Without it those
    // steps are refused.
    const Fields *consent = nullptr;
    // The record's merge state: writing over a field in conflict so as to
    // end the conflict is resolving it, which only a supervisor may do.
    // Without it, not checked.
    const MergeState *merge = nullptr;
    // With the library, advice must name an article version in it, for a
    // recipient it is written for, and fire_hfsv may give fire_safety
    // articles only. Without it, fire_hfsv may not give advice at all on a
    // cocooning operation (burglary prevention) and the topic is unchecked.
    const AdviceLibrary *adviceLibrary = nullptr;
    // The server's clock; 0 skips the check of clocks running ahead, and
    // dates are then judged against the change's own stamp.
    TimestampMs now = 0;
    const ChangeRules *rules = nullptr; // defaults when null
};

Status validateChange(const SyncChange &change, const ChangeCheck &check);

} // namespace beatbook
