#include "core/clock.h"
#include "core/randomsource.h"
#include "core/text.h"
#include "core/uuid.h"
#include "datapack/datapack.h"
#include "domain/addressnormaliser.h"
#include "domain/asblifecycle.h"
#include "store/asbreportstore.h"
#include "store/database.h"
#include "store/devicestore.h"
#include "dbinspect.h"
#include "testdata.h"
#include "teststore.h"

#include <nlohmann/json.hpp>

#include <QTest>

#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace beatbook;
using beatbook::testing::allRowCounts;
using beatbook::testing::queryCount;
using beatbook::testing::rowCount;
using beatbook::testing::tableDump;

// Enum values are compared with QVERIFY(a == b): QCOMPARE on a beatbook enum is
// ambiguous between QTest::toString and beatbook::toString (found by ADL).

namespace {

constexpr TimestampMs kT0 = 1795554900000LL; // 2026-11-24T21:15:00Z
constexpr TimestampMs kMinute = 60 * 1000;
constexpr TimestampMs kHour = 60 * kMinute;
constexpr TimestampMs kDay = 24 * kHour;
constexpr TimestampMs kYear = 365 * kDay;

// Positions: a point inside Hendon ward and one in central London.
constexpr double kHendonLat = 51.58951, kHendonLon = -0.22356;
constexpr double kBurntOakLat = 51.60551, kBurntOakLon = -0.26064;
constexpr double kOutsideLat = 51.5074, kOutsideLon = -0.1278;
const char *const kHendon = "E05013643";
const char *const kBurntOak = "E05013630";

std::string bytes(const QByteArray &a) { return std::string(a.constData(), static_cast<std::size_t>(a.size())); }

// A device store on a temporary FILE database with a hand-moved clock.
struct Env : testing::TestDevices {
    Env() : TestDevices(kT0, 42) {}

    std::unique_ptr<DeviceStore> store;
    std::unique_ptr<AsbReportStore> reports;

    std::string path() const { return filePath("d.db"); }
    Database &db() { return store->db(); }
};

// Every table's rows and counts: what "nothing changed" is compared on.
std::string snapshot(Database &db)
{
    std::string out;
    for (const auto &[table, count] : allRowCounts(db))
        out += "## " + table + " " + std::to_string(count) + "\n" + tableDump(db, table);
    return out;
}

std::string firstDifference(const std::string &a, const std::string &b)
{
    std::size_t i = 0;
    while (i < a.size() && i < b.size() && a[i] == b[i])
        ++i;
    const std::size_t from = i > 80 ? i - 80 : 0;
    return "before: ..." + a.substr(from, 200) + "\nafter: ..." + b.substr(from, 200);
}

std::string text(Database &db, const std::string &sql)
{
    auto stmt = db.prepare(sql);
    if (!stmt)
        return "<" + stmt.error().message + ">";
    auto row = (*stmt)->step();
    std::string out = row && *row ? ((*stmt)->isNull(0) ? "<null>" : (*stmt)->columnText(0)) : "<no row>";
    (*stmt)->reset();
    return out;
}

NewAsbReport report(TimestampMs occurredAt, std::optional<std::string> victim = std::nullopt,
                    std::string address = {})
{
    NewAsbReport r;
    r.type = AsbType::RowdyInconsiderate;
    r.qualifier = AsbQualifier::Personal;
    r.occurredAt = occurredAt;
    r.lat = kHendonLat;
    r.lon = kHendonLon;
    r.accuracyM = 15.0;
    r.addressText = std::move(address);
    r.description = "Youths kicking a ball against the door";
    if (victim)
        r.victim = PersonDetails{*victim, ""};
    return r;
}

} // namespace

// Opens env's store; QVERIFY-style failure from inside a test function.
#define OPEN_ENV(ENV, ROLE, ...)                                                                                       \
    do {                                                                                                               \
        auto opened = (ENV).openInitialised((ENV).path(), testing::testProfile((ROLE), "pc.jones"));                 \
        QVERIFY2(opened.ok(), opened.ok() ? "" : opened.error().message.c_str());                                     \
        (ENV).store = std::move(*opened);                                                                              \
        (ENV).reports = std::make_unique<AsbReportStore>(*(ENV).store, m_pack->wards() __VA_OPT__(, ) __VA_ARGS__);   \
    } while (false)

#define LOG_OK(env, input, out)                                                                                        \
    auto out##Result = (env).reports->log(input);                                                                      \
    QVERIFY2(out##Result.ok(), out##Result.ok() ? "" : out##Result.error().message.c_str());                          \
    const LoggedAsbReport out = *out##Result

class TestAsbReportStore : public QObject {
    Q_OBJECT
private:
    const DataPack *m_pack = nullptr;

private slots:
    void initTestCase()
    {
        m_pack = testing::barnetPack();
        QVERIFY(m_pack);
    }

    // --- logging -----------------------------------------------------------

    void logAssignsTheWardFromThePosition()
    {
        Env env;
        OPEN_ENV(env, Role::Pcso);
        const auto points = testing::wardSamplePoints();
        QCOMPARE(points.size(), std::size_t(24));
        for (const auto &p : points) {
            NewAsbReport r = report(kT0 - kHour);
            r.lat = std::stod(p.lat);
            r.lon = std::stod(p.lon);
            LOG_OK(env, r, logged);
            QVERIFY2(logged.report.wardCode.has_value(), p.code.c_str());
            QCOMPARE(*logged.report.wardCode, p.code);
            auto stored = env.reports->get(logged.report.id);
            QVERIFY(stored.ok());
            QVERIFY(stored->wardCode == std::optional<std::string>(p.code));
        }

        NewAsbReport outside = report(kT0 - kHour);
        outside.lat = kOutsideLat;
        outside.lon = kOutsideLon;
        LOG_OK(env, outside, logged);
        QVERIFY(!logged.report.wardCode.has_value());
        QCOMPARE(text(env.db(), "SELECT ward_code FROM asb_reports WHERE id = '" + logged.report.id + "'"),
                 std::string("<null>"));
        auto stored = env.reports->get(logged.report.id);
        QVERIFY(stored.ok());
        QVERIFY(!stored->wardCode.has_value());
        // Without an address its place is a ~100 m cell.
        QVERIFY2(stored->placeKey.rfind("cell:", 0) == 0, stored->placeKey.c_str());
    }

    void logStoresASubmittedReport()
    {
        Env env;
        OPEN_ENV(env, Role::Pcso);
        NewAsbReport r = report(kT0 - 2 * kHour, std::string("  Jane   Doe "), "12  Acacia Ave.");
        r.type = AsbType::FlyTipping;
        r.qualifier = AsbQualifier::Environmental;
        r.hate = true;
        r.reporter = PersonDetails{"Pat Reporter", " 07700 900123 "};
        r.description = "Mattresses dumped\nagain";
        env.clock.advance(17);
        LOG_OK(env, r, logged);

        auto got = env.reports->get(logged.report.id);
        QVERIFY2(got.ok(), got.ok() ? "" : got.error().message.c_str());
        const AsbReport &s = *got;
        QVERIFY(isUuid(s.id));
        QVERIFY(s.status == AsbStatus::Submitted);
        QVERIFY(s.type == AsbType::FlyTipping);
        QVERIFY(s.qualifier == AsbQualifier::Environmental);
        QVERIFY(s.hate);
        QCOMPARE(s.occurredAt, kT0 - 2 * kHour);
        QCOMPARE(s.loggedAt, kT0 + 17);
        QCOMPARE(s.lat, kHendonLat);
        QCOMPARE(s.lon, kHendonLon);
        QVERIFY(s.accuracyM == std::optional<double>(15.0));
        QCOMPARE(s.addressText, std::string("12 Acacia Ave."));
        QCOMPARE(s.addressKey, std::string("12 acacia avenue"));
        QCOMPARE(s.placeKey, std::string("12 acacia avenue"));
        QVERIFY(s.wardCode == std::optional<std::string>(kHendon));
        QCOMPARE(s.description, std::string("Mattresses dumped\nagain"));
        QVERIFY(s.sourceRole == Role::Pcso);
        QCOMPARE(s.loggedBy, std::string("pc.jones"));
        QVERIFY(!s.repeatVictim);
        QCOMPARE(s.priorReports, 0);
        QVERIFY(!s.assignedTo && !s.reporterInformedAt && !s.closeReason);

        // People are their own records, spaces tidied.
        auto victim = env.reports->person(s.victimId);
        QVERIFY(victim.ok() && victim->has_value());
        QCOMPARE((*victim)->name, std::string("Jane Doe"));
        auto reporter = env.reports->person(s.reporterId);
        QVERIFY(reporter.ok() && reporter->has_value());
        QCOMPARE((*reporter)->name, std::string("Pat Reporter"));
        QCOMPARE((*reporter)->contact, std::string("07700 900123"));
        // The victim's name is matched by a keyed hash, never stored in the report.
        const std::string victimKey = text(env.db(), "SELECT victim_key FROM asb_reports");
        QCOMPARE(victimKey, env.store->matchKey("jane doe"));
        QVERIFY(victimKey.find("Jane") == std::string::npos);

        auto events = env.reports->events(s.id);
        QVERIFY(events.ok());
        QVERIFY(events->empty());

        auto listed = env.reports->list();
        QVERIFY(listed.ok());
        QCOMPARE(listed->size(), std::size_t(1));
        QCOMPARE(listed->front().id, s.id);
    }

    void reportsSurviveReopening()
    {
        Env env;
        OPEN_ENV(env, Role::Pcso);
        LOG_OK(env, report(kT0 - kHour, std::string("Jane Doe"), "1 Elm Rd"), first);
        env.reports.reset();
        env.store.reset();

        auto reopened = DeviceStore::open(env.path(), env.clock, env.random);
        QVERIFY(reopened.ok());
        QVERIFY((*reopened)->isInitialised());
        AsbReportStore reports(**reopened, m_pack->wards());
        auto got = reports.get(first.report.id);
        QVERIFY(got.ok());
        QCOMPARE(got->addressText, std::string("1 Elm Rd"));
        // The repeat check still finds it after a restart.
        auto second = reports.log(report(kT0 - kMinute, std::string("JANE DOE")));
        QVERIFY(second.ok());
        QCOMPARE(second->priorReports, 1);
    }

    void getRefusesBadIds()
    {
        Env env;
        OPEN_ENV(env, Role::Pcso);
        auto bad = env.reports->get("'; DROP TABLE asb_reports; --");
        QVERIFY(!bad.ok());
        QVERIFY(bad.error().code == ErrorCode::InvalidInput);
        auto missing = env.reports->get("0192f1d2-7c3e-7a10-8b2c-1234567890ab");
        QVERIFY(!missing.ok());
        QVERIFY(missing.error().code == ErrorCode::NotFound);
    }

    void listFiltersAndOrders()
    {
        Env env;
        OPEN_ENV(env, Role::Officer);
        LOG_OK(env, report(kT0 - 3 * kHour), older);
        NewAsbReport burntOak = report(kT0 - 2 * kHour);
        burntOak.lat = kBurntOakLat;
        burntOak.lon = kBurntOakLon;
        LOG_OK(env, burntOak, middle);
        LOG_OK(env, report(kT0 - kHour), newer);
        QVERIFY(env.reports->transition(newer.report.id, AsbStatus::Triaged, "").ok());

        auto all = env.reports->list();
        QVERIFY(all.ok());
        QCOMPARE(all->size(), std::size_t(3));
        QCOMPARE((*all)[0].id, newer.report.id); // newest first
        QCOMPARE((*all)[2].id, older.report.id);

        AsbReportFilter hendon;
        hendon.wardCode = kHendon;
        auto inHendon = env.reports->list(hendon);
        QVERIFY(inHendon.ok());
        QCOMPARE(inHendon->size(), std::size_t(2));

        AsbReportFilter triaged;
        triaged.status = AsbStatus::Triaged;
        auto done = env.reports->list(triaged);
        QVERIFY(done.ok());
        QCOMPARE(done->size(), std::size_t(1));
        QCOMPARE(done->front().id, newer.report.id);

        AsbReportFilter both;
        both.wardCode = kBurntOak;
        both.status = AsbStatus::Submitted;
        auto one = env.reports->list(both);
        QVERIFY(one.ok());
        QCOMPARE(one->size(), std::size_t(1));
        QCOMPARE(one->front().id, middle.report.id);

        AsbReportFilter limited;
        limited.limit = 2;
        auto two = env.reports->list(limited);
        QVERIFY(two.ok());
        QCOMPARE(two->size(), std::size_t(2));

        AsbReportFilter hostile;
        hostile.wardCode = "' OR 1=1 --";
        auto none = env.reports->list(hostile);
        QVERIFY(none.ok());
        QVERIFY(none->empty());
    }

    // --- the repeat check -----------------------------------------------

    void thirdReportIsARepeat()
    {
        Env env;
        OPEN_ENV(env, Role::Pcso);
        LOG_OK(env, report(kT0 - 30 * kDay, std::string("Jane Doe")), first);
        QCOMPARE(first.priorReports, 0);
        QVERIFY(!first.repeatVictim);
        LOG_OK(env, report(kT0 - 20 * kDay, std::string("Jane Doe")), second);
        QCOMPARE(second.priorReports, 1);
        QVERIFY(!second.repeatVictim);
        LOG_OK(env, report(kT0 - 10 * kDay, std::string("Jane Doe")), third);
        QCOMPARE(third.priorReports, 2);
        QVERIFY(third.repeatVictim);
        QVERIFY(third.report.repeatVictim);
        LOG_OK(env, report(kT0 - kDay, std::string("Jane Doe")), fourth);
        QCOMPARE(fourth.priorReports, 3);
        QVERIFY(fourth.repeatVictim);
        // Stored as computed at logging.
        auto stored = env.reports->get(third.report.id);
        QVERIFY(stored.ok());
        QVERIFY(stored->repeatVictim);
        QCOMPARE(stored->priorReports, 2);
        QCOMPARE(queryCount(env.db(), "SELECT repeat_victim FROM asb_reports WHERE id = '" + second.report.id + "'"),
                 std::int64_t(0));
    }

    // [T - window, T]: a report exactly at T - window counts, 1 ms before
    // it does not; one exactly at T counts, one after T does not.
    void windowBoundaries_data()
    {
        QTest::addColumn<bool>("byVictim");
        QTest::newRow("matched by victim") << true;
        QTest::newRow("matched by address") << false;
    }
    void windowBoundaries()
    {
        QFETCH(bool, byVictim);
        Env env;
        OPEN_ENV(env, Role::Pcso);
        const TimestampMs t = kT0 - kHour;
        const TimestampMs window = RepeatVictimRule{}.windowMs;
        QCOMPARE(window, kYear);
        const auto make = [&](TimestampMs at) {
            return byVictim ? report(at, std::string("Window Victim")) : report(at, std::nullopt, "7 Boundary Rd");
        };
        const std::optional<std::string> victimKey =
            byVictim ? std::optional<std::string>(env.store->matchKey("Window Victim")) : std::nullopt;
        const std::optional<std::string> addressKey =
            byVictim ? std::nullopt : std::optional<std::string>(normaliseAddress("7 Boundary Road"));

        QVERIFY(env.reports->log(make(t - window - 1)).ok()); // 1 ms too early: does not count
        auto count = env.reports->countPriorReports(victimKey, addressKey, t);
        QVERIFY(count.ok());
        QCOMPARE(*count, 0);
        QVERIFY(env.reports->log(make(t - window)).ok()); // exactly at the start: counts
        count = env.reports->countPriorReports(victimKey, addressKey, t);
        QCOMPARE(*count, 1);
        QVERIFY(env.reports->log(make(t + 1)).ok()); // after T: does not count
        count = env.reports->countPriorReports(victimKey, addressKey, t);
        QCOMPARE(*count, 1);
        QVERIFY(env.reports->log(make(t)).ok()); // exactly at T: counts
        count = env.reports->countPriorReports(victimKey, addressKey, t);
        QCOMPARE(*count, 2);

        LOG_OK(env, make(t), logged);
        QCOMPARE(logged.priorReports, 2);
        QVERIFY(logged.repeatVictim);
    }

    void reportMatchingBothWaysCountsOnce()
    {
        Env env;
        OPEN_ENV(env, Role::Pcso);
        LOG_OK(env, report(kT0 - 10 * kDay, std::string("Jane Doe"), "12 Acacia Avenue"), first);
        LOG_OK(env, report(kT0 - 5 * kDay, std::string("Jane Doe"), "12 Acacia Avenue"), second);
        QCOMPARE(second.priorReports, 1);
        QVERIFY(!second.repeatVictim);
        // Victim only, address only, and both: three distinct reports.
        LOG_OK(env, report(kT0 - 4 * kDay, std::string("Jane Doe"), "99 Other Road"), third);
        QCOMPARE(third.priorReports, 2);
        LOG_OK(env, report(kT0 - 3 * kDay, std::string("John Smith"), "12 Acacia Ave"), fourth);
        QCOMPARE(fourth.priorReports, 2); // first and second, by address
        LOG_OK(env, report(kT0 - 2 * kDay, std::string("Jane Doe"), "12 Acacia Avenue"), fifth);
        QCOMPARE(fifth.priorReports, 4); // each earlier report once
    }

    void victimSpellingsMatch()
    {
        Env env;
        OPEN_ENV(env, Role::Pcso);
        LOG_OK(env, report(kT0 - 3 * kDay, std::string("Jane Doe")), first);
        LOG_OK(env, report(kT0 - 2 * kDay, std::string("  JANE    doe ")), second);
        QCOMPARE(second.priorReports, 1);
        LOG_OK(env, report(kT0 - kDay, std::string("jane-doe")), third);
        QCOMPARE(third.priorReports, 2);
        QVERIFY(third.repeatVictim);
        // A different person does not match.
        LOG_OK(env, report(kT0 - kHour, std::string("Jane Dole")), other);
        QCOMPARE(other.priorReports, 0);
        QVERIFY(!other.repeatVictim);
    }

    void namesWithoutLettersDoNotMatchEachOther()
    {
        // "?" and "-" (typed when the victim would not give a name) fold to
        // nothing; they must not make every such victim one person.
        Env env;
        OPEN_ENV(env, Role::Pcso);
        const std::vector<std::string> names{"?", "-", "...", "?"};
        for (std::size_t i = 0; i < names.size(); ++i) {
            auto logged = env.reports->log(report(kT0 - static_cast<TimestampMs>(10 - i) * kHour, names[i]));
            if (!logged.ok()) {
                // Refusing such a name is as good as not matching it.
                QVERIFY(logged.error().code == ErrorCode::InvalidInput);
                continue;
            }
            QVERIFY2(logged->priorReports == 0,
                     ("'" + names[i] + "' matched " + std::to_string(logged->priorReports) + " earlier report(s)")
                         .c_str());
            QVERIFY(!logged->repeatVictim);
        }
    }

    void addressSpellingsMatch()
    {
        Env env;
        OPEN_ENV(env, Role::Pcso);
        LOG_OK(env, report(kT0 - 3 * kDay, std::nullopt, "12 Acacia Ave"), first);
        LOG_OK(env, report(kT0 - 2 * kDay, std::nullopt, "12 acacia avenue"), second);
        QCOMPARE(second.priorReports, 1);
        LOG_OK(env, report(kT0 - kDay, std::nullopt, "12, ACACIA AVENUE."), third);
        QCOMPARE(third.priorReports, 2);
        QVERIFY(third.repeatVictim);
        LOG_OK(env, report(kT0 - kHour, std::nullopt, "14 Acacia Avenue"), neighbour);
        QCOMPARE(neighbour.priorReports, 0);
    }

    void reportsWithoutVictimOrAddressNeverMatch()
    {
        Env env;
        RepeatVictimRule everyReport;
        everyReport.threshold = 1; // prior >= 0: every identifiable report
        OPEN_ENV(env, Role::Pcso, everyReport);
        for (int i = 0; i < 3; ++i) {
            LOG_OK(env, report(kT0 - (3 - i) * kHour), anonymous);
            QCOMPARE(anonymous.priorReports, 0);
            QVERIFY(!anonymous.repeatVictim); // nothing to be a repeat of
        }
        LOG_OK(env, report(kT0, std::string("Jane Doe")), named);
        QVERIFY(named.repeatVictim);
    }

    void customRuleTwoInThreeMonths()
    {
        Env env;
        RepeatVictimRule rule;
        rule.threshold = 2;
        rule.windowMs = 92 * kDay;
        OPEN_ENV(env, Role::Pcso, rule);
        LOG_OK(env, report(kT0 - 200 * kDay, std::string("Jane Doe")), first);
        QVERIFY(!first.repeatVictim);
        LOG_OK(env, report(kT0 - 100 * kDay, std::string("Jane Doe")), second); // 100 days later: outside
        QCOMPARE(second.priorReports, 0);
        QVERIFY(!second.repeatVictim);
        LOG_OK(env, report(kT0 - 10 * kDay, std::string("Jane Doe")), third); // 90 days later: inside
        QCOMPARE(third.priorReports, 1);
        QVERIFY(third.repeatVictim); // the second in three months
    }

    // --- the lifecycle ----------------------------------------------------

    void wholeLifecycleWritesEvents()
    {
        Env env;
        OPEN_ENV(env, Role::Officer);
        NewAsbReport input = report(kT0 - kHour, std::string("Jane Doe"), "12 Acacia Avenue");
        input.reporter = PersonDetails{"Pat Reporter", "07700 900123"};
        LOG_OK(env, input, logged);
        const std::string id = logged.report.id;

        struct Step {
            AsbStatus to;
            std::string reason;
            std::optional<std::string> assignee;
        };
        const std::vector<Step> steps{
            {AsbStatus::Triaged, "", std::nullopt},
            {AsbStatus::Assigned, "", std::string("  PC   Smith ")},
            {AsbStatus::InAction, "Letter sent to the family", std::nullopt},
            {AsbStatus::Resolved, "Acceptable behaviour contract signed", std::nullopt},
            {AsbStatus::ReporterInformed, "Phoned Pat", std::nullopt},
            {AsbStatus::Closed, "", std::nullopt},
        };
        AsbStatus from = AsbStatus::Submitted;
        std::int64_t events = 0;
        for (const Step &step : steps) {
            env.clock.advance(3 * kHour);
            const auto outboxBefore = rowCount(env.db(), "outbox");
            auto moved = env.reports->transition(id, step.to, step.reason, step.assignee);
            QVERIFY2(moved.ok(), moved.ok() ? "" : moved.error().message.c_str());
            QVERIFY(moved->status == step.to);
            ++events;
            QCOMPARE(rowCount(env.db(), "report_events"), events);
            // The report's update and the event, each with its outbox entry.
            QCOMPARE(rowCount(env.db(), "outbox"), outboxBefore + 2);

            auto history = env.reports->events(id);
            QVERIFY(history.ok());
            QCOMPARE(history->size(), static_cast<std::size_t>(events));
            const ReportEvent &e = history->back();
            QVERIFY(isUuid(e.id));
            QCOMPARE(e.reportId, id);
            QCOMPARE(e.kind, std::string("transition"));
            QVERIFY(e.fromStatus == std::optional<std::string>(std::string(toString(from))));
            QVERIFY(e.toStatus == std::optional<std::string>(std::string(toString(step.to))));
            QCOMPARE(e.text, step.reason);
            QCOMPARE(e.at, env.clock.nowMs());
            QCOMPARE(e.author, std::string("pc.jones"));
            QCOMPARE(e.authorRole, std::string("officer"));

            auto stored = env.reports->get(id);
            QVERIFY(stored.ok());
            QVERIFY(stored->status == step.to);
            from = step.to;
        }
        auto finalReport = env.reports->get(id);
        QVERIFY(finalReport.ok());
        QVERIFY(finalReport->assignedTo == std::optional<std::string>("PC Smith"));
        QVERIFY(finalReport->reporterInformedAt == std::optional<TimestampMs>(kT0 + 5 * 3 * kHour));
        QVERIFY(!finalReport->closeReason); // informed: no reason needed, none recorded
        QVERIFY(nextAsbStatuses(finalReport->status).empty());
    }

    void otherPathsRecordTheirFields()
    {
        Env env;
        OPEN_ENV(env, Role::Supervisor);
        // Redirected from triage, with the crime reference.
        LOG_OK(env, report(kT0 - kHour), redirected);
        QVERIFY(env.reports->transition(redirected.report.id, AsbStatus::Triaged, "").ok());
        auto r = env.reports->transition(redirected.report.id, AsbStatus::Redirected, "  Crime   CR/123/26 ");
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        auto history = env.reports->events(redirected.report.id);
        QVERIFY(history.ok());
        QCOMPARE(history->back().text, std::string("Crime CR/123/26"));

        // Assigned without an assignee: to the user.
        LOG_OK(env, report(kT0 - kHour), closed);
        const std::string id = closed.report.id;
        for (AsbStatus to : {AsbStatus::Triaged, AsbStatus::Assigned, AsbStatus::InAction, AsbStatus::Resolved})
            QVERIFY(env.reports->transition(id, to, "").ok());
        auto assigned = env.reports->get(id);
        QVERIFY(assigned->assignedTo == std::optional<std::string>("pc.jones"));
        // Closed from resolved, with the reason the reporter was not informed.
        auto c = env.reports->transition(id, AsbStatus::Closed, "Reporter anonymous, no contact details");
        QVERIFY2(c.ok(), c.ok() ? "" : c.error().message.c_str());
        auto stored = env.reports->get(id);
        QVERIFY(stored->status == AsbStatus::Closed);
        QVERIFY(stored->closeReason == std::optional<std::string>("Reporter anonymous, no contact details"));
        QVERIFY(!stored->reporterInformedAt);
        QCOMPARE(text(env.db(), "SELECT close_reason FROM asb_reports WHERE id = '" + id + "'"),
                 std::string("Reporter anonymous, no contact details"));
    }

    void aPcsoMayInformTheReporter()
    {
        Env env;
        OPEN_ENV(env, Role::Officer);
        LOG_OK(env, report(kT0 - kHour), logged);
        const std::string id = logged.report.id;
        for (AsbStatus to : {AsbStatus::Triaged, AsbStatus::Assigned, AsbStatus::InAction, AsbStatus::Resolved})
            QVERIFY(env.reports->transition(id, to, "").ok());
        // The same database handed to a PCSO (the role is device data).
        env.reports.reset();
        env.store.reset();
        {
            auto db = Database::open(env.path());
            QVERIFY(db.ok());
            QVERIFY((*db)->exec("UPDATE device_meta SET value = 'pcso' WHERE key = 'role'").ok());
        }
        auto reopened = DeviceStore::open(env.path(), env.clock, env.random);
        QVERIFY(reopened.ok());
        QVERIFY((*reopened)->profile().role == Role::Pcso);
        AsbReportStore reports(**reopened, m_pack->wards());
        env.clock.advance(kHour);
        auto informed = reports.transition(id, AsbStatus::ReporterInformed, "");
        QVERIFY2(informed.ok(), informed.ok() ? "" : informed.error().message.c_str());
        QVERIFY(informed->reporterInformedAt == std::optional<TimestampMs>(env.clock.nowMs()));
        // ...but may not close it.
        auto closing = reports.transition(id, AsbStatus::Closed, "");
        QVERIFY(!closing.ok());
        QVERIFY(closing.error().code == ErrorCode::NotAllowed);
        // ...nor triage a new one.
        auto fresh = reports.log(report(kT0));
        QVERIFY(fresh.ok());
        QVERIFY(!reports.transition(fresh->report.id, AsbStatus::Triaged, "").ok());
    }

    void refusedTransitionsChangeNothing()
    {
        Env env;
        OPEN_ENV(env, Role::Officer);
        LOG_OK(env, report(kT0 - kHour, std::string("Jane Doe")), submitted);
        LOG_OK(env, report(kT0 - kHour), triagedLog);
        LOG_OK(env, report(kT0 - kHour), resolvedLog);
        LOG_OK(env, report(kT0 - kHour), closedLog);
        QVERIFY(env.reports->transition(triagedLog.report.id, AsbStatus::Triaged, "").ok());
        for (AsbStatus to : {AsbStatus::Triaged, AsbStatus::Assigned, AsbStatus::InAction, AsbStatus::Resolved})
            QVERIFY(env.reports->transition(resolvedLog.report.id, to, "").ok());
        for (AsbStatus to : {AsbStatus::Triaged, AsbStatus::NotAsb})
            QVERIFY(env.reports->transition(closedLog.report.id, to, "Neighbour dispute, civil matter").ok());

        struct Refusal {
            const char *what;
            std::string id;
            AsbStatus to;
            std::string reason;
            std::optional<std::string> assignee;
            ErrorCode code;
        };
        const std::vector<Refusal> refusals{
            {"skipping triage", submitted.report.id, AsbStatus::Resolved, "", std::nullopt, ErrorCode::NotAllowed},
            {"to itself", submitted.report.id, AsbStatus::Submitted, "", std::nullopt, ErrorCode::NotAllowed},
            {"back to draft", submitted.report.id, AsbStatus::Draft, "", std::nullopt, ErrorCode::NotAllowed},
            {"backwards", resolvedLog.report.id, AsbStatus::Assigned, "", std::nullopt, ErrorCode::NotAllowed},
            {"redirect without reason", triagedLog.report.id, AsbStatus::Redirected, "", std::nullopt,
             ErrorCode::InvalidInput},
            {"not_asb with blank reason", triagedLog.report.id, AsbStatus::NotAsb, "   ", std::nullopt,
             ErrorCode::InvalidInput},
            {"close uninformed without reason", resolvedLog.report.id, AsbStatus::Closed, "", std::nullopt,
             ErrorCode::InvalidInput},
            {"out of a final status", closedLog.report.id, AsbStatus::Triaged, "", std::nullopt,
             ErrorCode::NotAllowed},
            {"assignee when not assigning", submitted.report.id, AsbStatus::Triaged, "", std::string("PC Smith"),
             ErrorCode::InvalidInput},
            {"assignee invalid UTF-8", triagedLog.report.id, AsbStatus::Assigned, "", bytes("PC \xff"),
             ErrorCode::InvalidInput},
            {"assignee too long", triagedLog.report.id, AsbStatus::Assigned, "", std::string(kMaxShortText + 1, 'a'),
             ErrorCode::InvalidInput},
            {"reason invalid UTF-8", triagedLog.report.id, AsbStatus::Redirected, bytes("crime \xc0\xaf"),
             std::nullopt, ErrorCode::InvalidInput},
            {"reason too long", triagedLog.report.id, AsbStatus::Redirected, std::string(kMaxLongText + 1, 'r'),
             std::nullopt, ErrorCode::InvalidInput},
            {"unknown report", "0192f1d2-7c3e-7a10-8b2c-1234567890ab", AsbStatus::Triaged, "", std::nullopt,
             ErrorCode::NotFound},
            {"malformed id", "'; DROP TABLE asb_reports; --", AsbStatus::Triaged, "", std::nullopt,
             ErrorCode::InvalidInput},
        };
        for (const Refusal &refusal : refusals) {
            const std::string before = snapshot(env.db());
            auto moved = env.reports->transition(refusal.id, refusal.to, refusal.reason, refusal.assignee);
            QVERIFY2(!moved.ok(), refusal.what);
            QVERIFY2(moved.error().code == refusal.code, (std::string(refusal.what) + ": " + moved.error().message).c_str());
            QVERIFY2(!moved.error().message.empty() && moved.error().message.find('\n') == std::string::npos,
                     refusal.what);
            const std::string after = snapshot(env.db());
            QVERIFY2(before == after, (std::string(refusal.what) + "\n" + firstDifference(before, after)).c_str());
        }
        // Still usable afterwards.
        QVERIFY(env.reports->transition(submitted.report.id, AsbStatus::Triaged, "").ok());
    }

    void rolesThatMayNotTriage_data()
    {
        QTest::addColumn<int>("role");
        QTest::newRow("champion") << int(Role::Champion);
        QTest::newRow("pcso") << int(Role::Pcso);
    }
    void rolesThatMayNotTriage()
    {
        QFETCH(int, role);
        Env env;
        OPEN_ENV(env, static_cast<Role>(role));
        LOG_OK(env, report(kT0 - kHour), logged); // they may log
        const std::string before = snapshot(env.db());
        auto moved = env.reports->transition(logged.report.id, AsbStatus::Triaged, "");
        QVERIFY(!moved.ok());
        QVERIFY(moved.error().code == ErrorCode::NotAllowed);
        QCOMPARE(snapshot(env.db()), before);
    }

    // --- follow-ups ---------------------------------------------------------

    void followUpsAppend()
    {
        Env env;
        OPEN_ENV(env, Role::Pcso);
        LOG_OK(env, report(kT0 - kHour), logged);
        const std::string id = logged.report.id;
        env.clock.advance(kHour);
        const auto outboxBefore = rowCount(env.db(), "outbox");
        auto first = env.reports->addFollowUp(id, "follow_up", "Visited, no answer.\nCard left.");
        QVERIFY2(first.ok(), first.ok() ? "" : first.error().message.c_str());
        QVERIFY(isUuid(first->id));
        QCOMPARE(first->at, kT0 + kHour);
        env.clock.advance(kHour);
        auto second = env.reports->addFollowUp(id, "note", "Neighbour at no. 14 saw it too");
        QVERIFY(second.ok());
        QCOMPARE(rowCount(env.db(), "outbox"), outboxBefore + 2);

        auto history = env.reports->events(id);
        QVERIFY(history.ok());
        QCOMPARE(history->size(), std::size_t(2));
        QCOMPARE((*history)[0].kind, std::string("follow_up"));
        QCOMPARE((*history)[0].text, std::string("Visited, no answer.\nCard left."));
        QVERIFY(!(*history)[0].fromStatus && !(*history)[0].toStatus);
        QCOMPARE((*history)[0].author, std::string("pc.jones"));
        QCOMPARE((*history)[0].authorRole, std::string("pcso"));
        QCOMPARE((*history)[1].kind, std::string("note"));
        QCOMPARE((*history)[1].at, kT0 + 2 * kHour);
        // A follow-up does not move the report.
        auto stored = env.reports->get(id);
        QVERIFY(stored->status == AsbStatus::Submitted);
    }

    void badFollowUpsChangeNothing()
    {
        Env env;
        OPEN_ENV(env, Role::Pcso);
        LOG_OK(env, report(kT0 - kHour), logged);
        QVERIFY(env.reports->addFollowUp(logged.report.id, "note", "first").ok());
        const std::string id = logged.report.id;
        struct Bad {
            const char *what;
            std::string id, kind, text;
            ErrorCode code;
        };
        const std::vector<Bad> bad{
            {"unknown kind", id, "transition", "sneaky", ErrorCode::InvalidInput},
            {"empty kind", id, "", "text", ErrorCode::InvalidInput},
            {"empty text", id, "follow_up", "", ErrorCode::InvalidInput},
            {"blank text", id, "follow_up", " \n\t ", ErrorCode::InvalidInput},
            {"invalid UTF-8", id, "follow_up", bytes("visited \xfe\xff"), ErrorCode::InvalidInput},
            {"control character", id, "note", "a\x07" "b", ErrorCode::InvalidInput},
            {"too long", id, "note", std::string(kMaxLongText + 1, 'n'), ErrorCode::InvalidInput},
            {"unknown report", "0192f1d2-7c3e-7a10-8b2c-1234567890ab", "note", "text", ErrorCode::NotFound},
            {"malformed id", "x' OR '1'='1", "note", "text", ErrorCode::InvalidInput},
        };
        for (const Bad &b : bad) {
            const std::string before = snapshot(env.db());
            auto added = env.reports->addFollowUp(b.id, b.kind, b.text);
            QVERIFY2(!added.ok(), b.what);
            QVERIFY2(added.error().code == b.code, (std::string(b.what) + ": " + added.error().message).c_str());
            QVERIFY2(snapshot(env.db()) == before, b.what);
        }
        QVERIFY(env.reports->addFollowUp(id, "note", std::string(kMaxLongText, 'n')).ok());
    }

    void reportEventsAreAppendOnly()
    {
        Env env;
        OPEN_ENV(env, Role::Officer);
        LOG_OK(env, report(kT0 - kHour), logged);
        QVERIFY(env.reports->transition(logged.report.id, AsbStatus::Triaged, "").ok());
        QVERIFY(env.reports->addFollowUp(logged.report.id, "note", "original text").ok());
        const std::string before = snapshot(env.db());

        for (const char *sql : {"UPDATE report_events SET text = 'rewritten'",
                                "UPDATE report_events SET text = text",
                                "UPDATE report_events SET to_status = 'closed' WHERE kind = 'transition'",
                                "DELETE FROM report_events",
                                "DELETE FROM report_events WHERE kind = 'note'"}) {
            const auto done = env.db().exec(sql);
            QVERIFY2(!done.ok(), sql);
            QVERIFY2(done.error().message.find("append-only") != std::string::npos, done.error().message.c_str());
        }
        // Nor through a write transaction.
        const std::string eventId = text(env.db(), "SELECT id FROM report_events LIMIT 1");
        const auto viaTxn = env.store->write([&](WriteTxn &txn) -> Status {
            Fields changed;
            changed["text"] = "rewritten";
            return txn.update("report_events", eventId, std::move(changed));
        });
        QVERIFY(!viaTxn.ok());
        QCOMPARE(snapshot(env.db()), before);
        QCOMPARE(text(env.db(), "SELECT text FROM report_events WHERE kind = 'note'"), std::string("original text"));
    }

    // --- bad input ------------------------------------------------------

    void badInputChangesNothing_data()
    {
        QTest::addColumn<int>("which");
        QTest::addColumn<int>("code");
        const int invalid = int(ErrorCode::InvalidInput);
        QTest::newRow("latitude 91") << 0 << invalid;
        QTest::newRow("latitude -90.5") << 1 << invalid;
        QTest::newRow("longitude 180.1") << 2 << invalid;
        QTest::newRow("latitude NaN") << 3 << invalid;
        QTest::newRow("longitude NaN") << 4 << invalid;
        QTest::newRow("latitude +infinity") << 5 << invalid;
        QTest::newRow("longitude -infinity") << 6 << invalid;
        QTest::newRow("accuracy NaN") << 7 << invalid;
        QTest::newRow("accuracy negative") << 8 << invalid;
        QTest::newRow("address invalid UTF-8") << 9 << invalid;
        QTest::newRow("description invalid UTF-8") << 10 << invalid;
        QTest::newRow("victim name invalid UTF-8") << 11 << invalid;
        QTest::newRow("victim contact invalid UTF-8") << 12 << invalid;
        QTest::newRow("reporter name invalid UTF-8") << 13 << invalid;
        QTest::newRow("description 10001 bytes") << 14 << invalid;
        QTest::newRow("address 201 bytes") << 15 << invalid;
        QTest::newRow("victim name 201 bytes") << 16 << invalid;
        QTest::newRow("address with control character") << 17 << invalid;
        QTest::newRow("victim name empty") << 18 << invalid;
        QTest::newRow("reporter name blank") << 19 << invalid;
        QTest::newRow("in the future") << 20 << invalid;
        QTest::newRow("more than five years ago") << 21 << invalid;
        QTest::newRow("type out of range") << 22 << invalid;
        QTest::newRow("qualifier out of range") << 23 << invalid;
        QTest::newRow("description with NUL") << 24 << invalid;
        QTest::newRow("overlong UTF-8 in victim") << 25 << invalid;
    }
    void badInputChangesNothing()
    {
        QFETCH(int, which);
        QFETCH(int, code);
        Env env;
        OPEN_ENV(env, Role::Pcso);
        NewAsbReport good = report(kT0 - kDay, std::string("Jane Doe"), "12 Acacia Avenue");
        good.reporter = PersonDetails{"Pat Reporter", "07700 900123"};
        LOG_OK(env, good, existing);
        QVERIFY(env.reports->addFollowUp(existing.report.id, "note", "so the events table has a row").ok());

        NewAsbReport r = report(kT0 - kHour, std::string("Jane Doe"), "12 Acacia Avenue");
        r.reporter = PersonDetails{"Pat Reporter", "07700 900123"};
        switch (which) {
        case 0: r.lat = 91; break;
        case 1: r.lat = -90.5; break;
        case 2: r.lon = 180.1; break;
        case 3: r.lat = std::numeric_limits<double>::quiet_NaN(); break;
        case 4: r.lon = std::numeric_limits<double>::quiet_NaN(); break;
        case 5: r.lat = std::numeric_limits<double>::infinity(); break;
        case 6: r.lon = -std::numeric_limits<double>::infinity(); break;
        case 7: r.accuracyM = std::numeric_limits<double>::quiet_NaN(); break;
        case 8: r.accuracyM = -5.0; break;
        case 9: r.addressText = bytes("12 Acacia \xff" "Avenue"); break;
        case 10: r.description = bytes("caf\xe9 window smashed"); break;
        case 11: r.victim = PersonDetails{bytes("Jane \xed\xa0\x80"), ""}; break;
        case 12: r.victim = PersonDetails{"Jane Doe", bytes("0770\xfe")}; break;
        case 13: r.reporter = PersonDetails{bytes("\x80Pat"), ""}; break;
        case 14: r.description = std::string(kMaxLongText + 1, 'd'); break;
        case 15: r.addressText = std::string(kMaxShortText + 1, 'a'); break;
        case 16: r.victim = PersonDetails{std::string(kMaxShortText + 1, 'v'), ""}; break;
        case 17: r.addressText = "12 Acacia\x1b Avenue"; break;
        case 18: r.victim = PersonDetails{"", "07700 900999"}; break;
        case 19: r.reporter = PersonDetails{"   ", "07700 900999"}; break;
        case 20: r.occurredAt = env.clock.nowMs() + 5 * kMinute + 1; break;
        case 21: r.occurredAt = env.clock.nowMs() - AsbReportSettings{}.maxAgeMs - 1; break;
        case 22: r.type = static_cast<AsbType>(200); break;
        case 23: r.qualifier = static_cast<AsbQualifier>(3); break;
        case 24: r.description = std::string("a\0b", 3); break;
        case 25: r.victim = PersonDetails{bytes("\xc0\xaf"), ""}; break;
        default: break;
        }
        const std::string before = snapshot(env.db());
        const std::string reportsBefore = tableDump(env.db(), "asb_reports");
        auto logged = env.reports->log(r);
        QVERIFY(!logged.ok());
        QCOMPARE(int(logged.error().code), code);
        QVERIFY2(!logged.error().message.empty() && logged.error().message.find('\n') == std::string::npos,
                 logged.error().message.c_str());
        const std::string after = snapshot(env.db());
        QVERIFY2(before == after, firstDifference(before, after).c_str());
        QCOMPARE(tableDump(env.db(), "asb_reports"), reportsBefore);
        QVERIFY(before.find("## outbox") != std::string::npos);
        QVERIFY(before.find("## people 2") != std::string::npos);
        QVERIFY(before.find("## asb_reports 1") != std::string::npos);
        QCOMPARE(beatbook::testing::integrityCheck(env.db()), std::string("ok"));
    }

    void rolesThatMayNotLogChangeNothing_data()
    {
        QTest::addColumn<int>("role");
        QTest::newRow("fire_hfsv") << int(Role::FireHfsv);
        QTest::newRow("analyst") << int(Role::Analyst);
        QTest::newRow("admin") << int(Role::Admin);
    }
    void rolesThatMayNotLogChangeNothing()
    {
        QFETCH(int, role);
        Env env;
        OPEN_ENV(env, static_cast<Role>(role));
        const std::string before = snapshot(env.db());
        auto logged = env.reports->log(report(kT0 - kHour, std::string("Jane Doe")));
        QVERIFY(!logged.ok());
        QVERIFY(logged.error().code == ErrorCode::NotAllowed);
        QCOMPARE(snapshot(env.db()), before);
    }

    void championMayLog()
    {
        Env env;
        OPEN_ENV(env, Role::Champion);
        LOG_OK(env, report(kT0 - kHour, std::string("Jane Doe")), logged);
        QVERIFY(logged.report.sourceRole == Role::Champion);
        QCOMPARE(text(env.db(), "SELECT source_role FROM asb_reports"), std::string("champion"));
    }

    void uninitialisedStoreWritesNothing()
    {
        Env env;
        auto opened = DeviceStore::open(env.path(), env.clock, env.random);
        QVERIFY(opened.ok());
        AsbReportStore reports(**opened, m_pack->wards());
        const std::string before = snapshot((*opened)->db());
        auto logged = reports.log(report(kT0 - kHour));
        QVERIFY(!logged.ok());
        QVERIFY(logged.error().code == ErrorCode::NotAllowed);
        QVERIFY(!reports.addFollowUp("0192f1d2-7c3e-7a10-8b2c-1234567890ab", "note", "x").ok());
        QVERIFY(!reports.transition("0192f1d2-7c3e-7a10-8b2c-1234567890ab", AsbStatus::Triaged, "").ok());
        QCOMPARE(snapshot((*opened)->db()), before);
    }

    void sqlMetacharactersAreStoredVerbatim()
    {
        Env env;
        OPEN_ENV(env, Role::Pcso);
        const std::string address = "'; DROP TABLE asb_reports; --";
        const std::string description = "Robert'); DROP TABLE people;-- \" OR 1=1; DELETE FROM outbox; /*";
        const std::string victim = "O'Brien\"; DELETE FROM people WHERE '1'='1";
        NewAsbReport r = report(kT0 - kHour, victim, address);
        r.description = description;
        LOG_OK(env, r, logged);
        auto stored = env.reports->get(logged.report.id);
        QVERIFY(stored.ok());
        QCOMPARE(stored->addressText, address);
        QCOMPARE(stored->description, description);
        auto person = env.reports->person(stored->victimId);
        QVERIFY(person.ok() && person->has_value());
        QCOMPARE((*person)->name, victim);
        // Every table survived, with the rows just written.
        QCOMPARE(rowCount(env.db(), "asb_reports"), std::int64_t(1));
        QCOMPARE(rowCount(env.db(), "people"), std::int64_t(1));
        QCOMPARE(rowCount(env.db(), "outbox"), std::int64_t(2));
        QCOMPARE(text(env.db(), "SELECT address_text FROM asb_reports"), address);
        // And the repeat check matches it like any other address.
        LOG_OK(env, report(kT0, std::nullopt, address), again);
        QCOMPARE(again.priorReports, 1);
    }

    void descriptionAtTheLimitIsKept()
    {
        Env env;
        OPEN_ENV(env, Role::Pcso);
        NewAsbReport r = report(kT0 - kHour);
        r.description = std::string(kMaxLongText - 2, 'd') + "\r\n";
        LOG_OK(env, r, logged);
        auto stored = env.reports->get(logged.report.id);
        QVERIFY(stored.ok());
        QCOMPARE(stored->description.size(), kMaxLongText);
        QCOMPARE(stored->description, r.description);
    }

    // --- the outbox ---------------------------------------------------------

    void oneOutboxEntryPerRowWritten_data()
    {
        QTest::addColumn<bool>("withReporter");
        QTest::addColumn<bool>("withVictim");
        QTest::newRow("no people") << false << false;
        QTest::newRow("victim") << false << true;
        QTest::newRow("reporter") << true << false;
        QTest::newRow("reporter and victim") << true << true;
    }
    void oneOutboxEntryPerRowWritten()
    {
        QFETCH(bool, withReporter);
        QFETCH(bool, withVictim);
        Env env;
        OPEN_ENV(env, Role::Pcso);
        LOG_OK(env, report(kT0 - kDay, std::string("Someone Else")), earlier);
        const auto countsBefore = allRowCounts(env.db());
        const auto seqBefore = queryCount(env.db(), "SELECT MAX(seq) FROM outbox");

        NewAsbReport r = report(kT0 - kHour, withVictim ? std::optional<std::string>("Jane Doe") : std::nullopt);
        if (withReporter)
            r.reporter = PersonDetails{"Pat Reporter", ""};
        LOG_OK(env, r, logged);
        const std::int64_t people = (withReporter ? 1 : 0) + (withVictim ? 1 : 0);

        auto countsAfter = allRowCounts(env.db());
        QCOMPARE(countsAfter["asb_reports"], countsBefore.at("asb_reports") + 1);
        QCOMPARE(countsAfter["people"], countsBefore.at("people") + people);
        QCOMPARE(countsAfter["outbox"], countsBefore.at("outbox") + 1 + people);
        for (const auto &[table, count] : countsBefore)
            if (table != "asb_reports" && table != "people" && table != "outbox" && table != "sqlite_sequence")
                QCOMPARE(countsAfter[table], count);

        // Each new entry names a row that was written, once, as a create.
        std::map<std::string, std::string> expected; // entity id -> table
        expected[logged.report.id] = "asb_reports";
        if (logged.report.reporterId)
            expected[*logged.report.reporterId] = "people";
        if (logged.report.victimId)
            expected[*logged.report.victimId] = "people";
        QCOMPARE(expected.size(), static_cast<std::size_t>(1 + people));
        auto stmt = env.db().prepare("SELECT entity, entity_id, op, fields, hlc, device_id FROM outbox WHERE seq > ?1 "
                                     "ORDER BY seq");
        QVERIFY(stmt.ok());
        (*stmt)->bind(1, static_cast<std::int64_t>(seqBefore));
        std::map<std::string, std::string> seen;
        std::int64_t lastHlc = 0;
        for (;;) {
            auto row = (*stmt)->step();
            QVERIFY(row.ok());
            if (!*row)
                break;
            const std::string entity = (*stmt)->columnText(0), entityId = (*stmt)->columnText(1);
            QCOMPARE((*stmt)->columnText(2), std::string("create"));
            QVERIFY2(seen.emplace(entityId, entity).second, entityId.c_str());
            const auto fields = nlohmann::json::parse((*stmt)->columnText(3), nullptr, false);
            QVERIFY(fields.is_object());
            QCOMPARE((*stmt)->columnText(5), env.store->profile().deviceId);
            QVERIFY((*stmt)->columnInt(4) > lastHlc);
            lastHlc = (*stmt)->columnInt(4);
            // The row carries the same stamp as its outbox entry.
            QCOMPARE(queryCount(env.db(), "SELECT hlc FROM " + entity + " WHERE id = '" + entityId + "'"), lastHlc);
        }
        (*stmt)->reset();
        QVERIFY(seen == expected);
    }
};

QTEST_GUILESS_MAIN(TestAsbReportStore)
#include "tst_asbreportstore.moc"
