// Drives the real beatbook-field executable, as a script or a support person
// would: every run has its stdin closed, so a command that tried to prompt
// would see end-of-file rather than wait.

#include "cliprocess.h"
#include "testdata.h"

#include "store/database.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QDir>
#include <QFile>
#include <QTest>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

using beatbook::testing::wardSamplePoints;

namespace {

constexpr double kBorough = 389300.0;
const char *const kHendon = "E05013643";
const char *const kBurntOak = "E05013630";
const QStringList kHendonPos{"--lat", "51.58951", "--lon", "-0.22356"};
const QStringList kBurntOakPos{"--lat", "51.60551", "--lon", "-0.26064"};
const QStringList kOutsidePos{"--lat", "51.5074", "--lon", "-0.1278"};

using Run = beatbook::testing::CliRun;

QProcessEnvironment environment()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove("BEATBOOK_PACK_DIR"); // the pack the build points at (Barnet)
    env.insert("USER", "test.user");
    return env;
}

Run runProgram(const QString &program, const QStringList &args, bool keepStdinOpen = false, int timeoutMs = 60000)
{
    beatbook::testing::CliOptions options;
    options.environment = environment();
    options.keepStdinOpen = keepStdinOpen;
    options.timeoutMs = timeoutMs;
    return beatbook::testing::runCli(program, args, options);
}

Run field(const QStringList &args, bool keepStdinOpen = false, int timeoutMs = 60000)
{
    return runProgram(QStringLiteral(BEATBOOK_FIELD_EXE), args, keepStdinOpen, timeoutMs);
}

// Runs the executable with one argument made of raw bytes, which a QString
// argument list cannot carry: the shell's printf makes them. `octal` is a
// printf format such as "caf\351".
Run fieldWithRawArgument(const QStringList &args, const QString &option, const QString &octal)
{
    const QString script = QStringLiteral("exec \"$@\" %1 \"$(printf '%2')\"").arg(option, octal);
    QStringList shellArgs{"-c", script, "sh", QStringLiteral(BEATBOOK_FIELD_EXE)};
    shellArgs << args;
    return runProgram("/bin/sh", shellArgs);
}

// Exactly one non-empty line on stderr.
bool oneLine(const QByteArray &err)
{
    return err.endsWith('\n') && err.count('\n') == 1 && err.trimmed().size() > 0;
}

bool near(double a, double b) { return std::fabs(a - b) < 1e-9; }

} // namespace

class TestFieldCli : public QObject {
    Q_OBJECT
private:
    QString m_db;
    std::unique_ptr<QTemporaryDir> m_dir;

    QStringList db() const { return {"--db", m_db}; }
    QStringList dbJson() const { return {"--db", m_db, "--json"}; }

    // What a "nothing changed" check compares: every report, and its history.
    QByteArray state()
    {
        const Run list = field(dbJson() << "list");
        QByteArray out = list.out;
        const QJsonArray reports = list.json().array();
        for (const auto &r : reports)
            out += field(dbJson() << "show" << r.toObject()["id"].toString()).out;
        // The measures too, all but the time they were computed at.
        QString kpis = QString::fromUtf8(field(dbJson() << "kpis").out);
        kpis.remove(QRegularExpression("\"computed_at\": \"[^\"]*\""));
        return out + kpis.toUtf8();
    }

    QString logReport(const QStringList &extra, QJsonObject *result = nullptr)
    {
        const Run run = field(dbJson() << "log-asb" << "--type" << "rowdy_inconsiderate" << "--qualifier" << "personal"
                                       << extra);
        if (run.exitCode != 0 || !run.finished) {
            qWarning("log-asb failed: %s", qPrintable(run.describe()));
            return {};
        }
        const QJsonObject o = run.json().object();
        if (result)
            *result = o;
        return o["id"].toString();
    }

private slots:
    void initTestCase()
    {
        // A test that cannot run must fail, not pass silently.
        QVERIFY2(QFileInfo(QStringLiteral(BEATBOOK_FIELD_EXE)).isExecutable(),
                 "beatbook-field is not built: build the beatbook-field target before the tests");
    }

    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_db = m_dir->filePath("field.db");
    }

    void initCreatesTheDevice()
    {
        const Run run = field(dbJson() << "init" << "--user" << "Sgt Ahmed" << "--role" << "supervisor" << "--ward"
                                       << kHendon);
        QVERIFY2(run.finished && run.exitCode == 0, qPrintable(run.describe()));
        QVERIFY(run.err.isEmpty());
        const QJsonObject o = run.json().object();
        const QString deviceId = o["device_id"].toString();
        QVERIFY2(QRegularExpression("^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
                     .match(deviceId)
                     .hasMatch(),
                 qPrintable(deviceId));
        QCOMPARE(o["user"].toString(), QString("Sgt Ahmed"));
        QCOMPARE(o["role"].toString(), QString("supervisor"));
        QCOMPARE(o["wards"].toArray().size(), 1);
        QCOMPARE(o["wards"].toArray()[0].toString(), QString(kHendon));
        QCOMPARE(o["pack"].toString(), QString("barnet"));
        QVERIFY(o["schema_version"].toInt() >= 1);
        QVERIFY(QFile::exists(m_db));

        const Run again = field(dbJson() << "init" << "--role" << "pcso");
        QVERIFY2(again.exitCode == 0, qPrintable(again.describe()));
        QCOMPARE(again.json().object()["already_initialised"].toBool(), true);
        QCOMPARE(again.json().object()["device_id"].toString(), deviceId);

        // Plain text without --json.
        const Run text = field(db() << "init");
        QVERIFY(text.exitCode == 0);
        QVERIFY2(text.out.contains(deviceId.toUtf8()), text.out.constData());
    }

    void initRefusesBadInput_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("unknown role") << QStringList{"init", "--role", "wizard"};
        QTest::newRow("role in capitals") << QStringList{"init", "--role", "PCSO"};
        QTest::newRow("unknown ward") << QStringList{"init", "--ward", "E05000000"};
        QTest::newRow("user name with control character") << QStringList{"init", "--user", "a\x1b[2Jb"};
        QTest::newRow("user name blank") << QStringList{"init", "--user", "   "};
    }
    void initRefusesBadInput()
    {
        QFETCH(QStringList, args);
        const Run run = field(db() << args);
        QVERIFY2(run.finished && run.exitCode == 2, qPrintable(run.describe()));
        QVERIFY2(oneLine(run.err), run.err.constData());
        QVERIFY(run.err.startsWith("beatbook-field: "));
        // Still not set up: a later init works as the first.
        const Run later = field(dbJson() << "init" << "--role" << "officer");
        QVERIFY2(later.exitCode == 0, qPrintable(later.describe()));
        QVERIFY(!later.json().object().contains("already_initialised"));
    }

    void wardOnSamplePoints()
    {
        int checked = 0;
        for (const auto &point : wardSamplePoints()) {
            const Run run = field(dbJson() << "ward" << "--lat" << QString::fromStdString(point.lat) << "--lon"
                                           << QString::fromStdString(point.lon));
            QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
            const QJsonObject o = run.json().object();
            QCOMPARE(o["ward_code"].toString().toStdString(), point.code);
            QCOMPARE(o["ward_name"].toString().toStdString(), point.name);
            ++checked;
        }
        QCOMPARE(checked, 24);
        // Looking up a ward needs no device database.
        QVERIFY(!QFile::exists(m_db));

        const Run outside = field(dbJson() << "ward" << kOutsidePos);
        QVERIFY2(outside.exitCode == 0, qPrintable(outside.describe()));
        QVERIFY(outside.json().object().contains("ward_code"));
        QVERIFY(outside.json().object()["ward_code"].isNull());
        QVERIFY(outside.json().object()["ward_name"].isNull());

        const Run bad = field(dbJson() << "ward" << "--lat" << "91" << "--lon" << "0");
        QCOMPARE(bad.exitCode, 2);
        QVERIFY2(oneLine(bad.err), bad.err.constData());
    }

    void logAsbFlagsTheThirdReport()
    {
        QVERIFY(field(db() << "init" << "--role" << "officer").exitCode == 0);
        for (int i = 0; i < 3; ++i) {
            QJsonObject o;
            const QString id = logReport(QStringList{"--victim", i == 1 ? "  JANE doe " : "Jane Doe", "--address",
                                                     "12 Acacia Ave", "--description", "Ball against the door"}
                                             << kHendonPos,
                                         &o);
            QVERIFY(!id.isEmpty());
            for (const char *key : {"id", "ward_code", "repeat_victim", "prior_reports"})
                QVERIFY2(o.contains(key), key);
            QCOMPARE(o["ward_code"].toString(), QString(kHendon));
            QCOMPARE(o["prior_reports"].toInt(), i);
            QCOMPARE(o["repeat_victim"].toBool(), i == 2);
            QCOMPARE(o["status"].toString(), QString("submitted"));
        }
        QJsonObject outside;
        QVERIFY(!logReport(kOutsidePos, &outside).isEmpty());
        QVERIFY(outside["ward_code"].isNull());
        QCOMPARE(outside["repeat_victim"].toBool(), false);

        // The text form tells the officer on the spot.
        const Run text = field(db() << "log-asb" << "--type" << "noise" << "--qualifier" << "personal" << "--victim"
                                    << "Jane Doe" << kHendonPos);
        QVERIFY2(text.exitCode == 0, qPrintable(text.describe()));
        QVERIFY2(text.out.contains("REPEAT"), text.out.constData());
    }

    void listFilters()
    {
        QVERIFY(field(db() << "init" << "--role" << "officer").exitCode == 0);
        const QString a = logReport(kHendonPos);
        const QString b = logReport(kBurntOakPos);
        const QString c = logReport(kHendonPos);
        QVERIFY(!a.isEmpty() && !b.isEmpty() && !c.isEmpty());
        QVERIFY(field(db() << "transition" << c << "--to" << "triaged").exitCode == 0);

        const Run all = field(dbJson() << "list");
        QVERIFY2(all.exitCode == 0, qPrintable(all.describe()));
        QVERIFY(all.json().isArray());
        const QJsonArray reports = all.json().array();
        QCOMPARE(reports.size(), 3);
        for (const auto &value : reports) {
            const QJsonObject r = value.toObject();
            for (const char *key : {"id", "type", "status", "ward_code"})
                QVERIFY2(r.contains(key), key);
            QCOMPARE(r["type"].toString(), QString("rowdy_inconsiderate"));
        }

        const Run hendon = field(dbJson() << "list" << "--ward" << kHendon);
        QCOMPARE(hendon.json().array().size(), 2);
        for (const auto &value : hendon.json().array())
            QCOMPARE(value.toObject()["ward_code"].toString(), QString(kHendon));
        const Run burntOak = field(dbJson() << "list" << "--ward" << kBurntOak);
        QCOMPARE(burntOak.json().array().size(), 1);
        QCOMPARE(burntOak.json().array()[0].toObject()["id"].toString(), b);

        const Run triaged = field(dbJson() << "list" << "--status" << "triaged");
        QCOMPARE(triaged.json().array().size(), 1);
        QCOMPARE(triaged.json().array()[0].toObject()["id"].toString(), c);
        QCOMPARE(triaged.json().array()[0].toObject()["status"].toString(), QString("triaged"));
        const Run submittedInHendon = field(dbJson() << "list" << "--status" << "submitted" << "--ward" << kHendon);
        QCOMPARE(submittedInHendon.json().array().size(), 1);
        QCOMPARE(submittedInHendon.json().array()[0].toObject()["id"].toString(), a);
        const Run closed = field(dbJson() << "list" << "--status" << "closed");
        QVERIFY2(closed.exitCode == 0 && closed.json().isArray(), qPrintable(closed.describe()));
        QCOMPARE(closed.json().array().size(), 0);
    }

    void kpis()
    {
        QVERIFY(field(db() << "init" << "--role" << "officer").exitCode == 0);
        for (int i = 0; i < 3; ++i)
            QVERIFY(!logReport(QStringList{"--victim", "Jane Doe", "--reporter", "Pat"} << kHendonPos).isEmpty());
        const QString informed = logReport(QStringList{"--reporter", "Sam", "--address", "4 Elm Rd"} << kBurntOakPos);
        QVERIFY(!informed.isEmpty());
        for (const char *to : {"triaged", "assigned", "in_action", "resolved", "reporter_informed"})
            QVERIFY(field(db() << "transition" << informed << "--to" << to).exitCode == 0);
        QVERIFY(!logReport(kOutsidePos).isEmpty());

        const Run run = field(dbJson() << "kpis");
        QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
        const QJsonObject k = run.json().object();
        QCOMPARE(k["reports_total"].toInt(), 5);
        QCOMPARE(k["outside_borough"].toInt(), 1);
        const QJsonArray byWard = k["by_ward"].toArray();
        QCOMPARE(byWard.size(), 24);
        bool foundHendon = false;
        for (const auto &value : byWard) {
            const QJsonObject w = value.toObject();
            for (const char *key : {"ward_code", "reports", "rate_per_1000"})
                QVERIFY2(w.contains(key), key);
            if (w["ward_code"].toString() == kHendon) {
                foundHendon = true;
                QCOMPARE(w["reports"].toInt(), 3);
                QVERIFY2(near(w["rate_per_1000"].toDouble(), 3 * 1000.0 / kBorough),
                         qPrintable(QString::number(w["rate_per_1000"].toDouble(), 'g', 17)));
            }
        }
        QVERIFY(foundHendon);
        // Jane Doe (3 reports, the third a repeat), 4 Elm Road: 1 of 2.
        QVERIFY2(near(k["repeat_victim_share"].toDouble(), 0.5), qPrintable(run.describe()));
        // One report with a reporter reached an outcome, and they were told.
        QVERIFY(near(k["reporter_informed_share"].toDouble(), 1.0));
        QVERIFY(k["hotspots"].isObject());
        QVERIFY(k["hotspots"].toObject()["top_places"].isArray());
        QVERIFY(k["hotspots"].toObject().contains("top_10_percent_share"));
        QVERIFY(k["baselines"].isArray());
        QVERIFY(!k["baselines"].toArray().isEmpty());
        QVERIFY(!run.out.contains("Jane") && !run.out.contains("Pat"));

        const Run ward = field(dbJson() << "kpis" << "--ward" << kBurntOak);
        QVERIFY2(ward.exitCode == 0, qPrintable(ward.describe()));
        QCOMPARE(ward.json().object()["reports_total"].toInt(), 1);
        QCOMPARE(ward.json().object()["ward"].toString(), QString(kBurntOak));

        const Run unknown = field(dbJson() << "kpis" << "--ward" << "E05000000");
        QCOMPARE(unknown.exitCode, 2);
        QVERIFY2(oneLine(unknown.err), unknown.err.constData());
        QVERIFY(unknown.out.isEmpty());
    }

    void transitionAndFollowUp()
    {
        QVERIFY(field(db() << "init" << "--role" << "officer" << "--user" << "PC Jones").exitCode == 0);
        const QString id = logReport(QStringList{"--reporter", "Pat"} << kHendonPos);
        QVERIFY(!id.isEmpty());
        const Run assigned0 = field(dbJson() << "transition" << id << "--to" << "triaged");
        QVERIFY2(assigned0.exitCode == 0, qPrintable(assigned0.describe()));
        QCOMPARE(assigned0.json().object()["status"].toString(), QString("triaged"));
        const Run assign = field(dbJson() << "transition" << id << "--to" << "assigned" << "--assignee" << "PC Smith");
        QVERIFY2(assign.exitCode == 0, qPrintable(assign.describe()));
        const Run note = field(dbJson() << "follow-up" << id << "--text" << "Visited; no answer, card left");
        QVERIFY2(note.exitCode == 0, qPrintable(note.describe()));
        QCOMPARE(note.json().object()["report_id"].toString(), id);
        QCOMPARE(note.json().object()["kind"].toString(), QString("follow_up"));
        QVERIFY(field(db() << "follow-up" << id << "--kind" << "note" << "--text" << "Neighbour saw it").exitCode == 0);
        for (const char *to : {"in_action", "resolved", "reporter_informed", "closed"}) {
            const Run step = field(dbJson() << "transition" << id << "--to" << to);
            QVERIFY2(step.exitCode == 0, qPrintable(step.describe()));
            QCOMPARE(step.json().object()["status"].toString(), QString(to));
        }

        const Run show = field(dbJson() << "show" << id);
        QVERIFY2(show.exitCode == 0, qPrintable(show.describe()));
        const QJsonObject r = show.json().object();
        QCOMPARE(r["status"].toString(), QString("closed"));
        QCOMPARE(r["assigned_to"].toString(), QString("PC Smith"));
        const Run shown = field(db() << "show" << id);
        QVERIFY2(shown.out.contains(", closed, assignee PC Smith, ward"), shown.out.constData());
        QVERIFY(r["reporter_informed_at"].isString());
        QVERIFY(r["close_reason"].isNull());
        const QJsonArray history = r["history"].toArray();
        QCOMPARE(history.size(), 8);
        QStringList kinds, targets;
        for (const auto &e : history) {
            kinds << e.toObject()["kind"].toString();
            if (e.toObject()["kind"].toString() == "transition")
                targets << e.toObject()["to_status"].toString();
            QCOMPARE(e.toObject()["author"].toString(), QString("PC Jones"));
        }
        QCOMPARE(kinds.count("transition"), 6);
        QCOMPARE(kinds.count("follow_up"), 1);
        QCOMPARE(kinds.count("note"), 1);
        QCOMPARE(targets, (QStringList{"triaged", "assigned", "in_action", "resolved", "reporter_informed", "closed"}));

        // A closed report goes nowhere.
        const QByteArray before = state();
        const Run again = field(db() << "transition" << id << "--to" << "triaged");
        QCOMPARE(again.exitCode, 2);
        QVERIFY2(oneLine(again.err), again.err.constData());
        QCOMPARE(state(), before);
    }

    void aPcsoCannotTriage()
    {
        QVERIFY(field(db() << "init" << "--role" << "pcso").exitCode == 0);
        const QString id = logReport(kHendonPos);
        QVERIFY(!id.isEmpty());
        const QByteArray before = state();
        const Run run = field(db() << "transition" << id << "--to" << "triaged");
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(oneLine(run.err), run.err.constData());
        QCOMPARE(state(), before);
    }

    // Conflicts arrive from the server (tst_syncconvergence drives them end
    // to end); here one is stored as a pull stores it, to try the commands.
    void conflictsAreListedAndOnlyASupervisorResolves()
    {
        QVERIFY(field(db() << "init" << "--role" << "supervisor").exitCode == 0);
        const Run none = field(db() << "conflicts");
        QCOMPARE(none.exitCode, 0);
        QCOMPARE(none.out.trimmed(), QByteArray("No conflicting values."));
        const QString id = logReport(kHendonPos);
        QVERIFY(!id.isEmpty());
        {
            auto opened = beatbook::Database::open(m_db.toStdString());
            QVERIFY(opened.ok());
            const std::string values = R"([{"value":"pc.alpha","hlc":)" + std::to_string(std::uint64_t{2} << 40)
                + R"(,"device_id":"dev-b"},{"value":"pc.bravo","hlc":)" + std::to_string(std::uint64_t{1} << 40)
                + R"(,"device_id":"dev-a"}])";
            QVERIFY((*opened)
                        ->exec("INSERT INTO sync_conflicts (entity, entity_id, field, values_json, received_at) "
                               "VALUES ('asb_reports', '" + id.toStdString() + "', 'assigned_to', '" + values
                               + "', 0)")
                        .ok());
        }

        const Run listed = field(db() << "conflicts");
        QCOMPARE(listed.exitCode, 0);
        const QStringList lines = listed.lines();
        QCOMPARE(lines.size(), 3);
        QCOMPARE(lines[0], "asb_reports " + id + " assigned_to");
        QVERIFY2(lines[1].startsWith("  1. pc.bravo") && lines[1].contains("dev-a"), qPrintable(lines[1]));
        QVERIFY2(lines[2].startsWith("  2. pc.alpha") && lines[2].contains("dev-b"), qPrintable(lines[2]));
        const QJsonArray json = field(dbJson() << "conflicts").json().array();
        QCOMPARE(json.size(), 1);
        QCOMPARE(json[0].toObject()["field"].toString(), QString("assigned_to"));
        QCOMPARE(json[0].toObject()["values"].toArray()[1].toObject()["value"].toString(), QString("pc.alpha"));
        QCOMPARE(json[0].toObject()["values"].toArray()[1].toObject()["choice"].toInt(), 2);

        const QByteArray before = state();
        for (const QStringList &bad : {QStringList{"asb_reports", id, "assigned_to", "--keep", "3"},
                                       QStringList{"asb_reports", id, "assigned_to", "--keep", "0"},
                                       QStringList{"asb_reports", id, "assigned_to", "--keep", "x"},
                                       QStringList{"asb_reports", id, "status", "--keep", "1"},
                                       QStringList{"referrals", id, "assigned_to", "--keep", "1"},
                                       QStringList{"asb_reports", id, "assigned_to"}}) {
            const Run refused = field(db() << "resolve" << bad);
            QVERIFY2(refused.exitCode == 2 && oneLine(refused.err), qPrintable(refused.describe()));
        }
        QCOMPARE(state(), before);

        const Run resolved = field(dbJson() << "resolve" << "asb_reports" << id << "assigned_to" << "--keep" << "2");
        QVERIFY2(resolved.exitCode == 0, qPrintable(resolved.describe()));
        QCOMPARE(resolved.jsonObject()["pending_sync"].toBool(), true);
        auto opened = beatbook::Database::open(m_db.toStdString());
        QVERIFY(opened.ok());
        QCOMPARE(*(*opened)->queryInt("SELECT COUNT(*) FROM asb_reports WHERE id = '" + id.toStdString()
                                      + "' AND assigned_to = 'pc.alpha'"),
                 std::int64_t(1));
        QCOMPARE(*(*opened)->queryInt("SELECT COUNT(*) FROM outbox WHERE entity_id = '" + id.toStdString()
                                      + "' AND op = 'update'"),
                 std::int64_t(1));

        // Any other role: refused, nothing written.
        QVERIFY(QFile::remove(m_db));
        QVERIFY(field(db() << "init" << "--role" << "officer").exitCode == 0);
        const QString other = logReport(kHendonPos);
        const Run officer = field(db() << "resolve" << "asb_reports" << other << "assigned_to" << "--keep" << "1");
        QCOMPARE(officer.exitCode, 2);
        QVERIFY2(officer.err.contains("only a supervisor"), officer.err.constData());
    }

    // Bad input: exit 2, one line on stderr, nothing changed.
    void badInputExitsTwo_data()
    {
        QTest::addColumn<QStringList>("args"); // after --db; "@ID" is a logged report's id
        const QStringList log{"log-asb", "--type", "noise", "--qualifier", "personal"};
        QTest::newRow("unknown type") << (QStringList{"log-asb", "--type", "noisy", "--qualifier", "personal"}
                                          << kHendonPos);
        QTest::newRow("unknown qualifier") << (QStringList{"log-asb", "--type", "noise", "--qualifier", "loud"}
                                               << kHendonPos);
        QTest::newRow("--lat abc") << (QStringList(log) << "--lat" << "abc" << "--lon" << "-0.2");
        QTest::newRow("--lat 91") << (QStringList(log) << "--lat" << "91" << "--lon" << "-0.2");
        QTest::newRow("--lat -90.5") << (QStringList(log) << "--lat" << "-90.5" << "--lon" << "-0.2");
        QTest::newRow("--lon 181") << (QStringList(log) << "--lat" << "51.6" << "--lon" << "181");
        QTest::newRow("--lat nan") << (QStringList(log) << "--lat" << "nan" << "--lon" << "-0.2");
        QTest::newRow("--lon inf") << (QStringList(log) << "--lat" << "51.6" << "--lon" << "inf");
        QTest::newRow("--lat empty") << (QStringList(log) << "--lat" << "" << "--lon" << "-0.2");
        QTest::newRow("--accuracy empty") << (QStringList(log) << kHendonPos << "--accuracy" << "");
        QTest::newRow("ward: --lat empty") << QStringList{"ward", "--lat", "", "--lon", "-0.2"};
        QTest::newRow("--lat missing") << (QStringList(log) << "--lon" << "-0.2");
        QTest::newRow("--accuracy -5") << (QStringList(log) << kHendonPos << "--accuracy" << "-5");
        QTest::newRow("time without zone") << (QStringList(log) << kHendonPos << "--occurred-at"
                                                                << "2026-11-24T21:15:00");
        QTest::newRow("time in the future") << (QStringList(log) << kHendonPos << "--occurred-at"
                                                                 << "2099-01-01T00:00Z");
        QTest::newRow("description too long") << (QStringList(log) << kHendonPos << "--description"
                                                                   << QString(10001, 'x'));
        QTest::newRow("victim name blank") << (QStringList(log) << kHendonPos << "--victim" << "   ");
        QTest::newRow("address with escape") << (QStringList(log) << kHendonPos << "--address" << "1\x1b[2J Elm Rd");
        QTest::newRow("list: unknown status") << QStringList{"list", "--status", "open"};
        QTest::newRow("list: unknown ward") << QStringList{"list", "--ward", "E05000000"};
        QTest::newRow("list: limit 0") << QStringList{"list", "--limit", "0"};
        QTest::newRow("transition: unknown status") << QStringList{"transition", "@ID", "--to", "done"};
        QTest::newRow("transition: skips triage") << QStringList{"transition", "@ID", "--to", "resolved"};
        QTest::newRow("transition: redirected needs triage") << QStringList{"transition", "@ID", "--to", "redirected",
                                                                           "--reason", "crime"};
        QTest::newRow("transition: assignee when triaging") << QStringList{"transition", "@ID", "--to", "triaged",
                                                                          "--assignee", "PC Smith"};
        QTest::newRow("transition: malformed id") << QStringList{"transition", "x'; DROP TABLE asb_reports; --",
                                                                 "--to", "triaged"};
        QTest::newRow("transition: unknown id") << QStringList{"transition", "0192f1d2-7c3e-7a10-8b2c-1234567890ab",
                                                               "--to", "triaged"};
        QTest::newRow("follow-up: empty text") << QStringList{"follow-up", "@ID", "--text", ""};
        QTest::newRow("follow-up: unknown kind") << QStringList{"follow-up", "@ID", "--kind", "transition", "--text",
                                                                "x"};
        QTest::newRow("show: unknown id") << QStringList{"show", "0192f1d2-7c3e-7a10-8b2c-1234567890ab"};
        QTest::newRow("unknown command") << QStringList{"delete-all"};
        QTest::newRow("unknown option") << QStringList{"list", "--colour", "red"};
        QTest::newRow("no command") << QStringList{};
    }
    void badInputExitsTwo()
    {
        QFETCH(QStringList, args);
        QVERIFY(field(db() << "init" << "--role" << "officer").exitCode == 0);
        const QString id = logReport(QStringList{"--victim", "Jane Doe", "--address", "1 Elm Rd"} << kHendonPos);
        QVERIFY(!id.isEmpty());
        QVERIFY(field(db() << "follow-up" << id << "--text" << "first visit").exitCode == 0);
        args.replaceInStrings(QRegularExpression("^@ID$"), id);

        const QByteArray before = state();
        QVERIFY(before.contains(id.toUtf8()));
        const Run run = field(db() << args);
        QVERIFY2(run.finished, qPrintable(run.describe()));
        QVERIFY2(run.exitCode == 2, qPrintable(run.describe()));
        QVERIFY2(oneLine(run.err), run.err.constData());
        QVERIFY2(run.err.startsWith("beatbook-field: "), run.err.constData());
        QCOMPARE(state(), before);
    }

    void invalidUtf8ArgumentsExitTwo_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("option");
        QTest::addColumn<QString>("octal");
        const QStringList log = QStringList{"log-asb", "--type", "noise", "--qualifier", "personal"} << kHendonPos;
        QTest::newRow("description, Latin-1") << log << "--description" << "caf\\351";
        QTest::newRow("description, lone continuation") << log << "--description" << "a\\200b";
        QTest::newRow("address, 0xFF") << log << "--address" << "12 Acacia \\377 Avenue";
        QTest::newRow("victim, overlong") << log << "--victim" << "Jane \\300\\257";
        QTest::newRow("victim contact, surrogate") << log << "--victim-contact" << "\\355\\240\\200";
        QTest::newRow("reporter, truncated") << log << "--reporter" << "Pat \\342\\202";
        QTest::newRow("type") << QStringList{"log-asb", "--qualifier", "personal", "--lat", "51.6", "--lon", "-0.2"}
                              << "--type" << "nois\\351";
        QTest::newRow("occurred-at") << log << "--occurred-at" << "2026-11-24T21:15\\377Z";
        QTest::newRow("list status") << QStringList{"list"} << "--status" << "\\377";
        QTest::newRow("follow-up text") << QStringList{"follow-up", "@ID"} << "--text" << "visited \\376\\377";
        QTest::newRow("transition reason") << QStringList{"transition", "@ID", "--to", "triaged"} << "--reason"
                                           << "\\377";
        QTest::newRow("transition assignee") << QStringList{"transition", "@TRIAGED", "--to", "assigned"}
                                             << "--assignee" << "PC \\377";
    }
    void invalidUtf8ArgumentsExitTwo()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, option);
        QFETCH(QString, octal);
        QVERIFY(field(db() << "init" << "--role" << "officer").exitCode == 0);
        const QString id = logReport(QStringList{"--victim", "Jane Doe"} << kHendonPos);
        const QString triaged = logReport(kHendonPos);
        QVERIFY(!id.isEmpty() && !triaged.isEmpty());
        QVERIFY(field(db() << "transition" << triaged << "--to" << "triaged").exitCode == 0);
        args.replaceInStrings(QRegularExpression("^@ID$"), id);
        args.replaceInStrings(QRegularExpression("^@TRIAGED$"), triaged);

        const QByteArray before = state();
        const Run run = fieldWithRawArgument(db() << args, option, octal);
        QVERIFY2(run.finished, qPrintable(run.describe()));
        QVERIFY2(run.exitCode == 2, qPrintable(run.describe()));
        QVERIFY2(oneLine(run.err), run.err.constData());
        QCOMPARE(state(), before);
    }

    void rawArgumentsReachTheProgram()
    {
        // The shell trick used above does deliver the bytes: valid UTF-8
        // made the same way is accepted and stored.
        QVERIFY(field(db() << "init" << "--role" << "officer").exitCode == 0);
        const Run run = fieldWithRawArgument(dbJson() << "log-asb" << "--type" << "noise" << "--qualifier" << "personal"
                                                      << kHendonPos,
                                             "--description", "caf\\303\\251");
        QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
        const QString id = run.json().object()["id"].toString();
        const Run show = field(dbJson() << "show" << id);
        QCOMPARE(show.json().object()["description"].toString(), QString::fromUtf8("caf\xc3\xa9"));
    }

    void sqlInArgumentsIsStoredVerbatim()
    {
        QVERIFY(field(db() << "init" << "--role" << "officer").exitCode == 0);
        const QString hostile = "'; DROP TABLE asb_reports; --";
        const QString id = logReport(QStringList{"--address", hostile, "--description", hostile, "--victim",
                                                 "O'Brien"}
                                     << kHendonPos);
        QVERIFY(!id.isEmpty());
        const Run show = field(dbJson() << "show" << id);
        QVERIFY2(show.exitCode == 0, qPrintable(show.describe()));
        QCOMPARE(show.json().object()["address"].toString(), hostile);
        QCOMPARE(show.json().object()["description"].toString(), hostile);
        QCOMPARE(show.json().object()["victim"].toObject()["name"].toString(), QString("O'Brien"));
        QCOMPARE(field(dbJson() << "list").json().array().size(), 1);
    }

    void badInputOnAFreshPathCreatesNothing()
    {
        // Refused before anything is opened: no database appears.
        const Run type = field(db() << "log-asb" << "--type" << "noisy" << "--qualifier" << "personal" << kHendonPos);
        QCOMPARE(type.exitCode, 2);
        QVERIFY(!QFileInfo::exists(m_db));
        // Refused by the report's own checks, also before anything is opened.
        const Run lat = field(db() << "log-asb" << "--type" << "noise" << "--qualifier" << "personal" << "--lat"
                                   << "91" << "--lon" << "0");
        QCOMPARE(lat.exitCode, 2);
        QVERIFY(!QFileInfo::exists(m_db));
    }

    void failuresThatAreNotBadInputExitOne()
    {
        const QString missingDir = m_dir->filePath("no-such-dir/sub/field.db");
        for (const QStringList &args : {QStringList{"list"}, QStringList{"init"}, QStringList{"kpis"}}) {
            const Run run = field(QStringList{"--db", missingDir} << args);
            QVERIFY2(run.finished && run.exitCode == 1, qPrintable(run.describe()));
            QVERIFY2(oneLine(run.err), run.err.constData());
        }
        QVERIFY(!QFileInfo::exists(m_dir->filePath("no-such-dir")));

        // A data pack that is not there is not the user's typing either.
        const Run pack = field(db() << "--pack" << m_dir->filePath("no-pack") << "kpis");
        QVERIFY2(pack.exitCode == 1, qPrintable(pack.describe()));
        QVERIFY2(oneLine(pack.err), pack.err.constData());

        // A pack whose advice library is broken is refused at set-up, and
        // no database is made for it.
        const QString broken = m_dir->filePath("broken-pack");
        QVERIFY(QDir().mkpath(broken + "/advice"));
        const QDir barnet(QString::fromStdString(beatbook::testing::sourceFile("data/packs/barnet")));
        for (const QString &name : barnet.entryList(QDir::Files))
            QVERIFY(QFile::copy(barnet.filePath(name), broken + "/" + name));
        QFile article(broken + "/advice/fire_safety_at_home.v1.json");
        QVERIFY(article.open(QIODevice::WriteOnly));
        article.write("{");
        article.close();
        const QString fresh = m_dir->filePath("fresh.db");
        const Run init = field(QStringList{"--db", fresh, "--pack", broken, "init"});
        QVERIFY2(init.exitCode == 1, qPrintable(init.describe()));
        QVERIFY2(init.err.contains("fire_safety_at_home.v1.json"), init.err.constData());
        QVERIFY(!QFileInfo::exists(fresh));
    }

    // A partnership's own repeat-victim definition comes from its data pack:
    // with "2 in 12 months" the second report is already a repeat.
    void theRepeatRuleComesFromThePack()
    {
        const QString pack = m_dir->filePath("strict-pack");
        QVERIFY(QDir().mkpath(pack + "/advice"));
        const QDir barnet(QString::fromStdString(beatbook::testing::sourceFile("data/packs/barnet")));
        for (const QString &name : barnet.entryList(QDir::Files))
            if (name != "pack.json")
                QVERIFY(QFile::copy(barnet.filePath(name), pack + "/" + name));
        for (const QString &name : QDir(barnet.filePath("advice")).entryList(QDir::Files))
            QVERIFY(QFile::copy(barnet.filePath("advice/" + name), pack + "/advice/" + name));
        QFile manifest(barnet.filePath("pack.json"));
        QVERIFY(manifest.open(QIODevice::ReadOnly));
        QJsonObject root = QJsonDocument::fromJson(manifest.readAll()).object();
        root["repeat_victim"] = QJsonObject{{"threshold", 2}, {"window_days", 365}};
        QFile strict(pack + "/pack.json");
        QVERIFY(strict.open(QIODevice::WriteOnly));
        strict.write(QJsonDocument(root).toJson());
        strict.close();

        QVERIFY(field(db() << "--pack" << pack << "init").exitCode == 0);
        QJsonObject first, second;
        QVERIFY(!logReport(QStringList{"--victim", "Lee Strict"} << kHendonPos, &first).isEmpty());
        QVERIFY(!logReport(QStringList{"--victim", "Lee Strict"} << kHendonPos, &second).isEmpty());
        QCOMPARE(first["repeat_victim"].toBool(), false);
        QCOMPARE(second["prior_reports"].toInt(), 1);
        QCOMPARE(second["repeat_victim"].toBool(), true);
    }

    void neverReadsStdin()
    {
        // With stdin open and never written, a command that read it would
        // hang until the timeout.
        QVERIFY(field(db() << "init" << "--role" << "officer", true, 20000).exitCode == 0);
        const Run log = field(dbJson() << "log-asb" << "--type" << "noise" << "--qualifier" << "nuisance"
                                       << kHendonPos,
                              true, 20000);
        QVERIFY2(log.finished && log.exitCode == 0, qPrintable(log.describe()));
        const QString id = log.json().object()["id"].toString();
        for (const QStringList &args :
             {QStringList{"list"}, QStringList{"kpis"}, QStringList{"show", id}, QStringList{"ward", "--lat", "51.6",
                                                                                               "--lon", "-0.2"},
              QStringList{"transition", id, "--to", "triaged"}, QStringList{"follow-up", id, "--text", "x"}}) {
            const Run run = field(dbJson() << args, true, 20000);
            QVERIFY2(run.finished && run.exitCode == 0, qPrintable(args.join(' ') + ": " + run.describe()));
        }
        // A bad one fails fast too.
        const Run bad = field(dbJson() << "transition" << id << "--to" << "closed", true, 20000);
        QVERIFY2(bad.finished && bad.exitCode == 2, qPrintable(bad.describe()));
    }
};

QTEST_GUILESS_MAIN(TestFieldCli)
#include "tst_fieldcli.moc"
