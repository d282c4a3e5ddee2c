// libFuzzer target for the sync frame codec: the first code that touches
// bytes from a device. Built with clang only (BEATBOOK_BUILD_FUZZERS); ctest
// runs it briefly over the seed corpus, and longer runs go by hand:
//   build-clang/bin/fuzz_framecodec -max_total_time=600 tests/fuzz/corpus/framecodec

#include "sync/fieldcodec.h"
#include "sync/framecodec.h"

#include <cstdint>
#include <cstdlib>
#include <span>

using namespace beatbook;

namespace {

// Every envelope the codec accepts must survive a re-encode unchanged, and
// every change's fields must either decode or be refused as a value.
void checkEnvelope(const syncv1::Envelope &envelope)
{
    auto frame = encodeFrame(envelope);
    if (!frame)
        return; // over the limit after re-encoding default values: refused as a value
    auto again = decodeFrameBody(std::span<const std::uint8_t>(
        reinterpret_cast<const std::uint8_t *>(frame->data() + kFrameHeaderBytes), frame->size() - kFrameHeaderBytes));
    if (!again || again->SerializeAsString() != envelope.SerializeAsString())
        std::abort();
    if (envelope.has_upload_batch())
        for (const auto &change : envelope.upload_batch().changes())
            (void)fieldsFromProto(change.fields());
    if (envelope.has_pull_page())
        for (const auto &record : envelope.pull_page().records())
            (void)fieldsFromProto(record.fields());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size == 0)
        return 0;
    FrameLimits limits;
    limits.maxFrameBytes = 64 * 1024;

    // The whole input as one frame body.
    if (auto envelope = decodeFrameBody(std::span<const std::uint8_t>(data, size)))
        checkEnvelope(*envelope);

    // The input as a stream, fed in chunks sized by its first byte.
    FrameDecoder decoder(limits);
    const std::size_t chunk = 1 + data[0] % 17;
    for (std::size_t offset = 1; offset < size; offset += chunk) {
        const std::size_t n = std::min(chunk, size - offset);
        if (!decoder.feed(std::span<const std::uint8_t>(data + offset, n)))
            break;
        while (true) {
            auto next = decoder.next();
            if (!next || !next->has_value())
                break;
            checkEnvelope(**next);
        }
        if (decoder.failed())
            break;
    }
    return 0;
}
