#pragma once

#include "core/result.h"

#include <string>
#include <string_view>

namespace beatbook {

struct QrPngSettings {
    int moduleSize = 8;  // pixels per module: about 2.5 cm for an invite on screen or paper
    int quietZone = 4;   // white modules around the code: the QR standard's minimum
};

// A QR code (error correction level M, 8-bit mode) holding text, as a
// black-and-white PNG: the PNG file's bytes.
Result<std::string> qrPng(std::string_view text, const QrPngSettings &settings = {});

// Writes that PNG to path, readable by its owner only (mode 0600): the code
// this is made for, an enrolment invite, is a credential until it is used.
Status writeQrPng(std::string_view text, const std::string &path, const QrPngSettings &settings = {});

} // namespace beatbook
