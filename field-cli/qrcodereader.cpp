#include "qrcodereader.h"

#include <png.h>
#include <zbar.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

namespace beatbook::field {
namespace {

// zbar.h declares its C interface inside namespace zbar when compiled as C++.
using namespace zbar;

// zbar names pixel formats by fourcc; Y800 is 8-bit grey.
constexpr unsigned long kGrey8 = static_cast<unsigned long>('Y') | (static_cast<unsigned long>('8') << 8)
    | (static_cast<unsigned long>('0') << 16) | (static_cast<unsigned long>('0') << 24);

struct PngImageFree {
    void operator()(png_image *image) const { png_image_free(image); }
};
struct ScannerFree {
    void operator()(zbar_image_scanner_t *scanner) const { zbar_image_scanner_destroy(scanner); }
};
struct ZbarImageFree {
    void operator()(zbar_image_t *image) const { zbar_image_destroy(image); }
};

} // namespace

Result<std::string> readQrCodePng(const std::string &path, const QrReadLimits &limits)
{
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error))
        return Error::io("cannot read " + path + ": no such file");

    png_image image;
    std::memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&image, path.c_str()))
        return Error::invalid(path + " is not a readable PNG image: " + image.message);
    std::unique_ptr<png_image, PngImageFree> release(&image);
    const std::size_t width = image.width;
    const std::size_t height = image.height;
    if (width == 0 || height == 0 || width * height > limits.maxPixels)
        return Error::invalid(path + " is too large to be a QR code image");
    image.format = PNG_FORMAT_GRAY;
    std::vector<std::uint8_t> pixels(width * height);
    if (!png_image_finish_read(&image, nullptr, pixels.data(), 0, nullptr))
        return Error::invalid(path + " is not a readable PNG image: " + image.message);
    release.release();

    std::unique_ptr<zbar_image_scanner_t, ScannerFree> scanner(zbar_image_scanner_create());
    std::unique_ptr<zbar_image_t, ZbarImageFree> frame(zbar_image_create());
    if (!scanner || !frame)
        return Error::io("the QR code reader could not start");
    zbar_image_scanner_set_config(scanner.get(), ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
    zbar_image_scanner_set_config(scanner.get(), ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
    zbar_image_set_format(frame.get(), kGrey8);
    zbar_image_set_size(frame.get(), static_cast<unsigned>(width), static_cast<unsigned>(height));
    zbar_image_set_data(frame.get(), pixels.data(), pixels.size(), nullptr);
    if (zbar_scan_image(scanner.get(), frame.get()) < 0)
        return Error::invalid("no QR code could be read from " + path);
    for (const zbar_symbol_t *symbol = zbar_image_first_symbol(frame.get()); symbol;
         symbol = zbar_symbol_next(symbol)) {
        if (zbar_symbol_get_type(symbol) != ZBAR_QRCODE)
            continue;
        const char *data = zbar_symbol_get_data(symbol);
        const unsigned length = zbar_symbol_get_data_length(symbol);
        if (data && length > 0)
            return std::string(data, length);
    }
    return Error::invalid("no QR code found in " + path);
}

} // namespace beatbook::field
