#pragma once

#include "core/result.h"
#include "server/uploadrequest.h"
#include "sync/proto/sync.pb.h"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace beatbook {

namespace syncv1 = beatbook::sync::v1;

// The server's records and their change feed. Behind an interface so a
// PostgreSQL backend (several servers on one database) can take its place;
// the SQLite one is the embedded default.
class SyncStorage {
public:
    virtual ~SyncStorage() = default;

    // Applies several devices' batches in one durable commit (group commit),
    // answering each change of each batch in order. Each change is validated
    // (changevalidator.h) and merged (recordmerge.h); a change whose seq the
    // device already sent gets its first answer again and is not re-applied.
    // When this returns, everything accepted is on disk (fsync). The
    // requests are the sessions' own, alive until their answers are sent.
    virtual Result<std::vector<syncv1::UploadResult>> applyUploads(std::span<const UploadRequest *const> requests) = 0;

    // The next page of the change feed after `request.cursor()`, filtered by
    // the scope. Records that left the scope come as removed. When the
    // request's scope token is not the scope's current token, the page
    // restarts the device from cursor 0 with rebaseline set.
    virtual Result<syncv1::PullPage> pull(const SyncScope &scope, const syncv1::PullRequest &request) = 0;

    // Checksums of everything the scope holds now, per entity.
    virtual Result<syncv1::VerifyResponse> verify(const SyncScope &scope) = 0;
};

} // namespace beatbook
