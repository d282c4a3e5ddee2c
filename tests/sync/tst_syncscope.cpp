#include "sync/syncscope.h"

#include <QTest>

#include <set>

using namespace beatbook;

Q_DECLARE_METATYPE(beatbook::Role)

namespace {

const std::string kWardA = "E05013628";
const std::string kWardB = "E05013629";
const std::string kWardC = "E05013630";

SyncScope scope(Role role, std::vector<std::string> wards = {}, std::string user = "alice")
{
    return SyncScope{std::move(user), role, std::move(wards)};
}

bool isLowerHex(const std::string &text)
{
    for (char c : text)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    return true;
}

} // namespace

class TestSyncScope : public QObject {
    Q_OBJECT
private slots:
    void tokenIsHexSha256()
    {
        const std::string token = scope(Role::Pcso, {kWardA}).token();
        QCOMPARE(token.size(), std::size_t{64});
        QVERIFY(isLowerHex(token));
    }

    void tokenIsStableAcrossRuns()
    {
        // A golden value: the token is compared with one stored on devices
        // and servers, so its recipe must never drift.
        QCOMPARE(scope(Role::Pcso, {kWardA}).token(),
                 std::string("755f01d1e9747894f23d1bba04c0f3f5de434a2580836cec92e12e40a80be55b"));
    }

    void tokenIgnoresWardOrderRepeatsAndUserName()
    {
        const std::string sorted = scope(Role::Officer, {kWardA, kWardB}).token();
        QCOMPARE(scope(Role::Officer, {kWardB, kWardA}).token(), sorted);
        QCOMPARE(scope(Role::Officer, {kWardB, kWardA, kWardB}).token(), sorted);
        QCOMPARE(scope(Role::Officer, {kWardA, kWardB}, "bob").token(), sorted);
    }

    void tokenChangesWithRoleOrWards()
    {
        std::set<std::string> tokens;
        for (auto role : {Role::Champion, Role::Pcso, Role::Officer, Role::Supervisor, Role::CouncilAsb,
                          Role::FireHfsv, Role::Analyst, Role::Admin})
            tokens.insert(scope(role, {kWardA}).token());
        QCOMPARE(tokens.size(), std::size_t{8});

        QVERIFY(scope(Role::Pcso, {kWardA}).token() != scope(Role::Pcso, {kWardA, kWardB}).token());
        QVERIFY(scope(Role::Pcso, {kWardA}).token() != scope(Role::Pcso, {kWardB}).token());
        QVERIFY(scope(Role::Pcso, {}).token() != scope(Role::Pcso, {kWardA}).token());
        // Parts cannot run into each other: {"ab"} is not {"a", "b"}.
        QVERIFY(scope(Role::Pcso, {"ab"}).token() != scope(Role::Pcso, {"a", "b"}).token());
        QVERIFY(scope(Role::Pcso, {"a\n1:b"}).token() != scope(Role::Pcso, {"a", "b"}).token());
    }

    void mayReceive_data()
    {
        QTest::addColumn<Role>("role");
        QTest::addColumn<QString>("entity");
        QTest::addColumn<QString>("ward");   // empty: no ward
        QTest::addColumn<QString>("owner");
        QTest::addColumn<bool>("personal");
        QTest::addColumn<bool>("byReport");
        QTest::addColumn<bool>("byReferral");
        QTest::addColumn<bool>("expected");

        const QString a = QString::fromStdString(kWardA);
        const QString c = QString::fromStdString(kWardC);
        // scope under test: user "alice", wards {A, B}

        // champion: own records only, never personal data
        QTest::newRow("champion own report") << Role::Champion << "asb_reports" << a << "alice" << false << false << false << true;
        QTest::newRow("champion other's report same ward") << Role::Champion << "asb_reports" << a << "bob" << false << false << false << false;
        QTest::newRow("champion own report no ward") << Role::Champion << "asb_reports" << "" << "alice" << false << false << false << true;
        QTest::newRow("champion own person") << Role::Champion << "people" << "" << "alice" << true << true << false << false;
        QTest::newRow("champion own consent") << Role::Champion << "consent_records" << "" << "alice" << true << false << true << false;
        QTest::newRow("champion other's person") << Role::Champion << "people" << a << "bob" << true << true << false << false;
        QTest::newRow("champion own advice") << Role::Champion << "advice_given" << a << "alice" << false << false << false << true;
        QTest::newRow("champion no owner") << Role::Champion << "cocooning_targets" << a << "" << false << false << false << false;

        // pcso / officer / supervisor: their wards, people referenced from there
        for (auto [role, tag] : {std::pair{Role::Pcso, "pcso"}, std::pair{Role::Officer, "officer"},
                                 std::pair{Role::Supervisor, "supervisor"}}) {
            const std::string t(tag);
            QTest::newRow((t + " report in ward").c_str()) << role << "asb_reports" << a << "bob" << false << false << false << true;
            QTest::newRow((t + " report outside ward").c_str()) << role << "asb_reports" << c << "alice" << false << false << false << false;
            QTest::newRow((t + " own report no ward").c_str()) << role << "asb_reports" << "" << "alice" << false << false << false << true;
            QTest::newRow((t + " other's report no ward").c_str()) << role << "asb_reports" << "" << "bob" << false << false << false << false;
            QTest::newRow((t + " person by report in ward").c_str()) << role << "people" << a << "bob" << true << true << false << true;
            QTest::newRow((t + " person by referral in ward").c_str()) << role << "people" << a << "bob" << true << false << true << true;
            QTest::newRow((t + " person outside ward").c_str()) << role << "people" << c << "bob" << true << true << false << false;
            QTest::newRow((t + " person unreferenced").c_str()) << role << "people" << a << "alice" << true << false << false << false;
            QTest::newRow((t + " consent by referral in ward").c_str()) << role << "consent_records" << a << "bob" << true << false << true << true;
            QTest::newRow((t + " referral outside ward").c_str()) << role << "referrals" << c << "bob" << false << false << false << false;
        }

        // council_asb: everything
        QTest::newRow("council report anywhere") << Role::CouncilAsb << "asb_reports" << c << "bob" << false << false << false << true;
        QTest::newRow("council person") << Role::CouncilAsb << "people" << "" << "bob" << true << false << false << true;

        // fire_hfsv: referrals, their events, the people they reference, consent records
        QTest::newRow("fire referral") << Role::FireHfsv << "referrals" << c << "bob" << false << false << false << true;
        QTest::newRow("fire referral event") << Role::FireHfsv << "referral_events" << c << "bob" << false << false << false << true;
        QTest::newRow("fire consent") << Role::FireHfsv << "consent_records" << "" << "bob" << true << false << false << true;
        QTest::newRow("fire referred person") << Role::FireHfsv << "people" << "" << "bob" << true << false << true << true;
        QTest::newRow("fire reported person") << Role::FireHfsv << "people" << a << "bob" << true << true << false << false;
        QTest::newRow("fire report") << Role::FireHfsv << "asb_reports" << a << "bob" << false << false << false << false;
        QTest::newRow("fire own advice") << Role::FireHfsv << "advice_given" << a << "alice" << false << false << false << true;
        QTest::newRow("fire other's advice") << Role::FireHfsv << "advice_given" << a << "bob" << false << false << false << false;

        // analyst / admin: no records at all
        QTest::newRow("analyst report") << Role::Analyst << "asb_reports" << a << "alice" << false << false << false << false;
        QTest::newRow("admin referral") << Role::Admin << "referrals" << a << "alice" << false << false << false << false;
        QTest::newRow("admin person") << Role::Admin << "people" << "" << "alice" << true << true << true << false;
    }

    void mayReceive()
    {
        QFETCH(Role, role);
        QFETCH(QString, entity);
        QFETCH(QString, ward);
        QFETCH(QString, owner);
        QFETCH(bool, personal);
        QFETCH(bool, byReport);
        QFETCH(bool, byReferral);
        QFETCH(bool, expected);
        const std::string entityName = entity.toStdString();
        RecordPlacement record;
        record.entity = entityName;
        if (!ward.isEmpty())
            record.ward = ward.toStdString();
        record.owner = owner.toStdString();
        record.personal = personal;
        record.referencedByReport = byReport;
        record.referencedByReferral = byReferral;
        QCOMPARE(beatbook::mayReceive(scope(role, {kWardA, kWardB}), record), expected);
    }

    void emptyUserNameOwnsNothing()
    {
        // A record with no known owner must not match a scope whose user
        // name is empty as well.
        RecordPlacement record{"asb_reports", std::nullopt, "", false, false, false};
        QVERIFY(!beatbook::mayReceive(scope(Role::Champion, {}, ""), record));
        QVERIFY(!beatbook::mayReceive(scope(Role::Pcso, {}, ""), record));
    }

    void unsortedWardsStillMatch()
    {
        RecordPlacement record{"asb_reports", kWardA, "bob", false, false, false};
        QVERIFY(beatbook::mayReceive(scope(Role::Pcso, {kWardC, kWardB, kWardA}), record));
    }

    void mayWriteInWard_data()
    {
        QTest::addColumn<Role>("role");
        QTest::addColumn<QString>("ward");
        QTest::addColumn<bool>("expected");
        const QString a = QString::fromStdString(kWardA);
        const QString c = QString::fromStdString(kWardC);
        for (auto [role, tag] : {std::pair{Role::Champion, "champion"}, std::pair{Role::Pcso, "pcso"},
                                 std::pair{Role::Officer, "officer"}, std::pair{Role::Supervisor, "supervisor"}}) {
            const std::string t(tag);
            QTest::newRow((t + " own ward").c_str()) << role << a << true;
            QTest::newRow((t + " other ward").c_str()) << role << c << false;
            QTest::newRow((t + " no ward").c_str()) << role << "" << true;
        }
        QTest::newRow("council other ward") << Role::CouncilAsb << c << true;
        QTest::newRow("fire other ward") << Role::FireHfsv << c << true;
        QTest::newRow("fire no ward") << Role::FireHfsv << "" << true;
        QTest::newRow("analyst own ward") << Role::Analyst << a << false;
        QTest::newRow("analyst no ward") << Role::Analyst << "" << false;
        QTest::newRow("admin no ward") << Role::Admin << "" << false;
    }

    void mayWriteInWard()
    {
        QFETCH(Role, role);
        QFETCH(QString, ward);
        QFETCH(bool, expected);
        std::optional<std::string> w;
        if (!ward.isEmpty())
            w = ward.toStdString();
        QCOMPARE(beatbook::mayWriteInWard(scope(role, {kWardA, kWardB}), w), expected);
    }

    void wardBoundRoleWithoutWardsWritesOnlyOutsideTheBorough()
    {
        QVERIFY(!beatbook::mayWriteInWard(scope(Role::Pcso, {}), kWardA));
        QVERIFY(beatbook::mayWriteInWard(scope(Role::Pcso, {}), std::nullopt));
    }
};

QTEST_GUILESS_MAIN(TestSyncScope)
#include "tst_syncscope.moc"
