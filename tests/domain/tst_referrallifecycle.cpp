#include "core/text.h"
#include "domain/referrallifecycle.h"

#include <QTest>

#include <map>
#include <set>

using namespace beatbook;
using S = ReferralStatus;

namespace {

constexpr TimestampMs kMinute = 60LL * 1000;
constexpr TimestampMs kHour = 60 * kMinute;
constexpr TimestampMs kDay = 24 * kHour;
constexpr TimestampMs kT0 = 1795554900000LL; // 2026-11-24T21:15Z

const char *const kPcso = "PCSO Amara Okafor";
const char *const kSergeant = "Sgt Rita Patel";
const char *const kOtherSergeant = "Sgt Ben Ito";
const char *const kFireOfficer = "Watch Manager Lee";
const char *const kJustification = "Bed-bound smoker, burns on the carpet, refuses to discuss it: risk to life.";

ConsentRecord consent()
{
    ConsentRecord c;
    c.id = "018f4b2a-0000-7000-8000-00000000c001";
    c.personId = "018f4b2a-0000-7000-8000-00000000a001";
    c.purpose = "A home fire safety visit, and adult social care to check on her care package.";
    c.recipients = {ReferralRoute::Hfsv, ReferralRoute::AdultSocialCare, ReferralRoute::DomesticAbuse};
    c.scriptVersion = "hfsv-consent-v3";
    c.method = ConsentMethod::SignedOnDevice;
    c.capturedBy = kPcso;
    c.capturedByRole = Role::Pcso;
    c.capturedAt = kT0 + 30 * kMinute;
    return c;
}

ConsentRecord withdrawnConsent(TimestampMs at = kT0 + 150 * kMinute)
{
    auto c = consent();
    c.withdrawal = ConsentWithdrawal{at, kPcso, Role::Pcso, "Phoned the office: no longer wants the visit."};
    return c;
}

Referral drafted(const char *factors = "no_working_smoke_alarm", ReferralRoute route = ReferralRoute::Hfsv,
                 Role creator = Role::Pcso)
{
    Referral r;
    r.id = "018f4b2a-0000-7000-8000-00000000f001";
    r.route = route;
    r.personId = "018f4b2a-0000-7000-8000-00000000a001";
    r.addressText = "12 Acacia Avenue, London NW4 1AA";
    r.wardCode = "E05013628";
    r.riskFactors = parseRiskFactorList(factors).value();
    r.createdBy = kPcso;
    r.createdByRole = creator;
    r.createdAt = kT0;
    r.updatedBy = kPcso;
    r.updatedAt = kT0;
    assignPriority(r);
    return r;
}

TransitionContext ctx(Role role, const char *actor, TimestampMs now, const ConsentRecord *c = nullptr,
                      std::string reason = {})
{
    TransitionContext context;
    context.actor = actor;
    context.actorRole = role;
    context.now = now;
    context.consent = c;
    context.reason = std::move(reason);
    return context;
}

std::string name(S s)
{
    return std::string(toString(s));
}

QString describe(const Status &s)
{
    return s.ok() ? QString("ok") : QString::fromStdString(s.error().message);
}

// Walks a fresh referral along the usual path to `target`, checking each step.
Result<Referral> reach(S target, Referral r = drafted())
{
    static const ConsentRecord given = consent();
    static const ConsentRecord taken = withdrawnConsent();
    std::vector<std::pair<S, TransitionContext>> steps;
    const auto viaConsent = [&] { steps.push_back({S::ConsentCaptured, ctx(Role::Pcso, kPcso, kT0 + kHour, &given)}); };
    const auto sent = [&] {
        viaConsent();
        steps.push_back({S::Sent, ctx(Role::Pcso, kPcso, kT0 + 2 * kHour, &given)});
    };
    const auto acknowledged = [&] {
        sent();
        steps.push_back({S::Acknowledged, ctx(Role::FireHfsv, kFireOfficer, kT0 + 3 * kHour)});
    };
    const auto requested = [&] {
        steps.push_back({S::OverrideRequested, ctx(Role::Pcso, kPcso, kT0 + kHour, nullptr, kJustification)});
    };
    switch (target) {
    case S::Drafted: break;
    case S::ConsentCaptured: viaConsent(); break;
    case S::OverrideRequested: requested(); break;
    case S::OverrideApproved:
        requested();
        steps.push_back({S::OverrideApproved, ctx(Role::Supervisor, kSergeant, kT0 + 2 * kHour)});
        break;
    case S::Sent: sent(); break;
    case S::Acknowledged: acknowledged(); break;
    case S::Accepted:
        acknowledged();
        steps.push_back({S::Accepted, ctx(Role::FireHfsv, kFireOfficer, kT0 + 4 * kHour)});
        break;
    case S::Declined:
        acknowledged();
        steps.push_back({S::Declined, ctx(Role::FireHfsv, kFireOfficer, kT0 + 4 * kHour, nullptr, "Moved away.")});
        break;
    case S::Completed:
        acknowledged();
        steps.push_back({S::Accepted, ctx(Role::FireHfsv, kFireOfficer, kT0 + 4 * kHour)});
        steps.push_back({S::Completed, ctx(Role::FireHfsv, kFireOfficer, kT0 + 5 * kHour)});
        break;
    case S::Withdrawn:
        viaConsent();
        steps.push_back({S::Withdrawn, ctx(Role::Pcso, kPcso, kT0 + 3 * kHour, &taken)});
        break;
    case S::Escalated:
        sent();
        steps.push_back({S::Escalated, ctx(Role::Supervisor, kSergeant, kT0 + 2 * kDay)});
        break;
    }
    for (const auto &[to, context] : steps)
        if (auto ok = applyReferralTransition(r, to, context); !ok)
            return Error::invalid("reaching " + name(target) + ", step to " + name(to) + ": " + ok.error().message);
    return r;
}

// The context that would satisfy a step's own needs, so that only the
// lifecycle decides whether it is allowed.
TransitionContext bestContextFor(S to, TimestampMs now)
{
    static const ConsentRecord given = consent();
    static const ConsentRecord taken = withdrawnConsent();
    switch (to) {
    case S::ConsentCaptured: return ctx(Role::Pcso, kPcso, now, &given);
    case S::OverrideRequested: return ctx(Role::Pcso, kPcso, now, nullptr, kJustification);
    case S::OverrideApproved: return ctx(Role::Supervisor, kOtherSergeant, now);
    case S::Drafted: return ctx(Role::Supervisor, kOtherSergeant, now, nullptr, "Ask again for consent first.");
    case S::Sent: return ctx(Role::Pcso, kPcso, now, &given);
    case S::Acknowledged:
    case S::Accepted:
    case S::Completed: return ctx(Role::FireHfsv, kFireOfficer, now);
    case S::Declined: return ctx(Role::FireHfsv, kFireOfficer, now, nullptr, "Already visited last week.");
    case S::Withdrawn: return ctx(Role::Pcso, kPcso, now, &taken);
    case S::Escalated: return ctx(Role::Supervisor, kSergeant, now);
    }
    return {};
}

#define REACH(var, status, ...)                                                                                        \
    auto var##Result = reach(status __VA_OPT__(, ) __VA_ARGS__);                                                                   \
    QVERIFY2(var##Result.ok(), var##Result.ok() ? "" : var##Result.error().message.c_str());                          \
    auto var = var##Result.value()

} // namespace

class TestReferralLifecycle : public QObject {
    Q_OBJECT
private slots:
    // Every (from, to) pair: allowed exactly when the lifecycle says so.
    void everyTransition_data()
    {
        QTest::addColumn<int>("from");
        QTest::addColumn<int>("to");
        QTest::addColumn<bool>("allowed");
        const std::map<S, std::set<S>> allowed{
            {S::Drafted, {S::ConsentCaptured, S::OverrideRequested}},
            {S::ConsentCaptured, {S::Sent, S::Withdrawn}},
            {S::OverrideRequested, {S::OverrideApproved, S::Drafted, S::ConsentCaptured}},
            {S::OverrideApproved, {S::Sent}},
            {S::Sent, {S::Acknowledged, S::Escalated, S::Withdrawn}},
            {S::Acknowledged, {S::Accepted, S::Declined, S::Escalated, S::Withdrawn}},
            {S::Accepted, {S::Completed, S::Escalated, S::Withdrawn}},
            {S::Escalated, {S::Acknowledged, S::Withdrawn}}, // escalated while waiting for acknowledgement
            {S::Declined, {}},
            {S::Completed, {}},
            {S::Withdrawn, {}},
        };
        for (std::size_t f = 0; f < enumCount<S>(); ++f)
            for (std::size_t t = 0; t < enumCount<S>(); ++t) {
                const auto from = static_cast<S>(f);
                const auto to = static_cast<S>(t);
                const bool ok = allowed.at(from).count(to) > 0;
                QTest::addRow("%s -> %s", toString(from).data(), toString(to).data()) << int(f) << int(t) << ok;
            }
    }
    void everyTransition()
    {
        QFETCH(int, from);
        QFETCH(int, to);
        QFETCH(bool, allowed);
        REACH(r, static_cast<S>(from));
        QCOMPARE(name(r.status), name(static_cast<S>(from)));
        const auto target = static_cast<S>(to);
        const auto context = bestContextFor(target, kT0 + 60 * kDay);
        const auto before = r;
        const auto ok = applyReferralTransition(r, target, context);
        QVERIFY2(ok.ok() == allowed, qPrintable(describe(ok)));
        QCOMPARE(checkReferralTransition(before, target, context).ok(), allowed);
        if (allowed) {
            QCOMPARE(name(r.status), name(target));
            QCOMPARE(r.updatedAt, kT0 + 60 * kDay);
            QCOMPARE(r.updatedBy, context.actor);
        } else {
            QVERIFY(ok.error().code == ErrorCode::NotAllowed);
            QVERIFY(r == before);
        }
        const auto next = nextStatuses(before);
        QCOMPARE(std::find(next.begin(), next.end(), target) != next.end(), allowed);
    }

    void escalatedContinuesWhereItStopped()
    {
        // Escalated while acknowledged: accepted or declined next.
        REACH(ack, S::Acknowledged);
        QVERIFY(applyReferralTransition(ack, S::Escalated, ctx(Role::Supervisor, kSergeant, kT0 + 31 * kDay)).ok());
        QCOMPARE(name(*ack.escalatedFrom), name(S::Acknowledged));
        for (auto to : {S::Acknowledged, S::Completed, S::Sent, S::Escalated})
            QVERIFY(!checkReferralTransition(ack, to, bestContextFor(to, kT0 + 32 * kDay)).ok());
        QVERIFY(checkReferralTransition(ack, S::Accepted, bestContextFor(S::Accepted, kT0 + 32 * kDay)).ok());
        QVERIFY(applyReferralTransition(ack, S::Declined, bestContextFor(S::Declined, kT0 + 32 * kDay)).ok());
        QCOMPARE(ack.declineReason, std::string("Already visited last week."));

        // Escalated while accepted: completed next.
        REACH(acc, S::Accepted);
        QVERIFY(applyReferralTransition(acc, S::Escalated, ctx(Role::Pcso, kPcso, kT0 + 31 * kDay)).ok());
        for (auto to : {S::Acknowledged, S::Accepted, S::Declined})
            QVERIFY(!checkReferralTransition(acc, to, bestContextFor(to, kT0 + 32 * kDay)).ok());
        QVERIFY(applyReferralTransition(acc, S::Completed, bestContextFor(S::Completed, kT0 + 32 * kDay)).ok());
        QCOMPARE(acc.completedAt, std::optional<TimestampMs>(kT0 + 32 * kDay));

        // History unknown (an old record): any of the four continues.
        REACH(old, S::Escalated);
        old.escalatedFrom.reset();
        for (auto to : {S::Acknowledged, S::Accepted, S::Declined, S::Completed})
            QVERIFY(checkReferralTransition(old, to, bestContextFor(to, kT0 + 3 * kDay)).ok());
    }

    // THE rule: no `sent` without covering, unwithdrawn consent or an
    // approved, justified override.
    void sendGateWithConsent_data()
    {
        QTest::addColumn<int>("which");
        QTest::newRow("no consent record") << 0;
        QTest::newRow("another consent record") << 1;
        QTest::newRow("consent withdrawn since") << 2;
        QTest::newRow("consent from another person") << 3;
        QTest::newRow("consent no longer names the route") << 4;
        QTest::newRow("consent record invalid") << 5;
        QTest::newRow("consent id lost") << 6;
    }
    void sendGateWithConsent()
    {
        QFETCH(int, which);
        REACH(r, S::ConsentCaptured);
        auto c = consent();
        const ConsentRecord *pointer = &c;
        switch (which) {
        case 0: pointer = nullptr; break;
        case 1: c.id = "018f4b2a-0000-7000-8000-00000000c999"; break;
        case 2: QVERIFY(withdrawConsent(c, kPcso, Role::Pcso, kT0 + 90 * kMinute, "").ok()); break;
        case 3: c.personId = "018f4b2a-0000-7000-8000-00000000a999"; break;
        case 4: c.recipients = {ReferralRoute::AdultSocialCare}; break;
        case 5: c.purpose.clear(); break;
        case 6: r.consentId.clear(); break;
        }
        const auto before = r;
        const auto ok = applyReferralTransition(r, S::Sent, ctx(Role::Pcso, kPcso, kT0 + 2 * kHour, pointer));
        QVERIFY(!ok.ok());
        QVERIFY(r == before);
        QVERIFY(!checkConsentOrOverride(before, ctx(Role::Pcso, kPcso, kT0 + 2 * kHour, pointer)).ok());
        // And a supervisor cannot push it through either.
        QVERIFY(!checkReferralTransition(before, S::Sent, ctx(Role::Supervisor, kSergeant, kT0 + 2 * kHour, pointer)).ok());
    }

    void sendGateWithOverride_data()
    {
        QTest::addColumn<int>("which");
        QTest::newRow("no override at all") << 0;
        QTest::newRow("approver missing") << 1;
        QTest::newRow("approved by a pcso") << 2;
        QTest::newRow("approved by the requester") << 3;
        QTest::newRow("justification too short") << 4;
        QTest::newRow("approval time missing") << 5;
        QTest::newRow("route needs consent") << 6;
        QTest::newRow("requester missing") << 7;
    }
    void sendGateWithOverride()
    {
        QFETCH(int, which);
        REACH(r, S::OverrideApproved);
        auto &ov = *r.consentOverride;
        switch (which) {
        case 0: r.consentOverride.reset(); break;
        case 1: ov.approvedBy.clear(); break;
        case 2: ov.approvedByRole = Role::Pcso; break;
        case 3: ov.approvedBy = ov.requestedBy; break;
        case 4: ov.justification = "risk to life"; break;
        case 5: ov.approvedAt.reset(); break;
        case 6: r.route = ReferralRoute::FamilySupport; break;
        case 7: ov.requestedBy = " "; break;
        }
        const auto before = r;
        const auto ok = applyReferralTransition(r, S::Sent, ctx(Role::Supervisor, kOtherSergeant, kT0 + 3 * kHour));
        QVERIFY2(!ok.ok(), "sent without a valid override");
        QVERIFY(ok.error().code == ErrorCode::NotAllowed);
        QVERIFY(r == before);
    }

    void sendGateFromEveryOtherState()
    {
        // Only consent_captured and override_approved lead to sent, whoever asks.
        const auto given = consent();
        for (std::size_t f = 0; f < enumCount<S>(); ++f) {
            const auto from = static_cast<S>(f);
            REACH(r, from);
            for (auto role : {Role::Pcso, Role::Supervisor, Role::Officer, Role::FireHfsv}) {
                const auto ok = checkReferralTransition(r, S::Sent, ctx(role, kOtherSergeant, kT0 + 3 * kHour, &given));
                const bool expected = from == S::ConsentCaptured || from == S::OverrideApproved;
                QVERIFY2(ok.ok() == expected, qPrintable(QString::fromStdString(name(from)) + ": " + describe(ok)));
            }
        }
        // A status forced past the lifecycle without consent or override is caught.
        auto forced = drafted();
        forced.status = S::ConsentCaptured;
        const auto c = consent();
        QVERIFY(!checkReferralTransition(forced, S::Sent, ctx(Role::Pcso, kPcso, kT0 + kHour, &c)).ok());
        forced.status = S::OverrideApproved;
        QVERIFY(!checkReferralTransition(forced, S::Sent, ctx(Role::Pcso, kPcso, kT0 + kHour)).ok());
        forced.consentOverride = ReferralOverride{kJustification, kPcso, Role::Pcso, kT0, "", {}, {}, "", {}, ""};
        QVERIFY(!checkReferralTransition(forced, S::Sent, ctx(Role::Pcso, kPcso, kT0 + kHour)).ok());
    }

    void sendingRecordsDeadlines()
    {
        REACH(r, S::Sent);
        QCOMPARE(r.sentAt, std::optional<TimestampMs>(kT0 + 2 * kHour));
        QCOMPARE(r.acknowledgeBy, std::optional<TimestampMs>(kT0 + 2 * kHour + kDay));
        QCOMPARE(r.consentId, consent().id);
        // Very high: acknowledgement cannot wait longer than the 4-hour visit deadline.
        REACH(urgent, S::Sent, drafted("smoker,bed_or_chair_bound"));
        QCOMPARE(urgent.deadlineAt, std::optional<TimestampMs>(kT0 + 4 * kHour));
        QCOMPARE(urgent.acknowledgeBy, std::optional<TimestampMs>(kT0 + 4 * kHour));
    }

    void overrideApprovalIsForAnotherSupervisor()
    {
        REACH(r, S::OverrideRequested);
        QCOMPARE(r.consentOverride->justification, std::string(kJustification));
        QCOMPARE(r.consentOverride->requestedBy, std::string(kPcso));
        QCOMPARE(r.consentOverride->requestedAt, kT0 + kHour);
        for (std::size_t i = 0; i < enumCount<Role>(); ++i) {
            const auto role = static_cast<Role>(i);
            const auto ok = checkReferralTransition(r, S::OverrideApproved, ctx(role, kOtherSergeant, kT0 + 2 * kHour));
            QVERIFY2(ok.ok() == (role == Role::Supervisor), toString(role).data());
            if (!ok.ok())
                QVERIFY(ok.error().code == ErrorCode::NotAllowed);
        }
        // A supervisor who asked may not approve, however the name is typed.
        REACH(own, S::Drafted);
        QVERIFY(applyReferralTransition(own, S::OverrideRequested,
                                        ctx(Role::Supervisor, kSergeant, kT0 + kHour, nullptr, kJustification)).ok());
        for (const char *same : {kSergeant, "sgt rita patel", "Sgt. Rita  Patel"}) {
            const auto ok = applyReferralTransition(own, S::OverrideApproved, ctx(Role::Supervisor, same, kT0 + 2 * kHour));
            QVERIFY2(!ok.ok(), same);
            QVERIFY(ok.error().message.find("another supervisor") != std::string::npos);
        }
        QVERIFY(applyReferralTransition(own, S::OverrideApproved, ctx(Role::Supervisor, kOtherSergeant, kT0 + 2 * kHour)).ok());
        QCOMPARE(own.consentOverride->approvedBy, std::string(kOtherSergeant));
        QVERIFY(own.consentOverride->approvedByRole == Role::Supervisor);
        QCOMPARE(own.consentOverride->approvedAt, std::optional<TimestampMs>(kT0 + 2 * kHour));
        // And with the approval it may go.
        QVERIFY(applyReferralTransition(own, S::Sent, ctx(Role::Pcso, kPcso, kT0 + 3 * kHour)).ok());
    }

    void overrideRefusal()
    {
        REACH(r, S::OverrideRequested);
        QVERIFY(!checkReferralTransition(r, S::Drafted, ctx(Role::Officer, kOtherSergeant, kT0 + 2 * kHour, nullptr, "No.")).ok());
        QVERIFY(!checkReferralTransition(r, S::Drafted, ctx(Role::Supervisor, kOtherSergeant, kT0 + 2 * kHour, nullptr, " ")).ok());
        QVERIFY(applyReferralTransition(r, S::Drafted,
                                        ctx(Role::Supervisor, kOtherSergeant, kT0 + 2 * kHour, nullptr, "Try consent with her son present.")).ok());
        QCOMPARE(name(r.status), name(S::Drafted));
        QCOMPARE(r.consentOverride->refusedBy, std::string(kOtherSergeant));
        QCOMPARE(r.consentOverride->refusalReason, std::string("Try consent with her son present."));
        // Refused is not approved: still no way to send.
        QVERIFY(!checkReferralTransition(r, S::Sent, ctx(Role::Pcso, kPcso, kT0 + 3 * kHour)).ok());
        const auto c = consent();
        QVERIFY(applyReferralTransition(r, S::ConsentCaptured, ctx(Role::Pcso, kPcso, kT0 + 3 * kHour, &c)).ok());
        QVERIFY(applyReferralTransition(r, S::Sent, ctx(Role::Pcso, kPcso, kT0 + 3 * kHour, &c)).ok());
    }

    void overrideJustification_data()
    {
        QTest::addColumn<QByteArray>("reason");
        QTest::addColumn<bool>("allowed");
        QTest::newRow("20 characters") << QByteArray("Risk to life, urgent") << true;
        QTest::newRow("19 characters") << QByteArray("Risk to life urgent") << false;
        QTest::newRow("padded to 20 with spaces") << QByteArray("  Risk   to   life  ") << false;
        QTest::newRow("20 accented characters") << QByteArray("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9") << true;
        QTest::newRow("10 accented characters, 20 bytes") << QByteArray("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9") << false;
        QTest::newRow("multi-line") << QByteArray("Bed-bound smoker.\nRefuses to engage.") << true;
        QTest::newRow("empty") << QByteArray("") << false;
        QTest::newRow("invalid utf-8") << QByteArray("Risk to life, urgent \xff\xff") << false;
        QTest::newRow("oversized") << QByteArray(int(kMaxLongText) + 1, 'r') << false;
        QTest::newRow("control character") << QByteArray("Risk to life, urgent\x1b[2J") << false;
    }
    void overrideJustification()
    {
        QFETCH(QByteArray, reason);
        QFETCH(bool, allowed);
        REACH(r, S::Drafted);
        const auto ok = applyReferralTransition(
            r, S::OverrideRequested, ctx(Role::Pcso, kPcso, kT0 + kHour, nullptr, reason.toStdString()));
        QVERIFY2(ok.ok() == allowed, qPrintable(describe(ok)));
        if (!allowed)
            QVERIFY(ok.error().code == ErrorCode::InvalidInput);
    }

    void overridesPerRoute()
    {
        ReferralRules rules;
        rules.minOverrideJustificationChars = 5;
        for (auto route : {ReferralRoute::FamilySupport, ReferralRoute::VictimSupport, ReferralRoute::Housing}) {
            auto r = drafted("smoker", route, Role::Supervisor);
            const auto ok = checkReferralTransition(r, S::OverrideRequested,
                                                    ctx(Role::Supervisor, kSergeant, kT0 + kHour, nullptr, kJustification));
            QVERIFY(!ok.ok());
            QVERIFY(ok.error().code == ErrorCode::NotAllowed);
            QVERIFY(ok.error().message.find("consent") != std::string::npos);
        }
        // Adult social care: the justification is the safeguarding reason.
        auto asc = drafted("smoker", ReferralRoute::AdultSocialCare);
        const auto shortReason = checkReferralTransition(asc, S::OverrideRequested,
                                                         ctx(Role::Pcso, kPcso, kT0 + kHour, nullptr, "Neglect"));
        QVERIFY(!shortReason.ok());
        QVERIFY2(shortReason.error().message.find("safeguarding reason") != std::string::npos,
                 shortReason.error().message.c_str());
        TransitionContext configured = ctx(Role::Pcso, kPcso, kT0 + kHour, nullptr, "Neglect");
        configured.rules = &rules;
        QVERIFY(checkReferralTransition(asc, S::OverrideRequested, configured).ok());
        // A champion may ask for an override on a route they may create on.
        QVERIFY(checkReferralTransition(drafted("smoker", ReferralRoute::Hfsv, Role::Champion), S::OverrideRequested,
                                        ctx(Role::Champion, "NW champion Joe", kT0 + kHour, nullptr, kJustification)).ok());
        // ...but not on one they may not.
        QVERIFY(!checkReferralTransition(drafted("smoker", ReferralRoute::Hoarding, Role::FireHfsv), S::OverrideRequested,
                                         ctx(Role::Champion, "NW champion Joe", kT0 + kHour, nullptr, kJustification)).ok());
    }

    void volunteersOnlyFlagDomesticAbuse()
    {
        auto r = drafted("", ReferralRoute::DomesticAbuse, Role::Champion);
        r.addressText.clear();
        QVERIFY(validateNewReferral(r, kT0).ok());
        const auto c = consent();
        QVERIFY(applyReferralTransition(r, S::ConsentCaptured, ctx(Role::Champion, "NW champion Joe", kT0 + kHour, &c)).ok());
        const auto champion = checkReferralTransition(r, S::Sent, ctx(Role::Champion, "NW champion Joe", kT0 + 2 * kHour, &c));
        QVERIFY(!champion.ok());
        QVERIFY(champion.error().code == ErrorCode::NotAllowed);
        QVERIFY2(champion.error().message.find("only flags") != std::string::npos, champion.error().message.c_str());
        QVERIFY(!checkReferralTransition(r, S::Sent, ctx(Role::Pcso, kPcso, kT0 + 2 * kHour, &c)).ok());
        QVERIFY(!checkReferralTransition(r, S::Sent, ctx(Role::FireHfsv, kFireOfficer, kT0 + 2 * kHour, &c)).ok());
        QVERIFY(applyReferralTransition(r, S::Sent, ctx(Role::Officer, "PC Dana Shaw", kT0 + 2 * kHour, &c)).ok());
        // The police record the decision.
        QVERIFY(!checkReferralTransition(r, S::Acknowledged, ctx(Role::CouncilAsb, "ASB officer", kT0 + 3 * kHour)).ok());
        QVERIFY(applyReferralTransition(r, S::Acknowledged, ctx(Role::Officer, "PC Dana Shaw", kT0 + 3 * kHour)).ok());
    }

    void responsesAreRecordedByTheRightRoles()
    {
        REACH(r, S::Sent);
        for (std::size_t i = 0; i < enumCount<Role>(); ++i) {
            const auto role = static_cast<Role>(i);
            const bool expected = role == Role::FireHfsv || role == Role::Supervisor;
            QCOMPARE(checkReferralTransition(r, S::Acknowledged, ctx(role, kFireOfficer, kT0 + 3 * kHour)).ok(), expected);
        }
        QVERIFY(applyReferralTransition(r, S::Acknowledged, ctx(Role::FireHfsv, kFireOfficer, kT0 + 3 * kHour)).ok());
        QCOMPARE(r.acknowledgedAt, std::optional<TimestampMs>(kT0 + 3 * kHour));
        const auto noReason = applyReferralTransition(r, S::Declined, ctx(Role::FireHfsv, kFireOfficer, kT0 + 4 * kHour));
        QVERIFY(!noReason.ok());
        QVERIFY(noReason.error().code == ErrorCode::InvalidInput);
        QVERIFY(!applyReferralTransition(r, S::Declined, ctx(Role::FireHfsv, kFireOfficer, kT0 + 4 * kHour, nullptr, "\xc3")).ok());
        QVERIFY(applyReferralTransition(r, S::Declined, ctx(Role::FireHfsv, kFireOfficer, kT0 + 4 * kHour, nullptr, "Visited last month.")).ok());
        QCOMPARE(r.declineReason, std::string("Visited last month."));
        QCOMPARE(r.decidedAt, std::optional<TimestampMs>(kT0 + 4 * kHour));
    }

    void withdrawalEndsConsentBasedReferrals()
    {
        for (auto from : {S::ConsentCaptured, S::Sent, S::Acknowledged, S::Accepted, S::Escalated}) {
            REACH(r, from);
            // Not yet withdrawn, or withdrawn only later: the referral stands.
            const auto given = consent();
            QVERIFY(!checkReferralTransition(r, S::Withdrawn, ctx(Role::Pcso, kPcso, kT0 + 3 * kDay, &given)).ok());
            const auto later = withdrawnConsent(kT0 + 4 * kDay);
            QVERIFY(!checkReferralTransition(r, S::Withdrawn, ctx(Role::Pcso, kPcso, kT0 + 3 * kDay, &later)).ok());
            // Another person's withdrawn consent does not end this one.
            auto other = withdrawnConsent();
            other.id = "018f4b2a-0000-7000-8000-00000000c999";
            QVERIFY(!checkReferralTransition(r, S::Withdrawn, ctx(Role::Pcso, kPcso, kT0 + 3 * kDay, &other)).ok());
            QVERIFY(!checkReferralTransition(r, S::Withdrawn, ctx(Role::Pcso, kPcso, kT0 + 3 * kDay)).ok());

            // Withdrawing is as easy as giving: any referring role records it.
            auto c = consent();
            QVERIFY(withdrawConsent(c, "Council contact centre", Role::CouncilAsb, kT0 + 3 * kDay, "").ok());
            for (auto role : defaultReferringRoles())
                QVERIFY2(checkReferralTransition(r, S::Withdrawn, ctx(role, "anyone", kT0 + 3 * kDay, &c)).ok(),
                         toString(role).data());
            QVERIFY(!checkReferralTransition(r, S::Withdrawn, ctx(Role::Analyst, "analyst", kT0 + 3 * kDay, &c)).ok());
            QVERIFY(applyReferralTransition(r, S::Withdrawn, ctx(Role::Champion, "NW champion Joe", kT0 + 3 * kDay, &c)).ok());
            QCOMPARE(r.withdrawnAt, std::optional<TimestampMs>(kT0 + 3 * kDay));
            QVERIFY(!isOpen(r.status));
        }
        // Referrals that went on an override are not ended by a consent they never had.
        REACH(ov, S::OverrideApproved);
        QVERIFY(applyReferralTransition(ov, S::Sent, ctx(Role::Pcso, kPcso, kT0 + 3 * kHour)).ok());
        const auto taken = withdrawnConsent();
        const auto refused = checkReferralTransition(ov, S::Withdrawn, ctx(Role::Pcso, kPcso, kT0 + 4 * kHour, &taken));
        QVERIFY(!refused.ok());
        QVERIFY(refused.error().code == ErrorCode::NotAllowed);
        // Final states stay final.
        for (auto from : {S::Completed, S::Declined})
        {
            REACH(done, from);
            QVERIFY(!checkReferralTransition(done, S::Withdrawn, ctx(Role::Pcso, kPcso, kT0 + 3 * kDay, &taken)).ok());
        }
    }

    void escalationAndOverdue()
    {
        // Very high: acknowledged within the 4-hour visit deadline, or it is late.
        REACH(r, S::Sent, drafted("smoker,bed_or_chair_bound"));
        const auto due = kT0 + 4 * kHour;
        QVERIFY(!isOverdue(r, due));
        QVERIFY(isOverdue(r, due + 1));
        QCOMPARE(missedDeadline(r, due + 1), std::optional<TimestampMs>(due));
        QVERIFY(!checkReferralTransition(r, S::Escalated, ctx(Role::Supervisor, kSergeant, due)).ok());
        QVERIFY(applyReferralTransition(r, S::Escalated, ctx(Role::Supervisor, kSergeant, due + 1)).ok());
        QCOMPARE(r.escalatedAt, std::optional<TimestampMs>(due + 1));
        QCOMPARE(name(*r.escalatedFrom), name(S::Sent));
        QVERIFY(applyReferralTransition(r, S::Acknowledged, ctx(Role::FireHfsv, kFireOfficer, due + kHour)).ok());
        // Still past the same deadline: escalated once is enough.
        const auto again = checkReferralTransition(r, S::Escalated, ctx(Role::Supervisor, kSergeant, due + 2 * kHour));
        QVERIFY(!again.ok());
        QVERIFY(again.error().message.find("already escalated") != std::string::npos);

        // Medium: acknowledgement late, then the visit deadline missed as well: two escalations.
        REACH(m, S::Sent);
        QVERIFY(!isOverdue(m, kT0 + 26 * kHour));
        QVERIFY(applyReferralTransition(m, S::Escalated, ctx(Role::Pcso, kPcso, kT0 + 27 * kHour)).ok());
        QVERIFY(applyReferralTransition(m, S::Acknowledged, ctx(Role::FireHfsv, kFireOfficer, kT0 + 28 * kHour)).ok());
        QVERIFY(!isOverdue(m, kT0 + 30 * kDay)); // acknowledged: only the visit deadline counts now
        QVERIFY(!checkReferralTransition(m, S::Escalated, ctx(Role::Pcso, kPcso, kT0 + 30 * kDay)).ok());
        QVERIFY(applyReferralTransition(m, S::Escalated, ctx(Role::Pcso, kPcso, kT0 + 30 * kDay + 1)).ok());
        QCOMPARE(name(*m.escalatedFrom), name(S::Acknowledged));

        // Low band: no visit deadline, only the acknowledgement one.
        REACH(low, S::Sent, drafted("aged_over_70"));
        QVERIFY(!low.deadlineAt);
        QVERIFY(!isOverdue(low, kT0 + 2 * kHour + kDay));
        QVERIFY(isOverdue(low, kT0 + 2 * kHour + kDay + 1));
        QVERIFY(applyReferralTransition(low, S::Acknowledged, ctx(Role::FireHfsv, kFireOfficer, kT0 + 2 * kDay)).ok());
        QVERIFY(!isOverdue(low, kT0 + 400 * kDay));

        // Overdue before sending shows on the dashboard, but only sent referrals escalate.
        auto stuck = drafted("smoker,bed_or_chair_bound");
        QVERIFY(isOverdue(stuck, kT0 + 5 * kHour));
        QVERIFY(!checkReferralTransition(stuck, S::Escalated, ctx(Role::Supervisor, kSergeant, kT0 + 5 * kHour)).ok());
        // Final referrals are never overdue.
        REACH(done, S::Completed, drafted("smoker,bed_or_chair_bound"));
        QVERIFY(!isOverdue(done, kT0 + 100 * kDay));
    }

    void refusesBadInput_data()
    {
        QTest::addColumn<int>("which");
        QTest::addColumn<int>("code");
        const int invalid = int(ErrorCode::InvalidInput);
        const int notAllowed = int(ErrorCode::NotAllowed);
        QTest::newRow("analyst") << 0 << notAllowed;
        QTest::newRow("admin") << 1 << notAllowed;
        QTest::newRow("no actor") << 2 << invalid;
        QTest::newRow("actor not utf-8") << 3 << invalid;
        QTest::newRow("actor oversized") << 4 << invalid;
        QTest::newRow("before the referral existed") << 5 << invalid;
        QTest::newRow("unknown target status") << 6 << invalid;
        QTest::newRow("unknown role") << 7 << invalid;
        QTest::newRow("unknown current status") << 8 << invalid;
        QTest::newRow("no consent record") << 9 << invalid;
        QTest::newRow("unknown route") << 10 << invalid;
    }
    void refusesBadInput()
    {
        QFETCH(int, which);
        QFETCH(int, code);
        REACH(r, S::Drafted);
        const auto c = consent();
        auto context = ctx(Role::Pcso, kPcso, kT0 + kHour, &c);
        auto to = S::ConsentCaptured;
        switch (which) {
        case 0: context.actorRole = Role::Analyst; break;
        case 1: context.actorRole = Role::Admin; break;
        case 2: context.actor = " "; break;
        case 3: context.actor = "PCSO \xf0\x28\x8c\x28"; break;
        case 4: context.actor = std::string(kMaxShortText + 1, 'a'); break;
        case 5: context.now = kT0 - kHour; break;
        case 6: to = static_cast<S>(77); break;
        case 7: context.actorRole = static_cast<Role>(12); break;
        case 8: r.status = static_cast<S>(55); break;
        case 9: context.consent = nullptr; break;
        case 10: r.route = static_cast<ReferralRoute>(31); break;
        }
        const auto before = r;
        const auto ok = applyReferralTransition(r, to, context);
        QVERIFY(!ok.ok());
        QCOMPARE(int(ok.error().code), code);
        QVERIFY(r == before);
    }

    void capturingConsentRecordsIt()
    {
        REACH(r, S::Drafted);
        // Consent that does not name the route is refused, saying what it names.
        auto narrow = consent();
        narrow.recipients = {ReferralRoute::VictimSupport};
        const auto refused = applyReferralTransition(r, S::ConsentCaptured, ctx(Role::Pcso, kPcso, kT0 + kHour, &narrow));
        QVERIFY(!refused.ok());
        QVERIFY2(refused.error().message.find("victim_support") != std::string::npos, refused.error().message.c_str());
        // Consent dated after the step does not count yet.
        const auto c = consent();
        QVERIFY(!checkReferralTransition(r, S::ConsentCaptured, ctx(Role::Pcso, kPcso, kT0 + 29 * kMinute, &c)).ok());
        // Capturing on a route the actor may not create on is refused.
        auto housing = drafted("smoker", ReferralRoute::Housing, Role::CouncilAsb);
        QVERIFY(!checkReferralTransition(housing, S::ConsentCaptured, ctx(Role::FireHfsv, kFireOfficer, kT0 + kHour, &c)).ok());

        QVERIFY(applyReferralTransition(r, S::ConsentCaptured, ctx(Role::Pcso, kPcso, kT0 + kHour, &c)).ok());
        QCOMPARE(r.consentId, c.id);
        QCOMPARE(r.updatedAt, kT0 + kHour);
        QVERIFY(nextStatuses(r) == (std::vector<S>{S::Sent, S::Withdrawn}));
        QVERIFY(nextStatuses(drafted()) == (std::vector<S>{S::ConsentCaptured, S::OverrideRequested}));
    }
};

QTEST_GUILESS_MAIN(TestReferralLifecycle)
#include "tst_referrallifecycle.moc"
