#pragma once

#include "core/result.h"

#include <string>

namespace beatbook::field {

struct QrReadLimits {
    // A photo or screenshot of a code is far smaller; a larger image is
    // refused before its pixels are allocated.
    std::size_t maxPixels = 40'000'000;
};

// The text of the first QR code in a PNG image (read with libpng, decoded
// with zbar). InvalidInput when the file is not a readable PNG or holds no
// QR code; Io when it cannot be opened.
Result<std::string> readQrCodePng(const std::string &path, const QrReadLimits &limits = {});

} // namespace beatbook::field
