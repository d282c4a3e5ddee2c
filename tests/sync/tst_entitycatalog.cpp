#include "store/database.h"
#include "store/migrations.h"
#include "sync/entitycatalog.h"

#include <QTest>

#include <memory>
#include <set>

using namespace beatbook;

namespace {

std::unique_ptr<Database> openMigrated(int version = -1)
{
    auto db = Database::open(":memory:");
    if (!db)
        return nullptr;
    if (!migrate(**db, version))
        return nullptr;
    return std::move(*db);
}

// Tables that hold domain records: they carry id, hlc and device_id.
std::set<std::string> recordTables(Database &db)
{
    std::set<std::string> tables;
    auto s = db.prepare("SELECT m.name FROM sqlite_master m WHERE m.type = 'table' AND "
                        "(SELECT COUNT(*) FROM pragma_table_info(m.name) p WHERE p.name IN ('id', 'hlc', 'device_id')) = 3");
    if (!s)
        return tables;
    while (true) {
        auto row = (*s)->step();
        if (!row || !*row)
            break;
        tables.insert((*s)->columnText(0));
    }
    (*s)->reset();
    return tables;
}

std::size_t indexOf(std::string_view name)
{
    const auto all = syncedEntities();
    for (std::size_t i = 0; i < all.size(); ++i)
        if (all[i].name == name)
            return i;
    return all.size();
}

} // namespace

class TestEntityCatalog : public QObject {
    Q_OBJECT
private slots:
    void listsEveryRecordTableOfTheSchema()
    {
        auto db = openMigrated();
        QVERIFY(db);
        const auto tables = recordTables(*db);
        QCOMPARE(tables.size(), std::size_t{11});
        std::set<std::string> synced;
        for (const auto &entity : syncedEntities())
            synced.insert(std::string(entity.name));
        QCOMPARE(synced, tables);
        QVERIFY(!findEntity("outbox"));
        QVERIFY(!findEntity("device_meta"));
        QVERIFY(!findEntity(""));
        QVERIFY(!findEntity("ASB_REPORTS"));
    }

    void parentsComeBeforeChildren()
    {
        for (const auto &entity : syncedEntities()) {
            if (entity.parentEntity.empty()) {
                QVERIFY(entity.parentColumn.empty());
                continue;
            }
            QVERIFY2(findEntity(entity.parentEntity), std::string(entity.name).c_str());
            QVERIFY2(indexOf(entity.parentEntity) < indexOf(entity.name), std::string(entity.name).c_str());
            QVERIFY(!entity.parentColumn.empty());
        }
        // The references the stores make, in order too.
        QVERIFY(indexOf("people") < indexOf("asb_reports"));
        QVERIFY(indexOf("people") < indexOf("consent_records"));
        QVERIFY(indexOf("consent_records") < indexOf("referrals"));
        QVERIFY(indexOf("asb_reports") < indexOf("advice_given"));
        QVERIFY(indexOf("cocooning_targets") < indexOf("advice_given"));
    }

    void recordClasses()
    {
        for (auto name : {"report_events", "referral_events", "patrol_observations", "advice_given"})
            QVERIFY(findEntity(name)->recordClass == RecordClass::AppendOnly);
        QVERIFY(findEntity("consent_records")->recordClass == RecordClass::WithdrawOnce);
        for (auto name : {"people", "asb_reports", "cocooning_operations", "cocooning_targets", "referrals",
                          "joint_patrols"})
            QVERIFY(findEntity(name)->recordClass == RecordClass::Mutable);
    }

    void personalRecordsHaveNoWardOfTheirOwn()
    {
        for (const auto &entity : syncedEntities()) {
            const bool personal = entity.name == "people" || entity.name == "consent_records";
            QCOMPARE(entity.personal, personal);
            if (personal) {
                QVERIFY(entity.wardColumn.empty());
                QVERIFY(entity.parentEntity.empty());
            } else {
                // Every other class has a ward, its own or its parent's.
                QVERIFY2(entity.wardColumn.empty() != entity.parentEntity.empty(), std::string(entity.name).c_str());
            }
        }
    }

    void wardsParentsAndOwners()
    {
        struct Expected {
            const char *name, *ward, *parent, *parentColumn, *owner;
        };
        for (const Expected &e : {
                 Expected{"people", "", "", "", ""},
                 Expected{"asb_reports", "ward_code", "", "", "logged_by"},
                 Expected{"report_events", "", "asb_reports", "report_id", "author"},
                 Expected{"cocooning_operations", "ward_code", "", "", "planned_by"},
                 Expected{"cocooning_targets", "", "cocooning_operations", "operation_id", ""},
                 Expected{"advice_given", "ward_code", "", "", "given_by"},
                 Expected{"consent_records", "", "", "", "captured_by"},
                 Expected{"referrals", "ward_code", "", "", "created_by"},
                 Expected{"referral_events", "", "referrals", "referral_id", "author"},
                 Expected{"joint_patrols", "ward_code", "", "", "created_by"},
                 Expected{"patrol_observations", "", "joint_patrols", "patrol_id", "author"},
             }) {
            const EntityInfo *info = findEntity(e.name);
            QVERIFY2(info, e.name);
            QCOMPARE(info->wardColumn, std::string_view(e.ward));
            QCOMPARE(info->parentEntity, std::string_view(e.parent));
            QCOMPARE(info->parentColumn, std::string_view(e.parentColumn));
            QCOMPARE(info->ownerColumn, std::string_view(e.owner));
        }
    }

    void namedColumnsExistInTheSchema()
    {
        auto db = openMigrated();
        QVERIFY(db);
        auto catalog = EntityCatalog::load(*db);
        QVERIFY2(catalog.ok(), catalog.ok() ? "" : catalog.error().message.c_str());
        for (const auto &entity : syncedEntities()) {
            const std::string name(entity.name);
            QVERIFY2(catalog->columns(entity.name), name.c_str());
            for (auto column : {entity.wardColumn, entity.parentColumn, entity.ownerColumn}) {
                if (column.empty())
                    continue;
                const ColumnInfo *info = catalog->column(entity.name, column);
                QVERIFY2(info, (name + "." + std::string(column)).c_str());
                QVERIFY(info->type == ColumnType::Text);
            }
        }
    }

    void loadsTypesAndNullability()
    {
        auto db = openMigrated();
        QVERIFY(db);
        auto catalog = EntityCatalog::load(*db);
        QVERIFY(catalog.ok());

        const ColumnInfo *lat = catalog->column("asb_reports", "lat");
        QVERIFY(lat);
        QVERIFY(lat->type == ColumnType::Real);
        QVERIFY(lat->notNull);
        const ColumnInfo *accuracy = catalog->column("asb_reports", "accuracy_m");
        QVERIFY(accuracy);
        QVERIFY(accuracy->type == ColumnType::Real);
        QVERIFY(!accuracy->notNull);
        const ColumnInfo *hate = catalog->column("asb_reports", "hate");
        QVERIFY(hate);
        QVERIFY(hate->type == ColumnType::Integer);
        QVERIFY(hate->notNull);
        const ColumnInfo *contact = catalog->column("people", "contact");
        QVERIFY(contact);
        QVERIFY(contact->type == ColumnType::Text);
        QVERIFY(!contact->notNull);
        const ColumnInfo *withdrawn = catalog->column("consent_records", "withdrawn_at");
        QVERIFY(withdrawn);
        QVERIFY(withdrawn->type == ColumnType::Integer);
        QVERIFY(!withdrawn->notNull);

        // people: name, contact, match_key, created_at
        QCOMPARE(catalog->columns("people")->size(), std::size_t{4});
        QCOMPARE(catalog->columns("asb_reports")->size(), std::size_t{24});
    }

    void syncStampedColumnsAreNotListed()
    {
        auto db = openMigrated();
        QVERIFY(db);
        auto catalog = EntityCatalog::load(*db);
        QVERIFY(catalog.ok());
        for (const auto &entity : syncedEntities())
            for (auto column : {"id", "hlc", "device_id"})
                QVERIFY2(!catalog->column(entity.name, column), (std::string(entity.name) + "." + column).c_str());
    }

    void unknownEntityOrColumn()
    {
        auto db = openMigrated();
        QVERIFY(db);
        auto catalog = EntityCatalog::load(*db);
        QVERIFY(catalog.ok());
        QVERIFY(!catalog->columns("outbox"));
        QVERIFY(!catalog->columns("nope"));
        QVERIFY(!catalog->column("nope", "id"));
        QVERIFY(!catalog->column("asb_reports", "nope"));
        QVERIFY(!catalog->column("asb_reports", ""));
    }

    void refusesADatabaseNotMigrated()
    {
        auto empty = Database::open(":memory:");
        QVERIFY(empty.ok());
        auto catalog = EntityCatalog::load(**empty);
        QVERIFY(!catalog.ok());
        QVERIFY(catalog.error().code == ErrorCode::Storage);
        QVERIFY(catalog.error().message.find("migrate") != std::string::npos);

        // Version 1 has reports but no referrals yet.
        auto v1 = openMigrated(1);
        QVERIFY(v1);
        auto partial = EntityCatalog::load(*v1);
        QVERIFY(!partial.ok());
        QVERIFY(partial.error().message.find("cocooning_operations") != std::string::npos);
    }

    void refusesAColumnTypeSyncCannotCarry()
    {
        auto db = openMigrated();
        QVERIFY(db);
        QVERIFY(db->exec("ALTER TABLE people ADD COLUMN photo BLOB").ok());
        auto catalog = EntityCatalog::load(*db);
        QVERIFY(!catalog.ok());
        QVERIFY(catalog.error().message.find("people.photo") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestEntityCatalog)
#include "tst_entitycatalog.moc"
