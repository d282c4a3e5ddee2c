// Three devices of one ward edit offline and sync with the real
// beatbook-sync-server in varying orders: they must end holding exactly what
// the server holds, row for row, and two people assigning one report at the
// same time must both be kept, flagged for review, on the server and on
// every device.

#include "domain/asblifecycle.h"
#include "store/asbreportstore.h"
#include "sync/conflictresolution.h"
#include "dbinspect.h"
#include "recordsnapshot.h"
#include "syncworld.h"

#include <nlohmann/json.hpp>

#include <QTest>

#include <vector>

using namespace beatbook;
using namespace beatbook::testing;

namespace {

using Order = std::vector<std::string>;

std::string text(Database &db, const std::string &sql)
{
    auto stmt = db.prepare(sql);
    if (!stmt)
        return "<" + stmt.error().message + ">";
    auto row = (*stmt)->step();
    std::string out = row && *row ? ((*stmt)->isNull(0) ? "<null>" : (*stmt)->columnText(0)) : "<no row>";
    (*stmt)->reset();
    return out;
}

} // namespace

Q_DECLARE_METATYPE(Order)

class TestSyncConvergence : public QObject {
    Q_OBJECT

    std::unique_ptr<SyncWorld> m_world;
    std::uint64_t m_conflictsSeen = 0;

    // Syncs the devices in order; every change must be accepted and every
    // sync must end with matching checksums.
    void syncInOrder(const Order &order)
    {
        for (const auto &name : order) {
            auto synced = m_world->device(name).sync();
            QVERIFY2(synced.ok(), (name + ": " + (synced.ok() ? "" : synced.error().message)).c_str());
            QVERIFY2(synced->rejected == 0, (name + " had a change rejected").c_str());
            QCOMPARE(synced->accepted, synced->changesSent);
            QVERIFY2(synced->verified, (name + "'s checksums do not match the server's").c_str());
            QCOMPARE(rowCount(m_world->device(name).db(), "outbox"), 0);
            m_conflictsSeen += synced->conflicts;
        }
    }

    // The round's order, then once more, so every device has every change
    // before the next round's offline edits.
    void round(const Order &order)
    {
        syncInOrder(order);
        if (QTest::currentTestFailed())
            return;
        syncInOrder(order);
    }

private slots:
    void initTestCase() { QVERIFY(barnetPack()); }

    void cleanup() { m_world.reset(); }

    void threeDevicesConverge_data()
    {
        QTest::addColumn<Order>("first");
        QTest::addColumn<Order>("second");
        QTest::addColumn<Order>("third");
        QTest::newRow("ada-ben-cat") << Order{"ada", "ben", "cat"} << Order{"ada", "ben", "cat"}
                                     << Order{"ada", "ben", "cat"};
        QTest::newRow("reversed") << Order{"cat", "ben", "ada"} << Order{"cat", "ben", "ada"}
                                  << Order{"cat", "ben", "ada"};
        QTest::newRow("mixed") << Order{"ben", "cat", "ada"} << Order{"cat", "ada", "ben"}
                               << Order{"ada", "cat", "ben"};
    }

    void threeDevicesConverge()
    {
        QFETCH(Order, first);
        QFETCH(Order, second);
        QFETCH(Order, third);
        m_world = std::make_unique<SyncWorld>(7);
        SyncWorld &w = *m_world;
        QVERIFY_OK(w.startServer());
        const std::vector<std::pair<std::string, Role>> users{
            {"ada", Role::Pcso}, {"ben", Role::Officer}, {"cat", Role::Supervisor}};
        for (const auto &[name, role] : users) {
            auto enrolled = w.enrolUser(name, role, {kBurntOak});
            QVERIFY2(enrolled.ok(), enrolled.ok() ? "" : enrolled.error().message.c_str());
        }
        SyncDevice &ada = w.device("ada");
        SyncDevice &ben = w.device("ben");
        SyncDevice &cat = w.device("cat");

        // Round 1, offline: each logs reports.
        auto r1 = w.logReport(ada, kBurntOakPoint, PersonDetails{"Agatha Primrose", "07700 900001"});
        w.tick();
        auto r2 = w.logReport(ada, kBurntOakPoint, PersonDetails{"Agatha Primrose", "07700 900001"});
        w.tick();
        auto r3 = w.logReport(ben, kBurntOakPoint, PersonDetails{"Bartholomew Quince", "07700 900002"});
        w.tick();
        auto r4 = w.logReport(cat, kBurntOakPoint);
        QVERIFY_OK(r1);
        QVERIFY_OK(r2);
        QVERIFY_OK(r3);
        QVERIFY_OK(r4);
        round(first);
        if (QTest::currentTestFailed())
            return;

        // Round 2, offline: triage, follow-ups, a note, a new report.
        w.tick();
        QVERIFY_OK(w.reports(ben).transition(*r1, AsbStatus::Triaged, ""));
        w.tick();
        QVERIFY_OK(w.reports(cat).transition(*r2, AsbStatus::Triaged, ""));
        w.tick();
        QVERIFY_OK(w.reports(ada).addFollowUp(*r3, "follow_up", "Spoke to the neighbours"));
        w.tick();
        QVERIFY_OK(w.reports(ben).addFollowUp(*r4, "note", "CCTV requested"));
        w.tick();
        auto r5 = w.logReport(cat, kBurntOakPoint, PersonDetails{"Cuthbert Oyelaran", "07700 900003"});
        QVERIFY_OK(r5);
        round(second);
        if (QTest::currentTestFailed())
            return;

        // Round 3, offline: cat and then ben assign report 1, each to
        // someone else; ada follows it up; other edits beside.
        w.tick();
        QVERIFY_OK(w.reports(cat).transition(*r1, AsbStatus::Assigned, "", std::string("pc.bravo")));
        w.tick();
        QVERIFY_OK(w.reports(ben).transition(*r1, AsbStatus::Assigned, "", std::string("pc.alpha")));
        w.tick();
        QVERIFY_OK(w.reports(ada).addFollowUp(*r1, "follow_up", "Victim called back"));
        w.tick();
        QVERIFY_OK(w.reports(cat).transition(*r3, AsbStatus::Triaged, ""));
        w.tick();
        QVERIFY_OK(w.reports(ben).transition(*r2, AsbStatus::Assigned, ""));
        m_conflictsSeen = 0;
        round(third);
        if (QTest::currentTestFailed())
            return;
        // The second of the two assignments to arrive was the concurrent one.
        QCOMPARE(m_conflictsSeen, std::uint64_t(1));

        // Every device holds what the server holds, row for row.
        auto serverDb = w.server.openDatabase();
        QVERIFY_OK(serverDb);
        const RecordSnapshot onServer = recordSnapshot(**serverDb);
        QCOMPARE(onServer.at("asb_reports").size(), std::size_t(5));
        QCOMPARE(onServer.at("people").size(), std::size_t(4));  // Agatha twice (one per report), Bartholomew, Cuthbert
        QVERIFY(onServer.at("report_events").size() >= 8);
        for (SyncDevice *device : {&ada, &ben, &cat}) {
            const RecordSnapshot held = recordSnapshot(device->db());
            const std::string diff = firstDifference(held, onServer);
            QVERIFY2(diff.empty(), (device->deviceId() + " differs from the server: " + diff).c_str());
        }
        QVERIFY(firstDifference(deviceConflicts(ada.db()), deviceConflicts(ben.db())).empty());
        QVERIFY(firstDifference(deviceConflicts(ada.db()), deviceConflicts(cat.db())).empty());
        QVERIFY(firstDifference(deviceReviewFlags(ada.db()), deviceReviewFlags(ben.db())).empty());
        QVERIFY(firstDifference(deviceReviewFlags(ada.db()), deviceReviewFlags(cat.db())).empty());

        // The concurrent assignment: the later stamp shows (ben assigned
        // after cat on the clock, whatever order they synced in), both
        // values are kept and the report waits for a supervisor.
        QCOMPARE(text(**serverDb, "SELECT assigned_to FROM asb_reports WHERE id = '" + *r1 + "'"),
                 std::string("pc.alpha"));
        QCOMPARE(text(**serverDb, "SELECT status FROM asb_reports WHERE id = '" + *r1 + "'"), std::string("assigned"));
        QCOMPARE(text(**serverDb, "SELECT needs_review FROM sync_records WHERE entity = 'asb_reports' AND id = '"
                                      + *r1 + "'"),
                 std::string("1"));
        QCOMPARE(queryCount(**serverDb, "SELECT COUNT(*) FROM sync_records WHERE needs_review = 1"), 1);
        const std::string serverConflicts =
            text(**serverDb, "SELECT conflicts FROM sync_records WHERE entity = 'asb_reports' AND id = '" + *r1 + "'");
        QVERIFY2(serverConflicts.find("pc.alpha") != std::string::npos
                     && serverConflicts.find("pc.bravo") != std::string::npos,
                 serverConflicts.c_str());
        for (SyncDevice *device : {&ada, &ben, &cat}) {
            Database &db = device->db();
            QCOMPARE(text(db, "SELECT assigned_to FROM asb_reports WHERE id = '" + *r1 + "'"), std::string("pc.alpha"));
            QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM sync_conflicts"), 1);
            const std::string values = text(db, "SELECT values_json FROM sync_conflicts WHERE entity = 'asb_reports' "
                                                "AND entity_id = '" + *r1 + "' AND field = 'assigned_to'");
            const auto parsed = nlohmann::json::parse(values, nullptr, false);
            QVERIFY2(!parsed.is_discarded() && parsed.is_array() && parsed.size() == 2, values.c_str());
            QVERIFY2(values.find("pc.alpha") != std::string::npos && values.find("pc.bravo") != std::string::npos,
                     values.c_str());
            QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM sync_review WHERE entity = 'asb_reports' AND entity_id = '"
                                        + *r1 + "'"),
                     1);
            QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM sync_review"), 1);
        }
        // Nothing else disagrees: report 2 was assigned by one person only.
        QCOMPARE(text(**serverDb, "SELECT assigned_to FROM asb_reports WHERE id = '" + *r2 + "'"), std::string("ben"));
        QCOMPARE(queryCount(**serverDb, "SELECT COUNT(*) FROM sync_changes WHERE outcome <> 'accepted'"), 0);

        // The server logged all of this without a word of personal data.
        const std::string log = w.server.log();
        QVERIFY(log.find("\"upload\"") != std::string::npos);
        for (const char *personal : {"Agatha", "Primrose", "Bartholomew", "Cuthbert", "07700",
                                     "Spoke to the neighbours", "Youths kicking"})
            QVERIFY2(log.find(personal) == std::string::npos,
                     (std::string("the server log holds ") + personal).c_str());

        // Only a supervisor resolves: the officer is refused on the device.
        auto held = heldConflicts(cat.db());
        QVERIFY_OK(held);
        QCOMPARE(held->size(), std::size_t(1));
        const FieldConflict &conflict = held->front();
        QCOMPARE(conflict.field, std::string("assigned_to"));
        QCOMPARE(conflict.values.size(), std::size_t(2));
        QCOMPARE(conflict.values[0].value.get<std::string>(), std::string("pc.bravo"));  // cat's, the older stamp
        auto refused = resolveConflict(ben.store(), "asb_reports", *r1, "assigned_to", 1);
        QVERIFY(!refused.ok() && refused.error().code == ErrorCode::NotAllowed);
        QVERIFY(!resolveConflict(cat.store(), "asb_reports", *r1, "assigned_to", 3).ok());
        QVERIFY(!resolveConflict(cat.store(), "asb_reports", *r1, "status", 1).ok());

        // The supervisor keeps the value that lost on the clock; once every
        // device has synced, the conflict and the review flag are gone
        // everywhere and the kept value shows.
        w.tick();
        QVERIFY_OK(resolveConflict(cat.store(), "asb_reports", *r1, "assigned_to", 1));
        m_conflictsSeen = 0;
        round({"cat", "ada", "ben"});
        if (QTest::currentTestFailed())
            return;
        QCOMPARE(m_conflictsSeen, std::uint64_t(0));
        QCOMPARE(text(**serverDb, "SELECT assigned_to FROM asb_reports WHERE id = '" + *r1 + "'"),
                 std::string("pc.bravo"));
        QCOMPARE(queryCount(**serverDb, "SELECT COUNT(*) FROM sync_records WHERE needs_review = 1 OR conflicts IS "
                                        "NOT NULL"),
                 0);
        for (SyncDevice *device : {&ada, &ben, &cat}) {
            Database &db = device->db();
            QCOMPARE(text(db, "SELECT assigned_to FROM asb_reports WHERE id = '" + *r1 + "'"), std::string("pc.bravo"));
            QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM sync_conflicts"), 0);
            QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM sync_review"), 0);
        }
    }
};

QTEST_GUILESS_MAIN(TestSyncConvergence)
#include "tst_syncconvergence.moc"
