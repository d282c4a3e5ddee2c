#include "server/serverdatabase.h"
#include "server/serveridentity.h"

#include "core/uuid.h"
#include "store/query.h"

#include <QTemporaryDir>
#include <QTest>

using namespace beatbook;

class TestServerIdentity : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    int m_files = 0;

    std::unique_ptr<Database> newDatabase()
    {
        auto db = openServerDatabase(m_dir.filePath(QString("server-%1.db").arg(++m_files)).toStdString());
        if (!db) {
            qWarning("%s", db.error().message.c_str());
            return nullptr;
        }
        return std::move(*db);
    }

private slots:
    void createsAndLoads()
    {
        auto db = newDatabase();
        QVERIFY(db);
        const auto none = loadServerIdentity(*db);
        QVERIFY(!none.ok());
        QVERIFY(none.error().code == ErrorCode::NotFound);

        SeededRandom random(7);
        const auto created = createServerIdentity(*db, random);
        QVERIFY2(created.ok(), created.ok() ? "" : created.error().message.c_str());
        QVERIFY(isUuid(created->serverId));
        QCOMPARE(created->serverId[14], '4');  // a random UUID
        QCOMPARE(created->matchKey.size(), kMatchKeyBytes);

        const std::string path = db->path();
        db.reset();
        auto reopened = openServerDatabase(path);
        QVERIFY(reopened.ok());
        const auto loaded = loadServerIdentity(**reopened);
        QVERIFY(loaded.ok());
        QCOMPARE(loaded->serverId, created->serverId);
        // Raw bytes, NUL and high bytes included, come back exactly.
        QCOMPARE(loaded->matchKey, created->matchKey);
    }

    void keepsBinaryKeysExact()
    {
        // A source whose key holds a NUL and 0xff bytes.
        class Fixed final : public RandomSource {
        public:
            void fill(std::span<std::uint8_t> out) override
            {
                for (std::size_t i = 0; i < out.size(); ++i)
                    out[i] = static_cast<std::uint8_t>(i % 2 == 0 ? 0x00 : 0xff);
            }
        } fixed;
        auto db = newDatabase();
        QVERIFY(db);
        const auto created = createServerIdentity(*db, fixed);
        QVERIFY(created.ok());
        const auto loaded = loadServerIdentity(*db);
        QVERIFY(loaded.ok());
        QCOMPARE(loaded->matchKey, created->matchKey);
        QCOMPARE(static_cast<unsigned char>(loaded->matchKey[1]), static_cast<unsigned char>(0xff));
        const auto type = readOptionalRow(*db, "SELECT typeof(value) FROM server_meta WHERE key = 'match_key'",
                                          noParameters, [](const Statement &s) { return s.columnText(0); });
        QVERIFY(type.ok() && type->has_value());
        QCOMPARE(**type, std::string("blob"));
    }

    void neverReplacesAnIdentity()
    {
        auto db = newDatabase();
        QVERIFY(db);
        SeededRandom random(1);
        const auto first = createServerIdentity(*db, random);
        QVERIFY(first.ok());
        const auto second = createServerIdentity(*db, random);
        QVERIFY(!second.ok());
        QVERIFY(second.error().code == ErrorCode::NotAllowed);
        QCOMPARE(loadServerIdentity(*db)->matchKey, first->matchKey);
    }

    void refusesAMalformedIdentity()
    {
        auto db = newDatabase();
        QVERIFY(db);
        QVERIFY(db->exec("INSERT INTO server_meta VALUES ('server_id', CAST('not-a-uuid' AS BLOB)), "
                         "('match_key', zeroblob(32))")
                    .ok());
        auto loaded = loadServerIdentity(*db);
        QVERIFY(!loaded.ok());
        QVERIFY(loaded.error().code == ErrorCode::Storage);
        QVERIFY(db->exec("UPDATE server_meta SET value = CAST('0192f1d2-7c3e-7a10-8b2c-1234567890ab' AS BLOB) "
                         "WHERE key = 'server_id'; UPDATE server_meta SET value = zeroblob(31) WHERE key = 'match_key'")
                    .ok());
        loaded = loadServerIdentity(*db);
        QVERIFY(!loaded.ok());
        QVERIFY(loaded.error().code == ErrorCode::Storage);
    }
};

QTEST_GUILESS_MAIN(TestServerIdentity)
#include "tst_serveridentity.moc"
