#include "core/hlc.h"
#include "core/text.h"
#include "datapack/datapack.h"
#include "domain/addressrange.h"
#include "domain/advicelibrary.h"
#include "store/advicestore.h"
#include "store/asbreportstore.h"
#include "store/cocooningstore.h"
#include "store/database.h"
#include "store/devicestore.h"
#include "store/migrations.h"
#include "store/patrolstore.h"
#include "store/referralstore.h"
#include "sync/changevalidator.h"
#include "teststore.h"

#include <QTest>

#include <cmath>
#include <limits>
#include <map>
#include <memory>

using namespace beatbook;

// QCOMPARE cannot take Fields (nlohmann's conversions confuse Qt's
// overloads); this compares and shows both values on failure.
#define COMPARE_FIELDS(actual, expected)                                                                     \
    QVERIFY2((actual) == (expected),                                                                        \
             qPrintable(QString::fromStdString(Fields(actual).dump() + " != " + Fields(expected).dump())))

// Enum values are compared with QVERIFY(a == b): QCOMPARE on a beatbook enum is
// ambiguous between QTest::toString and beatbook::toString (found by ADL).

namespace {

constexpr TimestampMs kT0 = 1795554900000LL; // 2026-11-24T21:15:00Z
constexpr TimestampMs kMinute = 60 * 1000;
constexpr TimestampMs kHour = 60 * kMinute;
constexpr double kHendonLat = 51.58951, kHendonLon = -0.22356;
const std::string kHendon = "E05013643";
const std::string kBurntOak = "E05013630";

SyncScope scope(Role role, const std::string &user, std::vector<std::string> wards = {kHendon})
{
    return SyncScope{user, role, std::move(wards)};
}

// Outbox rows as the sync client sends them: read from the device's
// outbox, then through the wire codec and back, as the server decodes them.
std::vector<SyncChange> readOutbox(DeviceStore &store, std::int64_t afterSeq = 0)
{
    std::vector<SyncChange> out;
    auto stmt = store.db().prepare("SELECT seq, change_id, entity, entity_id, op, fields, hlc, device_id, base_hlc "
                                   "FROM outbox WHERE seq > ?1 ORDER BY seq");
    if (!stmt)
        return out;
    (*stmt)->bind(1, afterSeq);
    while (true) {
        auto row = (*stmt)->step();
        if (!row || !*row)
            break;
        const Statement &s = **stmt;
        SyncChange c;
        c.seq = static_cast<std::uint64_t>(s.columnInt(0));
        c.changeId = s.columnText(1);
        c.entity = s.columnText(2);
        c.entityId = s.columnText(3);
        c.op = s.columnText(4) == "create" ? ChangeOp::Create : ChangeOp::Update;
        c.fields = Fields::parse(s.columnText(5), nullptr, false);
        c.hlc = static_cast<std::uint64_t>(s.columnInt(6));
        c.deviceId = s.columnText(7);
        c.baseHlc = static_cast<std::uint64_t>(s.columnInt(8));
        beatbook::sync::v1::Change proto;
        if (!changeToProto(c, proto)) {
            qWarning("outbox entry %lld does not encode", static_cast<long long>(c.seq));
            continue;
        }
        auto decoded = changeFromProto(proto, c.deviceId);
        if (!decoded) {
            qWarning("outbox entry %lld does not decode: %s", static_cast<long long>(c.seq),
                     decoded.error().message.c_str());
            continue;
        }
        out.push_back(std::move(*decoded));
    }
    (*stmt)->reset();
    return out;
}

// The server's side, kept to what the validator needs: records by class
// and id, with their merge state and creating device; each upload is
// validated as the storage does and merged when accepted.
class ServerSim {
public:
    ServerSim(const EntityCatalog &catalog, const AdviceLibrary *library) : m_catalog(catalog), m_library(library) {}

    Status upload(const SyncChange &c, const SyncScope &author, TimestampMs now)
    {
        const EntityInfo *info = findEntity(c.entity);
        const Key key{c.entity, c.entityId};
        auto found = m_records.find(key);
        std::optional<Fields> current;
        if (found != m_records.end())
            current = found->second.state.fields;

        std::optional<std::string> parentWard;
        if (info && !info->parentEntity.empty()) {
            std::string parentId = text(c.fields, info->parentColumn);
            if (parentId.empty() && current)
                parentId = text(*current, info->parentColumn);
            const EntityInfo *parentInfo = findEntity(info->parentEntity);
            auto parent = m_records.find(Key{std::string(info->parentEntity), parentId});
            if (parent != m_records.end() && parentInfo) {
                const std::string ward = text(parent->second.state.fields, parentInfo->wardColumn);
                if (!ward.empty())
                    parentWard = ward;
            }
        }
        std::optional<Fields> consent;
        if (c.entity == "referrals") {
            std::string consentId = text(c.fields, "consent_id");
            if (consentId.empty() && current)
                consentId = text(*current, "consent_id");
            if (auto held = m_records.find(Key{"consent_records", consentId}); held != m_records.end())
                consent = held->second.state.fields;
        }

        ChangeCheck check{m_catalog, author, current, parentWard};
        check.creatorDeviceId = found != m_records.end() ? found->second.creator : std::string_view();
        check.consent = consent ? &*consent : nullptr;
        check.merge = found != m_records.end() ? &found->second.state : nullptr;
        check.adviceLibrary = m_library;
        check.now = now;
        if (auto ok = validateChange(c, check); !ok)
            return ok;
        Held &held = m_records[key];
        if (held.creator.empty())
            held.creator = c.deviceId;
        held.state = mergeChange(held.state, c).merged;
        return {};
    }

    const Fields *record(const std::string &entity, const std::string &id) const
    {
        auto found = m_records.find(Key{entity, id});
        return found == m_records.end() ? nullptr : &found->second.state.fields;
    }

private:
    using Key = std::pair<std::string, std::string>;
    struct Held {
        MergeState state;
        std::string creator;
    };
    static std::string text(const Fields &f, std::string_view column)
    {
        if (!f.is_object() || column.empty())
            return {};
        auto it = f.find(std::string(column));
        return it != f.end() && it->is_string() ? it->get<std::string>() : std::string();
    }

    const EntityCatalog &m_catalog;
    const AdviceLibrary *m_library;
    std::map<Key, Held> m_records;
};

ConsentRecord consentFor(std::vector<ReferralRoute> routes)
{
    ConsentRecord c;
    c.purpose = "A home fire safety visit";
    c.recipients = std::move(routes);
    c.scriptVersion = "hfsv-consent-v3";
    c.method = ConsentMethod::VerbalWitnessed;
    c.witnessName = "Sam Jones";
    return c;
}

Referral hfsvInput()
{
    Referral r;
    r.route = ReferralRoute::Hfsv;
    r.addressText = "12 Acacia Avenue";
    r.wardCode = kHendon;
    r.riskFactors = {RiskFactor::Smoker, RiskFactor::BedOrChairBound};
    return r;
}

bool hasMessage(const Status &status, const std::string &text)
{
    if (status.ok()) {
        qWarning("accepted, expected a refusal mentioning '%s'", text.c_str());
        return false;
    }
    if (status.error().message.find(text) == std::string::npos) {
        qWarning("refused with '%s', expected '%s'", status.error().message.c_str(), text.c_str());
        return false;
    }
    return true;
}

// What the storage would hand the validator besides the record itself.
struct Options {
    std::optional<std::string> parentWard = std::nullopt;
    std::string creator = {};
    const Fields *consent = nullptr;
    const MergeState *merge = nullptr;
    const AdviceLibrary *library = nullptr;
    TimestampMs now = 0; // 0: the test's clock; negative: no server clock
};

} // namespace

class TestChangeValidator : public QObject {
    Q_OBJECT

    std::unique_ptr<Database> m_db;
    std::optional<EntityCatalog> m_catalog;
    testing::TestDevices m_devices{kT0, 9090};
    const DataPack *m_pack = nullptr;
    const AdviceLibrary *m_library = nullptr;

    // Creates the device stores made, by class: templates for the rule tests.
    std::map<std::string, SyncChange> m_creates;
    std::map<std::string, SyncScope> m_authors;

    TimestampMs now() const { return m_devices.clock.nowMs(); }
    std::uint64_t stamp(TimestampMs at) const { return HlcTimestamp::from(at, 0).value; }

    Status validate(const SyncChange &c, const SyncScope &author, const std::optional<Fields> &current = {},
                    const Options &options = {})
    {
        ChangeCheck check{*m_catalog, author, current, options.parentWard};
        check.creatorDeviceId = options.creator;
        check.consent = options.consent;
        check.merge = options.merge;
        check.adviceLibrary = options.library;
        check.now = options.now ? options.now : now();
        return validateChange(c, check);
    }

    // A create of `entity` as a device store wrote it, freshly stamped.
    SyncChange createOf(const std::string &entity)
    {
        SyncChange c = m_creates.at(entity);
        c.hlc = stamp(now());
        c.baseHlc = 0;
        return c;
    }

    SyncChange updateOf(const std::string &entity, Fields fields, const std::string &device = "dev-other")
    {
        SyncChange c = m_creates.at(entity);
        c.op = ChangeOp::Update;
        c.hlc = stamp(now());
        c.baseHlc = stamp(now() - kMinute);
        c.deviceId = device;
        c.fields = std::move(fields);
        return c;
    }

    Fields recordOf(const std::string &entity) const { return m_creates.at(entity).fields; }

    // Runs the device stores for several users, uploads everything they
    // wrote to a simulated server, and keeps one create of each class.
    void runDevices(ServerSim &server, std::vector<std::pair<SyncChange, SyncScope>> &all)
    {
        auto &clock = m_devices.clock;
        auto tick = [&clock] { clock.advance(kMinute); };
        const WardBoundaries &wards = m_pack->wards();

        auto collect = [&](DeviceStore &store, const SyncScope &author) {
            for (auto &c : readOutbox(store))
                all.emplace_back(std::move(c), author);
        };

        // An officer logs, follows up and works a report through to closed,
        // redirects another, and gives advice.
        {
            const SyncScope officer = scope(Role::Officer, "PC Olly Stone");
            auto store = m_devices.openNew(testing::testProfile(Role::Officer, officer.userName));
            QVERIFY(store);
            AsbReportStore reports(*store, wards);
            NewAsbReport input;
            input.type = AsbType::Noise;
            input.qualifier = AsbQualifier::Personal;
            input.occurredAt = now() - kHour;
            input.lat = kHendonLat;
            input.lon = kHendonLon;
            input.accuracyM = 12.5;
            input.addressText = "12 Acacia Avenue";
            input.description = "Loud music\nevery night";
            input.victim = PersonDetails{"Mary Smith", "07700 900123"};
            input.reporter = PersonDetails{"Ron Smith", ""};
            auto logged = reports.log(input);
            QVERIFY2(logged.ok(), logged.ok() ? "" : logged.error().message.c_str());
            const std::string id = logged->report.id;
            tick();
            QVERIFY(reports.addFollowUp(id, "follow_up", "Spoke to the neighbour").ok());
            for (auto to : {AsbStatus::Triaged, AsbStatus::Assigned, AsbStatus::InAction, AsbStatus::Resolved,
                            AsbStatus::ReporterInformed, AsbStatus::Closed}) {
                tick();
                auto moved = reports.transition(id, to, "", to == AsbStatus::Assigned
                                                                ? std::optional<std::string>("PCSO Khan")
                                                                : std::nullopt);
                QVERIFY2(moved.ok(), moved.ok() ? "" : moved.error().message.c_str());
            }
            tick();
            auto other = reports.log(input);
            QVERIFY(other.ok());
            QVERIFY(reports.transition(other->report.id, AsbStatus::Triaged, "").ok());
            QVERIFY(reports.transition(other->report.id, AsbStatus::Redirected, "Recorded as crime CR/1234").ok());
            tick();
            AdviceStore advice(*store, *m_library);
            AdviceGiven given;
            given.articleId = "burglary_home_security";
            given.articleVersion = 2;
            given.recipient = RecipientKind::Victim;
            given.reportId = id;
            auto recorded = advice.record(given);
            QVERIFY2(recorded.ok(), recorded.ok() ? "" : recorded.error().message.c_str());
            collect(*store, officer);
        }

        // A champion logs a report, runs a cocooning operation, walks a joint
        // patrol and refers someone on consent.
        {
            const SyncScope champion = scope(Role::Champion, "Cham Patel");
            auto store = m_devices.openNew(testing::testProfile(Role::Champion, champion.userName));
            QVERIFY(store);
            AsbReportStore reports(*store, wards);
            NewAsbReport input;
            input.type = AsbType::Graffiti;
            input.qualifier = AsbQualifier::Environmental;
            input.occurredAt = now() - kHour;
            input.lat = kHendonLat;
            input.lon = kHendonLon;
            input.description = "Tags on the bus shelter";
            QVERIFY(reports.log(input).ok());
            tick();

            CocooningStore cocooning(*store, wards, *m_library);
            CocooningRequest request;
            request.originAddress = "14 Acacia Avenue";
            request.origin = GeoPoint{kHendonLat, kHendonLon};
            request.burglaryAt = now() - 2 * kHour;
            request.ranges.push_back(*parseAddressRange("Acacia Avenue 2-6, even"));
            auto op = cocooning.plan(request);
            QVERIFY2(op.ok(), op.ok() ? "" : op.error().message.c_str());
            tick();
            auto visit = cocooning.recordVisit(op->id, op->targets.at(0).id, "in_person", "", std::nullopt,
                                               std::nullopt);
            QVERIFY2(visit.ok(), visit.ok() ? "" : visit.error().message.c_str());
            tick();
            QVERIFY(cocooning.close(op->id, "Heavy rain; the rest by card").ok());

            PatrolStore patrols(*store, wards);
            auto patrol = patrols.start(kHendon, {{"Cham Patel", Role::Champion}, {"PCSO Khan", Role::Pcso}});
            QVERIFY2(patrol.ok(), patrol.ok() ? "" : patrol.error().message.c_str());
            tick();
            QVERIFY(patrols.observe(patrol->id, "Broken street light on Mill Lane").ok());
            tick();
            QVERIFY(patrols.end(patrol->id).ok());

            ReferralStore referrals(*store);
            auto consent = referrals.captureConsent(consentFor({ReferralRoute::Hfsv}), ReferredPerson::named("Mary Smith"));
            QVERIFY2(consent.ok(), consent.ok() ? "" : consent.error().message.c_str());
            tick();
            auto referral = referrals.draft(hfsvInput(), ReferredPerson::existing(consent->consent.personId));
            QVERIFY2(referral.ok(), referral.ok() ? "" : referral.error().message.c_str());
            tick();
            QVERIFY(referrals.transition(referral->id, ReferralStatus::ConsentCaptured, "", consent->consent.id).ok());
            tick();
            QVERIFY(referrals.transition(referral->id, ReferralStatus::Sent).ok());
            collect(*store, champion);
        }

        // A fire-brigade officer refers on consent and records the answers,
        // gives fire advice, and withdraws one consent with its referral.
        {
            const SyncScope fire = scope(Role::FireHfsv, "FF Fred Ames", {});
            auto store = m_devices.openNew(testing::testProfile(Role::FireHfsv, fire.userName));
            QVERIFY(store);
            ReferralStore referrals(*store);
            for (int round = 0; round < 2; ++round) {
                auto consent = referrals.captureConsent(consentFor({ReferralRoute::Hfsv}), ReferredPerson::named("Alf Jones"));
                QVERIFY(consent.ok());
                tick();
                auto referral = referrals.draft(hfsvInput(), ReferredPerson::existing(consent->consent.personId));
                QVERIFY(referral.ok());
                tick();
                QVERIFY(referrals.transition(referral->id, ReferralStatus::ConsentCaptured, "", consent->consent.id).ok());
                tick();
                QVERIFY(referrals.transition(referral->id, ReferralStatus::Sent).ok());
                tick();
                if (round == 0) {
                    for (auto to : {ReferralStatus::Acknowledged, ReferralStatus::Accepted, ReferralStatus::Completed}) {
                        auto moved = referrals.transition(referral->id, to);
                        QVERIFY2(moved.ok(), moved.ok() ? "" : moved.error().message.c_str());
                        tick();
                    }
                } else {
                    auto withdrawn = referrals.withdrawConsent(consent->consent.id, "Changed her mind");
                    QVERIFY2(withdrawn.ok(), withdrawn.ok() ? "" : withdrawn.error().message.c_str());
                    QCOMPARE(withdrawn->withdrawnReferrals.size(), std::size_t{1});
                }
            }
            AdviceStore advice(*store, *m_library);
            AdviceGiven given;
            given.articleId = "fire_safety_at_home";
            given.articleVersion = 1;
            given.recipient = RecipientKind::Resident;
            given.addressText = "3 Mill Lane";
            QVERIFY(advice.record(given).ok());
            collect(*store, fire);
        }

        // A PCSO asks to go without consent; a supervisor, holding the
        // referral as a pull would have left it, approves and sends it.
        {
            const SyncScope pcso = scope(Role::Pcso, "PCSO Khan");
            const SyncScope supervisor = scope(Role::Supervisor, "Sgt Ada Brown");
            auto pcsoStore = m_devices.openNew(testing::testProfile(Role::Pcso, pcso.userName));
            QVERIFY(pcsoStore);
            const std::string pcsoPath = m_devices.lastPath();
            ReferralStore pcsoReferrals(*pcsoStore);
            Referral input = hfsvInput();
            input.route = ReferralRoute::AdultSocialCare;
            input.riskFactors = {};
            auto referral = pcsoReferrals.draft(input, ReferredPerson::named("Edna Low"));
            QVERIFY2(referral.ok(), referral.ok() ? "" : referral.error().message.c_str());
            tick();
            QVERIFY(pcsoReferrals.transition(referral->id, ReferralStatus::OverrideRequested,
                                             "Lives alone with dementia and no heating; refuses to engage")
                        .ok());
            collect(*pcsoStore, pcso);
            tick();

            auto supStore = m_devices.openNew(testing::testProfile(Role::Supervisor, supervisor.userName));
            QVERIFY(supStore);
            Database &sdb = supStore->db();
            QVERIFY(sdb.exec("ATTACH DATABASE '" + pcsoPath + "' AS pulled").ok());
            QVERIFY(sdb.exec("INSERT INTO main.people SELECT * FROM pulled.people").ok());
            QVERIFY(sdb.exec("INSERT INTO main.referrals SELECT * FROM pulled.referrals").ok());
            QVERIFY(sdb.exec("DETACH DATABASE pulled").ok());
            ReferralStore supReferrals(*supStore);
            auto approved = supReferrals.transition(referral->id, ReferralStatus::OverrideApproved);
            QVERIFY2(approved.ok(), approved.ok() ? "" : approved.error().message.c_str());
            tick();
            QVERIFY(supReferrals.transition(referral->id, ReferralStatus::Sent).ok());
            collect(*supStore, supervisor);
        }

        for (const auto &[change, author] : all) {
            const Status ok = server.upload(change, author, now());
            QVERIFY2(ok.ok(), (change.entity + " " + (change.op == ChangeOp::Create ? "create" : "update") + " by "
                               + author.userName + ": " + (ok.ok() ? "" : ok.error().message))
                                  .c_str());
            if (change.op == ChangeOp::Create && !m_creates.count(change.entity)) {
                m_creates.emplace(change.entity, change);
                m_authors.emplace(change.entity, author);
            }
        }
    }

private slots:
    void initTestCase()
    {
        auto db = Database::open(":memory:");
        QVERIFY(db.ok());
        m_db = std::move(*db);
        QVERIFY(migrate(*m_db).ok());
        auto catalog = EntityCatalog::load(*m_db);
        QVERIFY2(catalog.ok(), catalog.ok() ? "" : catalog.error().message.c_str());
        m_catalog = std::move(*catalog);
        m_pack = testing::barnetPack();
        QVERIFY(m_pack);
        m_library = testing::barnetAdviceLibrary();
        QVERIFY(m_library);

        ServerSim server(*m_catalog, m_library);
        std::vector<std::pair<SyncChange, SyncScope>> all;
        runDevices(server, all);
        QVERIFY(all.size() > 40);
        for (const auto &entity : syncedEntities())
            QVERIFY2(m_creates.count(std::string(entity.name)), std::string(entity.name).c_str());
        m_devices.clock.advance(kMinute);
    }

    // ---------------------------------------------------------------- the basics

    void acceptsTheTemplates()
    {
        for (const auto &[entity, change] : m_creates)
            QVERIFY2(validate(createOf(entity), m_authors.at(entity)).ok(), entity.c_str());
    }

    void refusesUnknownClassAndId()
    {
        SyncChange c = createOf("asb_reports");
        c.entity = "outbox";
        QVERIFY(hasMessage(validate(c, m_authors.at("asb_reports")), "unknown record class"));
        c.entity = "nope";
        QVERIFY(hasMessage(validate(c, m_authors.at("asb_reports")), "unknown record class 'nope'"));
        c = createOf("asb_reports");
        c.entityId = "bad id";
        QVERIFY(hasMessage(validate(c, m_authors.at("asb_reports")), "record id"));
        c.entityId = std::string(65, 'a');
        QVERIFY(hasMessage(validate(c, m_authors.at("asb_reports")), "longer than 64"));
    }

    void analystAndAdminWriteNothing()
    {
        for (auto role : {Role::Analyst, Role::Admin}) {
            SyncChange c = createOf("asb_reports");
            const SyncScope author = scope(role, "PC Olly Stone");
            const Status ok = validate(c, author);
            QVERIFY(hasMessage(ok, "may not write records"));
            QVERIFY(ok.error().code == ErrorCode::NotAllowed);
        }
    }

    void createMustNameANewRecord()
    {
        const SyncChange c = createOf("asb_reports");
        const SyncScope &author = m_authors.at("asb_reports");
        const std::optional<Fields> current = c.fields;
        // Another device: refused, whoever it is.
        Options other;
        other.creator = "someone-else";
        const Status refused = validate(c, author, current, other);
        QVERIFY(hasMessage(refused, "already exists"));
        QVERIFY(refused.error().code == ErrorCode::Conflict);
        // The same device replaying its create: fine.
        Options same;
        same.creator = c.deviceId;
        QVERIFY(validate(c, author, current, same).ok());
        // Creator unknown: the owner column decides.
        QVERIFY(validate(c, author, current).ok());
        QVERIFY(hasMessage(validate(c, scope(Role::Officer, "PC Someone Else"), current), "already exists"));
        // No owner column and no creator: refused.
        const SyncChange person = createOf("people");
        QVERIFY(hasMessage(validate(person, m_authors.at("people"), std::optional<Fields>(person.fields)),
                           "already exists"));
    }

    void updateNeedsAStoredRecord()
    {
        const SyncChange c = updateOf("asb_reports", {{"status", "triaged"}});
        const Status ok = validate(c, scope(Role::Officer, "PC Olly Stone"));
        QVERIFY(hasMessage(ok, "no report"));
        QVERIFY(ok.error().code == ErrorCode::NotFound);
    }

    void updateMustChangeSomething()
    {
        const SyncChange c = updateOf("asb_reports", Fields::object());
        QVERIFY(hasMessage(validate(c, scope(Role::Officer, "PC Olly Stone"), recordOf("asb_reports")),
                           "changes nothing"));
    }

    void clockFarAheadIsRefused()
    {
        SyncChange c = createOf("asb_reports");
        c.hlc = stamp(now() + 11 * kMinute);
        QVERIFY(hasMessage(validate(c, m_authors.at("asb_reports")), "ahead of the server's clock"));
        c.hlc = stamp(now() + 9 * kMinute);
        QVERIFY(validate(c, m_authors.at("asb_reports")).ok());
        // With no server clock given, the stamp is not judged.
        c.hlc = stamp(now() + 11 * kMinute);
        Options noClock;
        noClock.now = -1;
        QVERIFY(validate(c, m_authors.at("asb_reports"), {}, noClock).ok());
    }

    // ---------------------------------------------------------------- columns and types

    void refusesSyncStampedAndUnknownColumns()
    {
        const SyncScope &author = m_authors.at("asb_reports");
        for (auto column : {"id", "hlc", "device_id"}) {
            SyncChange c = createOf("asb_reports");
            c.fields[column] = "x";
            QVERIFY(hasMessage(validate(c, author), "stamped by sync"));
        }
        SyncChange c = createOf("asb_reports");
        c.fields["secret_column"] = 1;
        QVERIFY(hasMessage(validate(c, author), "has no field 'secret_column'"));
        c = createOf("asb_reports");
        c.fields["bad\x01name"] = 1;
        QVERIFY(hasMessage(validate(c, author), "has no field 'bad?name'"));
    }

    void refusesWrongTypes_data()
    {
        QTest::addColumn<QString>("column");
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("expected");
        QTest::newRow("text for integer") << "occurred_at" << "\"yesterday\"" << "whole number";
        QTest::newRow("real for integer") << "prior_reports" << "1.5" << "whole number";
        QTest::newRow("huge unsigned") << "occurred_at" << "18446744073709551615" << "too large";
        QTest::newRow("text for real") << "lat" << "\"51.6\"" << "must be a number";
        QTest::newRow("bool for real") << "lat" << "true" << "must be a number";
        QTest::newRow("number for text") << "description" << "42" << "must be text";
        QTest::newRow("object for text") << "description" << "{\"a\":1}" << "must be text";
        QTest::newRow("null for not-null") << "description" << "null" << "cannot be empty";
        QTest::newRow("latitude out of range") << "lat" << "91.0" << "latitude";
        QTest::newRow("longitude out of range") << "lon" << "-181" << "longitude";
        QTest::newRow("flag not 0/1") << "hate" << "2" << "0 or 1";
        QTest::newRow("negative count") << "prior_reports" << "-1" << "cannot be negative";
        QTest::newRow("unknown type") << "type" << "\"noisy\"" << "unknown type 'noisy'";
        QTest::newRow("unknown role") << "source_role" << "\"sheriff\"" << "unknown source_role";
        QTest::newRow("draft status") << "status" << "\"draft\"" << "draft";
        QTest::newRow("bad ward") << "ward_code" << "\"E09000003\"" << "ONS ward code";
        QTest::newRow("bad person id") << "victim_id" << "\"x/y\"" << "victim_id";
    }
    void refusesWrongTypes()
    {
        QFETCH(QString, column);
        QFETCH(QString, json);
        QFETCH(QString, expected);
        SyncChange c = createOf("asb_reports");
        c.fields[column.toStdString()] = Fields::parse(json.toStdString());
        QVERIFY(hasMessage(validate(c, m_authors.at("asb_reports")), expected.toStdString()));
    }

    void refusesNonFiniteNumbers()
    {
        for (double bad : {std::nan(""), std::numeric_limits<double>::infinity()}) {
            SyncChange c = createOf("asb_reports");
            c.fields["accuracy_m"] = bad;
            QVERIFY(hasMessage(validate(c, m_authors.at("asb_reports")), "finite"));
        }
    }

    void acceptsWholeNumbersForRealsAndBooleansForIntegers()
    {
        SyncChange c = createOf("asb_reports");
        c.fields["accuracy_m"] = 10;
        c.fields["hate"] = true;
        QVERIFY(validate(c, m_authors.at("asb_reports")).ok());
    }

    void refusesBadText()
    {
        const SyncScope &author = m_authors.at("asb_reports");
        SyncChange c = createOf("asb_reports");
        c.fields["description"] = "bad \xC3\x28 text";
        QVERIFY(hasMessage(validate(c, author), "description"));
        c.fields["description"] = std::string(kMaxLongText + 1, 'a');
        QVERIFY(hasMessage(validate(c, author), "description"));
        c.fields["description"] = std::string(kMaxLongText, 'a');
        QVERIFY(validate(c, author).ok());
        c = createOf("asb_reports");
        c.fields["address_text"] = std::string(kMaxShortText + 1, 'a');
        QVERIFY(hasMessage(validate(c, author), "address_text"));
        c.fields["address_text"] = "12 Acacia\nAvenue"; // a short field is one line
        QVERIFY(hasMessage(validate(c, author), "address_text"));
        c.fields["address_text"] = "12 Acacia \x07 Avenue";
        QVERIFY(hasMessage(validate(c, author), "address_text"));
    }

    void createNeedsEveryRequiredColumn()
    {
        SyncChange c = createOf("asb_reports");
        c.fields.erase("place_key");
        QVERIFY(hasMessage(validate(c, m_authors.at("asb_reports")), "needs place_key"));
    }

    void fixedColumnsStayFixed()
    {
        const SyncScope officer = scope(Role::Officer, "PC Olly Stone");
        const Fields current = recordOf("asb_reports");
        QVERIFY(hasMessage(validate(updateOf("asb_reports", {{"description", "rewritten"}}), officer, current),
                           "cannot be changed"));
        QVERIFY(hasMessage(validate(updateOf("asb_reports", {{"logged_by", "PCSO Khan"}}), officer, current),
                           "cannot be changed"));
        // Sending a fixed column unchanged is harmless.
        QVERIFY(validate(updateOf("asb_reports",
                                  {{"description", current["description"]}, {"status", "triaged"}}),
                         officer, current)
                    .ok());
        QVERIFY(hasMessage(validate(updateOf("people", {{"created_at", 1}}), m_authors.at("people"),
                                    recordOf("people")),
                           "cannot be changed"));
        QVERIFY(hasMessage(validate(updateOf("cocooning_targets", {{"operation_id", "other-op"}}),
                                    m_authors.at("cocooning_targets"), recordOf("cocooning_targets"),
                                    Options{kHendon}),
                           "cannot be changed"));
    }

    // ---------------------------------------------------------------- authors

    void authorColumnsNameTheAuthor()
    {
        struct Case {
            const char *entity;
            const char *column;
            const char *value;
            const char *expected;
        };
        for (const Case &k : {Case{"asb_reports", "logged_by", "Someone Else", "must name you"},
                              Case{"asb_reports", "source_role", "supervisor", "must be your role"},
                              Case{"report_events", "author", "Someone Else", "must name you"},
                              Case{"report_events", "author_role", "supervisor", "must be your role"},
                              Case{"advice_given", "given_by", "Someone Else", "must name you"},
                              Case{"cocooning_operations", "planned_by", "Someone Else", "must name you"},
                              Case{"consent_records", "captured_by", "Someone Else", "must name you"},
                              Case{"consent_records", "captured_by_role", "supervisor", "must be your role"},
                              Case{"referrals", "created_by", "Someone Else", "must name you"},
                              Case{"referrals", "updated_by", "Someone Else", "must name you"},
                              Case{"referral_events", "author", "Someone Else", "must name you"},
                              Case{"joint_patrols", "created_by", "Someone Else", "must name you"},
                              Case{"patrol_observations", "author", "Someone Else", "must name you"}}) {
            SyncChange c = createOf(k.entity);
            c.fields[k.column] = k.value;
            Options options;
            options.parentWard = kHendon;
            options.library = m_library;
            QVERIFY2(hasMessage(validate(c, m_authors.at(k.entity), {}, options), k.expected),
                     (std::string(k.entity) + "." + k.column).c_str());
        }
    }

    // ---------------------------------------------------------------- area

    void areaIsTheAuthorsWards()
    {
        const SyncChange report = createOf("asb_reports");
        const SyncScope &author = m_authors.at("asb_reports");
        QVERIFY(validate(report, author).ok());
        const Status elsewhere = validate(report, scope(author.role, author.userName, {kBurntOak}));
        QVERIFY(hasMessage(elsewhere, "ward " + kHendon));
        QVERIFY(elsewhere.error().code == ErrorCode::NotAllowed);
        QVERIFY(hasMessage(validate(report, scope(author.role, author.userName, {})), "no wards"));
        // Borough-wide roles write anywhere (council logs reports too).
        SyncChange council = report;
        council.fields["logged_by"] = "Cllr Cora";
        council.fields["source_role"] = "council_asb";
        QVERIFY(validate(council, scope(Role::CouncilAsb, "Cllr Cora", {})).ok());
        // Outside the borough: no ward, allowed.
        SyncChange outside = report;
        outside.fields["ward_code"] = nullptr;
        QVERIFY(validate(outside, scope(author.role, author.userName, {kBurntOak})).ok());
    }

    void childrenTakeTheirParentsWard()
    {
        const SyncChange event = createOf("report_events");
        const SyncScope &author = m_authors.at("report_events");
        QVERIFY(validate(event, author, {}, Options{kHendon}).ok());
        QVERIFY(hasMessage(validate(event, author, {}, Options{kBurntOak}), "ward " + kBurntOak));
        const SyncChange observation = createOf("patrol_observations");
        QVERIFY(validate(observation, m_authors.at("patrol_observations"), {}, Options{kHendon}).ok());
        QVERIFY(hasMessage(validate(observation, m_authors.at("patrol_observations"), {}, Options{kBurntOak}),
                           "ward"));
    }

    void movingAReportNeedsBothWards()
    {
        const SyncScope officer = scope(Role::Officer, "PC Olly Stone", {kHendon});
        const Fields current = recordOf("asb_reports");
        QVERIFY(hasMessage(validate(updateOf("asb_reports", {{"ward_code", kBurntOak}}), officer, current),
                           "ward " + kBurntOak));
        const SyncScope both = scope(Role::Officer, "PC Olly Stone", {kBurntOak, kHendon});
        QVERIFY(validate(updateOf("asb_reports", {{"ward_code", kBurntOak}}), both, current).ok());
        // Moving wards is triage work.
        QVERIFY(hasMessage(validate(updateOf("asb_reports", {{"ward_code", kBurntOak}}),
                                    scope(Role::Pcso, "PCSO Khan", {kBurntOak, kHendon}), current),
                           "may not assign"));
    }

    // ---------------------------------------------------------------- roles

    void whoMayCreateWhat_data()
    {
        QTest::addColumn<QString>("entity");
        QTest::addColumn<int>("role");
        QTest::addColumn<bool>("allowed");
        const std::vector<std::pair<const char *, std::vector<Role>>> allowedRoles{
            {"asb_reports", {Role::Champion, Role::Pcso, Role::Officer, Role::Supervisor, Role::CouncilAsb}},
            {"people", {Role::Champion, Role::Pcso, Role::Officer, Role::Supervisor, Role::CouncilAsb, Role::FireHfsv}},
            {"cocooning_operations", {Role::Champion, Role::Pcso, Role::Officer, Role::Supervisor, Role::CouncilAsb}},
            {"cocooning_targets", {Role::Champion, Role::Pcso, Role::Officer, Role::Supervisor, Role::CouncilAsb}},
            {"consent_records",
             {Role::Champion, Role::Pcso, Role::Officer, Role::Supervisor, Role::CouncilAsb, Role::FireHfsv}},
            {"referral_events",
             {Role::Champion, Role::Pcso, Role::Officer, Role::Supervisor, Role::CouncilAsb, Role::FireHfsv}},
            {"joint_patrols", {Role::Champion, Role::Pcso, Role::Officer, Role::Supervisor, Role::CouncilAsb}},
            {"patrol_observations", {Role::Champion, Role::Pcso, Role::Officer, Role::Supervisor, Role::CouncilAsb}},
        };
        for (const auto &[entity, roles] : allowedRoles)
            for (std::size_t r = 0; r < enumCount<Role>(); ++r) {
                const Role role = static_cast<Role>(r);
                const bool allowed = std::find(roles.begin(), roles.end(), role) != roles.end();
                QTest::newRow((std::string(entity) + " by " + std::string(toString(role))).c_str())
                    << QString(entity) << static_cast<int>(r) << allowed;
            }
    }
    void whoMayCreateWhat()
    {
        QFETCH(QString, entity);
        QFETCH(int, role);
        QFETCH(bool, allowed);
        const std::string name = entity.toStdString();
        const Role r = static_cast<Role>(role);
        SyncChange c = createOf(name);
        const SyncScope author = scope(r, m_authors.at(name).userName);
        // Stand in the role's own name and role where the record says who wrote it.
        for (auto column : {"source_role", "author_role", "captured_by_role", "created_by_role", "given_by_role"})
            if (c.fields.contains(column))
                c.fields[column] = toString(r);
        Options options;
        options.parentWard = kHendon;
        const Status ok = validate(c, author, {}, options);
        if (allowed) {
            QVERIFY2(ok.ok(), ok.ok() ? "" : ok.error().message.c_str());
        } else {
            QVERIFY(!ok.ok());
            QVERIFY2(ok.error().code == ErrorCode::NotAllowed, ok.error().message.c_str());
        }
    }

    void reportTriageIsForTriageRoles()
    {
        const Fields current = recordOf("asb_reports"); // submitted
        for (auto role : {Role::Officer, Role::Supervisor, Role::CouncilAsb})
            QVERIFY(validate(updateOf("asb_reports", {{"status", "triaged"}}), scope(role, "X"), current).ok());
        for (auto role : {Role::Champion, Role::Pcso, Role::FireHfsv}) {
            const Status ok = validate(updateOf("asb_reports", {{"status", "triaged"}}), scope(role, "X"), current);
            QVERIFY(hasMessage(ok, "cannot move a report to triaged") || hasMessage(ok, "may not"));
        }
        // Assigning to someone else is triage work.
        QVERIFY(hasMessage(validate(updateOf("asb_reports", {{"assigned_to", "PC Nobody"}}), scope(Role::Pcso, "X"),
                                    current),
                           "may not assign"));
    }

    void reportLifecycleAgainstTheServersCopy()
    {
        const SyncScope officer = scope(Role::Officer, "PC Olly Stone");
        Fields current = recordOf("asb_reports");
        // submitted -> closed skips the lifecycle.
        QVERIFY(hasMessage(validate(updateOf("asb_reports", {{"status", "closed"}, {"close_reason", "done"}}),
                                    officer, current),
                           "cannot go from submitted to closed"));
        // Already triaged elsewhere: moving to triaged again is no step at all.
        current["status"] = "triaged";
        QVERIFY(validate(updateOf("asb_reports", {{"status", "triaged"}}), officer, current).ok());
        // assigned needs someone to assign it to.
        QVERIFY(hasMessage(validate(updateOf("asb_reports", {{"status", "assigned"}}), officer, current),
                           "assigned to"));
        QVERIFY(validate(updateOf("asb_reports", {{"status", "assigned"}, {"assigned_to", "PCSO Khan"}}), officer,
                         current)
                    .ok());
        // Closing without informing the reporter needs a reason.
        current["status"] = "resolved";
        QVERIFY(hasMessage(validate(updateOf("asb_reports", {{"status", "closed"}}), officer, current),
                           "reporter has not been informed"));
        QVERIFY(validate(updateOf("asb_reports", {{"status", "closed"}, {"close_reason", "Reporter moved away"}}),
                         officer, current)
                    .ok());
        // Informing the reporter: a PCSO may, and must say when.
        const SyncScope pcso = scope(Role::Pcso, "PCSO Khan");
        QVERIFY(hasMessage(validate(updateOf("asb_reports", {{"status", "reporter_informed"}}), pcso, current),
                           "when the reporter was informed"));
        QVERIFY(validate(updateOf("asb_reports",
                                  {{"status", "reporter_informed"}, {"reporter_informed_at", now() - kMinute}}),
                         pcso, current)
                    .ok());
        QVERIFY(hasMessage(validate(updateOf("asb_reports",
                                             {{"status", "reporter_informed"}, {"reporter_informed_at", now() + kHour}}),
                                    pcso, current),
                           "future"));
        // Closed is the end.
        current["status"] = "closed";
        QVERIFY(hasMessage(validate(updateOf("asb_reports", {{"status", "in_action"}}), officer, current),
                           "cannot go from closed"));
    }

    void newReportsStartSubmitted()
    {
        SyncChange c = createOf("asb_reports");
        c.fields["status"] = "closed";
        QVERIFY(hasMessage(validate(c, m_authors.at("asb_reports")), "starts as submitted"));
        c = createOf("asb_reports");
        c.fields["assigned_to"] = "PCSO Khan";
        QVERIFY(hasMessage(validate(c, m_authors.at("asb_reports")), "no assigned_to yet"));
        c = createOf("asb_reports");
        c.fields["occurred_at"] = now() + kHour;
        QVERIFY(hasMessage(validate(c, m_authors.at("asb_reports")), "in the future"));
    }

    void reportEvents()
    {
        const SyncScope officer = scope(Role::Officer, "PC Olly Stone");
        auto event = [&](const char *kind, Fields from, Fields to, const char *text, const SyncScope &author) {
            SyncChange c = createOf("report_events");
            c.fields["kind"] = kind;
            c.fields["from_status"] = std::move(from);
            c.fields["to_status"] = std::move(to);
            c.fields["text"] = text;
            c.fields["author"] = author.userName;
            c.fields["author_role"] = toString(author.role);
            return validate(c, author, {}, Options{kHendon});
        };
        QVERIFY(event("transition", "submitted", "triaged", "", officer).ok());
        QVERIFY(hasMessage(event("transition", "submitted", "closed", "", officer), "cannot go from submitted"));
        QVERIFY(hasMessage(event("transition", nullptr, "triaged", "", officer), "names the statuses"));
        QVERIFY(hasMessage(event("transition", "triaged", "not_asb", " ", officer), "say why"));
        QVERIFY(event("transition", "triaged", "not_asb", "A private dispute", officer).ok());
        QVERIFY(hasMessage(event("transition", "submitted", "triaged", "", scope(Role::Pcso, "PCSO Khan")),
                           "may not move a report"));
        QVERIFY(event("transition", "resolved", "reporter_informed", "", scope(Role::Pcso, "PCSO Khan")).ok());
        QVERIFY(event("follow_up", nullptr, nullptr, "Called back", scope(Role::Champion, "Cham Patel")).ok());
        QVERIFY(hasMessage(event("note", nullptr, nullptr, "   ", officer), "needs some text"));
        QVERIFY(hasMessage(event("note", "submitted", nullptr, "x", officer), "only a transition"));
        QVERIFY(hasMessage(event("gossip", nullptr, nullptr, "x", officer), "unknown kind"));
        QVERIFY(hasMessage(event("note", nullptr, nullptr, "x", scope(Role::FireHfsv, "FF Fred Ames", {})),
                           "may not add follow-ups"));
    }

    void appendOnlyClassesNeverChange()
    {
        for (auto entity : {"report_events", "advice_given", "referral_events", "patrol_observations"}) {
            const Status ok = validate(updateOf(entity, {{"text", "edited"}}), m_authors.at(entity),
                                       recordOf(entity), Options{kHendon});
            QVERIFY2(hasMessage(ok, "never changes once written"), entity);
            QVERIFY(ok.error().code == ErrorCode::NotAllowed);
        }
    }

    // ---------------------------------------------------------------- advice and cocooning

    void fireOfficersGiveFireAdviceOnly()
    {
        const SyncScope fire = scope(Role::FireHfsv, "FF Fred Ames", {});
        SyncChange c = createOf("advice_given");
        c.fields["given_by"] = fire.userName;
        c.fields["given_by_role"] = "fire_hfsv";
        Options library;
        library.library = m_library;
        QVERIFY(hasMessage(validate(c, fire, {}, library), "fire_safety advice"));
        c.fields["article_id"] = "fire_safety_at_home";
        c.fields["article_version"] = 1;
        QVERIFY(validate(c, fire, {}, library).ok());

        // Without the library: no cocooning advice at all.
        SyncChange visit = createOf("advice_given");
        visit.fields["operation_id"] = "op-1";
        visit.fields["given_by"] = fire.userName;
        visit.fields["given_by_role"] = "fire_hfsv";
        QVERIFY(hasMessage(validate(visit, fire), "cocooning is burglary prevention"));
    }

    void adviceMustNameAnArticleInTheLibrary()
    {
        Options library;
        library.library = m_library;
        SyncChange c = createOf("advice_given");
        c.fields["article_version"] = 99;
        const Status ok = validate(c, m_authors.at("advice_given"), {}, library);
        QVERIFY(hasMessage(ok, "version 99"));
        c = createOf("advice_given");
        c.fields["recipient_kind"] = "neighbourhood";
        QVERIFY(hasMessage(validate(c, m_authors.at("advice_given"), {}, library), "unknown recipient_kind"));
        c = createOf("advice_given");
        c.fields["target_id"] = "t-1";
        c.fields["operation_id"] = nullptr;
        QVERIFY(hasMessage(validate(c, m_authors.at("advice_given"), {}, library), "needs its operation id"));
    }

    void cocooningRules()
    {
        const SyncScope &author = m_authors.at("cocooning_operations");
        SyncChange c = createOf("cocooning_operations");
        c.fields["radius_m"] = 450.0;
        QVERIFY(hasMessage(validate(c, author), "at most 400"));
        c.fields["radius_m"] = 0.0;
        QVERIFY(hasMessage(validate(c, author), "more than 0"));
        c = createOf("cocooning_operations");
        c.fields["status"] = "completed";
        QVERIFY(hasMessage(validate(c, author), "starts as planned"));
        c = createOf("cocooning_operations");
        c.fields["deadline_at"] = c.fields["burglary_at"].get<std::int64_t>() - 1;
        QVERIFY(hasMessage(validate(c, author), "before the burglary"));

        Fields current = recordOf("cocooning_operations");
        current["status"] = "in_progress";
        QVERIFY(validate(updateOf("cocooning_operations", {{"status", "completed"}}), author, current).ok());
        QVERIFY(hasMessage(validate(updateOf("cocooning_operations", {{"status", "planned"}}), author, current),
                           "cannot go back"));
        current["close_reason"] = "rain";
        QVERIFY(hasMessage(validate(updateOf("cocooning_operations", {{"close_reason", "snow"}}), author, current),
                           "already closed"));
        SyncChange byFire = createOf("cocooning_operations");
        byFire.fields["planned_by"] = "FF Fred Ames";
        QVERIFY(hasMessage(validate(byFire, scope(Role::FireHfsv, "FF Fred Ames", {})), "may not plan"));
    }

    // ---------------------------------------------------------------- consent

    void consentIsCapturedWhole()
    {
        const SyncScope &author = m_authors.at("consent_records");
        SyncChange c = createOf("consent_records");
        c.fields["withdrawn_at"] = now();
        QVERIFY(hasMessage(validate(c, author), "cannot already be withdrawn"));
        c = createOf("consent_records");
        c.fields["recipients"] = "[\"hfsv\",\"space_travel\"]";
        QVERIFY(hasMessage(validate(c, author), "space_travel"));
        c.fields["recipients"] = "not json";
        QVERIFY(hasMessage(validate(c, author), "JSON list"));
        c = createOf("consent_records");
        c.fields["witness"] = nullptr; // verbal consent needs a witness
        QVERIFY(hasMessage(validate(c, author), "witness"));
        c = createOf("consent_records");
        c.fields["captured_at"] = now() + kHour;
        QVERIFY(hasMessage(validate(c, author), "future"));
    }

    void consentIsWithdrawnOnce()
    {
        const SyncScope &author = m_authors.at("consent_records");
        const Fields current = recordOf("consent_records");
        const Fields withdrawal{{"withdrawn_at", now() - kMinute},
                                {"withdrawn_by", author.userName},
                                {"withdrawn_by_role", toString(author.role)},
                                {"withdrawal_note", nullptr}};
        QVERIFY(validate(updateOf("consent_records", withdrawal), author, current).ok());
        // Any role that records consent may withdraw it, in its own name.
        const SyncScope fire = scope(Role::FireHfsv, "FF Fred Ames", {});
        Fields byFire = withdrawal;
        byFire["withdrawn_by"] = fire.userName;
        byFire["withdrawn_by_role"] = "fire_hfsv";
        QVERIFY(validate(updateOf("consent_records", byFire), fire, current).ok());
        QVERIFY(hasMessage(validate(updateOf("consent_records", withdrawal), fire, current), "must name you"));
        // Once.
        Fields withdrawn = current;
        for (const auto &[k, v] : withdrawal.items())
            withdrawn[k] = v;
        QVERIFY(hasMessage(validate(updateOf("consent_records", withdrawal), author, withdrawn), "already withdrawn"));
        // Only the withdrawal columns.
        QVERIFY(hasMessage(validate(updateOf("consent_records", {{"purpose", "something else"}}), author, current),
                           "cannot be changed"));
        // When and by whom.
        QVERIFY(hasMessage(validate(updateOf("consent_records", {{"withdrawal_note", "why"}}), author, current),
                           "needs when and by whom"));
        // Not before it was given.
        Fields early = withdrawal;
        early["withdrawn_at"] = current["captured_at"].get<std::int64_t>() - kHour;
        QVERIFY(hasMessage(validate(updateOf("consent_records", early), author, current), "before it was given"));
        QVERIFY(hasMessage(validate(updateOf("consent_records", withdrawal), scope(Role::Analyst, "Ann"), current),
                           "may not"));
    }

    // ---------------------------------------------------------------- referrals

    void newReferralsAreDrafts()
    {
        const SyncScope &author = m_authors.at("referrals");
        SyncChange c = createOf("referrals");
        c.fields["status"] = "sent";
        QVERIFY(hasMessage(validate(c, author), "starts as drafted"));
        c = createOf("referrals");
        c.fields["sent_at"] = now();
        QVERIFY(hasMessage(validate(c, author), "no sent_at yet"));
        c = createOf("referrals");
        c.fields["priority_band"] = "low";
        QVERIFY(hasMessage(validate(c, author), "below the computed"));
        c = createOf("referrals");
        c.fields["risk_factors"] = "[\"smoker\",\"owns_a_cat\"]";
        QVERIFY(hasMessage(validate(c, author), "owns_a_cat"));
        c = createOf("referrals");
        c.fields["route"] = "hoarding"; // a champion may not refer to the hoarding panel
        QVERIFY(!validate(c, author).ok());
    }

    void referralStepsFollowTheLifecycle()
    {
        // The champion's referral as drafted, then asked to go to sent
        // straight away (skipping consent).
        const SyncScope &author = m_authors.at("referrals");
        const Fields drafted = recordOf("referrals");
        const TimestampMs at = now() - kMinute;
        Fields skip{{"status", "sent"}, {"sent_at", at}, {"updated_by", author.userName}, {"updated_at", at}};
        QVERIFY(hasMessage(validate(updateOf("referrals", skip), author, drafted), "cannot go from drafted to sent"));
        // Every referral update is a step.
        QVERIFY(hasMessage(validate(updateOf("referrals", {{"address_text", "elsewhere"}}), author, drafted),
                           "cannot be changed"));
        QVERIFY(hasMessage(validate(updateOf("referrals", {{"updated_at", at}}), author, drafted),
                           "lifecycle step"));
    }

    void consentStepsNeedTheConsentRecord()
    {
        const SyncScope &author = m_authors.at("referrals");
        const Fields drafted = recordOf("referrals");
        const Fields consent = recordOf("consent_records");
        const std::string consentId = m_creates.at("consent_records").entityId;
        const TimestampMs at = now() - kMinute;
        const Fields step{{"status", "consent_captured"},
                          {"consent_id", consentId},
                          {"updated_by", author.userName},
                          {"updated_at", at}};
        Options withConsent;
        withConsent.consent = &consent;
        QVERIFY2(validate(updateOf("referrals", step), author, drafted, withConsent).ok(),
                 validate(updateOf("referrals", step), author, drafted, withConsent).error().message.c_str());
        const Status missing = validate(updateOf("referrals", step), author, drafted);
        QVERIFY(hasMessage(missing, "not on the server"));
        QVERIFY(missing.error().code == ErrorCode::NotFound);

        // A withdrawn consent carries nothing.
        Fields withdrawn = consent;
        withdrawn["withdrawn_at"] = at - kMinute;
        withdrawn["withdrawn_by"] = author.userName;
        withdrawn["withdrawn_by_role"] = toString(author.role);
        Options withWithdrawn;
        withWithdrawn.consent = &withdrawn;
        QVERIFY(hasMessage(validate(updateOf("referrals", step), author, drafted, withWithdrawn), "withdrawn"));

        // The step must be exactly the step: nothing more.
        Fields extra = step;
        extra["sent_at"] = at;
        QVERIFY(hasMessage(validate(updateOf("referrals", extra), author, drafted, withConsent),
                           "does not match its fields: sent_at"));
        // ...and nothing less: sending sets the time the agency must answer by.
        Fields captured = drafted;
        for (const auto &[k, v] : step.items())
            captured[k] = v;
        const Fields send{{"status", "sent"}, {"sent_at", at + 1}, {"updated_by", author.userName}, {"updated_at", at + 1}};
        QVERIFY(hasMessage(validate(updateOf("referrals", send), author, captured, withConsent),
                           "does not match its fields: acknowledge_by"));
        // An hfsv referral is acknowledged within a day, or by its visit deadline if sooner.
        TimestampMs by = at + 1 + 24 * kHour;
        if (drafted.contains("deadline_at") && drafted["deadline_at"].is_number_integer())
            by = std::min<TimestampMs>(by, drafted["deadline_at"].get<std::int64_t>());
        Fields complete = send;
        complete["acknowledge_by"] = by;
        const Status sent = validate(updateOf("referrals", complete), author, captured, withConsent);
        QVERIFY2(sent.ok(), sent.ok() ? "" : sent.error().message.c_str());
    }

    void overridesNeedASupervisorWhoDidNotAsk()
    {
        // Build a referral waiting for approval the way the PCSO's device did.
        const SyncScope pcso = scope(Role::Pcso, "PCSO Khan");
        const SyncScope supervisor = scope(Role::Supervisor, "Sgt Ada Brown");
        Fields waiting = recordOf("referrals");
        const TimestampMs asked = now() - 10 * kMinute;
        waiting["route"] = "adult_social_care";
        waiting["status"] = "override_requested";
        waiting["override_justification"] = "Lives alone with dementia and no heating; refuses to engage";
        waiting["override_requested_by"] = pcso.userName;
        waiting["override_requested_by_role"] = "pcso";
        waiting["override_requested_at"] = asked;
        waiting["updated_by"] = pcso.userName;
        waiting["updated_at"] = asked;

        const TimestampMs at = now() - kMinute;
        auto approval = [&](const SyncScope &who) {
            return Fields{{"status", "override_approved"},
                          {"override_approved_by", who.userName},
                          {"override_approved_by_role", toString(who.role)},
                          {"override_approved_at", at},
                          {"updated_by", who.userName},
                          {"updated_at", at}};
        };
        QVERIFY2(validate(updateOf("referrals", approval(supervisor)), supervisor, waiting).ok(),
                 validate(updateOf("referrals", approval(supervisor)), supervisor, waiting).error().message.c_str());
        const SyncScope officer = scope(Role::Officer, "PC Olly Stone");
        QVERIFY(hasMessage(validate(updateOf("referrals", approval(officer)), officer, waiting), "only a supervisor"));
        // The supervisor who asked may not approve their own request.
        Fields ownRequest = waiting;
        ownRequest["override_requested_by"] = supervisor.userName;
        ownRequest["override_requested_by_role"] = "supervisor";
        QVERIFY(hasMessage(validate(updateOf("referrals", approval(supervisor)), supervisor, ownRequest),
                           "another supervisor"));
        // Approving in someone else's name.
        Fields forged = approval(supervisor);
        forged["override_approved_by"] = "Sgt Someone Else";
        QVERIFY(hasMessage(validate(updateOf("referrals", forged), supervisor, waiting), "must name you"));
    }

    void referralEvents()
    {
        SyncChange c = createOf("referral_events");
        c.fields["to_status"] = c.fields["from_status"];
        QVERIFY(hasMessage(validate(c, m_authors.at("referral_events"), {}, Options{kHendon}), "from one status"));
        c = createOf("referral_events");
        c.fields["to_status"] = "vanished";
        QVERIFY(hasMessage(validate(c, m_authors.at("referral_events"), {}, Options{kHendon}), "unknown to_status"));
    }

    // ---------------------------------------------------------------- patrols

    void patrols()
    {
        const SyncScope &author = m_authors.at("joint_patrols");
        SyncChange c = createOf("joint_patrols");
        c.fields["participants"] = "[{\"name\":\"Cham Patel\",\"role\":\"champion\"}]";
        QVERIFY(!validate(c, author).ok()); // a patrol is at least two, a champion and a PCSO
        c.fields["participants"] = "[{\"name\":\"Cham Patel\"}]";
        QVERIFY(hasMessage(validate(c, author), "participants"));
        c.fields["participants"] = "[{\"name\":\"Cham Patel\",\"role\":\"pirate\"},{\"name\":\"B\",\"role\":\"pcso\"}]";
        QVERIFY(hasMessage(validate(c, author), "pirate"));

        Fields open = recordOf("joint_patrols");
        open["ended_at"] = nullptr;
        const auto started = open["started_at"].get<std::int64_t>();
        QVERIFY(validate(updateOf("joint_patrols", {{"ended_at", started + kMinute}}), author, open).ok());
        QVERIFY(hasMessage(validate(updateOf("joint_patrols", {{"ended_at", started - kHour}}), author, open),
                           "start"));
        QVERIFY(hasMessage(validate(updateOf("joint_patrols", {{"ended_at", now() + kHour}}), author, open),
                           "future"));
        Fields ended = open;
        ended["ended_at"] = started + kMinute;
        QVERIFY(hasMessage(validate(updateOf("joint_patrols", {{"ended_at", started + 2 * kMinute}}), author, ended),
                           "already ended"));
        QVERIFY(hasMessage(validate(updateOf("joint_patrols", {{"participants", "[]"}}), author, open),
                           "cannot be changed"));

        SyncChange note = createOf("patrol_observations");
        note.fields["text"] = " \t ";
        QVERIFY(hasMessage(validate(note, m_authors.at("patrol_observations"), {}, Options{kHendon}),
                           "needs some text"));
    }

    // ---------------------------------------------------------------- conflicts

    void onlyASupervisorResolvesAConflict()
    {
        const Fields current = recordOf("asb_reports");
        MergeState state;
        state.fields = current;
        state.fields["status"] = "assigned";
        state.fields["assigned_to"] = "PC Cat";
        const std::uint64_t t1 = stamp(now() - 10 * kMinute), t2 = stamp(now() - 9 * kMinute);
        state.stamps["assigned_to"] = FieldStamp{t2, "dev-c", t1};
        state.conflicts["assigned_to"] = {{Fields("PC Bob"), FieldStamp{t1 + 1, "dev-b", 0}},
                                          {Fields("PC Cat"), FieldStamp{t2, "dev-c", 0}}};
        Options withMerge;
        withMerge.merge = &state;

        SyncChange sees = updateOf("asb_reports", {{"assigned_to", "PC Bob"}});
        sees.baseHlc = t2; // saw both values
        const SyncScope officer = scope(Role::Officer, "PC Olly Stone");
        QVERIFY(hasMessage(validate(sees, officer, state.fields, withMerge), "only a supervisor"));
        QVERIFY(validate(sees, scope(Role::Supervisor, "Sgt Ada Brown"), state.fields, withMerge).ok());

        // A write that did not see every value only joins the conflict.
        SyncChange blind = sees;
        blind.baseHlc = t1;
        QVERIFY(validate(blind, officer, state.fields, withMerge).ok());
    }

    // ---------------------------------------------------------------- the device's own records

    void theServersCopyMatchesTheDevices()
    {
        // Re-run the devices into a fresh server and compare a referral's
        // merged fields with what the supervisor's device holds: the steps
        // merge to the same record on both sides.
        ServerSim server(*m_catalog, m_library);
        testing::TestDevices devices{kT0, 7};
        const SyncScope fire = scope(Role::FireHfsv, "FF Fred Ames", {});
        auto store = devices.openNew(testing::testProfile(Role::FireHfsv, fire.userName));
        QVERIFY(store);
        ReferralStore referrals(*store);
        auto consent = referrals.captureConsent(consentFor({ReferralRoute::Hfsv}), ReferredPerson::named("Alf Jones"));
        QVERIFY(consent.ok());
        devices.clock.advance(kMinute);
        auto referral = referrals.draft(hfsvInput(), ReferredPerson::existing(consent->consent.personId));
        QVERIFY(referral.ok());
        for (auto to : {ReferralStatus::ConsentCaptured, ReferralStatus::Sent, ReferralStatus::Acknowledged}) {
            devices.clock.advance(kMinute);
            QVERIFY(referrals.transition(referral->id, to, "", to == ReferralStatus::ConsentCaptured
                                                                   ? std::optional<std::string>(consent->consent.id)
                                                                   : std::nullopt)
                        .ok());
        }
        for (const auto &c : readOutbox(*store)) {
            const Status ok = server.upload(c, fire, devices.clock.nowMs());
            QVERIFY2(ok.ok(), ok.ok() ? "" : ok.error().message.c_str());
        }
        const Fields *held = server.record("referrals", referral->id);
        QVERIFY(held);
        COMPARE_FIELDS(held->at("status"), Fields("acknowledged"));
        auto onDevice = referrals.get(referral->id);
        QVERIFY(onDevice.ok());
        COMPARE_FIELDS(held->at("acknowledged_at"), Fields(*onDevice->acknowledgedAt));
        COMPARE_FIELDS(held->at("acknowledge_by"), Fields(*onDevice->acknowledgeBy));
        COMPARE_FIELDS(held->at("consent_id"), Fields(consent->consent.id));

        // Replaying the whole outbox as another user: every step refused.
        ServerSim other(*m_catalog, m_library);
        const SyncScope stranger = scope(Role::FireHfsv, "FF Someone Else", {});
        int refused = 0;
        for (const auto &c : readOutbox(*store))
            refused += other.upload(c, stranger, devices.clock.nowMs()).ok() ? 0 : 1;
        // people has no author column: only it passes.
        QCOMPARE(refused, static_cast<int>(readOutbox(*store).size()) - 1);
    }
};

QTEST_GUILESS_MAIN(TestChangeValidator)
#include "tst_changevalidator.moc"
