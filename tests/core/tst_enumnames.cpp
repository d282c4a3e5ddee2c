#include "core/enumnames.h"
#include "domain/names.h"

#include <QTest>

#include <set>
#include <string>
#include <vector>

using namespace beatbook;

// Enum values are compared with QVERIFY(a == b): QCOMPARE on a beatbook enum is
// ambiguous between QTest::toString and beatbook::toString (found by ADL).

// The names are usable at compile time.
static_assert(enumFromString<AsbStatus>("closed") == AsbStatus::Closed);
static_assert(!enumFromString<AsbStatus>("Closed"));
static_assert(toString(Role::CouncilAsb) == "council_asb");
static_assert(enumCount<AsbType>() == 21);

namespace {

// domain.md, "Names used everywhere", in its order.
const std::vector<std::string> kAsbTypes{
    "rowdy_inconsiderate", "nuisance_neighbours", "noise", "littering", "fly_posting", "fly_tipping",
    "street_drinking", "vehicle_abandoned", "vehicle_nuisance", "criminal_damage", "graffiti", "arson",
    "drugs", "animal_problems", "trespass", "malicious_communications", "prostitution_related",
    "begging_vagrancy", "fireworks", "hoax_calls", "other"};
const std::vector<std::string> kQualifiers{"personal", "nuisance", "environmental"};
const std::vector<std::string> kStatuses{"draft", "submitted", "triaged", "assigned", "in_action",
                                         "resolved", "reporter_informed", "closed", "redirected", "not_asb"};
const std::vector<std::string> kRoles{"champion", "pcso", "officer", "supervisor",
                                      "council_asb", "fire_hfsv", "analyst", "admin"};
const std::vector<std::string> kRoutes{"hfsv", "adult_social_care", "domestic_abuse", "family_support",
                                       "victim_support", "hoarding", "housing"};

bool isSnakeCase(std::string_view name)
{
    if (name.empty() || name.front() == '_' || name.back() == '_')
        return false;
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || c == '_'))
            return false;
    return name.find("__") == std::string_view::npos;
}

// Every value round trips through its name, the names are the documented
// ones in order, distinct and snake_case. Returns an empty string when all is
// well, else what is wrong.
template <typename E>
std::string checkRoundTrips(const std::vector<std::string> &expected)
{
    if (enumCount<E>() != expected.size())
        return "count " + std::to_string(enumCount<E>()) + ", expected " + std::to_string(expected.size());
    std::set<std::string_view> seen;
    for (std::size_t i = 0; i < enumCount<E>(); ++i) {
        const E value = static_cast<E>(i);
        const std::string_view name = toString(value);
        if (name != expected[i])
            return "value " + std::to_string(i) + " is '" + std::string(name) + "', expected '" + expected[i] + "'";
        if (!isSnakeCase(name))
            return "'" + std::string(name) + "' is not snake_case";
        if (!seen.insert(name).second)
            return "'" + std::string(name) + "' appears twice";
        const auto back = enumFromString<E>(name);
        if (!back || *back != value)
            return "'" + std::string(name) + "' does not read back";
        const auto parsed = parseEnum<E>("field", name);
        if (!parsed.ok() || *parsed != value)
            return "'" + std::string(name) + "' does not parse";
    }
    return {};
}

std::string expectedList(const std::vector<std::string> &names)
{
    std::string out;
    for (const auto &n : names)
        out += (out.empty() ? "" : ", ") + n;
    return out;
}

} // namespace

class TestEnumNames : public QObject {
    Q_OBJECT
private slots:
    void roundTripsEveryEnum()
    {
        std::string problem = checkRoundTrips<AsbType>(kAsbTypes);
        QVERIFY2(problem.empty(), ("AsbType: " + problem).c_str());
        problem = checkRoundTrips<AsbQualifier>(kQualifiers);
        QVERIFY2(problem.empty(), ("AsbQualifier: " + problem).c_str());
        problem = checkRoundTrips<AsbStatus>(kStatuses);
        QVERIFY2(problem.empty(), ("AsbStatus: " + problem).c_str());
        problem = checkRoundTrips<Role>(kRoles);
        QVERIFY2(problem.empty(), ("Role: " + problem).c_str());
        problem = checkRoundTrips<ReferralRoute>(kRoutes);
        QVERIFY2(problem.empty(), ("ReferralRoute: " + problem).c_str());
    }

    void allNamesListsEveryName()
    {
        QCOMPARE(allNames<AsbQualifier>(), std::string("personal, nuisance, environmental"));
        QCOMPARE(allNames<AsbType>(), expectedList(kAsbTypes));
        QCOMPARE(allNames<AsbStatus>(), expectedList(kStatuses));
        QCOMPARE(allNames<Role>(), expectedList(kRoles));
        QCOMPARE(allNames<ReferralRoute>(), expectedList(kRoutes));
    }

    void spotValues()
    {
        QVERIFY(enumFromString<AsbType>("fly_tipping") == AsbType::FlyTipping);
        QVERIFY(enumFromString<AsbType>("other") == AsbType::Other);
        QVERIFY(enumFromString<AsbStatus>("not_asb") == AsbStatus::NotAsb);
        QVERIFY(enumFromString<AsbStatus>("reporter_informed") == AsbStatus::ReporterInformed);
        QVERIFY(enumFromString<Role>("fire_hfsv") == Role::FireHfsv);
        QVERIFY(enumFromString<ReferralRoute>("adult_social_care") == ReferralRoute::AdultSocialCare);
        QCOMPARE(toString(AsbQualifier::Environmental), std::string_view("environmental"));
        QCOMPARE(toString(AsbStatus::InAction), std::string_view("in_action"));
        // Gangs are intelligence, not an ASB type.
        QVERIFY(!enumFromString<AsbType>("gangs"));
    }

    void parseEnumRefuses_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("unknown") << QByteArray("noisy");
        QTest::newRow("empty") << QByteArray("");
        QTest::newRow("upper case") << QByteArray("Noise");
        QTest::newRow("all caps") << QByteArray("NOISE");
        QTest::newRow("leading space") << QByteArray(" noise");
        QTest::newRow("trailing space") << QByteArray("noise ");
        QTest::newRow("hyphenated") << QByteArray("fly-tipping");
        QTest::newRow("camel case") << QByteArray("flyTipping");
        QTest::newRow("number") << QByteArray("2");
        QTest::newRow("prefix") << QByteArray("nois");
        QTest::newRow("with NUL") << QByteArray("noise\0x", 7);
        QTest::newRow("sql") << QByteArray("noise'; DROP TABLE asb_reports; --");
        QTest::newRow("invalid UTF-8") << QByteArray("noise\xff\xfe");
    }
    void parseEnumRefuses()
    {
        QFETCH(QByteArray, text);
        const std::string_view view(text.constData(), static_cast<std::size_t>(text.size()));
        const auto parsed = parseEnum<AsbType>("ASB type", view);
        QVERIFY(!parsed.ok());
        QVERIFY(parsed.error().code == ErrorCode::InvalidInput);
        const std::string &message = parsed.error().message;
        QVERIFY2(message.rfind("unknown ASB type '", 0) == 0, message.c_str());
        // It says what would have been accepted.
        QVERIFY2(message.find("expected one of: " + allNames<AsbType>()) != std::string::npos, message.c_str());
        // One printable line: no control characters, no raw bytes from outside.
        for (char c : message) {
            const auto u = static_cast<unsigned char>(c);
            QVERIFY2(u >= 0x20 && u < 0x7F, message.c_str());
        }
    }

    void parseEnumShortensLongText()
    {
        const std::string huge(5000, 'x');
        const auto parsed = parseEnum<AsbStatus>("status", huge);
        QVERIFY(!parsed.ok());
        QVERIFY2(parsed.error().message.find(std::string(40, 'x')) != std::string::npos, parsed.error().message.c_str());
        QVERIFY2(parsed.error().message.find(std::string(41, 'x')) == std::string::npos, parsed.error().message.c_str());
        QVERIFY(parsed.error().message.size() < 400);
    }

    void parseEnumMasksControlCharacters()
    {
        const auto parsed = parseEnum<Role>("role", std::string_view("boss\n\x1b[2J", 9));
        QVERIFY(!parsed.ok());
        QVERIFY2(parsed.error().message.rfind("unknown role 'boss??[2J'; expected one of: ", 0) == 0,
                 parsed.error().message.c_str());
        QVERIFY(parsed.error().message.find('\n') == std::string::npos);
        QVERIFY(parsed.error().message.find('\x1b') == std::string::npos);
    }

    void parseEnumNamesTheField()
    {
        const auto parsed = parseEnum<AsbQualifier>("qualifier", "personel");
        QVERIFY(!parsed.ok());
        QCOMPARE(parsed.error().message,
                 std::string("unknown qualifier 'personel'; expected one of: personal, nuisance, environmental"));
    }
};

QTEST_GUILESS_MAIN(TestEnumNames)
#include "tst_enumnames.moc"
