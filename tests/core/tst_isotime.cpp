#include "core/isotime.h"

#include <QTest>

using namespace beatbook;

class TestIsoTime : public QObject {
    Q_OBJECT
private slots:
    void parsesZonedTimes_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qlonglong>("expectedMs");
        QTest::newRow("utc") << "2026-11-24T21:15:00Z" << 1795554900000LL;
        QTest::newRow("no seconds") << "2026-11-24T21:15Z" << 1795554900000LL;
        QTest::newRow("offset") << "2026-11-24T22:15:00+01:00" << 1795554900000LL;
        QTest::newRow("negative offset") << "2026-11-24T20:15:00-01:00" << 1795554900000LL;
        QTest::newRow("millis") << "2026-11-24T21:15:00.250Z" << 1795554900250LL;
        QTest::newRow("epoch") << "1970-01-01T00:00:00Z" << 0LL;
        QTest::newRow("leap day") << "2024-02-29T12:00:00Z" << 1709208000000LL;
    }
    void parsesZonedTimes()
    {
        QFETCH(QString, text);
        QFETCH(qlonglong, expectedMs);
        const auto parsed = parseIsoTime(text.toStdString());
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().message.c_str());
        QCOMPARE(*parsed, expectedMs);
    }

    void refusesBadTimes_data()
    {
        QTest::addColumn<QString>("text");
        QTest::newRow("no zone") << "2026-11-24T21:15:00";
        QTest::newRow("date only") << "2026-11-24";
        QTest::newRow("month 13") << "2026-13-01T00:00Z";
        QTest::newRow("30 February") << "2026-02-30T00:00Z";
        QTest::newRow("29 February, not leap") << "2025-02-29T00:00Z";
        QTest::newRow("hour 24") << "2026-11-24T24:00Z";
        QTest::newRow("trailing text") << "2026-11-24T21:15:00Z; DROP TABLE";
        QTest::newRow("empty") << "";
        QTest::newRow("words") << "yesterday";
        QTest::newRow("before 1970") << "1969-12-31T23:59:59Z";
    }
    void refusesBadTimes()
    {
        QFETCH(QString, text);
        const auto parsed = parseIsoTime(text.toStdString());
        QVERIFY(!parsed.ok());
        QCOMPARE(parsed.error().code, ErrorCode::InvalidInput);
    }

    void formatsRoundTrip()
    {
        for (qint64 t : {0LL, 1795554900250LL, 951782400000LL /* 2000-02-29 */}) {
            const auto text = formatIsoTime(t);
            const auto back = parseIsoTime(text);
            QVERIFY(back.ok());
            QCOMPARE(*back, t);
        }
        QCOMPARE(formatIsoTime(1795554900250LL), std::string("2026-11-24T21:15:00.250Z"));
    }
};

QTEST_GUILESS_MAIN(TestIsoTime)
#include "tst_isotime.moc"
