#include "core/uuid.h"

#include <QTest>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

using namespace beatbook;

namespace {

constexpr TimestampMs kT0 = 1795554900000LL; // 2026-11-24T21:15:00Z

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

// The 48-bit Unix millisecond field of a version 7 UUID's text.
std::uint64_t timestampOf(const std::string &id)
{
    std::uint64_t ms = 0;
    for (std::size_t i = 0; i < 13; ++i) {
        if (i == 8)
            continue; // the dash
        ms = (ms << 4) | static_cast<std::uint64_t>(hexValue(id[i]));
    }
    return ms;
}

// The 12-bit rand_a field (used as a counter within one millisecond).
int counterOf(const std::string &id)
{
    return (hexValue(id[15]) << 8) | (hexValue(id[16]) << 4) | hexValue(id[17]);
}

bool isCanonical(const std::string &id)
{
    if (id.size() != 36)
        return false;
    for (std::size_t i = 0; i < id.size(); ++i) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (id[i] != '-')
                return false;
        } else if (hexValue(id[i]) < 0) {
            return false; // upper case is not canonical
        }
    }
    return true;
}

} // namespace

class TestUuid : public QObject {
    Q_OBJECT
private slots:
    void versionVariantAndCanonicalText()
    {
        ManualClock clock(kT0);
        SeededRandom random(42);
        UuidGenerator ids(clock, random);
        for (int i = 0; i < 200; ++i) {
            const std::string id = ids.next();
            QVERIFY2(isCanonical(id), id.c_str());
            QVERIFY2(isUuid(id), id.c_str());
            QCOMPARE(id[14], '7'); // version 7
            const int variant = hexValue(id[19]);
            QVERIFY2((variant & 0xC) == 0x8, id.c_str()); // RFC 9562 variant 10xx
            clock.advance(i % 3);
        }
    }

    void carriesTheClockMilliseconds()
    {
        ManualClock clock(kT0);
        SeededRandom random(7);
        UuidGenerator ids(clock, random);
        const std::string first = ids.next();
        QCOMPARE(timestampOf(first), static_cast<std::uint64_t>(kT0));
        clock.advance(1234);
        const std::string later = ids.next();
        QCOMPARE(timestampOf(later), static_cast<std::uint64_t>(kT0 + 1234));
        QCOMPARE(counterOf(later), 0);
    }

    void increasesWithinOneMillisecond()
    {
        ManualClock clock(kT0);
        SeededRandom random(1);
        UuidGenerator ids(clock, random);
        std::string previous = ids.next();
        std::set<std::string> seen{previous};
        for (int i = 0; i < 1000; ++i) {
            const std::string id = ids.next();
            QVERIFY2(previous < id, (previous + " !< " + id).c_str());
            QCOMPARE(timestampOf(id), static_cast<std::uint64_t>(kT0));
            QVERIFY(seen.insert(id).second);
            previous = id;
        }
    }

    void increasesPastTheCounterLimit()
    {
        // More ids in one millisecond than the 12-bit counter holds: the
        // generator borrows the next millisecond rather than wrap.
        ManualClock clock(kT0);
        SeededRandom random(2);
        UuidGenerator ids(clock, random);
        std::string previous = ids.next();
        for (int i = 0; i < 10000; ++i) {
            const std::string id = ids.next();
            QVERIFY2(previous < id, (previous + " !< " + id).c_str());
            previous = id;
        }
        QVERIFY(timestampOf(previous) > static_cast<std::uint64_t>(kT0));
        // Time catching up with the borrowed milliseconds still increases.
        clock.advance(1);
        const std::string next = ids.next();
        QVERIFY(previous < next);
    }

    void increasesAcrossMilliseconds()
    {
        ManualClock clock(kT0);
        SeededRandom random(3);
        UuidGenerator ids(clock, random);
        std::string previous = ids.next();
        for (int i = 0; i < 1000; ++i) {
            clock.advance(1 + i % 5);
            const std::string id = ids.next();
            QVERIFY2(previous < id, (previous + " !< " + id).c_str());
            QCOMPARE(timestampOf(id), static_cast<std::uint64_t>(clock.nowMs()));
            previous = id;
        }
    }

    void increasesWhenTheClockStepsBack()
    {
        ManualClock clock(kT0);
        SeededRandom random(4);
        UuidGenerator ids(clock, random);
        std::vector<std::string> made;
        made.push_back(ids.next());
        clock.advance(500);
        made.push_back(ids.next());
        clock.set(kT0 - 60 * 60 * 1000); // an hour back (NTP correction, user change)
        for (int i = 0; i < 50; ++i)
            made.push_back(ids.next());
        clock.set(kT0 + 100); // forward again, still behind the last issued
        made.push_back(ids.next());
        clock.set(kT0 + 10000); // past it
        made.push_back(ids.next());
        for (std::size_t i = 1; i < made.size(); ++i)
            QVERIFY2(made[i - 1] < made[i], (made[i - 1] + " !< " + made[i]).c_str());
        // An id never claims a time before one already issued.
        QCOMPARE(timestampOf(made[2]), static_cast<std::uint64_t>(kT0 + 500));
        QCOMPARE(timestampOf(made.back()), static_cast<std::uint64_t>(kT0 + 10000));
    }

    void randomPartDiffersBetweenDevices()
    {
        // Two devices, same clock reading: the random bits keep them apart.
        ManualClock clock(kT0);
        SeededRandom randomA(100), randomB(200);
        UuidGenerator a(clock, randomA), b(clock, randomB);
        std::set<std::string> all;
        for (int i = 0; i < 100; ++i) {
            QVERIFY(all.insert(a.next()).second);
            QVERIFY(all.insert(b.next()).second);
        }
        const std::string x = a.next(), y = b.next();
        QVERIFY(x.substr(19) != y.substr(19));
    }

    void secureRandomIdsAreUnique()
    {
        SystemClock clock;
        SecureRandom random;
        UuidGenerator ids(clock, random);
        std::set<std::string> all;
        std::string previous;
        for (int i = 0; i < 2000; ++i) {
            const std::string id = ids.next();
            QVERIFY(isUuid(id));
            QVERIFY(all.insert(id).second);
            QVERIFY(previous < id);
            previous = id;
        }
    }

    void isUuidAccepts_data()
    {
        QTest::addColumn<QString>("text");
        QTest::newRow("v7 lower") << "0192f1d2-7c3e-7a10-8b2c-1234567890ab";
        QTest::newRow("upper") << "0192F1D2-7C3E-7A10-8B2C-1234567890AB";
        QTest::newRow("mixed case") << "0192f1D2-7c3E-7a10-8B2c-1234567890aB";
        QTest::newRow("nil") << "00000000-0000-0000-0000-000000000000";
        QTest::newRow("max") << "ffffffff-ffff-ffff-ffff-ffffffffffff";
        QTest::newRow("v4") << "f47ac10b-58cc-4372-a567-0e02b2c3d479";
    }
    void isUuidAccepts()
    {
        QFETCH(QString, text);
        QVERIFY(isUuid(text.toStdString()));
    }

    void isUuidRefuses_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("empty") << QByteArray("");
        QTest::newRow("35 characters") << QByteArray("0192f1d2-7c3e-7a10-8b2c-1234567890a");
        QTest::newRow("37 characters") << QByteArray("0192f1d2-7c3e-7a10-8b2c-1234567890abc");
        QTest::newRow("no dashes") << QByteArray("0192f1d27c3e7a108b2c1234567890ab");
        QTest::newRow("no dashes, 36 long") << QByteArray("0192f1d27c3e7a108b2c1234567890ab0000");
        QTest::newRow("dash moved") << QByteArray("0192f1d-27c3e-7a10-8b2c-1234567890ab");
        QTest::newRow("underscores") << QByteArray("0192f1d2_7c3e_7a10_8b2c_1234567890ab");
        QTest::newRow("non-hex g") << QByteArray("0192f1d2-7c3e-7a10-8b2c-1234567890ag");
        QTest::newRow("braces") << QByteArray("{0192f1d2-7c3e-7a10-8b2c-1234567890}");
        QTest::newRow("urn prefix") << QByteArray("urn:uuid:0192f1d2-7c3e-7a10-8b2c-1234");
        QTest::newRow("leading space") << QByteArray(" 0192f1d2-7c3e-7a10-8b2c-1234567890a");
        QTest::newRow("sql") << QByteArray("'; DROP TABLE asb_reports; --0000000");
        QTest::newRow("embedded NUL") << QByteArray("0192f1d2-7c3e-7a10-8b2c-1234567890a\0", 36);
        QTest::newRow("non-ASCII") << QByteArray("0192f1d2-7c3e-7a10-8b2c-1234567890\xc3\xa9");
    }
    void isUuidRefuses()
    {
        QFETCH(QByteArray, text);
        QVERIFY(!isUuid(std::string_view(text.constData(), static_cast<std::size_t>(text.size()))));
    }
};

QTEST_GUILESS_MAIN(TestUuid)
#include "tst_uuid.moc"
