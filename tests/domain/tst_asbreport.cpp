#include "core/text.h"
#include "domain/asbreport.h"

#include <QTest>

#include <limits>
#include <string>

using namespace beatbook;

// Enum values are compared with QVERIFY(a == b): QCOMPARE on a beatbook enum is
// ambiguous between QTest::toString and beatbook::toString (found by ADL).

namespace {

constexpr TimestampMs kNow = 1795554900000LL; // 2026-11-24T21:15:00Z
constexpr TimestampMs kMinute = 60 * 1000;
constexpr TimestampMs kDay = 24 * 60 * kMinute;
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

NewAsbReport validReport()
{
    NewAsbReport r;
    r.type = AsbType::RowdyInconsiderate;
    r.qualifier = AsbQualifier::Personal;
    r.occurredAt = kNow - 30 * kMinute;
    r.lat = 51.58951; // Hendon
    r.lon = -0.22356;
    r.accuracyM = 12.5;
    r.addressText = "12 Acacia Avenue, NW4";
    r.description = "Group of teenagers kicking a ball against the door.\nThird evening this week.";
    r.reporter = PersonDetails{"Pat Reporter", "07700 900123"};
    r.victim = PersonDetails{"Jane Doe", "jane@example.org"};
    return r;
}

std::string bytes(const QByteArray &a) { return std::string(a.constData(), static_cast<std::size_t>(a.size())); }

} // namespace

class TestAsbReport : public QObject {
    Q_OBJECT
private slots:
    void rolesThatMayLog_data()
    {
        QTest::addColumn<int>("role");
        QTest::addColumn<bool>("allowed");
        QTest::newRow("champion") << int(Role::Champion) << true;
        QTest::newRow("pcso") << int(Role::Pcso) << true;
        QTest::newRow("officer") << int(Role::Officer) << true;
        QTest::newRow("supervisor") << int(Role::Supervisor) << true;
        QTest::newRow("council_asb") << int(Role::CouncilAsb) << true;
        QTest::newRow("fire_hfsv") << int(Role::FireHfsv) << false;
        QTest::newRow("analyst") << int(Role::Analyst) << false;
        QTest::newRow("admin") << int(Role::Admin) << false;
    }
    void rolesThatMayLog()
    {
        QFETCH(int, role);
        QFETCH(bool, allowed);
        const auto status = validateNewAsbReport(validReport(), static_cast<Role>(role), kNow);
        QCOMPARE(status.ok(), allowed);
        if (!allowed) {
            QVERIFY(status.error().code == ErrorCode::NotAllowed);
            QVERIFY2(status.error().message.find(toString(static_cast<Role>(role))) != std::string::npos,
                     status.error().message.c_str());
        }
    }

    void acceptsValidReports_data()
    {
        QTest::addColumn<int>("which");
        QTest::newRow("full report") << 0;
        QTest::newRow("no people, no address") << 1;
        QTest::newRow("north pole") << 2;
        QTest::newRow("south-west corner") << 3;
        QTest::newRow("antimeridian east") << 4;
        QTest::newRow("zero accuracy") << 5;
        QTest::newRow("accuracy at the limit") << 6;
        QTest::newRow("five minutes ahead") << 7;
        QTest::newRow("at the age limit") << 8;
        QTest::newRow("address at 200 bytes") << 9;
        QTest::newRow("description at 10000 bytes") << 10;
        QTest::newRow("non-ASCII text") << 11;
        QTest::newRow("victim without contact") << 12;
        QTest::newRow("SQL metacharacters") << 13;
        QTest::newRow("hate flag") << 14;
        QTest::newRow("every type and qualifier") << 15;
        QTest::newRow("no accuracy") << 16;
        QTest::newRow("description with tabs and CRLF") << 17;
    }
    void acceptsValidReports()
    {
        QFETCH(int, which);
        NewAsbReport r = validReport();
        switch (which) {
        case 1:
            r.reporter.reset();
            r.victim.reset();
            r.addressText.clear();
            r.description.clear();
            break;
        case 2:
            r.lat = 90;
            r.lon = 180;
            break;
        case 3:
            r.lat = -90;
            r.lon = -180;
            break;
        case 4:
            r.lon = 180;
            break;
        case 5:
            r.accuracyM = 0.0;
            break;
        case 6:
            r.accuracyM = 10000.0;
            break;
        case 7:
            r.occurredAt = kNow + 5 * kMinute;
            break;
        case 8:
            r.occurredAt = kNow - AsbReportSettings{}.maxAgeMs;
            break;
        case 9:
            r.addressText = std::string(kMaxShortText, 'a');
            break;
        case 10:
            r.description = std::string(kMaxLongText, 'x');
            break;
        case 11:
            r.addressText = "Flat 3, Gruffydd Court, Hendon";
            r.victim = PersonDetails{"Zo\xc3\xab \xc3\x93 S\xc3\xbailleabh\xc3\xa1in", ""};
            r.description = "Graffiti: \xe2\x80\x9cwe see you\xe2\x80\x9d \xf0\x9f\x98\xa0";
            break;
        case 12:
            r.victim = PersonDetails{"Jane Doe", ""};
            break;
        case 13:
            r.addressText = "'; DROP TABLE asb_reports; --";
            r.description = "Robert'); DROP TABLE people;-- \" OR 1=1";
            r.victim = PersonDetails{"O'Brien", "x' OR '1'='1"};
            break;
        case 14:
            r.hate = true;
            break;
        case 15:
            for (std::size_t t = 0; t < enumCount<AsbType>(); ++t)
                for (std::size_t q = 0; q < enumCount<AsbQualifier>(); ++q) {
                    r.type = static_cast<AsbType>(t);
                    r.qualifier = static_cast<AsbQualifier>(q);
                    QVERIFY(validateNewAsbReport(r, Role::Pcso, kNow).ok());
                }
            break;
        case 16:
            r.accuracyM.reset();
            break;
        case 17:
            r.description = "line one\r\nline two\tcolumn";
            break;
        default:
            break;
        }
        const auto status = validateNewAsbReport(r, Role::Pcso, kNow);
        QVERIFY2(status.ok(), status.ok() ? "" : status.error().message.c_str());
    }

    void refusesBadReports_data()
    {
        QTest::addColumn<int>("which");
        QTest::addColumn<QString>("mentions"); // a word the message must contain
        QTest::newRow("latitude 90.0001") << 0 << "latitude";
        QTest::newRow("latitude -91") << 1 << "latitude";
        QTest::newRow("longitude 180.5") << 2 << "longitude";
        QTest::newRow("longitude -181") << 3 << "longitude";
        QTest::newRow("latitude NaN") << 4 << "latitude";
        QTest::newRow("longitude NaN") << 5 << "longitude";
        QTest::newRow("latitude +inf") << 6 << "latitude";
        QTest::newRow("longitude -inf") << 7 << "longitude";
        QTest::newRow("accuracy NaN") << 8 << "accuracy";
        QTest::newRow("accuracy negative") << 9 << "accuracy";
        QTest::newRow("accuracy infinite") << 10 << "accuracy";
        QTest::newRow("accuracy too large") << 11 << "accuracy";
        QTest::newRow("future beyond the skew") << 12 << "future";
        QTest::newRow("a day in the future") << 13 << "future";
        QTest::newRow("older than five years") << 14 << "five years";
        QTest::newRow("address 201 bytes") << 15 << "address";
        QTest::newRow("address invalid UTF-8") << 16 << "address";
        QTest::newRow("address with newline") << 17 << "address";
        QTest::newRow("description 10001 bytes") << 18 << "description";
        QTest::newRow("description invalid UTF-8") << 19 << "description";
        QTest::newRow("description with escape") << 20 << "description";
        QTest::newRow("victim name empty") << 21 << "victim name";
        QTest::newRow("victim name only spaces") << 22 << "victim name";
        QTest::newRow("victim name invalid UTF-8") << 23 << "victim name";
        QTest::newRow("victim name too long") << 24 << "victim name";
        QTest::newRow("victim contact invalid UTF-8") << 25 << "victim contact";
        QTest::newRow("reporter name empty") << 26 << "reporter name";
        QTest::newRow("reporter name invalid UTF-8") << 27 << "reporter name";
        QTest::newRow("reporter contact with NUL") << 28 << "reporter contact";
        QTest::newRow("type out of range") << 29 << "type";
        QTest::newRow("qualifier out of range") << 30 << "qualifier";
        QTest::newRow("description overlong encoding") << 31 << "description";
        QTest::newRow("address surrogate") << 32 << "address";
    }
    void refusesBadReports()
    {
        QFETCH(int, which);
        QFETCH(QString, mentions);
        NewAsbReport r = validReport();
        switch (which) {
        case 0: r.lat = 90.0001; break;
        case 1: r.lat = -91; break;
        case 2: r.lon = 180.5; break;
        case 3: r.lon = -181; break;
        case 4: r.lat = kNaN; break;
        case 5: r.lon = kNaN; break;
        case 6: r.lat = kInf; break;
        case 7: r.lon = -kInf; break;
        case 8: r.accuracyM = kNaN; break;
        case 9: r.accuracyM = -1.0; break;
        case 10: r.accuracyM = kInf; break;
        case 11: r.accuracyM = 10000.5; break;
        case 12: r.occurredAt = kNow + 5 * kMinute + 1; break;
        case 13: r.occurredAt = kNow + kDay; break;
        case 14: r.occurredAt = kNow - AsbReportSettings{}.maxAgeMs - 1; break;
        case 15: r.addressText = std::string(kMaxShortText + 1, 'a'); break;
        case 16: r.addressText = bytes("12 Acacia \xff" "Avenue"); break;
        case 17: r.addressText = "12 Acacia Avenue\nNW4"; break;
        case 18: r.description = std::string(kMaxLongText + 1, 'x'); break;
        case 19: r.description = bytes("caf\xe9"); break;
        case 20: r.description = "\x1b[2J cleared"; break;
        case 21: r.victim = PersonDetails{"", "07700 900123"}; break;
        case 22: r.victim = PersonDetails{"  \t ", ""}; break;
        case 23: r.victim = PersonDetails{bytes("Jane \xc0\xaf"), ""}; break;
        case 24: r.victim = PersonDetails{std::string(kMaxShortText + 1, 'J'), ""}; break;
        case 25: r.victim = PersonDetails{"Jane Doe", bytes("07700\xfe")}; break;
        case 26: r.reporter = PersonDetails{"", "07700 900123"}; break;
        case 27: r.reporter = PersonDetails{bytes("Pat \xed\xa0\x80"), ""}; break;
        case 28: r.reporter = PersonDetails{"Pat", std::string("077\0" "00", 6)}; break;
        case 29: r.type = static_cast<AsbType>(enumCount<AsbType>()); break;
        case 30: r.qualifier = static_cast<AsbQualifier>(enumCount<AsbQualifier>()); break;
        case 31: r.description = bytes("\xe0\x80\xaf"); break;
        case 32: r.addressText = bytes("\xed\xbf\xbf"); break;
        default: break;
        }
        const auto status = validateNewAsbReport(r, Role::Pcso, kNow);
        QVERIFY(!status.ok());
        QVERIFY(status.error().code == ErrorCode::InvalidInput);
        const std::string &message = status.error().message;
        QVERIFY2(message.find(mentions.toStdString()) != std::string::npos, message.c_str());
        QVERIFY2(message.find('\n') == std::string::npos, message.c_str());
    }

    void settingsAreConfigurable()
    {
        AsbReportSettings strict;
        strict.maxFutureSkewMs = 0;
        strict.maxAgeMs = 30 * kDay;
        strict.maxAccuracyM = 50;
        NewAsbReport r = validReport();
        r.occurredAt = kNow;
        QVERIFY(validateNewAsbReport(r, Role::Pcso, kNow, strict).ok());
        r.occurredAt = kNow + 1;
        QVERIFY(!validateNewAsbReport(r, Role::Pcso, kNow, strict).ok());
        r.occurredAt = kNow - 30 * kDay;
        QVERIFY(validateNewAsbReport(r, Role::Pcso, kNow, strict).ok());
        r.occurredAt = kNow - 31 * kDay;
        QVERIFY(!validateNewAsbReport(r, Role::Pcso, kNow, strict).ok());
        r.occurredAt = kNow;
        r.accuracyM = 50.0;
        QVERIFY(validateNewAsbReport(r, Role::Pcso, kNow, strict).ok());
        r.accuracyM = 51.0;
        const auto refused = validateNewAsbReport(r, Role::Pcso, kNow, strict);
        QVERIFY(!refused.ok());
        QVERIFY2(refused.error().message.find("50") != std::string::npos, refused.error().message.c_str());
        // The defaults are the documented ones.
        QCOMPARE(AsbReportSettings{}.maxFutureSkewMs, 5 * kMinute);
        QCOMPARE(AsbReportSettings{}.maxAccuracyM, 10000.0);
    }

    void roleIsCheckedBeforeContent()
    {
        // A role that may not log learns that, not what is wrong with the text.
        NewAsbReport r = validReport();
        r.lat = kNaN;
        const auto status = validateNewAsbReport(r, Role::Analyst, kNow);
        QVERIFY(!status.ok());
        QVERIFY(status.error().code == ErrorCode::NotAllowed);
    }
};

QTEST_GUILESS_MAIN(TestAsbReport)
#include "tst_asbreport.moc"
