// Drives the real beatbook-field executable's enrol, sync and status
// commands against a scripted TLS server in this process (the end-to-end
// tests use the real beatbook-sync-server).

#include "crypto/certificates.h"
#include "server/qrpng.h"
#include "sync/enrolmentcode.h"
#include "cliprocess.h"
#include "fakesyncserver.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <filesystem>

using namespace beatbook;
using namespace beatbook::testing;
using namespace beatbook::testing::fakesync;

namespace {

using Run = CliRun;

Run field(const QStringList &args)
{
    CliOptions options;
    options.environment.insert("USER", "test.user");
    return runCli(QStringLiteral(BEATBOOK_FIELD_EXE), args, options);
}

QString code(const FakeSyncServer &server)
{
    return QString::fromStdString(formatEnrolmentCode(kSecretBytes, server.certificateSha256()));
}

} // namespace

class TestFieldSync : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    int m_n = 0;

    QString newDb() { return m_dir.filePath(QStringLiteral("d%1.db").arg(++m_n)); }

private slots:
    void statusAndSyncNeedADatabase()
    {
        const QString db = newDb();
        for (const char *command : {"status", "sync"}) {
            const Run run = field({"--db", db, command});
            QVERIFY2(run.finished && run.exitCode == 2, qPrintable(run.describe()));
            QVERIFY(run.err.contains("enrol"));
            QVERIFY(!QFile::exists(db));
        }
    }

    void aLocalDeviceIsNotEnrolled()
    {
        const QString db = newDb();
        QVERIFY(field({"--db", db, "log-asb", "--type", "noise", "--qualifier", "personal", "--lat", "51.60551",
                       "--lon", "-0.26064", "--description", "Loud"})
                    .exitCode
                == 0);
        Run run = field({"--db", db, "--json", "status"});
        QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
        const QJsonObject status = run.jsonObject();
        QCOMPARE(status["enrolled"].toBool(), false);
        QCOMPARE(status["pending"].toInt(), 1);
        QVERIFY(status["last_sync"].isNull());
        QVERIFY(status["rejected"].toArray().isEmpty());
        run = field({"--db", db, "sync"});
        QVERIFY2(run.exitCode == 2, qPrintable(run.describe()));
        QVERIFY(run.err.contains("not enrolled"));
    }

    void enrolRefusesBadInput()
    {
        const QString db = newDb();
        const QString png = m_dir.filePath("not.png");
        QFile file(png);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("not a png");
        file.close();
        const QList<QStringList> bad{
            {"enrol"},
            {"enrol", "--server", "127.0.0.1:1"},
            {"enrol", "--code", "AAAAA"},
            {"enrol", "--server", "127.0.0.1:1", "--code", "not a code"},
            {"enrol", "--server", "no-port", "--code", "00000-00000-00000-00000-00000-00000-00000-00000"},
            {"enrol", "--qr", png},
            {"enrol", "--qr", png, "--code", "x", "--server", "127.0.0.1:1"},
        };
        for (const auto &args : bad) {
            const Run run = field(QStringList{"--db", db} + args);
            QVERIFY2(run.finished && run.exitCode == 2, qPrintable(args.join(' ') + ": " + run.describe()));
            QVERIFY(!run.err.isEmpty());
        }
        const Run missing = field({"--db", db, "enrol", "--qr", m_dir.filePath("missing.png")});
        QVERIFY2(missing.exitCode == 1, qPrintable(missing.describe()));
    }

    // The QR code an admin prints, read back with zbar: the invite names
    // a server nobody listens on, so the enrolment stops at connecting.
    void readsTheInviteFromAQrCode()
    {
        const std::string invite = formatEnrolmentInvite(
            {"127.0.0.1:9", formatEnrolmentCode(kSecretBytes, std::string(32, '\x07')), std::string(32, '\x07')});
        const QString png = m_dir.filePath("invite.png");
        QVERIFY(writeQrPng(invite, png.toStdString()).ok());
        const QString db = newDb();
        const Run run = field({"--db", db, "enrol", "--qr", png});
        QVERIFY2(run.exitCode == 1, qPrintable(run.describe()));
        QVERIFY2(run.err.contains("127.0.0.1:9"), qPrintable(run.describe()));
    }

    void enrolsSyncsAndReports()
    {
        ServerState state;
        state.rejectEntities = {"people"};
        state.rejectReason = "a champion may not keep names";
        FakeSyncServer server;
        server.setScripts({enrolScript(state), syncScript(state), syncScript(state)});
        QVERIFY(server.start());
        const QString db = newDb();
        const QString address = QString::fromStdString(server.address());

        Run run = field({"--db", db, "--json", "enrol", "--server", address, "--code", code(server)});
        QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
        QJsonObject enrolled = run.jsonObject();
        QCOMPARE(enrolled["device_id"].toString(), QString(kDeviceId));
        QCOMPARE(enrolled["role"].toString(), QString("pcso"));
        QCOMPARE(enrolled["initialised"].toBool(), true);
        QCOMPARE(enrolled["certificate_sha256"].toString().toStdString(), toHex(server.certificateSha256()));

        run = field({"--db", db, "log-asb", "--type", "noise", "--qualifier", "personal", "--lat", "51.60551",
                     "--lon", "-0.26064", "--victim", "Vic Tim", "--description", "Loud"});
        QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));

        run = field({"--db", db, "sync"});
        QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
        QVERIFY2(run.out.contains("Sent 2 changes: 1 accepted, 1 rejected"), qPrintable(run.describe()));
        QVERIFY(run.out.contains("status"));
        QVERIFY2(run.out.contains("Checked: this device holds what the server holds"), qPrintable(run.describe()));

        run = field({"--db", db, "--json", "status"});
        QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
        const QJsonObject status = run.jsonObject();
        QCOMPARE(status["enrolled"].toBool(), true);
        QCOMPARE(status["pending"].toInt(), 0);
        QVERIFY(!status["last_sync"].isNull());
        const QJsonArray rejected = status["rejected"].toArray();
        QCOMPARE(rejected.size(), 1);
        QCOMPARE(rejected[0].toObject()["entity"].toString(), QString("people"));
        QCOMPARE(rejected[0].toObject()["reason"].toString(), QString("a champion may not keep names"));
        run = field({"--db", db, "status"});
        QVERIFY(run.out.contains("a champion may not keep names"));

        run = field({"--db", db, "--json", "sync"});
        QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
        QCOMPARE(run.jsonObject()["sent"].toInt(), 0);
        QCOMPARE(run.jsonObject()["verified"].toBool(), true);
    }

    void aRevokedDeviceSaysItWasWiped()
    {
        ServerState state;
        FakeSyncServer server;
        server.setScripts({enrolScript(state), refuseScript(syncv1::Refusal::DEVICE_REVOKED, "revoked", true)});
        QVERIFY(server.start());
        const QString db = newDb();
        Run run = field({"--db", db, "enrol", "--server", QString::fromStdString(server.address()), "--code",
                         code(server)});
        QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
        run = field({"--db", db, "--json", "sync"});
        QVERIFY2(run.exitCode == 1, qPrintable(run.describe()));
        QVERIFY(run.err.contains("revoked"));
        QVERIFY(run.err.contains("wiped"));
        QCOMPARE(run.jsonObject()["wiped"].toBool(), true);
        QCOMPARE(run.jsonObject()["refusal"].toString(), QString("DEVICE_REVOKED"));
        QVERIFY(!QFile::exists(db));
    }
};

QTEST_GUILESS_MAIN(TestFieldSync)
#include "tst_fieldsync.moc"
