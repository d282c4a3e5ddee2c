#include "domain/cocooningoperation.h"

#include <QTest>

#include <cmath>
#include <limits>

using namespace beatbook;

namespace {

constexpr TimestampMs kHour = 60LL * 60 * 1000;
constexpr TimestampMs kBurglary = 1795554900000LL; // 2026-11-24T21:15Z
// At this latitude 0.0009 degrees north is about 100 m.
constexpr GeoPoint kOrigin{51.6500, -0.2000};
GeoPoint north(double metres) { return {kOrigin.lat + metres / 111195.08, kOrigin.lon}; }

CocooningRequest baseRequest()
{
    CocooningRequest r;
    r.originAddress = "Acacia Avenue 21";
    r.origin = kOrigin;
    r.wardCode = "E05013628";
    r.burglaryAt = kBurglary;
    r.now = kBurglary + 2 * kHour;
    r.plannedBy = "PCSO Ward";
    r.ranges = {{"Acacia Avenue", 2, 40, Parity::Even}};
    return r;
}

bool contains(const std::string &text, const char *part) { return text.find(part) != std::string::npos; }

// Four targets with ids, for coverage and lifecycle tests.
CocooningOperation fourTargets()
{
    auto r = baseRequest();
    r.ranges = {{"Mill Lane", 1, 4, Parity::All}};
    auto op = planCocooning(r);
    Q_ASSERT(op.ok());
    int n = 0;
    for (auto &t : op->targets)
        t.id = "t" + std::to_string(++n);
    return *op;
}

} // namespace

class TestCocooningOperation : public QObject {
    Q_OBJECT
private slots:
    void plansWithDefaults()
    {
        const auto op = planCocooning(baseRequest());
        QVERIFY2(op.ok(), op.ok() ? "" : op.error().message.c_str());
        QCOMPARE(op->radiusM, 200.0);
        QCOMPARE(op->deadlineAt, kBurglary + 48 * kHour);
        QCOMPARE(op->plannedAt, kBurglary + 2 * kHour);
        QCOMPARE(op->burglaryAt, kBurglary);
        QVERIFY(op->status == CocooningStatus::Planned);
        QCOMPARE(op->wardCode, std::string("E05013628"));
        QCOMPARE(op->plannedBy, std::string("PCSO Ward"));
        QCOMPARE(op->targets.size(), std::size_t(20));
        QCOMPARE(op->targets.front().street, std::string("Acacia Avenue"));
        QCOMPARE(op->targets.front().houseNumber, std::string("2"));
        QCOMPARE(op->targets.back().houseNumber, std::string("40"));
        for (const auto &t : op->targets) {
            QVERIFY(t.id.empty());
            QVERIFY(!t.position && !t.distanceM);
        }
        QVERIFY(!op->closedAt);
    }

    void windowIsConfigurable()
    {
        CocooningSettings settings;
        settings.visitWindowMs = 24 * kHour;
        const auto op = planCocooning(baseRequest(), settings);
        QVERIFY(op.ok());
        QCOMPARE(op->deadlineAt, kBurglary + 24 * kHour);
    }

    void radiusLimits()
    {
        auto r = baseRequest();
        r.radiusM = 400.0;
        QVERIFY(planCocooning(r).ok());
        QCOMPARE(planCocooning(r)->radiusM, 400.0);
        for (double bad : {400.5, 0.0, -10.0, std::numeric_limits<double>::quiet_NaN(),
                           std::numeric_limits<double>::infinity()}) {
            r.radiusM = bad;
            const auto op = planCocooning(r);
            QVERIFY(!op.ok());
            QVERIFY(op.error().code == ErrorCode::InvalidInput);
            QVERIFY2(contains(op.error().message, "radius"), op.error().message.c_str());
        }
        CocooningSettings wider;
        wider.maxRadiusM = 600.0;
        r.radiusM = 500.0;
        QVERIFY(planCocooning(r, wider).ok());
    }

    void refusesTargetOutsideRadius()
    {
        auto r = baseRequest();
        r.positions[cocooningTargetKey("Acacia Avenue", "4")] = north(100);
        r.positions[cocooningTargetKey("Acacia Avenue", "40")] = north(300);
        const auto op = planCocooning(r);
        QVERIFY(!op.ok());
        QVERIFY2(contains(op.error().message, "Acacia Avenue 40 is 300 m"), op.error().message.c_str());
        QVERIFY2(contains(op.error().message, "200 m radius"), op.error().message.c_str());

        r.radiusM = 400.0;
        const auto wide = planCocooning(r);
        QVERIFY2(wide.ok(), wide.ok() ? "" : wide.error().message.c_str());
        const auto &four = wide->targets[1];
        QCOMPARE(four.houseNumber, std::string("4"));
        QVERIFY(four.position && four.distanceM);
        QVERIFY(std::abs(*four.distanceM - 100.0) < 0.5);
        QVERIFY(std::abs(*wide->targets.back().distanceM - 300.0) < 0.5);
        QVERIFY(!wide->targets.front().position);
    }

    void withoutOriginPositionNoDistance()
    {
        auto r = baseRequest();
        r.origin.reset();
        r.positions[cocooningTargetKey("Acacia Avenue", "40")] = north(3000);
        const auto op = planCocooning(r);
        QVERIFY2(op.ok(), op.ok() ? "" : op.error().message.c_str());
        QVERIFY(op->targets.back().position);
        QVERIFY(!op->targets.back().distanceM);
    }

    void positionsMatchLoosely()
    {
        auto r = baseRequest();
        r.positions["acacia  avenue.|6"] = north(50);
        const auto op = planCocooning(r);
        QVERIFY2(op.ok(), op.ok() ? "" : op.error().message.c_str());
        QVERIFY(op->targets[2].position);
        QCOMPARE(cocooningTargetKey("  Acacia   Avenue ", "6"), std::string("Acacia Avenue|6"));
    }

    void refusesBadPositions()
    {
        auto r = baseRequest();
        r.positions["Acacia Avenue|5"] = north(10); // odd number: not a target
        auto op = planCocooning(r);
        QVERIFY(!op.ok());
        QVERIFY2(contains(op.error().message, "not among the target addresses"), op.error().message.c_str());

        r = baseRequest();
        r.positions["Acacia Avenue 6"] = north(10);
        op = planCocooning(r);
        QVERIFY(!op.ok());
        QVERIFY2(contains(op.error().message, "street|house number"), op.error().message.c_str());

        r = baseRequest();
        r.positions["Acacia Avenue|6"] = {std::numeric_limits<double>::quiet_NaN(), 0.0};
        QVERIFY(!planCocooning(r).ok());

        r = baseRequest();
        r.positions["Acacia Avenue|6"] = north(10);
        r.positions["acacia avenue|6"] = north(20);
        op = planCocooning(r);
        QVERIFY(!op.ok());
        QVERIFY2(contains(op.error().message, "differ"), op.error().message.c_str());

        r = baseRequest();
        r.origin = GeoPoint{91.0, 0.0};
        op = planCocooning(r);
        QVERIFY(!op.ok());
        QVERIFY2(contains(op.error().message, "Burglary position"), op.error().message.c_str());
    }

    void removesDuplicates()
    {
        auto r = baseRequest();
        r.ranges = {{"Acacia Avenue", 2, 10, Parity::All}, {"acacia  avenue", 8, 12, Parity::Even},
                    {"Mill Lane", 1, 1, Parity::All}, {"Acacia Avenue", 2, 2, Parity::All}};
        const auto op = planCocooning(r);
        QVERIFY2(op.ok(), op.ok() ? "" : op.error().message.c_str());
        QCOMPARE(op->targets.size(), std::size_t(11)); // 2..10, 12, Mill Lane 1
        QCOMPARE(op->targets[9].houseNumber, std::string("12"));
        QCOMPARE(op->targets[9].street, std::string("acacia avenue"));
        QCOMPARE(op->targets[10].street, std::string("Mill Lane"));
    }

    void refusesTooManyTargets()
    {
        CocooningSettings settings;
        settings.maxTargets = 5;
        auto r = baseRequest();
        r.ranges = {{"Mill Lane", 1, 3, Parity::All}, {"High Street", 1, 2, Parity::All}};
        QVERIFY(planCocooning(r, settings).ok());
        r.ranges.push_back({"High Street", 2, 3, Parity::All});
        const auto op = planCocooning(r, settings);
        QVERIFY(!op.ok());
        QVERIFY2(contains(op.error().message, "more than 5"), op.error().message.c_str());
    }

    void refusesBadRequests()
    {
        const auto refused = [](const CocooningRequest &r, const char *part) {
            const auto op = planCocooning(r);
            if (op.ok())
                return false;
            if (!contains(op.error().message, part))
                qWarning("unexpected message: %s", op.error().message.c_str());
            return op.error().code == ErrorCode::InvalidInput && contains(op.error().message, part);
        };
        auto r = baseRequest();
        r.burglaryAt = r.now + 1;
        QVERIFY(refused(r, "in the future"));
        r = baseRequest();
        r.burglaryAt = r.now;
        QVERIFY(planCocooning(r).ok());
        r.burglaryAt = -5;
        QVERIFY(refused(r, "before 1970"));

        r = baseRequest();
        r.ranges.clear();
        QVERIFY(refused(r, "at least one"));
        r.ranges = {{"Acacia Avenue", 40, 2, Parity::Even}};
        QVERIFY(refused(r, "backwards"));
        r.ranges = {{"Acacia Avenue", 3, 9, Parity::Even}};
        QVERIFY(refused(r, "marked even"));

        r = baseRequest();
        r.wardCode = "E0501362";
        QVERIFY(refused(r, "ward code"));
        r.wardCode = "E05O13628";
        QVERIFY(refused(r, "ward code"));
        r.wardCode = "\xFF\xFE";
        QVERIFY(refused(r, "ward code"));

        r = baseRequest();
        r.originAddress = "   ";
        QVERIFY(refused(r, "Burglary address is empty"));
        r.originAddress = "Acacia \xC3\x28venue";
        QVERIFY(refused(r, "UTF-8"));
        r.originAddress = std::string(500, 'x');
        QVERIFY(refused(r, "too long"));

        r = baseRequest();
        r.plannedBy = "";
        QVERIFY(refused(r, "Planned by is empty"));

        CocooningSettings broken;
        broken.defaultRadiusM = 500.0;
        const auto op = planCocooning(baseRequest(), broken);
        QVERIFY(!op.ok());
    }

    void coverageCountsEachTargetOnce()
    {
        const auto op = fourTargets();
        const std::vector<TargetVisit> visits{
            {"t1", "card_left", kBurglary + 3 * kHour},
            {"t1", "in_person", kBurglary + 60 * kHour}, // revisit after the window
            {"t2", "declined", kBurglary + 50 * kHour},  // first visit too late
            {"t3", "card_left", kBurglary + 48 * kHour}, // exactly at the deadline
            {"t3", "card_left", kBurglary + 49 * kHour},
            {"t9", "in_person", kBurglary + 3 * kHour},  // not a target of this operation
            {"t4", "waved", kBurglary + 3 * kHour},      // unknown outcome
            {"t4", "in_person", kBurglary - 1},          // before the burglary
        };
        const auto c = computeCoverage(op, visits);
        QCOMPARE(c.targets, 4);
        QCOMPARE(c.visited, 3);
        QCOMPARE(c.inPerson, 1);
        QCOMPARE(c.declined, 1);
        QCOMPARE(c.cardLeft, 1);
        QCOMPARE(c.visitedInWindow, 2);
        QCOMPARE(c.share, 0.75);
        QCOMPARE(c.shareInWindow, 0.5);
    }

    void coverageOfNothing()
    {
        const auto c = computeCoverage(fourTargets(), {});
        QCOMPARE(c.targets, 4);
        QCOMPARE(c.visited, 0);
        QCOMPARE(c.share, 0.0);
        const auto empty = computeCoverage(CocooningOperation{}, {{"t1", "in_person", 0}});
        QCOMPARE(empty.targets, 0);
        QCOMPARE(empty.share, 0.0);
    }

    void validatesVisits()
    {
        const auto op = fourTargets();
        QVERIFY(validateVisit(op, {"t1", "in_person", kBurglary}).ok());
        QVERIFY(validateVisit(op, {"t1", "card_left", kBurglary + 100 * kHour}).ok());
        auto bad = validateVisit(op, {"t1", "In_Person", kBurglary});
        QVERIFY(!bad.ok());
        QVERIFY2(contains(bad.error().message, "in_person, card_left, declined"), bad.error().message.c_str());
        bad = validateVisit(op, {"t7", "declined", kBurglary});
        QVERIFY(!bad.ok());
        QVERIFY(bad.error().code == ErrorCode::NotFound);
        QVERIFY(!validateVisit(op, {"", "declined", kBurglary}).ok());
        QVERIFY(!validateVisit(op, {"t1", "declined", kBurglary - 1}).ok());
        QVERIFY(!validateVisit(op, {"t1", "\xC3\x28", kBurglary}).ok());
    }

    void statusFollowsVisits()
    {
        const auto op = fourTargets();
        std::vector<TargetVisit> visits;
        QVERIFY(statusAfterVisits(op, visits) == CocooningStatus::Planned);
        visits.push_back({"t9", "in_person", kBurglary + kHour});
        QVERIFY(statusAfterVisits(op, visits) == CocooningStatus::Planned);
        visits.push_back({"t2", "card_left", kBurglary + kHour});
        QVERIFY(statusAfterVisits(op, visits) == CocooningStatus::InProgress);
        visits.push_back({"t2", "in_person", kBurglary + 2 * kHour});
        visits.push_back({"t1", "declined", kBurglary + 2 * kHour});
        visits.push_back({"t3", "declined", kBurglary + 2 * kHour});
        QVERIFY(statusAfterVisits(op, visits) == CocooningStatus::InProgress);
        visits.push_back({"t4", "card_left", kBurglary + 90 * kHour});
        QVERIFY(statusAfterVisits(op, visits) == CocooningStatus::Completed);

        auto closed = op;
        closed.status = CocooningStatus::Completed;
        QVERIFY(statusAfterVisits(closed, {}) == CocooningStatus::Completed);
    }

    void closesFromInProgress()
    {
        auto op = fourTargets();
        op.status = statusAfterVisits(op, {{"t1", "in_person", kBurglary + kHour}});
        QVERIFY(op.status == CocooningStatus::InProgress);
        QVERIFY(closeOperation(op, kBurglary + 50 * kHour).ok());
        QVERIFY(op.status == CocooningStatus::Completed);
        QCOMPARE(op.closedAt, std::optional<TimestampMs>(kBurglary + 50 * kHour));
        QVERIFY(op.closeReason.empty());

        const auto again = closeOperation(op, kBurglary + 51 * kHour, "again");
        QVERIFY(!again.ok());
        QVERIFY(again.error().code == ErrorCode::NotAllowed);
        QCOMPARE(op.closedAt, std::optional<TimestampMs>(kBurglary + 50 * kHour));
    }

    void closingAPlannedOperationNeedsAReason()
    {
        auto op = fourTargets();
        auto refused = closeOperation(op, kBurglary + 50 * kHour);
        QVERIFY(!refused.ok());
        QVERIFY(refused.error().code == ErrorCode::NotAllowed);
        refused = closeOperation(op, kBurglary + 50 * kHour, " \n ");
        QVERIFY(!refused.ok());
        refused = closeOperation(op, kBurglary + 50 * kHour, "Cordon \xC3\x28");
        QVERIFY(!refused.ok());
        refused = closeOperation(op, op.plannedAt - 1, "Too early");
        QVERIFY(!refused.ok());
        QVERIFY(op.status == CocooningStatus::Planned);
        QVERIFY(!op.closedAt);

        QVERIFY(closeOperation(op, kBurglary + 50 * kHour, "  Street cordoned off\nall weekend ").ok());
        QVERIFY(op.status == CocooningStatus::Completed);
        QCOMPARE(op.closeReason, std::string("Street cordoned off\nall weekend"));
    }

    void statusNames()
    {
        QCOMPARE(toString(CocooningStatus::InProgress), std::string_view("in_progress"));
        QVERIFY(enumFromString<CocooningStatus>("completed") == std::optional(CocooningStatus::Completed));
        QVERIFY(!enumFromString<CocooningStatus>("closed").has_value());
        QVERIFY(isVisitOutcome("card_left"));
        QVERIFY(!isVisitOutcome(""));
    }
};

QTEST_GUILESS_MAIN(TestCocooningOperation)
#include "tst_cocooningoperation.moc"
