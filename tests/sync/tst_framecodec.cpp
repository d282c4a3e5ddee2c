#include "sync/framecodec.h"

#include "testdata.h"

#include <QFile>
#include <QTest>

#include <array>
#include <fstream>
#include <random>

using namespace beatbook;

namespace {

std::span<const std::uint8_t> bytesOf(const std::string &text)
{
    return {reinterpret_cast<const std::uint8_t *>(text.data()), text.size()};
}

syncv1::Envelope helloEnvelope()
{
    syncv1::Envelope envelope;
    auto *hello = envelope.mutable_client_hello();
    hello->set_min_version(1);
    hello->set_max_version(1);
    hello->set_app_version("0.1.0");
    hello->set_device_id("0192f0a4-8c1e-7b3a-9d2f-5e6a7b8c9d0e");
    hello->set_device_signature(std::string(64, '\x5a'));
    return envelope;
}

syncv1::Envelope uploadEnvelope()
{
    syncv1::Envelope envelope;
    auto *change = envelope.mutable_upload_batch()->add_changes();
    change->set_seq(7);
    change->set_change_id("0192f0a4-8c1e-7b3a-9d2f-000000000007");
    change->set_entity("asb_reports");
    change->set_entity_id("0192f0a4-8c1e-7b3a-9d2f-5e6a7b8c9d0f");
    change->set_op(syncv1::Change::UPDATE);
    change->set_hlc(0x0192F0A48C1E0001ULL);
    change->set_base_hlc(0x0192F0A48C1E0000ULL);
    auto *field = change->add_fields();
    field->set_name("status");
    field->mutable_value()->set_text_value("triaged");
    field = change->add_fields();
    field->set_name("close_reason");
    field->mutable_value()->set_null_value(true);
    return envelope;
}

std::string toHex(const std::string &bytes)
{
    static const char *digits = "0123456789abcdef";
    std::string out;
    for (char ch : bytes) {
        const auto c = static_cast<unsigned char>(ch);
        out += digits[c >> 4];
        out += digits[c & 0xF];
    }
    return out;
}

} // namespace

class TestFrameCodec : public QObject {
    Q_OBJECT
private slots:
    void roundTripsEnvelopes()
    {
        for (const auto &envelope : {helloEnvelope(), uploadEnvelope()}) {
            auto frame = encodeFrame(envelope);
            QVERIFY(frame.ok());
            std::array<std::uint8_t, kFrameHeaderBytes> header{};
            std::copy_n(frame->begin(), kFrameHeaderBytes, header.begin());
            auto size = frameBodySize(header);
            QVERIFY(size.ok());
            QCOMPARE(*size + kFrameHeaderBytes, frame->size());
            auto decoded = decodeFrameBody(bytesOf(frame->substr(kFrameHeaderBytes)));
            QVERIFY(decoded.ok());
            QCOMPARE(decoded->SerializeAsString(), envelope.SerializeAsString());
        }
    }

    // The wire format is a contract with every device in the field: a change
    // to it must be deliberate, so the bytes are compared with golden files.
    void matchesGoldenFrames_data()
    {
        QTest::addColumn<QString>("name");
        QTest::newRow("client hello") << "client_hello";
        QTest::newRow("upload batch") << "upload_batch";
    }
    void matchesGoldenFrames()
    {
        QFETCH(QString, name);
        const auto envelope = name == "client_hello" ? helloEnvelope() : uploadEnvelope();
        auto frame = encodeFrame(envelope);
        QVERIFY(frame.ok());
        const std::string actual = toHex(*frame) + "\n";
        const std::string path = testing::fixture("golden/" + name.toStdString() + ".frame.hex");
        const std::string expected = testing::readFile(path);
        if (actual != expected) {
            std::ofstream(path + ".actual") << actual;
            QFAIL(qPrintable(QString("frame differs from %1; the actual bytes are in %1.actual\nexpected: %2\nactual:   %3")
                                 .arg(QString::fromStdString(path), QString::fromStdString(expected),
                                      QString::fromStdString(actual))));
        }
    }

    void refusesEmptyEnvelope()
    {
        syncv1::Envelope empty;
        QVERIFY(!encodeFrame(empty).ok());
        QVERIFY(!decodeFrameBody(bytesOf(std::string())).ok());
    }

    void refusesOversizedFrames()
    {
        FrameLimits limits;
        limits.maxFrameBytes = 64;
        syncv1::Envelope big;
        big.mutable_client_hello()->set_app_version(std::string(100, 'x'));
        QVERIFY(!encodeFrame(big, limits).ok());

        // Announced larger than the limit: refused from the header alone.
        const std::array<std::uint8_t, 4> header{0x00, 0x00, 0x00, 0x41};
        QVERIFY(!frameBodySize(header, limits).ok());
        const std::array<std::uint8_t, 4> zero{0, 0, 0, 0};
        QVERIFY(!frameBodySize(zero, limits).ok());
        const std::array<std::uint8_t, 4> huge{0xFF, 0xFF, 0xFF, 0xFF};
        QVERIFY(!frameBodySize(huge).ok());
    }

    void refusesGarbage()
    {
        // A field tag with wire type 7 does not exist.
        QVERIFY(!decodeFrameBody(bytesOf(std::string("\x0f\x01\x02", 3))).ok());
        // Length-delimited field running past the end.
        QVERIFY(!decodeFrameBody(bytesOf(std::string("\x0a\x50\x01", 3))).ok());
        // Valid protobuf but no message set: only an unknown field.
        QVERIFY(!decodeFrameBody(bytesOf(std::string("\xf8\x07\x01", 3))).ok());
        // Invalid UTF-8 in a string field.
        syncv1::Envelope envelope;
        envelope.mutable_client_hello()->set_app_version("ok");
        std::string body = envelope.SerializeAsString();
        body[body.size() - 1] = '\xff';
        QVERIFY(!decodeFrameBody(bytesOf(body)).ok());
    }

    void decoderSplitsAStreamAtAnyBoundary()
    {
        std::string stream;
        for (int i = 0; i < 3; ++i) {
            stream += *encodeFrame(helloEnvelope());
            stream += *encodeFrame(uploadEnvelope());
        }
        std::mt19937 random(42);
        for (int round = 0; round < 50; ++round) {
            FrameDecoder decoder;
            int decodedCount = 0;
            std::size_t offset = 0;
            while (offset < stream.size()) {
                const std::size_t chunk = std::min<std::size_t>(1 + random() % 40, stream.size() - offset);
                QVERIFY(decoder.feed(bytesOf(stream.substr(offset, chunk))).ok());
                offset += chunk;
                while (true) {
                    auto next = decoder.next();
                    QVERIFY(next.ok());
                    if (!next->has_value())
                        break;
                    const bool expectHello = decodedCount % 2 == 0;
                    QCOMPARE((*next)->has_client_hello(), expectHello);
                    ++decodedCount;
                }
            }
            QCOMPARE(decodedCount, 6);
            QCOMPARE(decoder.pendingBytes(), std::size_t(0));
        }
    }

    void decoderStopsAtTheFirstBadFrame()
    {
        FrameLimits limits;
        limits.maxFrameBytes = 1024;
        // The good frame before a bad header is still delivered...
        FrameDecoder second(limits);
        (void)second.feed(bytesOf(*encodeFrame(helloEnvelope())));
        auto first = second.next();
        QVERIFY(first.ok() && first->has_value());
        // ...and the bad header fails the stream for good.
        QVERIFY(!second.feed(bytesOf(std::string("\x00\x00\x10\x00", 4))).ok());
        QVERIFY(second.failed());
        QVERIFY(!second.next().ok());
        QVERIFY(!second.feed(bytesOf(*encodeFrame(helloEnvelope()))).ok());
    }

    void decoderReportsAMalformedBody()
    {
        FrameDecoder decoder;
        QVERIFY(decoder.feed(bytesOf(std::string("\x00\x00\x00\x03\x0f\x01\x02", 7))).ok());
        QVERIFY(!decoder.next().ok());
        QVERIFY(decoder.failed());
    }
};

QTEST_GUILESS_MAIN(TestFrameCodec)
#include "tst_framecodec.moc"
