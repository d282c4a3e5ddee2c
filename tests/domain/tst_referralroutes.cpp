#include "domain/referralroutes.h"

#include <QTest>

using namespace beatbook;

namespace {

std::string routeName(ReferralRoute r)
{
    return std::string(toString(r));
}

} // namespace

class TestReferralRoutes : public QObject {
    Q_OBJECT
private slots:
    void defaultsAreValid()
    {
        const auto ok = validateRouteTable(defaultReferralRoutes());
        QVERIFY2(ok.ok(), ok.ok() ? "" : ok.error().message.c_str());
    }

    void referringRolesMatchWhoSeesWhat()
    {
        QCOMPARE(joinRoles(defaultReferringRoles()),
                 std::string("champion, pcso, officer, supervisor, council_asb, fire_hfsv"));
        QCOMPARE(joinRoles({}), std::string("nobody"));
    }

    // domain.md "Referral routes" and "Who sees what", one row per route:
    // the roles that may create, in the order champion, pcso, officer,
    // supervisor, council_asb, fire_hfsv, analyst, admin.
    void whoMayCreate_data()
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
    void whoMayCreate()
    {
        QFETCH(int, route);
        QFETCH(QString, allowed);
        const auto table = defaultReferralRoutes();
        QCOMPARE(allowed.size(), qsizetype(enumCount<Role>()));
        for (std::size_t i = 0; i < enumCount<Role>(); ++i) {
            const auto role = static_cast<Role>(i);
            const bool expected = allowed.at(qsizetype(i)) == 'Y';
            QVERIFY2(table.mayCreate(static_cast<ReferralRoute>(route), role) == expected,
                     toString(role).data());
            // Nobody sends what they may not create.
            if (!expected)
                QVERIFY(!table.maySend(static_cast<ReferralRoute>(route), role));
        }
    }

    void volunteersOnlyFlagDomesticAbuse()
    {
        const auto table = defaultReferralRoutes();
        QVERIFY(table.mayCreate(ReferralRoute::DomesticAbuse, Role::Champion));
        QVERIFY(!table.maySend(ReferralRoute::DomesticAbuse, Role::Champion));
        QVERIFY(!table.maySend(ReferralRoute::DomesticAbuse, Role::Pcso));
        QVERIFY(table.maySend(ReferralRoute::DomesticAbuse, Role::Officer));
        QVERIFY(table.maySend(ReferralRoute::DomesticAbuse, Role::Supervisor));
        QVERIFY(table.maySend(ReferralRoute::Hfsv, Role::Champion));
    }

    void whoRecordsResponses()
    {
        const auto table = defaultReferralRoutes();
        QVERIFY(table.mayRecordResponse(ReferralRoute::Hfsv, Role::FireHfsv));
        QVERIFY(!table.mayRecordResponse(ReferralRoute::Hfsv, Role::Champion));
        QVERIFY(table.mayRecordResponse(ReferralRoute::DomesticAbuse, Role::Officer));
        QVERIFY(!table.mayRecordResponse(ReferralRoute::DomesticAbuse, Role::CouncilAsb));
        for (std::size_t i = 0; i < enumCount<ReferralRoute>(); ++i) {
            const auto route = static_cast<ReferralRoute>(i);
            QVERIFY(table.mayRecordResponse(route, Role::Supervisor));
            QVERIFY(!table.mayRecordResponse(route, Role::Analyst));
            QVERIFY(!table.mayRecordResponse(route, Role::Admin));
        }
    }

    void routesForRole()
    {
        const auto table = defaultReferralRoutes();
        const auto champion = table.routesFor(Role::Champion);
        QVERIFY((champion == std::vector<ReferralRoute>{ReferralRoute::Hfsv, ReferralRoute::AdultSocialCare,
                                                         ReferralRoute::DomesticAbuse, ReferralRoute::VictimSupport}));
        QCOMPARE(table.routesFor(Role::Supervisor).size(), enumCount<ReferralRoute>());
        QVERIFY(table.routesFor(Role::Analyst).empty());
        QVERIFY(table.routesFor(Role::Admin).empty());
    }

    void whatEachRouteNeeds()
    {
        const auto table = defaultReferralRoutes();
        const auto &hfsv = table.rulesFor(ReferralRoute::Hfsv);
        QVERIFY(hfsv.needsRiskFactors);
        QVERIFY(hfsv.bandSetsDeadline);
        const auto &hoarding = table.rulesFor(ReferralRoute::Hoarding);
        QVERIFY(hoarding.needsClutterRating);
        QCOMPARE(hoarding.clutterRatingMin, 1);
        QCOMPARE(hoarding.clutterRatingMax, 9);
        QVERIFY(hoarding.needsCapacityNote);
        QCOMPARE(table.rulesFor(ReferralRoute::AdultSocialCare).overrideReasonName, std::string("safeguarding reason"));
        QVERIFY(table.rulesFor(ReferralRoute::AdultSocialCare).overrideAllowed);
        QVERIFY(!table.rulesFor(ReferralRoute::FamilySupport).overrideAllowed);
        QVERIFY(!table.rulesFor(ReferralRoute::VictimSupport).overrideAllowed);
        for (std::size_t i = 0; i < enumCount<ReferralRoute>(); ++i) {
            const auto &rules = table.routes[i];
            QVERIFY2(!rules.agency.empty(), routeName(static_cast<ReferralRoute>(i)).c_str());
            QVERIFY(rules.acknowledgeWithinMs.has_value());
            QVERIFY(*rules.acknowledgeWithinMs > 0);
            if (static_cast<ReferralRoute>(i) != ReferralRoute::Hfsv)
                QVERIFY(!rules.needsRiskFactors && !rules.bandSetsDeadline);
        }
        QVERIFY(table.rulesFor(ReferralRoute::Hfsv).agency.find("fire brigade") != std::string::npos);
        QVERIFY(table.rulesFor(ReferralRoute::Hoarding).agency.find("hoarding panel") != std::string::npos);
    }

    void tableIsConfigurable()
    {
        auto table = defaultReferralRoutes();
        QVERIFY(!table.mayCreate(ReferralRoute::Housing, Role::Champion));
        table.rulesFor(ReferralRoute::Housing).mayCreate.push_back(Role::Champion);
        QVERIFY(table.mayCreate(ReferralRoute::Housing, Role::Champion));
        QVERIFY(!table.maySend(ReferralRoute::Housing, Role::Champion)); // flag only unless also a sender
        QVERIFY(validateRouteTable(table).ok());

        // Removing a role from the referring roles takes it off every route.
        table.referringRoles = {Role::Pcso, Role::Officer, Role::Supervisor, Role::CouncilAsb, Role::FireHfsv};
        QVERIFY(!table.mayCreate(ReferralRoute::Hfsv, Role::Champion));
        QVERIFY(!validateRouteTable(table).ok()); // routes still name the champion
    }

    void refusesBadTables_data()
    {
        QTest::addColumn<int>("which");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("analyst refers") << 0 << "analyst";
        QTest::newRow("no agency") << 1 << "agency";
        QTest::newRow("nobody sends") << 2 << "create, send";
        QTest::newRow("sender not creator") << 3 << "also be allowed to create";
        QTest::newRow("clutter scale upside down") << 4 << "clutter";
        QTest::newRow("negative acknowledgement") << 5 << "acknowledgement";
        QTest::newRow("admin on a route") << 6 << "outside the referring roles";
    }
    void refusesBadTables()
    {
        QFETCH(int, which);
        QFETCH(QString, mentions);
        auto table = defaultReferralRoutes();
        auto &hoarding = table.rulesFor(ReferralRoute::Hoarding);
        switch (which) {
        case 0: table.referringRoles.push_back(Role::Analyst); break;
        case 1: hoarding.agency.clear(); break;
        case 2: hoarding.maySend.clear(); break;
        case 3: hoarding.maySend.push_back(Role::Champion); break;
        case 4: hoarding.clutterRatingMin = 10; break;
        case 5: hoarding.acknowledgeWithinMs = -1; break;
        case 6: hoarding.mayCreate.push_back(Role::Admin); break;
        }
        const auto ok = validateRouteTable(table);
        QVERIFY(!ok.ok());
        QVERIFY(ok.error().code == ErrorCode::InvalidInput);
        QVERIFY2(ok.error().message.find(mentions.toStdString()) != std::string::npos, ok.error().message.c_str());
    }
};

QTEST_GUILESS_MAIN(TestReferralRoutes)
#include "tst_referralroutes.moc"
