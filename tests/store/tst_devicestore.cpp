#include "core/clock.h"
#include "core/randomsource.h"
#include "datapack/datapack.h"
#include "store/asbreportstore.h"
#include "store/devicestore.h"
#include "dbinspect.h"
#include "testdata.h"

#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <filesystem>
#include <set>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

using namespace beatbook;
using namespace beatbook::testing;

namespace {

DeviceProfile pcso()
{
    DeviceProfile profile;
    profile.userName = "PCSO Crash";
    profile.role = Role::Pcso;
    return profile;
}

NewAsbReport sampleReport(int i, TimestampMs now)
{
    NewAsbReport r;
    r.type = AsbType::Noise;
    r.qualifier = AsbQualifier::Personal;
    r.occurredAt = now - 60000;
    r.lat = 51.60551;
    r.lon = -0.26064;
    r.addressText = std::to_string(i % 40) + " Crash Close";
    r.victim = PersonDetails{"Victim " + std::to_string(i % 25), ""};
    r.description = "Report " + std::to_string(i);
    return r;
}

// Runs in a forked child: logs reports for ever, telling the parent each id
// once its transaction has committed. Never returns.
[[noreturn]] void writerLoop(const std::string &path, int pipeFd)
{
    SystemClock clock;
    SecureRandom random;
    auto store = DeviceStore::open(path, clock, random);
    auto pack = DataPack::load(sourceFile("data/packs/barnet"));
    if (!store || !pack)
        _exit(3);
    AsbReportStore reports(**store, pack->wards());
    for (int i = 0;; ++i) {
        auto logged = reports.log(sampleReport(i, clock.nowMs()));
        if (!logged)
            _exit(4);
        const std::string line = logged->report.id + "\n";
        if (write(pipeFd, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
            _exit(5);
    }
}

// Reads whole lines from fd until `wanted` lines have arrived.
std::vector<std::string> readLines(int fd, std::size_t wanted, std::string &pending)
{
    std::vector<std::string> lines;
    char buf[4096];
    while (lines.size() < wanted) {
        const ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0)
            break;
        pending.append(buf, static_cast<std::size_t>(n));
        std::size_t nl;
        while ((nl = pending.find('\n')) != std::string::npos) {
            lines.push_back(pending.substr(0, nl));
            pending.erase(0, nl + 1);
        }
    }
    return lines;
}

// Every record has its outbox entry and every entry its record.
void verifyConsistent(Database &db)
{
    QCOMPARE(integrityCheck(db), std::string("ok"));
    for (const char *table : {"asb_reports", "people"}) {
        const std::string t(table);
        auto orphans = db.queryInt("SELECT COUNT(*) FROM " + t + " r WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE "
                                   "o.entity = '" + t + "' AND o.entity_id = r.id AND o.op = 'create')");
        QCOMPARE(*orphans, 0);
        auto ghosts = db.queryInt("SELECT COUNT(*) FROM outbox o WHERE o.entity = '" + t
                                  + "' AND NOT EXISTS (SELECT 1 FROM " + t + " r WHERE r.id = o.entity_id)");
        QCOMPARE(*ghosts, 0);
    }
    auto fk = db.queryInt("SELECT COUNT(*) FROM pragma_foreign_key_check");
    QCOMPARE(*fk, 0);
}

} // namespace

class TestDeviceStore : public QObject {
    Q_OBJECT
private slots:
    void initialiseRecordsTheProfileOnce()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("p.db").toStdString();
        ManualClock clock(1767225600000);
        SeededRandom random(3);
        std::string deviceId;
        {
            auto store = DeviceStore::open(path, clock, random);
            QVERIFY(store.ok());
            QVERIFY(!(*store)->isInitialised());
            DeviceProfile profile = pcso();
            profile.wards = {"E05013630", "E05013631"};
            auto done = (*store)->initialise(profile);
            QVERIFY(done.ok());
            deviceId = done->deviceId;
            QVERIFY(isUuid(deviceId));
            QCOMPARE(done->matchKeyHex.size(), std::size_t(64));
            QVERIFY(!(*store)->initialise(pcso()).ok()); // only once
        }
        auto reopened = DeviceStore::open(path, clock, random);
        QVERIFY(reopened.ok());
        QVERIFY((*reopened)->isInitialised());
        QCOMPARE((*reopened)->profile().deviceId, deviceId);
        QCOMPARE((*reopened)->profile().userName, std::string("PCSO Crash"));
        QVERIFY((*reopened)->profile().wards == std::vector<std::string>({"E05013630", "E05013631"}));
    }

    // The same store runs in memory (for tools and tests that keep nothing).
    void worksInMemoryToo()
    {
        ManualClock clock(1767225600000);
        SeededRandom random(3);
        auto store = DeviceStore::open(":memory:", clock, random);
        QVERIFY2(store.ok(), store.ok() ? "" : store.error().message.c_str());
        QVERIFY((*store)->initialise(pcso()).ok());
        auto pack = DataPack::load(sourceFile("data/packs/barnet"));
        QVERIFY(pack.ok());
        AsbReportStore reports(**store, pack->wards());
        QVERIFY(reports.log(sampleReport(1, clock.nowMs())).ok());
        QCOMPARE(rowCount((*store)->db(), "asb_reports"), 1);
        QCOMPARE(rowCount((*store)->db(), "outbox"), 2); // the report and its victim
        verifyConsistent((*store)->db());
    }

    void refusesABadProfile()
    {
        QTemporaryDir dir;
        ManualClock clock(1767225600000);
        SeededRandom random(3);
        auto store = DeviceStore::open(dir.filePath("bad.db").toStdString(), clock, random);
        QVERIFY(store.ok());
        DeviceProfile blank = pcso();
        blank.userName = "   ";
        QVERIFY(!(*store)->initialise(blank).ok());
        DeviceProfile badUtf8 = pcso();
        badUtf8.userName = "Bad \xC3\x28 name";
        QVERIFY(!(*store)->initialise(badUtf8).ok());
        DeviceProfile badKey = pcso();
        badKey.matchKeyHex = "not hex";
        QVERIFY(!(*store)->initialise(badKey).ok());
        QVERIFY(!(*store)->isInitialised());
        QCOMPARE(rowCount((*store)->db(), "device_meta"), 0);
    }

    // The keyed match hash folds spelling but never equals the name.
    void matchKeysFoldSpellingAndHideNames()
    {
        QTemporaryDir dir;
        ManualClock clock(1767225600000);
        SeededRandom random(3);
        auto store = DeviceStore::open(dir.filePath("k.db").toStdString(), clock, random);
        QVERIFY((*store)->initialise(pcso()).ok());
        const auto a = (*store)->matchKey("Jo Bloggs");
        QCOMPARE((*store)->matchKey("  jo   BLOGGS "), a);
        QVERIFY((*store)->matchKey("Jo Blogs") != a);
        QVERIFY(a.find("bloggs") == std::string::npos);
        QCOMPARE(a.size(), std::size_t(64));
    }

    void theClockResumesAboveWhatWasIssued()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("c.db").toStdString();
        ManualClock clock(1767225600000);
        SeededRandom random(3);
        HlcTimestamp last;
        {
            auto store = DeviceStore::open(path, clock, random);
            QVERIFY((*store)->initialise(pcso()).ok());
            auto pack = DataPack::load(sourceFile("data/packs/barnet"));
            QVERIFY(pack.ok());
            AsbReportStore reports(**store, pack->wards());
            QVERIFY(reports.log(sampleReport(1, clock.nowMs())).ok());
            last = (*store)->lastHlc();
        }
        clock.set(1767225600000 - 3600 * 1000); // the device clock went back an hour
        auto store = DeviceStore::open(path, clock, random);
        QVERIFY((*store)->lastHlc() >= last);
    }

    // Enrolment replaces the locally typed identity with the server's; the
    // pack chosen at set-up stays.
    void adoptsTheEnrolledIdentity()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("id.db").toStdString();
        ManualClock clock(1767225600000);
        SeededRandom random(3);
        {
            auto store = DeviceStore::open(path, clock, random);
            QVERIFY(store.ok());
            DeviceProfile enrolled = pcso();
            enrolled.deviceId = "dev-1";
            enrolled.matchKeyHex = std::string(64, '1');
            QVERIFY(!(*store)->adoptIdentity(enrolled).ok()); // not initialised
            DeviceProfile local = pcso();
            local.packDirectory = "/packs/barnet";
            QVERIFY((*store)->initialise(local).ok());
            enrolled.userName = "pat";
            enrolled.role = Role::Champion;
            enrolled.wards = {"E05013630"};
            QVERIFY((*store)->adoptIdentity(enrolled).ok());
            QCOMPARE((*store)->profile().deviceId, std::string("dev-1"));
            // Refused: nothing changes.
            DeviceProfile bad = enrolled;
            bad.matchKeyHex = "short";
            QVERIFY(!(*store)->adoptIdentity(bad).ok());
            bad = enrolled;
            bad.deviceId.clear();
            QVERIFY(!(*store)->adoptIdentity(bad).ok());
            bad = enrolled;
            bad.userName = " ";
            QVERIFY(!(*store)->adoptIdentity(bad).ok());
        }
        auto store = DeviceStore::open(path, clock, random);
        QVERIFY(store.ok());
        const DeviceProfile &profile = (*store)->profile();
        QCOMPARE(profile.deviceId, std::string("dev-1"));
        QCOMPARE(profile.userName, std::string("pat"));
        QVERIFY(profile.role == Role::Champion);
        QVERIFY(profile.wards == std::vector<std::string>{"E05013630"});
        QCOMPARE(profile.matchKeyHex, std::string(64, '1'));
        QCOMPARE(profile.packDirectory, std::string("/packs/barnet"));
    }

    // A version received from another device moves the clock on, also
    // across a restart with the wall clock set back.
    void theClockResumesAboveWhatWasObserved()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("o.db").toStdString();
        ManualClock clock(1767225600000);
        SeededRandom random(3);
        const HlcTimestamp seen = HlcTimestamp::from(1767225600000 + 86400000, 3);
        {
            auto store = DeviceStore::open(path, clock, random);
            QVERIFY((*store)->initialise(pcso()).ok());
            QVERIFY((*store)->observeHlc(seen).ok());
            QVERIFY((*store)->lastHlc() >= seen);
            // An older one changes nothing.
            QVERIFY((*store)->observeHlc(HlcTimestamp::from(1000, 0)).ok());
            QVERIFY((*store)->lastHlc() >= seen);
        }
        clock.set(1767225600000 - 3600 * 1000);
        auto store = DeviceStore::open(path, clock, random);
        QVERIFY((*store)->lastHlc() >= seen);
    }

    void wipeDeletesTheDatabaseFiles()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("w.db").toStdString();
        ManualClock clock(1767225600000);
        SeededRandom random(3);
        auto store = DeviceStore::open(path, clock, random);
        QVERIFY((*store)->initialise(pcso()).ok());
        auto pack = DataPack::load(sourceFile("data/packs/barnet"));
        QVERIFY(pack.ok());
        AsbReportStore reports(**store, pack->wards());
        QVERIFY(reports.log(sampleReport(1, clock.nowMs())).ok());
        QVERIFY(std::filesystem::exists(path));
        QVERIFY((*store)->wipe().ok());
        QVERIFY(!(*store)->isOpen());
        QVERIFY(!(*store)->isInitialised());
        for (const std::string &file : {path, path + "-wal", path + "-shm"})
            QVERIFY2(!std::filesystem::exists(file), file.c_str());
        QVERIFY(!(*store)->write([](WriteTxn &) -> Status { return {}; }).ok());
        QVERIFY((*store)->wipe().ok()); // again: nothing left to do
        // Opening the path again starts an empty database.
        auto fresh = DeviceStore::open(path, clock, random);
        QVERIFY(fresh.ok());
        QVERIFY(!(*fresh)->isInitialised());
        QCOMPARE(rowCount((*fresh)->db(), "asb_reports"), 0);
    }

    // A writer killed with SIGKILL at arbitrary points loses nothing it had
    // committed, and leaves a consistent database that takes new writes.
    void survivesAWriterKilledAtRandom()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("crash.db").toStdString();
        {
            SystemClock clock;
            SecureRandom random;
            auto store = DeviceStore::open(path, clock, random);
            QVERIFY((*store)->initialise(pcso()).ok());
        }
        std::set<std::string> committed;
        for (int round = 0; round < 6; ++round) {
            int fds[2];
            QVERIFY(pipe(fds) == 0);
            const pid_t child = fork();
            QVERIFY(child >= 0);
            if (child == 0) {
                close(fds[0]);
                writerLoop(path, fds[1]);
            }
            close(fds[1]);
            std::string pending;
            // Let it commit a varying number of reports, then kill it
            // wherever it is: between, or in the middle of, transactions.
            const auto lines = readLines(fds[0], static_cast<std::size_t>(5 + round * 7), pending);
            if (round % 2)
                usleep(static_cast<useconds_t>(1000 * round));
            kill(child, SIGKILL);
            int status = 0;
            waitpid(child, &status, 0);
            // Ids that reached the pipe before the kill were committed too.
            const auto rest = readLines(fds[0], SIZE_MAX, pending);
            close(fds[0]);
            QVERIFY2(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "the writer died before it was killed");
            QVERIFY(!lines.empty());
            committed.insert(lines.begin(), lines.end());
            committed.insert(rest.begin(), rest.end());

            SystemClock clock;
            SecureRandom random;
            auto store = DeviceStore::open(path, clock, random);
            QVERIFY2(store.ok(), store.ok() ? "" : store.error().message.c_str());
            verifyConsistent((*store)->db());
            for (const auto &id : committed) {
                auto stmt = (*store)->db().prepare("SELECT COUNT(*) FROM asb_reports WHERE id = ?1");
                (*stmt)->bind(1, id);
                QVERIFY(*(*stmt)->step());
                QVERIFY2((*stmt)->columnInt(0) == 1, ("lost committed report " + id).c_str());
                (*stmt)->reset();
            }
        }
        QVERIFY(committed.size() >= 6 * 5);
    }

    // Killed inside a transaction, after its row and outbox entry were
    // written but before COMMIT: neither survives, and the store carries on.
    void aKillMidTransactionKeepsNothingOfIt()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("mid.db").toStdString();
        ManualClock clock(1767225600000);
        SeededRandom random(5);
        std::map<std::string, std::int64_t> before;
        {
            auto store = DeviceStore::open(path, clock, random);
            QVERIFY((*store)->initialise(pcso()).ok());
            auto pack = DataPack::load(sourceFile("data/packs/barnet"));
            AsbReportStore reports(**store, pack->wards());
            QVERIFY(reports.log(sampleReport(1, clock.nowMs())).ok());
            before = allRowCounts((*store)->db());
        }
        int fds[2];
        QVERIFY(pipe(fds) == 0);
        const pid_t child = fork();
        QVERIFY(child >= 0);
        if (child == 0) {
            close(fds[0]);
            ManualClock childClock(1767225700000);
            SeededRandom childRandom(99);
            auto store = DeviceStore::open(path, childClock, childRandom);
            if (!store)
                _exit(3);
            (void)(*store)->write([&](WriteTxn &txn) -> Status {
                Fields person;
                person["name"] = "Half Written";
                person["contact"] = nullptr;
                person["match_key"] = "k";
                person["created_at"] = txn.now();
                if (auto ok = txn.insert("people", txn.newId(), person); !ok)
                    _exit(4);
                if (write(fds[1], "mid\n", 4) != 4)
                    _exit(5);
                for (;;)
                    pause();
            });
            _exit(6);
        }
        close(fds[1]);
        std::string pending;
        const auto lines = readLines(fds[0], 1, pending);
        QCOMPARE(lines.size(), std::size_t(1));
        kill(child, SIGKILL);
        int status = 0;
        waitpid(child, &status, 0);
        close(fds[0]);
        QVERIFY(WIFSIGNALED(status));

        auto store = DeviceStore::open(path, clock, random);
        QVERIFY(store.ok());
        verifyConsistent((*store)->db());
        QVERIFY(allRowCounts((*store)->db()) == before);
        auto pack = DataPack::load(sourceFile("data/packs/barnet"));
        AsbReportStore reports(**store, pack->wards());
        QVERIFY(reports.log(sampleReport(2, clock.nowMs())).ok()); // no stale lock left behind
    }
};

QTEST_GUILESS_MAIN(TestDeviceStore)
#include "tst_devicestore.moc"
