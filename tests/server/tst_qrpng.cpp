#include "server/qrpng.h"

#include "testdata.h"

#include <png.h>

#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

#include <string>
#include <vector>

using namespace beatbook;

namespace {

const std::string kInvite = "beatbook-enrol:1?server=sync.example.org:7443&code=04106-1050R-3GG28-ACHJP-CSV8D-"
                            "5N6PV-3DDSQ-Q0WBJ&fp=6465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f80818283";

// A decoded PNG as 8-bit grey pixels.
struct Picture {
    unsigned width = 0;
    unsigned height = 0;
    std::vector<unsigned char> grey;
    bool dark(unsigned x, unsigned y) const { return grey[y * width + x] < 128; }
};

Picture decodePng(const std::string &bytes)
{
    Picture picture;
    png_image image{};
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&image, bytes.data(), bytes.size()))
        return picture;
    image.format = PNG_FORMAT_GRAY;
    picture.grey.resize(PNG_IMAGE_SIZE(image));
    if (!png_image_finish_read(&image, nullptr, picture.grey.data(), 0, nullptr)) {
        png_image_free(&image);
        picture.grey.clear();
        return picture;
    }
    picture.width = image.width;
    picture.height = image.height;
    return picture;
}

// The modules of a picture drawn at `scale` pixels per module behind
// `quiet` modules of white, read at each block's centre; empty when any
// block is not one solid colour.
std::vector<std::vector<bool>> modulesOf(const Picture &picture, unsigned scale, unsigned quiet)
{
    const unsigned count = picture.width / scale - 2 * quiet;
    std::vector<std::vector<bool>> modules(count, std::vector<bool>(count));
    for (unsigned my = 0; my < count; ++my)
        for (unsigned mx = 0; mx < count; ++mx) {
            const unsigned x0 = (mx + quiet) * scale;
            const unsigned y0 = (my + quiet) * scale;
            const bool colour = picture.dark(x0, y0);
            for (unsigned y = y0; y < y0 + scale; ++y)
                for (unsigned x = x0; x < x0 + scale; ++x)
                    if (picture.dark(x, y) != colour)
                        return {};
            modules[my][mx] = colour;
        }
    return modules;
}

// The format information beside the top-left finder pattern (ISO/IEC
// 18004, 7.9), unmasked: 2 bits of error correction level, 3 of mask, 10
// of BCH code. Read here independently of the encoder that drew it.
unsigned formatInformation(const std::vector<std::vector<bool>> &m)
{
    unsigned bits = 0;
    auto take = [&](unsigned x, unsigned y) { bits = (bits << 1) | (m[y][x] ? 1u : 0u); };
    for (unsigned x = 0; x < 6; ++x)
        take(x, 8);
    take(7, 8);
    take(8, 8);
    take(8, 7);
    for (int y = 5; y >= 0; --y)
        take(8, static_cast<unsigned>(y));
    return bits ^ 0x5412u;
}

unsigned bchRemainder(unsigned data)
{
    unsigned value = data << 10;
    for (int bit = 14; bit >= 10; --bit)
        if (value & (1u << bit))
            value ^= 0x537u << (bit - 10);
    return value;
}

QString tempPath(QTemporaryDir &dir, const char *name) { return dir.filePath(QString::fromLatin1(name)); }

} // namespace

class TestQrPng : public QObject {
    Q_OBJECT
private slots:
    void drawsAQrCodeWithItsQuietZone()
    {
        const auto png = qrPng(kInvite);
        QVERIFY2(png.ok(), png.ok() ? "" : png.error().message.c_str());
        QVERIFY(png->starts_with("\x89PNG\r\n\x1a\n"));
        const Picture picture = decodePng(*png);
        QVERIFY(picture.width > 0);
        QCOMPARE(picture.width, picture.height);
        QCOMPARE(picture.width % 8, 0u);
        // 21 + 4k modules, 4 modules of quiet zone each side, 8 pixels each.
        const unsigned modules = picture.width / 8 - 8;
        QVERIFY(modules >= 21 && modules <= 177 && (modules - 21) % 4 == 0);

        for (unsigned y = 0; y < picture.height; ++y)
            for (unsigned x = 0; x < picture.width; ++x) {
                const bool inQuiet = x < 32 || y < 32 || x >= picture.width - 32 || y >= picture.height - 32;
                if (inQuiet && picture.dark(x, y))
                    QFAIL(qPrintable(QString("dark pixel in the quiet zone at %1,%2").arg(x).arg(y)));
            }

        const auto m = modulesOf(picture, 8, 4);
        QCOMPARE(m.size(), std::size_t(modules));
        // The three finder patterns: a dark 7x7 ring, a light ring, a dark 3x3 core.
        for (auto [ox, oy] : {std::pair{0u, 0u}, std::pair{modules - 7, 0u}, std::pair{0u, modules - 7}})
            for (unsigned y = 0; y < 7; ++y)
                for (unsigned x = 0; x < 7; ++x) {
                    const bool ring = x == 0 || y == 0 || x == 6 || y == 6;
                    const bool core = x >= 2 && x <= 4 && y >= 2 && y <= 4;
                    QCOMPARE(m[oy + y][ox + x], ring || core);
                }

        // Error correction level M (bits 00), with a valid BCH code.
        const unsigned format = formatInformation(m);
        QCOMPARE(format >> 13, 0u);
        QCOMPARE(format & 0x3ffu, bchRemainder(format >> 10));
    }

    void honoursItsSettings()
    {
        const auto small = qrPng("hello", QrPngSettings{2, 1});
        QVERIFY(small.ok());
        const Picture picture = decodePng(*small);
        QCOMPARE(picture.width, (21u + 2u) * 2u);  // "hello" fits version 1
        const auto m = modulesOf(picture, 2, 1);
        QCOMPARE(m.size(), std::size_t(21));
        QCOMPARE(formatInformation(m) >> 13, 0u);
    }

    void holdsTextUpToItsLimit()
    {
        // The limit sits below a level-M code's capacity (2331 bytes), so
        // whatever passes the check can be drawn.
        const auto png = qrPng(std::string(2000, '~'), QrPngSettings{1, 4});
        QVERIFY2(png.ok(), png.ok() ? "" : png.error().message.c_str());
        const Picture picture = decodePng(*png);
        QCOMPARE(formatInformation(modulesOf(picture, 1, 4)) >> 13, 0u);
    }

    void refusesWhatCannotBeAQrCode_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<int>("moduleSize");
        QTest::addColumn<int>("quietZone");
        QTest::newRow("empty") << QByteArray() << 8 << 4;
        QTest::newRow("too long") << QByteArray(3000, 'a') << 8 << 4;
        QTest::newRow("one byte over the limit") << QByteArray(2001, '~') << 8 << 4;
        QTest::newRow("NUL") << QByteArray("a\0b", 3) << 8 << 4;
        QTest::newRow("zero module") << QByteArray("a") << 0 << 4;
        QTest::newRow("huge module") << QByteArray("a") << 1000 << 4;
        QTest::newRow("negative quiet zone") << QByteArray("a") << 8 << -1;
    }
    void refusesWhatCannotBeAQrCode()
    {
        QFETCH(QByteArray, text);
        QFETCH(int, moduleSize);
        QFETCH(int, quietZone);
        const auto png = qrPng(std::string_view(text.constData(), static_cast<std::size_t>(text.size())),
                               QrPngSettings{moduleSize, quietZone});
        QVERIFY(!png.ok());
        QVERIFY(png.error().code == ErrorCode::InvalidInput);
        QVERIFY(png.error().message.find('\n') == std::string::npos);
    }

    void writesAFileForItsOwnerOnly()
    {
        QTemporaryDir dir;
        const QString path = tempPath(dir, "invite.png");
        // An existing, world-readable file is replaced and narrowed.
        {
            QFile old(path);
            QVERIFY(old.open(QIODevice::WriteOnly));
            old.write(QByteArray(100000, 'x'));
        }
        QVERIFY(::chmod(path.toLocal8Bit().constData(), 0644) == 0);
        QVERIFY(writeQrPng(kInvite, path.toStdString()).ok());
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll().toStdString(), *qrPng(kInvite));
        struct stat info {};
        QVERIFY(::stat(path.toLocal8Bit().constData(), &info) == 0);
        QCOMPARE(info.st_mode & 0777u, 0600u);
    }

    void reportsAnUnwritablePath()
    {
        QTemporaryDir dir;
        const auto written = writeQrPng(kInvite, tempPath(dir, "missing/invite.png").toStdString());
        QVERIFY(!written.ok());
        QVERIFY(written.error().code == ErrorCode::Io);
        QVERIFY(QString::fromStdString(written.error().message).contains("missing/invite.png"));
        const auto bad = writeQrPng("", tempPath(dir, "empty.png").toStdString());
        QVERIFY(!bad.ok());
        QVERIFY(!QFileInfo::exists(tempPath(dir, "empty.png")));
    }

    // End to end through a real QR reader: zbarimg (zbar-tools), which the
    // set-up script installs. Without it the test fails rather than pass
    // unchecked.
    void decodesWithZbar()
    {
        const QString zbarimg = QStandardPaths::findExecutable("zbarimg");
        if (zbarimg.isEmpty())
            QFAIL("zbarimg is not installed (Debian package zbar-tools, installed by scripts/lib/setup.sh)");
        QTemporaryDir dir;
        const QString path = tempPath(dir, "invite.png");
        QVERIFY(writeQrPng(kInvite, path.toStdString()).ok());
        QProcess zbar;
        zbar.start(zbarimg, {"--raw", "-q", path});
        QVERIFY(zbar.waitForFinished(30000));
        QCOMPARE(zbar.exitCode(), 0);
        QCOMPARE(zbar.readAllStandardOutput().trimmed().toStdString(), kInvite);
    }
};

QTEST_GUILESS_MAIN(TestQrPng)
#include "tst_qrpng.moc"
