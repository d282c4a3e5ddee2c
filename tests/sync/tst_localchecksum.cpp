#include "core/clock.h"
#include "core/randomsource.h"
#include "store/devicestore.h"
#include "store/writetxn.h"
#include "sync/entitycatalog.h"
#include "sync/localchecksum.h"

#include <QCryptographicHash>
#include <QTemporaryDir>
#include <QTest>

#include <string>

using namespace beatbook;

namespace {

// The definition in sync.proto, computed independently of the code under test.
std::uint64_t expectedTerm(const std::string &entity, const std::string &id, std::uint64_t version)
{
    const QByteArray digest = QCryptographicHash::hash(
        QByteArray::fromStdString(entity + "\n" + id + "\n" + std::to_string(version)), QCryptographicHash::Sha256);
    std::uint64_t value = 0;
    for (int i = 0; i < 8; ++i)
        value = (value << 8) | static_cast<std::uint8_t>(digest[i]);
    return value;
}

const syncv1::EntityChecksum *find(const std::vector<syncv1::EntityChecksum> &sums, const std::string &entity)
{
    for (const auto &sum : sums)
        if (sum.entity() == entity)
            return &sum;
    return nullptr;
}

} // namespace

class TestLocalChecksum : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    ManualClock m_clock{1767225600000};
    SeededRandom m_random{3};
    std::unique_ptr<DeviceStore> m_store;

    void insertSynced(const std::string &id, std::int64_t version)
    {
        const std::string sql = "INSERT INTO joint_patrols (id, ward_code, started_at, participants, created_by, hlc, "
                                "device_id) VALUES ('" + id + "', 'E05013630', 1, '[]', 'T', " + std::to_string(version)
            + ", 'd')";
        QVERIFY(m_store->db().exec(sql).ok());
    }

private slots:
    void init()
    {
        static int n = 0;
        auto store = DeviceStore::open(m_dir.filePath(QString("c%1.db").arg(++n)).toStdString(), m_clock, m_random);
        QVERIFY(store.ok());
        m_store = std::move(*store);
        DeviceProfile profile;
        profile.userName = "Tester";
        QVERIFY(m_store->initialise(profile).ok());
    }

    void termFollowsTheProtocolDefinition()
    {
        for (const auto &[entity, id, version] :
             {std::tuple<std::string, std::string, std::uint64_t>{"asb_reports", "r1", 1},
              {"people", "0192f0a4-8c1e-7b3a-9d2f-5e6a7b8c9d0e", 0},
              {"joint_patrols", "x", std::numeric_limits<std::uint64_t>::max()}})
            QCOMPARE(LocalChecksum::term(entity, id, version), expectedTerm(entity, id, version));
        QVERIFY(LocalChecksum::term("a", "b", 1) != LocalChecksum::term("a", "b", 2));
        QVERIFY(LocalChecksum::term("a", "b", 1) != LocalChecksum::term("b", "a", 1));
    }

    void sumsWhatTheDeviceHoldsPerEntity()
    {
        insertSynced("p1", 100);
        insertSynced("p2", 200);
        LocalChecksum checksum(m_store->db());
        auto sums = checksum.compute();
        QVERIFY(sums.ok());
        // Every synced entity appears, empty ones with zero.
        QCOMPARE(sums->size(), syncedEntities().size());
        const auto *patrols = find(*sums, "joint_patrols");
        QVERIFY(patrols);
        QCOMPARE(patrols->count(), std::uint64_t(2));
        QCOMPARE(patrols->checksum(), expectedTerm("joint_patrols", "p1", 100) + expectedTerm("joint_patrols", "p2", 200));
        const auto *reports = find(*sums, "asb_reports");
        QVERIFY(reports);
        QCOMPARE(reports->count(), std::uint64_t(0));
        QCOMPARE(reports->checksum(), std::uint64_t(0));

        auto skipped = checksum.compute({"people", "consent_records"});
        QVERIFY(skipped.ok());
        QCOMPARE(skipped->size(), syncedEntities().size() - 2);
        QVERIFY(!find(*skipped, "people"));
    }

    // Records the server cannot hold yet are left out: created here and not
    // sent (or refused), or with a change still waiting.
    void leavesOutWhatTheServerCannotHold()
    {
        insertSynced("p1", 100);
        insertSynced("p2", 200);
        std::string local;
        QVERIFY(m_store->write([&](WriteTxn &txn) {
            local = txn.newId();
            Fields f;
            f["ward_code"] = "E05013630";
            f["started_at"] = 1;
            f["participants"] = "[]";
            f["created_by"] = "T";
            return txn.insert("joint_patrols", local, f);
        }).ok());
        QVERIFY(m_store->write([&](WriteTxn &txn) {
            Fields f;
            f["participants"] = "[1]";
            return txn.update("joint_patrols", "p2", f);
        }).ok());
        LocalChecksum checksum(m_store->db());
        auto sums = checksum.compute();
        QVERIFY(sums.ok());
        QCOMPARE(find(*sums, "joint_patrols")->count(), std::uint64_t(1));
        QCOMPARE(find(*sums, "joint_patrols")->checksum(), expectedTerm("joint_patrols", "p1", 100));

        // Refused changes: a refused create stays out (the server never had
        // it); a record whose update was refused counts (the server has it).
        QVERIFY(m_store->db().exec("UPDATE outbox SET state = 'rejected', reason = 'no'").ok());
        sums = checksum.compute();
        QVERIFY(sums.ok());
        QCOMPARE(find(*sums, "joint_patrols")->count(), std::uint64_t(2));
    }

    void comparesWithTheServer()
    {
        insertSynced("p1", 100);
        insertSynced("p2", 200);
        LocalChecksum checksum(m_store->db());
        auto sums = checksum.compute();
        QVERIFY(sums.ok());

        syncv1::VerifyResponse server;
        server.set_cursor(10);
        // In another order, with the zero entities left out: still equal.
        auto *patrols = server.add_checksums();
        patrols->set_entity("joint_patrols");
        patrols->set_count(2);
        patrols->set_checksum(expectedTerm("joint_patrols", "p2", 200) + expectedTerm("joint_patrols", "p1", 100));
        auto result = LocalChecksum::compare(*sums, server);
        QVERIFY(result.matches);
        QVERIFY(result.mismatched.empty());

        // A different version, a missing record, an entity the device lacks.
        syncv1::VerifyResponse newer = server;
        newer.mutable_checksums(0)->set_checksum(expectedTerm("joint_patrols", "p2", 201)
                                                 + expectedTerm("joint_patrols", "p1", 100));
        result = LocalChecksum::compare(*sums, newer);
        QVERIFY(!result.matches);
        QCOMPARE(result.mismatched, std::vector<std::string>{"joint_patrols"});

        syncv1::VerifyResponse fewer = server;
        fewer.mutable_checksums(0)->set_count(1);
        QVERIFY(!LocalChecksum::compare(*sums, fewer).matches);

        syncv1::VerifyResponse more = server;
        auto *people = more.add_checksums();
        people->set_entity("people");
        people->set_count(1);
        people->set_checksum(expectedTerm("people", "h1", 5));
        result = LocalChecksum::compare(*sums, more);
        QVERIFY(!result.matches);
        QCOMPARE(result.mismatched, std::vector<std::string>{"people"});
        // ... unless that entity is one the device does not compare.
        QVERIFY(LocalChecksum::compare(*sums, more, {"people"}).matches);
    }
};

QTEST_GUILESS_MAIN(TestLocalChecksum)
#include "tst_localchecksum.moc"
