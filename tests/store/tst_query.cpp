#include "store/database.h"
#include "store/query.h"

#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <string>
#include <vector>

using namespace beatbook;

// A statement still stepping holds its table: SQLite refuses to drop a table
// that an unfinished statement of the same connection reads. So dropping the
// table right after a read proves the helper reset its statement.

class TestQuery : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<Database> m_db;
    int m_opened = 0;

    static Result<std::string> readName(const Statement &s)
    {
        std::string name = s.columnText(1);
        if (name == "bad")
            return Error::storage("row " + std::to_string(s.columnInt(0)) + " holds a value this build does not know");
        return name;
    }

    bool tableCanBeDropped() { return m_db->exec("DROP TABLE t").ok(); }

private slots:
    void init()
    {
        QVERIFY(m_dir.isValid());
        auto db = Database::open(m_dir.filePath(QString("q%1.db").arg(++m_opened)).toStdString());
        QVERIFY2(db.ok(), db.ok() ? "" : db.error().message.c_str());
        m_db = std::move(*db);
        QVERIFY(m_db->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL);"
                           "INSERT INTO t VALUES (1, 'ann', 1.5), (2, 'bob', NULL), (3, 'bad', 3.0);")
                    .ok());
    }

    // The probe itself: without a reset, the drop is refused.
    void aStatementLeftMidWayHoldsTheTable()
    {
        auto stmt = m_db->prepare("SELECT id FROM t ORDER BY id");
        QVERIFY(stmt.ok());
        auto row = (*stmt)->step();
        QVERIFY(row.ok() && *row);
        QVERIFY(!tableCanBeDropped());
        (*stmt)->reset();
        QVERIFY(tableCanBeDropped());
    }

    void readRowsReadsEveryRowInOrder()
    {
        auto names = readRows(
            *m_db, "SELECT id, name FROM t WHERE id <= ?1 ORDER BY id", [](Statement &s) { s.bind(1, 2); },
            [](const Statement &s) { return s.columnText(1); });
        QVERIFY(names.ok());
        QCOMPARE(*names, (std::vector<std::string>{"ann", "bob"}));
        QVERIFY(tableCanBeDropped());
    }

    void readRowsOfNoRowsIsEmpty()
    {
        auto names = readRows(
            *m_db, "SELECT id, name FROM t WHERE id > ?1", [](Statement &s) { s.bind(1, 99); }, readName);
        QVERIFY(names.ok());
        QVERIFY(names->empty());
    }

    void aRowThatCannotBeReadEndsTheReadAndResets()
    {
        auto names = readRows(*m_db, "SELECT id, name FROM t ORDER BY id", noParameters, readName);
        QVERIFY(!names.ok());
        QVERIFY(names.error().code == ErrorCode::Storage);
        QCOMPARE(names.error().message, std::string("row 3 holds a value this build does not know"));
        // Stopped on the last row, before SQLite said "done": only the
        // helper's reset frees the table.
        QVERIFY(tableCanBeDropped());
    }

    void aBadQueryIsAnError()
    {
        auto names = readRows(*m_db, "SELECT nonsense FROM nowhere", noParameters, readName);
        QVERIFY(!names.ok());
        QVERIFY(names.error().code == ErrorCode::Storage);
    }

    void forEachRowStopsAtAFailedStatus()
    {
        int seen = 0;
        const auto stopAtTwo = [&](const Statement &s) -> Status {
            ++seen;
            if (s.columnInt(0) == 2)
                return Error::invalid("stop at 2");
            return {};
        };
        Status status = forEachRow(*m_db, "SELECT id FROM t ORDER BY id", noParameters, stopAtTwo);
        QVERIFY(!status.ok());
        QCOMPARE(status.error().message, std::string("stop at 2"));
        QCOMPARE(seen, 2);
        QVERIFY(tableCanBeDropped());
    }

    void forEachRowVisitsEveryRow()
    {
        double total = 0;
        int nulls = 0;
        Status status = forEachRow(*m_db, "SELECT score FROM t", noParameters, [&](const Statement &s) {
            if (auto score = s.columnOptionalDouble(0))
                total += *score;
            else
                ++nulls;
        });
        QVERIFY(status.ok());
        QCOMPARE(total, 4.5);
        QCOMPARE(nulls, 1);
    }

    void readOneRowFindsTheRowAndResets()
    {
        // Three rows match; the first is read and the statement is left
        // mid-way, which only the reset ends.
        auto name = readOneRow(*m_db, "SELECT id, name FROM t ORDER BY id", noParameters, readName, "no row");
        QVERIFY(name.ok());
        QCOMPARE(*name, std::string("ann"));
        QVERIFY(tableCanBeDropped());
    }

    void readOneRowOfNothingIsNotFound()
    {
        auto name = readOneRow(
            *m_db, "SELECT id, name FROM t WHERE id = ?1", [](Statement &s) { s.bind(1, 42); }, readName,
            "no row 42");
        QVERIFY(!name.ok());
        QVERIFY(name.error().code == ErrorCode::NotFound);
        QCOMPARE(name.error().message, std::string("no row 42"));
    }

    void readOneRowPassesOnTheReadersError()
    {
        auto name = readOneRow(
            *m_db, "SELECT id, name FROM t WHERE id = ?1", [](Statement &s) { s.bind(1, 3); }, readName, "no row 3");
        QVERIFY(!name.ok());
        QVERIFY(name.error().code == ErrorCode::Storage);
        QVERIFY(tableCanBeDropped());
    }

    void readOptionalRowTellsAbsentFromNull()
    {
        const auto bindId = [](std::int64_t id) { return [id](Statement &s) { s.bind(1, id); }; };
        const auto readScore = [](const Statement &s) { return s.columnOptionalDouble(0); };
        auto missing = readOptionalRow(*m_db, "SELECT score FROM t WHERE id = ?1", bindId(9), readScore);
        QVERIFY(missing.ok());
        QVERIFY(!missing->has_value());
        auto nullScore = readOptionalRow(*m_db, "SELECT score FROM t WHERE id = ?1", bindId(2), readScore);
        QVERIFY(nullScore.ok());
        QVERIFY(nullScore->has_value());
        QVERIFY(!nullScore->value().has_value());
        auto score = readOptionalRow(*m_db, "SELECT score FROM t WHERE id = ?1", bindId(1), readScore);
        QVERIFY(score.ok());
        QCOMPARE(score->value().value(), 1.5);
    }

    void hasRowTellsWhetherAnyRowMatches()
    {
        auto yes = hasRow(*m_db, "SELECT 1 FROM t WHERE name = ?1", [](Statement &s) { s.bind(1, "bob"); });
        QVERIFY(yes.ok());
        QVERIFY(*yes);
        auto no = hasRow(*m_db, "SELECT 1 FROM t WHERE name = ?1", [](Statement &s) { s.bind(1, "eve"); });
        QVERIFY(no.ok());
        QVERIFY(!*no);
        QVERIFY(tableCanBeDropped());
    }

    void aBindingErrorIsAnErrorAndResets()
    {
        // Parameter 2 does not exist: the error surfaces at the first step.
        auto names = readRows(
            *m_db, "SELECT id, name FROM t WHERE id = ?1", [](Statement &s) { s.bind(2, 1); }, readName);
        QVERIFY(!names.ok());
        QVERIFY(names.error().code == ErrorCode::Storage);
        // The same cached statement works again with proper bindings.
        auto again = readRows(
            *m_db, "SELECT id, name FROM t WHERE id = ?1", [](Statement &s) { s.bind(1, 1); }, readName);
        QVERIFY(again.ok());
        QCOMPARE(again->size(), std::size_t(1));
    }

    void cleanup() { m_db.reset(); }
};

QTEST_GUILESS_MAIN(TestQuery)
#include "tst_query.moc"
