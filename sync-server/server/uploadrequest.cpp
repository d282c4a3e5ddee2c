#include "server/uploadrequest.h"

#include <utility>

namespace beatbook {

UploadRequest::UploadRequest(std::string deviceIdIn, SyncScope authorIn, const syncv1::UploadBatch &batchIn)
    : deviceId(std::move(deviceIdIn)), author(std::move(authorIn)), batch(&batchIn)
{
    changes.reserve(static_cast<std::size_t>(batch->changes_size()));
    for (const syncv1::Change &change : batch->changes())
        changes.push_back(changeFromProto(change, deviceId));
}

} // namespace beatbook
