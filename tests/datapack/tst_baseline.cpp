#include "datapack/baseline.h"

#include "testdata.h"

#include <QTest>

#include <string>

using namespace beatbook;
using beatbook::testing::readFile;
using beatbook::testing::sourceFile;

namespace {

const std::string kHeader = "priority,measure,baseline_2010_11,unit,direction,note\n";

} // namespace

class TestBaseline : public QObject {
    Q_OBJECT
private slots:
    void parsesTheBarnetBaselines()
    {
        const auto parsed = parseBaselinesCsv(readFile(sourceFile("data/packs/barnet/strategy-baselines.csv")));
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().message.c_str());
        const auto &rows = parsed.value();
        QCOMPARE(rows.size(), std::size_t{27});

        QCOMPARE(rows.front().priority, 1);
        QCOMPARE(rows.front().measure, std::string("Total crime"));
        QCOMPARE(rows.front().value, std::optional<double>(27705.0));
        QCOMPARE(rows.front().unit, std::string("offences"));
        QCOMPARE(rows.front().direction, std::string("reduce"));
        QCOMPARE(rows.front().note, std::string("74.922 per 1000 population"));

        // The quoted field with commas in it stays one measure.
        const auto vandalism = std::find_if(rows.begin(), rows.end(), [](const Baseline &b) {
            return b.measure == "ASB big problem: vandalism, graffiti and other deliberate damage";
        });
        QVERIFY(vandalism != rows.end());
        QCOMPARE(vandalism->value, std::optional<double>(19.0));
        QCOMPARE(vandalism->unit, std::string("percent"));
        QCOMPARE(vandalism->note, std::string());

        // The baseline the strategy left "to be established" has no value.
        const auto repeatAsb = std::find_if(rows.begin(), rows.end(),
                                            [](const Baseline &b) { return b.measure == "Repeat victimisation: ASB"; });
        QVERIFY(repeatAsb != rows.end());
        QCOMPARE(repeatAsb->priority, 7);
        QVERIFY(!repeatAsb->value.has_value());
        QCOMPARE(repeatAsb->note, std::string("to be established 2011/12"));

        const auto youth = std::find_if(rows.begin(), rows.end(),
                                        [](const Baseline &b) { return b.measure == "Repeat youth offending"; });
        QVERIFY(youth != rows.end());
        QCOMPARE(youth->value, std::optional<double>(0.8));
        QCOMPARE(youth->unit, std::string("re-offences per 100 young people after 12 months"));

        QCOMPARE(rows.back().direction, std::string("see note"));
        QCOMPARE(rows.back().note, std::string("listed twice in the strategy with 88% and 25%"));
    }

    void acceptsRfc4180Details()
    {
        // CRLF line ends, a doubled quote, a line break inside quotes, a
        // byte-order mark, a quoted empty value and no final newline.
        const std::string text = "\xEF\xBB\xBF" "priority,measure,baseline_2010_11,unit,direction,note\r\n"
                                 "1,\"Said \"\"no\"\" to ASB\",12.5,percent,reduce,\"two\nlines\"\r\n"
                                 "\r\n"
                                 "2,Other,\"\",count,increase,";
        const auto parsed = parseBaselinesCsv(text);
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().message.c_str());
        QCOMPARE(parsed->size(), std::size_t{2});
        QCOMPARE(parsed->at(0).measure, std::string("Said \"no\" to ASB"));
        QCOMPARE(parsed->at(0).value, std::optional<double>(12.5));
        QCOMPARE(parsed->at(0).note, std::string("two\nlines"));
        QCOMPARE(parsed->at(1).priority, 2);
        QVERIFY(!parsed->at(1).value.has_value());
        QCOMPARE(parsed->at(1).note, std::string());
    }

    void headerOnlyIsAnEmptyList()
    {
        const auto parsed = parseBaselinesCsv(kHeader);
        QVERIFY(parsed.ok());
        QVERIFY(parsed->empty());
    }

    void refusesBadInput_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("mentions");
        const QByteArray header = QByteArray::fromStdString(kHeader);
        QTest::newRow("empty") << QByteArray() << "header";
        QTest::newRow("wrong header") << QByteArray("priority,measure,value,unit,direction,note\n1,A,1,x,reduce,\n")
                                      << "header";
        QTest::newRow("header with extra column")
            << QByteArray("priority,measure,baseline_2010_11,unit,direction,note,extra\n") << "header";
        QTest::newRow("unquoted comma") << header + "2,ASB: vandalism, graffiti,19,percent,reduce,\n" << "line 2";
        QTest::newRow("too few fields") << header + "1,Total crime,27705,offences\n" << "4 fields";
        QTest::newRow("unterminated quote") << header + "1,\"Total crime,27705,offences,reduce,\n" << "never closed";
        QTest::newRow("text after closing quote") << header + "1,\"Total\" crime,27705,offences,reduce,\n"
                                                  << "closing quote";
        QTest::newRow("stray quote") << header + "1,Total \"crime\",27705,offences,reduce,\n" << "quote";
        QTest::newRow("priority not a number") << header + "one,Total crime,27705,offences,reduce,\n" << "priority";
        QTest::newRow("priority zero") << header + "0,Total crime,27705,offences,reduce,\n" << "priority";
        QTest::newRow("priority negative") << header + "-1,Total crime,27705,offences,reduce,\n" << "priority";
        QTest::newRow("priority fraction") << header + "1.5,Total crime,27705,offences,reduce,\n" << "priority";
        QTest::newRow("priority empty") << header + ",Total crime,27705,offences,reduce,\n" << "priority";
        QTest::newRow("value words") << header + "1,Total crime,lots,offences,reduce,\n" << "not a number";
        QTest::newRow("value with unit") << header + "1,Total crime,24%,percent,reduce,\n" << "not a number";
        QTest::newRow("value nan") << header + "1,Total crime,nan,offences,reduce,\n" << "not a number";
        QTest::newRow("value inf") << header + "1,Total crime,inf,offences,reduce,\n" << "not a number";
        QTest::newRow("value overflows") << header + "1,Total crime,1e999,offences,reduce,\n" << "not a number";
        QTest::newRow("empty measure") << header + "1,,27705,offences,reduce,\n" << "measure";
        QTest::newRow("control character") << header + "1,Total\x01 crime,27705,offences,reduce,\n" << "measure";
        QTest::newRow("invalid UTF-8") << header + "1,Total \xC3\x28 crime,27705,offences,reduce,\n" << "UTF-8";
        QTest::newRow("oversized note") << header + "1,Total crime,27705,offences,reduce," + QByteArray(300, 'x') + "\n"
                                        << "note";
        QTest::newRow("lone carriage return") << header + "1,Total crime,27705,offences,reduce,\r2,A,1,x,y,\n"
                                              << "carriage return";
    }
    void refusesBadInput()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, mentions);
        const auto parsed = parseBaselinesCsv(std::string_view(text.constData(), static_cast<std::size_t>(text.size())));
        QVERIFY(!parsed.ok());
        QCOMPARE(parsed.error().code, ErrorCode::InvalidInput);
        QVERIFY2(QString::fromStdString(parsed.error().message).contains(mentions), parsed.error().message.c_str());
    }
};

QTEST_GUILESS_MAIN(TestBaseline)
#include "tst_baseline.moc"
