#include "core/clock.h"
#include "core/randomsource.h"
#include "core/text.h"
#include "core/uuid.h"
#include "store/devicestore.h"
#include "store/referralstore.h"
#include "dbinspect.h"
#include "teststore.h"

#include <QTest>

#include <functional>
#include <memory>
#include <set>

using namespace beatbook;
using beatbook::testing::allRowCounts;
using beatbook::testing::integrityCheck;
using beatbook::testing::queryCount;
using beatbook::testing::rowCount;
using beatbook::testing::tableDump;

// Enum values are compared with QVERIFY(a == b): QCOMPARE on a beatbook enum is
// ambiguous between QTest::toString and beatbook::toString (found by ADL).

namespace {

constexpr TimestampMs kNow = 1795554900000LL; // 2026-11-24T21:15:00Z
constexpr TimestampMs kMinute = 60 * 1000;
constexpr TimestampMs kHour = 60 * kMinute;
constexpr TimestampMs kDay = 24 * kHour;
constexpr const char *kMissingUuid = "0190f5a2-0000-7000-8000-00000000abcd";
constexpr const char *kJustification =
    "Bed-bound resident smokes in bed and cannot be asked today; the fire risk is immediate";

template <typename R>
const char *why(const R &result)
{
    return result.ok() ? "" : result.error().message.c_str();
}

bool contains(const std::string &text, const std::string &part) { return text.find(part) != std::string::npos; }

using F = RiskFactor;
using S = ReferralStatus;

ConsentRecord consentFor(std::vector<ReferralRoute> routes)
{
    ConsentRecord c;
    c.purpose = "A home fire safety visit, and a call from adult social care about help at home";
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
    r.addressText = "12  Acacia Avenue,   NW4";
    r.wardCode = "E05013628";
    r.riskFactors = {F::Smoker, F::BedOrChairBound};
    return r;
}

Referral routeInput(ReferralRoute route)
{
    Referral r;
    r.route = route;
    r.addressText = "3 Station Road, NW4";
    r.wardCode = "E05013643";
    return r;
}

std::int64_t outboxCount(Database &db, const std::string &entity, const std::string &op,
                         const std::string &entityId = {})
{
    auto stmt = db.prepare(
        "SELECT COUNT(*) FROM outbox WHERE entity = ?1 AND op = ?2 AND (?3 IS NULL OR entity_id = ?3)");
    if (!stmt)
        return -1;
    (*stmt)->bind(1, entity).bind(2, op).bindOptional(3, std::optional<std::string>(entityId));
    auto row = (*stmt)->step();
    const std::int64_t n = row && *row ? (*stmt)->columnInt(0) : -1;
    (*stmt)->reset();
    return n;
}

// The column names of the newest outbox entry for a record.
std::set<std::string> lastOutboxKeys(Database &db, const std::string &entity, const std::string &entityId)
{
    auto stmt = db.prepare("SELECT fields FROM outbox WHERE entity = ?1 AND entity_id = ?2 ORDER BY seq DESC LIMIT 1");
    if (!stmt)
        return {};
    (*stmt)->bind(1, entity).bind(2, entityId);
    auto row = (*stmt)->step();
    const std::string text = row && *row ? (*stmt)->columnText(0) : std::string();
    (*stmt)->reset();
    std::set<std::string> keys;
    auto json = nlohmann::json::parse(text, nullptr, false);
    if (json.is_object())
        for (const auto &item : json.items())
            keys.insert(item.key());
    return keys;
}

} // namespace

class TestReferralStore : public QObject {
    Q_OBJECT
private:
    testing::TestDevices m_devices{kNow, 4242};

    std::unique_ptr<DeviceStore> openStore(Role role, const std::string &user)
    {
        return m_devices.openNew(testing::testProfile(role, user));
    }

    std::unique_ptr<DeviceStore> pcso() { return openStore(Role::Pcso, "PCSO Khan"); }
    std::unique_ptr<DeviceStore> supervisor() { return openStore(Role::Supervisor, "Sgt Ada Brown"); }

    // Every row the referral store writes has exactly one create entry in the
    // outbox, every step one update of its referral, every withdrawal one
    // update of its consent, and the row carries its newest entry's clock.
    static void checkOutbox(Database &db)
    {
        for (const char *table : {"people", "consent_records", "referrals", "referral_events"})
            QCOMPARE(outboxCount(db, table, "create"), rowCount(db, table));
        QCOMPARE(outboxCount(db, "referrals", "update"), rowCount(db, "referral_events"));
        QCOMPARE(outboxCount(db, "consent_records", "update"),
                 queryCount(db, "SELECT COUNT(*) FROM consent_records WHERE withdrawn_at IS NOT NULL"));
        QCOMPARE(outboxCount(db, "people", "update") + outboxCount(db, "referral_events", "update"), std::int64_t(0));
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM outbox o WHERE o.entity = 'referrals' AND NOT EXISTS"
                                " (SELECT 1 FROM referrals r WHERE r.id = o.entity_id)"),
                 std::int64_t(0));
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM referrals r WHERE r.hlc <> (SELECT MAX(o.hlc) FROM outbox o"
                                " WHERE o.entity = 'referrals' AND o.entity_id = r.id)"),
                 std::int64_t(0));
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM consent_records c WHERE c.hlc <> (SELECT MAX(o.hlc) FROM outbox o"
                                " WHERE o.entity = 'consent_records' AND o.entity_id = c.id)"),
                 std::int64_t(0));
        QCOMPARE(integrityCheck(db), std::string("ok"));
    }

    // Moves a referral through the steps given, checking each.
    static bool walk(ReferralStore &referrals, const std::string &id, std::initializer_list<S> steps,
                     const std::optional<std::string> &consentId = std::nullopt)
    {
        for (S to : steps) {
            auto moved = referrals.transition(id, to, {}, to == S::ConsentCaptured ? consentId : std::nullopt);
            if (!moved) {
                qWarning("to %s: %s", std::string(toString(to)).c_str(), moved.error().message.c_str());
                return false;
            }
        }
        return true;
    }

private slots:
    void initTestCase() { QVERIFY(m_devices.dir.isValid()); }
    void init() { m_devices.clock.set(kNow); }

    void consentCapturedAndReferralSent()
    {
        auto store = pcso();
        QVERIFY(store);
        Database &db = store->db();
        ReferralStore referrals(*store);

        auto captured = referrals.captureConsent(consentFor({ReferralRoute::Hfsv, ReferralRoute::AdultSocialCare}),
                                                 ReferredPerson::named("Mary  Smith", "020 8359 0000"));
        QVERIFY2(captured.ok(), why(captured));
        const ConsentRecord &consent = captured->consent;
        QVERIFY(captured->newPerson);
        QVERIFY(isUuid(consent.id));
        QVERIFY(isUuid(consent.personId));
        QCOMPARE(consent.capturedBy, std::string("PCSO Khan"));
        QVERIFY(consent.capturedByRole == Role::Pcso);
        QCOMPARE(consent.capturedAt, kNow);
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM people WHERE name = 'Mary Smith' AND contact = '020 8359 0000'"
                                " AND match_key = '" + store->matchKey("mary smith") + "'"),
                 std::int64_t(1));
        auto back = referrals.getConsent(consent.id);
        QVERIFY2(back.ok(), why(back));
        QVERIFY(*back == consent);
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM consent_records"
                                " WHERE recipients = '[\"hfsv\",\"adult_social_care\"]'"
                                " AND method = 'verbal_witnessed' AND witness = 'Sam Jones' AND capacity_concern = 0"),
                 std::int64_t(1));

        m_devices.clock.advance(kMinute);
        auto drafted = referrals.draft(hfsvInput(), ReferredPerson::existing(consent.personId));
        QVERIFY2(drafted.ok(), why(drafted));
        const std::string id = drafted->id;
        QVERIFY(drafted->status == S::Drafted);
        QVERIFY(drafted->priorityBand == PriorityBand::VeryHigh);
        QCOMPARE(drafted->deadlineAt.value_or(0), kNow + kMinute + 4 * kHour);
        QCOMPARE(drafted->addressText, std::string("12 Acacia Avenue, NW4"));
        QCOMPARE(drafted->personId, consent.personId);
        QCOMPARE(drafted->createdBy, std::string("PCSO Khan"));
        QVERIFY(drafted->createdByRole == Role::Pcso);
        QCOMPARE(rowCount(db, "people"), std::int64_t(1)); // the person was reused
        auto stored = referrals.get(id);
        QVERIFY2(stored.ok(), why(stored));
        QVERIFY(*stored == *drafted);
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM referrals"
                                " WHERE risk_factors = '[\"smoker\",\"bed_or_chair_bound\"]'"),
                 std::int64_t(1));

        m_devices.clock.advance(kMinute);
        auto withConsent = referrals.transition(id, S::ConsentCaptured, {}, consent.id);
        QVERIFY2(withConsent.ok(), why(withConsent));
        QCOMPARE(withConsent->consentId, consent.id);

        m_devices.clock.advance(kMinute);
        auto sent = referrals.transition(id, S::Sent);
        QVERIFY2(sent.ok(), why(sent));
        QVERIFY(sent->status == S::Sent);
        QCOMPARE(sent->sentAt.value_or(0), kNow + 3 * kMinute);
        // A very high visit cannot wait a day to be acknowledged.
        QCOMPARE(sent->acknowledgeBy.value_or(0), *drafted->deadlineAt);
        stored = referrals.get(id);
        QVERIFY2(stored.ok(), why(stored));
        QVERIFY(*stored == *sent);

        auto events = referrals.events(id);
        QVERIFY2(events.ok(), why(events));
        QCOMPARE(events->size(), std::size_t(2));
        QVERIFY((*events)[0].fromStatus == S::Drafted && (*events)[0].toStatus == S::ConsentCaptured);
        QCOMPARE((*events)[0].text, "consent " + consent.id);
        QVERIFY((*events)[1].fromStatus == S::ConsentCaptured && (*events)[1].toStatus == S::Sent);
        QCOMPARE((*events)[1].at, kNow + 3 * kMinute);
        QCOMPARE((*events)[1].author, std::string("PCSO Khan"));
        QVERIFY((*events)[1].authorRole == Role::Pcso);

        QCOMPARE(outboxCount(db, "people", "create"), std::int64_t(1));
        QCOMPARE(outboxCount(db, "consent_records", "create"), std::int64_t(1));
        QCOMPARE(outboxCount(db, "referrals", "create", id), std::int64_t(1));
        QCOMPARE(outboxCount(db, "referrals", "update", id), std::int64_t(2));
        QCOMPARE(outboxCount(db, "referral_events", "create"), std::int64_t(2));
        QCOMPARE(rowCount(db, "outbox"), std::int64_t(7));
        // Only the columns the step changed travel.
        const std::set<std::string> sentKeys{"status", "acknowledge_by", "sent_at", "updated_at"};
        QVERIFY(lastOutboxKeys(db, "referrals", id) == sentKeys);
        checkOutbox(db);
    }

    void sendingWithoutConsentIsRefusedAndWritesNothing()
    {
        auto store = pcso();
        QVERIFY(store);
        Database &db = store->db();
        ReferralStore referrals(*store);
        auto drafted = referrals.draft(hfsvInput(), ReferredPerson::named("John Doe"));
        QVERIFY2(drafted.ok(), why(drafted));
        const std::string id = drafted->id;

        auto before = allRowCounts(db);
        const std::string dump = tableDump(db, "referrals");
        auto sent = referrals.transition(id, S::Sent);
        QVERIFY(!sent.ok());
        QVERIFY(sent.error().code == ErrorCode::NotAllowed);
        QVERIFY(allRowCounts(db) == before);
        QCOMPARE(tableDump(db, "referrals"), dump);

        // Consent given by someone else does not cover this person.
        auto other = referrals.captureConsent(consentFor({ReferralRoute::Hfsv}), ReferredPerson::named("Someone Else"));
        QVERIFY2(other.ok(), why(other));
        // Consent for another route does not cover this one.
        auto narrow = referrals.captureConsent(consentFor({ReferralRoute::VictimSupport}),
                                               ReferredPerson::existing(drafted->personId));
        QVERIFY2(narrow.ok(), why(narrow));
        before = allRowCounts(db);
        m_devices.clock.advance(kMinute);
        auto wrongPerson = referrals.transition(id, S::ConsentCaptured, {}, other->consent.id);
        QVERIFY(!wrongPerson.ok());
        QVERIFY(wrongPerson.error().code == ErrorCode::NotAllowed);
        QVERIFY2(contains(wrongPerson.error().message, "different person"), why(wrongPerson));
        auto wrongRoute = referrals.transition(id, S::ConsentCaptured, {}, narrow->consent.id);
        QVERIFY(!wrongRoute.ok());
        QVERIFY2(contains(wrongRoute.error().message, "does not cover hfsv"), why(wrongRoute));
        auto noConsent = referrals.transition(id, S::ConsentCaptured);
        QVERIFY(!noConsent.ok());
        QVERIFY(noConsent.error().code == ErrorCode::InvalidInput);
        QVERIFY(allRowCounts(db) == before);
        QCOMPARE(tableDump(db, "referrals"), dump);

        // The database keeps the gate too, whatever code runs against it.
        QVERIFY(!db.exec("UPDATE referrals SET status = 'sent', sent_at = 1 WHERE id = '" + id + "'").ok());
        QVERIFY(!db.exec("UPDATE referrals SET status = 'acknowledged' WHERE id = '" + id + "'").ok());
        QCOMPARE(tableDump(db, "referrals"), dump);
        checkOutbox(db);
    }

    void overrideNeedsASupervisorWhoDidNotAskForIt()
    {
        std::string pcsoPath, requested, toRefuse;
        {
            auto store = pcso();
            QVERIFY(store);
            pcsoPath = m_devices.lastPath();
            Database &db = store->db();
            ReferralStore referrals(*store);
            auto drafted = referrals.draft(hfsvInput(), ReferredPerson::named("Elsie Green"));
            QVERIFY2(drafted.ok(), why(drafted));
            requested = drafted->id;

            auto before = allRowCounts(db);
            auto tooShort = referrals.transition(requested, S::OverrideRequested, "too risky");
            QVERIFY(!tooShort.ok());
            QVERIFY(tooShort.error().code == ErrorCode::InvalidInput);
            auto blank = referrals.transition(requested, S::OverrideRequested);
            QVERIFY(!blank.ok());
            QVERIFY(allRowCounts(db) == before);

            m_devices.clock.advance(kMinute);
            auto asked = referrals.transition(requested, S::OverrideRequested, kJustification);
            QVERIFY2(asked.ok(), why(asked));
            QVERIFY(asked->status == S::OverrideRequested);
            QVERIFY(asked->consentOverride.has_value());
            QCOMPARE(asked->consentOverride->justification, std::string(kJustification));
            QCOMPARE(asked->consentOverride->requestedBy, std::string("PCSO Khan"));
            QVERIFY(asked->consentOverride->requestedByRole == Role::Pcso);
            QCOMPARE(asked->consentOverride->requestedAt, kNow + kMinute);
            auto back = referrals.get(requested);
            QVERIFY2(back.ok(), why(back));
            QVERIFY(*back == *asked);

            // Not on the requester's device: a PCSO approves nothing, and the
            // referral cannot leave while it waits.
            before = allRowCounts(db);
            auto approve = referrals.transition(requested, S::OverrideApproved);
            QVERIFY(!approve.ok());
            QVERIFY(approve.error().code == ErrorCode::NotAllowed);
            QVERIFY2(contains(approve.error().message, "supervisor"), why(approve));
            auto send = referrals.transition(requested, S::Sent);
            QVERIFY(!send.ok());
            QVERIFY(allRowCounts(db) == before);

            // Voluntary services work only with consent.
            auto victim = referrals.draft(routeInput(ReferralRoute::VictimSupport), ReferredPerson::named("Ann Lee"));
            QVERIFY2(victim.ok(), why(victim));
            before = allRowCounts(db);
            auto noOverride = referrals.transition(victim->id, S::OverrideRequested, kJustification);
            QVERIFY(!noOverride.ok());
            QVERIFY(noOverride.error().code == ErrorCode::NotAllowed);
            QVERIFY(allRowCounts(db) == before);

            auto second = referrals.draft(hfsvInput(), ReferredPerson::named("Frank Hill"));
            QVERIFY2(second.ok(), why(second));
            toRefuse = second->id;
            QVERIFY(referrals.transition(toRefuse, S::OverrideRequested, kJustification).ok());
            checkOutbox(db);
        }

        auto store = supervisor();
        QVERIFY(store);
        Database &db = store->db();
        ReferralStore referrals(*store);

        // A supervisor who asked cannot approve their own request.
        auto own = referrals.draft(hfsvInput(), ReferredPerson::named("Grace Hall"));
        QVERIFY2(own.ok(), why(own));
        QVERIFY(referrals.transition(own->id, S::OverrideRequested, kJustification).ok());
        auto before = allRowCounts(db);
        auto self = referrals.transition(own->id, S::OverrideApproved);
        QVERIFY(!self.ok());
        QVERIFY(self.error().code == ErrorCode::NotAllowed);
        QVERIFY2(contains(self.error().message, "another supervisor"), why(self));
        QVERIFY(allRowCounts(db) == before);

        // The PCSO's requests reach the supervisor's device as sync would
        // bring them: the rows, without outbox entries of this device.
        QVERIFY(db.exec("ATTACH DATABASE '" + pcsoPath + "' AS field").ok());
        QVERIFY(db.exec("INSERT INTO people SELECT * FROM field.people").ok());
        QVERIFY(db.exec("INSERT INTO referrals SELECT * FROM field.referrals").ok());
        QVERIFY(db.exec("INSERT INTO referral_events SELECT * FROM field.referral_events").ok());
        QVERIFY(db.exec("DETACH DATABASE field").ok());
        const auto outboxBefore = rowCount(db, "outbox");

        m_devices.clock.advance(kHour);
        auto approved = referrals.transition(requested, S::OverrideApproved, "Spoke to the PCSO; agreed");
        QVERIFY2(approved.ok(), why(approved));
        QVERIFY(approved->status == S::OverrideApproved);
        QCOMPARE(approved->consentOverride->approvedBy, std::string("Sgt Ada Brown"));
        QVERIFY(approved->consentOverride->approvedByRole == Role::Supervisor);
        QCOMPARE(approved->consentOverride->approvedAt.value_or(0), kNow + kMinute + kHour);
        QCOMPARE(approved->consentOverride->requestedBy, std::string("PCSO Khan"));
        auto sent = referrals.transition(requested, S::Sent);
        QVERIFY2(sent.ok(), why(sent));
        QVERIFY(sent->status == S::Sent);
        QCOMPARE(rowCount(db, "outbox"), outboxBefore + 4); // two updates, two events

        // Refusing needs a reason, and sends the referral back to drafted.
        auto noReason = referrals.transition(toRefuse, S::Drafted);
        QVERIFY(!noReason.ok());
        auto refused = referrals.transition(toRefuse, S::Drafted, "Try the family for consent first");
        QVERIFY2(refused.ok(), why(refused));
        QVERIFY(refused->status == S::Drafted);
        QCOMPARE(refused->consentOverride->refusedBy, std::string("Sgt Ada Brown"));
        QCOMPARE(refused->consentOverride->refusalReason, std::string("Try the family for consent first"));
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM referrals WHERE id = '" + toRefuse
                                    + "' AND override_refused_by = 'Sgt Ada Brown' AND status = 'drafted'"),
                 std::int64_t(1));
        // A new request starts clean: the old refusal is not carried over.
        m_devices.clock.advance(kMinute);
        auto again = referrals.transition(toRefuse, S::OverrideRequested, kJustification);
        QVERIFY2(again.ok(), why(again));
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM referrals WHERE id = '" + toRefuse
                                    + "' AND override_refused_by IS NULL AND override_refusal_reason IS NULL"
                                      " AND override_requested_by = 'Sgt Ada Brown'"),
                 std::int64_t(1));
        auto back = referrals.get(toRefuse);
        QVERIFY2(back.ok(), why(back));
        QVERIFY(*back == *again);

        // Only a supervisor's approval counts, in the database as well.
        QVERIFY(
            !db.exec("UPDATE referrals SET override_approved_by_role = 'pcso' WHERE id = '" + requested + "'").ok());
    }

    void withdrawingConsentEndsTheReferralsOnIt()
    {
        auto store = supervisor();
        QVERIFY(store);
        Database &db = store->db();
        ReferralStore referrals(*store);
        auto consent = referrals.captureConsent(consentFor({ReferralRoute::Hfsv, ReferralRoute::AdultSocialCare}),
                                                ReferredPerson::named("Mary Smith"));
        QVERIFY2(consent.ok(), why(consent));
        const std::string cid = consent->consent.id;
        const auto person = ReferredPerson::existing(consent->consent.personId);

        auto done = referrals.draft(hfsvInput(), person);
        auto careReferral = referrals.draft(routeInput(ReferralRoute::AdultSocialCare), person);
        auto sent = referrals.draft(hfsvInput(), person);
        auto unconsented = referrals.draft(hfsvInput(), person);
        QVERIFY(done.ok() && careReferral.ok() && sent.ok() && unconsented.ok());
        m_devices.clock.advance(kMinute);
        QVERIFY(walk(referrals, done->id, {S::ConsentCaptured, S::Sent, S::Acknowledged, S::Accepted, S::Completed},
                     cid));
        QVERIFY(walk(referrals, careReferral->id, {S::ConsentCaptured}, cid));
        QVERIFY(walk(referrals, sent->id, {S::ConsentCaptured, S::Sent}, cid));
        auto otherConsent = referrals.captureConsent(consentFor({ReferralRoute::Hfsv}), person);
        QVERIFY2(otherConsent.ok(), why(otherConsent));
        auto onOther = referrals.draft(hfsvInput(), person);
        QVERIFY2(onOther.ok(), why(onOther));
        QVERIFY(walk(referrals, onOther->id, {S::ConsentCaptured}, otherConsent->consent.id));
        checkOutbox(db);

        const auto before = allRowCounts(db);
        m_devices.clock.advance(kHour);
        auto withdrawn = referrals.withdrawConsent(cid, "Changed her mind");
        QVERIFY2(withdrawn.ok(), why(withdrawn));
        QCOMPARE(withdrawn->withdrawnReferrals.size(), std::size_t(2));
        QCOMPARE(withdrawn->withdrawnReferrals[0].id, careReferral->id);
        QCOMPARE(withdrawn->withdrawnReferrals[1].id, sent->id);
        QVERIFY(withdrawn->consent.withdrawal.has_value());

        auto record = referrals.getConsent(cid);
        QVERIFY2(record.ok(), why(record));
        QVERIFY(record->withdrawal.has_value());
        QCOMPARE(record->withdrawal->withdrawnAt, kNow + kMinute + kHour);
        QCOMPARE(record->withdrawal->withdrawnBy, std::string("Sgt Ada Brown"));
        QCOMPARE(record->withdrawal->note, std::string("Changed her mind"));

        auto status = [&](const std::string &id) {
            auto r = referrals.get(id);
            return r ? r->status : S::Drafted;
        };
        QVERIFY(status(done->id) == S::Completed);     // already final
        QVERIFY(status(careReferral->id) == S::Withdrawn);
        QVERIFY(status(sent->id) == S::Withdrawn);
        QVERIFY(status(unconsented->id) == S::Drafted); // did not go on it
        QVERIFY(status(onOther->id) == S::ConsentCaptured);
        auto ended = referrals.get(sent->id);
        QCOMPARE(ended->withdrawnAt.value_or(0), kNow + kMinute + kHour);
        auto events = referrals.events(sent->id);
        QVERIFY2(events.ok(), why(events));
        QVERIFY(events->back().fromStatus == S::Sent && events->back().toStatus == S::Withdrawn);
        QCOMPARE(events->back().text, std::string("consent withdrawn: Changed her mind"));

        // One consent update (its withdrawal columns only), two referral
        // updates, two events: all in the one transaction.
        auto after = allRowCounts(db);
        QCOMPARE(after["outbox"], before.at("outbox") + 5);
        QCOMPARE(after["referral_events"], before.at("referral_events") + 2);
        QCOMPARE(after["referrals"], before.at("referrals"));
        const std::set<std::string> withdrawalKeys{"withdrawn_at", "withdrawn_by", "withdrawn_by_role", "withdrawal_note"};
        QVERIFY(lastOutboxKeys(db, "consent_records", cid) == withdrawalKeys);
        checkOutbox(db);

        // Once only; and a withdrawn consent carries no new referral.
        const auto once = allRowCounts(db);
        auto twice = referrals.withdrawConsent(cid);
        QVERIFY(!twice.ok());
        QVERIFY(twice.error().code == ErrorCode::NotAllowed);
        auto late = referrals.draft(hfsvInput(), person);
        QVERIFY2(late.ok(), why(late));
        const auto withLate = allRowCounts(db);
        auto onWithdrawn = referrals.transition(late->id, S::ConsentCaptured, {}, cid);
        QVERIFY(!onWithdrawn.ok());
        QVERIFY2(contains(onWithdrawn.error().message, "withdrawn"), why(onWithdrawn));
        QVERIFY(allRowCounts(db) == withLate);
        QCOMPARE(withLate.at("referrals"), once.at("referrals") + 1);
        checkOutbox(db);
    }

    void withdrawalOnTheOtherDeviceReachesAReferralLater()
    {
        // A referral still open on consent that was withdrawn (as sync could
        // leave it) is ended by the withdrawn step; one not yet withdrawn is not.
        auto store = pcso();
        QVERIFY(store);
        ReferralStore referrals(*store);
        auto consent = referrals.captureConsent(consentFor({ReferralRoute::Hfsv}), ReferredPerson::named("Ivy Moss"));
        QVERIFY2(consent.ok(), why(consent));
        auto r = referrals.draft(hfsvInput(), ReferredPerson::existing(consent->consent.personId));
        QVERIFY2(r.ok(), why(r));
        QVERIFY(walk(referrals, r->id, {S::ConsentCaptured}, consent->consent.id));
        auto early = referrals.transition(r->id, S::Withdrawn);
        QVERIFY(!early.ok());
        QVERIFY(early.error().code == ErrorCode::NotAllowed);
        m_devices.clock.advance(kMinute);
        QVERIFY(store->db()
                    .exec("UPDATE consent_records SET withdrawn_at = " + std::to_string(kNow + kMinute)
                          + ", withdrawn_by = 'PCSO Other', withdrawn_by_role = 'pcso' WHERE id = '" + consent->consent.id + "'")
                    .ok());
        auto sent = referrals.transition(r->id, S::Sent);
        QVERIFY(!sent.ok());
        QVERIFY2(contains(sent.error().message, "withdrawn"), why(sent));
        auto ended = referrals.transition(r->id, S::Withdrawn);
        QVERIFY2(ended.ok(), why(ended));
        QVERIFY(ended->status == S::Withdrawn);
    }

    void consentRecordsCanOnlyBeWithdrawnOnce()
    {
        auto store = pcso();
        QVERIFY(store);
        Database &db = store->db();
        ReferralStore referrals(*store);
        auto consent = referrals.captureConsent(consentFor({ReferralRoute::Hfsv}), ReferredPerson::named("Tom Baker"));
        QVERIFY2(consent.ok(), why(consent));
        const std::string where = " WHERE id = '" + consent->consent.id + "'";
        const std::string dump = tableDump(db, "consent_records");

        for (const std::string &change :
             {std::string("purpose = 'something else'"), std::string("recipients = '[\"hfsv\",\"housing\"]'"),
              std::string("witness = NULL"), std::string("captured_at = 1"), std::string("person_id = id"),
              std::string("captured_by_role = 'supervisor'")}) {
            const Status edited = db.exec("UPDATE consent_records SET " + change + where);
            QVERIFY2(!edited.ok(), change.c_str());
            QVERIFY2(contains(edited.error().message, "only be withdrawn"), edited.error().message.c_str());
        }
        QVERIFY(!db.exec("DELETE FROM consent_records" + where).ok());
        QCOMPARE(tableDump(db, "consent_records"), dump);

        auto withdrawn = referrals.withdrawConsent(consent->consent.id);
        QVERIFY2(withdrawn.ok(), why(withdrawn));
        QCOMPARE(queryCount(db, "SELECT COUNT(*) FROM consent_records WHERE withdrawal_note IS NULL AND withdrawn_by = "
                                "'PCSO Khan'"),
                 std::int64_t(1));
        const std::string afterWithdrawal = tableDump(db, "consent_records");
        QVERIFY(!db.exec("UPDATE consent_records SET withdrawal_note = 'second thoughts'" + where).ok());
        QVERIFY(!db.exec("UPDATE consent_records SET withdrawn_at = NULL, withdrawn_by = NULL" + where).ok());
        QCOMPARE(tableDump(db, "consent_records"), afterWithdrawal);
        checkOutbox(db);
    }

    void badConsentInputWritesNothing_data()
    {
        QTest::addColumn<int>("which");
        QTest::addColumn<int>("code");
        const int invalid = static_cast<int>(ErrorCode::InvalidInput);
        const char *names[] = {"purpose not UTF-8", "purpose oversized", "purpose blank", "no recipients",
                               "unknown recipient", "recipient twice", "bad script version", "verbal, no witness",
                               "witness is the capturer", "capacity concern, no note", "capacity note not UTF-8",
                               "already withdrawn", "dated in the future", "name not UTF-8", "name oversized",
                               "name blank", "contact with a control character", "person id not a UUID",
                               "unknown person id"};
        for (int i = 0; i < static_cast<int>(std::size(names)); ++i)
            QTest::newRow(names[i]) << i << (i == 18 ? static_cast<int>(ErrorCode::NotFound) : invalid);
    }

    void badConsentInputWritesNothing()
    {
        QFETCH(int, which);
        QFETCH(int, code);
        auto store = pcso();
        QVERIFY(store);
        Database &db = store->db();
        ReferralStore referrals(*store);
        QVERIFY(referrals.captureConsent(consentFor({ReferralRoute::Hfsv}), ReferredPerson::named("Known")).ok());

        ConsentRecord c = consentFor({ReferralRoute::Hfsv});
        ReferredPerson person = ReferredPerson::named("Mary Smith");
        switch (which) {
        case 0: c.purpose = "bad \xC3\x28 text"; break;
        case 1: c.purpose = std::string(kMaxLongText + 1, 'a'); break;
        case 2: c.purpose = "   "; break;
        case 3: c.recipients.clear(); break;
        case 4: c.recipients = {static_cast<ReferralRoute>(42)}; break;
        case 5: c.recipients = {ReferralRoute::Hfsv, ReferralRoute::Hfsv}; break;
        case 6: c.scriptVersion = "v 3!"; break;
        case 7: c.witnessName.clear(); break;
        case 8: c.witnessName = "pcso  khan"; break;
        case 9: c.capacityConcern = true; break;
        case 10: c.capacityNote = "\xFF\xFE"; break;
        case 11: c.withdrawal = ConsentWithdrawal{kNow, "PCSO Khan", Role::Pcso, ""}; break;
        case 12: c.capturedAt = kNow + kDay; break;
        case 13: person = ReferredPerson::named("Mary \xE2\x82"); break;
        case 14: person = ReferredPerson::named(std::string(kMaxShortText + 1, 'm')); break;
        case 15: person = ReferredPerson::named(" \t "); break;
        case 16: person = ReferredPerson::named("Mary Smith", "020\x07 8359"); break;
        case 17: person = ReferredPerson::existing("mary-smith"); break;
        case 18: person = ReferredPerson::existing(kMissingUuid); break;
        default: QFAIL("no such case");
        }
        const auto before = allRowCounts(db);
        auto captured = referrals.captureConsent(c, person);
        QVERIFY(!captured.ok());
        QVERIFY2(static_cast<int>(captured.error().code) == code, captured.error().message.c_str());
        QVERIFY(!captured.error().message.empty());
        QVERIFY(allRowCounts(db) == before);
    }

    void badReferralInputWritesNothing_data()
    {
        QTest::addColumn<int>("which");
        QTest::addColumn<int>("code");
        const int invalid = static_cast<int>(ErrorCode::InvalidInput);
        const char *names[] = {"unknown route", "address not UTF-8", "address oversized", "address control character",
                               "hfsv without risk factors", "hoarding without clutter rating", "clutter out of range",
                               "hoarding without capacity note", "bad ward code", "capacity note oversized",
                               "report id not a UUID", "unknown report", "already sent", "status not drafted",
                               "consent already set", "unknown band", "deadline before creation",
                               "name not UTF-8", "unknown person id"};
        for (int i = 0; i < static_cast<int>(std::size(names)); ++i)
            QTest::newRow(names[i]) << i
                                    << (i == 11 || i == 18 ? static_cast<int>(ErrorCode::NotFound) : invalid);
    }

    void badReferralInputWritesNothing()
    {
        QFETCH(int, which);
        QFETCH(int, code);
        // A supervisor may draft on every route, so only the input is at fault.
        auto store = supervisor();
        QVERIFY(store);
        Database &db = store->db();
        ReferralStore referrals(*store);
        QVERIFY(referrals.draft(hfsvInput(), ReferredPerson::named("Known")).ok());

        Referral r = hfsvInput();
        ReferredPerson person = ReferredPerson::named("Mary Smith");
        Referral hoarding = routeInput(ReferralRoute::Hoarding);
        hoarding.clutterRating = 7;
        hoarding.capacityNote = "Understands the risk and agrees to help";
        switch (which) {
        case 0: r.route = static_cast<ReferralRoute>(42); break;
        case 1: r.addressText = "12 Acacia \xC3 Avenue"; break;
        case 2: r.addressText = std::string(kMaxShortText + 1, 'a'); break;
        case 3: r.addressText = "12 Acacia\x01 Avenue"; break;
        case 4: r.riskFactors = {}; break;
        case 5: r = hoarding; r.clutterRating.reset(); break;
        case 6: r = hoarding; r.clutterRating = 12; break;
        case 7: r = hoarding; r.capacityNote = " "; break;
        case 8: r.wardCode = "E0501"; break;
        case 9: r.capacityNote = std::string(kMaxLongText + 1, 'c'); break;
        case 10: r.reportId = "report-1"; break;
        case 11: r.reportId = kMissingUuid; break;
        case 12: r.sentAt = kNow; break;
        case 13: r.status = S::Sent; break;
        case 14: r.consentId = kMissingUuid; break;
        case 15: r.priorityBand = static_cast<PriorityBand>(9); break;
        case 16: r.route = ReferralRoute::AdultSocialCare; r.deadlineAt = kNow - kDay; break;
        case 17: person = ReferredPerson::named("\xC0\xAF"); break;
        case 18: person = ReferredPerson::existing(kMissingUuid); break;
        default: QFAIL("no such case");
        }
        const auto before = allRowCounts(db);
        auto drafted = referrals.draft(r, person);
        QVERIFY(!drafted.ok());
        QVERIFY2(static_cast<int>(drafted.error().code) == code, drafted.error().message.c_str());
        QVERIFY(allRowCounts(db) == before);
    }

    void badStepInputWritesNothing()
    {
        auto store = pcso();
        QVERIFY(store);
        Database &db = store->db();
        ReferralStore referrals(*store);
        auto consent = referrals.captureConsent(consentFor({ReferralRoute::Hfsv}), ReferredPerson::named("Ann Lee"));
        QVERIFY2(consent.ok(), why(consent));
        auto r = referrals.draft(hfsvInput(), ReferredPerson::existing(consent->consent.personId));
        QVERIFY2(r.ok(), why(r));
        const auto before = allRowCounts(db);
        const std::string dump = tableDump(db, "referrals");

        struct Case {
            const char *name;
            std::function<Status()> run;
            ErrorCode code;
        };
        auto step = [&](const std::string &id, S to, const std::string &reason,
                        std::optional<std::string> consentId = std::nullopt) -> Status {
            auto moved = referrals.transition(id, to, reason, consentId);
            return moved ? Status() : Status(moved.error());
        };
        const std::vector<Case> cases{
            {"id not a UUID", [&] { return step("42", S::Sent, {}); }, ErrorCode::InvalidInput},
            {"unknown referral", [&] { return step(kMissingUuid, S::Sent, {}); }, ErrorCode::NotFound},
            {"reason not UTF-8",
             [&] { return step(r->id, S::OverrideRequested, std::string(kJustification) + "\xC3"); },
             ErrorCode::InvalidInput},
            {"justification oversized",
             [&] { return step(r->id, S::OverrideRequested, std::string(kMaxLongText + 1, 'j')); },
             ErrorCode::InvalidInput},
            {"consent on the wrong step", [&] { return step(r->id, S::Sent, {}, consent->consent.id); },
             ErrorCode::InvalidInput},
            {"consent id not a UUID", [&] { return step(r->id, S::ConsentCaptured, {}, "consent"); },
             ErrorCode::InvalidInput},
            {"unknown consent", [&] { return step(r->id, S::ConsentCaptured, {}, kMissingUuid); },
             ErrorCode::NotFound},
            {"unknown status", [&] { return step(r->id, static_cast<S>(77), {}); }, ErrorCode::InvalidInput},
            {"skipping a step", [&] { return step(r->id, S::Completed, {}); }, ErrorCode::NotAllowed},
            {"withdrawing without consent", [&] { return step(r->id, S::Withdrawn, {}); }, ErrorCode::NotAllowed},
            {"withdrawing unknown consent",
             [&] {
                 auto w = referrals.withdrawConsent(kMissingUuid);
                 return w ? Status() : Status(w.error());
             },
             ErrorCode::NotFound},
            {"withdrawal note not UTF-8",
             [&] {
                 auto w = referrals.withdrawConsent(consent->consent.id, "\xF0\x28\x8C\x28");
                 return w ? Status() : Status(w.error());
             },
             ErrorCode::InvalidInput},
        };
        for (const auto &c : cases) {
            const Status result = c.run();
            QVERIFY2(!result.ok(), c.name);
            QVERIFY2(result.error().code == c.code, (std::string(c.name) + ": " + result.error().message).c_str());
            QVERIFY2(allRowCounts(db) == before, c.name);
        }
        QCOMPARE(tableDump(db, "referrals"), dump);
    }

    void unknownStoredNamesAreRefusedOnReading()
    {
        auto store = pcso();
        QVERIFY(store);
        Database &db = store->db();
        ReferralStore referrals(*store);
        auto r = referrals.draft(hfsvInput(), ReferredPerson::named("Ann Lee"));
        QVERIFY2(r.ok(), why(r));
        auto c = referrals.captureConsent(consentFor({ReferralRoute::Hfsv}), ReferredPerson::existing(r->personId));
        QVERIFY2(c.ok(), why(c));
        // As a newer or damaged copy of the data could hold them.
        const std::string copy =
            "INSERT INTO referrals (id, route, person_id, risk_factors, priority_band, status, created_by, "
            "created_by_role, created_at, updated_by, updated_at, hlc, device_id) SELECT ?, route, person_id, "
            "risk_factors, priority_band, status, created_by, created_by_role, created_at, updated_by, updated_at, "
            "hlc, device_id FROM referrals WHERE id = '" + r->id + "'";
        const std::string flying = "0190f5a2-0000-7000-8000-0000000000f1";
        const std::string fire = "0190f5a2-0000-7000-8000-0000000000f2";
        const std::string notJson = "0190f5a2-0000-7000-8000-0000000000f3";
        auto insertCopy = [&](const std::string &id) {
            auto stmt = db.prepare(copy);
            QVERIFY(stmt.ok());
            (*stmt)->bind(1, id);
            QVERIFY((*stmt)->run().ok());
        };
        insertCopy(flying);
        insertCopy(fire);
        insertCopy(notJson);
        QVERIFY(db.exec("UPDATE referrals SET risk_factors = '[\"smoker\",\"flying\"]' WHERE id = '" + flying + "'")
                    .ok());
        QVERIFY(db.exec("UPDATE referrals SET route = 'fire' WHERE id = '" + fire + "'").ok());
        QVERIFY(db.exec("UPDATE referrals SET risk_factors = 'smoker' WHERE id = '" + notJson + "'").ok());
        for (const auto &id : {flying, fire, notJson}) {
            auto read = referrals.get(id);
            QVERIFY(!read.ok());
            QVERIFY(read.error().code == ErrorCode::Storage);
            QVERIFY2(contains(read.error().message, "does not know"), read.error().message.c_str());
        }
        auto listed = referrals.list();
        QVERIFY(!listed.ok());
        QVERIFY(listed.error().code == ErrorCode::Storage);
        auto good = referrals.get(r->id);
        QVERIFY2(good.ok(), why(good));
    }

    void rolesAreChecked()
    {
        {
            auto store = openStore(Role::Analyst, "Ana Lyst");
            QVERIFY(store);
            ReferralStore referrals(*store);
            const auto before = allRowCounts(store->db());
            auto consent = referrals.captureConsent(consentFor({ReferralRoute::Hfsv}), ReferredPerson::named("A B"));
            QVERIFY(!consent.ok());
            QVERIFY(consent.error().code == ErrorCode::NotAllowed);
            auto drafted = referrals.draft(hfsvInput(), ReferredPerson::named("A B"));
            QVERIFY(!drafted.ok());
            QVERIFY(drafted.error().code == ErrorCode::NotAllowed);
            QVERIFY(allRowCounts(store->db()) == before);
        }
        {
            auto store = openStore(Role::Champion, "Nina Watch");
            QVERIFY(store);
            ReferralStore referrals(*store);
            auto housing = referrals.draft(routeInput(ReferralRoute::Housing), ReferredPerson::named("A B"));
            QVERIFY(!housing.ok());
            QVERIFY(housing.error().code == ErrorCode::NotAllowed);
            QCOMPARE(rowCount(store->db(), "outbox"), std::int64_t(0));
        }
        auto store = pcso();
        QVERIFY(store);
        Database &db = store->db();
        ReferralStore referrals(*store);
        auto consent = referrals.captureConsent(consentFor({ReferralRoute::DomesticAbuse, ReferralRoute::Hfsv}),
                                                ReferredPerson::named("Kim Noor"));
        QVERIFY2(consent.ok(), why(consent));
        const auto person = ReferredPerson::existing(consent->consent.personId);
        Referral concern = routeInput(ReferralRoute::DomesticAbuse);
        concern.addressText.clear(); // a flagged concern may have no safe address
        auto da = referrals.draft(concern, person);
        QVERIFY2(da.ok(), why(da));
        QVERIFY(walk(referrals, da->id, {S::ConsentCaptured}, consent->consent.id));
        auto before = allRowCounts(db);
        auto send = referrals.transition(da->id, S::Sent);
        QVERIFY(!send.ok());
        QVERIFY2(contains(send.error().message, "only flags"), why(send));
        QVERIFY(allRowCounts(db) == before);

        auto fire = referrals.draft(hfsvInput(), person);
        QVERIFY2(fire.ok(), why(fire));
        QVERIFY(walk(referrals, fire->id, {S::ConsentCaptured, S::Sent}, consent->consent.id));
        before = allRowCounts(db);
        auto ack = referrals.transition(fire->id, S::Acknowledged);
        QVERIFY(!ack.ok());
        QVERIFY(ack.error().code == ErrorCode::NotAllowed);
        QVERIFY(allRowCounts(db) == before);
        checkOutbox(db);
    }

    void overdueReferralsAreEscalatedOncePerDeadline()
    {
        auto store = supervisor();
        QVERIFY(store);
        Database &db = store->db();
        ReferralStore referrals(*store);
        auto consent = referrals.captureConsent(consentFor({ReferralRoute::Hfsv}), ReferredPerson::named("Ron Pike"));
        QVERIFY2(consent.ok(), why(consent));
        const auto person = ReferredPerson::existing(consent->consent.personId);
        auto urgent = referrals.draft(hfsvInput(), person);
        QVERIFY2(urgent.ok(), why(urgent));
        QVERIFY(walk(referrals, urgent->id, {S::ConsentCaptured, S::Sent}, consent->consent.id));
        Referral calm = hfsvInput();
        calm.riskFactors = {F::AgedOver70};
        auto low = referrals.draft(calm, person);
        QVERIFY2(low.ok(), why(low));
        QVERIFY(low->priorityBand == PriorityBand::Low);
        QVERIFY(!low->deadlineAt);

        auto none = referrals.overdue(kNow + kHour);
        QVERIFY2(none.ok(), why(none));
        QVERIFY(none->empty());
        auto early = referrals.transition(urgent->id, S::Escalated);
        QVERIFY(!early.ok());
        QVERIFY(early.error().code == ErrorCode::NotAllowed);

        m_devices.clock.set(kNow + 5 * kHour);
        auto late = referrals.overdue(m_devices.clock.nowMs());
        QVERIFY2(late.ok(), why(late));
        QCOMPARE(late->size(), std::size_t(1));
        QCOMPARE(late->front().id, urgent->id);
        ReferralFilter sentOnly;
        sentOnly.status = S::Sent;
        auto listed = referrals.list(sentOnly);
        QVERIFY2(listed.ok(), why(listed));
        QCOMPARE(listed->size(), std::size_t(1));

        auto escalated = referrals.transition(urgent->id, S::Escalated);
        QVERIFY2(escalated.ok(), why(escalated));
        QVERIFY(escalated->status == S::Escalated);
        QVERIFY(escalated->escalatedFrom == S::Sent);
        QCOMPARE(escalated->escalatedAt.value_or(0), kNow + 5 * kHour);
        auto events = referrals.events(urgent->id);
        QVERIFY2(events.ok(), why(events));
        QVERIFY2(contains(events->back().text, "missed the deadline 2026-11-25T01:15"), events->back().text.c_str());
        auto back = referrals.get(urgent->id);
        QVERIFY2(back.ok(), why(back));
        QVERIFY(*back == *escalated);

        const auto before = allRowCounts(db);
        auto twice = referrals.transition(urgent->id, S::Escalated);
        QVERIFY(!twice.ok());
        QVERIFY(allRowCounts(db) == before);
        auto acknowledged = referrals.transition(urgent->id, S::Acknowledged);
        QVERIFY2(acknowledged.ok(), why(acknowledged));
        QVERIFY(acknowledged->status == S::Acknowledged);
        checkOutbox(db);
    }

    void draftFromAReportAndBandsRaisedNotLowered()
    {
        auto store = supervisor();
        QVERIFY(store);
        Database &db = store->db();
        const std::string reportId = "0190f5a2-0000-7000-8000-00000000a001";
        const std::string victimId = "0190f5a2-0000-7000-8000-00000000a002";
        const Status logged = store->write([&](WriteTxn &txn) -> Status {
            Fields person;
            person["name"] = "Vera Victim";
            person["contact"] = nullptr;
            person["match_key"] = store->matchKey("Vera Victim");
            person["created_at"] = txn.now();
            if (auto ok = txn.insert("people", victimId, std::move(person)); !ok)
                return ok;
            Fields f;
            f["type"] = "nuisance_neighbours";
            f["qualifier"] = "personal";
            f["hate"] = false;
            f["occurred_at"] = txn.now();
            f["logged_at"] = txn.now();
            f["lat"] = 51.58951;
            f["lon"] = -0.22356;
            f["address_text"] = "7 Brent Street, NW4";
            f["place_key"] = "7 brent street nw4";
            f["ward_code"] = "E05013643";
            f["description"] = "Shouting and banging at night";
            f["victim_id"] = victimId;
            f["source_role"] = "pcso";
            f["logged_by"] = "PCSO Khan";
            f["status"] = "submitted";
            f["repeat_victim"] = false;
            f["prior_reports"] = 0;
            return txn.insert("asb_reports", reportId, std::move(f));
        });
        QVERIFY2(logged.ok(), why(logged));
        ReferralStore referrals(*store);

        Referral input;
        input.route = ReferralRoute::Hfsv;
        input.reportId = reportId;
        input.riskFactors = {F::AgedOver70}; // low on its own
        input.priorityBand = PriorityBand::VeryHigh; // raised on judgement
        auto raised = referrals.draft(input, ReferredPerson::existing(victimId));
        QVERIFY2(raised.ok(), why(raised));
        QCOMPARE(raised->addressText, std::string("7 Brent Street, NW4"));
        QCOMPARE(raised->wardCode, std::string("E05013643"));
        QCOMPARE(raised->reportId.value_or(""), reportId);
        QCOMPARE(raised->personId, victimId);
        QVERIFY(raised->priorityBand == PriorityBand::VeryHigh);
        QCOMPARE(raised->deadlineAt.value_or(0), kNow + 4 * kHour);

        Referral lowered = hfsvInput(); // very high by combination
        lowered.priorityBand = PriorityBand::Low;
        auto kept = referrals.draft(lowered, ReferredPerson::existing(victimId));
        QVERIFY2(kept.ok(), why(kept));
        QVERIFY(kept->priorityBand == PriorityBand::VeryHigh);

        Referral hoarding = routeInput(ReferralRoute::Hoarding);
        hoarding.clutterRating = 7;
        hoarding.capacityNote = "Understands the risk;\nagrees to the panel";
        hoarding.riskFactors = {F::Hoarding, F::LivesAlone};
        auto full = referrals.draft(hoarding, ReferredPerson::named("Hal Hoard", "07700 900123"));
        QVERIFY2(full.ok(), why(full));
        auto back = referrals.get(full->id);
        QVERIFY2(back.ok(), why(back));
        QVERIFY(*back == *full);
        QCOMPARE(back->clutterRating.value_or(0), 7);
        QCOMPARE(back->capacityNote, std::string("Understands the risk;\nagrees to the panel"));
        auto person = referrals.person(full->personId);
        QVERIFY2(person.ok(), why(person));
        QCOMPARE(person->name, std::string("Hal Hoard"));
        QCOMPARE(person->contact, std::string("07700 900123"));
        auto listed = referrals.list();
        QVERIFY2(listed.ok(), why(listed));
        QCOMPARE(listed->size(), std::size_t(3));
        checkOutbox(db);
    }
};

QTEST_GUILESS_MAIN(TestReferralStore)
#include "tst_referralstore.moc"
