#include "domain/prioritybanding.h"

#include <QTest>

#include <limits>

using namespace beatbook;

namespace {

constexpr TimestampMs kHour = 60LL * 60 * 1000;
constexpr TimestampMs kDay = 24 * kHour;
constexpr TimestampMs kT0 = 1795554900000LL; // 2026-11-24T21:15Z

RiskFactors factors(const char *list)
{
    return parseRiskFactorList(list).value();
}

const RiskFactors kIgnition{RiskFactor::Smoker, RiskFactor::CandlesOrHeaters, RiskFactor::HomeOxygen,
                            RiskFactor::ParaffinEmollients, RiskFactor::AirflowMattress};
const RiskFactors kReducedEscape{RiskFactor::PoorMobility, RiskFactor::BedOrChairBound,
                                 RiskFactor::SightOrHearingLoss, RiskFactor::MentalIllHealthOrDementia,
                                 RiskFactor::AlcoholOrDrugs};

std::string band(PriorityBand b)
{
    return std::string(toString(b));
}

} // namespace

class TestPriorityBanding : public QObject {
    Q_OBJECT
private slots:
    void bandNames()
    {
        QCOMPARE(allNames<PriorityBand>(), std::string("very_high, high, medium, low"));
        QVERIFY(isMoreUrgent(PriorityBand::VeryHigh, PriorityBand::High));
        QVERIFY(!isMoreUrgent(PriorityBand::Low, PriorityBand::Medium));
        QCOMPARE(band(mostUrgent(PriorityBand::Low, PriorityBand::High)), band(PriorityBand::High));
    }

    void defaultsAreValid()
    {
        const auto ok = validateBandingRules({});
        QVERIFY2(ok.ok(), ok.ok() ? "" : ok.error().message.c_str());
    }

    void representativeHouseholds_data()
    {
        QTest::addColumn<QString>("household");
        QTest::addColumn<QString>("expected");
        QTest::newRow("nothing noted") << "" << "low";
        QTest::newRow("over 70 only") << "aged_over_70" << "low";
        QTest::newRow("lives alone only") << "lives_alone" << "low";
        QTest::newRow("no smoke alarm only") << "no_working_smoke_alarm" << "medium";
        QTest::newRow("smoker only") << "smoker" << "medium";
        QTest::newRow("over 70 living alone") << "aged_over_70,lives_alone" << "medium";
        QTest::newRow("smoker living alone") << "smoker,lives_alone" << "medium";
        QTest::newRow("smoker, no alarm") << "smoker,no_working_smoke_alarm" << "high";
        QTest::newRow("over 70, alone, no alarm") << "aged_over_70,lives_alone,no_working_smoke_alarm" << "high";
        QTest::newRow("hoarder over 70 alone") << "hoarding,aged_over_70,lives_alone" << "high";
        QTest::newRow("cared-for, pads, over 70, alone, no alarm")
            << "receives_care,incontinence_products,aged_over_70,lives_alone,no_working_smoke_alarm" << "high";
        QTest::newRow("hoarder, no alarm, alone, over 70")
            << "hoarding,no_working_smoke_alarm,lives_alone,aged_over_70" << "very_high";
        QTest::newRow("bed-bound smoker") << "smoker,bed_or_chair_bound" << "very_high";
        QTest::newRow("drinker with candles") << "alcohol_or_drugs,candles_or_heaters" << "very_high";
        QTest::newRow("dementia, emollients") << "mental_ill_health_or_dementia,paraffin_emollients" << "very_high";
        QTest::newRow("smoker on home oxygen") << "smoker,home_oxygen" << "very_high";
        QTest::newRow("heater by airflow mattress") << "candles_or_heaters,airflow_mattress" << "very_high";
        QTest::newRow("arson threat alone") << "arson_threat" << "very_high";
        QTest::newRow("oxygen, no reduced escape") << "home_oxygen,aged_over_70" << "medium";
        QTest::newRow("immobile, no ignition") << "bed_or_chair_bound,poor_mobility" << "medium";
    }
    void representativeHouseholds()
    {
        QFETCH(QString, household);
        QFETCH(QString, expected);
        const auto assessed = assessBand(factors(household.toUtf8().constData()));
        QCOMPARE(band(assessed.band), expected.toStdString());
        QCOMPARE(band(computeBand(factors(household.toUtf8().constData()))), band(assessed.band));
        QVERIFY(!assessed.reason.empty());
    }

    void ignitionWithReducedEscapeIsAlwaysVeryHigh()
    {
        for (auto ignition : kIgnition.toVector())
            for (auto escape : kReducedEscape.toVector()) {
                const RiskFactors household{ignition, escape};
                const auto assessed = assessBand(household);
                QVERIFY2(assessed.band == PriorityBand::VeryHigh, formatRiskFactors(household).c_str());
                QVERIFY2(assessed.reason.find(std::string(toString(ignition))) != std::string::npos,
                         assessed.reason.c_str());
            }
    }

    void arsonThreatIsVeryHighWhateverElse()
    {
        for (std::size_t i = 0; i < enumCount<RiskFactor>(); ++i) {
            const RiskFactors household{RiskFactor::ArsonThreat, static_cast<RiskFactor>(i)};
            QCOMPARE(band(computeBand(household)), band(PriorityBand::VeryHigh));
        }
        QVERIFY(assessBand({RiskFactor::ArsonThreat}).reason.find("arson_threat") != std::string::npos);
    }

    void moreFactorsNeverLowerTheBand()
    {
        // Adding any factor to any single-factor household keeps or raises its urgency.
        for (std::size_t i = 0; i < enumCount<RiskFactor>(); ++i)
            for (std::size_t j = 0; j < enumCount<RiskFactor>(); ++j) {
                const RiskFactors one{static_cast<RiskFactor>(i)};
                const RiskFactors two{static_cast<RiskFactor>(i), static_cast<RiskFactor>(j)};
                QVERIFY(!isMoreUrgent(computeBand(one), computeBand(two)));
            }
    }

    void rulesAreConfigurable()
    {
        BandingRules rules;
        rules.combinations.clear();
        QCOMPARE(band(computeBand(factors("smoker,bed_or_chair_bound"), rules)), band(PriorityBand::High)); // score 6

        rules.alwaysVeryHigh.add(RiskFactor::HomeOxygen);
        QCOMPARE(band(computeBand(factors("home_oxygen"), rules)), band(PriorityBand::VeryHigh));

        BandingRules weights;
        weights.weights[static_cast<std::size_t>(RiskFactor::LivesAlone)] = 3;
        QCOMPARE(band(computeBand(factors("lives_alone"))), band(PriorityBand::Low));
        QCOMPARE(band(computeBand(factors("lives_alone"), weights)), band(PriorityBand::Medium));
        QCOMPARE(riskScore(factors("lives_alone,smoker"), weights), std::int64_t(6));

        BandingRules thresholds;
        thresholds.mediumFromScore = 1;
        QCOMPARE(band(computeBand(factors("aged_over_70"), thresholds)), band(PriorityBand::Medium));

        BandingRules high;
        high.combinations.push_back({{RiskFactor::AgedOver70}, {RiskFactor::LivesAlone}, PriorityBand::High, "old and alone"});
        const auto assessed = assessBand(factors("aged_over_70,lives_alone"), high);
        QCOMPARE(band(assessed.band), band(PriorityBand::High));
        QVERIFY(assessed.reason.find("old and alone") != std::string::npos);
        // A combination never lowers a band the score already reached.
        high.combinations.push_back({{RiskFactor::Hoarding}, {RiskFactor::LivesAlone}, PriorityBand::Low, "never"});
        QCOMPARE(band(computeBand(factors("hoarding,no_working_smoke_alarm,lives_alone,aged_over_70"), high)),
                 band(PriorityBand::VeryHigh));
    }

    void responseDeadlines()
    {
        QCOMPARE(responseDeadline(PriorityBand::VeryHigh, kT0), std::optional<TimestampMs>(kT0 + 4 * kHour));
        QCOMPARE(responseDeadline(PriorityBand::High, kT0), std::optional<TimestampMs>(kT0 + 7 * kDay));
        QCOMPARE(responseDeadline(PriorityBand::Medium, kT0), std::optional<TimestampMs>(kT0 + 30 * kDay));
        QVERIFY(!responseDeadline(PriorityBand::Low, kT0)); // online self-check
        QVERIFY(!responseWithin(PriorityBand::Low));

        BandingRules rules;
        rules.veryHighWithinMs = 2 * kHour;
        rules.lowWithinMs = 90 * kDay;
        QCOMPARE(responseDeadline(PriorityBand::VeryHigh, kT0, rules), std::optional<TimestampMs>(kT0 + 2 * kHour));
        QCOMPARE(responseDeadline(PriorityBand::Low, kT0, rules), std::optional<TimestampMs>(kT0 + 90 * kDay));

        constexpr auto kMax = std::numeric_limits<TimestampMs>::max();
        QCOMPARE(responseDeadline(PriorityBand::High, kMax - 5), std::optional<TimestampMs>(kMax));
    }

    void refusesBadRules_data()
    {
        QTest::addColumn<int>("which");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("negative weight") << 0 << "weight for risk factor smoker";
        QTest::newRow("huge weight") << 1 << "between 0 and";
        QTest::newRow("thresholds out of order") << 2 << "must rise";
        QTest::newRow("zero medium threshold") << 3 << "above 0";
        QTest::newRow("one-sided combination") << 4 << "both sides";
        QTest::newRow("zero response time") << 5 << "positive";
        QTest::newRow("less urgent answered sooner") << 6 << "shorter";
        QTest::newRow("urgent band without deadline") << 7 << "no response time";
    }
    void refusesBadRules()
    {
        QFETCH(int, which);
        QFETCH(QString, mentions);
        BandingRules rules;
        switch (which) {
        case 0: rules.weights[0] = -1; break;
        case 1: rules.weights[0] = 1000000; break;
        case 2: rules.highFromScore = rules.veryHighFromScore; break;
        case 3: rules.mediumFromScore = 0; break;
        case 4: rules.combinations.push_back({{RiskFactor::Smoker}, {}, PriorityBand::VeryHigh, ""}); break;
        case 5: rules.highWithinMs = 0; break;
        case 6: rules.mediumWithinMs = kHour; break;
        case 7: rules.veryHighWithinMs = std::nullopt; break;
        }
        const auto ok = validateBandingRules(rules);
        QVERIFY(!ok.ok());
        QVERIFY(ok.error().code == ErrorCode::InvalidInput);
        QVERIFY2(ok.error().message.find(mentions.toStdString()) != std::string::npos, ok.error().message.c_str());
    }
};

QTEST_GUILESS_MAIN(TestPriorityBanding)
#include "tst_prioritybanding.moc"
