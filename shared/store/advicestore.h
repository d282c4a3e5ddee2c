#pragma once

#include "core/result.h"
#include "domain/advicegiven.h"
#include "domain/names.h"
#include "store/devicestore.h"

#include <optional>
#include <string>
#include <vector>

namespace beatbook {

class AdviceLibrary;
struct AdviceArticle;

// A record of advice given as stored: the domain record plus what the store
// adds, the ward it counts towards and the role of whoever gave it.
struct AdviceRecord {
    AdviceGiven advice;
    // From the linked report, else the linked cocooning operation; absent
    // when neither names a ward (advice given in the street, say).
    std::optional<std::string> wardCode;
    Role givenByRole = Role::Pcso;
};

struct AdviceFilter {
    std::optional<std::string> reportId;
    std::optional<std::string> operationId;
    int limit = 1000;
};

// Records of advice given on the device. There is no update or delete: the
// record is what the partnership's measures are counted from, so a mistake
// is put right by a new record (the database refuses UPDATE and DELETE too).
class AdviceStore {
public:
    AdviceStore(DeviceStore &store, const AdviceLibrary &library, AdviceGivenSettings settings = {});

    // Records advice given by the device's user: the id and "given by" are
    // filled in, and the time when input.givenAt is 0. A cocooning target
    // id is refused here: a visit goes through CocooningStore::recordVisit,
    // which also moves the operation on.
    Result<AdviceRecord> record(AdviceGiven input);

    // The same inside a transaction the caller already holds, for stores that
    // write advice together with their own rows. Accepts a target id (checked
    // to belong to the operation).
    Result<AdviceRecord> recordIn(WriteTxn &txn, AdviceGiven input);

    // Newest first.
    Result<std::vector<AdviceRecord>> list(const AdviceFilter &filter = {});

    // Whether the device's user may hand out this article: the roles that
    // record advice, and fire_hfsv only for fire safety.
    Status checkMayGive(const AdviceArticle &article) const;

    const AdviceLibrary &library() const { return m_library; }

private:
    DeviceStore &m_store;
    const AdviceLibrary &m_library;
    AdviceGivenSettings m_settings;
};

} // namespace beatbook
