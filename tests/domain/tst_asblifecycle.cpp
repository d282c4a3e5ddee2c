#include "core/text.h"
#include "domain/asblifecycle.h"

#include <QTest>

#include <set>
#include <string>
#include <utility>
#include <vector>

using namespace beatbook;

// Enum values are compared with QVERIFY(a == b): QCOMPARE on a beatbook enum is
// ambiguous between QTest::toString and beatbook::toString (found by ADL).

namespace {

using S = AsbStatus;

// The lifecycle of domain.md, written out independently of the code under test.
const std::set<std::pair<S, S>> kAllowed{
    {S::Submitted, S::Triaged},
    {S::Triaged, S::Assigned},
    {S::Triaged, S::Redirected},
    {S::Triaged, S::NotAsb},
    {S::Assigned, S::InAction},
    {S::InAction, S::Resolved},
    {S::Resolved, S::ReporterInformed},
    {S::Resolved, S::Closed},
    {S::ReporterInformed, S::Closed},
};

bool roleMayMoveTo(Role role, S to)
{
    const bool triager = role == Role::Officer || role == Role::Supervisor || role == Role::CouncilAsb;
    if (to == S::ReporterInformed)
        return triager || role == Role::Pcso;
    return triager;
}

bool needsReason(S from, S to)
{
    return to == S::Redirected || to == S::NotAsb || (to == S::Closed && from == S::Resolved);
}

AsbReport reportIn(S status)
{
    AsbReport r;
    r.id = "0192f1d2-7c3e-7a10-8b2c-1234567890ab";
    r.status = status;
    return r;
}

std::string bytes(const QByteArray &a) { return std::string(a.constData(), static_cast<std::size_t>(a.size())); }

} // namespace

class TestAsbLifecycle : public QObject {
    Q_OBJECT
private slots:
    void nextStatusesMatchTheLifecycle()
    {
        const std::vector<std::pair<S, std::vector<S>>> expected{
            {S::Draft, {}},
            {S::Submitted, {S::Triaged}},
            {S::Triaged, {S::Assigned, S::Redirected, S::NotAsb}},
            {S::Assigned, {S::InAction}},
            {S::InAction, {S::Resolved}},
            {S::Resolved, {S::ReporterInformed, S::Closed}},
            {S::ReporterInformed, {S::Closed}},
            {S::Closed, {}},
            {S::Redirected, {}},
            {S::NotAsb, {}},
        };
        QCOMPARE(expected.size(), enumCount<AsbStatus>());
        for (const auto &[from, next] : expected)
            QVERIFY2(nextAsbStatuses(from) == next, std::string(toString(from)).c_str());
    }

    // Every (from, to) pair for every role, with and without a reason.
    void everyTransition_data()
    {
        QTest::addColumn<int>("role");
        QTest::addColumn<int>("from");
        QTest::addColumn<int>("to");
        QTest::addColumn<bool>("withReason");
        for (std::size_t r = 0; r < enumCount<Role>(); ++r)
            for (std::size_t f = 0; f < enumCount<AsbStatus>(); ++f)
                for (std::size_t t = 0; t < enumCount<AsbStatus>(); ++t)
                    for (bool withReason : {false, true}) {
                        const std::string name = std::string(toString(static_cast<Role>(r))) + ": "
                            + std::string(toString(static_cast<S>(f))) + " -> "
                            + std::string(toString(static_cast<S>(t))) + (withReason ? " (reason)" : "");
                        QTest::newRow(name.c_str()) << int(r) << int(f) << int(t) << withReason;
                    }
    }
    void everyTransition()
    {
        QFETCH(int, role);
        QFETCH(int, from);
        QFETCH(int, to);
        QFETCH(bool, withReason);
        const auto r = static_cast<Role>(role);
        const auto f = static_cast<S>(from);
        const auto t = static_cast<S>(to);
        const std::string reason = withReason ? "Recorded as crime CR/12345/26" : "";
        const auto status = checkAsbTransition(reportIn(f), t, r, reason);

        if (!kAllowed.count({f, t})) {
            QVERIFY(!status.ok());
            QVERIFY(status.error().code == ErrorCode::NotAllowed);
            QVERIFY2(status.error().message.find(std::string(toString(f))) != std::string::npos,
                     status.error().message.c_str());
            return;
        }
        if (!roleMayMoveTo(r, t)) {
            QVERIFY(!status.ok());
            QVERIFY(status.error().code == ErrorCode::NotAllowed);
            QVERIFY2(status.error().message.find(std::string(toString(r))) != std::string::npos,
                     status.error().message.c_str());
            return;
        }
        if (needsReason(f, t) && !withReason) {
            QVERIFY(!status.ok());
            QVERIFY(status.error().code == ErrorCode::InvalidInput);
            return;
        }
        QVERIFY2(status.ok(), status.ok() ? "" : status.error().message.c_str());
    }

    void blankReasonIsNoReason_data()
    {
        QTest::addColumn<QByteArray>("reason");
        QTest::newRow("spaces") << QByteArray("   ");
        QTest::newRow("tabs and newlines") << QByteArray("\t\n \r\n");
    }
    void blankReasonIsNoReason()
    {
        QFETCH(QByteArray, reason);
        for (auto [from, to] : {std::pair{S::Triaged, S::Redirected}, std::pair{S::Triaged, S::NotAsb},
                                std::pair{S::Resolved, S::Closed}}) {
            const auto status = checkAsbTransition(reportIn(from), to, Role::Officer, bytes(reason));
            QVERIFY(!status.ok());
            QVERIFY(status.error().code == ErrorCode::InvalidInput);
        }
    }

    void closingUninformedSaysWhy()
    {
        const auto status = checkAsbTransition(reportIn(S::Resolved), S::Closed, Role::Supervisor, "");
        QVERIFY(!status.ok());
        QVERIFY2(status.error().message.find("inform") != std::string::npos, status.error().message.c_str());
        QVERIFY(checkAsbTransition(reportIn(S::ReporterInformed), S::Closed, Role::Supervisor, "").ok());
        QVERIFY(checkAsbTransition(reportIn(S::Resolved), S::Closed, Role::Supervisor,
                                   "Reporter asked not to be contacted").ok());
    }

    void badReasonTextIsRefused_data()
    {
        QTest::addColumn<QByteArray>("reason");
        QTest::newRow("invalid UTF-8") << QByteArray("crime ref \xff");
        QTest::newRow("control character") << QByteArray("crime \x1b[2J");
        QTest::newRow("NUL") << QByteArray("crime\0ref", 9);
        QTest::newRow("too long") << QByteArray(int(kMaxLongText) + 1, 'r');
    }
    void badReasonTextIsRefused()
    {
        QFETCH(QByteArray, reason);
        // Even where no reason is needed, text that is recorded must be clean.
        for (auto [from, to] : {std::pair{S::Triaged, S::Redirected}, std::pair{S::Submitted, S::Triaged}}) {
            const auto status = checkAsbTransition(reportIn(from), to, Role::Officer, bytes(reason));
            QVERIFY(!status.ok());
            QVERIFY(status.error().code == ErrorCode::InvalidInput);
        }
    }

    void reasonMayBeLongAndMultiLine()
    {
        std::string reason(kMaxLongText, 'r');
        reason[10] = '\n';
        QVERIFY(checkAsbTransition(reportIn(S::Triaged), S::NotAsb, Role::CouncilAsb, reason).ok());
    }
};

QTEST_GUILESS_MAIN(TestAsbLifecycle)
#include "tst_asblifecycle.moc"
