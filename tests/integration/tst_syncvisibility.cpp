// Who receives what, against the real beatbook-sync-server: a champion's
// device never holds anyone else's personal data (not even in the raw bytes
// of its database files), a PCSO's device receives only their wards (and
// follows them when an administrator changes them), a revoked device is
// refused and wiped, a disabled user is refused.

#include "sync/outboxqueue.h"
#include "dbinspect.h"
#include "syncworld.h"

#include <QTest>

using namespace beatbook;
using namespace beatbook::testing;

namespace {

bool contains(const std::string &haystack, const std::string &needle)
{
    return haystack.find(needle) != std::string::npos;
}

} // namespace

class TestSyncVisibility : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY(barnetPack()); }

    void championNeverReceivesOthersPersonalData()
    {
        SyncWorld w(21);
        QVERIFY_OK(w.startServer());
        auto chloe = w.enrolUser("chloe", Role::Champion, {kBurntOak});
        auto pat = w.enrolUser("pat", Role::Pcso, {kBurntOak});
        auto olga = w.enrolUser("olga", Role::CouncilAsb, {});
        QVERIFY2(chloe.ok() && pat.ok() && olga.ok(), "enrolment failed");
        SyncDevice &champion = **chloe;

        // Others' reports in the champion's own ward, naming people.
        QVERIFY_OK(w.logReport(**pat, kBurntOakPoint, PersonDetails{"Zebedee Quartermaine", "07700 900555"},
                               "Patrol-only description one"));
        w.tick();
        QVERIFY_OK(w.logReport(**olga, kBurntOakPoint, PersonDetails{"Yolanda Pemberton", "yolanda@example.org"},
                               "Council-only description two"));
        w.tick();
        QVERIFY_OK(w.logReport(**olga, kHendonPoint, PersonDetails{"Ignatius Farthingale", "07700 900666"}));
        QVERIFY_OK((*pat)->sync());
        QVERIFY_OK((*olga)->sync());

        // The champion's own report, naming the victim she spoke to.
        w.tick();
        auto own = w.logReport(champion, kBurntOakPoint, PersonDetails{"Clementine Ashby", "07700 900777"},
                               "Champion's own description");
        QVERIFY_OK(own);
        auto synced = champion.sync();
        QVERIFY_OK(synced);
        QCOMPARE(synced->rejected, std::uint64_t(0));
        QVERIFY(synced->verified);
        QVERIFY2(synced->forgotten >= 1, "the champion's device should let go of the victim's details");
        synced = champion.sync();  // a second pull changes nothing
        QVERIFY_OK(synced);
        QCOMPARE(synced->recordsReceived, std::uint64_t(0));

        // The server has all of it, the champion's victim included.
        {
            auto serverDb = w.server.openDatabase();
            QVERIFY_OK(serverDb);
            QCOMPARE(queryCount(**serverDb, "SELECT COUNT(*) FROM people"), 4);
            QCOMPARE(queryCount(**serverDb, "SELECT COUNT(*) FROM people WHERE name = 'Clementine Ashby'"), 1);
        }

        // The champion holds her own report, no one's details (her victim's
        // row stays, blanked, for the report to point at and the repeat
        // check's match key), and nothing of anyone else's.
        Database &db = champion.db();
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM people WHERE name <> '' OR contact IS NOT NULL"), 0);
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM people p WHERE NOT EXISTS (SELECT 1 FROM asb_reports r "
                                "WHERE r.logged_by = 'chloe' AND p.id IN (r.victim_id, r.reporter_id))"),
                 0);
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM consent_records"), 0);
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM asb_reports"), 1);
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM asb_reports WHERE id = '" + *own + "' AND logged_by = 'chloe'"),
                 1);
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM report_events WHERE author <> 'chloe'"), 0);

        // Not in the files at all, in any form: as they are while the app
        // runs (the -wal file holds every page written since the last
        // checkpoint), and once it has closed the database.
        const std::string whileOpen = champion.rawFileBytes();
        champion.close();
        const std::string raw = whileOpen + champion.rawFileBytes();
        QVERIFY(!raw.empty());
        for (const char *secret : {"Zebedee", "Quartermaine", "07700 900555", "Yolanda", "Pemberton",
                                   "yolanda@example.org", "Ignatius", "Farthingale", "07700 900666",
                                   "Patrol-only description", "Council-only description"})
            QVERIFY2(!contains(raw, secret), (std::string("the champion's database files hold ") + secret).c_str());
        QVERIFY2(contains(raw, "Champion's own description"), "the grep should see what the files do hold");

        // The same check finds the names where they belong: the PCSO of the
        // ward holds the people named in the ward's reports.
        QVERIFY_OK((*pat)->sync());
        (*pat)->close();
        const std::string pcsoRaw = (*pat)->rawFileBytes();
        QVERIFY(contains(pcsoRaw, "Zebedee Quartermaine"));
        QVERIFY(contains(pcsoRaw, "Clementine Ashby"));
        QVERIFY(!contains(pcsoRaw, "Ignatius"));  // a Hendon victim
    }

    // What the champion typed herself is gone from the files once the
    // server has it (domain.md: the champion's device is an outbox for
    // personal data).
    void championForgetsHerOwnVictimFromTheFiles()
    {
        SyncWorld w(22);
        QVERIFY_OK(w.startServer());
        auto chloe = w.enrolUser("chloe", Role::Champion, {kBurntOak});
        QVERIFY2(chloe.ok(), chloe.ok() ? "" : chloe.error().message.c_str());
        SyncDevice &champion = **chloe;
        QVERIFY_OK(w.logReport(champion, kBurntOakPoint, PersonDetails{"Clementine Ashby", "07700 900777"}));
        QVERIFY_OK(champion.sync());
        QCOMPARE(queryCount(champion.db(), "SELECT COUNT(*) FROM people WHERE name <> '' OR contact IS NOT NULL"), 0);
        QCOMPARE(queryCount(champion.db(), "SELECT COUNT(*) FROM outbox"), 0);
        // As the files are while the app runs (its database open), and
        // after it closed.
        const std::string whileOpen = champion.rawFileBytes();
        champion.close();
        const std::string closed = champion.rawFileBytes();
        QVERIFY2(!contains(closed, "Clementine Ashby") && !contains(closed, "07700 900777"),
                 "the forgotten victim's details are still in the champion's database file after closing it");
        QVERIFY2(!contains(whileOpen, "Clementine Ashby") && !contains(whileOpen, "07700 900777"),
                 "the forgotten victim's name and contact are still readable in the champion's database files "
                 "(the -wal file) while the app has the database open");
    }

    void pcsoReceivesOnlyTheirWards()
    {
        SyncWorld w(23);
        QVERIFY_OK(w.startServer());
        auto olga = w.enrolUser("olga", Role::CouncilAsb, {});
        auto pat = w.enrolUser("pat", Role::Pcso, {kBurntOak});
        auto hal = w.enrolUser("hal", Role::Pcso, {kHendon});
        QVERIFY2(olga.ok() && pat.ok() && hal.ok(), "enrolment failed");

        for (int i = 0; i < 3; ++i) {
            w.tick();
            QVERIFY_OK(w.logReport(**olga, kBurntOakPoint, PersonDetails{"Bernard Oakley", "07700 900801"},
                                   "Burnt Oak matter"));
            QVERIFY_OK(w.logReport(**olga, kHendonPoint, PersonDetails{"Henrietta Dunmore", "07700 900802"},
                                   "Hendon matter"));
        }
        // Hal's own Hendon report with a follow-up.
        w.tick();
        auto halsReport = w.logReport(**hal, kHendonPoint, PersonDetails{"Horace Hendon", "07700 900803"});
        QVERIFY_OK(halsReport);
        QVERIFY_OK(w.reports(**hal).addFollowUp(*halsReport, "follow_up", "Hendon follow-up"));
        QVERIFY_OK((*olga)->sync());
        QVERIFY_OK((*hal)->sync());

        auto synced = (*pat)->sync();
        QVERIFY_OK(synced);
        QVERIFY(synced->verified);
        QCOMPARE(synced->recordsReceived, std::uint64_t(3 * 2));  // the ward's reports and their victims
        Database &db = (*pat)->db();
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM asb_reports"), 3);
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM asb_reports WHERE ward_code IS NOT '" + std::string(kBurntOak)
                                    + "'"),
                 0);
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM people WHERE name <> 'Bernard Oakley'"), 0);
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM report_events e WHERE NOT EXISTS (SELECT 1 FROM asb_reports r "
                                "WHERE r.id = e.report_id)"),
                 0);
        const std::string whileOpen = (*pat)->rawFileBytes();
        (*pat)->close();
        const std::string raw = whileOpen + (*pat)->rawFileBytes();
        for (const char *secret : {"Henrietta", "Dunmore", "07700 900802", "Horace", "07700 900803", "Hendon matter",
                                   "Hendon follow-up"})
            QVERIFY2(!contains(raw, secret), (std::string("the Burnt Oak PCSO's files hold ") + secret).c_str());

        // And the other way round.
        synced = (*hal)->sync();
        QVERIFY_OK(synced);
        QVERIFY(synced->verified);
        Database &hdb = (*hal)->db();
        QCOMPARE(queryCount(hdb, "SELECT COUNT(*) FROM asb_reports"), 4);
        QCOMPARE(queryCount(hdb, "SELECT COUNT(*) FROM asb_reports WHERE ward_code IS NOT '" + std::string(kHendon)
                                     + "'"),
                 0);
        QCOMPARE(queryCount(hdb, "SELECT COUNT(*) FROM people WHERE name = 'Bernard Oakley'"), 0);
        QVERIFY(queryCount(hdb, "SELECT COUNT(*) FROM people WHERE name = 'Henrietta Dunmore'") >= 1);
    }

    // `beatbook-admin user wards` on a running server: at its next
    // connection the device gets the new scope, is rebaselined, and lets go
    // of what it may no longer hold; widened again, it receives it back.
    void pcsoScopeFollowsTheirWards()
    {
        SyncWorld w(26);
        QVERIFY_OK(w.startServer());
        auto olga = w.enrolUser("olga", Role::CouncilAsb, {});
        auto pat = w.enrolUser("pat", Role::Pcso, {kBurntOak, kHendon});
        QVERIFY2(olga.ok() && pat.ok(), "enrolment failed");
        w.tick();
        QVERIFY_OK(w.logReport(**olga, kBurntOakPoint, PersonDetails{"Bernard Oakley", "07700 900801"},
                               "Burnt Oak matter"));
        QVERIFY_OK(w.logReport(**olga, kHendonPoint, PersonDetails{"Henrietta Dunmore", "07700 900802"},
                               "Hendon matter"));
        QVERIFY_OK((*olga)->sync());

        auto synced = (*pat)->sync();
        QVERIFY_OK(synced);
        QVERIFY(synced->verified);
        Database &db = (*pat)->db();
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM asb_reports"), 2);
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM people WHERE name = 'Henrietta Dunmore'"), 1);

        auto changed = w.server.admin({"user", "wards", "pat", "--ward", kBurntOak});
        QVERIFY_OK(changed);
        QVERIFY2(contains(*changed, "were " + std::string(kBurntOak) + "," + kHendon), changed->c_str());

        synced = (*pat)->sync();
        QVERIFY_OK(synced);
        QVERIFY(synced->verified);
        QVERIFY2(synced->recordsRemoved >= 2, "the Hendon report and its victim should have left the device");
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM asb_reports"), 1);
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM asb_reports WHERE ward_code IS NOT '" + std::string(kBurntOak)
                                    + "'"),
                 0);
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM people WHERE name = 'Henrietta Dunmore'"), 0);
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM people WHERE name = 'Bernard Oakley'"), 1);

        QVERIFY_OK(w.server.admin({"user", "wards", "pat", "--ward", kBurntOak, "--ward", kHendon}));
        synced = (*pat)->sync();
        QVERIFY_OK(synced);
        QVERIFY(synced->verified);
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM asb_reports"), 2);
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM people WHERE name = 'Henrietta Dunmore'"), 1);

        // Each change is in the audit.
        auto audit = w.server.admin({"audit", "--limit", "2"});
        QVERIFY_OK(audit);
        QVERIFY2(contains(*audit, " user_wards pat wards=" + std::string(kBurntOak) + "," + kHendon + " was="
                                      + kBurntOak),
                 audit->c_str());
    }

    void revokedDeviceIsRefusedAndWiped()
    {
        SyncWorld w(24);
        QVERIFY_OK(w.startServer());
        auto phone = w.enrolUser("pat", Role::Pcso, {kBurntOak});
        QVERIFY2(phone.ok(), phone.ok() ? "" : phone.error().message.c_str());
        auto tablet = w.enrolDevice("pat", "pat-tablet");
        QVERIFY2(tablet.ok(), tablet.ok() ? "" : tablet.error().message.c_str());
        SyncDevice &lost = **phone;

        auto synced = w.logReport(lost, kBurntOakPoint, PersonDetails{"Rosalind Revoke", "07700 900901"});
        QVERIFY_OK(synced);
        QVERIFY_OK(lost.sync());
        w.tick();
        QVERIFY_OK(w.logReport(lost, kBurntOakPoint));  // pending when the phone is lost
        const std::string lostId = lost.deviceId();

        auto listed = w.server.devices();
        QVERIFY_OK(listed);
        QCOMPARE(listed->size(), std::size_t(2));
        bool found = false;
        for (const auto &line : *listed)
            if (line.deviceId == lostId) {
                found = true;
                QCOMPARE(line.user, std::string("pat"));
                QCOMPARE(line.role, std::string("pcso"));
                QCOMPARE(line.status, std::string("active"));
            }
        QVERIFY(found);

        QVERIFY(!w.server.revokeDevice("01234567-89ab-7def-8123-456789abcdef").ok());  // unknown id: an error
        QVERIFY_OK(w.server.revokeDevice(lostId));  // while the server runs
        listed = w.server.devices();
        QVERIFY_OK(listed);
        for (const auto &line : *listed)
            QCOMPARE(line.status, std::string(line.deviceId == lostId ? "revoked" : "active"));

        QVERIFY(lost.filesExist());
        auto refused = lost.sync();
        QVERIFY(!refused.ok());
        QCOMPARE(lost.lastReport().refusal.value_or("none"), std::string("DEVICE_REVOKED"));
        QVERIFY(lost.lastReport().wiped);
        QVERIFY2(contains(refused.error().message, "wiped"), refused.error().message.c_str());
        QVERIFY(!lost.isOpen());
        QVERIFY2(!lost.filesExist(), "the revoked device's database files are still there");

        // The user's other device carries on, and holds what the lost one sent.
        auto other = (*tablet)->sync();
        QVERIFY_OK(other);
        QVERIFY(other->verified);
        QCOMPARE(queryCount((*tablet)->db(), "SELECT COUNT(*) FROM people WHERE name = 'Rosalind Revoke'"), 1);
    }

    void disabledUserIsRefused()
    {
        SyncWorld w(25);
        QVERIFY_OK(w.startServer());
        auto dan = w.enrolUser("dan", Role::Pcso, {kBurntOak});
        auto eve = w.enrolUser("eve", Role::Pcso, {kBurntOak});
        QVERIFY2(dan.ok() && eve.ok(), "enrolment failed");
        SyncDevice &device = **dan;
        QVERIFY_OK(w.logReport(device, kBurntOakPoint, PersonDetails{"Dora Disabled", "07700 900950"}));

        QVERIFY_OK(w.server.setUserDisabled("dan", true));
        auto refused = device.sync();
        QVERIFY(!refused.ok());
        QCOMPARE(device.lastReport().refusal.value_or("none"), std::string("USER_DISABLED"));
        QVERIFY(!device.lastReport().wiped);
        QVERIFY(device.isOpen());
        QVERIFY(device.filesExist());
        auto counts = OutboxQueue(device.db(), device.store().clock()).counts();
        QVERIFY_OK(counts);
        QVERIFY2(counts->pending >= 2, "the refused device must keep its changes");
        {
            auto serverDb = w.server.openDatabase();
            QVERIFY_OK(serverDb);
            QCOMPARE(queryCount(**serverDb, "SELECT COUNT(*) FROM people"), 0);
        }
        // Another user's device is not affected.
        QVERIFY_OK((*eve)->sync());

        QVERIFY_OK(w.server.setUserDisabled("dan", false));
        auto synced = device.sync();
        QVERIFY_OK(synced);
        QVERIFY(synced->verified);
        QCOMPARE(rowCount(device.db(), "outbox"), 0);
    }
};

QTEST_GUILESS_MAIN(TestSyncVisibility)
#include "tst_syncvisibility.moc"
