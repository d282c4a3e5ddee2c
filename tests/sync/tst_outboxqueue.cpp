#include "core/clock.h"
#include "core/randomsource.h"
#include "store/devicestore.h"
#include "store/writetxn.h"
#include "sync/outboxqueue.h"
#include "dbinspect.h"
#include "jointpatrolfields.h"

#include <QTemporaryDir>
#include <QTest>

#include <string>
#include <vector>

using namespace beatbook;
using namespace beatbook::testing;

namespace {

syncv1::UploadResult answers(std::initializer_list<std::tuple<std::uint64_t, bool, std::string, bool>> list)
{
    syncv1::UploadResult result;
    for (const auto &[seq, accepted, reason, conflict] : list) {
        auto *r = result.add_results();
        r->set_seq(seq);
        r->set_outcome(accepted ? syncv1::ChangeResult::ACCEPTED : syncv1::ChangeResult::REJECTED);
        r->set_reason(reason);
        r->set_conflict(conflict);
    }
    return result;
}

} // namespace

class TestOutboxQueue : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    ManualClock m_clock{1767225600000};
    SeededRandom m_random{5};
    std::unique_ptr<DeviceStore> m_store;
    std::string m_path;

    // Logs n patrols; returns their ids.
    std::vector<std::string> logPatrols(int n, const std::string &participants = "[]")
    {
        std::vector<std::string> ids;
        for (int i = 0; i < n; ++i) {
            m_clock.advance(1000);
            const Status ok = m_store->write([&](WriteTxn &txn) {
                ids.push_back(txn.newId());
                return txn.insert("joint_patrols", ids.back(), jointPatrolFields(txn.now(), participants));
            });
            if (!ok)
                qWarning("%s", ok.error().message.c_str());
        }
        return ids;
    }

private slots:
    void init()
    {
        static int n = 0;
        m_path = m_dir.filePath(QString("q%1.db").arg(++n)).toStdString();
        auto store = DeviceStore::open(m_path, m_clock, m_random);
        QVERIFY(store.ok());
        m_store = std::move(*store);
        DeviceProfile profile;
        profile.userName = "Tester";
        QVERIFY(m_store->initialise(profile).ok());
    }

    void batchesFollowSeqOrderWithinTheLimits()
    {
        const auto ids = logPatrols(5);
        OutboxQueue queue(m_store->db(), m_clock);
        auto all = queue.nextChanges();
        QVERIFY(all.ok());
        QCOMPARE(all->size(), std::size_t(5));
        for (std::size_t i = 0; i < all->size(); ++i) {
            QCOMPARE((*all)[i].seq, std::uint64_t(i + 1));
            QCOMPARE((*all)[i].entityId, ids[i]);
            QVERIFY((*all)[i].op == ChangeOp::Create);
            QCOMPARE((*all)[i].entity, std::string("joint_patrols"));
            QCOMPARE((*all)[i].deviceId, m_store->profile().deviceId);
            QCOMPARE((*all)[i].fields["created_by"].get<std::string>(), std::string("Tester"));
        }
        auto two = queue.nextChanges({2, 1 << 20});
        QVERIFY(two.ok());
        QCOMPARE(two->size(), std::size_t(2));
        QCOMPARE(two->front().seq, std::uint64_t(1));

        // A byte limit smaller than one change still lets one through, so a
        // large change cannot block the queue.
        auto tiny = queue.nextChanges({100, 1});
        QVERIFY(tiny.ok());
        QCOMPARE(tiny->size(), std::size_t(1));
        // The byte limit counts the batch as encoded.
        syncv1::UploadBatch three;
        for (int i = 0; i < 3; ++i)
            QVERIFY(changeToProto((*all)[static_cast<std::size_t>(i)], *three.add_changes()).ok());
        auto byBytes = queue.nextChanges({100, three.ByteSizeLong()});
        QVERIFY(byBytes.ok());
        QCOMPARE(byBytes->size(), std::size_t(3));
        byBytes = queue.nextChanges({100, three.ByteSizeLong() - 1});
        QVERIFY(byBytes.ok());
        QCOMPARE(byBytes->size(), std::size_t(2));
    }

    void theBatchCarriesEverythingTheServerNeeds()
    {
        const auto ids = logPatrols(1);
        m_clock.advance(1000);
        QVERIFY(m_store->write([&](WriteTxn &txn) {
            Fields changed;
            changed["ended_at"] = txn.now();
            return txn.update("joint_patrols", ids[0], changed);
        }).ok());
        OutboxQueue queue(m_store->db(), m_clock);
        auto batch = queue.nextBatch();
        QVERIFY(batch.ok());
        QCOMPARE(batch->changes_size(), 2);
        const auto &create = batch->changes(0);
        const auto &update = batch->changes(1);
        QCOMPARE(create.seq(), std::uint64_t(1));
        QVERIFY(create.op() == syncv1::Change::CREATE);
        QCOMPARE(create.entity_id(), ids[0]);
        QCOMPARE(create.fields_size(), 5);
        QVERIFY(update.op() == syncv1::Change::UPDATE);
        QCOMPARE(update.seq(), std::uint64_t(2));
        QVERIFY(update.hlc() > create.hlc());
        // The create still waited when the update was made: based on nothing.
        QCOMPARE(update.base_hlc(), std::uint64_t(0));
        QCOMPARE(update.fields_size(), 1);
        QCOMPARE(update.fields(0).name(), std::string("ended_at"));
        QCOMPARE(update.fields(0).value().int_value(), m_clock.nowMs());
        QVERIFY(!update.change_id().empty() && update.change_id() != create.change_id());
    }

    void answersRemoveAcceptedAndKeepRejected()
    {
        logPatrols(4);
        OutboxQueue queue(m_store->db(), m_clock);
        m_clock.advance(5000);
        auto counted = queue.recordResults(answers({{1, true, "", false},
                                                    {2, false, "ward E05013630 is not one of yours", false},
                                                    {3, true, "", true},
                                                    {99, true, "", false}}));
        QVERIFY(counted.ok());
        QCOMPARE(counted->accepted, std::size_t(2));
        QCOMPARE(counted->rejected, std::size_t(1));
        QCOMPARE(counted->conflicts, std::size_t(1));
        QCOMPARE(counted->ignored, std::size_t(1));

        auto counts = queue.counts();
        QVERIFY(counts.ok());
        QCOMPARE(counts->pending, std::int64_t(1));
        QCOMPARE(counts->rejected, std::int64_t(1));
        QCOMPARE(rowCount(m_store->db(), "outbox"), 2);
        // The records themselves stay on the device.
        QCOMPARE(rowCount(m_store->db(), "joint_patrols"), 4);

        auto rejected = queue.rejected();
        QVERIFY(rejected.ok());
        QCOMPARE(rejected->size(), std::size_t(1));
        QCOMPARE(rejected->front().seq, std::uint64_t(2));
        QCOMPARE(rejected->front().entity, std::string("joint_patrols"));
        QCOMPARE(rejected->front().op, std::string("create"));
        QCOMPARE(rejected->front().reason, std::string("ward E05013630 is not one of yours"));
        QCOMPARE(*rejected->front().answeredAt, m_clock.nowMs());

        // A rejected change is never sent again; only seq 4 waits.
        auto next = queue.nextChanges();
        QVERIFY(next.ok());
        QCOMPARE(next->size(), std::size_t(1));
        QCOMPARE(next->front().seq, std::uint64_t(4));

        // The same answers again (a replayed result) change nothing.
        const auto before = tableDump(m_store->db(), "outbox");
        auto replay = queue.recordResults(answers({{1, true, "", false}, {2, true, "", false}}));
        QVERIFY(replay.ok());
        QCOMPARE(replay->ignored, std::size_t(2));
        QCOMPARE(tableDump(m_store->db(), "outbox"), before);
    }

    void aReasonIsOneReadableLine()
    {
        logPatrols(3);
        OutboxQueue queue(m_store->db(), m_clock);
        const std::string longReason(5000, 'x');
        QVERIFY(queue.recordResults(answers({{1, false, "bad\n\x1b[31mred\ttext", false},
                                             {2, false, "", false},
                                             {3, false, longReason + "\xc3", false}}))
                    .ok());
        auto rejected = queue.rejected();
        QVERIFY(rejected.ok());
        QCOMPARE(rejected->size(), std::size_t(3));
        QCOMPARE((*rejected)[0].reason, std::string("bad [31mred text"));
        QVERIFY(!(*rejected)[1].reason.empty());
        QVERIFY((*rejected)[2].reason.size() <= 500);
    }

    // Entries leave the outbox once acknowledged; the clock must still
    // resume above them when the app restarts with its wall clock set back.
    void theClockResumesAboveAcknowledgedChanges()
    {
        logPatrols(2);
        const auto highest = *m_store->db().queryInt("SELECT MAX(hlc) FROM outbox");
        OutboxQueue queue(m_store->db(), m_clock);
        QVERIFY(queue.recordResults(answers({{1, true, "", false}, {2, true, "", false}})).ok());
        QCOMPARE(rowCount(m_store->db(), "outbox"), 0);
        m_store.reset();
        m_clock.set(1767225600000 - 86400000); // a day back
        auto reopened = DeviceStore::open(m_path, m_clock, m_random);
        QVERIFY(reopened.ok());
        QVERIFY((*reopened)->lastHlc().value >= static_cast<std::uint64_t>(highest));
    }

    // A stored entry that cannot be read is set aside with a reason instead
    // of blocking every change after it.
    void anUnreadableEntryDoesNotBlockTheQueue()
    {
        logPatrols(3);
        QVERIFY(m_store->db().exec("UPDATE outbox SET fields = 'not json' WHERE seq = 2").ok());
        OutboxQueue queue(m_store->db(), m_clock);
        auto first = queue.nextChanges();
        QVERIFY(first.ok());
        // The batch stops before the bad entry: seq order, no gap.
        QCOMPARE(first->size(), std::size_t(1));
        QVERIFY(queue.recordResults(answers({{1, true, "", false}})).ok());
        auto second = queue.nextChanges();
        QVERIFY(second.ok());
        QCOMPARE(second->size(), std::size_t(1));
        QCOMPARE(second->front().seq, std::uint64_t(3));
        auto rejected = queue.rejected();
        QVERIFY(rejected.ok());
        QCOMPARE(rejected->size(), std::size_t(1));
        QCOMPARE(rejected->front().seq, std::uint64_t(2));
        QVERIFY(rejected->front().reason.find("kept on the device") != std::string::npos);
    }

    void anEmptyOutboxGivesAnEmptyBatch()
    {
        OutboxQueue queue(m_store->db(), m_clock);
        auto batch = queue.nextBatch();
        QVERIFY(batch.ok());
        QCOMPARE(batch->changes_size(), 0);
        auto counts = queue.counts();
        QVERIFY(counts.ok());
        QCOMPARE(counts->pending, std::int64_t(0));
        QCOMPARE(counts->rejected, std::int64_t(0));
    }
};

QTEST_GUILESS_MAIN(TestOutboxQueue)
#include "tst_outboxqueue.moc"
