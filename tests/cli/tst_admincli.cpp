// Drives the real beatbook-admin executable as an operator's script would:
// every run has its stdin closed, so a command that tried to prompt would see
// end-of-file rather than wait.

#include "certificatecheck.h"
#include "cliprocess.h"
#include "testdata.h"

#include "crypto/certificates.h"
#include "server/serverdatabase.h"
#include "server/serveridentity.h"
#include "server/sqlitedevicedirectory.h"
#include "store/query.h"
#include "sync/enrolmentcode.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageAuthenticationCode>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace beatbook;
using beatbook::testing::readFile;

namespace {

const char *const kHendon = "E05013643";
const char *const kBurntOak = "E05013630";
const QString kUuidPattern = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const QString kIsoPattern = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z";

using Run = testing::CliRun;

QProcessEnvironment environment()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove("BEATBOOK_PACK_DIR");  // the pack the build points at (Barnet)
    return env;
}

Run admin(const QStringList &args, int timeoutMs = 60000)
{
    testing::CliOptions options;
    options.environment = environment();
    options.timeoutMs = timeoutMs;
    return testing::runCli(QStringLiteral(BEATBOOK_ADMIN_EXE), args, options);
}

// Exactly one non-empty line on stderr.
bool oneLine(const QByteArray &err) { return err.endsWith('\n') && err.count('\n') == 1 && err.trimmed().size() > 0; }

using testing::parseCertificate;
using testing::verifiesFor;

unsigned modeOf(const QString &path)
{
    struct stat info {};
    if (::stat(path.toLocal8Bit().constData(), &info) != 0)
        return 0;
    return info.st_mode & 0777u;
}

// A report as the server holds it, with personal details that must never
// leave through kpis or export.
struct SeedReport {
    std::string id;
    std::optional<std::string> ward;
    std::string type;
    std::string qualifier;
    bool hate;
    std::string status;
    bool repeat;
    bool informed;
    TimestampMs occurredAt;
};

const char *const kVictimName = "Alice Quetzalcoatl";
const char *const kVictimContact = "07700 900123";
const char *const kAddress = "12 Acacia Avenue";
const char *const kDescription = "Loud party ZZDESCRIPTIONZZ";
const char *const kLoggedBy = "pc.zzlogger";

} // namespace

class TestAdminCli : public QObject {
    Q_OBJECT
private:
    std::unique_ptr<QTemporaryDir> m_tmp;
    QString m_data;

    QStringList data() const { return {"--data", m_data}; }
    QStringList dataJson() const { return {"--data", m_data, "--json"}; }
    QString file(const QString &name) const { return m_data + "/" + name; }

    bool initialise(const QStringList &extra = {"--hostname", "sync.example.org"})
    {
        const Run run = admin(data() << "init" << extra);
        if (!run.finished || run.exitCode != 0) {
            qWarning("init failed: %s", qPrintable(run.describe()));
            return false;
        }
        return true;
    }

    bool addUser(const QString &name, const QString &role, const QStringList &wards = {})
    {
        QStringList args = data() << "user" << "add" << name << "--role" << role;
        for (const auto &ward : wards)
            args << "--ward" << ward;
        const Run run = admin(args);
        if (!run.finished || run.exitCode != 0) {
            qWarning("user add failed: %s", qPrintable(run.describe()));
            return false;
        }
        return true;
    }

    std::string serverFingerprint() const
    {
        auto digest = certificateSha256(readFile(file("tls/server.crt").toStdString()));
        return digest ? *digest : std::string();
    }

    // Enrols a device the way the server does, with a code the tool printed.
    std::string redeem(const QString &code, char keyFill = 'k')
    {
        auto parsed = parseEnrolmentCode(code.toStdString());
        if (!parsed)
            return {};
        auto db = openServerDatabase(file("server.db").toStdString());
        if (!db)
            return {};
        SqliteDeviceDirectory directory(std::move(*db));
        auto enrolled = directory.enrolDevice(parsed->secret, std::string(32, keyFill), "ward phone",
                                              QDateTime::currentMSecsSinceEpoch());
        if (!enrolled) {
            qWarning("enrolment refused: %s", enrolled.error().message.c_str());
            return {};
        }
        return enrolled->device.id;
    }

    long long count(const std::string &sql)
    {
        auto db = openServerDatabase(file("server.db").toStdString());
        if (!db)
            return -1;
        auto n = (*db)->queryInt(sql);
        return n ? *n : -1;
    }

    struct AuditRow {
        QString action;
        QString subject;
        QString detail;  // null when the row has none
    };

    // admin_audit as stored, newest first.
    std::vector<AuditRow> auditRows()
    {
        auto db = openServerDatabase(file("server.db").toStdString());
        if (!db)
            return {};
        auto rows = readRows(**db, "SELECT action, subject, detail FROM admin_audit ORDER BY seq DESC", noParameters,
                             [](const Statement &s) {
                                 const auto detail = s.columnOptionalText(2);
                                 return AuditRow{QString::fromStdString(s.columnText(0)),
                                                 QString::fromStdString(s.columnText(1)),
                                                 detail ? QString::fromStdString(*detail) : QString()};
                             });
        return rows ? *rows : std::vector<AuditRow>{};
    }

    // Runs a command that must succeed and leave exactly one new audit row,
    // with this action and subject; what is wrong, or empty. The row's detail
    // goes to `detail`.
    QString auditedRun(const QStringList &args, const QString &action, const QString &subject,
                       QString *detail = nullptr, Run *result = nullptr)
    {
        const auto before = auditRows();
        const Run run = admin(data() << args);
        if (result)
            *result = run;
        if (!run.finished || run.exitCode != 0)
            return args.join(' ') + ": " + run.describe();
        const auto after = auditRows();
        if (after.size() != before.size() + 1)
            return args.join(' ') + QStringLiteral(": %1 audit rows added, not 1").arg(qint64(after.size())
                                                                                           - qint64(before.size()));
        const AuditRow &row = after.front();
        if (row.action != action || row.subject != subject)
            return args.join(' ') + ": audit row " + row.action + " " + row.subject + ", expected " + action + " "
                + subject;
        if (detail)
            *detail = row.detail;
        return {};
    }

    std::vector<SeedReport> seedReports()
    {
        const TimestampMs now = QDateTime::currentMSecsSinceEpoch();
        const TimestampMs day = TimestampMs{24} * 3600 * 1000;
        std::vector<SeedReport> reports{
            {"0192f1d2-7c3e-7a10-8b2c-000000000001", kHendon, "noise", "nuisance", false, "submitted", false, false,
             now - 40 * day},
            {"0192f1d2-7c3e-7a10-8b2c-000000000002", kHendon, "graffiti", "environmental", true, "closed", true, true,
             now - 40 * day - 3600000},
            {"0192f1d2-7c3e-7a10-8b2c-000000000003", kBurntOak, "drugs", "nuisance", false, "triaged", false, false,
             now - 70 * day},
            {"0192f1d2-7c3e-7a10-8b2c-000000000004", std::nullopt, "littering", "environmental", false, "submitted",
             false, false, now - 100 * day},
        };
        auto db = openServerDatabase(file("server.db").toStdString());
        if (!db) {
            qWarning("%s", db.error().message.c_str());
            return {};
        }
        auto person = (*db)->prepare("INSERT INTO people (id, name, contact, match_key, created_at, hlc, device_id) "
                                     "VALUES ('0192f1d2-7c3e-7a10-8b2c-0000000000ff', ?, ?, 'mk', ?, 1, 'dev')");
        if (!person || !(*person)->bind(1, kVictimName).bind(2, kVictimContact).bind(3, now).run()) {
            qWarning("could not seed a person");
            return {};
        }
        for (const auto &r : reports) {
            auto stmt = (*db)->prepare(
                "INSERT INTO asb_reports (id, type, qualifier, hate, occurred_at, logged_at, lat, lon, address_text, "
                "address_key, place_key, ward_code, description, reporter_id, victim_id, victim_key, source_role, "
                "logged_by, status, repeat_victim, prior_reports, reporter_informed_at, hlc, device_id) VALUES "
                "(?, ?, ?, ?, ?, ?, 51.58951, -0.22356, ?, '12 acacia avenue', '12 acacia avenue', ?, ?, "
                "'0192f1d2-7c3e-7a10-8b2c-0000000000ff', '0192f1d2-7c3e-7a10-8b2c-0000000000ff', 'vk', 'pcso', ?, ?, "
                "?, 0, ?, 1, 'dev')");
            if (!stmt)
                return {};
            (*stmt)->bind(1, r.id).bind(2, r.type).bind(3, r.qualifier).bind(4, r.hate ? 1 : 0);
            (*stmt)->bind(5, r.occurredAt).bind(6, r.occurredAt).bind(7, kAddress).bindOptional(8, r.ward);
            (*stmt)->bind(9, kDescription).bind(10, kLoggedBy).bind(11, r.status).bind(12, r.repeat ? 1 : 0);
            if (r.informed)
                (*stmt)->bind(13, r.occurredAt + day);
            else
                (*stmt)->bind(13, nullptr);
            if (auto ok = (*stmt)->run(); !ok) {
                qWarning("%s", ok.error().message.c_str());
                return {};
            }
        }
        return reports;
    }

    // The export as it should be, worked out here with Qt's own HMAC.
    QByteArray expectedCsv(const std::vector<SeedReport> &reports, const std::optional<std::string> &ward)
    {
        auto db = openServerDatabase(file("server.db").toStdString());
        if (!db)
            return {};
        auto identity = loadServerIdentity(**db);
        if (!identity)
            return {};
        const QByteArray key = QByteArray::fromStdString(identity->matchKey);
        struct Line {
            QString month, ward, pseudonym;
            QByteArray text;
        };
        std::vector<Line> lines;
        for (const auto &r : reports) {
            if (ward && r.ward != ward)
                continue;
            const QByteArray pseudonym = QMessageAuthenticationCode::hash(QByteArray("asb_report:") + r.id.c_str(), key,
                                                                          QCryptographicHash::Sha256)
                                             .left(8)
                                             .toHex();
            const QString month = QDateTime::fromMSecsSinceEpoch(r.occurredAt, Qt::UTC).toString("yyyy-MM");
            const QString w = r.ward ? QString::fromStdString(*r.ward) : QString();
            const QString text = QStringLiteral("%1,%2,%3,%4,%5,%6,%7,%8,%9\n")
                                     .arg(QString::fromLatin1(pseudonym), w, month, QString::fromStdString(r.type),
                                          QString::fromStdString(r.qualifier), r.hate ? "1" : "0",
                                          QString::fromStdString(r.status), r.repeat ? "1" : "0",
                                          r.informed ? "1" : "0");
            lines.push_back({month, w, QString::fromLatin1(pseudonym), text.toUtf8()});
        }
        std::sort(lines.begin(), lines.end(), [](const Line &a, const Line &b) {
            return std::tie(a.month, a.ward, a.pseudonym) < std::tie(b.month, b.ward, b.pseudonym);
        });
        QByteArray csv = "pseudonym,ward_code,month,type,qualifier,hate,status,repeat_victim,reporter_informed\n";
        for (const auto &line : lines)
            csv += line.text;
        return csv;
    }

    static void verifyNoPersonalData(const QByteArray &out, const std::vector<SeedReport> &reports)
    {
        for (const char *secret : {kVictimName, "Quetzal", kVictimContact, kAddress, "acacia", kDescription,
                                   "ZZDESCRIPTIONZZ", kLoggedBy, "51.58", "-0.22", "0192f1d2"})
            QVERIFY2(!out.contains(secret), secret);
        for (const auto &r : reports)
            QVERIFY(!out.contains(QByteArray::fromStdString(r.id)));
    }

private slots:
    void initTestCase()
    {
        // A test that cannot run must fail, not pass silently.
        QVERIFY2(QFileInfo(QStringLiteral(BEATBOOK_ADMIN_EXE)).isExecutable(),
                 "beatbook-admin is not built: build the beatbook-admin target before the tests");
    }

    void init()
    {
        m_tmp = std::make_unique<QTemporaryDir>();
        QVERIFY(m_tmp->isValid());
        m_data = m_tmp->filePath("server-data");
    }

    void initSetsUpTheDataDirectory()
    {
        const Run run = admin(dataJson() << "init" << "--hostname" << "sync.example.org");
        QVERIFY2(run.finished && run.exitCode == 0, qPrintable(run.describe()));
        QVERIFY(run.err.isEmpty());
        const QJsonObject o = run.json().object();
        QVERIFY(QRegularExpression("^" + kUuidPattern + "$").match(o["server_id"].toString()).hasMatch());
        QCOMPARE(o["listen"].toString(), QString("127.0.0.1:7443"));
        QCOMPARE(o["hostname"].toString(), QString("sync.example.org"));

        for (const char *name : {"server.db", "server.conf", "tls/ca.crt", "tls/ca.key", "tls/server.crt",
                                 "tls/server.key"})
            QVERIFY2(QFileInfo(file(name)).isFile(), name);
        QCOMPARE(modeOf(file("tls/ca.key")), 0600u);
        QCOMPARE(modeOf(file("tls/server.key")), 0600u);
        QCOMPARE(modeOf(file("tls")), 0700u);
        QCOMPARE(modeOf(m_data), 0700u);

        // The printed fingerprint is the certificate's, which names the
        // hostname, localhost and both loopback addresses, under the CA.
        QCOMPARE(o["certificate_sha256"].toString().toStdString(), toHex(serverFingerprint()));
        const std::string ca = readFile(file("tls/ca.crt").toStdString());
        const std::string leaf = readFile(file("tls/server.crt").toStdString());
        QVERIFY(verifiesFor(ca, leaf, "sync.example.org", false));
        QVERIFY(verifiesFor(ca, leaf, "localhost", false));
        QVERIFY(verifiesFor(ca, leaf, "127.0.0.1", true));
        QVERIFY(verifiesFor(ca, leaf, "::1", true));
        QVERIFY(!verifiesFor(ca, leaf, "other.example.org", false));
        QVERIFY(!verifiesFor(ca, leaf, "10.0.0.1", true));
        // The key on disk is the certificate's.
        auto cert = parseCertificate(leaf);
        const std::string keyPem = readFile(file("tls/server.key").toStdString());
        BIO *bio = BIO_new_mem_buf(keyPem.data(), static_cast<int>(keyPem.size()));
        EVP_PKEY *key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
        BIO_free(bio);
        QVERIFY(key);
        QCOMPARE(X509_check_private_key(cert.get(), key), 1);
        EVP_PKEY_free(key);

        // server.conf for the server; the identity in server.db.
        const QByteArray conf = QByteArray::fromStdString(readFile(file("server.conf").toStdString()));
        QVERIFY2(conf.contains("listen = \"127.0.0.1:7443\""), conf.constData());
        QVERIFY2(conf.contains("hostname = \"sync.example.org\""), conf.constData());
        auto db = openServerDatabase(file("server.db").toStdString());
        QVERIFY(db.ok());
        auto identity = loadServerIdentity(**db);
        QVERIFY(identity.ok());
        QCOMPARE(QString::fromStdString(identity->serverId), o["server_id"].toString());

        // Plain text names the fingerprint too.
        QTemporaryDir other;
        const Run text = admin({"--data", other.filePath("d"), "init", "--hostname", "sync.example.org"});
        QVERIFY2(text.exitCode == 0, qPrintable(text.describe()));
        QVERIFY(text.out.contains("Certificate SHA-256: "));
    }

    void initRefusesToOverwrite()
    {
        QVERIFY(initialise());
        const std::string key = readFile(file("tls/ca.key").toStdString());
        const std::string db = readFile(file("server.db").toStdString());
        for (const QStringList &extra : {QStringList{}, QStringList{"--hostname", "other.example.org"}}) {
            const Run again = admin(data() << "init" << extra);
            QCOMPARE(again.exitCode, 2);
            QVERIFY2(oneLine(again.err), again.err.constData());
            QVERIFY(again.out.isEmpty());
        }
        QCOMPARE(readFile(file("tls/ca.key").toStdString()), key);
        QCOMPARE(readFile(file("server.db").toStdString()), db);

        // A directory holding only part of a server is refused as well.
        QTemporaryDir partial;
        QVERIFY(QDir(partial.path()).mkdir("tls"));
        const Run half = admin({"--data", partial.path(), "init"});
        QCOMPARE(half.exitCode, 2);
        QVERIFY(!QFile::exists(partial.filePath("server.db")));
    }

    void initRefusesBadInput_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("hostname with space") << QStringList{"init", "--hostname", "sync example"};
        QTest::newRow("hostname with scheme") << QStringList{"init", "--hostname", "https://sync.example.org"};
        QTest::newRow("hostname non-ASCII") << QStringList{"init", "--hostname", "caf\u00e9.example"};
        QTest::newRow("listen without port") << QStringList{"init", "--listen", "127.0.0.1"};
        QTest::newRow("listen port 0") << QStringList{"init", "--listen", "127.0.0.1:0"};
        QTest::newRow("listen port too big") << QStringList{"init", "--listen", "127.0.0.1:70000"};
        QTest::newRow("unknown option") << QStringList{"init", "--colour", "red"};
    }
    void initRefusesBadInput()
    {
        QFETCH(QStringList, args);
        const Run run = admin(data() << args);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(oneLine(run.err), run.err.constData());
        QVERIFY(!QFileInfo::exists(m_data));
    }

    void initTakesAListenAddress()
    {
        QVERIFY(initialise({"--hostname", "10.1.2.3", "--listen", "0.0.0.0:8443"}));
        const std::string ca = readFile(file("tls/ca.crt").toStdString());
        const std::string leaf = readFile(file("tls/server.crt").toStdString());
        QVERIFY(verifiesFor(ca, leaf, "10.1.2.3", true));
        QVERIFY(verifiesFor(ca, leaf, "localhost", false));
        // Devices are sent to the hostname, not to the wildcard address.
        QVERIFY(addUser("pc.smith", "pcso", {kHendon}));
        const Run run = admin(dataJson() << "enrol" << "pc.smith");
        QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
        QCOMPARE(run.json().object()["server"].toString(), QString("10.1.2.3:8443"));
    }

    void commandsNeedAnInitialisedDirectory_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("user add") << QStringList{"user", "add", "pc.smith", "--role", "pcso"};
        QTest::newRow("user list") << QStringList{"user", "list"};
        QTest::newRow("user wards") << QStringList{"user", "wards", "pc.smith", "--ward", kHendon};
        QTest::newRow("audit") << QStringList{"audit"};
        QTest::newRow("enrol") << QStringList{"enrol", "pc.smith"};
        QTest::newRow("device list") << QStringList{"device", "list"};
        QTest::newRow("kpis") << QStringList{"kpis"};
        QTest::newRow("export") << QStringList{"export", "--format", "csv"};
    }
    void commandsNeedAnInitialisedDirectory()
    {
        QFETCH(QStringList, args);
        const Run run = admin(data() << args);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(oneLine(run.err), run.err.constData());
        QVERIFY2(run.err.contains("init"), run.err.constData());
        QVERIFY(!QFileInfo::exists(m_data));
    }

    void managesUsers()
    {
        QVERIFY(initialise());
        const Run add = admin(dataJson() << "user" << "add" << "pc.smith" << "--role" << "pcso" << "--ward" << kHendon
                                         << "--ward" << kBurntOak);
        QVERIFY2(add.exitCode == 0, qPrintable(add.describe()));
        QCOMPARE(add.json().object()["role"].toString(), QString("pcso"));
        QCOMPARE(add.json().object()["wards"].toArray().size(), 2);
        // Every role of domain.md.
        for (const char *role : {"champion", "officer", "supervisor", "council_asb", "fire_hfsv", "analyst", "admin"})
            QVERIFY(addUser(QString("user.") + role, role));

        Run list = admin(data() << "user" << "list");
        QCOMPARE(list.exitCode, 0);
        QCOMPARE(list.lines().size(), 8);
        QVERIFY2(list.lines().contains(QString("pc.smith pcso active %1,%2").arg(kBurntOak, kHendon)),
                 list.out.constData());
        QVERIFY(list.lines().contains("user.analyst analyst active -"));

        const Run disable = admin(data() << "user" << "disable" << "pc.smith");
        QCOMPARE(disable.exitCode, 0);
        list = admin(dataJson() << "user" << "list");
        bool found = false;
        for (const auto &u : list.json().array())
            if (u.toObject()["name"].toString() == "pc.smith") {
                QCOMPARE(u.toObject()["status"].toString(), QString("disabled"));
                found = true;
            }
        QVERIFY(found);
        QCOMPARE(admin(data() << "user" << "enable" << "pc.smith").exitCode, 0);
        QVERIFY(admin(data() << "user" << "list").lines().contains(
            QString("pc.smith pcso active %1,%2").arg(kBurntOak, kHendon)));
    }

    void userCommandsRefuseBadInput_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("unknown role") << QStringList{"user", "add", "a", "--role", "wizard"};
        QTest::newRow("role in capitals") << QStringList{"user", "add", "a", "--role", "PCSO"};
        QTest::newRow("no role") << QStringList{"user", "add", "a"};
        QTest::newRow("no name") << QStringList{"user", "add", "--role", "pcso"};
        QTest::newRow("name with space") << QStringList{"user", "add", "pc smith", "--role", "pcso"};
        QTest::newRow("name with control") << QStringList{"user", "add", "a\x1b[2Jb", "--role", "pcso"};
        QTest::newRow("bad ward") << QStringList{"user", "add", "a", "--role", "pcso", "--ward", "Hendon"};
        QTest::newRow("borough code as ward") << QStringList{"user", "add", "a", "--role", "pcso", "--ward",
                                                             "E09000003"};
        QTest::newRow("duplicate") << QStringList{"user", "add", "existing", "--role", "pcso"};
        QTest::newRow("disable unknown") << QStringList{"user", "disable", "nobody"};
        QTest::newRow("enable unknown") << QStringList{"user", "enable", "nobody"};
        QTest::newRow("no subcommand") << QStringList{"user"};
        QTest::newRow("unknown subcommand") << QStringList{"user", "delete", "existing"};
        QTest::newRow("wards of unknown user") << QStringList{"user", "wards", "nobody", "--ward", kHendon};
        QTest::newRow("wards bad ward") << QStringList{"user", "wards", "existing", "--ward", "Hendon"};
        QTest::newRow("wards borough code") << QStringList{"user", "wards", "existing", "--ward", "E09000003"};
        QTest::newRow("wards one good, one bad") << QStringList{"user", "wards", "existing", "--ward", kHendon,
                                                               "--ward", "E05"};
        QTest::newRow("wards empty ward") << QStringList{"user", "wards", "existing", "--ward", ""};
        QTest::newRow("wards without --ward") << QStringList{"user", "wards", "existing"};
        QTest::newRow("wards without name") << QStringList{"user", "wards", "--ward", kHendon};
        QTest::newRow("wards bad name") << QStringList{"user", "wards", "pc smith", "--ward", kHendon};
        QTest::newRow("wards unknown option") << QStringList{"user", "wards", "existing", "--wards", kHendon};
    }
    void userCommandsRefuseBadInput()
    {
        QFETCH(QStringList, args);
        QVERIFY(initialise());
        QVERIFY(addUser("existing", "officer"));
        const Run run = admin(data() << args);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(oneLine(run.err), run.err.constData());
        QVERIFY(run.out.isEmpty());
        QCOMPARE(admin(data() << "user" << "list").lines(), QStringList{"existing officer active -"});
        // Nothing audited: init and the add.
        QCOMPARE(auditRows().size(), std::size_t(2));
    }

    void replacesAUsersWards()
    {
        QVERIFY(initialise());
        QVERIFY(addUser("pc.smith", "pcso", {kHendon}));
        QVERIFY(addUser("nw.jones", "champion", {kHendon}));

        const Run run = admin(data() << "user" << "wards" << "pc.smith" << "--ward" << kBurntOak << "--ward" << kHendon
                                     << "--ward" << kBurntOak);
        QVERIFY2(run.finished && run.exitCode == 0, qPrintable(run.describe()));
        QVERIFY(run.err.isEmpty());
        QCOMPARE(run.lines().size(), 1);
        QVERIFY2(run.out.contains(QStringLiteral("now %1,%2, were %3").arg(kBurntOak, kHendon, kHendon).toUtf8()),
                 run.out.constData());
        Run list = admin(data() << "user" << "list");
        QVERIFY2(list.lines().contains(QString("pc.smith pcso active %1,%2").arg(kBurntOak, kHendon)),
                 list.out.constData());
        QVERIFY2(list.lines().contains(QString("nw.jones champion active %1").arg(kHendon)), list.out.constData());

        // Replaced, not added to.
        const Run json = admin(dataJson() << "user" << "wards" << "pc.smith" << "--ward" << kBurntOak);
        QVERIFY2(json.exitCode == 0, qPrintable(json.describe()));
        const QJsonObject o = json.json().object();
        QCOMPARE(o["name"].toString(), QString("pc.smith"));
        QCOMPARE(o["role"].toString(), QString("pcso"));
        QCOMPARE(o["wards"].toArray(), QJsonArray{kBurntOak});
        QCOMPARE(o["previous_wards"].toArray(), (QJsonArray{kBurntOak, kHendon}));
        QCOMPARE(o["changed"].toBool(), true);
        list = admin(dataJson() << "user" << "list");
        bool found = false;
        for (const auto &u : list.json().array())
            if (u.toObject()["name"].toString() == "pc.smith") {
                QCOMPARE(u.toObject()["wards"].toArray(), QJsonArray{kBurntOak});
                found = true;
            }
        QVERIFY(found);

        // The same list again: done, and said to be unchanged.
        const Run same = admin(data() << "user" << "wards" << "pc.smith" << "--ward" << kBurntOak);
        QCOMPARE(same.exitCode, 0);
        QCOMPARE(same.lines().size(), 1);
        QVERIFY2(same.out.contains("unchanged"), same.out.constData());

        // Any role may be given wards, as `user add` allows.
        QVERIFY(addUser("olga", "council_asb"));
        QCOMPARE(admin(data() << "user" << "wards" << "olga" << "--ward" << kHendon).exitCode, 0);
        QVERIFY(admin(data() << "user" << "list").lines().contains(QString("olga council_asb active %1").arg(kHendon)));
    }

    void auditsEveryChange()
    {
        QVERIFY(initialise());
        auto rows = auditRows();
        QCOMPARE(rows.size(), std::size_t(1));
        auto db = openServerDatabase(file("server.db").toStdString());
        QVERIFY(db.ok());
        auto identity = loadServerIdentity(**db);
        QVERIFY(identity.ok());
        db->reset();
        QCOMPARE(rows[0].action, QString("init"));
        QCOMPARE(rows[0].subject.toStdString(), identity->serverId);
        QCOMPARE(rows[0].detail, QString("hostname=sync.example.org listen=127.0.0.1:7443"));

        QString detail;
        QString failure = auditedRun({"user", "add", "pc.smith", "--role", "pcso", "--ward", kHendon}, "user_add",
                                     "pc.smith", &detail);
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        QCOMPARE(detail, QString("role=pcso wards=%1").arg(kHendon));

        failure = auditedRun({"user", "disable", "pc.smith"}, "user_disable", "pc.smith", &detail);
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        QVERIFY(detail.isNull());
        failure = auditedRun({"user", "enable", "pc.smith"}, "user_enable", "pc.smith");
        QVERIFY2(failure.isEmpty(), qPrintable(failure));

        failure = auditedRun({"user", "wards", "pc.smith", "--ward", kBurntOak}, "user_wards", "pc.smith", &detail);
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        QCOMPARE(detail, QString("wards=%1 was=%2").arg(kBurntOak, kHendon));

        Run enrolled;
        failure = auditedRun({"enrol", "pc.smith"}, "enrol", "pc.smith", &detail, &enrolled);
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        QVERIFY2(QRegularExpression("^expires_at=" + kIsoPattern + "$").match(detail).hasMatch(), qPrintable(detail));
        // Nothing of the code in the audit: not the code, any part of its
        // secret, nor the hash the server keeps.
        const QString code = enrolled.lines().last();
        const auto parsed = parseEnrolmentCode(code.toStdString());
        QVERIFY(parsed.ok());
        const QString secret = QString::fromStdString(parsed->secret);
        QVERIFY(secret.size() >= 16);
        auto hashes = openServerDatabase(file("server.db").toStdString());
        QVERIFY(hashes.ok());
        auto hash = readRows(**hashes, "SELECT secret_hash FROM enrolment_codes", noParameters,
                             [](const Statement &s) { return s.columnText(0); });
        QVERIFY(hash.ok() && hash->size() == 1);
        hashes->reset();
        for (const auto &row : auditRows()) {
            const QString all = row.action + " " + row.subject + " " + row.detail;
            QVERIFY(!all.contains(code));
            QVERIFY(!all.contains(code.left(11)));
            QVERIFY(!all.contains(secret.left(8), Qt::CaseInsensitive));
            QVERIFY(!all.contains(secret.right(8), Qt::CaseInsensitive));
            QVERIFY(!all.contains(QString::fromStdString(hash->front()).left(16), Qt::CaseInsensitive));
        }

        // The device enrols through the server, not the admin: no row.
        const auto before = auditRows().size();
        const std::string device = redeem(code);
        QVERIFY(!device.empty());
        QCOMPARE(auditRows().size(), before);

        const QString id = QString::fromStdString(device);
        failure = auditedRun({"device", "revoke", id}, "device_revoke", id, &detail);
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        QCOMPARE(detail, QString("user=pc.smith"));
        // Revoking again changes nothing, but the act is recorded.
        failure = auditedRun({"device", "revoke", id}, "device_revoke", id, &detail);
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        QCOMPARE(detail, QString("user=pc.smith already_revoked=true"));

        // Reading changes nothing and is not audited.
        const auto total = auditRows().size();
        QCOMPARE(total, std::size_t(8));
        for (const QStringList &args : {QStringList{"user", "list"}, QStringList{"device", "list"},
                                        QStringList{"audit"}, QStringList{"export", "--format", "csv"}})
            QCOMPARE(admin(data() << args).exitCode, 0);
        QCOMPARE(auditRows().size(), total);
    }

    void auditCannotBeChanged()
    {
        QVERIFY(initialise());
        QVERIFY(addUser("pc.smith", "pcso", {kHendon}));
        const Run before = admin(data() << "audit");
        QCOMPARE(before.lines().size(), 2);
        {
            auto db = openServerDatabase(file("server.db").toStdString());
            QVERIFY(db.ok());
            for (const char *sql : {"UPDATE admin_audit SET subject = 'someone.else'", "DELETE FROM admin_audit",
                                    "DELETE FROM admin_audit WHERE action = 'user_add'",
                                    "INSERT OR REPLACE INTO admin_audit (seq, at, action, subject) "
                                    "VALUES (2, 0, 'user_add', 'forged')"}) {
                const auto refused = (*db)->exec(sql);
                QVERIFY2(!refused.ok(), sql);
                QVERIFY2(refused.error().message.find("append-only") != std::string::npos,
                         refused.error().message.c_str());
            }
        }
        QCOMPARE(admin(data() << "audit").out, before.out);
    }

    void auditListsNewestFirst()
    {
        QVERIFY(initialise());
        QVERIFY(addUser("a.one", "pcso", {kHendon}));
        QVERIFY(addUser("b.two", "officer"));
        QCOMPARE(admin(data() << "user" << "disable" << "b.two").exitCode, 0);

        const Run run = admin(data() << "audit");
        QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
        QVERIFY(run.err.isEmpty());
        const QStringList lines = run.lines();
        QCOMPARE(lines.size(), 4);
        const QRegularExpression line("^(" + kIsoPattern + ") (\\S+) (\\S+)(?: (.+))?$");
        QStringList actions;
        QStringList subjects;
        QStringList details;
        QString previous;
        for (const auto &text : lines) {
            const auto m = line.match(text);
            QVERIFY2(m.hasMatch(), qPrintable(text));
            // Newest first: each time at or before the one above it.
            QVERIFY2(previous.isEmpty() || m.captured(1) <= previous, qPrintable(run.out));
            previous = m.captured(1);
            actions << m.captured(2);
            subjects << m.captured(3);
            details << m.captured(4);
        }
        QCOMPARE(actions, (QStringList{"user_disable", "user_add", "user_add", "init"}));
        QCOMPARE(subjects.mid(0, 3), (QStringList{"b.two", "b.two", "a.one"}));
        QCOMPARE(details[0], QString());
        QCOMPARE(details[1], QString("role=officer wards=-"));
        QCOMPARE(details[2], QString("role=pcso wards=%1").arg(kHendon));
        const qint64 at = QDateTime::fromString(lines[0].section(' ', 0, 0), Qt::ISODateWithMs).toMSecsSinceEpoch();
        QVERIFY(qAbs(at - QDateTime::currentMSecsSinceEpoch()) < 120000);

        const Run two = admin(data() << "audit" << "--limit" << "2");
        QCOMPARE(two.exitCode, 0);
        QCOMPARE(two.lines(), lines.mid(0, 2));
        QCOMPARE(admin(data() << "audit" << "--limit" << "1000").lines(), lines);

        const Run json = admin(dataJson() << "audit" << "--limit" << "3");
        QVERIFY2(json.exitCode == 0, qPrintable(json.describe()));
        const QJsonArray array = json.json().array();
        QCOMPARE(array.size(), 3);
        QCOMPARE(array[0].toObject()["seq"].toInt(), 4);
        QCOMPARE(array[2].toObject()["seq"].toInt(), 2);
        QCOMPARE(array[0].toObject()["action"].toString(), QString("user_disable"));
        QCOMPARE(array[0].toObject()["subject"].toString(), QString("b.two"));
        QVERIFY(array[0].toObject()["detail"].isNull());
        QCOMPARE(array[0].toObject()["at"].toString(), lines[0].section(' ', 0, 0));
        QCOMPARE(array[2].toObject()["detail"].toString(), QString("role=pcso wards=%1").arg(kHendon));
    }

    void auditRefusesBadLimits_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("zero") << QStringList{"audit", "--limit", "0"};
        QTest::newRow("negative") << QStringList{"audit", "--limit", "-1"};
        QTest::newRow("negative, joined") << QStringList{"audit", "--limit=-3"};
        QTest::newRow("word") << QStringList{"audit", "--limit", "ten"};
        QTest::newRow("fraction") << QStringList{"audit", "--limit", "1.5"};
        QTest::newRow("trailing text") << QStringList{"audit", "--limit", "5x"};
        QTest::newRow("empty") << QStringList{"audit", "--limit", ""};
        QTest::newRow("too big") << QStringList{"audit", "--limit", "99999999999999999999"};
        QTest::newRow("missing value") << QStringList{"audit", "--limit"};
        QTest::newRow("unknown option") << QStringList{"audit", "--since", "2026-01-01"};
    }
    void auditRefusesBadLimits()
    {
        QFETCH(QStringList, args);
        QVERIFY(initialise());
        const Run run = admin(data() << args);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(oneLine(run.err), run.err.constData());
        QVERIFY(run.out.isEmpty());
    }

    void enrolPrintsACodeForThisServer()
    {
        QVERIFY(initialise());
        QVERIFY(addUser("pc.smith", "pcso", {kHendon}));
        const Run run = admin(data() << "enrol" << "pc.smith");
        QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
        const QStringList lines = run.lines();
        QVERIFY(lines.size() >= 2);
        // The code alone on the last line.
        const QString code = lines.last();
        QVERIFY2(QRegularExpression("^([0-9A-HJKMNP-TV-Z]{5}-){7}[0-9A-HJKMNP-TV-Z]{5}$").match(code).hasMatch(),
                 qPrintable(code));
        const auto parsed = parseEnrolmentCode(code.toStdString());
        QVERIFY(parsed.ok());
        QVERIFY(matchesCertificate(*parsed, serverFingerprint()));
        QVERIFY(run.out.contains(QByteArray::fromStdString(toHex(serverFingerprint()))));
        QVERIFY(run.out.contains("127.0.0.1:7443"));
        QCOMPARE(count("SELECT COUNT(*) FROM enrolment_codes"), 1LL);

        // The code enrols a device once.
        const std::string device = redeem(code);
        QVERIFY(!device.empty());
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression("^enrolment refused: "));
        QVERIFY(redeem(code, 'z').empty());

        // Each run issues a new code.
        const Run second = admin(data() << "enrol" << "pc.smith");
        QVERIFY(second.lines().last() != code);
    }

    void enrolTakesOptions()
    {
        QVERIFY(initialise());
        QVERIFY(addUser("pc.smith", "pcso", {kHendon}));
        const QString qr = m_tmp->filePath("invite.png");
        const qint64 before = QDateTime::currentMSecsSinceEpoch();
        const Run run = admin(dataJson() << "enrol" << "pc.smith" << "--qr" << qr << "--server"
                                         << "beatbook.example.org:443" << "--valid-days" << "2");
        QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
        const QJsonObject o = run.json().object();
        QCOMPARE(o["server"].toString(), QString("beatbook.example.org:443"));
        QCOMPARE(o["user"].toString(), QString("pc.smith"));
        QCOMPARE(o["role"].toString(), QString("pcso"));
        QCOMPARE(o["certificate_sha256"].toString().toStdString(), toHex(serverFingerprint()));
        const qint64 expires = QDateTime::fromString(o["expires_at"].toString(), Qt::ISODateWithMs).toMSecsSinceEpoch();
        const qint64 twoDays = 2LL * 24 * 3600 * 1000;
        QVERIFY2(expires >= before + twoDays && expires <= before + twoDays + 60000, qPrintable(o["expires_at"].toString()));

        // The QR code: a PNG only its owner can read.
        QFile png(qr);
        QVERIFY(png.open(QIODevice::ReadOnly));
        QVERIFY(png.read(8) == QByteArray("\x89PNG\r\n\x1a\n"));
        QCOMPARE(modeOf(qr), 0600u);
        const QString zbarimg = QStandardPaths::findExecutable("zbarimg");
        QVERIFY2(!zbarimg.isEmpty(), "zbarimg is not installed (Debian package zbar-tools)");
        QProcess zbar;
        zbar.start(zbarimg, {"--raw", "-q", qr});
        QVERIFY(zbar.waitForFinished(30000));
        const std::string expected = formatEnrolmentInvite(
            {"beatbook.example.org:443", o["code"].toString().toStdString(), serverFingerprint()});
        QCOMPARE(zbar.readAllStandardOutput().trimmed().toStdString(), expected);
    }

    void enrolRefusesBadInput_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("unknown user") << QStringList{"enrol", "nobody"};
        QTest::newRow("disabled user") << QStringList{"enrol", "disabled.user"};
        QTest::newRow("bad name") << QStringList{"enrol", "pc smith"};
        QTest::newRow("no name") << QStringList{"enrol"};
        QTest::newRow("zero days") << QStringList{"enrol", "pc.smith", "--valid-days", "0"};
        QTest::newRow("too many days") << QStringList{"enrol", "pc.smith", "--valid-days", "1000"};
        QTest::newRow("days not a number") << QStringList{"enrol", "pc.smith", "--valid-days", "week"};
        QTest::newRow("days empty") << QStringList{"enrol", "pc.smith", "--valid-days", ""};
        QTest::newRow("bad server") << QStringList{"enrol", "pc.smith", "--server", "no-port.example.org"};
        QTest::newRow("server with scheme") << QStringList{"enrol", "pc.smith", "--server", "https://a.b:1"};
        QTest::newRow("qr in a missing folder") << QStringList{"enrol", "pc.smith", "--qr", "/nonexistent/dir/x.png"};
    }
    void enrolRefusesBadInput()
    {
        QFETCH(QStringList, args);
        QVERIFY(initialise());
        QVERIFY(addUser("pc.smith", "pcso", {kHendon}));
        QVERIFY(addUser("disabled.user", "pcso", {kHendon}));
        QCOMPARE(admin(data() << "user" << "disable" << "disabled.user").exitCode, 0);
        const auto audited = auditRows().size();
        const Run run = admin(data() << args);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(oneLine(run.err), run.err.constData());
        QVERIFY(run.out.isEmpty());
        // No code was issued, nor audited.
        QCOMPARE(count("SELECT COUNT(*) FROM enrolment_codes"), 0LL);
        QCOMPARE(auditRows().size(), audited);
    }

    void enrolReadsServerConfAsTheServerDoes()
    {
        QVERIFY(initialise());
        QVERIFY(addUser("pc.smith", "pcso", {kHendon}));
        QFile conf(file("server.conf"));
        QVERIFY(conf.open(QIODevice::Append));
        conf.write("max-connectoins = 5\n");  // misspelt: the server would refuse to start
        conf.close();
        const Run run = admin(data() << "enrol" << "pc.smith");
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(oneLine(run.err), run.err.constData());
        QVERIFY2(run.err.contains("server.conf"), run.err.constData());
        QCOMPARE(count("SELECT COUNT(*) FROM enrolment_codes"), 0LL);
        // --server needs no config.
        QCOMPARE(admin(data() << "enrol" << "pc.smith" << "--server" << "a.example:7443").exitCode, 0);
    }

    void listsAndRevokesDevices()
    {
        QVERIFY(initialise());
        QVERIFY(addUser("pc.smith", "pcso", {kHendon}));
        QVERIFY(addUser("nw.jones", "champion", {kBurntOak}));
        QCOMPARE(admin(data() << "device" << "list").out, QByteArray());

        const std::string first = redeem(admin(data() << "enrol" << "pc.smith").lines().last());
        const std::string second = redeem(admin(data() << "enrol" << "nw.jones").lines().last());
        QVERIFY(!first.empty() && !second.empty());

        Run list = admin(data() << "device" << "list");
        QCOMPARE(list.exitCode, 0);
        QCOMPARE(list.lines().size(), 2);
        const QRegularExpression line("^(" + kUuidPattern + ") (\\S+) (\\S+) (\\S+) (" + kIsoPattern + ") (never|"
                                      + kIsoPattern + ")( .*)?$");
        const auto m1 = line.match(list.lines()[0]);
        QVERIFY2(m1.hasMatch(), qPrintable(list.lines()[0]));
        QCOMPARE(m1.captured(1).toStdString(), first);
        QCOMPARE(m1.captured(2), QString("pc.smith"));
        QCOMPARE(m1.captured(3), QString("pcso"));
        QCOMPARE(m1.captured(4), QString("active"));
        QCOMPARE(m1.captured(6), QString("never"));
        QCOMPARE(m1.captured(7), QString(" ward phone"));
        const auto m2 = line.match(list.lines()[1]);
        QVERIFY2(m2.hasMatch(), qPrintable(list.lines()[1]));
        QCOMPARE(m2.captured(2), QString("nw.jones"));
        QCOMPARE(m2.captured(3), QString("champion"));

        const Run revoke = admin(data() << "device" << "revoke" << QString::fromStdString(first));
        QVERIFY2(revoke.exitCode == 0, qPrintable(revoke.describe()));
        list = admin(dataJson() << "device" << "list");
        const QJsonArray devices = list.json().array();
        QCOMPARE(devices.size(), 2);
        QCOMPARE(devices[0].toObject()["status"].toString(), QString("revoked"));
        QVERIFY(devices[0].toObject()["revoked_at"].isString());
        QCOMPARE(devices[1].toObject()["status"].toString(), QString("active"));
        QVERIFY(devices[1].toObject()["revoked_at"].isNull());

        // Again: nothing changes, still done.
        const Run again = admin(dataJson() << "device" << "revoke" << QString::fromStdString(first));
        QCOMPARE(again.exitCode, 0);
        QCOMPARE(again.json().object()["already_revoked"].toBool(), true);
        QCOMPARE(again.json().object()["revoked_at"], devices[0].toObject()["revoked_at"]);
    }

    void deviceCommandsRefuseBadInput_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("unknown device") << QStringList{"device", "revoke", "0192f1d2-7c3e-7a10-8b2c-1234567890ab"};
        QTest::newRow("not an id") << QStringList{"device", "revoke", "phone-3"};
        QTest::newRow("no id") << QStringList{"device", "revoke"};
        QTest::newRow("no subcommand") << QStringList{"device"};
    }
    void deviceCommandsRefuseBadInput()
    {
        QFETCH(QStringList, args);
        QVERIFY(initialise());
        const Run run = admin(data() << args);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(oneLine(run.err), run.err.constData());
        QVERIFY(run.out.isEmpty());
        QCOMPARE(auditRows().size(), std::size_t(1));  // init's
    }

    void kpisMeasureTheServersRecords()
    {
        QVERIFY(initialise());
        const auto reports = seedReports();
        QCOMPARE(reports.size(), std::size_t(4));

        const Run run = admin(dataJson() << "kpis");
        QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
        const QJsonObject o = run.json().object();
        QCOMPARE(o["reports_total"].toInt(), 4);
        QCOMPARE(o["outside_borough"].toInt(), 1);
        QVERIFY(o["baselines"].toArray().size() > 0);
        int hendon = -1;
        for (const auto &w : o["by_ward"].toArray())
            if (w.toObject()["ward_code"].toString() == kHendon)
                hendon = w.toObject()["reports"].toInt();
        QCOMPARE(hendon, 2);
        verifyNoPersonalData(run.out, reports);

        const Run ward = admin(dataJson() << "kpis" << "--ward" << kHendon);
        QVERIFY2(ward.exitCode == 0, qPrintable(ward.describe()));
        QCOMPARE(ward.json().object()["reports_total"].toInt(), 2);

        // Text, as the field client prints it, with the baselines.
        const Run text = admin(data() << "kpis");
        QCOMPARE(text.exitCode, 0);
        QVERIFY2(text.out.contains("Reports: 4 in all"), text.out.constData());
        QVERIFY(text.out.contains("Strategy baselines"));
        verifyNoPersonalData(text.out, reports);
    }

    void kpisRefuseBadInput_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        QTest::newRow("malformed ward") << QStringList{"kpis", "--ward", "Hendon"} << 2;
        QTest::newRow("ward not in the pack") << QStringList{"kpis", "--ward", "E05000000"} << 2;
        QTest::newRow("missing pack") << QStringList{"--pack", "/nonexistent/pack", "kpis"} << 1;
    }
    void kpisRefuseBadInput()
    {
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        QVERIFY(initialise());
        const Run run = admin(data() << args);
        QCOMPARE(run.exitCode, exitCode);
        QVERIFY2(oneLine(run.err), run.err.constData());
        QVERIFY(run.out.isEmpty());
    }

    void exportsPseudonymisedReports()
    {
        QVERIFY(initialise());
        const auto reports = seedReports();
        QCOMPARE(reports.size(), std::size_t(4));

        const Run run = admin(data() << "export" << "--format" << "csv");
        QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
        QVERIFY(run.err.isEmpty());
        const QByteArray expected = expectedCsv(reports, std::nullopt);
        QVERIFY(!expected.isEmpty());
        QCOMPARE(run.out, expected);
        verifyNoPersonalData(run.out, reports);
        // Stable from one export to the next.
        QCOMPARE(admin(data() << "export" << "--format" << "csv").out, run.out);

        const Run ward = admin(data() << "export" << "--format" << "csv" << "--ward" << kHendon);
        QCOMPARE(ward.exitCode, 0);
        QCOMPARE(ward.out, expectedCsv(reports, std::string(kHendon)));
        QCOMPARE(ward.lines().size(), 3);

        const QString out = m_tmp->filePath("export.csv");
        const Run toFile = admin(dataJson() << "export" << "--format" << "csv" << "--out" << out);
        QVERIFY2(toFile.exitCode == 0, qPrintable(toFile.describe()));
        QCOMPARE(toFile.json().object()["reports"].toInt(), 4);
        QCOMPARE(QByteArray::fromStdString(readFile(out.toStdString())), expected);
        QVERIFY(!QFile::exists(out + ".partial"));
    }

    void exportRefusesBadInput_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        QTest::newRow("no format") << QStringList{"export"} << 2;
        QTest::newRow("unknown format") << QStringList{"export", "--format", "xlsx"} << 2;
        QTest::newRow("bad ward") << QStringList{"export", "--format", "csv", "--ward", "E05"} << 2;
        QTest::newRow("unwritable file") << QStringList{"export", "--format", "csv", "--out", "/nonexistent/x.csv"}
                                         << 1;
    }
    void exportRefusesBadInput()
    {
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        QVERIFY(initialise());
        const Run run = admin(data() << args);
        QCOMPARE(run.exitCode, exitCode);
        QVERIFY2(oneLine(run.err), run.err.constData());
        QVERIFY(run.out.isEmpty());
    }

    void worksBesideARunningServer()
    {
        QVERIFY(initialise());
        // A server holds its own connection and is mid-write when the
        // operator runs a command: the command waits its turn, then succeeds.
        auto db = openServerDatabase(file("server.db").toStdString());
        QVERIFY(db.ok());
        QVERIFY((*db)->exec("BEGIN IMMEDIATE").ok());
        QVERIFY((*db)->exec("INSERT INTO users (name, role, wards, disabled, created_at) "
                            "VALUES ('from.server', 'officer', '[]', 0, 0)")
                    .ok());
        QProcess process;
        process.setProcessEnvironment(environment());
        process.start(QStringLiteral(BEATBOOK_ADMIN_EXE), data() << "user" << "add" << "pc.smith" << "--role"
                                                                  << "pcso");
        QVERIFY(process.waitForStarted());
        process.closeWriteChannel();
        QVERIFY(!process.waitForFinished(700));  // still waiting for the lock
        QVERIFY((*db)->exec("COMMIT").ok());
        QVERIFY(process.waitForFinished(30000));
        QCOMPARE(process.exitCode(), 0);
        QCOMPARE(admin(data() << "user" << "list").lines(),
                 (QStringList{"from.server officer active -", "pc.smith pcso active -"}));
    }

    void refusesBadGlobalInput_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("nothing") << QStringList{};
        QTest::newRow("no data") << QStringList{"user", "list"};
        QTest::newRow("no command") << QStringList{"--data", "x"};
        QTest::newRow("unknown command") << QStringList{"--data", "x", "wipe"};
    }
    void refusesBadGlobalInput()
    {
        QFETCH(QStringList, args);
        const Run run = admin(args);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(oneLine(run.err), run.err.constData());
    }

    void helpExitsCleanly()
    {
        const Run run = admin({"--help"});
        QCOMPARE(run.exitCode, 0);
        for (const char *command : {"init", "user", "enrol", "device", "kpis", "export", "audit"})
            QVERIFY2(run.out.contains(command), command);
    }
};

QTEST_GUILESS_MAIN(TestAdminCli)
#include "tst_admincli.moc"
