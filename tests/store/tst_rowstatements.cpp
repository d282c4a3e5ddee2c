#include "store/database.h"
#include "store/query.h"
#include "store/rowstatements.h"

#include <QTemporaryDir>
#include <QTest>

#include <array>
#include <memory>
#include <string>
#include <string_view>

using namespace beatbook;

class TestRowStatements : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<Database> m_db;
    int m_opened = 0;

    std::int64_t count(const std::string &sql)
    {
        auto value = m_db->queryInt(sql);
        return value ? *value : -1;
    }

    // Binds id, name, score, hlc and device_id to an insert of (name, score).
    Status insertRow(RowStatements &rows, std::string_view id, std::string_view name, double score,
                     RowStatements::OnExistingId onExisting = RowStatements::OnExistingId::Fail)
    {
        const std::array<std::string_view, 2> columns{"name", "score"};
        auto stmt = rows.insert("t", columns, onExisting);
        if (!stmt)
            return stmt.error();
        return (*stmt)->bind(1, id).bind(2, name).bind(3, score).bind(4, std::int64_t{7}).bind(5, "dev").run();
    }

private slots:
    void init()
    {
        QVERIFY(m_dir.isValid());
        auto db = Database::open(m_dir.filePath(QString("r%1.db").arg(++m_opened)).toStdString());
        QVERIFY2(db.ok(), db.ok() ? "" : db.error().message.c_str());
        m_db = std::move(*db);
        QVERIFY(m_db->exec("CREATE TABLE t (id TEXT PRIMARY KEY, name TEXT, score REAL, note TEXT, "
                           "hlc INTEGER NOT NULL, device_id TEXT NOT NULL)")
                    .ok());
    }

    void oneStatementPerTableAndColumnList()
    {
        RowStatements rows(*m_db);
        QVERIFY(insertRow(rows, "a", "ann", 1.5).ok());
        QVERIFY(insertRow(rows, "b", "bob", 2.5).ok());
        QCOMPARE(rows.kept(), std::size_t(1));
        QCOMPARE(count("SELECT COUNT(*) FROM t WHERE hlc = 7 AND device_id = 'dev'"), 2);

        // Another column list, and an update, are statements of their own.
        const std::array<std::string_view, 1> noteOnly{"note"};
        auto update = rows.update("t", noteOnly);
        QVERIFY(update.ok());
        QVERIFY((*update)->bind(1, "seen").bind(2, std::int64_t{8}).bind(3, "dev2").bind(4, "a").run().ok());
        QCOMPARE(rows.kept(), std::size_t(2));
        QCOMPARE(m_db->changes(), std::int64_t(1));
        QCOMPARE(count("SELECT COUNT(*) FROM t WHERE id = 'a' AND note = 'seen' AND hlc = 8 AND device_id = 'dev2' "
                       "AND name = 'ann'"),
                 1);
        const std::array<std::string_view, 2> reordered{"score", "name"};
        QVERIFY(rows.insert("t", reordered).ok());
        QCOMPARE(rows.kept(), std::size_t(3));
    }

    void anExistingIdFailsOrIsIgnored()
    {
        RowStatements rows(*m_db);
        QVERIFY(insertRow(rows, "a", "ann", 1.5).ok());
        QVERIFY(!insertRow(rows, "a", "other", 9.0).ok());
        QVERIFY(insertRow(rows, "a", "other", 9.0, RowStatements::OnExistingId::Ignore).ok());
        QCOMPARE(m_db->changes(), std::int64_t(0));
        QCOMPARE(count("SELECT COUNT(*) FROM t WHERE name = 'ann'"), 1);
        QCOMPARE(rows.kept(), std::size_t(2));
    }

    // Column lists come from devices: past the bound, the kept statements
    // are dropped and preparing starts again, and writing still works.
    void keepsAtMostItsBound()
    {
        RowStatements rows(*m_db, 2);
        const std::array<std::string_view, 1> name{"name"};
        const std::array<std::string_view, 1> score{"score"};
        const std::array<std::string_view, 1> note{"note"};
        QVERIFY(rows.insert("t", name).ok());
        QVERIFY(rows.insert("t", score).ok());
        QCOMPARE(rows.kept(), std::size_t(2));
        auto third = rows.insert("t", note);
        QVERIFY(third.ok());
        QCOMPARE(rows.kept(), std::size_t(1));
        QVERIFY((*third)->bind(1, "z").bind(2, "n").bind(3, std::int64_t{1}).bind(4, "dev").run().ok());
        QCOMPARE(count("SELECT COUNT(*) FROM t WHERE id = 'z' AND note = 'n'"), 1);
    }

    void anUnknownColumnIsAnError()
    {
        RowStatements rows(*m_db);
        const std::array<std::string_view, 1> missing{"colour"};
        auto stmt = rows.insert("t", missing);
        QVERIFY(!stmt.ok());
        QVERIFY(stmt.error().code == ErrorCode::Storage);
        QCOMPARE(rows.kept(), std::size_t(0));
    }
};

QTEST_GUILESS_MAIN(TestRowStatements)
#include "tst_rowstatements.moc"
