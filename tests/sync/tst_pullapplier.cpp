#include "core/clock.h"
#include "core/randomsource.h"
#include "store/devicestore.h"
#include "store/writetxn.h"
#include "sync/entitycatalog.h"
#include "sync/fieldcodec.h"
#include "sync/outboxqueue.h"
#include "sync/pullapplier.h"
#include "sync/syncstate.h"
#include "dbinspect.h"
#include "jointpatrolfields.h"

#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>
#include <optional>
#include <string>

using namespace beatbook;
using namespace beatbook::testing;

namespace {

constexpr const char *kOtherDevice = "0192f0a4-0000-7000-8000-00000000beef";

Fields observationFields(const std::string &patrolId, const std::string &text)
{
    Fields f;
    f["patrol_id"] = patrolId;
    f["at"] = 1767225600000;
    f["text"] = text;
    f["lat"] = nullptr;
    f["lon"] = nullptr;
    f["author"] = "Tester";
    return f;
}

Fields personFields(const std::string &name, const std::string &contact)
{
    Fields f;
    f["name"] = name;
    f["contact"] = contact;
    f["match_key"] = "mk-" + name;
    f["created_at"] = 1767225600000;
    return f;
}

Fields consentFields(const std::string &personId)
{
    Fields f;
    f["person_id"] = personId;
    f["purpose"] = "hfsv";
    f["recipients"] = "[\"fire\"]";
    f["script_version"] = "v1";
    f["method"] = "verbal";
    f["witness"] = nullptr;
    f["captured_by"] = "Tester";
    f["captured_by_role"] = "pcso";
    f["captured_at"] = 1767225600000;
    f["capacity_concern"] = 0;
    f["capacity_note"] = nullptr;
    f["withdrawn_at"] = nullptr;
    f["withdrawn_by"] = nullptr;
    f["withdrawn_by_role"] = nullptr;
    f["withdrawal_note"] = nullptr;
    return f;
}

syncv1::Record record(const std::string &entity, const std::string &id, std::uint64_t version, const Fields &fields,
                      const std::string &lastDevice = kOtherDevice)
{
    syncv1::Record r;
    r.set_entity(entity);
    r.set_id(id);
    r.set_version(version);
    r.set_last_device_id(lastDevice);
    if (!fieldsToProto(fields, *r.mutable_fields()).ok())
        qWarning("fields do not convert");
    return r;
}

syncv1::Record removal(const std::string &entity, const std::string &id, std::uint64_t version)
{
    syncv1::Record r;
    r.set_entity(entity);
    r.set_id(id);
    r.set_version(version);
    r.set_removed(true);
    return r;
}

syncv1::PullPage page(std::initializer_list<syncv1::Record> records, std::uint64_t nextCursor, bool complete = true,
                      bool rebaseline = false, const std::string &token = "scope-1")
{
    syncv1::PullPage p;
    for (const auto &r : records)
        *p.add_records() = r;
    p.set_next_cursor(nextCursor);
    p.set_complete(complete);
    p.set_rebaseline(rebaseline);
    p.set_scope_token(token);
    return p;
}

template <typename T>
const char *message(const Result<T> &r)
{
    return r.ok() ? "" : r.error().message.c_str();
}

// A version well above anything the test clock issues.
constexpr std::uint64_t kServerVersion = (1767300000000ULL << 16) + 7;

} // namespace

class TestPullApplier : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    ManualClock m_clock{1767225600000};
    SeededRandom m_random{9};
    std::unique_ptr<DeviceStore> m_store;
    std::optional<EntityCatalog> m_catalog;

    void openStore(Role role)
    {
        static int n = 0;
        auto store = DeviceStore::open(m_dir.filePath(QString("p%1.db").arg(++n)).toStdString(), m_clock, m_random);
        QVERIFY(store.ok());
        m_store = std::move(*store);
        DeviceProfile profile;
        profile.userName = "Tester";
        profile.role = role;
        QVERIFY(m_store->initialise(profile).ok());
        auto catalog = EntityCatalog::load(m_store->db());
        QVERIFY2(catalog.ok(), message(catalog));
        m_catalog.emplace(std::move(*catalog));
    }

    std::string write(const std::string &table, const Fields &fields)
    {
        std::string id;
        m_clock.advance(1000);
        const Status ok = m_store->write([&](WriteTxn &txn) {
            id = txn.newId();
            return txn.insert(table, id, fields);
        });
        if (!ok)
            qWarning("%s", ok.error().message.c_str());
        return id;
    }

    Status update(const std::string &table, const std::string &id, const Fields &changed)
    {
        m_clock.advance(1000);
        return m_store->write([&](WriteTxn &txn) { return txn.update(table, id, changed); });
    }

    // The server acknowledges every pending change.
    void acknowledgeAll()
    {
        OutboxQueue queue(m_store->db(), m_clock);
        auto batch = queue.nextBatch({100000, 1 << 30});
        QVERIFY(batch.ok());
        syncv1::UploadResult result;
        for (const auto &change : batch->changes()) {
            auto *r = result.add_results();
            r->set_seq(change.seq());
            r->set_outcome(syncv1::ChangeResult::ACCEPTED);
        }
        QVERIFY(queue.recordResults(result).ok());
    }

    Result<PullApplyResult> apply(const syncv1::PullPage &p)
    {
        PullApplier applier(*m_store, *m_catalog);
        return applier.apply(p);
    }

    std::string text(const std::string &sql)
    {
        auto stmt = m_store->db().prepare(sql);
        if (!stmt)
            return "error: " + stmt.error().message;
        auto row = (*stmt)->step();
        std::string out = row && *row ? ((*stmt)->isNull(0) ? "NULL" : (*stmt)->columnText(0)) : "no row";
        (*stmt)->reset();
        return out;
    }

private slots:
    void init() { openStore(Role::Pcso); }

    void insertsRecordsWithTheirVersionAndCursor()
    {
        Fields fields = jointPatrolFields(1767225600000, "[\"A\"]");
        auto applied = apply(page({record("joint_patrols", "p1", kServerVersion, fields)}, 41));
        QVERIFY2(applied.ok(), message(applied));
        QCOMPARE(applied->received, std::size_t(1));
        QCOMPARE(applied->inserted, std::size_t(1));
        Database &db = m_store->db();
        QCOMPARE(queryCount(db, "SELECT hlc FROM joint_patrols WHERE id = 'p1'"), std::int64_t(kServerVersion));
        QCOMPARE(text("SELECT device_id FROM joint_patrols WHERE id = 'p1'"), std::string(kOtherDevice));
        QCOMPARE(text("SELECT participants FROM joint_patrols WHERE id = 'p1'"), std::string("[\"A\"]"));
        // Pulling writes no outbox entry.
        QCOMPARE(rowCount(db, "outbox"), 0);
        auto state = loadSyncState(db);
        QVERIFY(state.ok());
        QCOMPARE(state->cursor, std::uint64_t(41));
        QCOMPARE(state->scopeToken, std::string("scope-1"));
        // The next local change orders after what was received.
        QVERIFY(m_store->lastHlc().value >= kServerVersion);
        QCOMPARE(queryCount(db, "PRAGMA foreign_keys"), 1);
    }

    // Pages may bring a child before its parent, or a child whose parent
    // this device may never hold (a fire officer's referral naming a report).
    void appliesChildrenBeforeOrWithoutParents()
    {
        auto applied = apply(page({record("patrol_observations", "o1", kServerVersion, observationFields("p1", "first")),
                                   record("joint_patrols", "p1", kServerVersion, jointPatrolFields(1767225600000)),
                                   record("patrol_observations", "o2", kServerVersion,
                                          observationFields("never-sent", "orphan"))},
                                  3));
        QVERIFY2(applied.ok(), message(applied));
        QCOMPARE(applied->inserted, std::size_t(3));
        QCOMPARE(rowCount(m_store->db(), "patrol_observations"), 2);
        QCOMPARE(queryCount(m_store->db(), "PRAGMA foreign_keys"), 1);
        // Local writes still check references.
        const Status local = m_store->write([&](WriteTxn &txn) {
            return txn.insert("patrol_observations", txn.newId(), observationFields("nowhere", "x"));
        });
        QVERIFY(!local.ok());
    }

    void neverOverwritesFieldsWithPendingChanges()
    {
        const std::string id = write("joint_patrols", jointPatrolFields(1767225600000, "[\"A\"]"));
        acknowledgeAll();
        Fields changed;
        changed["ended_at"] = 1767229200000;
        QVERIFY(update("joint_patrols", id, changed).ok());

        // The server has another device's change to participants and an
        // older ended_at: participants arrive, ended_at stays local.
        Fields server = jointPatrolFields(1767225600000, "[\"A\",\"B\"]");
        server["ended_at"] = 1767220000000;
        auto applied = apply(page({record("joint_patrols", id, kServerVersion, server)}, 5));
        QVERIFY2(applied.ok(), message(applied));
        QCOMPARE(applied->keptLocal, std::size_t(1));
        QCOMPARE(applied->updated, std::size_t(1));
        Database &db = m_store->db();
        QCOMPARE(queryCount(db, "SELECT ended_at FROM joint_patrols"), std::int64_t(1767229200000));
        QCOMPARE(text("SELECT participants FROM joint_patrols"), std::string("[\"A\",\"B\"]"));
        QCOMPARE(queryCount(db, "SELECT hlc FROM joint_patrols"), std::int64_t(kServerVersion));
        // The pending change is untouched and still waits.
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM outbox WHERE state = 'pending'"), 1);

        // A record created here and not yet sent keeps every field.
        const std::string fresh = write("joint_patrols", jointPatrolFields(1767225600000, "[\"mine\"]"));
        Fields other = jointPatrolFields(1767225600000, "[\"theirs\"]");
        other["created_by"] = "Someone else";
        applied = apply(page({record("joint_patrols", fresh, kServerVersion, other)}, 6));
        QVERIFY2(applied.ok(), message(applied));
        QCOMPARE(text("SELECT participants || created_by FROM joint_patrols WHERE id = '" + fresh + "'"),
                 std::string("[\"mine\"]Tester"));

        // Once acknowledged, the next pull brings the server's values.
        acknowledgeAll();
        applied = apply(page({record("joint_patrols", id, kServerVersion + 1, server)}, 7));
        QVERIFY2(applied.ok(), message(applied));
        QCOMPARE(applied->keptLocal, std::size_t(0));
        QCOMPARE(queryCount(db, "SELECT ended_at FROM joint_patrols WHERE id = '" + id + "'"),
                 std::int64_t(1767220000000));
    }

    // Evidential records are identical everywhere once written: a copy
    // already held is left as it is (the table would refuse a rewrite).
    void leavesHeldEvidentialRecordsAlone()
    {
        const std::string patrol = write("joint_patrols", jointPatrolFields(1767225600000));
        const std::string obs = write("patrol_observations", observationFields(patrol, "as written"));
        acknowledgeAll();
        auto applied = apply(page({record("patrol_observations", obs, kServerVersion, observationFields(patrol, "other"))},
                                  2));
        QVERIFY2(applied.ok(), message(applied));
        QCOMPARE(applied->unchanged, std::size_t(1));
        QCOMPARE(text("SELECT text FROM patrol_observations"), std::string("as written"));
    }

    void consentTakesItsWithdrawalOnce()
    {
        const std::string person = write("people", personFields("Pat", "07700"));
        const std::string consent = write("consent_records", consentFields(person));
        acknowledgeAll();
        Fields withdrawn = consentFields(person);
        withdrawn["withdrawn_at"] = 1767300000000;
        withdrawn["withdrawn_by"] = "Officer";
        withdrawn["withdrawn_by_role"] = "officer";
        withdrawn["withdrawal_note"] = "asked by phone";
        auto applied = apply(page({record("consent_records", consent, kServerVersion, withdrawn)}, 2));
        QVERIFY2(applied.ok(), message(applied));
        QCOMPARE(applied->updated, std::size_t(1));
        QCOMPARE(text("SELECT withdrawn_by || ' ' || withdrawal_note FROM consent_records"),
                 std::string("Officer asked by phone"));
        // Anything else about a consent record never changes.
        Fields rewritten = withdrawn;
        rewritten["purpose"] = "something else";
        rewritten["withdrawal_note"] = "rewritten";
        applied = apply(page({record("consent_records", consent, kServerVersion + 5, rewritten)}, 3));
        QVERIFY2(applied.ok(), message(applied));
        QCOMPARE(applied->unchanged, std::size_t(1));
        QCOMPARE(text("SELECT purpose || ' ' || withdrawal_note FROM consent_records"),
                 std::string("hfsv asked by phone"));
    }

    void removedRecordsLeaveUnlessChangesWait()
    {
        const std::string patrol = write("joint_patrols", jointPatrolFields(1767225600000));
        const std::string obs = write("patrol_observations", observationFields(patrol, "seen"));
        const std::string kept = write("joint_patrols", jointPatrolFields(1767225600000));
        acknowledgeAll();
        Fields changed;
        changed["participants"] = "[\"late\"]";
        QVERIFY(update("joint_patrols", kept, changed).ok());
        syncv1::Record conflicted = record("joint_patrols", patrol, kServerVersion, jointPatrolFields(1767225600000));
        auto *conflict = conflicted.add_conflicts();
        conflict->set_field("participants");
        conflict->add_values()->mutable_value()->set_text_value("[1]");
        conflicted.set_needs_review(true);
        QVERIFY(apply(page({conflicted}, 4)).ok());
        QCOMPARE(rowCount(m_store->db(), "sync_conflicts"), 1);

        auto applied = apply(page({removal("patrol_observations", obs, kServerVersion),
                                   removal("joint_patrols", patrol, kServerVersion),
                                   removal("joint_patrols", kept, kServerVersion)},
                                  9));
        QVERIFY2(applied.ok(), message(applied));
        QCOMPARE(applied->removed, std::size_t(2));
        QCOMPARE(applied->removalDeferred, std::size_t(1));
        Database &db = m_store->db();
        QCOMPARE(rowCount(db, "patrol_observations"), 0);
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM joint_patrols WHERE id = '" + kept + "'"), 1);
        QCOMPARE(rowCount(db, "joint_patrols"), 1);
        QCOMPARE(rowCount(db, "sync_conflicts"), 0);
        QCOMPARE(rowCount(db, "sync_review"), 0);
        // The allowance did not outlive the page: evidential records are
        // immutable again.
        QCOMPARE(rowCount(db, "sync_eviction"), 0);
        const std::string again = write("patrol_observations", observationFields(kept, "more"));
        QVERIFY(!db.exec("DELETE FROM patrol_observations").ok());
        QVERIFY(!db.exec("UPDATE patrol_observations SET text = 'x'").ok());
        QCOMPARE(rowCount(db, "patrol_observations"), 1);
        QVERIFY(!again.empty());
    }

    void storesConflictsAndReviewFlags()
    {
        syncv1::Record r = record("joint_patrols", "p1", kServerVersion, jointPatrolFields(1767225600000, "[\"B\"]"));
        auto *conflict = r.add_conflicts();
        conflict->set_field("participants");
        auto *a = conflict->add_values();
        a->mutable_value()->set_text_value("[\"A\"]");
        a->set_hlc(kServerVersion - 3);
        a->set_device_id("dev-a");
        auto *b = conflict->add_values();
        b->mutable_value()->set_text_value("[\"B\"]");
        b->set_hlc(kServerVersion);
        b->set_device_id("dev-b");
        r.set_needs_review(true);
        auto applied = apply(page({r}, 2));
        QVERIFY2(applied.ok(), message(applied));
        QCOMPARE(applied->conflicted, std::size_t(1));
        Database &db = m_store->db();
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM sync_review WHERE entity = 'joint_patrols' AND entity_id = 'p1'"),
                 1);
        const auto values = nlohmann::json::parse(text("SELECT values_json FROM sync_conflicts WHERE entity = "
                                                       "'joint_patrols' AND entity_id = 'p1' AND field = 'participants'"),
                                                  nullptr, false);
        QVERIFY(values.is_array());
        QCOMPARE(values.size(), std::size_t(2));
        QCOMPARE(values[0]["value"].get<std::string>(), std::string("[\"A\"]"));
        QCOMPARE(values[0]["device_id"].get<std::string>(), std::string("dev-a"));
        QCOMPARE(values[1]["hlc"].get<std::uint64_t>(), kServerVersion);

        // Resolved on the server: the record comes again without them.
        syncv1::Record resolved =
            record("joint_patrols", "p1", kServerVersion + 1, jointPatrolFields(1767225600000, "[\"A\"]"));
        applied = apply(page({resolved}, 3));
        QVERIFY2(applied.ok(), message(applied));
        QCOMPARE(rowCount(db, "sync_conflicts"), 0);
        QCOMPARE(rowCount(db, "sync_review"), 0);
    }

    void rebaselineSweepsWhatDidNotComeAgain()
    {
        const std::string stays = write("joint_patrols", jointPatrolFields(1767225600000));
        const std::string leaves = write("joint_patrols", jointPatrolFields(1767225600000));
        const std::string leavesObs = write("patrol_observations", observationFields(leaves, "x"));
        const std::string refused = write("joint_patrols", jointPatrolFields(1767225600000));
        acknowledgeAll();
        Database &db = m_store->db();
        // One change the server refused (kept, with its reason), one not sent yet.
        QVERIFY(update("joint_patrols", refused, Fields{{"participants", "[\"r\"]"}}).ok());
        OutboxQueue queue(db, m_clock);
        syncv1::UploadResult no;
        auto *answer = no.add_results();
        answer->set_seq(static_cast<std::uint64_t>(*db.queryInt("SELECT MAX(seq) FROM outbox")));
        answer->set_outcome(syncv1::ChangeResult::REJECTED);
        answer->set_reason("not yours");
        QVERIFY(queue.recordResults(no).ok());
        const std::string unsent = write("joint_patrols", jointPatrolFields(1767225600000));

        // First page of the rebaseline: nothing leaves before the pull completes.
        auto applied = apply(page({record("joint_patrols", stays, kServerVersion, jointPatrolFields(1767225600000))}, 10,
                                  false, true, "scope-2"));
        QVERIFY2(applied.ok(), message(applied));
        QCOMPARE(applied->swept, std::size_t(0));
        QCOMPARE(rowCount(db, "joint_patrols"), 4);
        auto state = loadSyncState(db);
        QVERIFY(state->rebaselineActive);
        QCOMPARE(state->scopeToken, std::string("scope-2"));

        applied = apply(page({}, 20, true, false, "scope-2"));
        QVERIFY2(applied.ok(), message(applied));
        QVERIFY(applied->rebaselineCompleted);
        QCOMPARE(applied->swept, std::size_t(2));
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM joint_patrols WHERE id IN ('" + stays + "', '" + refused + "', '"
                                    + unsent + "')"),
                 3);
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM joint_patrols WHERE id = '" + leaves + "'"), 0);
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM patrol_observations WHERE id = '" + leavesObs + "'"), 0);
        QCOMPARE(rowCount(db, "sync_rebaseline_seen"), 0);
        QCOMPARE(rowCount(db, "sync_eviction"), 0);
        state = loadSyncState(db);
        QVERIFY(!state->rebaselineActive);
        QCOMPARE(state->cursor, std::uint64_t(20));

        // After the rebaseline, an ordinary complete page sweeps nothing.
        applied = apply(page({}, 21));
        QVERIFY(applied.ok());
        QCOMPARE(applied->swept, std::size_t(0));
        QCOMPARE(rowCount(db, "joint_patrols"), 3);
    }

    // One page is one transaction with its cursor: a bad record anywhere in
    // it leaves nothing of the page and the cursor where it was.
    void aBadPageChangesNothing()
    {
        QVERIFY(apply(page({record("joint_patrols", "p0", kServerVersion, jointPatrolFields(1767225600000))}, 7)).ok());
        Database &db = m_store->db();
        const auto before = allRowCounts(db);
        const auto good = record("joint_patrols", "p1", kServerVersion, jointPatrolFields(1767225600000));

        Fields unknownColumn = jointPatrolFields(1767225600000);
        unknownColumn["secret_column"] = 1;
        Fields wrongType = jointPatrolFields(1767225600000);
        wrongType["started_at"] = "yesterday";
        Fields missingRequired = jointPatrolFields(1767225600000);
        missingRequired["ward_code"] = nullptr;
        Fields badText = jointPatrolFields(1767225600000);
        badText["participants"] = std::string("\xff\xfe");
        syncv1::Record notFinite = good;
        notFinite.mutable_fields(0)->mutable_value()->set_real_value(std::nan(""));
        syncv1::Record noValue = good;
        noValue.mutable_fields(0)->mutable_value()->Clear();
        syncv1::Record noId = good;
        noId.set_id("");
        syncv1::Record hugeVersion = good;
        hugeVersion.set_version(std::numeric_limits<std::uint64_t>::max());
        syncv1::Record repeatedField = good;
        *repeatedField.add_fields() = good.fields(good.fields_size() - 1);
        syncv1::Record badConflict = good;
        badConflict.add_conflicts()->set_field("participants");
        badConflict.mutable_conflicts(0)->add_values();

        const std::vector<syncv1::Record> bad{
            record("unknown_things", "u1", kServerVersion, jointPatrolFields(1767225600000)),
            record("outbox", "u1", kServerVersion, jointPatrolFields(1767225600000)),
            record("joint_patrols", "p2", kServerVersion, unknownColumn),
            record("joint_patrols", "p2", kServerVersion, wrongType),
            record("joint_patrols", "p2", kServerVersion, missingRequired),
            record("joint_patrols", "p2", kServerVersion, badText),
            notFinite,
            noValue,
            noId,
            hugeVersion,
            repeatedField,
            badConflict,
        };
        for (std::size_t i = 0; i < bad.size(); ++i) {
            auto applied = apply(page({good, bad[i]}, 99));
            QVERIFY2(!applied.ok(), std::to_string(i).c_str());
            QVERIFY(!applied.error().message.empty());
            QVERIFY(allRowCounts(db) == before);
            QCOMPARE(loadSyncState(db)->cursor, std::uint64_t(7));
            QCOMPARE(queryCount(db, "PRAGMA foreign_keys"), 1);
        }
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM joint_patrols WHERE id = 'p1'"), 0);
    }

    void refusesToRunInsideATransactionOrUninitialised()
    {
        Database &db = m_store->db();
        QVERIFY(db.exec("BEGIN").ok());
        auto inside = apply(page({}, 1));
        QVERIFY(!inside.ok());
        QVERIFY(db.exec("ROLLBACK").ok());

        auto blank = DeviceStore::open(m_dir.filePath("blank.db").toStdString(), m_clock, m_random);
        QVERIFY(blank.ok());
        PullApplier applier(**blank, *m_catalog);
        auto refused = applier.apply(page({}, 1));
        QVERIFY(!refused.ok());
        QVERIFY(refused.error().code == ErrorCode::NotAllowed);
    }

    // domain.md: a champion's device is an encrypted outbox for personal
    // data: once the server has a person's details, the device forgets them
    // and keeps only the match key.
    void aChampionForgetsAcknowledgedPeople()
    {
        openStore(Role::Champion);
        Database &db = m_store->db();
        const std::string victim = write("people", personFields("Vic Tim", "07700 900123"));
        PullApplier applier(*m_store, *m_catalog);
        // Not acknowledged yet: kept.
        auto forgotten = applier.forgetAcknowledgedPeople();
        QVERIFY(forgotten.ok());
        QCOMPARE(*forgotten, std::size_t(0));
        QCOMPARE(text("SELECT name FROM people"), std::string("Vic Tim"));

        acknowledgeAll();
        const std::string refused = write("people", personFields("Ref Used", "x"));
        OutboxQueue queue(db, m_clock);
        syncv1::UploadResult no;
        auto *answer = no.add_results();
        answer->set_seq(static_cast<std::uint64_t>(*db.queryInt("SELECT MAX(seq) FROM outbox")));
        answer->set_outcome(syncv1::ChangeResult::REJECTED);
        QVERIFY(queue.recordResults(no).ok());

        // The pull (even an empty page) lets acknowledged details go.
        auto applied = applier.apply(page({}, 1));
        QVERIFY2(applied.ok(), message(applied));
        QCOMPARE(applied->forgotten, std::size_t(1));
        QCOMPARE(text("SELECT name || '|' || COALESCE(contact, 'NULL') || '|' || match_key FROM people WHERE id = '"
                      + victim + "'"),
                 std::string("|NULL|mk-Vic Tim"));
        // The server never had the refused one: the device keeps it.
        QCOMPARE(text("SELECT name FROM people WHERE id = '" + refused + "'"), std::string("Ref Used"));
        // Forgetting writes no change to send.
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM outbox WHERE state = 'pending'"), 0);

        // A rebaseline does not sweep the forgotten person: the match key
        // is what the device keeps for repeat checks.
        QVERIFY(applier.apply(page({}, 2, true, true, "scope-9")).ok());
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM people WHERE id = '" + victim + "'"), 1);
    }

    void otherRolesKeepPeople()
    {
        write("people", personFields("Vic Tim", "07700 900123"));
        acknowledgeAll();
        auto applied = apply(page({}, 1));
        QVERIFY(applied.ok());
        QCOMPARE(applied->forgotten, std::size_t(0));
        QCOMPARE(text("SELECT name FROM people"), std::string("Vic Tim"));
    }
};

QTEST_GUILESS_MAIN(TestPullApplier)
#include "tst_pullapplier.moc"
