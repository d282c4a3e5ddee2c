#include "core/uuid.h"
#include "datapack/datapack.h"
#include "domain/advicelibrary.h"
#include "store/cocooningstore.h"
#include "dbinspect.h"
#include "teststore.h"

#include <QTest>

#include <cmath>
#include <limits>
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
constexpr TimestampMs kHour = 60 * kMinute;
constexpr GeoPoint kBarnetVale{51.64874, -0.18155}; // inside E05013628
constexpr const char *kOtherUuid = "0190f5a2-0000-7000-8000-00000000abcd";

GeoPoint north(GeoPoint p, double metres) { return {p.lat + metres / 111195.0, p.lon}; }

// Burglary at Barnet Vale; Acacia Avenue 2-10 even (5 doors) and Mill Lane
// 1-3 (3 doors); number 2 has a position 100 m north.
CocooningRequest barnetRequest()
{
    CocooningRequest r;
    r.originAddress = "14 Acacia Avenue";
    r.origin = kBarnetVale;
    r.burglaryAt = kNow - 2 * kHour;
    r.ranges.push_back(*parseAddressRange("Acacia Avenue 2-10, even"));
    r.ranges.push_back(*parseAddressRange("Mill Lane 1-3"));
    r.positions[cocooningTargetKey("Acacia Avenue", "2")] = north(kBarnetVale, 100);
    return r;
}

CocooningRequest smallRequest()
{
    CocooningRequest r;
    r.originAddress = "5 Mill Lane";
    r.wardCode = "E05013630";
    r.burglaryAt = kNow - 2 * kHour;
    r.ranges.push_back(*parseAddressRange("Mill Lane 1-3"));
    return r;
}

} // namespace

class TestCocooningStore : public QObject {
    Q_OBJECT
private:
    testing::TestDevices m_devices{kNow, 4242};
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

    void planWritesTheOperationAndItsTargets()
    {
        auto store = openStore();
        QVERIFY(store);
        CocooningStore cocooning(*store, m_pack->wards(), *m_library);
        auto planned = cocooning.plan(barnetRequest());
        QVERIFY2(planned.ok(), planned.ok() ? "" : planned.error().message.c_str());
        QVERIFY(isUuid(planned->id));
        QCOMPARE(planned->wardCode, std::string("E05013628")); // from the position
        QCOMPARE(planned->plannedBy, std::string("pcso.khan"));
        QCOMPARE(planned->plannedAt, kNow);
        QCOMPARE(planned->deadlineAt, kNow - 2 * kHour + 48 * kHour);
        QVERIFY(planned->status == CocooningStatus::Planned);
        QCOMPARE(planned->targets.size(), std::size_t(8));

        Database &db = store->db();
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM cocooning_operations"), 1);
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM cocooning_targets"), 8);
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM outbox"), 9);
        QCOMPARE(outboxCount(db, "cocooning_operations", planned->id), 1);
        for (const auto &target : planned->targets) {
            QVERIFY(isUuid(target.id));
            QCOMPARE(outboxCount(db, "cocooning_targets", target.id), 1);
        }

        auto back = cocooning.get(planned->id);
        QVERIFY2(back.ok(), back.ok() ? "" : back.error().message.c_str());
        QCOMPARE(back->originAddress, std::string("14 Acacia Avenue"));
        QVERIFY(back->origin);
        QCOMPARE(back->origin->lat, kBarnetVale.lat);
        QCOMPARE(back->radiusM, 200.0);
        QCOMPARE(back->wardCode, std::string("E05013628"));
        QCOMPARE(back->burglaryAt, kNow - 2 * kHour);
        QCOMPARE(back->deadlineAt, planned->deadlineAt);
        QVERIFY(back->status == CocooningStatus::Planned);
        QVERIFY(!back->closedAt);
        QCOMPARE(back->targets.size(), std::size_t(8));
        for (std::size_t i = 0; i < 8; ++i) {
            QCOMPARE(back->targets[i].id, planned->targets[i].id);
            QCOMPARE(back->targets[i].street, planned->targets[i].street);
            QCOMPARE(back->targets[i].houseNumber, planned->targets[i].houseNumber);
        }
        QCOMPARE(back->targets[0].houseNumber, std::string("2"));
        QVERIFY(back->targets[0].position && back->targets[0].distanceM);
        QVERIFY(std::abs(*back->targets[0].distanceM - 100.0) < 1.0);
        QVERIFY(!back->targets[1].position && !back->targets[1].distanceM);
        QCOMPARE(back->targets[5].street, std::string("Mill Lane"));

        auto listed = cocooning.list();
        QVERIFY(listed.ok());
        QCOMPARE(listed->size(), std::size_t(1));
        QCOMPARE(listed->front().targets.size(), std::size_t(8));
    }

    void wardWithoutAPosition()
    {
        auto store = openStore();
        QVERIFY(store);
        CocooningStore cocooning(*store, m_pack->wards(), *m_library);
        auto planned = cocooning.plan(smallRequest());
        QVERIFY2(planned.ok(), planned.ok() ? "" : planned.error().message.c_str());
        QCOMPARE(planned->wardCode, std::string("E05013630"));
        QVERIFY(!planned->origin);
        QCOMPARE(queryCount(store->db(), "SELECT COUNT(*) FROM cocooning_operations WHERE origin_lat IS NULL"
                                         " AND ward_code = 'E05013630'"),
                 1);
        // A ward given together with a position in that ward is fine.
        CocooningRequest both = barnetRequest();
        both.wardCode = "E05013628";
        QVERIFY(cocooning.plan(both).ok());
    }

    void refusesBadPlans_data()
    {
        QTest::addColumn<int>("which");
        QTest::addColumn<QString>("needle");
        QTest::newRow("target outside the radius") << 0 << "outside the 200 m radius";
        QTest::newRow("radius over the maximum") << 1 << "maximum";
        QTest::newRow("burglary in the future") << 2 << "future";
        QTest::newRow("invalid UTF-8 address") << 3 << "UTF-8";
        QTest::newRow("no ranges") << 4 << "at least one";
        QTest::newRow("NaN position") << 5 << "Burglary position";
        QTest::newRow("no ward and no position") << 6 << "name the ward";
        QTest::newRow("ward not in the pack") << 7 << "not a ward of this data pack";
        QTest::newRow("ward and position disagree") << 8 << "Barnet Vale";
        QTest::newRow("position outside the borough") << 9 << "outside every ward";
        QTest::newRow("malformed ward code") << 10 << "2022 ONS ward code";
        QTest::newRow("position for no target") << 11 << "not among the target addresses";
        QTest::newRow("empty origin address") << 12 << "empty";
        QTest::newRow("range too large") << 13 << "";
    }
    void refusesBadPlans()
    {
        QFETCH(int, which);
        QFETCH(QString, needle);
        auto store = openStore();
        QVERIFY(store);
        CocooningStore cocooning(*store, m_pack->wards(), *m_library);
        QVERIFY(cocooning.plan(smallRequest()).ok()); // something already stored stays
        CocooningRequest request = barnetRequest();
        switch (which) {
        case 0:
            request.positions[cocooningTargetKey("Acacia Avenue", "4")] = north(kBarnetVale, 350);
            break;
        case 1:
            request.radiusM = 450.0;
            break;
        case 2:
            request.burglaryAt = kNow + kHour;
            break;
        case 3:
            request.originAddress = "14 Acacia \xFF Avenue";
            break;
        case 4:
            request.ranges.clear();
            request.positions.clear();
            break;
        case 5:
            request.origin = GeoPoint{std::numeric_limits<double>::quiet_NaN(), -0.18};
            break;
        case 6:
            request.origin.reset();
            request.positions.clear();
            break;
        case 7:
            request.origin.reset();
            request.positions.clear();
            request.wardCode = "E05099999";
            break;
        case 8:
            request.wardCode = "E05013630";
            break;
        case 9:
            request.origin = GeoPoint{51.45, 0.20};
            request.positions.clear();
            break;
        case 10:
            request.origin.reset();
            request.positions.clear();
            request.wardCode = "Barnet Vale";
            break;
        case 11:
            request.positions[cocooningTargetKey("Acacia Avenue", "3")] = north(kBarnetVale, 50);
            break;
        case 12:
            request.originAddress = "   ";
            break;
        case 13: {
            AddressRange huge;
            huge.street = "Long Road";
            huge.from = 1;
            huge.to = 400;
            request.ranges.push_back(huge);
            break;
        }
        }
        const auto before = allRowCounts(store->db());
        auto refused = cocooning.plan(request);
        QVERIFY(!refused.ok());
        QVERIFY(refused.error().code == ErrorCode::InvalidInput);
        QVERIFY2(QString::fromStdString(refused.error().message).contains(needle), refused.error().message.c_str());
        QVERIFY(allRowCounts(store->db()) == before);
    }

    void refusesRolesThatDoNotCocoon()
    {
        for (Role role : {Role::Analyst, Role::FireHfsv, Role::Admin}) {
            auto store = openStore(role, "someone");
            QVERIFY(store);
            CocooningStore cocooning(*store, m_pack->wards(), *m_library);
            const auto before = allRowCounts(store->db());
            auto refused = cocooning.plan(barnetRequest());
            QVERIFY(!refused.ok());
            QVERIFY(refused.error().code == ErrorCode::NotAllowed);
            QVERIFY(allRowCounts(store->db()) == before);
        }
        auto champion = openStore(Role::Champion, "nw.patel");
        QVERIFY(champion);
        CocooningStore cocooning(*champion, m_pack->wards(), *m_library);
        QVERIFY(cocooning.plan(barnetRequest()).ok());
    }

    void visitsMoveTheStatusOn()
    {
        auto store = openStore();
        QVERIFY(store);
        Database &db = store->db();
        CocooningStore cocooning(*store, m_pack->wards(), *m_library);
        auto op = cocooning.plan(smallRequest());
        QVERIFY(op.ok());
        const auto &targets = op->targets;
        QCOMPARE(targets.size(), std::size_t(3));

        m_devices.clock.advance(kHour);
        auto first = cocooning.recordVisit(op->id, targets[0].id, "card_left");
        QVERIFY2(first.ok(), first.ok() ? "" : first.error().message.c_str());
        QVERIFY(first->status == CocooningStatus::InProgress);
        QCOMPARE(first->coverage.visited, 1);
        QCOMPARE(first->coverage.cardLeft, 1);
        const AdviceGiven &a = first->advice.advice;
        QCOMPARE(a.articleId, std::string("burglary_neighbour_cocooning"));
        QCOMPARE(a.articleVersion, 1);
        QVERIFY(a.recipient == RecipientKind::Neighbour);
        QVERIFY(a.mode == AdviceMode::CardLeft);
        QCOMPARE(a.addressText, std::string("1 Mill Lane"));
        QCOMPARE(a.operationId, op->id);
        QCOMPARE(a.targetId, targets[0].id);
        QCOMPARE(a.givenAt, kNow + kHour);
        QCOMPARE(first->advice.wardCode.value_or(""), std::string("E05013630"));
        // One advice row and one operation update, each with its outbox entry.
        QCOMPARE(outboxCount(db, "advice_given", a.id), 1);
        QCOMPARE(outboxCount(db, "cocooning_operations", op->id), 2);
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM outbox WHERE entity = 'cocooning_operations' AND op = 'update'"
                                " AND fields LIKE '%in_progress%'"),
                 1);
        QVERIFY(cocooning.get(op->id)->status == CocooningStatus::InProgress);

        // A second visit to the same door: the best outcome counts, and the
        // status does not change, so the operation is not rewritten.
        auto again = cocooning.recordVisit(op->id, targets[0].id, "in_person");
        QVERIFY(again.ok());
        QVERIFY(again->status == CocooningStatus::InProgress);
        QCOMPARE(again->coverage.visited, 1);
        QCOMPARE(again->coverage.inPerson, 1);
        QCOMPARE(again->coverage.cardLeft, 0);
        QCOMPARE(outboxCount(db, "cocooning_operations", op->id), 2);
        QCOMPARE(outboxCount(db, "advice_given"), 2);

        // An explicit article and version; a visit after the 48-hour window.
        auto declined = cocooning.recordVisit(op->id, targets[1].id, "declined", "burglary_home_security", 1);
        QVERIFY2(declined.ok(), declined.ok() ? "" : declined.error().message.c_str());
        QCOMPARE(declined->advice.advice.articleVersion, 1);
        m_devices.clock.set(kNow + 50 * kHour);
        auto late = cocooning.recordVisit(op->id, targets[2].id, "in_person");
        QVERIFY(late.ok());
        QVERIFY(late->status == CocooningStatus::Completed);
        QCOMPARE(outboxCount(db, "cocooning_operations", op->id), 3);

        auto coverage = cocooning.coverage(op->id);
        QVERIFY(coverage.ok());
        QCOMPARE(coverage->targets, 3);
        QCOMPARE(coverage->visited, 3);
        QCOMPARE(coverage->inPerson, 2);
        QCOMPARE(coverage->declined, 1);
        QCOMPARE(coverage->cardLeft, 0);
        QCOMPARE(coverage->visitedInWindow, 2);
        QCOMPARE(coverage->share, 1.0);
        QVERIFY(std::abs(coverage->shareInWindow - 2.0 / 3.0) < 1e-9);
        QVERIFY(cocooning.get(op->id)->status == CocooningStatus::Completed);
        auto visits = cocooning.visits(op->id);
        QVERIFY(visits.ok());
        QCOMPARE(visits->size(), std::size_t(4));
        QCOMPARE(visits->front().outcome, std::string("card_left"));

        // The measures' query: every target visited.
        QCOMPARE(queryCount(db, "SELECT COUNT(DISTINCT target_id) FROM advice_given WHERE operation_id IS NOT NULL"
                                " AND target_id IS NOT NULL"),
                 3);
        // Completed stays completed; a further visit is still recorded.
        auto extra = cocooning.recordVisit(op->id, targets[1].id, "in_person");
        QVERIFY(extra.ok());
        QVERIFY(extra->status == CocooningStatus::Completed);
        QCOMPARE(outboxCount(db, "cocooning_operations", op->id), 3);
    }

    void refusesBadVisits_data()
    {
        QTest::addColumn<int>("which");
        QTest::addColumn<int>("code");
        const int invalid = static_cast<int>(ErrorCode::InvalidInput);
        const int notFound = static_cast<int>(ErrorCode::NotFound);
        const int notAllowed = static_cast<int>(ErrorCode::NotAllowed);
        QTest::newRow("unknown outcome") << 0 << invalid;
        QTest::newRow("unknown target") << 1 << notFound;
        QTest::newRow("target of another operation") << 2 << notFound;
        QTest::newRow("unknown operation") << 3 << notFound;
        QTest::newRow("operation id not a uuid") << 4 << invalid;
        QTest::newRow("article not for neighbours") << 5 << notAllowed;
        QTest::newRow("unknown article") << 6 << notFound;
        QTest::newRow("unknown article version") << 7 << notFound;
        QTest::newRow("invalid UTF-8 outcome") << 8 << invalid;
        QTest::newRow("before the burglary") << 9 << invalid;
        QTest::newRow("far in the future") << 10 << invalid;
        QTest::newRow("outcome in capitals") << 11 << invalid;
    }
    void refusesBadVisits()
    {
        QFETCH(int, which);
        QFETCH(int, code);
        auto store = openStore();
        QVERIFY(store);
        CocooningStore cocooning(*store, m_pack->wards(), *m_library);
        auto op = cocooning.plan(smallRequest());
        auto other = cocooning.plan(barnetRequest());
        QVERIFY(op.ok() && other.ok());
        QVERIFY(cocooning.recordVisit(op->id, op->targets[0].id, "in_person").ok());

        std::string operationId = op->id;
        std::string targetId = op->targets[1].id;
        std::string outcome = "in_person";
        std::string article;
        std::optional<int> version;
        std::optional<TimestampMs> at;
        switch (which) {
        case 0:
            outcome = "not_home";
            break;
        case 1:
            targetId = kOtherUuid;
            break;
        case 2:
            targetId = other->targets[0].id;
            break;
        case 3:
            operationId = kOtherUuid;
            break;
        case 4:
            operationId = "op-1";
            break;
        case 5:
            article = "personal_safety";
            break;
        case 6:
            article = "burglary_moat";
            break;
        case 7:
            version = 3;
            break;
        case 8:
            outcome = "in_\xC3person";
            break;
        case 9:
            at = kNow - 3 * kHour;
            break;
        case 10:
            at = kNow + 2 * kHour;
            break;
        case 11:
            outcome = "IN_PERSON";
            break;
        }
        const auto before = allRowCounts(store->db());
        auto refused = cocooning.recordVisit(operationId, targetId, outcome, article, version, at);
        QVERIFY(!refused.ok());
        QCOMPARE(static_cast<int>(refused.error().code), code);
        QVERIFY(allRowCounts(store->db()) == before);
        QVERIFY(cocooning.get(op->id)->status == CocooningStatus::InProgress);
    }

    void closing()
    {
        auto store = openStore();
        QVERIFY(store);
        Database &db = store->db();
        CocooningStore cocooning(*store, m_pack->wards(), *m_library);

        // From planned a reason is needed.
        auto planned = cocooning.plan(smallRequest());
        QVERIFY(planned.ok());
        auto before = allRowCounts(db);
        auto refused = cocooning.close(planned->id);
        QVERIFY(!refused.ok());
        QVERIFY(refused.error().code == ErrorCode::NotAllowed);
        QVERIFY(allRowCounts(db) == before);
        auto badReason = cocooning.close(planned->id, "Police \xC3\x28 asked");
        QVERIFY(!badReason.ok());
        QVERIFY(allRowCounts(db) == before);

        m_devices.clock.advance(kHour);
        auto closed = cocooning.close(planned->id, "  Victim asked us not to visit neighbours ");
        QVERIFY2(closed.ok(), closed.ok() ? "" : closed.error().message.c_str());
        QVERIFY(closed->status == CocooningStatus::Completed);
        QCOMPARE(closed->closeReason, std::string("Victim asked us not to visit neighbours"));
        QCOMPARE(outboxCount(db, "cocooning_operations", planned->id), 2);
        auto back = cocooning.get(planned->id);
        QVERIFY(back.ok());
        QVERIFY(back->status == CocooningStatus::Completed);
        QCOMPARE(back->closeReason, closed->closeReason);
        QVERIFY(back->closedAt);
        QVERIFY(std::abs(*back->closedAt - (kNow + kHour)) < 1000);

        // Closing twice is refused.
        before = allRowCounts(db);
        auto twice = cocooning.close(planned->id, "again");
        QVERIFY(!twice.ok());
        QVERIFY(allRowCounts(db) == before);

        // A late visit is still recorded and the status stays completed.
        auto late = cocooning.recordVisit(planned->id, planned->targets[0].id, "in_person");
        QVERIFY(late.ok());
        QVERIFY(late->status == CocooningStatus::Completed);
        QCOMPARE(outboxCount(db, "cocooning_operations", planned->id), 2);

        // From in progress no reason is needed; closure is still recorded.
        auto started = cocooning.plan(smallRequest());
        QVERIFY(started.ok());
        QVERIFY(cocooning.recordVisit(started->id, started->targets[0].id, "in_person").ok());
        auto quiet = cocooning.close(started->id);
        QVERIFY2(quiet.ok(), quiet.ok() ? "" : quiet.error().message.c_str());
        auto quietBack = cocooning.get(started->id);
        QVERIFY(quietBack.ok());
        QVERIFY(quietBack->status == CocooningStatus::Completed);
        QVERIFY(quietBack->closedAt);
        QVERIFY(quietBack->closeReason.empty());

        // An operation completed by its visits was not closed early.
        auto full = cocooning.plan(smallRequest());
        QVERIFY(full.ok());
        for (const auto &t : full->targets)
            QVERIFY(cocooning.recordVisit(full->id, t.id, "card_left").ok());
        auto fullBack = cocooning.get(full->id);
        QVERIFY(fullBack->status == CocooningStatus::Completed);
        QVERIFY(!fullBack->closedAt);
        before = allRowCounts(db);
        QVERIFY(!cocooning.close(full->id, "done").ok());
        QVERIFY(allRowCounts(db) == before);

        QVERIFY(cocooning.close(kOtherUuid, "x").error().code == ErrorCode::NotFound);
    }

    void victimAdvice()
    {
        auto store = openStore();
        QVERIFY(store);
        Database &db = store->db();
        CocooningStore cocooning(*store, m_pack->wards(), *m_library);
        auto op = cocooning.plan(barnetRequest());
        QVERIFY(op.ok());

        m_devices.clock.advance(kHour);
        auto advised = cocooning.recordVictimAdvice(op->id);
        QVERIFY2(advised.ok(), advised.ok() ? "" : advised.error().message.c_str());
        QCOMPARE(advised->advice.articleId, std::string("burglary_home_security"));
        QCOMPARE(advised->advice.articleVersion, 2);
        QVERIFY(advised->advice.recipient == RecipientKind::Victim);
        QVERIFY(advised->advice.mode == AdviceMode::InPerson);
        QCOMPARE(advised->advice.addressText, std::string("14 Acacia Avenue"));
        QCOMPARE(advised->advice.operationId, op->id);
        QVERIFY(advised->advice.targetId.empty());
        QCOMPARE(advised->wardCode.value_or(""), std::string("E05013628"));
        QCOMPARE(outboxCount(db, "advice_given", advised->advice.id), 1);
        // The victim is not a target: the operation does not move on.
        QVERIFY(cocooning.get(op->id)->status == CocooningStatus::Planned);
        QCOMPARE(outboxCount(db, "cocooning_operations", op->id), 1);
        QCOMPARE(cocooning.coverage(op->id)->visited, 0);

        // The measure "victims advised within 48 hours".
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM cocooning_operations o WHERE EXISTS (SELECT 1 FROM advice_given a"
                                " WHERE a.operation_id = o.id AND a.recipient_kind = 'victim'"
                                " AND a.given_at <= o.burglary_at + 172800000)"),
                 1);

        const auto before = allRowCounts(db);
        auto wrong = cocooning.recordVictimAdvice(op->id, "burglary_neighbour_cocooning");
        QVERIFY(!wrong.ok());
        QVERIFY(wrong.error().code == ErrorCode::NotAllowed);
        auto early = cocooning.recordVictimAdvice(op->id, {}, std::nullopt, AdviceMode::InPerson, kNow - 5 * kHour);
        QVERIFY(!early.ok());
        QVERIFY(early.error().code == ErrorCode::InvalidInput);
        QVERIFY(!cocooning.recordVictimAdvice(kOtherUuid).ok());
        QVERIFY(allRowCounts(db) == before);

        auto card = cocooning.recordVictimAdvice(op->id, "distraction_burglary_rogue_traders", 1, AdviceMode::CardLeft);
        QVERIFY2(card.ok(), card.ok() ? "" : card.error().message.c_str());
        QVERIFY(card->advice.mode == AdviceMode::CardLeft);
    }

    void databaseKeepsVisitsImmutable()
    {
        auto store = openStore();
        QVERIFY(store);
        CocooningStore cocooning(*store, m_pack->wards(), *m_library);
        auto op = cocooning.plan(smallRequest());
        QVERIFY(op.ok());
        QVERIFY(cocooning.recordVisit(op->id, op->targets[0].id, "card_left").ok());
        QVERIFY(!store->db().exec("UPDATE advice_given SET mode = 'in_person'").ok());
        QVERIFY(!store->db().exec("DELETE FROM advice_given").ok());
        QCOMPARE(cocooning.coverage(op->id)->cardLeft, 1);
    }
};

QTEST_GUILESS_MAIN(TestCocooningStore)
#include "tst_cocooningstore.moc"
