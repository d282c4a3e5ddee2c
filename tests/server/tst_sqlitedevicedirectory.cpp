#include "server/serverdatabase.h"
#include "server/sqlitedevicedirectory.h"

#include "core/uuid.h"
#include "store/query.h"
#include "sync/enrolmentcode.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace beatbook;

namespace {

constexpr TimestampMs kStart = 1795554900000LL;  // 2026-11-24T21:15Z
constexpr std::int64_t kWeek = 7LL * 24 * 3600 * 1000;
const std::string kHendon = "E05013643";
const std::string kBurntOak = "E05013630";

// A public key with the bytes text handling gets wrong: NUL, 0xff, quotes.
std::string publicKey(char fill)
{
    std::string key(32, fill);
    key[0] = '\0';
    key[1] = '\xff';
    key[2] = '\'';
    return key;
}

UserAccount user(const std::string &name, Role role, std::vector<std::string> wards = {})
{
    return UserAccount{name, role, std::move(wards), false, kStart};
}

std::string sha256Hex(const std::string &text)
{
    return QCryptographicHash::hash(QByteArray::fromStdString(text), QCryptographicHash::Sha256).toHex().toStdString();
}

} // namespace

class TestSqliteDeviceDirectory : public QObject {
    Q_OBJECT
private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::string m_path;
    std::unique_ptr<SqliteDeviceDirectory> m_directory;
    std::uint64_t m_seed = 1;

    std::unique_ptr<SqliteDeviceDirectory> open()
    {
        auto db = openServerDatabase(m_path);
        if (!db) {
            qWarning("%s", db.error().message.c_str());
            return nullptr;
        }
        return std::make_unique<SqliteDeviceDirectory>(std::move(*db), std::make_unique<SeededRandom>(m_seed++));
    }

    // A code as the device types it: the secret's canonical text.
    std::string issue(const std::string &name, TimestampMs now = kStart, std::int64_t valid = kWeek)
    {
        auto issued = m_directory->issueEnrolmentCode(name, now, valid);
        if (!issued) {
            qWarning("%s", issued.error().message.c_str());
            return {};
        }
        return enrolmentSecretText(issued->secret);
    }

private slots:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_path = m_dir->filePath("server.db").toStdString();
        m_directory = open();
        QVERIFY(m_directory);
    }
    void cleanup()
    {
        m_directory.reset();
        m_dir.reset();
    }

    void addsAndListsUsers()
    {
        QVERIFY(m_directory->addUser(user("pc.smith", Role::Pcso, {kHendon, kBurntOak, kHendon})).ok());
        QVERIFY(m_directory->addUser(user("analyst-1", Role::Analyst)).ok());
        const auto found = m_directory->findUser("pc.smith");
        QVERIFY(found.ok() && found->has_value());
        QVERIFY((*found)->role == Role::Pcso);
        // Sorted, repeats dropped: the scope token depends on it.
        QCOMPARE((*found)->wards, (std::vector<std::string>{kBurntOak, kHendon}));
        QCOMPARE((*found)->createdAt, kStart);
        QVERIFY(!(*found)->disabled);
        const auto missing = m_directory->findUser("nobody");
        QVERIFY(missing.ok() && !missing->has_value());
        const auto all = m_directory->listUsers();
        QVERIFY(all.ok());
        QCOMPARE(all->size(), std::size_t(2));
        QCOMPARE(all->at(0).name, std::string("analyst-1"));
        QCOMPARE(all->at(1).name, std::string("pc.smith"));
    }

    void refusesBadUsers_data()
    {
        QTest::addColumn<QByteArray>("name");
        QTest::addColumn<QString>("ward");
        QTest::newRow("empty name") << QByteArray("") << QString();
        QTest::newRow("space") << QByteArray("pc smith") << QString();
        QTest::newRow("looks like an option") << QByteArray("-rf") << QString();
        QTest::newRow("too long") << QByteArray(65, 'a') << QString();
        QTest::newRow("invalid UTF-8") << QByteArray("pc\xff") << QString();
        QTest::newRow("non-ASCII") << QByteArray("jos\xc3\xa9") << QString();
        QTest::newRow("control") << QByteArray("pc\nsmith") << QString();
        QTest::newRow("bad ward") << QByteArray("pc.smith") << "E05";
        QTest::newRow("borough, not ward") << QByteArray("pc.smith") << "E09000003";
        QTest::newRow("lower-case ward") << QByteArray("pc.smith") << "e05013643";
    }
    void refusesBadUsers()
    {
        QFETCH(QByteArray, name);
        QFETCH(QString, ward);
        std::vector<std::string> wards;
        if (!ward.isEmpty())
            wards.push_back(ward.toStdString());
        const auto added = m_directory->addUser(user(name.toStdString(), Role::Pcso, wards));
        QVERIFY(!added.ok());
        QVERIFY(added.error().code == ErrorCode::InvalidInput);
        QVERIFY(added.error().message.find('\n') == std::string::npos);
        const auto all = m_directory->listUsers();
        QVERIFY(all.ok() && all->empty());
    }

    void refusesADuplicateUser()
    {
        QVERIFY(m_directory->addUser(user("pc.smith", Role::Pcso, {kHendon})).ok());
        const auto again = m_directory->addUser(user("pc.smith", Role::Officer));
        QVERIFY(!again.ok());
        QVERIFY(QString::fromStdString(again.error().message).contains("already exists"));
        const auto found = m_directory->findUser("pc.smith");
        QVERIFY((*found)->role == Role::Pcso);
    }

    void disablesAndEnablesUsers()
    {
        QVERIFY(m_directory->addUser(user("pc.smith", Role::Pcso)).ok());
        QVERIFY(m_directory->setUserDisabled("pc.smith", true).ok());
        QVERIFY((*m_directory->findUser("pc.smith"))->disabled);
        QVERIFY(m_directory->setUserDisabled("pc.smith", false).ok());
        QVERIFY(!(*m_directory->findUser("pc.smith"))->disabled);
        const auto unknown = m_directory->setUserDisabled("nobody", true);
        QVERIFY(!unknown.ok());
        QVERIFY(unknown.error().code == ErrorCode::NotFound);
    }

    void storesOnlyTheHashOfASecret()
    {
        QVERIFY(m_directory->addUser(user("pc.smith", Role::Pcso)).ok());
        auto issued = m_directory->issueEnrolmentCode("pc.smith", kStart, kWeek);
        QVERIFY(issued.ok());
        QCOMPARE(issued->secret.size(), kEnrolmentSecretBytes);
        QCOMPARE(issued->expiresAt, kStart + kWeek);
        const std::string text = enrolmentSecretText(issued->secret);
        m_directory.reset();  // flushes the WAL into the file on close

        auto db = openServerDatabase(m_path);
        QVERIFY(db.ok());
        const auto hashes = readRows(**db, "SELECT secret_hash, user_name, issued_at, expires_at, used_at IS NULL "
                                           "FROM enrolment_codes", noParameters, [](const Statement &s) {
            return s.columnText(0) + "|" + s.columnText(1) + "|" + std::to_string(s.columnInt(2)) + "|"
                + std::to_string(s.columnInt(3)) + "|" + std::to_string(s.columnInt(4));
        });
        QVERIFY(hashes.ok());
        QCOMPARE(hashes->size(), std::size_t(1));
        QCOMPARE(hashes->front(), sha256Hex(text) + "|pc.smith|" + std::to_string(kStart) + "|"
                                      + std::to_string(kStart + kWeek) + "|1");
        db->reset();
        // Nowhere in the files: neither the text nor the raw bytes.
        QByteArray files;
        for (const char *suffix : {"", "-wal"}) {
            QFile f(QString::fromStdString(m_path + suffix));
            if (f.open(QIODevice::ReadOnly))
                files += f.readAll();
        }
        QVERIFY(files.size() > 0);
        QVERIFY(!files.contains(QByteArray::fromStdString(text)));
        QVERIFY(!files.contains(QByteArray::fromStdString(issued->secret)));
        QVERIFY(files.contains(QByteArray::fromStdString(sha256Hex(text))));
    }

    void refusesCodesForUnknownOrDisabledUsers()
    {
        auto unknown = m_directory->issueEnrolmentCode("nobody", kStart, kWeek);
        QVERIFY(!unknown.ok());
        QVERIFY(unknown.error().code == ErrorCode::NotFound);
        QVERIFY(m_directory->addUser(user("pc.smith", Role::Pcso)).ok());
        QVERIFY(m_directory->setUserDisabled("pc.smith", true).ok());
        auto disabled = m_directory->issueEnrolmentCode("pc.smith", kStart, kWeek);
        QVERIFY(!disabled.ok());
        QVERIFY(disabled.error().code == ErrorCode::NotAllowed);
        QVERIFY(m_directory->setUserDisabled("pc.smith", false).ok());
        for (std::int64_t valid : {std::int64_t{0}, std::int64_t{-1}, std::numeric_limits<std::int64_t>::max()}) {
            auto bad = m_directory->issueEnrolmentCode("pc.smith", kStart, valid);
            QVERIFY(!bad.ok());
            QVERIFY(bad.error().code == ErrorCode::InvalidInput);
        }
    }

    void enrolsADevice()
    {
        QVERIFY(m_directory->addUser(user("pc.smith", Role::Pcso, {kHendon})).ok());
        const std::string secret = issue("pc.smith");
        QVERIFY(!secret.empty());
        const auto enrolled = m_directory->enrolDevice(secret, publicKey('k'), "ward phone 3", kStart + 1000);
        QVERIFY2(enrolled.ok(), enrolled.ok() ? "" : enrolled.error().message.c_str());
        QVERIFY(isUuid(enrolled->device.id));
        QCOMPARE(enrolled->device.userName, std::string("pc.smith"));
        QVERIFY(enrolled->device.role == Role::Pcso);
        QVERIFY(enrolled->device.status == DeviceStatus::Active);
        QCOMPARE(enrolled->device.enrolledAt, kStart + 1000);
        QCOMPARE(enrolled->user.wards, std::vector<std::string>{kHendon});

        // Read back from a fresh connection: the key's bytes exactly.
        m_directory = open();
        QVERIFY(m_directory);
        const auto found = m_directory->findDevice(enrolled->device.id);
        QVERIFY(found.ok() && found->has_value());
        QCOMPARE((*found)->device.publicKey, publicKey('k'));
        QCOMPARE((*found)->device.label, std::string("ward phone 3"));
        QCOMPARE((*found)->user.name, std::string("pc.smith"));
        QVERIFY(!(*found)->device.lastSeenAt);
        QVERIFY(!(*found)->device.revokedAt);
        const auto list = m_directory->listDevices();
        QVERIFY(list.ok());
        QCOMPARE(list->size(), std::size_t(1));
        QCOMPARE(list->front().id, enrolled->device.id);

        const auto none = m_directory->findDevice("0192f1d2-7c3e-7a10-8b2c-1234567890ab");
        QVERIFY(none.ok() && !none->has_value());
    }

    void usesACodeOnce()
    {
        QVERIFY(m_directory->addUser(user("pc.smith", Role::Pcso)).ok());
        const std::string secret = issue("pc.smith");
        QVERIFY(m_directory->enrolDevice(secret, publicKey('a'), "", kStart).ok());
        const auto again = m_directory->enrolDevice(secret, publicKey('b'), "", kStart + 1);
        QVERIFY(!again.ok());
        QVERIFY(again.error().code == ErrorCode::NotAllowed);
        QCOMPARE(m_directory->listDevices()->size(), std::size_t(1));
    }

    void refusesExpiredCodes()
    {
        QVERIFY(m_directory->addUser(user("pc.smith", Role::Pcso)).ok());
        const std::string late = issue("pc.smith", kStart, 1000);
        const std::string inTime = issue("pc.smith", kStart, 1000);
        const auto expired = m_directory->enrolDevice(late, publicKey('a'), "", kStart + 1000);
        QVERIFY(!expired.ok());
        QVERIFY(expired.error().code == ErrorCode::NotAllowed);
        QVERIFY(m_directory->enrolDevice(inTime, publicKey('a'), "", kStart + 999).ok());
    }

    void refusesWithoutSayingWhy()
    {
        QVERIFY(m_directory->addUser(user("pc.smith", Role::Pcso)).ok());
        QVERIFY(m_directory->addUser(user("pc.jones", Role::Pcso)).ok());
        const std::string used = issue("pc.smith");
        QVERIFY(m_directory->enrolDevice(used, publicKey('a'), "", kStart).ok());
        const std::string expired = issue("pc.smith", kStart, 10);
        const std::string disabled = issue("pc.jones");
        QVERIFY(m_directory->setUserDisabled("pc.jones", true).ok());

        std::vector<std::string> messages;
        for (const std::string &secret :
             {used, expired, disabled, std::string("0000000000000000"), std::string(), std::string(100000, 'A'),
              std::string("\xff\xfe")}) {
            const auto refused = m_directory->enrolDevice(secret, publicKey('b'), "", kStart + 100);
            QVERIFY(!refused.ok());
            QVERIFY(refused.error().code == ErrorCode::NotAllowed);
            messages.push_back(refused.error().message);
        }
        for (const auto &message : messages)
            QCOMPARE(message, messages.front());

        // A refusal for a disabled user did not use the code up.
        QVERIFY(m_directory->setUserDisabled("pc.jones", false).ok());
        QVERIFY(m_directory->enrolDevice(disabled, publicKey('c'), "", kStart + 200).ok());
    }

    void refusesBadKeysAndLabelsWithoutUsingTheCode()
    {
        QVERIFY(m_directory->addUser(user("pc.smith", Role::Pcso)).ok());
        const std::string secret = issue("pc.smith");
        for (const std::string &key : {std::string(31, 'k'), std::string(33, 'k'), std::string()}) {
            const auto bad = m_directory->enrolDevice(secret, key, "", kStart);
            QVERIFY(!bad.ok());
            QVERIFY(bad.error().code == ErrorCode::InvalidInput);
        }
        for (const std::string &label : {std::string("a\x01z"), std::string("bad\xff"), std::string(201, 'x'),
                                         std::string("two\nlines")}) {
            const auto bad = m_directory->enrolDevice(secret, publicKey('k'), label, kStart);
            QVERIFY(!bad.ok());
            QVERIFY(bad.error().code == ErrorCode::InvalidInput);
        }
        QVERIFY(m_directory->enrolDevice(secret, publicKey('k'), "", kStart).ok());
    }

    void revokesDevices()
    {
        QVERIFY(m_directory->addUser(user("pc.smith", Role::Pcso)).ok());
        const auto device = m_directory->enrolDevice(issue("pc.smith"), publicKey('a'), "", kStart);
        QVERIFY(device.ok());
        const auto other = m_directory->enrolDevice(issue("pc.smith"), publicKey('b'), "", kStart + 5);
        QVERIFY(other.ok());
        QVERIFY(m_directory->revokeDevice(device->device.id, kStart + 100).ok());
        // Revoking again keeps the first time.
        QVERIFY(m_directory->revokeDevice(device->device.id, kStart + 200).ok());
        const auto found = m_directory->findDevice(device->device.id);
        QVERIFY((*found)->device.status == DeviceStatus::Revoked);
        QCOMPARE((*found)->device.revokedAt, std::optional<TimestampMs>(kStart + 100));
        const auto untouched = m_directory->findDevice(other->device.id);
        QVERIFY((*untouched)->device.status == DeviceStatus::Active);

        for (const std::string &id : {std::string("0192f1d2-7c3e-7a10-8b2c-1234567890ab"), std::string("x"),
                                      std::string("\xff")}) {
            const auto unknown = m_directory->revokeDevice(id, kStart);
            QVERIFY(!unknown.ok());
            QVERIFY(unknown.error().code == ErrorCode::NotFound);
            QVERIFY(unknown.error().message.find('\xff') == std::string::npos);
        }
    }

    void touchesDevices()
    {
        QVERIFY(m_directory->addUser(user("pc.smith", Role::Pcso)).ok());
        const auto device = m_directory->enrolDevice(issue("pc.smith"), publicKey('a'), "", kStart);
        QVERIFY(device.ok());
        QVERIFY(m_directory->touchDevice(device->device.id, kStart + 500).ok());
        QCOMPARE((*m_directory->findDevice(device->device.id))->device.lastSeenAt,
                 std::optional<TimestampMs>(kStart + 500));
        // A late-finishing older session does not move last-seen back.
        QVERIFY(m_directory->touchDevice(device->device.id, kStart + 100).ok());
        QCOMPARE((*m_directory->findDevice(device->device.id))->device.lastSeenAt,
                 std::optional<TimestampMs>(kStart + 500));
        const auto unknown = m_directory->touchDevice("0192f1d2-7c3e-7a10-8b2c-1234567890ab", kStart);
        QVERIFY(!unknown.ok());
        QVERIFY(unknown.error().code == ErrorCode::NotFound);
    }

    void devicesShowTheirUsersRoleNow()
    {
        QVERIFY(m_directory->addUser(user("officer.a", Role::Officer)).ok());
        const auto device = m_directory->enrolDevice(issue("officer.a"), publicKey('a'), "", kStart);
        QVERIFY(device.ok());
        const auto list = m_directory->listDevices();
        QVERIFY(list->front().role == Role::Officer);
        QCOMPARE(list->front().userName, std::string("officer.a"));
    }

    void aCodeRedeemedFromManyThreadsEnrolsOneDevice()
    {
        QVERIFY(m_directory->addUser(user("pc.smith", Role::Pcso)).ok());
        for (int round = 0; round < 5; ++round) {
            const std::string secret = issue("pc.smith");
            std::atomic<int> accepted{0};
            std::atomic<int> refused{0};
            std::vector<std::thread> threads;
            for (int t = 0; t < 8; ++t)
                threads.emplace_back([&, t] {
                    const auto r = m_directory->enrolDevice(secret, publicKey(static_cast<char>('a' + t)), "", kStart);
                    (r.ok() ? accepted : refused)++;
                });
            for (auto &thread : threads)
                thread.join();
            QCOMPARE(accepted.load(), 1);
            QCOMPARE(refused.load(), 7);
        }
        QCOMPARE(m_directory->listDevices()->size(), std::size_t(5));
    }

    void aCodeRedeemedOverTwoConnectionsEnrolsOneDevice()
    {
        // The admin tool and a running server each hold their own connection.
        QVERIFY(m_directory->addUser(user("pc.smith", Role::Pcso)).ok());
        auto second = open();
        QVERIFY(second);
        for (int round = 0; round < 10; ++round) {
            const std::string secret = issue("pc.smith");
            std::atomic<int> accepted{0};
            std::thread a([&] { accepted += m_directory->enrolDevice(secret, publicKey('a'), "", kStart).ok(); });
            std::thread b([&] { accepted += second->enrolDevice(secret, publicKey('b'), "", kStart).ok(); });
            a.join();
            b.join();
            QCOMPARE(accepted.load(), 1);
        }
        QCOMPARE(second->listDevices()->size(), std::size_t(10));
    }

    void servesManyThreadsAtOnce()
    {
        QVERIFY(m_directory->addUser(user("pc.smith", Role::Pcso)).ok());
        const auto device = m_directory->enrolDevice(issue("pc.smith"), publicKey('a'), "", kStart);
        QVERIFY(device.ok());
        std::atomic<int> failures{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&, t] {
                for (int i = 0; i < 200; ++i) {
                    if (!m_directory->touchDevice(device->device.id, kStart + t * 1000 + i).ok())
                        ++failures;
                    const auto found = m_directory->findDevice(device->device.id);
                    if (!found.ok() || !found->has_value())
                        ++failures;
                    if (!m_directory->listUsers().ok())
                        ++failures;
                }
            });
        for (auto &thread : threads)
            thread.join();
        QCOMPARE(failures.load(), 0);
        QCOMPARE((*m_directory->findDevice(device->device.id))->device.lastSeenAt,
                 std::optional<TimestampMs>(kStart + 3199));
    }

    void setsUserWards()
    {
        QVERIFY(m_directory->addUser(user("pc.smith", Role::Pcso, {kHendon})).ok());
        QVERIFY(m_directory->addUser(user("pc.jones", Role::Pcso, {kHendon})).ok());
        const auto device = m_directory->enrolDevice(issue("pc.smith"), publicKey('a'), "", kStart);
        QVERIFY(device.ok());
        QCOMPARE(device->user.wards, std::vector<std::string>{kHendon});

        // Replaced, not added to; sorted and once each, as addUser stores them.
        QVERIFY(m_directory->setUserWards("pc.smith", {kHendon, kBurntOak, kBurntOak}).ok());
        QCOMPARE((*m_directory->findUser("pc.smith"))->wards, (std::vector<std::string>{kBurntOak, kHendon}));
        QVERIFY(m_directory->setUserWards("pc.smith", {kBurntOak}).ok());
        QCOMPARE((*m_directory->findUser("pc.smith"))->wards, std::vector<std::string>{kBurntOak});
        const auto all = m_directory->listUsers();
        QVERIFY(all.ok());
        QCOMPARE(all->at(1).name, std::string("pc.smith"));
        QCOMPARE(all->at(1).wards, std::vector<std::string>{kBurntOak});
        // Another user is untouched.
        QCOMPARE(all->at(0).wards, std::vector<std::string>{kHendon});

        // What a session reads as the device connects: the new wards, and so
        // a new scope; also through another connection (the admin tool's
        // change, seen by a running server).
        const auto found = m_directory->findDevice(device->device.id);
        QVERIFY(found.ok() && found->has_value());
        QCOMPARE((*found)->user.wards, std::vector<std::string>{kBurntOak});
        QVERIFY((*found)->user.scope().token() != device->user.scope().token());
        auto server = open();
        QVERIFY(server);
        QVERIFY(m_directory->setUserWards("pc.smith", {kHendon}).ok());
        QCOMPARE((*server->findDevice(device->device.id))->user.wards, std::vector<std::string>{kHendon});

        // An empty list is stored as addUser stores one (the admin tool
        // decides who may have none).
        QVERIFY(m_directory->setUserWards("pc.smith", {}).ok());
        QVERIFY((*m_directory->findUser("pc.smith"))->wards.empty());
    }

    void refusesBadWards_data()
    {
        QTest::addColumn<QByteArray>("name");
        QTest::addColumn<QStringList>("wards");
        QTest::addColumn<int>("code");
        QTest::newRow("unknown user") << QByteArray("nobody") << QStringList{QString::fromStdString(kBurntOak)}
                                      << int(ErrorCode::NotFound);
        QTest::newRow("invalid UTF-8 name") << QByteArray("pc\xff") << QStringList{QString::fromStdString(kBurntOak)}
                                            << int(ErrorCode::NotFound);
        QTest::newRow("bad ward") << QByteArray("pc.smith") << QStringList{"E05"} << int(ErrorCode::InvalidInput);
        QTest::newRow("borough, not ward") << QByteArray("pc.smith") << QStringList{"E09000003"}
                                           << int(ErrorCode::InvalidInput);
        QTest::newRow("empty ward") << QByteArray("pc.smith") << QStringList{""} << int(ErrorCode::InvalidInput);
        QTest::newRow("one good, one bad") << QByteArray("pc.smith")
                                           << QStringList{QString::fromStdString(kBurntOak), "Hendon"}
                                           << int(ErrorCode::InvalidInput);
    }
    void refusesBadWards()
    {
        QFETCH(QByteArray, name);
        QFETCH(QStringList, wards);
        QFETCH(int, code);
        QVERIFY(m_directory->addUser(user("pc.smith", Role::Pcso, {kHendon})).ok());
        std::vector<std::string> given;
        for (const auto &ward : wards)
            given.push_back(ward.toStdString());
        const auto set = m_directory->setUserWards(name.toStdString(), given);
        QVERIFY(!set.ok());
        QCOMPARE(int(set.error().code), code);
        QVERIFY(set.error().message.find('\n') == std::string::npos);
        QVERIFY(set.error().message.find('\xff') == std::string::npos);
        const auto all = m_directory->listUsers();
        QVERIFY(all.ok());
        QCOMPARE(all->size(), std::size_t(1));
        QCOMPARE(all->at(0).wards, std::vector<std::string>{kHendon});
    }

    void auditsAChangeInItsTransaction()
    {
        AdminAuditEntry entry;
        entry.at = kStart;
        entry.action = AdminAction::UserAdd;
        entry.subject = "pc.smith";
        QVERIFY(m_directory
                    ->audited(entry,
                              [&](AdminAuditEntry &e) -> Status {
                                  e.detail = "role=pcso";
                                  return m_directory->addUser(user("pc.smith", Role::Pcso));
                              })
                    .ok());
        QVERIFY((*m_directory->findUser("pc.smith")).has_value());
        auto rows = m_directory->listAdminAudit(std::nullopt);
        QVERIFY(rows.ok());
        QCOMPARE(rows->size(), std::size_t(1));
        QCOMPARE(rows->at(0).seq, std::int64_t(1));
        QCOMPARE(rows->at(0).at, kStart);
        QVERIFY(rows->at(0).action == AdminAction::UserAdd);
        QCOMPARE(rows->at(0).subject, std::string("pc.smith"));
        QCOMPARE(rows->at(0).detail, std::optional<std::string>("role=pcso"));

        // A refused change leaves no row...
        entry.action = AdminAction::UserWards;
        const auto refused = m_directory->audited(
            entry, [&](AdminAuditEntry &) { return m_directory->setUserWards("pc.smith", {"Hendon"}); });
        QVERIFY(!refused.ok());
        QVERIFY(refused.error().code == ErrorCode::InvalidInput);
        QCOMPARE(m_directory->listAdminAudit(std::nullopt)->size(), std::size_t(1));

        // ...and a row that cannot be written undoes the change: both or neither.
        entry.subject = "pc smith";  // not one word
        const auto unwritable = m_directory->audited(
            entry, [&](AdminAuditEntry &) { return m_directory->setUserWards("pc.smith", {kHendon}); });
        QVERIFY(!unwritable.ok());
        QVERIFY((*m_directory->findUser("pc.smith"))->wards.empty());
        QCOMPARE(m_directory->listAdminAudit(std::nullopt)->size(), std::size_t(1));

        // Several calls in one change: all kept, with one row.
        entry.subject = "pc.smith";
        entry.detail.reset();
        QVERIFY(m_directory
                    ->audited(entry,
                              [&](AdminAuditEntry &) -> Status {
                                  if (auto ok = m_directory->setUserWards("pc.smith", {kHendon}); !ok)
                                      return ok;
                                  return m_directory->setUserDisabled("pc.smith", true);
                              })
                    .ok());
        const auto after = m_directory->findUser("pc.smith");
        QCOMPARE((*after)->wards, std::vector<std::string>{kHendon});
        QVERIFY((*after)->disabled);
        rows = m_directory->listAdminAudit(std::nullopt);
        QCOMPARE(rows->size(), std::size_t(2));
        QVERIFY(rows->at(0).action == AdminAction::UserWards);
        QVERIFY(!rows->at(0).detail.has_value());
    }

    // The audit's transaction holds the connection: another thread's call
    // waits for it, rather than running inside it and being rolled back
    // with it.
    void anotherThreadWaitsForAnAuditedChange()
    {
        QVERIFY(m_directory->addUser(user("pc.smith", Role::Pcso)).ok());
        const auto device = m_directory->enrolDevice(issue("pc.smith"), publicKey('a'), "", kStart);
        QVERIFY(device.ok());
        std::atomic<bool> inside{false};
        std::atomic<bool> touched{false};
        std::thread other;
        AdminAuditEntry entry;
        entry.at = kStart;
        entry.action = AdminAction::UserAdd;
        entry.subject = "pc.jones";
        const auto failed = m_directory->audited(entry, [&](AdminAuditEntry &) -> Status {
            if (auto ok = m_directory->addUser(user("pc.jones", Role::Pcso)); !ok)
                return ok;
            other = std::thread([&] {
                inside = true;
                touched = m_directory->touchDevice(device->device.id, kStart + 777).ok();
            });
            while (!inside)
                std::this_thread::yield();
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            return Error::invalid("changed my mind");
        });
        other.join();
        QVERIFY(!failed.ok());
        QVERIFY(touched);
        QVERIFY(!(*m_directory->findUser("pc.jones")).has_value());
        QCOMPARE((*m_directory->findDevice(device->device.id))->device.lastSeenAt,
                 std::optional<TimestampMs>(kStart + 777));
        QVERIFY(m_directory->listAdminAudit(std::nullopt)->empty());
    }

    void listsTheAuditNewestFirst()
    {
        auto db = openServerDatabase(m_path);
        QVERIFY(db.ok());
        QVERIFY((*db)->transaction([&]() -> Status {
                        for (int i = 0; i < 3; ++i) {
                            AdminAuditEntry entry;
                            // The clock went back: the order is still the order of the acts.
                            entry.at = kStart - i;
                            entry.action = i == 0 ? AdminAction::Init : AdminAction::DeviceRevoke;
                            entry.subject = "s" + std::to_string(i);
                            if (auto ok = appendAdminAudit(**db, entry); !ok)
                                return ok;
                        }
                        return {};
                    })
                    .ok());
        const auto all = m_directory->listAdminAudit(std::nullopt);
        QVERIFY(all.ok());
        QCOMPARE(all->size(), std::size_t(3));
        QCOMPARE(all->at(0).subject, std::string("s2"));
        QCOMPARE(all->at(0).seq, std::int64_t(3));
        QCOMPARE(all->at(2).subject, std::string("s0"));
        QVERIFY(all->at(2).action == AdminAction::Init);
        const auto two = m_directory->listAdminAudit(2);
        QVERIFY(two.ok());
        QCOMPARE(two->size(), std::size_t(2));
        QCOMPARE(two->at(1).subject, std::string("s1"));
        QCOMPARE(m_directory->listAdminAudit(100)->size(), std::size_t(3));
        for (std::int64_t bad : {std::int64_t(0), std::int64_t(-1)}) {
            const auto refused = m_directory->listAdminAudit(bad);
            QVERIFY(!refused.ok());
            QVERIFY(refused.error().code == ErrorCode::InvalidInput);
        }

        // A row from a newer tool, with an action this one does not know.
        QVERIFY((*db)->exec("INSERT INTO admin_audit (at, action, subject) VALUES (1, 'retention_set', 'x')").ok());
        const auto unknown = m_directory->listAdminAudit(std::nullopt);
        QVERIFY(!unknown.ok());
        QVERIFY(unknown.error().code == ErrorCode::Storage);
        QVERIFY2(unknown.error().message.find("row 4") != std::string::npos, unknown.error().message.c_str());
    }

    void refusesBadAuditRows_data()
    {
        QTest::addColumn<QByteArray>("subject");
        QTest::addColumn<QByteArray>("detail");
        QTest::newRow("empty subject") << QByteArray("") << QByteArray();
        QTest::newRow("subject with space") << QByteArray("pc smith") << QByteArray();
        QTest::newRow("subject with tab") << QByteArray("pc\tsmith") << QByteArray();
        QTest::newRow("subject invalid UTF-8") << QByteArray("pc\xff") << QByteArray();
        QTest::newRow("subject too long") << QByteArray(201, 'a') << QByteArray();
        QTest::newRow("detail with newline") << QByteArray("pc.smith") << QByteArray("a\nb");
        QTest::newRow("detail with control") << QByteArray("pc.smith") << QByteArray("a\x1b[2Jb");
        QTest::newRow("detail invalid UTF-8") << QByteArray("pc.smith") << QByteArray("a\xc3");
        QTest::newRow("detail too long") << QByteArray("pc.smith") << QByteArray(10001, 'a');
    }
    void refusesBadAuditRows()
    {
        QFETCH(QByteArray, subject);
        QFETCH(QByteArray, detail);
        auto db = openServerDatabase(m_path);
        QVERIFY(db.ok());
        AdminAuditEntry entry;
        entry.at = kStart;
        entry.subject = subject.toStdString();
        if (!detail.isNull())
            entry.detail = detail.toStdString();
        const auto refused = (*db)->transaction([&] { return appendAdminAudit(**db, entry); });
        QVERIFY(!refused.ok());
        QVERIFY(refused.error().code == ErrorCode::InvalidInput);
        QVERIFY(refused.error().message.find('\n') == std::string::npos);
        QCOMPARE(*(*db)->queryInt("SELECT COUNT(*) FROM admin_audit"), std::int64_t(0));
    }

    void auditRowsAreWrittenOnlyInATransaction()
    {
        auto db = openServerDatabase(m_path);
        QVERIFY(db.ok());
        AdminAuditEntry entry;
        entry.subject = "pc.smith";
        const auto alone = appendAdminAudit(**db, entry);
        QVERIFY(!alone.ok());
        QVERIFY(alone.error().message.find("transaction") != std::string::npos);
        QCOMPARE(*(*db)->queryInt("SELECT COUNT(*) FROM admin_audit"), std::int64_t(0));
    }

    void theAuditIsAppendOnly()
    {
        auto db = openServerDatabase(m_path);
        QVERIFY(db.ok());
        AdminAuditEntry entry;
        entry.at = kStart;
        entry.action = AdminAction::UserAdd;
        entry.subject = "pc.smith";
        entry.detail = "role=pcso";
        QVERIFY((*db)->transaction([&] { return appendAdminAudit(**db, entry); }).ok());
        QVERIFY((*db)->transaction([&] { return appendAdminAudit(**db, entry); }).ok());

        for (const char *sql : {"UPDATE admin_audit SET subject = 'someone.else' WHERE seq = 1",
                                "UPDATE admin_audit SET detail = NULL",
                                "DELETE FROM admin_audit WHERE seq = 1",
                                "DELETE FROM admin_audit",
                                "INSERT OR REPLACE INTO admin_audit (seq, at, action, subject) "
                                "VALUES (1, 0, 'init', 'forged')",
                                "REPLACE INTO admin_audit (seq, at, action, subject) VALUES (2, 0, 'init', 'forged')",
                                "INSERT INTO admin_audit (seq, at, action, subject) VALUES (0, 0, 'init', 'x')",
                                "INSERT INTO admin_audit (seq, at, action, subject) VALUES (-5, 0, 'init', 'x')"}) {
            const auto refused = (*db)->exec(sql);
            QVERIFY2(!refused.ok(), sql);
        }
        const auto rows = m_directory->listAdminAudit(std::nullopt);
        QVERIFY(rows.ok());
        QCOMPARE(rows->size(), std::size_t(2));
        for (const auto &row : *rows) {
            QCOMPARE(row.subject, std::string("pc.smith"));
            QCOMPARE(row.detail, std::optional<std::string>("role=pcso"));
            QCOMPARE(row.at, kStart);
        }
        // Appending goes on as before.
        QVERIFY((*db)->transaction([&] { return appendAdminAudit(**db, entry); }).ok());
        QCOMPARE(m_directory->listAdminAudit(std::nullopt)->front().seq, std::int64_t(3));
    }

    // A server.db made before the audit existed (schema 2) gains it on open.
    void migratesAVersionTwoDatabase()
    {
        m_directory.reset();
        {
            auto db = openServerDatabase(m_path);
            QVERIFY(db.ok());
            QVERIFY((*db)->exec("DROP TABLE admin_audit; DELETE FROM server_schema WHERE version >= 3").ok());
            QCOMPARE(*(*db)->queryInt("SELECT MAX(version) FROM server_schema"), std::int64_t(2));
        }
        m_directory = open();
        QVERIFY(m_directory);
        auto db = openServerDatabase(m_path);
        QVERIFY(db.ok());
        QCOMPARE(*(*db)->queryInt("SELECT MAX(version) FROM server_schema"), std::int64_t(4));
        QCOMPARE(*(*db)->queryInt("SELECT COUNT(*) FROM server_schema WHERE version = 3"), std::int64_t(1));
        QCOMPARE(*(*db)->queryInt("SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' "
                                  "AND tbl_name = 'admin_audit'"),
                 std::int64_t(3));
        QVERIFY(m_directory->listAdminAudit(std::nullopt)->empty());
    }
};

QTEST_GUILESS_MAIN(TestSqliteDeviceDirectory)
#include "tst_sqlitedevicedirectory.moc"
