#pragma once

#include "core/result.h"
#include "sync/proto/sync.pb.h"
#include "sync/syncchange.h"
#include "sync/syncscope.h"

#include <string>
#include <vector>

namespace beatbook {

namespace syncv1 = beatbook::sync::v1;

// One device's upload, as the session received it, with each change
// already decoded. Decoding happens here, on the session's own thread,
// because one writer thread applies every device's changes: what can be
// done before the batch joins the writer's queue should be.
struct UploadRequest {
    UploadRequest(std::string deviceId, SyncScope author, const syncv1::UploadBatch &batch);

    std::string deviceId;
    SyncScope author;                    // the device's user, as of this session
    const syncv1::UploadBatch *batch;    // kept alive by the session while it waits
    // One per change of the batch, in order: the change, or why it cannot
    // be read (answered as that change's rejection).
    std::vector<Result<SyncChange>> changes;
};

} // namespace beatbook
