#include "sync/framecodec.h"

#include <google/protobuf/stubs/logging.h>

#include <algorithm>
#include <array>
#include <limits>

namespace beatbook {
namespace {

std::string sizeText(std::size_t bytes) { return std::to_string(bytes) + " bytes"; }

// protobuf writes parse problems to stderr itself; the codec already reports
// them as values, and the server's log must stay structured.
void quietProtobufLogging()
{
    static const bool quiet = [] {
        google::protobuf::SetLogHandler(nullptr);
        return true;
    }();
    (void)quiet;
}

} // namespace

Result<std::string> encodeFrame(const syncv1::Envelope &envelope, const FrameLimits &limits)
{
    if (envelope.body_case() == syncv1::Envelope::BODY_NOT_SET)
        return Error::invalid("a frame must carry a message");
    const std::size_t size = envelope.ByteSizeLong();
    if (size > limits.maxFrameBytes || size > std::numeric_limits<std::uint32_t>::max())
        return Error::invalid("message of " + sizeText(size) + " exceeds the frame limit of "
                              + sizeText(limits.maxFrameBytes));
    std::string frame(kFrameHeaderBytes + size, '\0');
    const auto length = static_cast<std::uint32_t>(size);
    frame[0] = static_cast<char>((length >> 24) & 0xFF);
    frame[1] = static_cast<char>((length >> 16) & 0xFF);
    frame[2] = static_cast<char>((length >> 8) & 0xFF);
    frame[3] = static_cast<char>(length & 0xFF);
    if (!envelope.SerializeToArray(frame.data() + kFrameHeaderBytes, static_cast<int>(size)))
        return Error::invalid("the message could not be encoded");
    return frame;
}

Result<std::size_t> frameBodySize(std::span<const std::uint8_t, kFrameHeaderBytes> header,
                                  const FrameLimits &limits)
{
    const std::size_t length = (static_cast<std::size_t>(header[0]) << 24) | (static_cast<std::size_t>(header[1]) << 16)
        | (static_cast<std::size_t>(header[2]) << 8) | static_cast<std::size_t>(header[3]);
    if (length == 0)
        return Error::invalid("empty frame");
    if (length > limits.maxFrameBytes)
        return Error::invalid("frame of " + sizeText(length) + " exceeds the limit of "
                              + sizeText(limits.maxFrameBytes));
    return length;
}

Result<syncv1::Envelope> decodeFrameBody(std::span<const std::uint8_t> body)
{
    if (body.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        return Error::invalid("frame too large");
    quietProtobufLogging();
    syncv1::Envelope envelope;
    if (!envelope.ParseFromArray(body.data(), static_cast<int>(body.size())))
        return Error::invalid("malformed frame: not a protocol message");
    if (envelope.body_case() == syncv1::Envelope::BODY_NOT_SET)
        return Error::invalid("malformed frame: no message in it");
    return envelope;
}

Status FrameDecoder::feed(std::span<const std::uint8_t> bytes)
{
    if (m_failed)
        return Error::invalid("the stream already failed");
    // Drop consumed bytes before growing, so the buffer holds at most one
    // frame and what arrived after it.
    if (m_offset > 0 && m_offset == m_buffer.size()) {
        m_buffer.clear();
        m_offset = 0;
    } else if (m_offset > 64 * 1024) {
        m_buffer.erase(0, m_offset);
        m_offset = 0;
    }
    m_buffer.append(reinterpret_cast<const char *>(bytes.data()), bytes.size());
    return checkPendingHeader();
}

Status FrameDecoder::checkPendingHeader()
{
    if (pendingBytes() < kFrameHeaderBytes)
        return {};
    std::array<std::uint8_t, kFrameHeaderBytes> header{};
    std::copy_n(reinterpret_cast<const std::uint8_t *>(m_buffer.data() + m_offset), kFrameHeaderBytes,
                header.begin());
    if (auto size = frameBodySize(header, m_limits); !size) {
        m_failed = true;
        return size.error();
    }
    return {};
}

Result<std::optional<syncv1::Envelope>> FrameDecoder::next()
{
    if (m_failed)
        return Error::invalid("the stream already failed");
    if (pendingBytes() < kFrameHeaderBytes)
        return std::optional<syncv1::Envelope>();
    const auto *start = reinterpret_cast<const std::uint8_t *>(m_buffer.data() + m_offset);
    auto size = frameBodySize(std::span<const std::uint8_t, kFrameHeaderBytes>(start, kFrameHeaderBytes), m_limits);
    if (!size) {
        m_failed = true;
        return size.error();
    }
    if (pendingBytes() < kFrameHeaderBytes + *size)
        return std::optional<syncv1::Envelope>();
    auto envelope = decodeFrameBody(std::span<const std::uint8_t>(start + kFrameHeaderBytes, *size));
    if (!envelope) {
        m_failed = true;
        return envelope.error();
    }
    // An oversized frame after this one is reported by the next call, so
    // this envelope is not lost with it.
    m_offset += kFrameHeaderBytes + *size;
    return std::optional<syncv1::Envelope>(std::move(*envelope));
}

} // namespace beatbook
