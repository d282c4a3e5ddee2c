#include "domain/addressrange.h"

#include <QTest>

#include <string>

using namespace beatbook;

Q_DECLARE_METATYPE(std::string)

class TestAddressRange : public QObject {
    Q_OBJECT
private slots:
    void parsesForms_data()
    {
        QTest::addColumn<std::string>("text");
        QTest::addColumn<std::string>("street");
        QTest::addColumn<int>("from");
        QTest::addColumn<int>("to");
        QTest::addColumn<int>("parity");
        const int all = static_cast<int>(Parity::All);
        const int odd = static_cast<int>(Parity::Odd);
        const int even = static_cast<int>(Parity::Even);
        QTest::newRow("comma even") << std::string("Acacia Avenue 2-40, even") << std::string("Acacia Avenue") << 2 << 40 << even;
        QTest::newRow("en dash") << std::string("Acacia Avenue 2\u201340 even") << std::string("Acacia Avenue") << 2 << 40 << even;
        QTest::newRow("em dash, spaced") << std::string("Acacia Avenue 2 \u2014 40 even") << std::string("Acacia Avenue") << 2 << 40 << even;
        QTest::newRow("odd") << std::string("Acacia Avenue 1-15 odd") << std::string("Acacia Avenue") << 1 << 15 << odd;
        QTest::newRow("plural, capitals") << std::string("Acacia Avenue 1-15 ODDS") << std::string("Acacia Avenue") << 1 << 15 << odd;
        QTest::newRow("comma without space") << std::string("Acacia Avenue 2-40,even") << std::string("Acacia Avenue") << 2 << 40 << even;
        QTest::newRow("all numbers") << std::string("High Street 3-9") << std::string("High Street") << 3 << 9 << all;
        QTest::newRow("explicit all") << std::string("High Street 3-9, all") << std::string("High Street") << 3 << 9 << all;
        QTest::newRow("single") << std::string("Mill Lane 12") << std::string("Mill Lane") << 12 << 12 << all;
        QTest::newRow("single even") << std::string("Mill Lane 12 even") << std::string("Mill Lane") << 12 << 12 << even;
        QTest::newRow("extra spaces") << std::string("  Mill   Lane  12  ") << std::string("Mill Lane") << 12 << 12 << all;
        QTest::newRow("comma before numbers") << std::string("Mill Lane, 4-8") << std::string("Mill Lane") << 4 << 8 << all;
        QTest::newRow("street with digit") << std::string("5th Avenue 2-6") << std::string("5th Avenue") << 2 << 6 << all;
        QTest::newRow("street named Odd") << std::string("Odd Lane 3") << std::string("Odd Lane") << 3 << 3 << all;
        QTest::newRow("non-ASCII street") << std::string("Rue de l'\u00C9glise 1-3") << std::string("Rue de l'\u00C9glise") << 1 << 3 << all;
        QTest::newRow("trailing comma") << std::string("High Street 3-9,") << std::string("High Street") << 3 << 9 << all;
    }
    void parsesForms()
    {
        QFETCH(std::string, text);
        QFETCH(std::string, street);
        QFETCH(int, from);
        QFETCH(int, to);
        QFETCH(int, parity);
        const auto parsed = parseAddressRange(text);
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().message.c_str());
        QCOMPARE(parsed->street, street);
        QCOMPARE(parsed->from, from);
        QCOMPARE(parsed->to, to);
        QCOMPARE(static_cast<int>(parsed->parity), parity);
    }

    void refusesBadText_data()
    {
        QTest::addColumn<std::string>("text");
        QTest::addColumn<std::string>("messagePart");
        QTest::newRow("reversed") << std::string("Acacia Avenue 40-2") << std::string("backwards");
        QTest::newRow("even with odd ends") << std::string("High Street 3-9, even") << std::string("3 and 9 are odd");
        QTest::newRow("odd with one even end") << std::string("High Street 3-10 odd") << std::string("10 is even");
        QTest::newRow("single odd marked even") << std::string("Mill Lane 13 even") << std::string("13 is odd");
        QTest::newRow("too many") << std::string("Acacia Avenue 2-4000") << std::string("at most 200");
        QTest::newRow("too many even") << std::string("Acacia Avenue 2-402, even") << std::string("201 addresses");
        QTest::newRow("house number too large") << std::string("Acacia Avenue 12345") << std::string("larger than 9999");
        QTest::newRow("far too many digits") << std::string("Acacia Avenue 99999999999999999999") << std::string("too large");
        QTest::newRow("zero") << std::string("Mill Lane 0") << std::string("start at 1");
        QTest::newRow("empty") << std::string("") << std::string("empty");
        QTest::newRow("only spaces") << std::string("   ,  ") << std::string("empty");
        QTest::newRow("no street") << std::string("2-40, even") << std::string("no street");
        QTest::newRow("punctuation street") << std::string("-- 4") << std::string("dash but no house number");
        QTest::newRow("no street, comma") << std::string(", 4") << std::string("no street");
        QTest::newRow("no number") << std::string("Acacia Avenue") << std::string("does not end with a house number");
        QTest::newRow("parity only") << std::string("Acacia Avenue even") << std::string("does not end with a house number");
        QTest::newRow("letter suffix") << std::string("Mill Lane 12a") << std::string("with a letter");
        QTest::newRow("dash without start") << std::string("Mill Lane -12") << std::string("dash but no house number");
        QTest::newRow("two numbers no dash") << std::string("Acacia Avenue 2 40") << std::string("without a dash");
        QTest::newRow("glued") << std::string("Acacia Avenue12") << std::string("put a space");
        QTest::newRow("invalid UTF-8") << std::string("Acacia \xC3\x28venue 2-4") << std::string("UTF-8");
        QTest::newRow("tab") << std::string("Mill Lane\t12") << std::string("control character");
        QTest::newRow("control character") << std::string("Acacia\x01 Avenue 2-4") << std::string("control character");
        QTest::newRow("oversized") << std::string(300, 'A') + " 2-4" << std::string("too long");
    }
    void refusesBadText()
    {
        QFETCH(std::string, text);
        QFETCH(std::string, messagePart);
        const auto parsed = parseAddressRange(text);
        QVERIFY(!parsed.ok());
        QVERIFY(parsed.error().code == ErrorCode::InvalidInput);
        QVERIFY2(parsed.error().message.find(messagePart) != std::string::npos, parsed.error().message.c_str());
    }

    void parityMessageSuggestsAFix()
    {
        const auto parsed = parseAddressRange("High Street 3-9, even");
        QVERIFY(!parsed.ok());
        QVERIFY2(parsed.error().message.find("(4-8)") != std::string::npos, parsed.error().message.c_str());
    }

    void limitIsConfigurable()
    {
        AddressRangeSettings settings;
        settings.maxAddresses = 5;
        QVERIFY(parseAddressRange("High Street 1-5", settings).ok());
        QVERIFY(!parseAddressRange("High Street 1-6", settings).ok());
        QVERIFY(parseAddressRange("High Street 1-9 odd", settings).ok());
        QVERIFY(!parseAddressRange("High Street 1-11 odd", settings).ok());
        settings.maxAddresses = 1000;
        QVERIFY(parseAddressRange("Acacia Avenue 2-1000, even", settings).ok());
        settings.maxAddresses = 0;
        QVERIFY(!parseAddressRange("Mill Lane 1", settings).ok());
    }

    void expandsHouseNumbers()
    {
        using Numbers = std::vector<std::string>;
        QCOMPARE(houseNumbers({"Acacia Avenue", 2, 10, Parity::Even}), (Numbers{"2", "4", "6", "8", "10"}));
        QCOMPARE(houseNumbers({"Acacia Avenue", 1, 7, Parity::Odd}), (Numbers{"1", "3", "5", "7"}));
        QCOMPARE(houseNumbers({"High Street", 3, 6, Parity::All}), (Numbers{"3", "4", "5", "6"}));
        QCOMPARE(houseNumbers({"Mill Lane", 12, 12, Parity::All}), (Numbers{"12"}));
        const auto full = houseNumbers(*parseAddressRange("Acacia Avenue 2-400, even"));
        QCOMPARE(full.size(), std::size_t(200));
        QCOMPARE(full.back(), std::string("400"));
    }

    void expandsNothingForInvalidRanges()
    {
        QVERIFY(houseNumbers({"High Street", 9, 3, Parity::All}).empty());
        QVERIFY(houseNumbers({"High Street", 3, 9, Parity::Even}).empty());
        QVERIFY(houseNumbers({"", 1, 3, Parity::All}).empty());
        // Would be two billion strings if it were expanded.
        QVERIFY(houseNumbers({"High Street", 1, 2000000000, Parity::All}).empty());
        QVERIFY(houseNumbers({"High Street", 1, 3, static_cast<Parity>(7)}).empty());
    }

    void countsAddresses()
    {
        QCOMPARE(addressCount({"A Street", 2, 40, Parity::Even}), 20);
        QCOMPARE(addressCount({"A Street", 1, 15, Parity::Odd}), 8);
        QCOMPARE(addressCount({"A Street", 3, 9, Parity::All}), 7);
        QCOMPARE(addressCount({"A Street", 9, 3, Parity::All}), 0);
    }

    void formatsAndRoundTrips()
    {
        QCOMPARE(formatAddressRange({"Acacia Avenue", 2, 40, Parity::Even}), std::string("Acacia Avenue 2-40, even"));
        QCOMPARE(formatAddressRange({"High Street", 3, 9, Parity::All}), std::string("High Street 3-9"));
        QCOMPARE(formatAddressRange({"Mill Lane", 12, 12, Parity::All}), std::string("Mill Lane 12"));
        for (const char *text : {"Acacia Avenue 2\u201340 even", "Acacia Avenue 1-15 odd", "High Street 3-9",
                                 "Mill Lane 12", "Mill Lane 12 even"}) {
            const auto first = parseAddressRange(text);
            QVERIFY2(first.ok(), text);
            const auto again = parseAddressRange(formatAddressRange(*first));
            QVERIFY2(again.ok(), text);
            QCOMPARE(again->street, first->street);
            QCOMPARE(again->from, first->from);
            QCOMPARE(again->to, first->to);
            QVERIFY(again->parity == first->parity);
        }
    }

    void parityNames()
    {
        QCOMPARE(toString(Parity::Even), std::string_view("even"));
        QVERIFY(enumFromString<Parity>("odd") == std::optional<Parity>(Parity::Odd));
        QVERIFY(!enumFromString<Parity>("evens").has_value());
    }
};

QTEST_GUILESS_MAIN(TestAddressRange)
#include "tst_addressrange.moc"
