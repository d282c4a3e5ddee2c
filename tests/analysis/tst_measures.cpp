#include "analysis/measures.h"
#include "analysis/measuresjson.h"
#include "core/clock.h"
#include "core/randomsource.h"
#include "datapack/datapack.h"
#include "store/asbreportstore.h"
#include "store/devicestore.h"
#include "testdata.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace beatbook;
using beatbook::testing::sourceFile;

// Enum values are compared with QVERIFY(a == b): QCOMPARE on a beatbook enum is
// ambiguous between QTest::toString and beatbook::toString (found by ADL).

namespace {

constexpr TimestampMs kT0 = 1795554900000LL; // 2026-11-24T21:15:00Z
constexpr TimestampMs kHour = 3600 * 1000;
constexpr TimestampMs kDay = 24 * kHour;
constexpr double kBorough = 389300.0;

const char *const kBarnetVale = "E05013628";
const char *const kBurntOak = "E05013630";
const char *const kHendon = "E05013643";

struct Where {
    double lat;
    double lon;
};
constexpr Where kInBarnetVale{51.64874, -0.18155};
constexpr Where kInBurntOak{51.60551, -0.26064};
constexpr Where kInHendon{51.58951, -0.22356};
constexpr Where kOutside{51.5074, -0.1278};

bool near(double a, double b) { return std::fabs(a - b) < 1e-9; }

const WardFigure *wardIn(const Measures &m, const std::string &code)
{
    for (const auto &w : m.byWard)
        if (w.code == code)
            return &w;
    return nullptr;
}

} // namespace

class TestMeasures : public QObject {
    Q_OBJECT
private:
    std::optional<DataPack> m_pack;
    QTemporaryDir m_dir;
    std::unique_ptr<ManualClock> m_clock;
    std::unique_ptr<SeededRandom> m_random;
    std::unique_ptr<DeviceStore> m_store;
    std::unique_ptr<AsbReportStore> m_reports;

    // Logs one report as it happens in the field: the clock reads an hour
    // after the incident. Returns the id, or an empty string on failure.
    std::string logAt(TimestampMs occurredAt, Where where, std::optional<std::string> victim, std::string address,
                      std::optional<std::string> reporter, AsbType type = AsbType::RowdyInconsiderate,
                      AsbQualifier qualifier = AsbQualifier::Personal, bool hate = false)
    {
        m_clock->set(occurredAt + kHour);
        NewAsbReport r;
        r.type = type;
        r.qualifier = qualifier;
        r.hate = hate;
        r.occurredAt = occurredAt;
        r.lat = where.lat;
        r.lon = where.lon;
        r.addressText = std::move(address);
        r.description = "test";
        if (victim)
            r.victim = PersonDetails{*victim, ""};
        if (reporter)
            r.reporter = PersonDetails{*reporter, "07700 900000"};
        auto logged = m_reports->log(r);
        if (!logged.ok()) {
            qWarning("log failed: %s", logged.error().message.c_str());
            return {};
        }
        return logged->report.id;
    }

    // Moves a report through `steps`, one hour apart, from the clock's now.
    bool move(const std::string &id, const std::vector<std::pair<AsbStatus, std::string>> &steps)
    {
        for (const auto &[to, reason] : steps) {
            m_clock->advance(kHour);
            auto moved = m_reports->transition(id, to, reason);
            if (!moved.ok()) {
                qWarning("transition failed: %s", moved.error().message.c_str());
                return false;
            }
        }
        return true;
    }

    static std::vector<std::pair<AsbStatus, std::string>> toResolved()
    {
        return {{AsbStatus::Triaged, ""}, {AsbStatus::Assigned, ""}, {AsbStatus::InAction, ""},
                {AsbStatus::Resolved, ""}};
    }

private slots:
    // The data set, logged in time order by an officer:
    //   R4  Burnt Oak    "5 Elm Cl"         T-400d  resolved, no reporter
    //   R1  Barnet Vale  "1 Acacia Ave"     T-30d   victim Alice, reporter; informed, closed
    //   R2  Barnet Vale  "2 Birch Rd"       T-20d   victim alice, reporter; resolved (hate)
    //   R3  Barnet Vale  "1 Acacia Avenue"  T-10d   victim ALICE, reporter; closed uninformed (repeat)
    //   R5  Burnt Oak    "5 Elm Close"      T-5d    reporter; submitted
    //   R7  Hendon       "9 Oak Gr"         T-3d    graffiti, environmental
    //   R8  Hendon       "1 Acacia Ave"     T-2d    victim Bob (repeat by address)
    //   R6  outside      (no address)       T-1d
    void initTestCase()
    {
        auto pack = DataPack::load(sourceFile("data/packs/barnet"));
        QVERIFY2(pack.ok(), pack.ok() ? "" : pack.error().message.c_str());
        m_pack.emplace(std::move(*pack));
        QCOMPARE(m_pack->population(), 389300LL);

        QVERIFY(m_dir.isValid());
        m_clock = std::make_unique<ManualClock>(kT0);
        m_random = std::make_unique<SeededRandom>(42);
        auto store = DeviceStore::open(m_dir.filePath("m.db").toStdString(), *m_clock, *m_random);
        QVERIFY2(store.ok(), store.ok() ? "" : store.error().message.c_str());
        m_store = std::move(*store);
        DeviceProfile profile;
        profile.userName = "sgt.ahmed";
        profile.role = Role::Officer;
        QVERIFY(m_store->initialise(profile).ok());
        m_reports = std::make_unique<AsbReportStore>(*m_store, m_pack->wards());

        const std::string r4 = logAt(kT0 - 400 * kDay, kInBurntOak, std::nullopt, "5 Elm Cl", std::nullopt);
        QVERIFY(!r4.empty());
        QVERIFY(move(r4, toResolved()));

        const std::string r1 = logAt(kT0 - 30 * kDay, kInBarnetVale, "Alice Smith", "1 Acacia Ave", "R One");
        QVERIFY(!r1.empty());
        auto r1Steps = toResolved();
        r1Steps.push_back({AsbStatus::ReporterInformed, "Phoned"});
        r1Steps.push_back({AsbStatus::Closed, ""});
        QVERIFY(move(r1, r1Steps));

        const std::string r2 = logAt(kT0 - 20 * kDay, kInBarnetVale, "alice smith", "2 Birch Rd", "R Two",
                                     AsbType::RowdyInconsiderate, AsbQualifier::Personal, true);
        QVERIFY(!r2.empty());
        QVERIFY(move(r2, toResolved()));

        const std::string r3 = logAt(kT0 - 10 * kDay, kInBarnetVale, "ALICE  SMITH", "1 Acacia Avenue", "R Three");
        QVERIFY(!r3.empty());
        auto r3Steps = toResolved();
        r3Steps.push_back({AsbStatus::Closed, "Reporter moved away, no contact"});
        QVERIFY(move(r3, r3Steps));

        QVERIFY(!logAt(kT0 - 5 * kDay, kInBurntOak, std::nullopt, "5 Elm Close", "R Five").empty());
        QVERIFY(!logAt(kT0 - 3 * kDay, kInHendon, std::nullopt, "9 Oak Gr", std::nullopt, AsbType::Graffiti,
                       AsbQualifier::Environmental)
                     .empty());
        QVERIFY(!logAt(kT0 - 2 * kDay, kInHendon, "Bob Jones", "1 Acacia Ave", std::nullopt).empty());
        QVERIFY(!logAt(kT0 - kDay, kOutside, std::nullopt, "", std::nullopt).empty());
        m_clock->set(kT0);
    }

    void totalsAndRates()
    {
        auto m = computeMeasures(m_store->db(), *m_pack, kT0);
        QVERIFY2(m.ok(), m.ok() ? "" : m.error().message.c_str());
        QVERIFY(!m->wardFilter);
        QCOMPARE(m->computedAt, kT0);
        QCOMPARE(m->population, 389300LL);
        QCOMPARE(m->reportsTotal, 8LL);
        QCOMPARE(m->reportsLast12Months, 7LL); // R4 is older than a year
        QVERIFY(near(m->ratePer1000Last12Months, 7 * 1000.0 / kBorough));
        QCOMPARE(m->outsideBorough, 1LL);
        QCOMPARE(m->hateFlagged, 1LL);
        QCOMPARE(m->byType["rowdy_inconsiderate"], 7LL);
        QCOMPARE(m->byType["graffiti"], 1LL);
        QCOMPARE(m->byQualifier["personal"], 7LL);
        QCOMPARE(m->byQualifier["environmental"], 1LL);
        long long inMonths = 0;
        for (const auto &[month, n] : m->byMonth)
            inMonths += n;
        QCOMPARE(inMonths, 7LL);
        QCOMPARE(m->byMonth.count("2026-11"), std::size_t(1));
    }

    void byWard()
    {
        auto m = computeMeasures(m_store->db(), *m_pack, kT0);
        QVERIFY(m.ok());
        QCOMPARE(m->byWard.size(), m_pack->wards().wards().size());
        QCOMPARE(m->byWard.size(), std::size_t(24));
        struct Expected {
            const char *code;
            long long reports, last12;
        };
        for (const Expected &e : {Expected{kBarnetVale, 3, 3}, Expected{kBurntOak, 2, 1}, Expected{kHendon, 2, 2}}) {
            const WardFigure *w = wardIn(*m, e.code);
            QVERIFY2(w, e.code);
            QCOMPARE(w->reports, e.reports);
            QCOMPARE(w->reportsLast12Months, e.last12);
            // No ward populations in the pack: rates use the borough's 389,300.
            QCOMPARE(w->populationBasis, std::string("borough"));
            QVERIFY2(near(w->ratePer1000, static_cast<double>(e.last12) * 1000.0 / kBorough),
                     std::to_string(w->ratePer1000).c_str());
        }
        long long sum = 0;
        for (const auto &w : m->byWard) {
            sum += w.reports;
            if (w.code != kBarnetVale && w.code != kBurntOak && w.code != kHendon) {
                QCOMPARE(w.reports, 0LL);
                QCOMPARE(w.ratePer1000, 0.0);
            }
        }
        QCOMPARE(sum + m->outsideBorough, m->reportsTotal);
        QCOMPARE(wardIn(*m, kBarnetVale)->name, std::string("Barnet Vale"));
    }

    void repeatVictims()
    {
        auto m = computeMeasures(m_store->db(), *m_pack, kT0);
        QVERIFY(m.ok());
        // Identities: Alice (victim), Bob (victim), 5 Elm Close and 9 Oak Grove
        // (address, no victim named). Alice (3rd report) and Bob (3rd report
        // at 1 Acacia Avenue) are repeats; R4 is outside R5's window.
        QCOMPARE(m->victims, 4LL);
        QCOMPARE(m->repeatVictims, 2LL);
        QVERIFY(near(m->repeatVictimShare, 0.5));
        QCOMPARE(m->repeatReports, 2LL);
        QCOMPARE(m->repeatReportsFlaggedAtLogging, 2LL);
        QVERIFY(near(m->flaggedAtFirstContactShare, 1.0));

        // A stricter rule, applied in hindsight: no one has 4 reports.
        MeasureSettings strict;
        strict.repeatRule.threshold = 4;
        auto s = computeMeasures(m_store->db(), *m_pack, kT0, std::nullopt, strict);
        QVERIFY(s.ok());
        QCOMPARE(s->victims, 4LL);
        QCOMPARE(s->repeatVictims, 0LL);
        QCOMPARE(s->repeatVictimShare, 0.0);
    }

    void reporterInformed()
    {
        auto m = computeMeasures(m_store->db(), *m_pack, kT0);
        QVERIFY(m.ok());
        // Reporters on R1, R2, R3, R5; R1-R3 reached an outcome (R5 is still
        // submitted; R4 reached one but has no reporter); only R1 was informed.
        QCOMPARE(m->reportsWithReporter, 4LL);
        QCOMPARE(m->reachedOutcome, 3LL);
        QCOMPARE(m->reporterInformed, 1LL);
        QVERIFY(near(m->reporterInformedShare, 1.0 / 3.0));
    }

    void followUpAndDurations()
    {
        auto m = computeMeasures(m_store->db(), *m_pack, kT0);
        QVERIFY(m.ok());
        // Triage came an hour after logging for R4, R1, R2 and R3.
        QCOMPARE(m->timeToTriage.count, 4LL);
        QVERIFY(m->timeToTriage.medianHours && near(*m->timeToTriage.medianHours, 1.0));
        QCOMPARE(m->timeToAssignment.count, 4LL);
        QVERIFY(m->timeToAssignment.medianHours && near(*m->timeToAssignment.medianHours, 2.0));
        // Closed: R1 after 6 h, R3 after 5 h.
        QCOMPARE(m->timeToClosure.count, 2LL);
        QVERIFY(m->timeToClosure.medianHours && near(*m->timeToClosure.medianHours, 5.5));
        // Judged: reports whose 48 h have passed (all but R6 and R8); followed
        // up in time: R4, R1, R2, R3.
        QVERIFY2(near(m->followedUpInTimeShare, 4.0 / 6.0), std::to_string(m->followedUpInTimeShare).c_str());
    }

    void hotspots()
    {
        auto m = computeMeasures(m_store->db(), *m_pack, kT0);
        QVERIFY(m.ok());
        const Hotspots &h = m->hotspots;
        QCOMPARE(h.places, 5LL);
        QCOMPARE(h.topPlaces.size(), std::size_t(5));
        QCOMPARE(h.topPlaces[0].place, std::string("1 acacia avenue"));
        QCOMPARE(h.topPlaces[0].reports, 3LL);
        QCOMPARE(h.topPlaces[1].place, std::string("5 elm close"));
        QCOMPARE(h.topPlaces[1].reports, 2LL);
        QCOMPARE(h.topPlaces[2].place, std::string("2 birch road"));
        QCOMPARE(h.topPlaces[3].place, std::string("9 oak grove"));
        QVERIFY2(h.topPlaces[4].place.rfind("cell:", 0) == 0, h.topPlaces[4].place.c_str());
        // The top 10% of 5 places is 1 place, holding 3 of 8 reports.
        QVERIFY(near(h.top10PercentShare, 3.0 / 8.0));
        QCOMPARE(h.topWards.size(), std::size_t(3));
        QCOMPARE(h.topWards[0].code, std::string(kBarnetVale));
        QCOMPARE(h.topWards[1].code, std::string(kBurntOak)); // ties by code
        QCOMPARE(h.topWards[2].code, std::string(kHendon));

        MeasureSettings two;
        two.topPlaces = 2;
        auto t = computeMeasures(m_store->db(), *m_pack, kT0, std::nullopt, two);
        QVERIFY(t.ok());
        QCOMPARE(t->hotspots.topPlaces.size(), std::size_t(2));
        QCOMPARE(t->hotspots.places, 5LL);
        QVERIFY(near(t->hotspots.top10PercentShare, 3.0 / 8.0));
    }

    void wardFilter()
    {
        auto m = computeMeasures(m_store->db(), *m_pack, kT0, std::string(kBarnetVale));
        QVERIFY2(m.ok(), m.ok() ? "" : m.error().message.c_str());
        QVERIFY(m->wardFilter == std::optional<std::string>(kBarnetVale));
        QCOMPARE(m->reportsTotal, 3LL);
        QCOMPARE(m->reportsLast12Months, 3LL);
        QCOMPARE(m->outsideBorough, 0LL);
        QCOMPARE(m->byWard.size(), std::size_t(1));
        QCOMPARE(m->byWard[0].code, std::string(kBarnetVale));
        QVERIFY(near(m->byWard[0].ratePer1000, 3000.0 / kBorough));
        QCOMPARE(m->victims, 1LL);
        QCOMPARE(m->repeatVictims, 1LL);
        QVERIFY(near(m->repeatVictimShare, 1.0));
        QCOMPARE(m->reachedOutcome, 3LL);
        QVERIFY(near(m->reporterInformedShare, 1.0 / 3.0));
        QCOMPARE(m->hotspots.places, 2LL);
        QCOMPARE(m->hotspots.topPlaces[0].place, std::string("1 acacia avenue"));
        QVERIFY(near(m->hotspots.top10PercentShare, 2.0 / 3.0));

        auto burntOak = computeMeasures(m_store->db(), *m_pack, kT0, std::string(kBurntOak));
        QVERIFY(burntOak.ok());
        QCOMPARE(burntOak->reportsTotal, 2LL);
        QCOMPARE(burntOak->reportsLast12Months, 1LL);
        QCOMPARE(burntOak->reportsWithReporter, 1LL);
        QCOMPARE(burntOak->reachedOutcome, 0LL);
        QCOMPARE(burntOak->reporterInformedShare, 0.0);

        // A ward with no reports: zeros, never NaN.
        auto quiet = computeMeasures(m_store->db(), *m_pack, kT0, std::string("E05013651"));
        QVERIFY(quiet.ok());
        QCOMPARE(quiet->reportsTotal, 0LL);
        QCOMPARE(quiet->repeatVictimShare, 0.0);
        QCOMPARE(quiet->hotspots.top10PercentShare, 0.0);
        QCOMPARE(quiet->ratePer1000Last12Months, 0.0);
    }

    void unknownWardIsRefused_data()
    {
        QTest::addColumn<QString>("ward");
        QTest::newRow("unknown code") << "E05000000";
        QTest::newRow("a 2002 code") << "E05000040";
        QTest::newRow("ward name") << "Hendon";
        QTest::newRow("lower case") << "e05013643";
        QTest::newRow("sql") << "' OR 1=1 --";
        QTest::newRow("empty") << "";
    }
    void unknownWardIsRefused()
    {
        QFETCH(QString, ward);
        auto m = computeMeasures(m_store->db(), *m_pack, kT0, ward.toStdString());
        QVERIFY(!m.ok());
        QVERIFY(m.error().code == ErrorCode::InvalidInput);
        QVERIFY2(m.error().message.find("ward") != std::string::npos, m.error().message.c_str());
    }

    void jsonCarriesTheFigures()
    {
        auto m = computeMeasures(m_store->db(), *m_pack, kT0);
        QVERIFY(m.ok());
        const auto json = measuresToJson(*m);
        QCOMPARE(json["reports_total"].get<long long>(), 8LL);
        QVERIFY(json["by_ward"].is_array());
        QCOMPARE(json["by_ward"].size(), std::size_t(24));
        QVERIFY(near(json["repeat_victim_share"].get<double>(), 0.5));
        QVERIFY(near(json["reporter_informed_share"].get<double>(), 1.0 / 3.0));
        QVERIFY(json["hotspots"]["top_places"].is_array());
        QVERIFY(json["baselines"].is_array() && !json["baselines"].empty());
        // The baseline the strategy left "to be established" gets today's
        // value in its own unit (percent); the others have none.
        int withLocal = 0;
        for (const auto &baseline : json["baselines"]) {
            if (!baseline.contains("local_value"))
                continue;
            ++withLocal;
            QCOMPARE(baseline["measure"].get<std::string>(), std::string("Repeat victimisation: ASB"));
            QVERIFY(near(baseline["local_value"].get<double>(), 50.0));
        }
        QCOMPARE(withLocal, 1);
        // Aggregates only: no name or contact reaches the output.
        const std::string text = json.dump();
        for (const char *personal : {"Alice", "alice", "Bob", "R One", "07700"})
            QVERIFY2(text.find(personal) == std::string::npos, personal);
    }

    void topTenPercentOfTwentyPlaces()
    {
        QTemporaryDir dir;
        ManualClock clock(kT0);
        SeededRandom random(7);
        auto store = DeviceStore::open(dir.filePath("t.db").toStdString(), clock, random);
        QVERIFY(store.ok());
        DeviceProfile profile;
        profile.userName = "pc.lee";
        QVERIFY((*store)->initialise(profile).ok());
        AsbReportStore reports(**store, m_pack->wards());
        // 2 places with 5 reports each, 18 with one: 28 reports in 20 places.
        int logged = 0;
        for (int place = 1; place <= 20; ++place)
            for (int i = 0; i < (place <= 2 ? 5 : 1); ++i) {
                NewAsbReport r;
                r.occurredAt = kT0 - (30 - i) * kDay;
                r.lat = kInHendon.lat;
                r.lon = kInHendon.lon;
                r.addressText = std::to_string(place) + " Test Road";
                logged += reports.log(r).ok() ? 1 : 0;
            }
        QCOMPARE(logged, 28);
        auto m = computeMeasures((*store)->db(), *m_pack, kT0);
        QVERIFY(m.ok());
        QCOMPARE(m->hotspots.places, 20LL);
        QVERIFY(near(m->hotspots.top10PercentShare, 10.0 / 28.0));
        QCOMPARE(m->hotspots.topPlaces.size(), std::size_t(10)); // the default
        QCOMPARE(m->hotspots.topPlaces[0].reports, 5LL);
        QCOMPARE(m->hotspots.topPlaces[1].reports, 5LL);
        QCOMPARE(m->hotspots.topPlaces[2].reports, 1LL);
    }

    void emptyDatabaseGivesZeros()
    {
        QTemporaryDir dir;
        ManualClock clock(kT0);
        SeededRandom random(8);
        auto store = DeviceStore::open(dir.filePath("e.db").toStdString(), clock, random);
        QVERIFY(store.ok());
        auto m = computeMeasures((*store)->db(), *m_pack, kT0);
        QVERIFY(m.ok());
        QCOMPARE(m->reportsTotal, 0LL);
        QCOMPARE(m->byWard.size(), std::size_t(24));
        for (double share : {m->repeatVictimShare, m->reporterInformedShare, m->followedUpInTimeShare,
                             m->hotspots.top10PercentShare, m->ratePer1000Last12Months, m->flaggedAtFirstContactShare})
            QCOMPARE(share, 0.0);
        QVERIFY(!m->timeToTriage.medianHours);
        QVERIFY(!m->baselines.empty());
    }
};

QTEST_GUILESS_MAIN(TestMeasures)
#include "tst_measures.moc"
