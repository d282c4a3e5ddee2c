#include "server/qrpng.h"

#include <png.h>
#include <qrencode.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csetjmp>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

namespace beatbook {
namespace {

// Far below a QR code's capacity at level M (2331 bytes), far above an invite.
constexpr std::size_t kMaxText = 2000;

struct PngSink {
    std::string bytes;
};

void appendToSink(png_structp png, png_bytep data, png_size_t size)
{
    auto *sink = static_cast<PngSink *>(png_get_io_ptr(png));
    bool appended = true;
    try {
        sink->bytes.append(reinterpret_cast<const char *>(data), size);
    } catch (...) {
        appended = false;
    }
    // png_error leaves by longjmp: only after the try block has ended.
    if (!appended)
        png_error(png, "out of memory");
}

void flushNothing(png_structp) {}

// libpng's default error handler prints to stderr; the caller reports instead.
[[noreturn]] void quietError(png_structp png, png_const_charp) { png_longjmp(png, 1); }
void quietWarning(png_structp, png_const_charp) {}

// Everything libpng can longjmp out of happens here, in a frame that owns no
// C++ object with a destructor, so the jump skips nothing.
bool writeImage(png_structp png, png_infop info, png_uint_32 size, png_bytepp rows)
{
    if (setjmp(png_jmpbuf(png)))
        return false;
    png_set_IHDR(png, info, size, size, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    png_write_image(png, rows);
    png_write_end(png, nullptr);
    return true;
}

struct QrFree {
    void operator()(QRcode *code) const { QRcode_free(code); }
};

} // namespace

Result<std::string> qrPng(std::string_view text, const QrPngSettings &settings)
{
    if (text.empty())
        return Error::invalid("a QR code needs some text to hold");
    if (text.size() > kMaxText || text.find('\0') != std::string_view::npos)
        return Error::invalid("the text is too long or not printable for a QR code");
    if (settings.moduleSize < 1 || settings.moduleSize > 32 || settings.quietZone < 0 || settings.quietZone > 16)
        return Error::invalid("a QR code's module size is 1 to 32 pixels and its quiet zone 0 to 16 modules");

    const std::string input(text);
    errno = 0;
    std::unique_ptr<QRcode, QrFree> code(QRcode_encodeString(input.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1));
    if (!code)
        return errno == ERANGE ? Error::invalid("the text is too long for a QR code")
                               : Error::io(std::string("could not make the QR code: ") + std::strerror(errno));

    const auto modules = static_cast<std::size_t>(code->width);
    const auto scale = static_cast<std::size_t>(settings.moduleSize);
    const auto quiet = static_cast<std::size_t>(settings.quietZone);
    const std::size_t size = (modules + 2 * quiet) * scale;
    const std::size_t rowBytes = (size + 7) / 8;

    // 1-bit grey: a set bit is white, so the image starts all white (quiet
    // zone included) and each dark module clears its block.
    std::vector<std::uint8_t> pixels(rowBytes * size, 0xff);
    for (std::size_t my = 0; my < modules; ++my)
        for (std::size_t mx = 0; mx < modules; ++mx) {
            if ((code->data[my * modules + mx] & 1) == 0)
                continue;
            for (std::size_t y = (my + quiet) * scale; y < (my + quiet + 1) * scale; ++y)
                for (std::size_t x = (mx + quiet) * scale; x < (mx + quiet + 1) * scale; ++x)
                    pixels[y * rowBytes + x / 8] &= static_cast<std::uint8_t>(~(0x80u >> (x % 8)));
        }
    std::vector<png_bytep> rows(size);
    for (std::size_t y = 0; y < size; ++y)
        rows[y] = pixels.data() + y * rowBytes;

    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, quietError, quietWarning);
    if (!png)
        return Error::io("could not start writing the QR code image");
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_write_struct(&png, nullptr);
        return Error::io("could not start writing the QR code image");
    }
    PngSink sink;
    png_set_write_fn(png, &sink, appendToSink, flushNothing);
    const bool written = writeImage(png, info, static_cast<png_uint_32>(size), rows.data());
    png_destroy_write_struct(&png, &info);
    if (!written)
        return Error::io("could not write the QR code image");
    return std::move(sink.bytes);
}

Status writeQrPng(std::string_view text, const std::string &path, const QrPngSettings &settings)
{
    auto image = qrPng(text, settings);
    if (!image)
        return image.error();
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return Error::io("cannot write " + path + ": " + std::strerror(errno));
    // An existing file keeps its mode through O_TRUNC: narrow it too.
    bool ok = ::fchmod(fd, 0600) == 0;
    std::size_t done = 0;
    while (ok && done < image->size()) {
        const ssize_t n = ::write(fd, image->data() + done, image->size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        ok = n > 0;
        if (ok)
            done += static_cast<std::size_t>(n);
    }
    const int savedErrno = errno;
    if (::close(fd) != 0)
        ok = false;
    if (!ok)
        return Error::io("cannot write " + path + ": " + std::strerror(savedErrno));
    return {};
}

} // namespace beatbook
