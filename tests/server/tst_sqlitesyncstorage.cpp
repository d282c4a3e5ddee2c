#include "server/serverdatabase.h"
#include "server/sqlitesyncstorage.h"

#include "core/hlc.h"
#include "dbinspect.h"
#include "domain/names.h"
#include "store/database.h"
#include "store/query.h"
#include "sync/entitycatalog.h"
#include "sync/fieldcodec.h"
#include "sync/recordmerge.h"
#include "sync/syncchange.h"

#include <QCryptographicHash>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <set>
#include <thread>

using namespace beatbook;
using namespace beatbook::testing;

namespace {

constexpr TimestampMs kStart = 1795554900000LL;  // 2026-11-24T21:15Z
const std::string kWardA = "E05013628";
const std::string kWardB = "E05013629";
const std::string kWardC = "E05013630";

std::string uuid(int n)
{
    std::array<char, 40> text{};
    std::snprintf(text.data(), text.size(), "00000000-0000-4000-8000-%012d", n);
    return text.data();
}

std::uint64_t hlcAt(TimestampMs ms, std::uint16_t counter = 0) { return HlcTimestamp::from(ms, counter).value; }

SyncScope scopeOf(std::string user, Role role, std::vector<std::string> wards = {})
{
    std::sort(wards.begin(), wards.end());
    return SyncScope{std::move(user), role, std::move(wards)};
}

Fields personFields(const std::string &name)
{
    Fields f = Fields::object();
    f["name"] = name;
    f["contact"] = nullptr;
    f["match_key"] = "mk-" + name;
    f["created_at"] = kStart;
    return f;
}

Fields reportFields(const SyncScope &author, const std::optional<std::string> &ward,
                    const std::optional<std::string> &victimId = {})
{
    Fields f = Fields::object();
    f["type"] = "noise";
    f["qualifier"] = "nuisance";
    f["hate"] = 0;
    f["occurred_at"] = kStart - 3600000;
    f["logged_at"] = kStart;
    f["lat"] = 51.64874;
    f["lon"] = -0.18155;
    f["accuracy_m"] = nullptr;
    f["address_text"] = nullptr;
    f["address_key"] = nullptr;
    f["place_key"] = "cell:51.6487:-0.1816";
    f["ward_code"] = ward ? Fields(*ward) : Fields(nullptr);
    f["description"] = "Loud music after midnight";
    f["reporter_id"] = nullptr;
    f["victim_id"] = victimId ? Fields(*victimId) : Fields(nullptr);
    f["victim_key"] = victimId ? Fields("vk-" + *victimId) : Fields(nullptr);
    f["source_role"] = std::string(toString(author.role));
    f["logged_by"] = author.userName;
    f["status"] = "submitted";
    f["repeat_victim"] = 0;
    f["prior_reports"] = 0;
    f["assigned_to"] = nullptr;
    f["reporter_informed_at"] = nullptr;
    f["close_reason"] = nullptr;
    return f;
}

Fields noteFields(const SyncScope &author, const std::string &reportId)
{
    Fields f = Fields::object();
    f["report_id"] = reportId;
    f["kind"] = "note";
    f["from_status"] = nullptr;
    f["to_status"] = nullptr;
    f["text"] = "Spoke to the neighbours";
    f["at"] = kStart;
    f["author"] = author.userName;
    f["author_role"] = std::string(toString(author.role));
    return f;
}

// A device: its id, its user's scope, its own sequence and clock.
struct Device {
    std::string id;
    SyncScope scope;
    std::uint64_t seq = 0;
    TimestampMs clockMs = kStart;

    std::uint64_t tick() { return hlcAt(clockMs += 10); }

    syncv1::Change change(syncv1::Change::Op op, const std::string &entity, const std::string &entityId,
                          const Fields &fields, std::uint64_t hlc, std::uint64_t baseHlc)
    {
        syncv1::Change c;
        c.set_seq(++seq);
        c.set_change_id(id + "-" + std::to_string(seq));
        c.set_entity(entity);
        c.set_entity_id(entityId);
        c.set_op(op);
        c.set_hlc(hlc);
        c.set_base_hlc(baseHlc);
        if (auto ok = fieldsToProto(fields, *c.mutable_fields()); !ok)
            qWarning("fieldsToProto: %s", ok.error().message.c_str());
        return c;
    }
    syncv1::Change create(const std::string &entity, const std::string &entityId, const Fields &fields)
    {
        return change(syncv1::Change::CREATE, entity, entityId, fields, tick(), 0);
    }
    // Like a device's clock, which observes the version it edits.
    syncv1::Change update(const std::string &entity, const std::string &entityId, const Fields &fields,
                          std::uint64_t baseHlc)
    {
        clockMs = std::max(clockMs, HlcTimestamp{baseHlc}.wallMs());
        return change(syncv1::Change::UPDATE, entity, entityId, fields, tick(), baseHlc);
    }
};

std::string key(const std::string &entity, const std::string &id) { return entity + "/" + id; }

std::map<std::string, Fields> fieldsOf(const syncv1::Record &record)
{
    std::map<std::string, Fields> out;
    for (const auto &field : record.fields()) {
        auto value = valueFromProto(field.value());
        out[field.name()] = value ? *value : Fields("<bad value>");
    }
    return out;
}

// What a device ends up holding after pulling to the end.
struct Pulled {
    std::map<std::string, syncv1::Record> records;  // removed ones taken out
    std::vector<syncv1::Record> removed;
    std::vector<std::string> order;                 // entity/id as received
    std::uint64_t cursor = 0;
    std::string token;
    int pages = 0;
    bool ok = true;
};

} // namespace

class TestSqliteSyncStorage : public QObject {
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<ManualClock> m_clock;
    std::unique_ptr<SqliteSyncStorage> m_storage;
    std::unique_ptr<Database> m_inspect;
    std::string m_path;

    bool openServer(SqliteSyncStorageSettings settings = {})
    {
        m_storage.reset();
        m_inspect.reset();
        if (!m_dir) {
            m_dir = std::make_unique<QTemporaryDir>();
            m_clock = std::make_unique<ManualClock>(kStart);
            m_path = m_dir->filePath("server.db").toStdString();
        }
        auto db = openServerDatabase(m_path);
        if (!db) {
            qWarning("openServerDatabase: %s", db.error().message.c_str());
            return false;
        }
        auto storage = SqliteSyncStorage::open(std::move(*db), *m_clock, settings);
        if (!storage) {
            qWarning("SqliteSyncStorage::open: %s", storage.error().message.c_str());
            return false;
        }
        m_storage = std::move(*storage);
        auto inspect = Database::open(m_path);
        if (!inspect) {
            qWarning("inspect: %s", inspect.error().message.c_str());
            return false;
        }
        m_inspect = std::move(*inspect);
        return true;
    }

    std::vector<syncv1::ChangeResult> upload(const Device &device, const std::vector<syncv1::Change> &changes)
    {
        syncv1::UploadBatch batch;
        for (const auto &c : changes)
            *batch.add_changes() = c;
        const UploadRequest request{device.id, device.scope, batch};
        const UploadRequest *requests[] = {&request};
        auto results = m_storage->applyUploads(requests);
        if (!results) {
            qWarning("applyUploads: %s", results.error().message.c_str());
            return {};
        }
        if (results->size() != 1)
            return {};
        return {(*results)[0].results().begin(), (*results)[0].results().end()};
    }

    // Uploads and checks every change was accepted.
    bool accepted(const Device &device, const std::vector<syncv1::Change> &changes)
    {
        const auto results = upload(device, changes);
        if (results.size() != changes.size())
            return false;
        for (const auto &r : results)
            if (r.outcome() != syncv1::ChangeResult::ACCEPTED) {
                qWarning("change %llu rejected: %s", static_cast<unsigned long long>(r.seq()), r.reason().c_str());
                return false;
            }
        return true;
    }

    Pulled pullAll(const SyncScope &scope, Pulled from = {}, std::uint32_t maxRecords = 0)
    {
        Pulled out = std::move(from);
        for (int guard = 0; guard < 1000; ++guard) {
            syncv1::PullRequest request;
            request.set_cursor(out.cursor);
            request.set_max_records(maxRecords);
            request.set_scope_token(out.token);
            auto page = m_storage->pull(scope, request);
            if (!page) {
                qWarning("pull: %s", page.error().message.c_str());
                out.ok = false;
                return out;
            }
            ++out.pages;
            if (page->rebaseline())
                out.records.clear();
            for (const auto &record : page->records()) {
                const std::string k = key(record.entity(), record.id());
                out.order.push_back(k);
                if (record.removed()) {
                    out.records.erase(k);
                    out.removed.push_back(record);
                } else {
                    out.records[k] = record;
                }
            }
            out.cursor = page->next_cursor();
            out.token = page->scope_token();
            if (page->complete())
                return out;
        }
        out.ok = false;
        return out;
    }

    std::int64_t count(const std::string &sql) { return queryCount(*m_inspect, sql); }

private slots:
    void init()
    {
        m_storage.reset();
        m_inspect.reset();
        m_dir.reset();
        QVERIFY(openServer());
    }
    void cleanup()
    {
        m_storage.reset();
        m_inspect.reset();
        m_dir.reset();
    }

    void createThenUpdateApplies()
    {
        Device pcso{"dev-pcso", scopeOf("pat", Role::Pcso, {kWardA})};
        Device officer{"dev-officer", scopeOf("olly", Role::Officer, {kWardA})};
        const std::string report = uuid(1);
        const auto create = pcso.create("asb_reports", report, reportFields(pcso.scope, kWardA));
        QVERIFY(accepted(pcso, {create}));

        QCOMPARE(count("SELECT COUNT(*) FROM asb_reports WHERE id = '" + report + "' AND status = 'submitted'"
                       " AND hlc = " + std::to_string(create.hlc()) + " AND device_id = 'dev-pcso'"),
                 1);
        QCOMPARE(count("SELECT COUNT(*) FROM sync_records WHERE entity = 'asb_reports' AND id = '" + report
                       + "' AND ward_code = '" + kWardA + "' AND owner_user = 'pat' AND version = "
                       + std::to_string(create.hlc()) + " AND needs_review = 0"),
                 1);
        const auto headAfterCreate = m_storage->feedHead();
        QVERIFY(headAfterCreate.ok());

        Fields triage = Fields::object();
        triage["status"] = "triaged";
        const auto update = officer.update("asb_reports", report, triage, create.hlc());
        QVERIFY(accepted(officer, {update}));
        QCOMPARE(count("SELECT COUNT(*) FROM asb_reports WHERE id = '" + report + "' AND status = 'triaged'"
                       " AND description = 'Loud music after midnight' AND hlc = " + std::to_string(update.hlc())
                       + " AND device_id = 'dev-officer'"),
                 1);
        QCOMPARE(count("SELECT version FROM sync_records WHERE id = '" + report + "'"),
                 static_cast<std::int64_t>(update.hlc()));
        // The record moved to the head of the feed: it appears once, at its latest change.
        const auto headAfterUpdate = m_storage->feedHead();
        QVERIFY(headAfterUpdate.ok());
        QVERIFY(*headAfterUpdate > *headAfterCreate);
        QCOMPARE(count("SELECT feed_seq FROM sync_records WHERE id = '" + report + "'"),
                 static_cast<std::int64_t>(*headAfterUpdate));
        QCOMPARE(count("SELECT COUNT(*) FROM sync_records"), 1);
        QCOMPARE(count("SELECT COUNT(*) FROM sync_changes WHERE outcome = 'accepted'"), 2);

        // The pulled record carries every column but id, hlc and device_id.
        const Pulled pulled = pullAll(scopeOf("pat", Role::Pcso, {kWardA}));
        QVERIFY(pulled.ok);
        QCOMPARE(pulled.records.size(), std::size_t(1));
        const syncv1::Record &record = pulled.records.begin()->second;
        QCOMPARE(record.version(), update.hlc());
        QCOMPARE(record.last_device_id(), std::string("dev-officer"));
        const auto fields = fieldsOf(record);
        QCOMPARE(fields.count("id"), std::size_t(0));
        QCOMPARE(fields.count("hlc"), std::size_t(0));
        QCOMPARE(fields.count("device_id"), std::size_t(0));
        QVERIFY(fields.at("status") == Fields("triaged"));
        QVERIFY(fields.at("lat") == Fields(51.64874));
        QVERIFY(fields.at("accuracy_m") == Fields(nullptr));
        QCOMPARE(fields.size(), reportFields(pcso.scope, kWardA).size());
    }

    void replayedBatchGetsSameAnswersAndAppliesOnce()
    {
        Device pcso{"dev-pcso", scopeOf("pat", Role::Pcso, {kWardA})};
        const std::string person = uuid(1);
        const std::string report = uuid(2);
        Fields bad = reportFields(pcso.scope, kWardA);
        bad["colour"] = "red";
        const std::vector<syncv1::Change> batch{
            pcso.create("people", person, personFields("Ann Smith")),
            pcso.create("asb_reports", report, reportFields(pcso.scope, kWardA, person)),
            pcso.create("asb_reports", uuid(3), bad),
        };
        const auto first = upload(pcso, batch);
        QCOMPARE(first.size(), std::size_t(3));
        QCOMPARE(first[0].outcome(), syncv1::ChangeResult::ACCEPTED);
        QCOMPARE(first[1].outcome(), syncv1::ChangeResult::ACCEPTED);
        QCOMPARE(first[2].outcome(), syncv1::ChangeResult::REJECTED);
        QVERIFY(!first[2].reason().empty());
        const auto countsBefore = allRowCounts(*m_inspect);
        const auto dumpBefore = tableDump(*m_inspect, "sync_records") + tableDump(*m_inspect, "asb_reports");
        const auto headBefore = m_storage->feedHead();
        QVERIFY(headBefore.ok());

        m_clock->advance(60000);
        const auto second = upload(pcso, batch);
        QCOMPARE(second.size(), std::size_t(3));
        for (std::size_t i = 0; i < 3; ++i) {
            QCOMPARE(second[i].seq(), first[i].seq());
            QCOMPARE(second[i].outcome(), first[i].outcome());
            QCOMPARE(second[i].reason(), first[i].reason());
            QCOMPARE(second[i].conflict(), first[i].conflict());
        }
        QCOMPARE(allRowCounts(*m_inspect), countsBefore);
        QCOMPARE(tableDump(*m_inspect, "sync_records") + tableDump(*m_inspect, "asb_reports"), dumpBefore);
        QCOMPARE(*m_storage->feedHead(), *headBefore);

        // The same change under a new seq (a device that lost its answers)
        // merges to nothing new: the record stays where it is.
        auto again = batch[1];
        again.set_seq(10);
        const auto third = upload(pcso, {again});
        QCOMPARE(third.size(), std::size_t(1));
        QCOMPARE(third[0].outcome(), syncv1::ChangeResult::ACCEPTED);
        QCOMPARE(tableDump(*m_inspect, "sync_records") + tableDump(*m_inspect, "asb_reports"), dumpBefore);
    }

    // Only a seq at or below the highest the device has been answered can be
    // a replay: a seq repeated within one batch, or a lower seq never sent
    // before, must still be told apart.
    void seqsRepeatedOrOutOfOrderInOneBatch()
    {
        Device pcso{"dev-pcso", scopeOf("pat", Role::Pcso, {kWardA})};
        auto first = pcso.create("asb_reports", uuid(1), reportFields(pcso.scope, kWardA));
        first.set_seq(5);
        auto sameSeq = pcso.create("asb_reports", uuid(2), reportFields(pcso.scope, kWardA));
        sameSeq.set_seq(5);  // a device bug: answered as seq 5 was, applied never
        auto lower = pcso.create("asb_reports", uuid(3), reportFields(pcso.scope, kWardA));
        lower.set_seq(3);    // never sent before: applied
        const auto results = upload(pcso, {first, sameSeq, lower});
        QCOMPARE(results.size(), std::size_t(3));
        QCOMPARE(results[0].outcome(), syncv1::ChangeResult::ACCEPTED);
        QCOMPARE(results[1].outcome(), syncv1::ChangeResult::ACCEPTED);
        QCOMPARE(results[1].seq(), std::uint64_t(5));
        QCOMPARE(results[2].outcome(), syncv1::ChangeResult::ACCEPTED);
        QCOMPARE(count("SELECT COUNT(*) FROM asb_reports"), 2);
        QCOMPARE(count("SELECT COUNT(*) FROM asb_reports WHERE id = '" + uuid(2) + "'"), 0);
        QCOMPARE(count("SELECT COUNT(*) FROM sync_changes"), 2);

        // The next batch starts below the device's highest answer: the
        // answered seqs get their answers again, the new one is applied.
        auto four = pcso.create("asb_reports", uuid(4), reportFields(pcso.scope, kWardA));
        four.set_seq(4);
        const auto later = upload(pcso, {lower, four, first});
        QCOMPARE(later.size(), std::size_t(3));
        for (const auto &r : later)
            QCOMPARE(r.outcome(), syncv1::ChangeResult::ACCEPTED);
        QCOMPARE(count("SELECT COUNT(*) FROM asb_reports"), 3);
        QCOMPARE(count("SELECT COUNT(*) FROM sync_changes"), 3);
    }

    // A device may send a record's fields in any order: each order is
    // written alike (the server keeps one statement per column set).
    void fieldOrderDoesNotMatter()
    {
        Device pcso{"dev-pcso", scopeOf("pat", Role::Pcso, {kWardA})};
        const Fields fields = reportFields(pcso.scope, kWardA);
        auto forward = pcso.create("asb_reports", uuid(1), fields);
        auto reversed = pcso.create("asb_reports", uuid(2), fields);
        auto *sent = reversed.mutable_fields();
        std::reverse(sent->begin(), sent->end());
        QCOMPARE(reversed.fields(0).name(), forward.fields(forward.fields_size() - 1).name());
        const auto results = upload(pcso, {forward, reversed});
        QCOMPARE(results.size(), std::size_t(2));
        QCOMPARE(results[0].outcome(), syncv1::ChangeResult::ACCEPTED);
        QCOMPARE(results[1].outcome(), syncv1::ChangeResult::ACCEPTED);
        const std::string columns = "type, qualifier, hate, occurred_at, logged_at, lat, lon, place_key, ward_code, "
                                    "description, source_role, logged_by, status";
        QCOMPARE(count("SELECT COUNT(*) FROM (SELECT " + columns + " FROM asb_reports WHERE id = '" + uuid(1)
                       + "' INTERSECT SELECT " + columns + " FROM asb_reports WHERE id = '" + uuid(2) + "')"),
                 1);
    }

    void rejectsWithReasonAndWritesNothing_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("reason");  // a fragment the reason must hold
        const std::vector<std::pair<const char *, const char *>> cases{
            {"fire brigade creates a report", "fire_hfsv may not log ASB reports"},
            {"analyst writes", "may not write records"},
            {"outside the author's wards", "may not write records in ward E05013629"},
            {"lifecycle skip", "cannot go from submitted to closed"},
            {"champion triages", "outside your role's or area's scope"},
            {"champion triages own report", "champion"},
            {"unknown column", "no field 'colour'"},
            {"unknown record class", "does not sync"},
            {"wrong type", "occurred_at must be a whole number"},
            {"invalid utf-8", "UTF-8"},
            {"oversized text", "too long"},
            {"unknown status", "unknown status"},
            {"field without a value", "no value"},
            {"repeated field", "appears twice"},
            {"non-finite number", "not finite"},
            {"append-only update", "never changes once written"},
            {"update outside scope", "outside your role's or area's scope"},
            {"names a person the server lacks", "person the server does not hold"},
            {"names a person outside scope", "person outside your role's or area's scope"},
            {"note on a report outside scope", "belongs to is outside"},
            {"no seq", "no sequence number"},
            {"bad record id", "record id"},
            {"same id from another device", "already exists"},
            {"clock far ahead", "ahead of the server's clock"},
        };
        for (const auto &[kind, reason] : cases)
            QTest::newRow(kind) << QString::fromLatin1(kind) << QString::fromLatin1(reason);
    }
    void rejectsWithReasonAndWritesNothing()
    {
        QFETCH(QString, kind);
        QFETCH(QString, reason);
        Device pcso{"dev-pcso", scopeOf("pat", Role::Pcso, {kWardA})};
        Device pcsoB{"dev-pcso-b", scopeOf("pip", Role::Pcso, {kWardB})};
        const std::string person = uuid(1);
        const std::string report = uuid(2);
        const std::string note = uuid(3);
        const std::string personB = uuid(4);
        const auto reportCreate = pcso.create("asb_reports", report, reportFields(pcso.scope, kWardA, person));
        QVERIFY(accepted(pcso, {pcso.create("people", person, personFields("Ann Smith")), reportCreate,
                                pcso.create("report_events", note, noteFields(pcso.scope, report))}));
        QVERIFY(accepted(pcsoB, {pcsoB.create("people", personB, personFields("Bob Jones")),
                                 pcsoB.create("asb_reports", uuid(5), reportFields(pcsoB.scope, kWardB, personB))}));

        Device fire{"dev-fire", scopeOf("fay", Role::FireHfsv)};
        Device analyst{"dev-analyst", scopeOf("ana", Role::Analyst)};
        Device officer{"dev-officer", scopeOf("olly", Role::Officer, {kWardA})};
        Device champion{"dev-champion", scopeOf("cara", Role::Champion, {kWardA})};
        Device pcso2{"dev-pcso-2", scopeOf("pat", Role::Pcso, {kWardA})};
        Device *sender = &pcso;
        syncv1::Change change;
        const std::string k = kind.toStdString();
        const std::string fresh = uuid(50);
        if (k == "fire brigade creates a report") {
            sender = &fire;
            change = fire.create("asb_reports", fresh, reportFields(fire.scope, kWardA));
        } else if (k == "analyst writes") {
            sender = &analyst;
            change = analyst.create("asb_reports", fresh, reportFields(analyst.scope, kWardA));
        } else if (k == "outside the author's wards") {
            change = pcso.create("asb_reports", fresh, reportFields(pcso.scope, kWardB));
        } else if (k == "lifecycle skip") {
            sender = &officer;
            Fields f = Fields::object();
            f["status"] = "closed";
            change = officer.update("asb_reports", report, f, reportCreate.hlc());
        } else if (k == "champion triages") {
            sender = &champion;
            Fields f = Fields::object();
            f["status"] = "triaged";
            change = champion.update("asb_reports", report, f, reportCreate.hlc());
        } else if (k == "champion triages own report") {
            sender = &champion;
            const auto own = champion.create("asb_reports", fresh, reportFields(champion.scope, kWardA));
            QVERIFY(accepted(champion, {own}));
            Fields f = Fields::object();
            f["status"] = "triaged";
            change = champion.update("asb_reports", fresh, f, own.hlc());
        } else if (k == "unknown column") {
            Fields f = reportFields(pcso.scope, kWardA);
            f["colour"] = "red";
            change = pcso.create("asb_reports", fresh, f);
        } else if (k == "unknown record class") {
            change = pcso.create("secrets", fresh, personFields("Ann"));
        } else if (k == "wrong type") {
            Fields f = reportFields(pcso.scope, kWardA);
            f["occurred_at"] = "yesterday";
            change = pcso.create("asb_reports", fresh, f);
        } else if (k == "invalid utf-8") {
            Fields f = reportFields(pcso.scope, kWardA);
            change = pcso.create("asb_reports", fresh, f);
            for (auto &field : *change.mutable_fields())
                if (field.name() == "description")
                    field.mutable_value()->set_text_value(std::string("bad \xC3\x28 text"));
        } else if (k == "oversized text") {
            Fields f = reportFields(pcso.scope, kWardA);
            f["description"] = std::string(200000, 'x');
            change = pcso.create("asb_reports", fresh, f);
        } else if (k == "unknown status") {
            Fields f = reportFields(pcso.scope, kWardA);
            f["status"] = "vanished";
            change = pcso.create("asb_reports", fresh, f);
        } else if (k == "field without a value") {
            change = pcso.create("asb_reports", fresh, reportFields(pcso.scope, kWardA));
            change.mutable_fields(0)->clear_value();
        } else if (k == "repeated field") {
            change = pcso.create("asb_reports", fresh, reportFields(pcso.scope, kWardA));
            *change.add_fields() = change.fields(0);
        } else if (k == "non-finite number") {
            Fields f = reportFields(pcso.scope, kWardA);
            change = pcso.create("asb_reports", fresh, f);
            for (auto &field : *change.mutable_fields())
                if (field.name() == "lat")
                    field.mutable_value()->set_real_value(std::numeric_limits<double>::quiet_NaN());
        } else if (k == "append-only update") {
            Fields f = Fields::object();
            f["text"] = "rewritten";
            change = pcso.update("report_events", note, f, hlcAt(kStart + 100));
        } else if (k == "update outside scope") {
            sender = &pcsoB;
            Fields f = Fields::object();
            f["status"] = "triaged";
            change = pcsoB.update("asb_reports", report, f, reportCreate.hlc());
        } else if (k == "names a person the server lacks") {
            change = pcso.create("asb_reports", fresh, reportFields(pcso.scope, kWardA, uuid(99)));
        } else if (k == "names a person outside scope") {
            change = pcso.create("asb_reports", fresh, reportFields(pcso.scope, kWardA, personB));
        } else if (k == "note on a report outside scope") {
            sender = &pcsoB;
            change = pcsoB.create("report_events", fresh, noteFields(pcsoB.scope, report));
        } else if (k == "no seq") {
            change = pcso.create("asb_reports", fresh, reportFields(pcso.scope, kWardA));
            change.set_seq(0);
        } else if (k == "bad record id") {
            change = pcso.create("asb_reports", "'; DROP TABLE asb_reports; --", reportFields(pcso.scope, kWardA));
        } else if (k == "same id from another device") {
            sender = &pcso2;
            change = pcso2.create("asb_reports", report, reportFields(pcso2.scope, kWardA));
        } else if (k == "clock far ahead") {
            pcso.clockMs = kStart + 24LL * 3600 * 1000;
            change = pcso.create("asb_reports", fresh, reportFields(pcso.scope, kWardA));
        } else {
            QFAIL("unknown case");
        }

        const auto countsBefore = allRowCounts(*m_inspect);
        const auto recordsBefore = tableDump(*m_inspect, "sync_records") + tableDump(*m_inspect, "asb_reports")
            + tableDump(*m_inspect, "people");
        const auto results = upload(*sender, {change});
        QCOMPARE(results.size(), std::size_t(1));
        QCOMPARE(results[0].seq(), change.seq());
        QCOMPARE(results[0].outcome(), syncv1::ChangeResult::REJECTED);
        QVERIFY2(results[0].reason().find(reason.toStdString()) != std::string::npos, results[0].reason().c_str());
        QVERIFY2(results[0].reason().find('\n') == std::string::npos, results[0].reason().c_str());

        auto countsAfter = allRowCounts(*m_inspect);
        if (k != "no seq") {
            // Only the answer is kept, so that a replay gets it again.
            QCOMPARE(countsAfter["sync_changes"], countsBefore.at("sync_changes") + 1);
            QCOMPARE(count("SELECT COUNT(*) FROM sync_changes WHERE outcome = 'rejected' AND device_id = '"
                           + sender->id + "' AND seq = " + std::to_string(change.seq())),
                     1);
            countsAfter["sync_changes"] -= 1;
            const auto replay = upload(*sender, {change});
            QCOMPARE(replay.size(), std::size_t(1));
            QCOMPARE(replay[0].reason(), results[0].reason());
        }
        QCOMPARE(countsAfter, countsBefore);
        QCOMPARE(tableDump(*m_inspect, "sync_records") + tableDump(*m_inspect, "asb_reports")
                     + tableDump(*m_inspect, "people"),
                 recordsBefore);
    }

    // A CHECK (or other constraint) the validator lets through still
    // rejects only its own change: each change runs in its own savepoint.
    void databaseRefusalRejectsOnlyThatChange()
    {
        Device pcso{"dev-pcso", scopeOf("pat", Role::Pcso, {kWardA})};
        Fields hate = reportFields(pcso.scope, kWardA);
        hate["hate"] = 2;  // CHECK (hate IN (0, 1))
        Fields orphan = noteFields(pcso.scope, uuid(77));  // a note on a report nobody sent
        const auto results = upload(pcso, {
                                              pcso.create("asb_reports", uuid(1), reportFields(pcso.scope, kWardA)),
                                              pcso.create("asb_reports", uuid(2), hate),
                                              pcso.create("report_events", uuid(3), orphan),
                                              pcso.create("asb_reports", uuid(4), reportFields(pcso.scope, kWardA)),
                                          });
        QCOMPARE(results.size(), std::size_t(4));
        QCOMPARE(results[0].outcome(), syncv1::ChangeResult::ACCEPTED);
        QCOMPARE(results[1].outcome(), syncv1::ChangeResult::REJECTED);
        QCOMPARE(results[2].outcome(), syncv1::ChangeResult::REJECTED);
        QCOMPARE(results[3].outcome(), syncv1::ChangeResult::ACCEPTED);
        QVERIFY(!results[1].reason().empty());
        // The foreign key, not the validator, refused the orphan note.
        QVERIFY2(results[2].reason().find("does not hold") != std::string::npos, results[2].reason().c_str());
        QCOMPARE(count("SELECT COUNT(*) FROM asb_reports"), 2);
        QCOMPARE(count("SELECT COUNT(*) FROM report_events"), 0);
        QCOMPARE(count("SELECT COUNT(*) FROM sync_records"), 2);
        QCOMPARE(count("SELECT COUNT(*) FROM sync_changes"), 4);
        QCOMPARE(testing::integrityCheck(*m_inspect), std::string("ok"));
    }

    void concurrentEditsKeepBothValues()
    {
        Device pcso{"dev-pcso", scopeOf("pat", Role::Pcso, {kWardA})};
        Device first{"dev-a", scopeOf("olly", Role::Officer, {kWardA})};
        Device second{"dev-b", scopeOf("oona", Role::Officer, {kWardA})};
        const std::string report = uuid(1);
        const auto create = pcso.create("asb_reports", report, reportFields(pcso.scope, kWardA));
        QVERIFY(accepted(pcso, {create}));

        // Both edit the same field offline, from the same version.
        Fields mine = Fields::object();
        mine["assigned_to"] = "olly";
        Fields theirs = Fields::object();
        theirs["assigned_to"] = "oona";
        first.clockMs = kStart + 1000;
        second.clockMs = kStart + 2000;
        const auto a = first.update("asb_reports", report, mine, create.hlc());
        const auto b = second.update("asb_reports", report, theirs, create.hlc());
        const auto ra = upload(first, {a});
        const auto rb = upload(second, {b});
        QCOMPARE(ra.size(), std::size_t(1));
        QCOMPARE(rb.size(), std::size_t(1));
        QCOMPARE(ra[0].outcome(), syncv1::ChangeResult::ACCEPTED);
        QCOMPARE(rb[0].outcome(), syncv1::ChangeResult::ACCEPTED);
        QVERIFY(!ra[0].conflict());
        QVERIFY(rb[0].conflict());

        QCOMPARE(count("SELECT needs_review FROM sync_records WHERE id = '" + report + "'"), 1);
        const Pulled pulled = pullAll(scopeOf("olly", Role::Officer, {kWardA}));
        QVERIFY(pulled.ok);
        QCOMPARE(pulled.records.size(), std::size_t(1));
        const syncv1::Record &record = pulled.records.begin()->second;
        QVERIFY(record.needs_review());
        // The later stamp shows; both values are kept.
        QVERIFY(fieldsOf(record).at("assigned_to") == Fields("oona"));
        QCOMPARE(record.conflicts_size(), 1);
        QCOMPARE(record.conflicts(0).field(), std::string("assigned_to"));
        std::set<std::string> values;
        std::set<std::string> devices;
        for (const auto &value : record.conflicts(0).values()) {
            values.insert(value.value().text_value());
            devices.insert(value.device_id());
        }
        QVERIFY(values.count("olly") == 1);
        QVERIFY(values.count("oona") == 1);
        QVERIFY(devices.count("dev-a") == 1 && devices.count("dev-b") == 1);

        QCOMPARE(count("SELECT COUNT(*) FROM asb_reports WHERE id = '" + report + "' AND assigned_to = 'oona'"), 1);

        // A later edit of another field, made after seeing the conflict, is
        // not itself a conflict, and the conflict stays for a supervisor.
        Fields settled = Fields::object();
        settled["close_reason"] = "Mediation offered";
        const auto c = first.update("asb_reports", report, settled, record.version());
        const auto rc = upload(first, {c});
        QCOMPARE(rc.size(), std::size_t(1));
        QCOMPARE(rc[0].outcome(), syncv1::ChangeResult::ACCEPTED);
        QVERIFY(!rc[0].conflict());
        QCOMPARE(count("SELECT needs_review FROM sync_records WHERE id = '" + report + "'"), 1);
    }

    // The stamps kept per field are exactly what the merge gives (a create
    // the server did not hold is stored without running the merge).
    void storedStampsAreTheMergeResult()
    {
        auto catalog = EntityCatalog::load(*m_inspect);
        QVERIFY(catalog.ok());
        auto storedStamps = [&](const std::string &entity, const std::string &id) {
            std::map<std::string, FieldStamp> stamps;
            auto text = readOptionalRow(
                *m_inspect, "SELECT stamps FROM sync_records WHERE entity = ?1 AND id = ?2",
                [&](Statement &st) { st.bind(1, entity).bind(2, id); }, [](const Statement &st) { return st.columnText(0); });
            if (!text || !*text)
                return stamps;
            const auto parsed = Fields::parse(**text, nullptr, false);
            if (parsed.is_discarded() || !parsed.is_array())
                return stamps;
            for (const auto &group : parsed) {
                const FieldStamp stamp{group[0].get<std::uint64_t>(), group[1].get<std::string>(),
                                       group[2].get<std::uint64_t>()};
                if (group[3].is_string()) {
                    for (const auto &[column, info] : *catalog->columns(entity))
                        stamps.try_emplace(column, stamp);
                } else {
                    for (const auto &name : group[3])
                        stamps[name.get<std::string>()] = stamp;
                }
            }
            return stamps;
        };

        Device pcso{"dev-pcso", scopeOf("pat", Role::Pcso, {kWardA})};
        Device officer{"dev-officer", scopeOf("olly", Role::Officer, {kWardA})};
        Fields partial = personFields("Ann");
        partial.erase("contact");  // a create need not send every column
        const auto person = pcso.create("people", uuid(1), partial);
        const auto report = pcso.create("asb_reports", uuid(2), reportFields(pcso.scope, kWardA));
        QVERIFY(accepted(pcso, {person, report}));
        auto expect = [](const syncv1::Change &c, const std::string &device, MergeState state = {}) {
            auto decoded = changeFromProto(c, device);
            return decoded ? mergeChange(state, *decoded).merged : MergeState{};
        };
        const MergeState personState = expect(person, pcso.id);
        QCOMPARE(personState.stamps.size(), std::size_t(3));
        QVERIFY(storedStamps("people", uuid(1)) == personState.stamps);
        const MergeState created = expect(report, pcso.id);
        QCOMPARE(created.stamps.size(), catalog->columns("asb_reports")->size());
        QVERIFY(storedStamps("asb_reports", uuid(2)) == created.stamps);

        Fields assign = Fields::object();
        assign["assigned_to"] = "olly";
        const auto update = officer.update("asb_reports", uuid(2), assign, report.hlc());
        QVERIFY(accepted(officer, {update}));
        const MergeState updated = expect(update, officer.id, created);
        QVERIFY(updated.stamps != created.stamps);
        QVERIFY(storedStamps("asb_reports", uuid(2)) == updated.stamps);
    }

    void pullPagesWithCursor()
    {
        Device pcso{"dev-pcso", scopeOf("pat", Role::Pcso, {kWardA})};
        std::vector<syncv1::Change> changes;
        for (int i = 1; i <= 25; ++i)
            changes.push_back(pcso.create("asb_reports", uuid(i), reportFields(pcso.scope, kWardA)));
        QVERIFY(accepted(pcso, changes));

        const SyncScope scope = pcso.scope;
        std::uint64_t cursor = 0;
        std::set<std::string> seen;
        std::vector<int> sizes;
        for (int page = 0; page < 10; ++page) {
            syncv1::PullRequest request;
            request.set_cursor(cursor);
            request.set_max_records(10);
            request.set_scope_token(scope.token());
            auto got = m_storage->pull(scope, request);
            QVERIFY(got.ok());
            QVERIFY(!got->rebaseline());
            QCOMPARE(got->scope_token(), scope.token());
            sizes.push_back(got->records_size());
            for (const auto &record : got->records())
                QVERIFY2(seen.insert(record.id()).second, "a record came twice");
            QVERIFY(got->next_cursor() >= cursor);
            cursor = got->next_cursor();
            if (got->complete())
                break;
        }
        QCOMPARE(sizes, (std::vector<int>{10, 10, 5}));
        QCOMPARE(seen.size(), std::size_t(25));
        QCOMPARE(cursor, *m_storage->feedHead());

        // Nothing new: an empty, complete page at the same cursor.
        syncv1::PullRequest request;
        request.set_cursor(cursor);
        request.set_scope_token(scope.token());
        auto empty = m_storage->pull(scope, request);
        QVERIFY(empty.ok());
        QCOMPARE(empty->records_size(), 0);
        QVERIFY(empty->complete());
        QCOMPARE(empty->next_cursor(), cursor);

        // A change later comes after the cursor, alone.
        Device officer{"dev-officer", scopeOf("olly", Role::Officer, {kWardA})};
        Fields f = Fields::object();
        f["assigned_to"] = "olly";
        QVERIFY(accepted(officer, {officer.update("asb_reports", uuid(7), f, changes[6].hlc())}));
        auto next = m_storage->pull(scope, request);
        QVERIFY(next.ok());
        QCOMPARE(next->records_size(), 1);
        QCOMPARE(next->records(0).id(), uuid(7));
        QVERIFY(next->complete());

        // The server caps what a device asks for.
        SqliteSyncStorageSettings capped7;
        capped7.maxPageRecords = 7;
        QVERIFY(openServer(capped7));
        syncv1::PullRequest greedy;
        greedy.set_max_records(1000000);
        auto capped = m_storage->pull(scope, greedy);
        QVERIFY(capped.ok());
        QCOMPARE(capped->records_size(), 7);
        QVERIFY(!capped->complete());
    }

    void pullPageStaysUnderByteBudget()
    {
        SqliteSyncStorageSettings small;
        small.maxPageBytes = 4096;
        QVERIFY(openServer(small));
        Device pcso{"dev-pcso", scopeOf("pat", Role::Pcso, {kWardA})};
        std::vector<syncv1::Change> changes;
        for (int i = 1; i <= 40; ++i) {
            Fields f = reportFields(pcso.scope, kWardA);
            f["description"] = std::string(500, 'a' + static_cast<char>(i % 26));
            changes.push_back(pcso.create("asb_reports", uuid(i), f));
        }
        QVERIFY(accepted(pcso, changes));
        Pulled all;
        std::size_t largest = 0;
        for (int guard = 0; guard < 100; ++guard) {
            syncv1::PullRequest request;
            request.set_cursor(all.cursor);
            request.set_scope_token(pcso.scope.token());
            auto page = m_storage->pull(pcso.scope, request);
            QVERIFY(page.ok());
            largest = std::max(largest, page->ByteSizeLong());
            for (const auto &record : page->records())
                all.records[record.id()] = record;
            all.cursor = page->next_cursor();
            ++all.pages;
            if (page->complete())
                break;
        }
        QCOMPARE(all.records.size(), std::size_t(40));
        QVERIFY(all.pages > 5);
        // The budget is passed by at most the one record that reached it.
        QVERIFY2(largest < 4096 + 1200, std::to_string(largest).c_str());
    }

    void championGetsOwnRecordsNeverPeople()
    {
        Device champion{"dev-champion", scopeOf("cara", Role::Champion, {kWardA})};
        Device pcso{"dev-pcso", scopeOf("pat", Role::Pcso, {kWardA})};
        QVERIFY(accepted(champion, {champion.create("people", uuid(1), personFields("Cath Victim")),
                                    champion.create("asb_reports", uuid(2),
                                                    reportFields(champion.scope, kWardA, uuid(1)))}));
        QVERIFY(accepted(pcso, {pcso.create("people", uuid(3), personFields("Pam Victim")),
                                pcso.create("asb_reports", uuid(4), reportFields(pcso.scope, kWardA, uuid(3)))}));

        const Pulled championView = pullAll(champion.scope);
        QVERIFY(championView.ok);
        QCOMPARE(championView.records.size(), std::size_t(1));
        QVERIFY(championView.records.count(key("asb_reports", uuid(2))) == 1);
        for (const auto &k : championView.order)
            QVERIFY2(k.rfind("people/", 0) != 0, k.c_str());

        // Another champion in the same ward sees none of it.
        const Pulled other = pullAll(scopeOf("cole", Role::Champion, {kWardA}));
        QVERIFY(other.ok);
        QCOMPARE(other.records.size(), std::size_t(0));

        // The ward's PCSO gets both reports and the people they name, the
        // champion's victim included.
        const Pulled pcsoView = pullAll(pcso.scope);
        QVERIFY(pcsoView.ok);
        QCOMPARE(pcsoView.records.size(), std::size_t(4));
        QVERIFY(pcsoView.records.count(key("people", uuid(1))) == 1);
    }

    void pcsoGetsOnlyTheirWards()
    {
        Device pcsoA{"dev-a", scopeOf("pat", Role::Pcso, {kWardA})};
        Device pcsoB{"dev-b", scopeOf("pip", Role::Pcso, {kWardB})};
        QVERIFY(accepted(pcsoA, {pcsoA.create("people", uuid(1), personFields("Ann")),
                                 pcsoA.create("asb_reports", uuid(2), reportFields(pcsoA.scope, kWardA, uuid(1))),
                                 pcsoA.create("report_events", uuid(3), noteFields(pcsoA.scope, uuid(2)))}));
        QVERIFY(accepted(pcsoB, {pcsoB.create("people", uuid(4), personFields("Bob")),
                                 pcsoB.create("asb_reports", uuid(5), reportFields(pcsoB.scope, kWardB, uuid(4))),
                                 pcsoB.create("report_events", uuid(6), noteFields(pcsoB.scope, uuid(5)))}));

        const Pulled a = pullAll(pcsoA.scope);
        QVERIFY(a.ok);
        QCOMPARE(a.records.size(), std::size_t(3));
        for (const auto &k : {key("people", uuid(1)), key("asb_reports", uuid(2)), key("report_events", uuid(3))})
            QVERIFY2(a.records.count(k) == 1, k.c_str());

        const Pulled b = pullAll(pcsoB.scope);
        QVERIFY(b.ok);
        QCOMPARE(b.records.size(), std::size_t(3));
        QVERIFY(b.records.count(key("asb_reports", uuid(5))) == 1);

        const Pulled both = pullAll(scopeOf("sue", Role::Supervisor, {kWardA, kWardB}));
        QCOMPARE(both.records.size(), std::size_t(6));
        const Pulled council = pullAll(scopeOf("cas", Role::CouncilAsb));
        QCOMPARE(council.records.size(), std::size_t(6));
        const Pulled analyst = pullAll(scopeOf("ana", Role::Analyst));
        QCOMPARE(analyst.records.size(), std::size_t(0));
        const Pulled fire = pullAll(scopeOf("fay", Role::FireHfsv));
        QCOMPARE(fire.records.size(), std::size_t(0));
        const Pulled elsewhere = pullAll(scopeOf("pim", Role::Pcso, {kWardC}));
        QCOMPARE(elsewhere.records.size(), std::size_t(0));
    }

    // A person has no ward: the first record naming them places them, and
    // moves them up the feed ahead of that record, so a device receives the
    // person before the record that names them.
    void peopleArePlacedByTheFirstRecordNamingThem()
    {
        Device pcso{"dev-pcso", scopeOf("pat", Role::Pcso, {kWardA})};
        QVERIFY(accepted(pcso, {pcso.create("people", uuid(1), personFields("Ann"))}));
        QCOMPARE(count("SELECT COUNT(*) FROM sync_records WHERE id = '" + uuid(1)
                       + "' AND ward_code IS NULL AND by_report = 0"),
                 1);
        const Pulled before = pullAll(pcso.scope);
        QCOMPARE(before.records.count(key("people", uuid(1))), std::size_t(0));

        QVERIFY(accepted(pcso, {pcso.create("asb_reports", uuid(2), reportFields(pcso.scope, kWardA, uuid(1)))}));
        QCOMPARE(count("SELECT COUNT(*) FROM sync_records WHERE id = '" + uuid(1) + "' AND ward_code = '" + kWardA
                       + "' AND by_report = 1 AND by_referral = 0"),
                 1);
        QVERIFY(count("SELECT feed_seq FROM sync_records WHERE id = '" + uuid(1) + "'")
                < count("SELECT feed_seq FROM sync_records WHERE id = '" + uuid(2) + "'"));
        const Pulled after = pullAll(pcso.scope, before);
        QVERIFY(after.ok);
        QCOMPARE(after.records.size(), std::size_t(2));
        QCOMPARE(after.order, (std::vector<std::string>{key("people", uuid(1)), key("asb_reports", uuid(2))}));

        // A later report in another ward does not move them.
        Device council{"dev-council", scopeOf("cas", Role::CouncilAsb)};
        QVERIFY(accepted(council,
                         {council.create("asb_reports", uuid(3), reportFields(council.scope, kWardB, uuid(1)))}));
        QCOMPARE(count("SELECT COUNT(*) FROM sync_records WHERE id = '" + uuid(1) + "' AND ward_code = '" + kWardA
                       + "'"),
                 1);
    }

    // A consent record goes wherever the details of the person who gave it go.
    void consentRecordsFollowTheirPerson()
    {
        Device pcso{"dev-pcso", scopeOf("pat", Role::Pcso, {kWardA})};
        Fields consent = Fields::object();
        consent["person_id"] = uuid(1);
        consent["purpose"] = "Home fire safety visit";
        consent["recipients"] = "[\"hfsv\"]";
        consent["script_version"] = "hfsv-consent-v3";
        consent["method"] = "signed_on_device";
        consent["witness"] = nullptr;
        consent["captured_by"] = "pat";
        consent["captured_by_role"] = "pcso";
        consent["captured_at"] = kStart;
        consent["capacity_concern"] = 0;
        consent["capacity_note"] = nullptr;
        consent["withdrawn_at"] = nullptr;
        consent["withdrawn_by"] = nullptr;
        consent["withdrawn_by_role"] = nullptr;
        consent["withdrawal_note"] = nullptr;
        QVERIFY(accepted(pcso, {pcso.create("people", uuid(1), personFields("Ann")),
                                pcso.create("consent_records", uuid(2), consent)}));
        QCOMPARE(count("SELECT COUNT(*) FROM sync_records WHERE id = '" + uuid(2) + "' AND parent_id = '" + uuid(1)
                       + "' AND ward_code IS NULL"),
                 1);
        const Pulled before = pullAll(pcso.scope);
        QCOMPARE(before.records.size(), std::size_t(0));
        const Pulled fire = pullAll(scopeOf("fay", Role::FireHfsv));
        QCOMPARE(fire.records.size(), std::size_t(1));
        QVERIFY(fire.records.count(key("consent_records", uuid(2))) == 1);

        QVERIFY(accepted(pcso, {pcso.create("asb_reports", uuid(3), reportFields(pcso.scope, kWardA, uuid(1)))}));
        QCOMPARE(count("SELECT COUNT(*) FROM sync_records WHERE id = '" + uuid(2) + "' AND ward_code = '" + kWardA
                       + "' AND by_report = 1"),
                 1);
        const Pulled after = pullAll(pcso.scope, before);
        QVERIFY(after.ok);
        QCOMPARE(after.order, (std::vector<std::string>{key("people", uuid(1)), key("consent_records", uuid(2)),
                                                        key("asb_reports", uuid(3))}));
        const Pulled otherWard = pullAll(scopeOf("pip", Role::Pcso, {kWardB}));
        QCOMPARE(otherWard.records.size(), std::size_t(0));
        // The fire brigade still does not see a person only a report names.
        const Pulled fireAfter = pullAll(scopeOf("fay", Role::FireHfsv));
        QCOMPARE(fireAfter.records.count(key("people", uuid(1))), std::size_t(0));
    }

    void recordMovedOutComesAsRemoved()
    {
        Device pcso{"dev-pcso", scopeOf("pat", Role::Pcso, {kWardA})};
        Device council{"dev-council", scopeOf("cas", Role::CouncilAsb)};
        const auto create = pcso.create("asb_reports", uuid(1), reportFields(pcso.scope, kWardA));
        QVERIFY(accepted(pcso, {create, pcso.create("report_events", uuid(2), noteFields(pcso.scope, uuid(1))),
                                pcso.create("asb_reports", uuid(3), reportFields(pcso.scope, kWardA))}));
        const Pulled before = pullAll(pcso.scope);
        QCOMPARE(before.records.size(), std::size_t(3));
        const SyncScope pcsoB = scopeOf("pip", Role::Pcso, {kWardB});
        const Pulled beforeB = pullAll(pcsoB);
        QCOMPARE(beforeB.records.size(), std::size_t(0));

        // The council corrects the ward: the report and its note leave ward A.
        Fields moved = Fields::object();
        moved["ward_code"] = kWardB;
        QVERIFY(accepted(council, {council.update("asb_reports", uuid(1), moved, create.hlc())}));
        QCOMPARE(count("SELECT COUNT(*) FROM sync_records WHERE ward_code = '" + kWardB + "' AND prev_ward_code = '"
                       + kWardA + "'"),
                 2);

        const Pulled after = pullAll(pcso.scope, before);
        QVERIFY(after.ok);
        QCOMPARE(after.records.size(), std::size_t(1));
        QVERIFY(after.records.count(key("asb_reports", uuid(3))) == 1);
        QCOMPARE(after.removed.size(), std::size_t(2));
        for (const auto &removed : after.removed) {
            QVERIFY(removed.removed());
            QCOMPARE(removed.fields_size(), 0);
        }

        const Pulled afterB = pullAll(pcsoB, beforeB);
        QCOMPARE(afterB.records.size(), std::size_t(2));
        QVERIFY(afterB.records.count(key("report_events", uuid(2))) == 1);
        QCOMPARE(afterB.removed.size(), std::size_t(0));

        // A fresh device holds nothing, so it is told of no removals.
        const Pulled fresh = pullAll(pcso.scope);
        QCOMPARE(fresh.records.size(), std::size_t(1));
        QCOMPARE(fresh.removed.size(), std::size_t(0));
    }

    void scopeTokenChangeRebaselines()
    {
        Device pcso{"dev-pcso", scopeOf("pat", Role::Pcso, {kWardA})};
        Device council{"dev-council", scopeOf("cas", Role::CouncilAsb)};
        QVERIFY(accepted(pcso, {pcso.create("asb_reports", uuid(1), reportFields(pcso.scope, kWardA))}));
        QVERIFY(accepted(council, {council.create("asb_reports", uuid(2), reportFields(council.scope, kWardB))}));
        const Pulled first = pullAll(pcso.scope);
        QCOMPARE(first.records.size(), std::size_t(1));
        QVERIFY(first.cursor > 0);

        // The user now covers ward B as well: a new token.
        const SyncScope wider = scopeOf("pat", Role::Pcso, {kWardA, kWardB});
        QVERIFY(wider.token() != pcso.scope.token());
        syncv1::PullRequest request;
        request.set_cursor(first.cursor);
        request.set_scope_token(first.token);
        auto page = m_storage->pull(wider, request);
        QVERIFY(page.ok());
        QVERIFY(page->rebaseline());
        QCOMPARE(page->scope_token(), wider.token());
        QCOMPARE(page->records_size(), 2);  // from the start again
        QVERIFY(page->complete());

        // With the new token the device goes on normally.
        request.set_cursor(page->next_cursor());
        request.set_scope_token(page->scope_token());
        auto next = m_storage->pull(wider, request);
        QVERIFY(next.ok());
        QVERIFY(!next->rebaseline());
        QCOMPARE(next->records_size(), 0);

        // A cursor the server never handed out (a restored server) starts
        // the device again too.
        syncv1::PullRequest ahead;
        ahead.set_cursor(*m_storage->feedHead() + 1000);
        ahead.set_scope_token(wider.token());
        auto aheadPage = m_storage->pull(wider, ahead);
        QVERIFY(aheadPage.ok());
        QVERIFY(aheadPage->rebaseline());
        QCOMPARE(aheadPage->records_size(), 2);

        // A device that holds nothing yet is not rebaselined, whatever it sends.
        syncv1::PullRequest fresh;
        fresh.set_scope_token("stale");
        auto freshPage = m_storage->pull(wider, fresh);
        QVERIFY(freshPage.ok());
        QVERIFY(!freshPage->rebaseline());
        QCOMPARE(freshPage->records_size(), 2);
    }

    void verifyChecksumsMatchRecomputation()
    {
        Device pcso{"dev-pcso", scopeOf("pat", Role::Pcso, {kWardA})};
        Device pcsoB{"dev-b", scopeOf("pip", Role::Pcso, {kWardB})};
        QVERIFY(accepted(pcso, {pcso.create("people", uuid(1), personFields("Ann")),
                                pcso.create("asb_reports", uuid(2), reportFields(pcso.scope, kWardA, uuid(1))),
                                pcso.create("report_events", uuid(3), noteFields(pcso.scope, uuid(2))),
                                pcso.create("asb_reports", uuid(4), reportFields(pcso.scope, kWardA))}));
        QVERIFY(accepted(pcsoB, {pcsoB.create("asb_reports", uuid(5), reportFields(pcsoB.scope, kWardB))}));

        for (const SyncScope &scope : {pcso.scope, pcsoB.scope, scopeOf("cas", Role::CouncilAsb),
                                       scopeOf("cara", Role::Champion, {kWardA})}) {
            const Pulled pulled = pullAll(scope);
            QVERIFY(pulled.ok);
            // Recomputed here from what a device received, as sync.proto defines it.
            std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> expected;
            for (const auto &[k, record] : pulled.records) {
                const QByteArray text = QByteArray::fromStdString(record.entity() + "\n" + record.id() + "\n"
                                                                  + std::to_string(record.version()));
                const QByteArray digest = QCryptographicHash::hash(text, QCryptographicHash::Sha256);
                std::uint64_t term = 0;
                for (int i = 0; i < 8; ++i)
                    term = (term << 8) | static_cast<std::uint8_t>(digest[i]);
                auto &entry = expected[record.entity()];
                entry.first += 1;
                entry.second += term;
            }
            auto verified = m_storage->verify(scope);
            QVERIFY(verified.ok());
            QCOMPARE(verified->cursor(), *m_storage->feedHead());
            QVERIFY(verified->checksums_size() >= 11);
            std::set<std::string> entities;
            for (const auto &checksum : verified->checksums()) {
                QVERIFY2(entities.insert(checksum.entity()).second, checksum.entity().c_str());
                const auto found = expected.find(checksum.entity());
                const auto want = found == expected.end() ? std::pair<std::uint64_t, std::uint64_t>{0, 0}
                                                          : found->second;
                QCOMPARE(checksum.count(), want.first);
                QCOMPARE(checksum.checksum(), want.second);
            }
            for (const auto &[entity, sums] : expected)
                QVERIFY2(entities.count(entity) == 1, entity.c_str());
        }

        // A change moves the checksum.
        auto before = m_storage->verify(pcso.scope);
        Device officer{"dev-officer", scopeOf("olly", Role::Officer, {kWardA})};
        Fields f = Fields::object();
        f["assigned_to"] = "olly";
        QVERIFY(accepted(officer, {officer.update("asb_reports", uuid(4), f, hlcAt(kStart + 40))}));
        auto after = m_storage->verify(pcso.scope);
        QVERIFY(before.ok() && after.ok());
        QVERIFY(after->cursor() > before->cursor());
        bool moved = false;
        for (int i = 0; i < after->checksums_size(); ++i)
            if (after->checksums(i).entity() == "asb_reports")
                moved = after->checksums(i).checksum() != before->checksums(i).checksum();
        QVERIFY(moved);
    }

    void groupOfRequestsInOneCall()
    {
        Device a{"dev-a", scopeOf("pat", Role::Pcso, {kWardA})};
        Device b{"dev-b", scopeOf("pip", Role::Pcso, {kWardB})};
        Device c{"dev-c", scopeOf("cara", Role::Champion, {kWardA})};
        syncv1::UploadBatch batchA;
        *batchA.add_changes() = a.create("asb_reports", uuid(1), reportFields(a.scope, kWardA));
        *batchA.add_changes() = a.create("report_events", uuid(2), noteFields(a.scope, uuid(1)));
        syncv1::UploadBatch batchB;
        *batchB.add_changes() = b.create("asb_reports", uuid(3), reportFields(b.scope, kWardA));  // not B's ward
        *batchB.add_changes() = b.create("asb_reports", uuid(4), reportFields(b.scope, kWardB));
        syncv1::UploadBatch batchC;
        *batchC.add_changes() = c.create("asb_reports", uuid(5), reportFields(c.scope, kWardA));
        const syncv1::UploadBatch empty;
        const UploadRequest fromA{a.id, a.scope, batchA}, fromB{b.id, b.scope, batchB}, fromC{c.id, c.scope, batchC},
            nothing{"dev-empty", a.scope, empty};
        const UploadRequest *requests[] = {&fromA, &fromB, &fromC, &nothing};
        auto results = m_storage->applyUploads(requests);
        QVERIFY(results.ok());
        QCOMPARE(results->size(), std::size_t(4));
        QCOMPARE((*results)[0].results_size(), 2);
        QCOMPARE((*results)[1].results_size(), 2);
        QCOMPARE((*results)[2].results_size(), 1);
        QCOMPARE((*results)[3].results_size(), 0);
        QCOMPARE((*results)[0].results(0).outcome(), syncv1::ChangeResult::ACCEPTED);
        QCOMPARE((*results)[0].results(1).outcome(), syncv1::ChangeResult::ACCEPTED);
        QCOMPARE((*results)[1].results(0).outcome(), syncv1::ChangeResult::REJECTED);
        QCOMPARE((*results)[1].results(1).outcome(), syncv1::ChangeResult::ACCEPTED);
        QCOMPARE((*results)[2].results(0).outcome(), syncv1::ChangeResult::ACCEPTED);
        QCOMPARE((*results)[1].results(1).seq(), std::uint64_t(2));
        // Answers are per device: the same seq from two devices are two changes.
        QCOMPARE(count("SELECT COUNT(*) FROM sync_changes WHERE seq = 1"), 3);

        // Durable: a new server on the same file has it all, and goes on
        // numbering the feed after it.
        const auto head = m_storage->feedHead();
        QVERIFY(head.ok());
        QVERIFY(openServer());
        QCOMPARE(count("SELECT COUNT(*) FROM asb_reports"), 3);
        QCOMPARE(*m_storage->feedHead(), *head);
        const auto replay = upload(a, {batchA.changes(0)});
        QCOMPARE(replay.size(), std::size_t(1));
        QCOMPARE(replay[0].outcome(), syncv1::ChangeResult::ACCEPTED);
        QCOMPARE(*m_storage->feedHead(), *head);
        QVERIFY(accepted(a, {a.create("asb_reports", uuid(6), reportFields(a.scope, kWardA))}));
        QCOMPARE(*m_storage->feedHead(), *head + 1);
    }

    // Pulls and verifies run on their own connections while uploads commit.
    void readsRunBesideUploads()
    {
        Device pcso{"dev-pcso", scopeOf("pat", Role::Pcso, {kWardA})};
        std::atomic<bool> stop{false};
        std::atomic<int> failures{0};
        std::atomic<int> reads{0};
        std::vector<std::thread> readers;
        for (int t = 0; t < 3; ++t)
            readers.emplace_back([&, t] {
                const SyncScope scope = pcso.scope;
                std::uint64_t cursor = 0;
                std::set<std::string> seen;
                while (!stop.load()) {
                    if (t == 2) {
                        if (!m_storage->verify(scope).ok())
                            ++failures;
                    } else {
                        syncv1::PullRequest request;
                        request.set_cursor(cursor);
                        request.set_scope_token(scope.token());
                        auto page = m_storage->pull(scope, request);
                        if (!page.ok() || page->next_cursor() < cursor) {
                            ++failures;
                            continue;
                        }
                        cursor = page->next_cursor();
                    }
                    ++reads;
                }
            });
        for (int round = 0; round < 20; ++round) {
            std::vector<syncv1::Change> changes;
            for (int i = 0; i < 20; ++i)
                changes.push_back(
                    pcso.create("asb_reports", uuid(round * 100 + i + 1), reportFields(pcso.scope, kWardA)));
            if (!accepted(pcso, changes))
                ++failures;
        }
        stop = true;
        for (auto &reader : readers)
            reader.join();
        QCOMPARE(failures.load(), 0);
        QVERIFY(reads.load() > 0);
        const Pulled all = pullAll(pcso.scope);
        QCOMPARE(all.records.size(), std::size_t(400));
    }

    // An in-memory database (tests) cannot be shared between connections:
    // reads go through the writer's.
    void worksOnAnInMemoryDatabase()
    {
        auto db = openServerDatabase(":memory:");
        QVERIFY(db.ok());
        auto storage = SqliteSyncStorage::open(std::move(*db), *m_clock);
        QVERIFY(storage.ok());
        Device pcso{"dev-pcso", scopeOf("pat", Role::Pcso, {kWardA})};
        syncv1::UploadBatch batch;
        *batch.add_changes() = pcso.create("asb_reports", uuid(1), reportFields(pcso.scope, kWardA));
        const UploadRequest request{pcso.id, pcso.scope, batch};
        const UploadRequest *requests[] = {&request};
        auto results = (*storage)->applyUploads(requests);
        QVERIFY(results.ok());
        QCOMPARE((*results)[0].results(0).outcome(), syncv1::ChangeResult::ACCEPTED);
        auto page = (*storage)->pull(pcso.scope, syncv1::PullRequest());
        QVERIFY(page.ok());
        QCOMPARE(page->records_size(), 1);
        auto verified = (*storage)->verify(pcso.scope);
        QVERIFY(verified.ok());
        QCOMPARE(verified->cursor(), std::uint64_t(1));
    }

    void refusesADatabaseWithoutSyncTables()
    {
        auto plain = Database::open(m_dir->filePath("plain.db").toStdString());
        QVERIFY(plain.ok());
        auto storage = SqliteSyncStorage::open(std::move(*plain), *m_clock);
        QVERIFY(!storage.ok());
        QVERIFY(storage.error().message.find("openServerDatabase") != std::string::npos);
        auto none = SqliteSyncStorage::open(nullptr, *m_clock);
        QVERIFY(!none.ok());
    }

    void serverMigrationsAreRecordedOnce()
    {
        // 4 (no device-only report indexes) is the latest.
        QCOMPARE(count("SELECT MAX(version) FROM server_schema"), 4);
        QCOMPARE(static_cast<int>(serverMigrations().size()), 4);
        for (int i = 0; i < 4; ++i)
            QCOMPARE(serverMigrations()[static_cast<std::size_t>(i)].version, i + 1);
        // Reopening migrates nothing twice.
        QVERIFY(openServer());
        for (int version = 1; version <= 4; ++version)
            QCOMPARE(count("SELECT COUNT(*) FROM server_schema WHERE version = " + std::to_string(version)), 1);
    }

    // The server writes every report's indexes on its one writer thread and
    // never checks repeats itself: only the ward index stays.
    void theServerKeepsOnlyTheReportWardIndex()
    {
        QCOMPARE(count("SELECT COUNT(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'asb_reports' "
                       "AND name NOT LIKE 'sqlite_autoindex_%'"),
                 1);
        QCOMPARE(count("SELECT COUNT(*) FROM sqlite_schema WHERE name = 'asb_reports_ward_status'"), 1);
    }
};

QTEST_GUILESS_MAIN(TestSqliteSyncStorage)
#include "tst_sqlitesyncstorage.moc"
