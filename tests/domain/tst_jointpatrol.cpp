#include "domain/jointpatrol.h"

#include <QTest>

#include <limits>

using namespace beatbook;

namespace {

constexpr TimestampMs kMinute = 60LL * 1000;
constexpr TimestampMs kHour = 60 * kMinute;
constexpr TimestampMs kStart = 1795554900000LL; // 2026-11-24T21:15Z

JointPatrol basePatrol()
{
    JointPatrol p;
    p.id = "patrol-1";
    p.wardCode = "E05013628";
    p.startedAt = kStart;
    p.participants = {{"Sam Jones", Role::Champion}, {"PCSO Ward", Role::Pcso}};
    return p;
}

PatrolObservation observationAt(TimestampMs at)
{
    PatrolObservation o;
    o.id = "obs-1";
    o.patrolId = "patrol-1";
    o.at = at;
    o.text = "Broken street light outside 14 Mill Lane";
    o.author = "Sam Jones";
    return o;
}

bool refused(const Status &status, const char *part)
{
    if (status.ok())
        return false;
    if (status.error().message.find(part) == std::string::npos) {
        qWarning("unexpected message: %s", status.error().message.c_str());
        return false;
    }
    return true;
}

} // namespace

class TestJointPatrol : public QObject {
    Q_OBJECT
private slots:
    void acceptsJointPatrols()
    {
        auto p = basePatrol();
        QVERIFY(validatePatrol(p).ok());
        p.participants.push_back({"Sgt Patel", Role::Supervisor});
        p.participants.push_back({"Ann Lee", Role::Champion});
        QVERIFY(validatePatrol(p).ok());
        p.endedAt = kStart + 24 * kHour;
        QVERIFY(validatePatrol(p).ok());
    }

    void refusesBadParticipants()
    {
        auto p = basePatrol();
        p.participants.pop_back();
        QVERIFY(refused(validatePatrol(p), "at least 2 participants"));

        p = basePatrol();
        p.participants[1].role = Role::Champion;
        QVERIFY(refused(validatePatrol(p), "one Neighbourhood Watch champion and one PCSO"));
        p = basePatrol();
        p.participants[0].role = Role::Officer;
        QVERIFY(refused(validatePatrol(p), "one Neighbourhood Watch champion and one PCSO"));

        p = basePatrol();
        p.participants.push_back({"sam   JONES", Role::Officer});
        QVERIFY(refused(validatePatrol(p), "listed twice"));

        p = basePatrol();
        p.participants[0].name = "  ";
        QVERIFY(refused(validatePatrol(p), "needs a name"));
        p.participants[0].name = "Sam \xC3\x28";
        QVERIFY(refused(validatePatrol(p), "UTF-8"));
        p.participants[0].name = std::string(201, 'a');
        QVERIFY(refused(validatePatrol(p), "too long"));
        p.participants[0].name = "Sam\nJones";
        QVERIFY(refused(validatePatrol(p), "control character"));

        p = basePatrol();
        p.participants.push_back({"Ghost", static_cast<Role>(42)});
        QVERIFY(refused(validatePatrol(p), "is not one of"));

        p = basePatrol();
        for (int i = 0; i < 19; ++i)
            p.participants.push_back({"Walker " + std::to_string(i), Role::Champion});
        QVERIFY(refused(validatePatrol(p), "at most 20"));
    }

    void participantLimitsAreConfigurable()
    {
        JointPatrolSettings settings;
        settings.minParticipants = 3;
        auto p = basePatrol();
        QVERIFY(refused(validatePatrol(p, settings), "at least 3 participants"));
        p.participants.push_back({"Ann Lee", Role::Champion});
        QVERIFY(validatePatrol(p, settings).ok());
        settings.minParticipants = 1; // a lone walker is not a joint patrol
        QVERIFY(!validatePatrol(p, settings).ok());
    }

    void refusesBadWardCodes()
    {
        for (const char *code : {"", "E0501362", "E050136288", "E04013628", "e05013628", "E05O13628"}) {
            auto p = basePatrol();
            p.wardCode = code;
            QVERIFY2(refused(validatePatrol(p), "ward code"), code);
        }
    }

    void refusesBadTimes()
    {
        auto p = basePatrol();
        p.endedAt = kStart;
        QVERIFY(refused(validatePatrol(p), "end after it started"));
        p.endedAt = kStart - kHour;
        QVERIFY(refused(validatePatrol(p), "end after it started"));
        p.endedAt = kStart + 24 * kHour + 1;
        QVERIFY(refused(validatePatrol(p), "at most 24 h"));
        JointPatrolSettings longer;
        longer.maxDurationMs = 36 * kHour;
        QVERIFY(validatePatrol(p, longer).ok());
        p = basePatrol();
        p.startedAt = -1;
        QVERIFY(refused(validatePatrol(p), "before 1970"));
    }

    void endsOnce()
    {
        auto p = basePatrol();
        QVERIFY(refused(endPatrol(p, kStart), "end after it started"));
        QVERIFY(!p.endedAt);
        QVERIFY(refused(endPatrol(p, kStart + 25 * kHour), "at most 24 h"));
        QVERIFY(!p.endedAt);

        QVERIFY(endPatrol(p, kStart + 2 * kHour + 30 * kMinute).ok());
        QCOMPARE(p.endedAt, std::optional<TimestampMs>(kStart + 2 * kHour + 30 * kMinute));
        const auto again = endPatrol(p, kStart + 3 * kHour);
        QVERIFY(!again.ok());
        QVERIFY(again.error().code == ErrorCode::NotAllowed);
        QCOMPARE(p.endedAt, std::optional<TimestampMs>(kStart + 2 * kHour + 30 * kMinute));

        auto invalid = basePatrol();
        invalid.participants.pop_back();
        QVERIFY(!endPatrol(invalid, kStart + kHour).ok());
        QVERIFY(!invalid.endedAt);
    }

    void countsHours()
    {
        auto p = basePatrol();
        QCOMPARE(patrolHours(p), 0.0);
        p.endedAt = kStart + 2 * kHour + 30 * kMinute;
        QCOMPARE(patrolHours(p), 2.5);
        p.endedAt = kStart - kHour; // stored nonsense never counts negative
        QCOMPARE(patrolHours(p), 0.0);
    }

    void acceptsObservationsWithinThePatrol()
    {
        auto p = basePatrol();
        p.endedAt = kStart + 2 * kHour;
        for (TimestampMs at : {kStart, kStart + kHour, kStart + 2 * kHour, kStart - 15 * kMinute,
                               kStart + 2 * kHour + 15 * kMinute}) {
            const auto ok = validateObservation(p, observationAt(at));
            QVERIFY2(ok.ok(), ok.ok() ? "" : ok.error().message.c_str());
        }
        auto withPosition = observationAt(kStart + kHour);
        withPosition.position = GeoPoint{51.65, -0.2};
        withPosition.text = "Two lines\nof notes\twith a tab";
        QVERIFY(validateObservation(p, withPosition).ok());
    }

    void refusesObservationsOutsideThePatrol()
    {
        auto p = basePatrol();
        p.endedAt = kStart + 2 * kHour;
        QVERIFY(refused(validateObservation(p, observationAt(kStart - 15 * kMinute - 1)), "outside the patrol"));
        QVERIFY(refused(validateObservation(p, observationAt(kStart + 2 * kHour + 15 * kMinute + 1)),
                        "15 min either side"));
        JointPatrolSettings noGrace;
        noGrace.observationGraceMs = 0;
        QVERIFY(!validateObservation(p, observationAt(kStart - 1), noGrace).ok());
        QVERIFY(validateObservation(p, observationAt(kStart), noGrace).ok());

        auto open = basePatrol();
        QVERIFY(validateObservation(open, observationAt(kStart + 10 * kHour)).ok());
        QVERIFY(refused(validateObservation(open, observationAt(kStart + 24 * kHour + 16 * kMinute)),
                        "open patrol"));
    }

    void refusesBadObservations()
    {
        const auto p = basePatrol();
        auto o = observationAt(kStart);
        o.patrolId = "patrol-2";
        QVERIFY(refused(validateObservation(p, o), "different patrol"));

        o = observationAt(kStart);
        o.text = " \n ";
        QVERIFY(refused(validateObservation(p, o), "no text"));
        o.text = "Bad \xC3\x28 bytes";
        QVERIFY(refused(validateObservation(p, o), "UTF-8"));
        o.text = std::string(10001, 'x');
        QVERIFY(refused(validateObservation(p, o), "too long"));
        o.text = std::string("Bell\x07");
        QVERIFY(refused(validateObservation(p, o), "control character"));

        o = observationAt(kStart);
        o.author = "";
        QVERIFY(refused(validateObservation(p, o), "no author"));

        o = observationAt(kStart);
        o.position = GeoPoint{std::numeric_limits<double>::quiet_NaN(), 0.0};
        QVERIFY(refused(validateObservation(p, o), "Observation position"));
        o.position = GeoPoint{0.0, 181.0};
        QVERIFY(refused(validateObservation(p, o), "Observation position"));
    }
};

QTEST_GUILESS_MAIN(TestJointPatrol)
#include "tst_jointpatrol.moc"
