#pragma once

#include "core/result.h"
#include "store/rowstatements.h"
#include "sync/entitycatalog.h"
#include "sync/framecodec.h"

#include <cstddef>

namespace beatbook {

class DeviceStore;

// What one page did to the device.
struct PullApplyResult {
    std::size_t received = 0;         // records in the page
    std::size_t inserted = 0;
    std::size_t updated = 0;
    std::size_t unchanged = 0;        // evidential records already held: never rewritten
    std::size_t keptLocal = 0;        // records whose unsent local fields were kept
    std::size_t removed = 0;          // records that left the device's scope
    std::size_t removalDeferred = 0;  // left the scope, kept while local changes wait to be sent
    std::size_t conflicted = 0;       // records that came with concurrent values
    std::size_t swept = 0;            // removed at the end of a rebaseline
    std::size_t forgotten = 0;        // people whose details a champion's device let go
    bool rebaselineCompleted = false;
};

// Applies pages pulled from the server to the device's store.
//
// One page is applied in ONE transaction together with the new cursor, so
// a pull cut at any point resumes from the last page applied whole: never a
// page half-applied, never a cursor ahead of the data.
//
// - Each record is upserted into its table with hlc = its version and
//   device_id = the device that changed it last.
// - A field with a change on this device not yet acknowledged is never
//   overwritten: the local value stays, and goes up with the pending change.
// - Evidential records (append-only, consent) already held are left as they
//   are; a consent record only takes its withdrawal, once.
// - A removed record (it left the scope) is deleted unless local changes to
//   it wait to be sent.
// - Concurrent values and review flags go to sync_conflicts / sync_review.
// - A rebaseline (the user's scope changed) marks what arrives again; when
//   the pull completes, synced records that did not come again are swept
//   (records with local changes in the outbox stay).
// - On a champion's device, people whose record the server acknowledged
//   keep only their match key: domain.md, "a champion's device is an
//   encrypted outbox for personal data".
class PullApplier {
public:
    PullApplier(DeviceStore &store, const EntityCatalog &catalog);

    // Refused, with nothing applied, when a record is of an unknown kind, has
    // an unknown column or a value of the wrong type, or would break the
    // schema. Must not be called inside an open transaction.
    Result<PullApplyResult> apply(const syncv1::PullPage &page);

    // Blanks the name and contact of every person with no change left in the
    // outbox (all acknowledged), keeping the match key so repeat checks still
    // work offline. An empty name marks a forgotten person. Writes no outbox
    // entry: the server keeps the details. For champions' devices only; the
    // sync client calls it after each upload batch.
    Result<std::size_t> forgetAcknowledgedPeople();

private:
    DeviceStore &m_store;
    const EntityCatalog &m_catalog;
    RowStatements m_rows;  // one prepared write per table and column list, across pages
};

} // namespace beatbook
