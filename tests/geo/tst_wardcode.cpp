#include "geo/wardcode.h"

#include <QTest>

using namespace beatbook;

class TestWardCode : public QObject {
    Q_OBJECT
private slots:
    void acceptsWardCodes()
    {
        for (const char *code : {"E05013628", "E05013651", "W05000001", "S13002517", "N08000101"})
            QVERIFY2(isWardCodeFormat(code), code);
    }

    void refusesEverythingElse()
    {
        for (const char *code : {"", "E0501362", "E050136280", "E05O13628", "e05013628", "E04013628",
                                 "E09000003", "X01", "Barnet Vale", "E05013628 ", "E05-13628"})
            QVERIFY2(!isWardCodeFormat(code), code);
        QVERIFY(!isWardCodeFormat(std::string_view("E0501\0628", 9)));
    }
};

QTEST_GUILESS_MAIN(TestWardCode)
#include "tst_wardcode.moc"
