#include "core/text.h"
#include "domain/referral.h"

#include <QTest>

using namespace beatbook;

namespace {

constexpr TimestampMs kMinute = 60LL * 1000;
constexpr TimestampMs kHour = 60 * kMinute;
constexpr TimestampMs kDay = 24 * kHour;
constexpr TimestampMs kT0 = 1795554900000LL; // 2026-11-24T21:15Z

Referral hfsvReferral(const char *factors = "smoker,no_working_smoke_alarm")
{
    Referral r;
    r.id = "018f4b2a-0000-7000-8000-00000000f001";
    r.route = ReferralRoute::Hfsv;
    r.personId = "018f4b2a-0000-7000-8000-00000000a001";
    r.addressText = "12 Acacia Avenue, London NW4 1AA";
    r.wardCode = "E05013628";
    r.riskFactors = parseRiskFactorList(factors).value();
    r.createdBy = "PCSO Amara Okafor";
    r.createdByRole = Role::Pcso;
    r.createdAt = kT0;
    assignPriority(r);
    return r;
}

Referral onRoute(ReferralRoute route, Role role)
{
    auto r = hfsvReferral();
    r.route = route;
    r.createdByRole = role;
    if (route == ReferralRoute::Hoarding) {
        r.clutterRating = 7;
        r.capacityNote = "Understands the risk and wants help clearing the hallway.";
    }
    assignPriority(r);
    return r;
}

std::string band(PriorityBand b)
{
    return std::string(toString(b));
}

QString describe(const Status &s)
{
    return s.ok() ? QString("ok") : QString::fromStdString(s.error().message);
}

} // namespace

class TestReferral : public QObject {
    Q_OBJECT
private slots:
    void statusNames()
    {
        QCOMPARE(allNames<ReferralStatus>(),
                 std::string("drafted, consent_captured, override_requested, override_approved, sent, "
                             "acknowledged, accepted, declined, completed, withdrawn, escalated"));
        for (std::size_t i = 0; i < enumCount<ReferralStatus>(); ++i) {
            const auto status = static_cast<ReferralStatus>(i);
            const bool final = status == ReferralStatus::Completed || status == ReferralStatus::Declined
                               || status == ReferralStatus::Withdrawn;
            QCOMPARE(isOpen(status), !final);
        }
    }

    void assignsBandAndDeadline()
    {
        const auto high = hfsvReferral("smoker,no_working_smoke_alarm");
        QCOMPARE(band(high.priorityBand), band(PriorityBand::High));
        QCOMPARE(high.deadlineAt, std::optional<TimestampMs>(kT0 + 7 * kDay));

        const auto veryHigh = hfsvReferral("smoker,bed_or_chair_bound");
        QCOMPARE(band(veryHigh.priorityBand), band(PriorityBand::VeryHigh));
        QCOMPARE(veryHigh.deadlineAt, std::optional<TimestampMs>(kT0 + 4 * kHour));

        const auto low = hfsvReferral("aged_over_70");
        QCOMPARE(band(low.priorityBand), band(PriorityBand::Low));
        QVERIFY(!low.deadlineAt); // online self-check: no visit deadline

        // Other routes get a band for ordering, but no visit deadline from it.
        auto asc = hfsvReferral("smoker,bed_or_chair_bound");
        asc.route = ReferralRoute::AdultSocialCare;
        asc.deadlineAt.reset();
        assignPriority(asc);
        QCOMPARE(band(asc.priorityBand), band(PriorityBand::VeryHigh));
        QVERIFY(!asc.deadlineAt);

        // Configured bands flow through.
        ReferralRules rules;
        rules.banding.highWithinMs = 3 * kDay;
        auto custom = hfsvReferral("smoker,no_working_smoke_alarm");
        assignPriority(custom, rules);
        QCOMPARE(custom.deadlineAt, std::optional<TimestampMs>(kT0 + 3 * kDay));
        QVERIFY(validateNewReferral(custom, kT0, rules).ok());
    }

    void acceptsValidReferrals()
    {
        QVERIFY2(validateNewReferral(hfsvReferral(), kT0).ok(), qPrintable(describe(validateNewReferral(hfsvReferral(), kT0))));
        auto r = hfsvReferral();
        r.reportId = "018f4b2a-0000-7000-8000-00000000b001";
        r.wardCode.clear(); // not known yet
        QVERIFY(validateNewReferral(r, kT0 + kHour).ok());
        // The visitor may raise the band on judgement, with the shorter deadline.
        r.priorityBand = PriorityBand::VeryHigh;
        r.deadlineAt = kT0 + 4 * kHour;
        QVERIFY(validateNewReferral(r, kT0).ok());
        // Device clocks drift a little.
        QVERIFY(validateNewReferral(hfsvReferral(), kT0 - 4 * kMinute).ok());
        // Routes without an address requirement.
        auto victim = onRoute(ReferralRoute::VictimSupport, Role::Champion);
        victim.addressText.clear();
        QVERIFY2(validateNewReferral(victim, kT0).ok(), qPrintable(describe(validateNewReferral(victim, kT0))));
        auto hoarding = onRoute(ReferralRoute::Hoarding, Role::FireHfsv);
        QVERIFY2(validateNewReferral(hoarding, kT0).ok(), qPrintable(describe(validateNewReferral(hoarding, kT0))));
    }

    // Who may create on each route, champion … admin (domain.md "Who sees what").
    void creatorRolePerRoute_data()
    {
        QTest::addColumn<int>("route");
        QTest::addColumn<QString>("allowed");
        QTest::newRow("hfsv") << int(ReferralRoute::Hfsv) << "YYYYYYNN";
        QTest::newRow("adult_social_care") << int(ReferralRoute::AdultSocialCare) << "YYYYYYNN";
        QTest::newRow("domestic_abuse") << int(ReferralRoute::DomesticAbuse) << "YYYYYYNN";
        QTest::newRow("family_support") << int(ReferralRoute::FamilySupport) << "NYYYYNNN";
        QTest::newRow("victim_support") << int(ReferralRoute::VictimSupport) << "YYYYYYNN";
        QTest::newRow("hoarding") << int(ReferralRoute::Hoarding) << "NNNYYYNN";
        QTest::newRow("housing") << int(ReferralRoute::Housing) << "NYNYYNNN";
    }
    void creatorRolePerRoute()
    {
        QFETCH(int, route);
        QFETCH(QString, allowed);
        for (std::size_t i = 0; i < enumCount<Role>(); ++i) {
            const auto role = static_cast<Role>(i);
            const auto ok = validateNewReferral(onRoute(static_cast<ReferralRoute>(route), role), kT0);
            const bool expected = allowed.at(qsizetype(i)) == 'Y';
            QVERIFY2(ok.ok() == expected, qPrintable(QString::fromUtf8(toString(role).data()) + ": " + describe(ok)));
            if (!expected) {
                QVERIFY(ok.error().code == ErrorCode::NotAllowed);
                QVERIFY(ok.error().message.find("allowed:") != std::string::npos);
            }
        }
    }

    void refusesBadReferrals_data()
    {
        QTest::addColumn<int>("which");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("not drafted") << 0 << "drafted";
        QTest::newRow("consent already") << 1 << "no consent";
        QTest::newRow("override already") << 2 << "no consent";
        QTest::newRow("id not uuid") << 3 << "referral id";
        QTest::newRow("person not uuid") << 4 << "person";
        QTest::newRow("report not uuid") << 5 << "report";
        QTest::newRow("no creator") << 6 << "who created";
        QTest::newRow("creator not utf-8") << 7 << "UTF-8";
        QTest::newRow("in the future") << 8 << "future";
        QTest::newRow("no creation time") << 9 << "time";
        QTest::newRow("hfsv without address") << 10 << "address";
        QTest::newRow("address oversized") << 11 << "too long";
        QTest::newRow("address with control") << 12 << "control";
        QTest::newRow("bad ward code") << 13 << "ward code";
        QTest::newRow("old-style ward code") << 14 << "ward code";
        QTest::newRow("hfsv without risk factors") << 15 << "risk factor";
        QTest::newRow("hoarding without clutter") << 16 << "clutter rating";
        QTest::newRow("clutter 0") << 17 << "from 1 to 9";
        QTest::newRow("clutter 10") << 18 << "from 1 to 9";
        QTest::newRow("hoarding without capacity") << 19 << "capacity";
        QTest::newRow("capacity note oversized") << 20 << "too long";
        QTest::newRow("band lowered") << 21 << "never lowered";
        QTest::newRow("deadline later than band") << 22 << "deadline";
        QTest::newRow("deadline missing") << 23 << "deadline";
        QTest::newRow("deadline before creation") << 24 << "before";
        QTest::newRow("decline reason") << 25 << "decline";
        QTest::newRow("unknown route") << 26 << "route";
        QTest::newRow("unknown band") << 27 << "band";
        QTest::newRow("unknown creator role") << 28 << "unknown role";
    }
    void refusesBadReferrals()
    {
        QFETCH(int, which);
        QFETCH(QString, mentions);
        auto r = hfsvReferral();
        switch (which) {
        case 0: r.status = ReferralStatus::Sent; break;
        case 1: r.consentId = "018f4b2a-0000-7000-8000-00000000c001"; break;
        case 2: r.consentOverride = ReferralOverride{}; break;
        case 3: r.id = "referral-1"; break;
        case 4: r.personId = ""; break;
        case 5: r.reportId = "ASB/123"; break;
        case 6: r.createdBy = "  "; break;
        case 7: r.createdBy = "Okafor \xed\xa0\x80"; break; // encoded surrogate
        case 8: r.createdAt = kT0 + 10 * kMinute; break;
        case 9: r.createdAt = 0; break;
        case 10: r.addressText = ""; break;
        case 11: r.addressText = std::string(kMaxShortText + 1, 'a'); break;
        case 12: r.addressText = "12 Acacia\nAvenue"; break;
        case 13: r.wardCode = "E0501362"; break;
        case 14: r.wardCode = "00AJGA"; break;
        case 15: r.riskFactors = {}; assignPriority(r); break;
        case 16: r = onRoute(ReferralRoute::Hoarding, Role::CouncilAsb); r.clutterRating.reset(); break;
        case 17: r.clutterRating = 0; break;
        case 18: r = onRoute(ReferralRoute::Hoarding, Role::CouncilAsb); r.clutterRating = 10; break;
        case 19: r = onRoute(ReferralRoute::Hoarding, Role::CouncilAsb); r.capacityNote = " "; break;
        case 20: r.capacityNote = std::string(kMaxLongText + 1, 'c'); break;
        case 21: r.priorityBand = PriorityBand::Medium; break;
        case 22: r.deadlineAt = *r.deadlineAt + 1; break;
        case 23: r.deadlineAt.reset(); break;
        case 24: r.route = ReferralRoute::VictimSupport; r.deadlineAt = kT0 - 1; break;
        case 25: r.declineReason = "no"; break;
        case 26: r.route = static_cast<ReferralRoute>(99); break;
        case 27: r.priorityBand = static_cast<PriorityBand>(9); break;
        case 28: r.createdByRole = static_cast<Role>(9); break;
        }
        const auto ok = validateNewReferral(r, kT0);
        QVERIFY(!ok.ok());
        QVERIFY(ok.error().code == ErrorCode::InvalidInput);
        QVERIFY2(ok.error().message.find(mentions.toStdString()) != std::string::npos, ok.error().message.c_str());
    }

    void bandExplainsWhyWhenLowered()
    {
        auto r = hfsvReferral("smoker,bed_or_chair_bound");
        r.priorityBand = PriorityBand::High;
        r.deadlineAt = kT0 + 4 * kHour;
        const auto ok = validateNewReferral(r, kT0);
        QVERIFY(!ok.ok());
        QVERIFY2(ok.error().message.find("bed_or_chair_bound") != std::string::npos, ok.error().message.c_str());
    }
};

QTEST_GUILESS_MAIN(TestReferral)
#include "tst_referral.moc"
