#pragma once

#include "core/result.h"
#include "sync/proto/sync.pb.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace beatbook {

namespace syncv1 = beatbook::sync::v1;

// The protocol version this build speaks, and the oldest it still accepts.
constexpr std::uint32_t kSyncProtocolVersion = 1;
constexpr std::uint32_t kOldestSyncProtocolVersion = 1;

// ALPN protocol name both sides require.
constexpr const char *kSyncAlpn = "beatbook/1";

constexpr std::size_t kFrameHeaderBytes = 4;

struct FrameLimits {
    // No frame may be larger: a peer that announces more is cut off before a
    // byte of the body is read, so one session cannot make the other side
    // allocate without bound. Upload batches and pull pages are sized well
    // under it.
    std::size_t maxFrameBytes = 4 * 1024 * 1024;
};

// Turns envelopes into frames and back. It does no I/O: sessions move the
// bytes, the codec only checks and converts them.

// A 4-byte big-endian length, then the envelope. Refused when the envelope
// is empty (no body set) or larger than the limit.
Result<std::string> encodeFrame(const syncv1::Envelope &envelope, const FrameLimits &limits = {});

// The body length a frame header announces; refused when zero or over the
// limit.
Result<std::size_t> frameBodySize(std::span<const std::uint8_t, kFrameHeaderBytes> header,
                                  const FrameLimits &limits = {});

// Parses one frame body; refused when it is not a valid envelope or sets no
// body.
Result<syncv1::Envelope> decodeFrameBody(std::span<const std::uint8_t> body);

// Splits a byte stream into envelopes. After the first error it stays
// failed: a stream that went wrong once cannot be trusted to re-align.
class FrameDecoder {
public:
    explicit FrameDecoder(FrameLimits limits = {}) : m_limits(limits) {}

    // Appends bytes received. Fails when the pending frame is announced
    // larger than the limit.
    Status feed(std::span<const std::uint8_t> bytes);
    // The next complete envelope, if one has arrived; an error when its body
    // does not parse.
    Result<std::optional<syncv1::Envelope>> next();
    // Bytes held that do not yet make a whole frame.
    std::size_t pendingBytes() const { return m_buffer.size() - m_offset; }
    bool failed() const { return m_failed; }

private:
    Status checkPendingHeader();

    FrameLimits m_limits;
    std::string m_buffer;
    std::size_t m_offset = 0;
    bool m_failed = false;
};

} // namespace beatbook
