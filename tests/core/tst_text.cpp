#include "core/text.h"

#include <QTest>

#include <string>

using namespace beatbook;

namespace {

std::string bytes(const QByteArray &a) { return std::string(a.constData(), static_cast<std::size_t>(a.size())); }

} // namespace

class TestText : public QObject {
    Q_OBJECT
private slots:
    void acceptsValidUtf8_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("empty") << QByteArray("");
        QTest::newRow("ascii") << QByteArray("12 Acacia Avenue");
        QTest::newRow("2-byte") << QByteArray("Zo\xc3\xab");                         // Zoë
        QTest::newRow("3-byte") << QByteArray("\xe2\x82\xac" "5");                   // €5
        QTest::newRow("4-byte") << QByteArray("\xf0\x9f\x9a\x93");                   // 🚓
        QTest::newRow("U+0080") << QByteArray("\xc2\x80");
        QTest::newRow("U+07FF") << QByteArray("\xdf\xbf");
        QTest::newRow("U+0800") << QByteArray("\xe0\xa0\x80");
        QTest::newRow("U+D7FF") << QByteArray("\xed\x9f\xbf");
        QTest::newRow("U+E000") << QByteArray("\xee\x80\x80");
        QTest::newRow("U+FFFD") << QByteArray("\xef\xbf\xbd");
        QTest::newRow("U+10000") << QByteArray("\xf0\x90\x80\x80");
        QTest::newRow("U+10FFFF") << QByteArray("\xf4\x8f\xbf\xbf");
        QTest::newRow("NUL is valid UTF-8") << QByteArray("a\0b", 3);
        QTest::newRow("Welsh and Irish names") << QByteArray("Gruffydd \xc3\x93 S\xc3\xbailleabh\xc3\xa1in");
    }
    void acceptsValidUtf8()
    {
        QFETCH(QByteArray, text);
        QVERIFY(isValidUtf8(bytes(text)));
    }

    void refusesInvalidUtf8_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("lone continuation") << QByteArray("a\x80" "b");
        QTest::newRow("0xFF") << QByteArray("\xff");
        QTest::newRow("0xFE") << QByteArray("\xfe\xfe");
        QTest::newRow("Latin-1 e-acute") << QByteArray("caf\xe9");
        QTest::newRow("overlong slash, 2 bytes") << QByteArray("\xc0\xaf");
        QTest::newRow("overlong C1") << QByteArray("\xc1\xbf");
        QTest::newRow("overlong NUL") << QByteArray("\xc0\x80");
        QTest::newRow("overlong, 3 bytes") << QByteArray("\xe0\x80\xaf");
        QTest::newRow("overlong, 4 bytes") << QByteArray("\xf0\x80\x80\xaf");
        QTest::newRow("surrogate D800") << QByteArray("\xed\xa0\x80");
        QTest::newRow("surrogate DFFF") << QByteArray("\xed\xbf\xbf");
        QTest::newRow("past U+10FFFF") << QByteArray("\xf4\x90\x80\x80");
        QTest::newRow("F5 lead") << QByteArray("\xf5\x80\x80\x80");
        QTest::newRow("5-byte form") << QByteArray("\xf8\x88\x80\x80\x80");
        QTest::newRow("truncated 3-byte") << QByteArray("\xe2\x82");
        QTest::newRow("truncated at end") << QByteArray("abc\xc3");
        QTest::newRow("bad continuation") << QByteArray("\xc3\x28");
        QTest::newRow("ascii in 4-byte") << QByteArray("\xf0\x9f\x9a" "a");
    }
    void refusesInvalidUtf8()
    {
        QFETCH(QByteArray, text);
        QVERIFY(!isValidUtf8(bytes(text)));
        const auto checked = checkText("address", bytes(text), kMaxShortText);
        QVERIFY(!checked.ok());
        QCOMPARE(checked.error().code, ErrorCode::InvalidInput);
        QVERIFY2(checked.error().message.find("address") != std::string::npos, checked.error().message.c_str());
        QVERIFY2(checked.error().message.find("UTF-8") != std::string::npos, checked.error().message.c_str());
    }

    void checkTextLimits()
    {
        QVERIFY(checkText("name", std::string(kMaxShortText, 'a'), kMaxShortText).ok());
        const auto tooLong = checkText("name", std::string(kMaxShortText + 1, 'a'), kMaxShortText);
        QVERIFY(!tooLong.ok());
        QCOMPARE(tooLong.error().code, ErrorCode::InvalidInput);
        QVERIFY2(tooLong.error().message.find("name") != std::string::npos, tooLong.error().message.c_str());
        QVERIFY2(tooLong.error().message.find("too long") != std::string::npos, tooLong.error().message.c_str());
        QVERIFY(checkText("description", std::string(kMaxLongText, 'x'), kMaxLongText, true).ok());
        QVERIFY(!checkText("description", std::string(kMaxLongText + 1, 'x'), kMaxLongText, true).ok());

        // The limit is in bytes: 100 two-byte letters fit 200, 101 do not.
        std::string e100, e101;
        for (int i = 0; i < 100; ++i)
            e100 += "\xc3\xa9";
        e101 = e100 + "\xc3\xa9";
        QVERIFY(checkText("name", e100, kMaxShortText).ok());
        QVERIFY(!checkText("name", e101, kMaxShortText).ok());
        QVERIFY(checkText("name", "", kMaxShortText).ok());
    }

    void checkTextControlCharacters_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<bool>("allowNewlines");
        QTest::addColumn<bool>("ok");
        QTest::newRow("newline, single line") << QByteArray("a\nb") << false << false;
        QTest::newRow("newline, multi line") << QByteArray("a\nb") << true << true;
        QTest::newRow("tab, single line") << QByteArray("a\tb") << false << false;
        QTest::newRow("tab, multi line") << QByteArray("a\tb") << true << true;
        QTest::newRow("CRLF, multi line") << QByteArray("a\r\nb") << true << true;
        QTest::newRow("NUL") << QByteArray("a\0b", 3) << true << false;
        QTest::newRow("bell") << QByteArray("a\x07") << true << false;
        QTest::newRow("escape") << QByteArray("\x1b[31mred") << true << false;
        QTest::newRow("DEL") << QByteArray("a\x7f") << true << false;
        QTest::newRow("vertical tab") << QByteArray("a\x0b") << true << false;
        QTest::newRow("plain") << QByteArray("O'Brien; DROP TABLE people; --") << false << true;
    }
    void checkTextControlCharacters()
    {
        QFETCH(QByteArray, text);
        QFETCH(bool, allowNewlines);
        QFETCH(bool, ok);
        const auto checked = checkText("description", bytes(text), kMaxLongText, allowNewlines);
        QCOMPARE(checked.ok(), ok);
        if (!ok) {
            QCOMPARE(checked.error().code, ErrorCode::InvalidInput);
            QVERIFY2(checked.error().message.find("description") != std::string::npos,
                     checked.error().message.c_str());
            QVERIFY(checked.error().message.find('\n') == std::string::npos);
        }
    }

    void collapseSpaces_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("empty") << QByteArray("") << QByteArray("");
        QTest::newRow("only spaces") << QByteArray("   \t\n ") << QByteArray("");
        QTest::newRow("trim") << QByteArray("  a  ") << QByteArray("a");
        QTest::newRow("inner runs") << QByteArray("12   Acacia \t Avenue") << QByteArray("12 Acacia Avenue");
        QTest::newRow("newlines") << QByteArray("\r\nline one\r\nline two\n") << QByteArray("line one line two");
        QTest::newRow("punctuation kept") << QByteArray(" O'Brien , J. ") << QByteArray("O'Brien , J.");
        QTest::newRow("case kept") << QByteArray("Jane  DOE") << QByteArray("Jane DOE");
        QTest::newRow("non-ASCII kept") << QByteArray(" Zo\xc3\xab   \xc3\x93 ") << QByteArray("Zo\xc3\xab \xc3\x93");
    }
    void collapseSpaces()
    {
        QFETCH(QByteArray, input);
        QFETCH(QByteArray, expected);
        QCOMPARE(beatbook::collapseSpaces(bytes(input)), bytes(expected));
    }

    void foldForMatching_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("empty") << QByteArray("") << QByteArray("");
        QTest::newRow("punctuation only") << QByteArray(" -- ,. ") << QByteArray("");
        QTest::newRow("doc example") << QByteArray("12a  Acacia Ave.") << QByteArray("12a acacia ave");
        QTest::newRow("doc example 2") << QByteArray("12A Acacia Ave") << QByteArray("12a acacia ave");
        QTest::newRow("name case and spaces") << QByteArray("  JANE   doe ") << QByteArray("jane doe");
        QTest::newRow("hyphen") << QByteArray("Jane-Doe") << QByteArray("jane doe");
        QTest::newRow("apostrophe") << QByteArray("O'Brien") << QByteArray("o brien");
        QTest::newRow("commas") << QByteArray("Flat 3, 14 High St.") << QByteArray("flat 3 14 high st");
        QTest::newRow("tabs and newlines") << QByteArray("a\tb\nc") << QByteArray("a b c");
        QTest::newRow("non-ASCII kept as is") << QByteArray("\xc3\x89LISE Zo\xc3\xab")
                                              << QByteArray("\xc3\x89lise zo\xc3\xab");
        QTest::newRow("sql") << QByteArray("'; DROP TABLE x; --") << QByteArray("drop table x");
    }
    void foldForMatching()
    {
        QFETCH(QByteArray, input);
        QFETCH(QByteArray, expected);
        QCOMPARE(beatbook::foldForMatching(bytes(input)), bytes(expected));
        // Folding twice changes nothing.
        QCOMPARE(beatbook::foldForMatching(beatbook::foldForMatching(bytes(input))), bytes(expected));
    }
};

QTEST_GUILESS_MAIN(TestText)
#include "tst_text.moc"
