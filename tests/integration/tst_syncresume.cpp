// Nothing lost, nothing applied twice, against the real beatbook-sync-server:
// - the same upload batch sent twice (on one session, and on another) is
//   answered the same and applied once;
// - a connection cut anywhere in an upload or a download (a proxy that cuts
//   after N bytes, for many N) resumes on the client's retry with every
//   record once on both sides;
// - the server killed with SIGKILL while a batch is in flight, then
//   restarted, still holds every change the device was told was accepted,
//   and the device sends the rest.

#include "store/query.h"
#include "sync/outboxqueue.h"
#include "sync/syncstate.h"
#include "cuttingproxy.h"
#include "dbinspect.h"
#include "devicesession.h"
#include "recordsnapshot.h"
#include "syncworld.h"

#include <QTest>

#include <map>
#include <set>

using namespace beatbook;
using namespace beatbook::testing;
using namespace std::chrono_literals;

namespace {

struct OutboxEntry {
    std::string entity;
    std::string entityId;
    std::string state;
};

// seq -> entry, for every entry of the device's outbox.
std::map<std::uint64_t, OutboxEntry> outbox(Database &db)
{
    std::map<std::uint64_t, OutboxEntry> entries;
    (void)forEachRow(db, "SELECT seq, entity, entity_id, state FROM outbox", noParameters, [&](const Statement &s) {
        entries[static_cast<std::uint64_t>(s.columnInt(0))] = {s.columnText(1), s.columnText(2), s.columnText(3)};
    });
    return entries;
}

// Everything the server keeps about the records and the answers, to show
// that a replay changed none of it.
std::string serverState(Database &db)
{
    std::string out;
    for (const auto &[table, rows] : recordSnapshot(db))
        for (const auto &row : rows)
            out += table + ": " + row + "\n";
    out += tableDump(db, "sync_records");
    // sync_changes has no rowid for tableDump to order by.
    (void)forEachRow(db,
                     "SELECT device_id, seq, change_id, entity, entity_id, outcome, reason, conflict, received_at "
                     "FROM sync_changes ORDER BY device_id, seq",
                     noParameters, [&](const Statement &s) {
                         for (int column = 0; column < 9; ++column)
                             out += (s.isNull(column) ? std::string("NULL") : s.columnText(column)) + "|";
                         out += "\n";
                     });
    return out;
}

// Each record's place in the feed and version, but for `except`.
std::string recordVersions(Database &db, const std::string &except = {})
{
    std::string out;
    (void)forEachRow(
        db, "SELECT entity, id, feed_seq, version FROM sync_records WHERE id <> ?1 ORDER BY entity, id",
        [&](Statement &s) { s.bind(1, except); },
        [&](const Statement &s) {
            out += s.columnText(0) + " " + s.columnText(1) + " " + s.columnText(2) + " " + s.columnText(3) + "\n";
        });
    return out;
}

std::string answers(const syncv1::UploadResult &result)
{
    std::string out;
    for (const auto &r : result.results())
        out += std::to_string(r.seq()) + ":" + syncv1::ChangeResult::Outcome_Name(r.outcome()) + ":" + r.reason()
               + (r.conflict() ? ":conflict" : "") + " ";
    return out;
}

const char *phaseName(SyncProgress::Phase phase)
{
    switch (phase) {
    case SyncProgress::Phase::Connecting:
        return "connecting";
    case SyncProgress::Phase::Uploading:
        return "uploading";
    case SyncProgress::Phase::Downloading:
        return "downloading";
    case SyncProgress::Phase::Verifying:
        return "verifying";
    case SyncProgress::Phase::Done:
        return "done";
    }
    return "?";
}

} // namespace

class TestSyncResume : public QObject {
    Q_OBJECT

    // Settings that make several batches and pages of a small workload.
    static SyncSettings smallSteps()
    {
        SyncSettings settings = testSyncSettings();
        settings.batch.maxChanges = 8;
        settings.pageRecords = 8;
        return settings;
    }

private slots:
    void initTestCase() { QVERIFY(barnetPack()); }

    // --- a replayed batch ---------------------------------------------------

    void replayedBatchIsAppliedOnce()
    {
        SyncWorld w(11);
        QVERIFY_OK(w.startServer());
        auto enrolled = w.enrolUser("pat", Role::Pcso, {kBurntOak});
        QVERIFY2(enrolled.ok(), enrolled.ok() ? "" : enrolled.error().message.c_str());
        SyncDevice &pat = **enrolled;
        for (int i = 0; i < 3; ++i) {
            w.tick();
            QVERIFY_OK(w.logReport(pat, kBurntOakPoint, PersonDetails{"Rita Replay", "07700 900100"}));
        }
        // A report outside the PCSO's ward: the server refuses it.
        w.tick();
        auto outside = w.logReport(pat, kHendonPoint);
        QVERIFY_OK(outside);

        auto state = loadSyncState(pat.db());
        QVERIFY_OK(state);
        OutboxQueue queue(pat.db(), pat.store().clock());
        auto batch = queue.nextBatch();
        QVERIFY_OK(batch);
        const int sent = batch->changes_size();
        QVERIFY(sent >= 7);
        syncv1::Envelope upload;
        *upload.mutable_upload_batch() = *batch;

        DeviceSession session;
        auto hello = session.signIn(w.server.port(), pat.deviceId(), state->devicePrivateKey,
                                    state->pinnedCertificateSha256);
        QVERIFY_OK(hello);
        QVERIFY2(hello->has_server_hello(), describe(*hello).c_str());

        auto first = session.exchange(upload);
        QVERIFY_OK(first);
        QVERIFY2(first->has_upload_result(), describe(*first).c_str());
        const auto &results = first->upload_result().results();
        QCOMPARE(results.size(), sent);
        int rejected = 0;
        std::string rejectedReason;
        for (int i = 0; i < sent; ++i) {
            QCOMPARE(results[i].seq(), batch->changes(i).seq());
            if (results[i].outcome() == syncv1::ChangeResult::REJECTED) {
                ++rejected;
                rejectedReason = results[i].reason();
                QCOMPARE(batch->changes(i).entity_id(), *outside);
                QVERIFY(!results[i].reason().empty());
            }
        }
        QCOMPARE(rejected, 1);

        auto serverDb = w.server.openDatabase();
        QVERIFY_OK(serverDb);
        const std::string before = serverState(**serverDb);
        QCOMPARE(queryCount(**serverDb, "SELECT COUNT(*) FROM sync_changes"), std::int64_t(sent));
        QCOMPARE(queryCount(**serverDb, "SELECT COUNT(*) FROM asb_reports"), 3);

        // The same batch on the same session: the same answers, nothing applied again.
        auto second = session.exchange(upload);
        QVERIFY_OK(second);
        QVERIFY2(second->has_upload_result(), describe(*second).c_str());
        QCOMPARE(answers(second->upload_result()), answers(first->upload_result()));
        QVERIFY2(serverState(**serverDb) == before, "the replay changed the server's records or answers");
        QVERIFY_OK(session.goodbye());
        session.close();

        // Again on a new session, with the values changed under the same
        // seqs, and stamped later (so that, applied, they would win): a seq
        // is answered once, whatever it carries the second time.
        syncv1::Envelope tampered = upload;
        for (auto &change : *tampered.mutable_upload_batch()->mutable_changes()) {
            change.set_hlc(change.hlc() + 1);
            for (auto &field : *change.mutable_fields())
                if (field.name() == "description")
                    field.mutable_value()->set_text_value("Changed on replay");
        }
        DeviceSession again;
        hello = again.signIn(w.server.port(), pat.deviceId(), state->devicePrivateKey, state->pinnedCertificateSha256);
        QVERIFY_OK(hello);
        auto third = again.exchange(tampered);
        QVERIFY_OK(third);
        QVERIFY2(third->has_upload_result(), describe(*third).c_str());
        QCOMPARE(answers(third->upload_result()), answers(first->upload_result()));
        QVERIFY2(serverState(**serverDb) == before, "a replay under the same seqs changed the server");
        QCOMPARE(queryCount(**serverDb, "SELECT COUNT(*) FROM asb_reports WHERE description = 'Changed on replay'"), 0);
        again.close();

        // The device never heard those answers: its own sync sends the
        // batch once more, with a new change after it, and takes the answers
        // the server gave first; only the new change is applied.
        const std::string recordsBefore = recordVersions(**serverDb);
        w.tick();
        auto later = w.logReport(pat, kBurntOakPoint);
        QVERIFY_OK(later);
        auto synced = pat.sync();
        QVERIFY_OK(synced);
        QCOMPARE(synced->changesSent, std::uint64_t(sent + 1));
        QCOMPARE(synced->accepted, std::uint64_t(sent));
        QCOMPARE(synced->rejected, std::uint64_t(1));
        QVERIFY(synced->verified);
        auto counts = OutboxQueue(pat.db(), pat.store().clock()).counts();
        QVERIFY_OK(counts);
        QCOMPARE(counts->pending, 0);
        QCOMPARE(counts->rejected, 1);
        auto kept = OutboxQueue(pat.db(), pat.store().clock()).rejected();
        QVERIFY_OK(kept);
        QCOMPARE(kept->size(), std::size_t(1));
        QCOMPARE(kept->front().entityId, *outside);
        QCOMPARE(kept->front().reason, rejectedReason);
        QCOMPARE(queryCount(**serverDb, "SELECT COUNT(*) FROM sync_changes"), std::int64_t(sent + 1));
        QCOMPARE(queryCount(**serverDb, "SELECT COUNT(*) FROM asb_reports"), 4);
        QCOMPARE(queryCount(**serverDb, "SELECT COUNT(*) FROM asb_reports WHERE id = '" + *later + "'"), 1);
        QVERIFY2(recordVersions(**serverDb, *later) == recordsBefore,
                 "the device's resend changed the server's records");
    }

    // --- cut connections ----------------------------------------------------

    void cutConnectionsResume()
    {
        SyncWorld w(12);
        QVERIFY_OK(w.startServer());
        CuttingProxy proxy(w.server.port());
        QVERIFY_OK(proxy.start());
        // pat talks to the server only through the proxy; wes writes the
        // records pat downloads.
        auto patEnrolled = w.enrolUser("pat", Role::Pcso, {kBurntOak}, proxy.address());
        QVERIFY2(patEnrolled.ok(), patEnrolled.ok() ? "" : patEnrolled.error().message.c_str());
        auto wesEnrolled = w.enrolUser("wes", Role::Officer, {kBurntOak});
        QVERIFY2(wesEnrolled.ok(), wesEnrolled.ok() ? "" : wesEnrolled.error().message.c_str());
        SyncDevice &pat = **patEnrolled;
        SyncDevice &wes = **wesEnrolled;

        int reportsMade = 0;
        // The same amount of work each round, in frames of the same sizes:
        // pat uploads 9 reports with victims (several batches) and downloads
        // wes's 9 (several pages). Each victim is new, so no report is a
        // repeat and its prior-report count (and size) stays the same.
        const auto prepareRound = [&]() -> bool {
            for (int i = 0; i < 9; ++i) {
                w.tick(1000);
                const std::string n = std::to_string(1000 + reportsMade);
                if (!w.logReport(wes, kBurntOakPoint, PersonDetails{"Wendy Download " + n, "07700 900200"}).ok())
                    return false;
                if (!w.logReport(pat, kBurntOakPoint, PersonDetails{"Percy Upload " + n, "07700 900300"}).ok())
                    return false;
                reportsMade += 2;
            }
            return wes.sync().ok();
        };

        // Which TLS record carries each frame, learnt from one sync without a
        // cut: the proxy's record counts when the client has just read an
        // answer (the server has had the whole batch, and has sent nothing
        // after the answer) or applied a page. Frames go one to a record, and
        // every round sends the same frames, so the counts hold for each.
        struct Mark {
            std::uint64_t upstream;
            std::uint64_t downstream;
        };
        std::vector<Mark> answers;  // after each batch's answers
        std::vector<Mark> pages;    // after each page
        QVERIFY(prepareRound());
        {
            std::uint64_t answered = 0;
            auto synced = pat.sync(smallSteps(), nullptr, [&](const SyncProgress &p) {
                const auto bytes = proxy.connections().back();
                if (p.phase == SyncProgress::Phase::Uploading && p.changesAnswered > answered)
                    answers.push_back({bytes.upstreamRecords, bytes.downstreamRecords});
                else if (p.phase == SyncProgress::Phase::Downloading)
                    pages.push_back({bytes.upstreamRecords, bytes.downstreamRecords});
                answered = p.changesAnswered;
            });
            QVERIFY_OK(synced);
            QCOMPARE(synced->attempts, 1);
            QVERIFY(synced->verified);
        }
        QVERIFY2(answers.size() >= 3 && pages.size() >= 3, "the workload should take several batches and pages");

        using D = CuttingProxy::Direction;
        struct Cut {
            D direction;
            std::uint64_t record;  // 0: cut after `bytes` instead
            std::uint64_t bytes;
            std::string what;
            // The progress the client last reported before the cut: shows
            // the cut landed where it was meant to.
            const char *reached;
            // Also accepted: the client asks for the next page before it
            // applies (and reports) the current one, so the proxy may have
            // passed on part of the next page by the time a page's progress
            // is measured, and a cut meant for one page can land in the next.
            const char *orReached = nullptr;
        };
        const Mark &lastAnswer = answers.back();
        const Mark &lastPage = pages.back();
        std::vector<Cut> cuts{
            {D::Downstream, 0, 200, "in the TLS handshake", "connecting"},
            {D::Upstream, answers[0].upstream - 1, 0, "inside the device's hello", "connecting"},
            {D::Downstream, answers[0].downstream - 1, 0, "inside the server's hello", "connecting"},
            {D::Upstream, answers[0].upstream, 0, "inside the first batch", "uploading"},
            {D::Upstream, answers[1].upstream, 0, "inside the second batch", "uploading"},
            {D::Upstream, lastAnswer.upstream, 0, "inside the last batch", "uploading"},
            {D::Downstream, answers[0].downstream, 0, "inside the first batch's answers", "uploading"},
            {D::Downstream, answers[1].downstream, 0, "inside the second batch's answers", "uploading"},
            {D::Downstream, lastAnswer.downstream, 0, "inside the last batch's answers", "uploading"},
            {D::Upstream, lastAnswer.upstream + 1, 0, "inside the first pull request", "uploading"},
            {D::Downstream, pages[0].downstream, 0, "inside the first page", "uploading", "downloading"},
            {D::Downstream, pages[1].downstream, 0, "inside the second page", "downloading"},
            {D::Upstream, pages[1].upstream + 1, 0, "inside the third pull request", "downloading"},
            {D::Downstream, lastPage.downstream, 0, "inside the last page", "downloading"},
            {D::Upstream, lastPage.upstream + 1, 0, "inside the checksum request", "verifying"},
            {D::Downstream, lastPage.downstream + 1, 0, "inside the checksums", "verifying"},
        };

        std::set<std::string> phasesCut;
        for (const Cut &cut : cuts) {
            const std::string where =
                cut.record ? "record " + std::to_string(cut.record) : std::to_string(cut.bytes) + " bytes";
            const std::string label =
                cut.what + " (" + where + (cut.direction == D::Upstream ? " up" : " down") + ")";
            QVERIFY2(prepareRound(), label.c_str());
            const int cutsBefore = proxy.cuts();
            if (cut.record)
                proxy.cutNextConnectionInRecord(cut.direction, cut.record);
            else
                proxy.cutNextConnection(cut.direction, cut.bytes);
            std::vector<SyncProgress::Phase> phases;
            auto synced = pat.sync(smallSteps(), nullptr, [&](const SyncProgress &p) { phases.push_back(p.phase); });
            QVERIFY2(synced.ok(), (label + ": " + (synced.ok() ? "" : synced.error().message)).c_str());
            QVERIFY2(proxy.cuts() == cutsBefore + 1, (label + ": the connection was not cut").c_str());
            QVERIFY2(synced->attempts == 2, (label + ": expected one retry").c_str());
            QVERIFY2(synced->verified, (label + ": checksums differ after resuming").c_str());
            QCOMPARE(synced->rejected, std::uint64_t(0));
            // The phase the first session had reached when it was cut.
            std::string reached = "connecting";
            for (std::size_t i = 1; i < phases.size(); ++i)
                if (phases[i] == SyncProgress::Phase::Connecting) {
                    reached = phaseName(phases[i - 1]);
                    break;
                }
            phasesCut.insert(reached);
            QVERIFY2(reached == cut.reached || (cut.orReached && reached == cut.orReached), (label + ": the cut came when the client had reached " + reached).c_str());

            QCOMPARE(rowCount(pat.db(), "outbox"), 0);
            auto serverDb = w.server.openDatabase();
            QVERIFY_OK(serverDb);
            QCOMPARE(queryCount(**serverDb, "SELECT COUNT(*) FROM asb_reports"), std::int64_t(reportsMade));
            // One answer per seq the device used, all accepted.
            QCOMPARE(queryCount(**serverDb, "SELECT COUNT(*) FROM sync_changes WHERE device_id = '" + pat.deviceId()
                                                + "' AND outcome = 'accepted'"),
                     queryCount(**serverDb, "SELECT MAX(seq) FROM sync_changes WHERE device_id = '" + pat.deviceId()
                                                + "'"));
            const std::string diff = firstDifference(recordSnapshot(pat.db()), recordSnapshot(**serverDb));
            QVERIFY2(diff.empty(), (label + ": the device differs from the server: " + diff).c_str());
            QCOMPARE(queryCount(pat.db(), "SELECT COUNT(*) FROM asb_reports"), std::int64_t(reportsMade));
        }
        QVERIFY2(phasesCut.contains("uploading") && phasesCut.contains("downloading"),
                 "the cuts should land in both the upload and the download");
    }

    // --- the server killed mid-batch ------------------------------------------

    void serverKilledMidBatchLosesNothingAcknowledged_data()
    {
        QTest::addColumn<int>("answeredBeforeKill");
        QTest::newRow("after one batch") << 1;
        QTest::newRow("after four batches") << 4;
    }

    void serverKilledMidBatchLosesNothingAcknowledged()
    {
        QFETCH(int, answeredBeforeKill);
        SyncWorld w(13);
        QVERIFY_OK(w.startServer());
        auto enrolled = w.enrolUser("pat", Role::Pcso, {kBurntOak});
        QVERIFY2(enrolled.ok(), enrolled.ok() ? "" : enrolled.error().message.c_str());
        SyncDevice &pat = **enrolled;
        for (int i = 0; i < 40; ++i) {
            w.tick(1000);
            QVERIFY_OK(w.logReport(pat, kBurntOakPoint, PersonDetails{"Kim Killed", "07700 900400"}));
        }
        const auto before = outbox(pat.db());
        QVERIFY(before.size() >= 80);

        SyncSettings settings = testSyncSettings();
        settings.batch.maxChanges = 10;
        settings.retry = {2, 10ms, 20ms};
        const std::uint64_t killAfter = static_cast<std::uint64_t>(answeredBeforeKill) * 10;
        bool killed = false;
        std::string killError;
        auto synced = pat.sync(settings, nullptr, [&](const SyncProgress &p) {
            // Right after a batch was written, before its answer: the
            // server is receiving or applying it.
            if (!killed && p.phase == SyncProgress::Phase::Uploading && p.changesSent > p.changesAnswered
                && p.changesAnswered >= killAfter) {
                killed = true;
                if (auto ok = w.server.kill(); !ok)
                    killError = ok.error().message;
            }
        });
        QVERIFY2(killed, "the sync ended before the server could be killed");
        QVERIFY2(killError.empty(), killError.c_str());
        QVERIFY2(!synced.ok(), "the sync cannot succeed with the server dead");

        const auto after = outbox(pat.db());
        std::vector<std::uint64_t> acknowledged;
        for (const auto &[seq, entry] : before)
            if (!after.contains(seq))
                acknowledged.push_back(seq);
        QVERIFY(acknowledged.size() >= killAfter);
        QVERIFY2(!after.empty(), "everything was answered before the kill");
        for (const auto &[seq, entry] : after)
            QCOMPARE(entry.state, std::string("pending"));

        QVERIFY_OK(w.server.restart());
        {
            auto serverDb = w.server.openDatabase();
            QVERIFY_OK(serverDb);
            QCOMPARE(integrityCheck(**serverDb), std::string("ok"));
            for (std::uint64_t seq : acknowledged) {
                const OutboxEntry &entry = before.at(seq);
                const std::string where = "seq " + std::to_string(seq) + " (" + entry.entity + ")";
                QVERIFY2(queryCount(**serverDb, "SELECT COUNT(*) FROM sync_changes WHERE device_id = '"
                                                    + pat.deviceId() + "' AND seq = " + std::to_string(seq)
                                                    + " AND outcome = 'accepted'")
                             == 1,
                         (where + " was acknowledged but has no answer on the server").c_str());
                QVERIFY2(queryCount(**serverDb, "SELECT COUNT(*) FROM \"" + entry.entity + "\" WHERE id = '"
                                                    + entry.entityId + "'")
                             == 1,
                         (where + " was acknowledged but its record is not on the server").c_str());
            }
            // Nothing half-applied: a record on the server has its answer,
            // and an answer its record.
            QCOMPARE(queryCount(**serverDb, "SELECT COUNT(*) FROM sync_records r WHERE NOT EXISTS (SELECT 1 FROM "
                                            "sync_changes c WHERE c.entity = r.entity AND c.entity_id = r.id)"),
                     0);
            QCOMPARE(queryCount(**serverDb, "SELECT COUNT(*) FROM sync_changes c WHERE NOT EXISTS (SELECT 1 FROM "
                                            "sync_records r WHERE c.entity = r.entity AND c.entity_id = r.id)"),
                     0);
        }

        // The device sends the rest; everything is there once.
        auto resumed = pat.sync(settings);
        QVERIFY_OK(resumed);
        QVERIFY(resumed->verified);
        QCOMPARE(resumed->rejected, std::uint64_t(0));
        QCOMPARE(rowCount(pat.db(), "outbox"), 0);
        auto serverDb = w.server.openDatabase();
        QVERIFY_OK(serverDb);
        QCOMPARE(queryCount(**serverDb, "SELECT COUNT(*) FROM asb_reports"), 40);
        QCOMPARE(queryCount(**serverDb, "SELECT COUNT(*) FROM sync_changes WHERE outcome = 'accepted'"),
                 std::int64_t(before.size()));
        const std::string diff = firstDifference(recordSnapshot(pat.db()), recordSnapshot(**serverDb));
        QVERIFY2(diff.empty(), diff.c_str());
    }
};

QTEST_GUILESS_MAIN(TestSyncResume)
#include "tst_syncresume.moc"
