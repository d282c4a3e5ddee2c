#include "domain/riskfactor.h"

#include <QTest>

using namespace beatbook;

class TestRiskFactor : public QObject {
    Q_OBJECT
private slots:
    void namesAreTheDomainSpelling()
    {
        QCOMPARE(allNames<RiskFactor>(),
                 std::string("smoker, poor_mobility, bed_or_chair_bound, sight_or_hearing_loss, "
                             "mental_ill_health_or_dementia, alcohol_or_drugs, aged_over_70, lives_alone, "
                             "hoarding, home_oxygen, airflow_mattress, paraffin_emollients, "
                             "incontinence_products, candles_or_heaters, no_working_smoke_alarm, "
                             "receives_care, arson_threat"));
        QCOMPARE(toString(RiskFactor::ArsonThreat), std::string_view("arson_threat"));
        QVERIFY(enumFromString<RiskFactor>("aged_over_70") == std::optional<RiskFactor>(RiskFactor::AgedOver70));
    }

    void setOperations()
    {
        RiskFactors f{RiskFactor::Smoker, RiskFactor::LivesAlone, RiskFactor::Smoker};
        QCOMPARE(f.size(), std::size_t(2));
        QVERIFY(f.has(RiskFactor::Smoker));
        QVERIFY(!f.has(RiskFactor::Hoarding));
        f.add(RiskFactor::Hoarding).remove(RiskFactor::Smoker);
        QVERIFY(!f.has(RiskFactor::Smoker));
        QVERIFY(f.intersects(RiskFactors{RiskFactor::Hoarding}));
        QVERIFY(!f.intersects(RiskFactors{RiskFactor::Smoker, RiskFactor::ArsonThreat}));
        QVERIFY(!f.intersects(RiskFactors{}));
        QVERIFY(RiskFactors{}.empty());
        QVERIFY(f.toVector() == (std::vector<RiskFactor>{RiskFactor::LivesAlone, RiskFactor::Hoarding}));
    }

    void parsesLists_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("canonical");
        QTest::newRow("one") << "smoker" << "smoker";
        QTest::newRow("spaces") << "  lives_alone ,  smoker " << "smoker,lives_alone";
        QTest::newRow("duplicates") << "smoker,smoker" << "smoker";
        QTest::newRow("empty") << "" << "";
        QTest::newRow("blank") << "   " << "";
        QTest::newRow("last") << "arson_threat,receives_care" << "receives_care,arson_threat";
    }
    void parsesLists()
    {
        QFETCH(QString, text);
        QFETCH(QString, canonical);
        const auto parsed = parseRiskFactorList(text.toStdString());
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().message.c_str());
        QCOMPARE(formatRiskFactors(*parsed), canonical.toStdString());
    }

    void everyNameRoundTrips()
    {
        RiskFactors all;
        for (auto name : EnumNames<RiskFactor>::names) {
            const auto one = parseRiskFactorList(name);
            QVERIFY(one.ok());
            QCOMPARE(one->size(), std::size_t(1));
            QCOMPARE(formatRiskFactors(*one), std::string(name));
            all.add(one->toVector().front());
        }
        QCOMPARE(all.size(), enumCount<RiskFactor>());
        const auto back = parseRiskFactorList(formatRiskFactors(all));
        QVERIFY(back.ok());
        QCOMPARE(formatRiskFactors(*back), formatRiskFactors(all));
        QVERIFY(*back == all);
    }

    void refusesBadLists_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("unknown") << QByteArray("smoker,smokes") << "'smokes'";
        QTest::newRow("wrong case") << QByteArray("Smoker") << "'Smoker'";
        QTest::newRow("spaces in name") << QByteArray("lives alone") << "'lives alone'";
        QTest::newRow("empty entry") << QByteArray("smoker,,lives_alone") << "empty";
        QTest::newRow("trailing comma") << QByteArray("smoker,") << "empty";
        QTest::newRow("leading comma") << QByteArray(",smoker") << "empty";
        QTest::newRow("invalid utf8") << QByteArray("smoker,\xff\xfe") << "UTF-8";
        QTest::newRow("control") << QByteArray("smoker\n,hoarding") << "control";
        QTest::newRow("oversized") << QByteArray(20000, 'a') << "too long";
        QTest::newRow("long unknown") << QByteArray(500, 'x') << "...";
    }
    void refusesBadLists()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, mentions);
        const auto parsed = parseRiskFactorList(std::string_view(text.constData(), static_cast<std::size_t>(text.size())));
        QVERIFY(!parsed.ok());
        QVERIFY(parsed.error().code == ErrorCode::InvalidInput);
        const auto &message = parsed.error().message;
        QVERIFY2(message.find(mentions.toStdString()) != std::string::npos, message.c_str());
        if (mentions.startsWith('\'') || mentions == "empty")
            QVERIFY2(message.find("valid names: smoker, poor_mobility") != std::string::npos, message.c_str());
        QVERIFY(message.size() < 1000); // a long paste is not echoed whole
    }

    void fromNames()
    {
        const auto ok = riskFactorsFromNames({"home_oxygen", "smoker"});
        QVERIFY(ok.ok());
        QCOMPARE(formatRiskFactors(*ok), std::string("smoker,home_oxygen"));
        QVERIFY(riskFactorsFromNames({}).ok());
        QVERIFY(riskFactorsFromNames({}).value().empty());

        const auto unknown = riskFactorsFromNames({"smoker", "pets"});
        QVERIFY(!unknown.ok());
        QVERIFY(unknown.error().message.find("'pets'") != std::string::npos);
        QVERIFY(unknown.error().message.find("arson_threat") != std::string::npos);
        QVERIFY(!riskFactorsFromNames({" smoker"}).ok()); // one spelling, no trimming
        QVERIFY(!riskFactorsFromNames({""}).ok());
        QVERIFY(!riskFactorsFromNames({"smoker\xc3"}).ok());
    }

    void bitsRoundTrip()
    {
        const RiskFactors f{RiskFactor::Smoker, RiskFactor::ArsonThreat, RiskFactor::Hoarding};
        QCOMPARE(f.bits(), (1U << 0) | (1U << 16) | (1U << 8));
        const auto back = RiskFactors::fromBits(f.bits());
        QVERIFY(back.ok());
        QVERIFY(*back == f);
        QVERIFY(RiskFactors::fromBits(0).value().empty());
        QVERIFY(!RiskFactors::fromBits(1U << 17).ok());
        QVERIFY(!RiskFactors::fromBits(0xFFFFFFFFU).ok());
    }
};

QTEST_GUILESS_MAIN(TestRiskFactor)
#include "tst_riskfactor.moc"
