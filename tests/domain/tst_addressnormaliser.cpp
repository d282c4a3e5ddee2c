#include "domain/addressnormaliser.h"

#include <QTest>

#include <string>

using namespace beatbook;

namespace {

std::string bytes(const QByteArray &a) { return std::string(a.constData(), static_cast<std::size_t>(a.size())); }

} // namespace

class TestAddressNormaliser : public QObject {
    Q_OBJECT
private slots:
    void normalises_data()
    {
        QTest::addColumn<QByteArray>("address");
        QTest::addColumn<QByteArray>("key");
        QTest::newRow("empty") << QByteArray("") << QByteArray("");
        QTest::newRow("punctuation only") << QByteArray(" ,.- ") << QByteArray("");
        QTest::newRow("brief example") << QByteArray("12 Acacia Ave") << QByteArray("12 acacia avenue");
        QTest::newRow("already full") << QByteArray("12 acacia avenue") << QByteArray("12 acacia avenue");
        QTest::newRow("header example") << QByteArray("12a Acacia Ave.") << QByteArray("12a acacia avenue");
        QTest::newRow("header example 2") << QByteArray("12A acacia avenue") << QByteArray("12a acacia avenue");
        QTest::newRow("spacing and case") << QByteArray("  12   ACACIA   AVENUE ") << QByteArray("12 acacia avenue");
        QTest::newRow("commas") << QByteArray("Flat 3, 14 Hale Ln, Edgware")
                                << QByteArray("flat 3 14 hale lane edgware");
        QTest::newRow("street at the end") << QByteArray("14 High St") << QByteArray("14 high street");
        QTest::newRow("saint before a name") << QByteArray("2 St Albans Rd") << QByteArray("2 st albans road");
        QTest::newRow("saint and street") << QByteArray("1 St Mary's St") << QByteArray("1 st mary s street");
        QTest::newRow("abbreviation inside a word") << QByteArray("3 Stave Rdg") << QByteArray("3 stave rdg");
        QTest::newRow("non-ASCII kept") << QByteArray("5 Caf\xc3\xa9 Sq") << QByteArray("5 caf\xc3\xa9 square");
        QTest::newRow("sql") << QByteArray("'; DROP TABLE asb_reports; --")
                             << QByteArray("drop table asb reports");
    }
    void normalises()
    {
        QFETCH(QByteArray, address);
        QFETCH(QByteArray, key);
        QCOMPARE(normaliseAddress(bytes(address)), bytes(key));
        // A key normalises to itself, so stored keys can be recomputed safely.
        QCOMPARE(normaliseAddress(normaliseAddress(bytes(address))), bytes(key));
    }

    void everyStreetTypeAbbreviation_data()
    {
        QTest::addColumn<QString>("abbreviation");
        QTest::addColumn<QString>("full");
        QTest::newRow("rd") << "Rd" << "road";
        QTest::newRow("ave") << "Ave" << "avenue";
        QTest::newRow("av") << "Av" << "avenue";
        QTest::newRow("st") << "St" << "street";
        QTest::newRow("ln") << "Ln" << "lane";
        QTest::newRow("cl") << "Cl" << "close";
        QTest::newRow("dr") << "Dr" << "drive";
        QTest::newRow("gdns") << "Gdns" << "gardens";
        QTest::newRow("ct") << "Ct" << "court";
        QTest::newRow("cres") << "Cres" << "crescent";
        QTest::newRow("pl") << "Pl" << "place";
        QTest::newRow("sq") << "Sq" << "square";
        QTest::newRow("tce") << "Tce" << "terrace";
        QTest::newRow("gr") << "Gr" << "grove";
        QTest::newRow("pk") << "Pk" << "park";
        QTest::newRow("hse") << "Hse" << "house";
        QTest::newRow("mans") << "Mans" << "mansions";
    }
    void everyStreetTypeAbbreviation()
    {
        QFETCH(QString, abbreviation);
        QFETCH(QString, full);
        const std::string expected = "7 elm " + full.toStdString();
        QCOMPARE(normaliseAddress("7 Elm " + abbreviation.toStdString()), expected);
        QCOMPARE(normaliseAddress("7 Elm " + abbreviation.toStdString() + "."), expected);
        QCOMPARE(normaliseAddress("7 ELM " + full.toUpper().toStdString()), expected);
    }

    void differentAddressesStayApart()
    {
        QVERIFY(normaliseAddress("12 Acacia Avenue") != normaliseAddress("14 Acacia Avenue"));
        QVERIFY(normaliseAddress("12 Acacia Avenue") != normaliseAddress("12 Acacia Road"));
        QVERIFY(normaliseAddress("12a Acacia Avenue") != normaliseAddress("12 Acacia Avenue"));
        QVERIFY(normaliseAddress("1 St Albans Road") != normaliseAddress("1 Street Albans Road"));
    }

    void streetFollowedByTownOrPostcode()
    {
        // People add the town or postcode after the street. "St" there is a
        // street, not a saint, so both spellings must give one key.
        QCOMPARE(normaliseAddress("14 High St, Barnet"), normaliseAddress("14 High Street, Barnet"));
        QCOMPARE(normaliseAddress("14 High St NW4 2AB"), normaliseAddress("14 High Street NW4 2AB"));
        // Other abbreviations are expanded wherever they stand.
        QCOMPARE(normaliseAddress("12 Acacia Ave, Barnet"), normaliseAddress("12 Acacia Avenue, Barnet"));
    }
};

QTEST_GUILESS_MAIN(TestAddressNormaliser)
#include "tst_addressnormaliser.moc"
