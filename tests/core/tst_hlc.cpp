#include "core/hlc.h"

#include <QTest>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

using namespace beatbook;

// HlcTimestamp values are compared through .value: QCOMPARE on the struct
// would be ambiguous between QTest::toString and beatbook::toString.

namespace {

constexpr TimestampMs kT0 = 1795554900000LL; // 2026-11-24T21:15:00Z

} // namespace

class TestHlc : public QObject {
    Q_OBJECT
private slots:
    void packsWallTimeAndCounter()
    {
        const HlcTimestamp t = HlcTimestamp::from(kT0, 7);
        QCOMPARE(t.wallMs(), kT0);
        QCOMPARE(static_cast<int>(t.counter()), 7);
        QVERIFY(HlcTimestamp::from(kT0, 65535) < HlcTimestamp::from(kT0 + 1, 0));
        QVERIFY(HlcTimestamp::from(kT0, 1) < HlcTimestamp::from(kT0, 2));
    }

    void tickFollowsAMovingClock()
    {
        ManualClock clock(kT0);
        HybridLogicalClock hlc(clock);
        const HlcTimestamp a = hlc.tick();
        QCOMPARE(a.value, HlcTimestamp::from(kT0, 0).value);
        clock.advance(10);
        const HlcTimestamp b = hlc.tick();
        QCOMPARE(b.value, HlcTimestamp::from(kT0 + 10, 0).value);
        QCOMPARE(hlc.last().value, b.value);
    }

    void tickIsMonotonicWithAStalledClock()
    {
        ManualClock clock(kT0);
        HybridLogicalClock hlc(clock);
        HlcTimestamp previous = hlc.tick();
        for (int i = 0; i < 1000; ++i) {
            const HlcTimestamp t = hlc.tick();
            QVERIFY(t > previous);
            QCOMPARE(t.wallMs(), kT0); // still reads as the right time
            previous = t;
        }
        QCOMPARE(static_cast<int>(previous.counter()), 1000);
    }

    void tickIsMonotonicPastTheCounterLimit()
    {
        // More than 65536 changes in one millisecond carry into the wall
        // field rather than wrap.
        ManualClock clock(kT0);
        HybridLogicalClock hlc(clock);
        HlcTimestamp previous = hlc.tick();
        for (int i = 0; i < 70000; ++i) {
            const HlcTimestamp t = hlc.tick();
            if (!(t > previous))
                QFAIL(("tick " + std::to_string(i) + " did not increase").c_str());
            previous = t;
        }
        QCOMPARE(previous.wallMs(), kT0 + 1);
    }

    void tickIsMonotonicWithABackwardsClock()
    {
        ManualClock clock(kT0);
        HybridLogicalClock hlc(clock);
        const HlcTimestamp before = hlc.tick();
        clock.set(kT0 - 3600 * 1000); // an hour back
        HlcTimestamp previous = before;
        for (int i = 0; i < 100; ++i) {
            const HlcTimestamp t = hlc.tick();
            QVERIFY(t > previous);
            QCOMPARE(t.wallMs(), kT0); // never reads earlier than issued
            previous = t;
        }
        clock.set(kT0 + 5);
        const HlcTimestamp after = hlc.tick();
        QCOMPARE(after.value, HlcTimestamp::from(kT0 + 5, 0).value);
        QVERIFY(after > previous);
    }

    void tickClampsANegativeClock()
    {
        ManualClock clock(-1000);
        HybridLogicalClock hlc(clock);
        const HlcTimestamp a = hlc.tick();
        const HlcTimestamp b = hlc.tick();
        QVERIFY(a.wallMs() >= 0);
        QVERIFY(b > a);
    }

    void observeMovesPastARemoteAhead()
    {
        ManualClock clock(kT0);
        HybridLogicalClock hlc(clock);
        (void)hlc.tick();
        const HlcTimestamp remote = HlcTimestamp::from(kT0 + 60000, 3); // a device a minute fast
        const HlcTimestamp seen = hlc.observe(remote);
        QVERIFY(seen > remote);
        QCOMPARE(seen.value, remote.value + 1);
        const HlcTimestamp next = hlc.tick();
        QVERIFY(next > seen);
        QVERIFY(next > remote);
    }

    void observeOfARemoteBehindStillIncreases()
    {
        ManualClock clock(kT0);
        HybridLogicalClock hlc(clock);
        const HlcTimestamp local = hlc.tick();
        const HlcTimestamp seen = hlc.observe(HlcTimestamp::from(kT0 - 5000, 9));
        QVERIFY(seen > local);
        // Equal to the local last: still moves on.
        const HlcTimestamp again = hlc.observe(seen);
        QVERIFY(again > seen);
    }

    void observeTakesTheWallClockWhenItLeads()
    {
        ManualClock clock(kT0);
        HybridLogicalClock hlc(clock);
        (void)hlc.tick();
        clock.advance(1000);
        const HlcTimestamp seen = hlc.observe(HlcTimestamp::from(kT0 + 10, 0));
        QCOMPARE(seen.value, HlcTimestamp::from(kT0 + 1000, 0).value);
    }

    void observeOfARemoteEqualToTheWallClock()
    {
        ManualClock clock(kT0);
        HybridLogicalClock hlc(clock);
        const HlcTimestamp remote = HlcTimestamp::from(kT0, 0);
        const HlcTimestamp seen = hlc.observe(remote);
        QVERIFY(seen > remote);
    }

    void advanceToNeverGoesBack()
    {
        ManualClock clock(kT0);
        HybridLogicalClock hlc(clock);
        const HlcTimestamp high = HlcTimestamp::from(kT0 + 100000, 5);
        hlc.advanceTo(high);
        QCOMPARE(hlc.last().value, high.value);
        hlc.advanceTo(HlcTimestamp::from(kT0, 0));
        QCOMPARE(hlc.last().value, high.value);
        QVERIFY(hlc.tick() > high);
        // Resuming from a stored timestamp via the constructor.
        HybridLogicalClock resumed(clock, high);
        QVERIFY(resumed.tick() > high);
    }

    void textRoundTrip()
    {
        const std::vector<HlcTimestamp> values{
            {0}, {1}, {0xFFFF}, HlcTimestamp::from(kT0, 0), HlcTimestamp::from(kT0, 65535), {~0ULL}};
        for (const HlcTimestamp t : values) {
            const std::string text = beatbook::toString(t);
            QCOMPARE(text.size(), std::size_t(16));
            for (char c : text)
                QVERIFY((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
            HlcTimestamp back;
            QVERIFY(parseHlc(text, back));
            QCOMPARE(back.value, t.value);
        }
        QCOMPARE(beatbook::toString(HlcTimestamp{0}), std::string("0000000000000000"));
        QCOMPARE(beatbook::toString(HlcTimestamp{0xABCDEF}), std::string("0000000000abcdef"));
    }

    void textOrderIsTimeOrder()
    {
        ManualClock clock(kT0);
        HybridLogicalClock hlc(clock);
        std::vector<HlcTimestamp> stamps{{0}, {1}, {15}, {16}, {255}, {256}, {0xFFFFFFFF}};
        for (int i = 0; i < 50; ++i) {
            stamps.push_back(hlc.tick());
            clock.advance(i % 2 ? 0 : 1 + i * 1000);
        }
        stamps.push_back(HlcTimestamp::from(99999999999999LL, 0));
        std::vector<std::string> texts;
        for (const auto &t : stamps)
            texts.push_back(beatbook::toString(t));
        std::vector<std::string> sortedTexts = texts;
        std::sort(sortedTexts.begin(), sortedTexts.end());
        std::vector<HlcTimestamp> sortedStamps = stamps;
        std::sort(sortedStamps.begin(), sortedStamps.end());
        for (std::size_t i = 0; i < stamps.size(); ++i)
            QCOMPARE(sortedTexts[i], beatbook::toString(sortedStamps[i]));
    }

    void parseRefusesBadText_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("empty") << QByteArray("");
        QTest::newRow("15 digits") << QByteArray("000000000000000");
        QTest::newRow("17 digits") << QByteArray("00000000000000000");
        QTest::newRow("upper case") << QByteArray("00000000000000AB");
        QTest::newRow("0x prefix") << QByteArray("0x00000000000000");
        QTest::newRow("non-hex") << QByteArray("000000000000000g");
        QTest::newRow("minus") << QByteArray("-000000000000001");
        QTest::newRow("space") << QByteArray(" 000000000000001");
        QTest::newRow("NUL") << QByteArray("000000000000000\0", 16);
    }
    void parseRefusesBadText()
    {
        QFETCH(QByteArray, text);
        HlcTimestamp out{12345};
        QVERIFY(!parseHlc(std::string_view(text.constData(), static_cast<std::size_t>(text.size())), out));
    }
};

QTEST_GUILESS_MAIN(TestHlc)
#include "tst_hlc.moc"
