#include "core/text.h"
#include "core/uuid.h"
#include "datapack/datapack.h"
#include "store/patrolstore.h"
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

// Enum values are compared with QVERIFY(a == b): QCOMPARE on a beatbook enum is
// ambiguous between QTest::toString and beatbook::toString (found by ADL).

namespace {

constexpr TimestampMs kNow = 1795554900000LL; // 2026-11-24T21:15:00Z
constexpr TimestampMs kMinute = 60 * 1000;
constexpr TimestampMs kHour = 60 * kMinute;
constexpr const char *kOtherUuid = "0190f5a2-0000-7000-8000-00000000abcd";

std::vector<PatrolParticipant> pair()
{
    return {{"Sam  Jones", Role::Champion}, {"PCSO Khan", Role::Pcso}};
}

} // namespace

class TestPatrolStore : public QObject {
    Q_OBJECT
private:
    testing::TestDevices m_devices{kNow, 777};
    const DataPack *m_pack = nullptr;

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
    }

    void init() { m_devices.clock.set(kNow); }

    void startObserveEnd()
    {
        auto store = openStore();
        QVERIFY(store);
        Database &db = store->db();
        PatrolStore patrols(*store, m_pack->wards());

        auto started = patrols.start("E05013628", pair(), kNow - kHour);
        QVERIFY2(started.ok(), started.ok() ? "" : started.error().message.c_str());
        QVERIFY(isUuid(started->id));
        QCOMPARE(started->participants.front().name, std::string("Sam Jones"));
        QCOMPARE(outboxCount(db, "joint_patrols", started->id), 1);
        QCOMPARE(db.queryInt("SELECT COUNT(*) FROM outbox").value(), 1);
        QCOMPARE(db.queryInt("SELECT COUNT(*) FROM joint_patrols WHERE created_by = 'pcso.khan'"
                             " AND ended_at IS NULL")
                     .value(),
                 1);

        auto back = patrols.get(started->id);
        QVERIFY(back.ok());
        QCOMPARE(back->wardCode, std::string("E05013628"));
        QCOMPARE(back->startedAt, kNow - kHour);
        QVERIFY(!back->endedAt);
        QCOMPARE(back->participants.size(), std::size_t(2));
        QCOMPARE(back->participants[0].name, std::string("Sam Jones"));
        QVERIFY(back->participants[0].role == Role::Champion);
        QCOMPARE(back->participants[1].name, std::string("PCSO Khan"));
        QVERIFY(back->participants[1].role == Role::Pcso);

        auto seen = patrols.observe(started->id, "Gate to the rec left open\nlock broken", kNow - 30 * kMinute,
                                    GeoPoint{51.6487, -0.1815});
        QVERIFY2(seen.ok(), seen.ok() ? "" : seen.error().message.c_str());
        QCOMPARE(seen->author, std::string("pcso.khan"));
        QCOMPARE(outboxCount(db, "patrol_observations", seen->id), 1);
        auto plain = patrols.observe(started->id, "Quiet on the high street");
        QVERIFY(plain.ok());
        QCOMPARE(plain->at, kNow);
        auto notes = patrols.observations(started->id);
        QVERIFY(notes.ok());
        QCOMPARE(notes->size(), std::size_t(2));
        QCOMPARE(notes->at(0).text, std::string("Gate to the rec left open\nlock broken"));
        QVERIFY(notes->at(0).position);
        QCOMPARE(notes->at(0).position->lat, 51.6487);
        QVERIFY(!notes->at(1).position);

        auto ended = patrols.end(started->id);
        QVERIFY2(ended.ok(), ended.ok() ? "" : ended.error().message.c_str());
        QCOMPARE(ended->endedAt.value_or(0), kNow);
        QCOMPARE(patrolHours(*ended), 1.0);
        QCOMPARE(outboxCount(db, "joint_patrols", started->id), 2);
        QCOMPARE(patrols.get(started->id)->endedAt.value_or(0), kNow);
        // The measures' query.
        QCOMPARE(db.queryInt("SELECT SUM(ended_at - started_at) FROM joint_patrols WHERE ended_at IS NOT NULL").value(),
                 kHour);

        // A note typed up just after the walk is accepted; one long after is not.
        m_devices.clock.advance(10 * kMinute);
        QVERIFY(patrols.observe(started->id, "Typed up after").ok());
        m_devices.clock.advance(10 * kMinute);
        const auto before = allRowCounts(db);
        auto late = patrols.observe(started->id, "Much later");
        QVERIFY(!late.ok());
        QVERIFY(late.error().code == ErrorCode::InvalidInput);
        QVERIFY(allRowCounts(db) == before);

        auto open = patrols.start("E05013630", pair());
        QVERIFY(open.ok());
        auto all = patrols.list();
        QVERIFY(all.ok());
        QCOMPARE(all->size(), std::size_t(2));
        QCOMPARE(all->front().id, open->id); // newest start first
        PatrolFilter openOnly;
        openOnly.openOnly = true;
        auto opened = patrols.list(openOnly);
        QCOMPARE(opened->size(), std::size_t(1));
        QCOMPARE(opened->front().id, open->id);
        PatrolFilter ward;
        ward.wardCode = "E05013628";
        QCOMPARE(patrols.list(ward)->size(), std::size_t(1));
        ward.limit = 0;
        QVERIFY(!patrols.list(ward).ok());
    }

    void refusesBadStarts_data()
    {
        QTest::addColumn<int>("which");
        QTest::addColumn<QString>("needle");
        QTest::newRow("no champion") << 0 << "champion";
        QTest::newRow("one participant") << 1 << "at least 2";
        QTest::newRow("listed twice") << 2 << "twice";
        QTest::newRow("ward not in the pack") << 3 << "not a ward of this data pack";
        QTest::newRow("malformed ward") << 4 << "2022 ONS";
        QTest::newRow("invalid UTF-8 name") << 5 << "UTF-8";
        QTest::newRow("start in the future") << 6 << "future";
        QTest::newRow("blank name") << 7 << "name";
        QTest::newRow("role out of range") << 8 << "Role";
        QTest::newRow("invalid UTF-8 ward") << 9 << "2022 ONS";
        QTest::newRow("oversized name") << 10 << "too long";
    }
    void refusesBadStarts()
    {
        QFETCH(int, which);
        QFETCH(QString, needle);
        auto store = openStore();
        QVERIFY(store);
        PatrolStore patrols(*store, m_pack->wards());
        QVERIFY(patrols.start("E05013628", pair()).ok()); // something already stored stays
        std::string ward = "E05013628";
        auto people = pair();
        std::optional<TimestampMs> at;
        switch (which) {
        case 0:
            people[0].role = Role::Officer;
            break;
        case 1:
            people.pop_back();
            break;
        case 2:
            people.push_back({"sam jones", Role::Pcso});
            break;
        case 3:
            ward = "E05099999";
            break;
        case 4:
            ward = "Barnet Vale";
            break;
        case 5:
            people[0].name = "Sam \xC0\xAF Jones";
            break;
        case 6:
            at = kNow + kHour;
            break;
        case 7:
            people[0].name = "  ";
            break;
        case 8:
            people.push_back({"Someone", static_cast<Role>(42)});
            break;
        case 9:
            ward = "E0501\xFF\xFE";
            break;
        case 10:
            people[0].name = std::string(kMaxShortText + 1, 'x');
            break;
        }
        const auto before = allRowCounts(store->db());
        auto refused = patrols.start(ward, people, at);
        QVERIFY(!refused.ok());
        QVERIFY(refused.error().code == ErrorCode::InvalidInput);
        QVERIFY2(QString::fromStdString(refused.error().message).contains(needle), refused.error().message.c_str());
        QVERIFY(allRowCounts(store->db()) == before);
    }

    void refusesBadEnds()
    {
        auto store = openStore();
        QVERIFY(store);
        Database &db = store->db();
        PatrolStore patrols(*store, m_pack->wards());
        auto patrol = patrols.start("E05013628", pair(), kNow - 2 * kHour);
        QVERIFY(patrol.ok());
        auto before = allRowCounts(db);

        auto early = patrols.end(patrol->id, kNow - 3 * kHour);
        QVERIFY(!early.ok());
        QVERIFY(early.error().code == ErrorCode::InvalidInput);
        auto future = patrols.end(patrol->id, kNow + kHour);
        QVERIFY(!future.ok());
        auto unknown = patrols.end(kOtherUuid);
        QVERIFY(!unknown.ok());
        QVERIFY(unknown.error().code == ErrorCode::NotFound);
        auto notId = patrols.end("patrol-1");
        QVERIFY(!notId.ok());
        QVERIFY(notId.error().code == ErrorCode::InvalidInput);
        QVERIFY(allRowCounts(db) == before);

        QVERIFY(patrols.end(patrol->id).ok());
        before = allRowCounts(db);
        auto twice = patrols.end(patrol->id);
        QVERIFY(!twice.ok());
        QVERIFY(twice.error().code == ErrorCode::NotAllowed);
        QVERIFY(allRowCounts(db) == before);

        // Longer than the maximum duration.
        auto old = patrols.start("E05013628", pair(), kNow - 25 * kHour);
        QVERIFY(old.ok());
        before = allRowCounts(db);
        auto tooLong = patrols.end(old->id);
        QVERIFY(!tooLong.ok());
        QVERIFY(allRowCounts(db) == before);
    }

    void refusesBadObservations_data()
    {
        QTest::addColumn<int>("which");
        QTest::addColumn<int>("code");
        const int invalid = static_cast<int>(ErrorCode::InvalidInput);
        QTest::newRow("empty text") << 0 << invalid;
        QTest::newRow("invalid UTF-8") << 1 << invalid;
        QTest::newRow("oversized text") << 2 << invalid;
        QTest::newRow("before the patrol") << 3 << invalid;
        QTest::newRow("NaN position") << 4 << invalid;
        QTest::newRow("latitude out of range") << 5 << invalid;
        QTest::newRow("unknown patrol") << 6 << static_cast<int>(ErrorCode::NotFound);
        QTest::newRow("in the future") << 7 << invalid;
        QTest::newRow("control character") << 8 << invalid;
    }
    void refusesBadObservations()
    {
        QFETCH(int, which);
        QFETCH(int, code);
        auto store = openStore();
        QVERIFY(store);
        PatrolStore patrols(*store, m_pack->wards());
        auto patrol = patrols.start("E05013628", pair(), kNow - kHour);
        QVERIFY(patrol.ok());
        QVERIFY(patrols.observe(patrol->id, "First note").ok());
        std::string id = patrol->id;
        std::string text = "Broken street light";
        std::optional<TimestampMs> at;
        std::optional<GeoPoint> position;
        switch (which) {
        case 0:
            text = " \n ";
            break;
        case 1:
            text = "Broken \xED\xA0\x80 light";
            break;
        case 2:
            text = std::string(kMaxLongText + 1, 'a');
            break;
        case 3:
            at = kNow - 2 * kHour;
            break;
        case 4:
            position = GeoPoint{std::numeric_limits<double>::quiet_NaN(), 0.0};
            break;
        case 5:
            position = GeoPoint{91.0, 0.0};
            break;
        case 6:
            id = kOtherUuid;
            break;
        case 7:
            at = kNow + kHour;
            break;
        case 8:
            text = "Broken\x1b[31m light";
            break;
        }
        const auto before = allRowCounts(store->db());
        auto refused = patrols.observe(id, text, at, position);
        QVERIFY(!refused.ok());
        QCOMPARE(static_cast<int>(refused.error().code), code);
        QVERIFY(allRowCounts(store->db()) == before);
    }

    void rolesThatDoNotPatrol()
    {
        for (Role role : {Role::Analyst, Role::Admin, Role::FireHfsv}) {
            auto store = openStore(role, "someone");
            QVERIFY(store);
            PatrolStore patrols(*store, m_pack->wards());
            const auto before = allRowCounts(store->db());
            auto refused = patrols.start("E05013628", pair());
            QVERIFY(!refused.ok());
            QVERIFY(refused.error().code == ErrorCode::NotAllowed);
            QVERIFY(allRowCounts(store->db()) == before);
        }
        auto champion = openStore(Role::Champion, "nw.patel");
        QVERIFY(champion);
        PatrolStore patrols(*champion, m_pack->wards());
        QVERIFY(patrols.start("E05013628", pair()).ok());
    }

    void observationsAreAppendOnly()
    {
        auto store = openStore();
        QVERIFY(store);
        PatrolStore patrols(*store, m_pack->wards());
        auto patrol = patrols.start("E05013628", pair());
        QVERIFY(patrol.ok());
        QVERIFY(patrols.observe(patrol->id, "Original").ok());
        QVERIFY(!store->db().exec("UPDATE patrol_observations SET text = 'Rewritten'").ok());
        QVERIFY(!store->db().exec("DELETE FROM patrol_observations").ok());
        QCOMPARE(patrols.observations(patrol->id)->front().text, std::string("Original"));
    }
};

QTEST_GUILESS_MAIN(TestPatrolStore)
#include "tst_patrolstore.moc"
