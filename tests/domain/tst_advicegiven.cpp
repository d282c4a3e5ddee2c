#include "core/text.h"
#include "domain/advicegiven.h"
#include "domain/advicelibrary.h"
#include "testdata.h"

#include <QTest>

using namespace beatbook;

// Enum values are compared with QVERIFY(a == b): QCOMPARE on a beatbook enum is
// ambiguous between QTest::toString and beatbook::toString (found by ADL).

namespace {

constexpr TimestampMs kNow = 1795554900000LL; // 2026-11-24T21:15:00Z
constexpr TimestampMs kMinute = 60 * 1000;

AdviceGiven validRecord()
{
    AdviceGiven r;
    r.id = "0190f5a2-7c3e-7a10-8b2c-1234567890ab";
    r.articleId = "burglary_home_security";
    r.articleVersion = 2;
    r.recipient = RecipientKind::Victim;
    r.mode = AdviceMode::InPerson;
    r.addressText = "12 Acacia Avenue, NW4";
    r.givenBy = "pcso.khan";
    r.givenAt = kNow - 10 * kMinute;
    r.reportId = "0190f5a2-0000-7000-8000-000000000001";
    return r;
}

} // namespace

class TestAdviceGiven : public QObject {
    Q_OBJECT
private:
    AdviceLibrary m_library;

private slots:
    void initTestCase()
    {
        auto library = AdviceLibrary::loadDirectory(testing::sourceFile("data/packs/barnet/advice"));
        QVERIFY2(library.ok(), library.ok() ? "" : library.error().message.c_str());
        m_library = std::move(library).value();
    }

    void modeNames()
    {
        QCOMPARE(toString(AdviceMode::CardLeft), std::string_view("card_left"));
        QVERIFY(enumFromString<AdviceMode>("in_person") == AdviceMode::InPerson);
        QVERIFY(enumFromString<AdviceMode>("declined") == AdviceMode::Declined);
        QVERIFY(!enumFromString<AdviceMode>("not_home"));
        QCOMPARE(toString(RecipientKind::Neighbour), std::string_view("neighbour"));
        QVERIFY(!enumFromString<RecipientKind>("Victim"));
    }

    void allowsValidRecords_data()
    {
        QTest::addColumn<int>("which");
        QTest::newRow("in person to a victim") << 0;
        QTest::newRow("an older article version") << 1;
        QTest::newRow("card left at a cocooning target") << 2;
        QTest::newRow("card left at an address") << 3;
        QTest::newRow("declined, no address") << 4;
        QTest::newRow("exactly five minutes ahead") << 5;
        QTest::newRow("upper-case uuids") << 6;
        QTest::newRow("address at the size limit") << 7;
        QTest::newRow("non-ASCII name and address") << 8;
    }
    void allowsValidRecords()
    {
        QFETCH(int, which);
        AdviceGiven r = validRecord();
        switch (which) {
        case 1:
            r.articleVersion = 1;
            break;
        case 2:
            r.articleId = "burglary_neighbour_cocooning";
            r.articleVersion = 1;
            r.recipient = RecipientKind::Neighbour;
            r.mode = AdviceMode::CardLeft;
            r.addressText.clear();
            r.reportId.clear();
            r.operationId = "0190f5a2-0000-7000-8000-0000000000aa";
            r.targetId = "0190f5a2-0000-7000-8000-0000000000bb";
            break;
        case 3:
            r.recipient = RecipientKind::Neighbour;
            r.mode = AdviceMode::CardLeft;
            r.reportId.clear();
            break;
        case 4:
            r.recipient = RecipientKind::Resident;
            r.mode = AdviceMode::Declined;
            r.addressText.clear();
            r.reportId.clear();
            break;
        case 5:
            r.givenAt = kNow + 5 * kMinute;
            break;
        case 6:
            r.id = "0190F5A2-7C3E-7A10-8B2C-1234567890AB";
            break;
        case 7:
            r.addressText = std::string(kMaxShortText, 'a');
            break;
        case 8:
            r.givenBy = "Zoë Ó Súilleabháin";
            r.addressText = "Flat 3, Gruffydd Court, Hendon";
            break;
        default:
            break;
        }
        const auto status = validateAdviceGiven(r, m_library, kNow);
        QVERIFY2(status.ok(), status.ok() ? "" : status.error().message.c_str());
    }

    void refusesBadRecords_data()
    {
        QTest::addColumn<int>("which");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("fragment");
        const int invalid = static_cast<int>(ErrorCode::InvalidInput);
        const int notFound = static_cast<int>(ErrorCode::NotFound);
        const int notAllowed = static_cast<int>(ErrorCode::NotAllowed);
        QTest::newRow("unknown article") << 0 << notFound << "no advice article";
        QTest::newRow("unknown version") << 1 << notFound << "update the app";
        QTest::newRow("version 0") << 2 << invalid << "1 or more";
        QTest::newRow("bad article id") << 3 << invalid << "article id";
        QTest::newRow("victim given neighbour-only article") << 4 << notAllowed << "not written for a victim";
        QTest::newRow("more than five minutes ahead") << 5 << invalid << "future";
        QTest::newRow("record id not a uuid") << 6 << invalid << "record id must be a UUID";
        QTest::newRow("record id empty") << 7 << invalid << "record id must be a UUID";
        QTest::newRow("report id not a uuid") << 8 << invalid << "report id must be a UUID";
        QTest::newRow("operation id not a uuid") << 9 << invalid << "operation id must be a UUID";
        QTest::newRow("target id without operation") << 10 << invalid << "needs its operation id";
        QTest::newRow("card left nowhere") << 11 << invalid << "card left needs";
        QTest::newRow("address oversized") << 12 << invalid << "address is too long";
        QTest::newRow("address invalid utf-8") << 13 << invalid << "UTF-8";
        QTest::newRow("address control character") << 14 << invalid << "control character";
        QTest::newRow("given by empty") << 15 << invalid << "given by";
        QTest::newRow("given by blank") << 16 << invalid << "given by";
        QTest::newRow("recipient out of range") << 17 << invalid << "unknown recipient kind";
        QTest::newRow("mode out of range") << 18 << invalid << "unknown advice mode";
        QTest::newRow("no time") << 19 << invalid << "after 1970";
        QTest::newRow("target id not a uuid") << 20 << invalid << "target id must be a UUID";
        QTest::newRow("card left, address blank") << 21 << invalid << "card left needs";
    }
    void refusesBadRecords()
    {
        QFETCH(int, which);
        QFETCH(int, code);
        QFETCH(QString, fragment);
        AdviceGiven r = validRecord();
        switch (which) {
        case 0: r.articleId = "shoplifting_advice"; break;
        case 1: r.articleVersion = 3; break;
        case 2: r.articleVersion = 0; break;
        case 3: r.articleId = "Burglary Home Security"; break;
        case 4: r.articleId = "burglary_neighbour_cocooning"; r.articleVersion = 1; break;
        case 5: r.givenAt = kNow + 5 * kMinute + 1; break;
        case 6: r.id = "not-a-uuid"; break;
        case 7: r.id.clear(); break;
        case 8: r.reportId = "report 42"; break;
        case 9: r.operationId = "0190f5a2-0000-7000-8000-00000000000"; break;
        case 10: r.targetId = "0190f5a2-0000-7000-8000-0000000000bb"; break;
        case 11: r.mode = AdviceMode::CardLeft; r.addressText.clear(); break;
        case 12: r.addressText = std::string(kMaxShortText + 1, 'a'); break;
        case 13: r.addressText = "12 Acacia \xff Avenue"; break;
        case 14: r.addressText = "12 Acacia\x07 Avenue"; break;
        case 15: r.givenBy.clear(); break;
        case 16: r.givenBy = "   "; break;
        case 17: r.recipient = static_cast<RecipientKind>(7); break;
        case 18: r.mode = static_cast<AdviceMode>(-1); break;
        case 19: r.givenAt = 0; break;
        case 20:
            r.operationId = "0190f5a2-0000-7000-8000-0000000000aa";
            r.targetId = "0190f5a2-0000-7000-8000-0000000000bg";
            break;
        case 21: r.mode = AdviceMode::CardLeft; r.addressText = "  "; break;
        default: QFAIL("unknown case");
        }
        const auto status = validateAdviceGiven(r, m_library, kNow);
        QVERIFY(!status.ok());
        QCOMPARE(static_cast<int>(status.error().code), code);
        QVERIFY2(status.error().message.find(fragment.toStdString()) != std::string::npos,
                 status.error().message.c_str());
    }

    void futureSkewIsConfigurable()
    {
        AdviceGiven r = validRecord();
        r.givenAt = kNow + kMinute;
        QVERIFY(validateAdviceGiven(r, m_library, kNow).ok());

        AdviceGivenSettings strict;
        strict.maxFutureSkewMs = 0;
        QVERIFY(!validateAdviceGiven(r, m_library, kNow, strict).ok());
        r.givenAt = kNow;
        QVERIFY(validateAdviceGiven(r, m_library, kNow, strict).ok());

        AdviceGivenSettings lenient;
        lenient.maxFutureSkewMs = 60 * kMinute;
        r.givenAt = kNow + 30 * kMinute;
        QVERIFY(validateAdviceGiven(r, m_library, kNow, lenient).ok());
        QVERIFY(!validateAdviceGiven(r, m_library, kNow).ok());
    }

    void emptyLibraryKnowsNoArticle()
    {
        const AdviceLibrary empty;
        const auto status = validateAdviceGiven(validRecord(), empty, kNow);
        QVERIFY(!status.ok());
        QVERIFY(status.error().code == ErrorCode::NotFound);
    }
};

QTEST_GUILESS_MAIN(TestAdviceGiven)
#include "tst_advicegiven.moc"
