#include "core/text.h"
#include "core/uuid.h"
#include "datapack/datapack.h"
#include "domain/advicelibrary.h"
#include "store/advicestore.h"
#include "store/asbreportstore.h"
#include "store/cocooningstore.h"
#include "dbinspect.h"
#include "teststore.h"

#include <QTest>

#include <map>
#include <memory>

using namespace beatbook;
using beatbook::testing::allRowCounts;
using beatbook::testing::outboxCount;
using beatbook::testing::queryCount;

// Enum values are compared with QVERIFY(a == b): QCOMPARE on a beatbook enum is
// ambiguous between QTest::toString and beatbook::toString (found by ADL).

namespace {

constexpr TimestampMs kNow = 1795554900000LL; // 2026-11-24T21:15:00Z
constexpr TimestampMs kMinute = 60 * 1000;
constexpr GeoPoint kBarnetVale{51.64874, -0.18155}; // inside E05013628

AdviceGiven victimAdvice()
{
    AdviceGiven a;
    a.articleId = "burglary_home_security";
    a.articleVersion = 2;
    a.recipient = RecipientKind::Victim;
    a.mode = AdviceMode::InPerson;
    a.addressText = "12  Acacia Avenue,   NW4";
    return a;
}

} // namespace

class TestAdviceStore : public QObject {
    Q_OBJECT
private:
    testing::TestDevices m_devices{kNow, 20261124};
    const DataPack *m_pack = nullptr;
    const AdviceLibrary *m_library = nullptr;

    std::unique_ptr<DeviceStore> openStore(Role role = Role::Pcso, const std::string &user = "pcso.khan")
    {
        return m_devices.openNew(testing::testProfile(role, user, m_pack->directory()));
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_devices.dir.isValid());
        m_pack = testing::barnetPack();
        QVERIFY(m_pack);
        m_library = testing::barnetAdviceLibrary();
        QVERIFY(m_library);
    }

    void init() { m_devices.clock.set(kNow); }

    void recordsAndReadsBack()
    {
        auto store = openStore();
        QVERIFY(store);
        AdviceStore advice(*store, *m_library);
        auto recorded = advice.record(victimAdvice());
        QVERIFY2(recorded.ok(), recorded.ok() ? "" : recorded.error().message.c_str());
        const AdviceGiven &a = recorded->advice;
        QVERIFY(isUuid(a.id));
        QCOMPARE(a.givenBy, std::string("pcso.khan"));
        QCOMPARE(a.givenAt, kNow);
        QCOMPARE(a.addressText, std::string("12 Acacia Avenue, NW4"));
        QVERIFY(!recorded->wardCode);
        QVERIFY(recorded->givenByRole == Role::Pcso);

        Database &db = store->db();
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM advice_given"), 1);
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM outbox"), 1);
        QCOMPARE(outboxCount(db, "advice_given", a.id), 1);
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM outbox WHERE op = 'create'"), 1);
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM advice_given WHERE recipient_kind = 'victim'"
                                " AND mode = 'in_person' AND given_by_role = 'pcso' AND article_version = 2"
                                " AND ward_code IS NULL AND report_id IS NULL AND operation_id IS NULL"
                                " AND target_id IS NULL"),
                 1);

        auto listed = advice.list();
        QVERIFY(listed.ok());
        QCOMPARE(listed->size(), std::size_t(1));
        const AdviceRecord &back = listed->front();
        QCOMPARE(back.advice.id, a.id);
        QCOMPARE(back.advice.articleId, std::string("burglary_home_security"));
        QCOMPARE(back.advice.articleVersion, 2);
        QVERIFY(back.advice.recipient == RecipientKind::Victim);
        QVERIFY(back.advice.mode == AdviceMode::InPerson);
        QCOMPARE(back.advice.addressText, a.addressText);
        QCOMPARE(back.advice.givenBy, a.givenBy);
        QCOMPARE(back.advice.givenAt, kNow);
        QVERIFY(back.advice.reportId.empty());
        QVERIFY(back.givenByRole == Role::Pcso);
    }

    void keepsAGivenTimeAndAnOlderVersion()
    {
        auto store = openStore();
        QVERIFY(store);
        AdviceStore advice(*store, *m_library);
        AdviceGiven input = victimAdvice();
        input.articleVersion = 1;
        input.givenAt = kNow - 30 * kMinute;
        auto recorded = advice.record(input);
        QVERIFY2(recorded.ok(), recorded.ok() ? "" : recorded.error().message.c_str());
        QCOMPARE(recorded->advice.givenAt, kNow - 30 * kMinute);
        auto listed = advice.list();
        QVERIFY(listed.ok());
        QCOMPARE(listed->front().advice.articleVersion, 1);
        QCOMPARE(listed->front().advice.givenAt, kNow - 30 * kMinute);
    }

    void wardComesFromTheReport()
    {
        auto store = openStore();
        QVERIFY(store);
        AsbReportStore reports(*store, m_pack->wards());
        NewAsbReport report;
        report.type = AsbType::CriminalDamage;
        report.qualifier = AsbQualifier::Personal;
        report.occurredAt = kNow - 60 * kMinute;
        report.lat = kBarnetVale.lat;
        report.lon = kBarnetVale.lon;
        report.description = "Shed broken into";
        auto logged = reports.log(report);
        QVERIFY2(logged.ok(), logged.ok() ? "" : logged.error().message.c_str());
        QCOMPARE(logged->report.wardCode.value_or(""), std::string("E05013628"));

        AdviceStore advice(*store, *m_library);
        AdviceGiven input = victimAdvice();
        input.reportId = logged->report.id;
        auto recorded = advice.record(input);
        QVERIFY2(recorded.ok(), recorded.ok() ? "" : recorded.error().message.c_str());
        QCOMPARE(recorded->wardCode.value_or(""), std::string("E05013628"));
        QCOMPARE(queryCount(store->db(), "SELECT COUNT(*) FROM advice_given WHERE ward_code = 'E05013628'"), 1);

        // Another record, not linked, so the filter has something to leave out.
        QVERIFY(advice.record(victimAdvice()).ok());
        AdviceFilter byReport;
        byReport.reportId = logged->report.id;
        auto listed = advice.list(byReport);
        QVERIFY(listed.ok());
        QCOMPARE(listed->size(), std::size_t(1));
        QCOMPARE(listed->front().advice.reportId, logged->report.id);
        QCOMPARE(listed->front().wardCode.value_or(""), std::string("E05013628"));
        auto all = advice.list();
        QVERIFY(all.ok());
        QCOMPARE(all->size(), std::size_t(2));
        AdviceFilter limited;
        limited.limit = 1;
        QCOMPARE(advice.list(limited)->size(), std::size_t(1));
        limited.limit = 0;
        QVERIFY(!advice.list(limited).ok());
    }

    void wardComesFromTheOperation()
    {
        auto store = openStore();
        QVERIFY(store);
        CocooningStore cocooning(*store, m_pack->wards(), *m_library);
        CocooningRequest request;
        request.originAddress = "14 Acacia Avenue";
        request.wardCode = "E05013630";
        request.burglaryAt = kNow - 120 * kMinute;
        request.ranges.push_back(*parseAddressRange("Acacia Avenue 2-6, even"));
        auto op = cocooning.plan(request);
        QVERIFY2(op.ok(), op.ok() ? "" : op.error().message.c_str());

        AdviceStore advice(*store, *m_library);
        AdviceGiven input = victimAdvice();
        input.operationId = op->id;
        auto recorded = advice.record(input);
        QVERIFY2(recorded.ok(), recorded.ok() ? "" : recorded.error().message.c_str());
        QCOMPARE(recorded->wardCode.value_or(""), std::string("E05013630"));
        AdviceFilter byOperation;
        byOperation.operationId = op->id;
        QCOMPARE(advice.list(byOperation)->size(), std::size_t(1));

        // A visit to a target goes through the cocooning store, which moves
        // the operation on; the advice store alone would leave it behind.
        AdviceGiven visit = input;
        visit.recipient = RecipientKind::Neighbour;
        visit.targetId = op->targets.front().id;
        const auto before = allRowCounts(store->db());
        auto refused = advice.record(visit);
        QVERIFY(!refused.ok());
        QVERIFY(refused.error().code == ErrorCode::InvalidInput);
        QVERIFY(allRowCounts(store->db()) == before);
    }

    void refusesBadInput_data()
    {
        QTest::addColumn<int>("which");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("needle");
        const int invalid = static_cast<int>(ErrorCode::InvalidInput);
        const int notFound = static_cast<int>(ErrorCode::NotFound);
        const int notAllowed = static_cast<int>(ErrorCode::NotAllowed);
        QTest::newRow("unknown article") << 0 << notFound << "no advice article";
        QTest::newRow("unknown version") << 1 << notFound << "update the app";
        QTest::newRow("wrong audience") << 2 << notAllowed << "not written for a victim";
        QTest::newRow("card left nowhere") << 3 << invalid << "card left";
        QTest::newRow("invalid UTF-8 address") << 4 << invalid << "UTF-8";
        QTest::newRow("oversized address") << 5 << invalid << "address";
        QTest::newRow("unknown report") << 6 << notFound << "no report";
        QTest::newRow("report id not a uuid") << 7 << invalid << "report id";
        QTest::newRow("unknown operation") << 8 << notFound << "no cocooning operation";
        QTest::newRow("far in the future") << 9 << invalid << "future";
        QTest::newRow("bad article id") << 10 << invalid << "article id";
        QTest::newRow("version zero") << 11 << invalid << "version";
        QTest::newRow("recipient out of range") << 12 << invalid << "recipient";
        QTest::newRow("control character in address") << 13 << invalid << "address";
    }
    void refusesBadInput()
    {
        QFETCH(int, which);
        QFETCH(int, code);
        QFETCH(QString, needle);
        auto store = openStore();
        QVERIFY(store);
        AdviceStore advice(*store, *m_library);
        QVERIFY(advice.record(victimAdvice()).ok()); // something already stored stays
        AdviceGiven input = victimAdvice();
        switch (which) {
        case 0:
            input.articleId = "burglary_moat_and_drawbridge";
            break;
        case 1:
            input.articleVersion = 9;
            break;
        case 2:
            input.articleId = "burglary_neighbour_cocooning";
            input.articleVersion = 1;
            break;
        case 3:
            input.mode = AdviceMode::CardLeft;
            input.addressText = "   ";
            break;
        case 4:
            input.addressText = "12 Acacia \xC3\x28 Avenue";
            break;
        case 5:
            input.addressText = std::string(kMaxShortText + 1, 'a');
            break;
        case 6:
            input.reportId = "0190f5a2-0000-7000-8000-000000000001";
            break;
        case 7:
            input.reportId = "report-1";
            break;
        case 8:
            input.operationId = "0190f5a2-0000-7000-8000-000000000002";
            break;
        case 9:
            input.givenAt = kNow + 60 * kMinute;
            break;
        case 10:
            input.articleId = "Burglary Home Security";
            break;
        case 11:
            input.articleVersion = 0;
            break;
        case 12:
            input.recipient = static_cast<RecipientKind>(7);
            break;
        case 13:
            input.addressText = "12 Acacia\x07 Avenue";
            break;
        }
        const auto before = allRowCounts(store->db());
        auto refused = advice.record(input);
        QVERIFY(!refused.ok());
        QCOMPARE(static_cast<int>(refused.error().code), code);
        QVERIFY2(QString::fromStdString(refused.error().message).contains(needle),
                 refused.error().message.c_str());
        QVERIFY(allRowCounts(store->db()) == before);
    }

    void rolesAndTopics()
    {
        // An analyst records no advice.
        {
            auto store = openStore(Role::Analyst, "analyst.one");
            QVERIFY(store);
            AdviceStore advice(*store, *m_library);
            const auto before = allRowCounts(store->db());
            auto refused = advice.record(victimAdvice());
            QVERIFY(!refused.ok());
            QVERIFY(refused.error().code == ErrorCode::NotAllowed);
            QVERIFY(allRowCounts(store->db()) == before);
        }
        // A fire-brigade visitor gives fire advice, and only fire advice.
        {
            auto store = openStore(Role::FireHfsv, "hfsv.jones");
            QVERIFY(store);
            AdviceStore advice(*store, *m_library);
            const auto before = allRowCounts(store->db());
            auto refused = advice.record(victimAdvice());
            QVERIFY(!refused.ok());
            QVERIFY(refused.error().code == ErrorCode::NotAllowed);
            QVERIFY2(refused.error().message.find("fire_safety") != std::string::npos, refused.error().message.c_str());
            QVERIFY(allRowCounts(store->db()) == before);

            AdviceGiven fire = victimAdvice();
            fire.articleId = "fire_safety_at_home";
            fire.articleVersion = 1;
            fire.recipient = RecipientKind::Resident;
            auto recorded = advice.record(fire);
            QVERIFY2(recorded.ok(), recorded.ok() ? "" : recorded.error().message.c_str());
            QVERIFY(recorded->givenByRole == Role::FireHfsv);
            QCOMPARE(queryCount(store->db(), "SELECT COUNT(*) FROM advice_given WHERE given_by_role = 'fire_hfsv'"), 1);
        }
        // A champion may.
        {
            auto store = openStore(Role::Champion, "nw.patel");
            QVERIFY(store);
            AdviceStore advice(*store, *m_library);
            QVERIFY(advice.record(victimAdvice()).ok());
        }
    }

    void refusesAnUninitialisedStore()
    {
        auto store = m_devices.openNewUninitialised();
        QVERIFY(store);
        AdviceStore advice(*store, *m_library);
        auto refused = advice.record(victimAdvice());
        QVERIFY(!refused.ok());
        QVERIFY(refused.error().code == ErrorCode::NotAllowed);
        QCOMPARE(queryCount(store->db(), "SELECT COUNT(*) FROM advice_given"), 0);
    }

    void recordsAreImmutable()
    {
        auto store = openStore();
        QVERIFY(store);
        AdviceStore advice(*store, *m_library);
        auto recorded = advice.record(victimAdvice());
        QVERIFY(recorded.ok());
        Database &db = store->db();
        auto update = db.exec("UPDATE advice_given SET mode = 'declined'");
        QVERIFY(!update.ok());
        QVERIFY2(update.error().message.find("immutable") != std::string::npos, update.error().message.c_str());
        QVERIFY(!db.exec("DELETE FROM advice_given").ok());
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM advice_given WHERE mode = 'in_person'"), 1);
        auto listed = advice.list();
        QVERIFY(listed.ok());
        QVERIFY(listed->front().advice.mode == AdviceMode::InPerson);
    }

    void listsNewestFirst()
    {
        auto store = openStore();
        QVERIFY(store);
        AdviceStore advice(*store, *m_library);
        AdviceGiven older = victimAdvice();
        older.givenAt = kNow - 10 * kMinute;
        auto first = advice.record(older);
        auto second = advice.record(victimAdvice());
        QVERIFY(first.ok() && second.ok());
        auto listed = advice.list();
        QVERIFY(listed.ok());
        QCOMPARE(listed->size(), std::size_t(2));
        QCOMPARE(listed->at(0).advice.id, second->advice.id);
        QCOMPARE(listed->at(1).advice.id, first->advice.id);
        QCOMPARE(outboxCount(store->db(), "advice_given"), 2);
    }
};

QTEST_GUILESS_MAIN(TestAdviceStore)
#include "tst_advicestore.moc"
