#include "domain/permissions.h"

#include <QTest>

#include <map>
#include <set>
#include <string>

using namespace beatbook;

// Enum values are compared with QVERIFY(a == b): QCOMPARE on a beatbook enum is
// ambiguous between QTest::toString and beatbook::toString (found by ADL).

namespace {

using C = Capability;
using R = Role;

// domain.md "Who sees what", read row by row. Capabilities not listed for a
// role are refused.
const std::map<C, std::set<R>> kTable{
    {C::CreateAsbReport, {R::Champion, R::Pcso, R::Officer, R::Supervisor, R::CouncilAsb}},
    {C::TriageAssignOutcome, {R::Officer, R::Supervisor, R::CouncilAsb}},
    // PCSOs go back to reporters, so they may record that the reporter was told.
    {C::InformReporter, {R::Pcso, R::Officer, R::Supervisor, R::CouncilAsb}},
    {C::ConsentAndReferral, {R::Champion, R::Pcso, R::Officer, R::Supervisor, R::CouncilAsb, R::FireHfsv}},
    {C::ApproveOverride, {R::Supervisor}},
    {C::RecordAdvice, {R::Champion, R::Pcso, R::Officer, R::Supervisor, R::CouncilAsb, R::FireHfsv}},
    {C::ViewAllMeasures, {R::Officer, R::Supervisor, R::CouncilAsb}},
    {C::ManageUsersAndDevices, {R::Admin}},
};

const char *capabilityName(C c)
{
    switch (c) {
    case C::CreateAsbReport: return "create ASB report";
    case C::TriageAssignOutcome: return "triage, assign, outcome";
    case C::InformReporter: return "inform reporter";
    case C::ConsentAndReferral: return "consent and referral";
    case C::ApproveOverride: return "approve override";
    case C::RecordAdvice: return "record advice";
    case C::ViewAllMeasures: return "all measures";
    case C::ManageUsersAndDevices: return "users and devices";
    }
    return "?";
}

} // namespace

class TestPermissions : public QObject {
    Q_OBJECT
private slots:
    void everyRoleAndCapability_data()
    {
        QTest::addColumn<int>("role");
        QTest::addColumn<int>("capability");
        QTest::addColumn<bool>("allowed");
        for (const auto &[capability, roles] : kTable)
            for (std::size_t r = 0; r < enumCount<Role>(); ++r) {
                const auto role = static_cast<Role>(r);
                const std::string name = std::string(toString(role)) + ": " + capabilityName(capability);
                QTest::newRow(name.c_str()) << int(r) << int(capability) << (roles.count(role) > 0);
            }
    }
    void everyRoleAndCapability()
    {
        QFETCH(int, role);
        QFETCH(int, capability);
        QFETCH(bool, allowed);
        QCOMPARE(can(static_cast<Role>(role), static_cast<Capability>(capability)), allowed);
    }

    void tableCoversEveryCapability()
    {
        // A capability added to the enum without a row here would go untested.
        QCOMPARE(kTable.size(), std::size_t(int(C::ManageUsersAndDevices) + 1));
    }

    void nobodyHasEverything()
    {
        for (std::size_t r = 0; r < enumCount<Role>(); ++r) {
            int granted = 0;
            for (const auto &entry : kTable)
                granted += can(static_cast<Role>(r), entry.first) ? 1 : 0;
            QVERIFY2(granted < static_cast<int>(kTable.size()), std::string(toString(static_cast<Role>(r))).c_str());
        }
        // The analyst sees pseudonymised aggregates only and writes nothing.
        for (const auto &entry : kTable)
            QVERIFY(!can(Role::Analyst, entry.first));
        // The admin manages users and devices and nothing else.
        for (const auto &entry : kTable)
            QCOMPARE(can(Role::Admin, entry.first), entry.first == C::ManageUsersAndDevices);
    }

    void unknownValuesAreRefused()
    {
        // Values from a newer peer or a corrupted store: refuse, never grant.
        QVERIFY(!can(static_cast<Role>(enumCount<Role>()), C::CreateAsbReport));
        QVERIFY(!can(static_cast<Role>(99), C::ManageUsersAndDevices));
        QVERIFY(!can(Role::Supervisor, static_cast<Capability>(99)));
    }
};

QTEST_GUILESS_MAIN(TestPermissions)
#include "tst_permissions.moc"
