#include "sync/syncchange.h"

#include <QTest>

#include <cmath>
#include <limits>

using namespace beatbook;

// QCOMPARE cannot take Fields (nlohmann's conversions confuse Qt's
// overloads); this compares and shows both values on failure.
#define COMPARE_FIELDS(actual, expected)                                                                     \
    QVERIFY2((actual) == (expected),                                                                        \
             qPrintable(QString::fromStdString(Fields(actual).dump() + " != " + Fields(expected).dump())))
namespace v1 = beatbook::sync::v1;

namespace {

const std::string kId = "0192f1d2-7a3b-7c4d-8e5f-0123456789ab";

SyncChange sample()
{
    SyncChange c;
    c.seq = 7;
    c.changeId = "0192f1d2-0000-7000-8000-000000000001";
    c.entity = "asb_reports";
    c.entityId = kId;
    c.op = ChangeOp::Update;
    c.hlc = (1700000000000ULL << 16) | 3;
    c.baseHlc = (1699999999000ULL << 16);
    c.deviceId = "device-a";
    c.fields = Fields::object();
    c.fields["status"] = "triaged";
    c.fields["prior_reports"] = 2;
    c.fields["lat"] = 51.6;
    c.fields["close_reason"] = nullptr;
    c.fields["description"] = "Bins set alight — £20 damage";
    return c;
}

v1::Change sampleProto()
{
    v1::Change proto;
    const Status ok = changeToProto(sample(), proto);
    if (!ok)
        qWarning("%s", ok.error().message.c_str());
    return proto;
}

bool refused(const v1::Change &proto, const char *expected)
{
    auto decoded = changeFromProto(proto, "device-a");
    if (decoded.ok()) {
        qWarning("accepted, expected a refusal mentioning '%s'", expected);
        return false;
    }
    if (decoded.error().code != ErrorCode::InvalidInput || decoded.error().message.find(expected) == std::string::npos) {
        qWarning("refused with '%s', expected '%s'", decoded.error().message.c_str(), expected);
        return false;
    }
    return true;
}

} // namespace

class TestSyncChange : public QObject {
    Q_OBJECT
private slots:
    void roundTrips()
    {
        const SyncChange original = sample();
        v1::Change proto;
        QVERIFY(changeToProto(original, proto).ok());
        QCOMPARE(proto.op(), v1::Change::UPDATE);
        QCOMPARE(proto.fields_size(), 5);

        // Across the wire, as bytes.
        std::string bytes;
        QVERIFY(proto.SerializeToString(&bytes));
        v1::Change received;
        QVERIFY(received.ParseFromString(bytes));

        auto decoded = changeFromProto(received, "device-a");
        QVERIFY2(decoded.ok(), decoded.ok() ? "" : decoded.error().message.c_str());
        QCOMPARE(decoded->seq, original.seq);
        QCOMPARE(decoded->changeId, original.changeId);
        QCOMPARE(decoded->entity, original.entity);
        QCOMPARE(decoded->entityId, original.entityId);
        QVERIFY(decoded->op == original.op);
        QCOMPARE(decoded->hlc, original.hlc);
        QCOMPARE(decoded->baseHlc, original.baseHlc);
        QCOMPARE(decoded->deviceId, original.deviceId);
        COMPARE_FIELDS(decoded->fields, original.fields);
        QVERIFY(decoded->fields["close_reason"].is_null());
        QVERIFY(decoded->fields["lat"].is_number_float());
        QVERIFY(decoded->fields["prior_reports"].is_number_integer());
    }

    void createWithNoBase()
    {
        SyncChange c = sample();
        c.op = ChangeOp::Create;
        c.baseHlc = 0;
        v1::Change proto;
        QVERIFY(changeToProto(c, proto).ok());
        QCOMPARE(proto.op(), v1::Change::CREATE);
        auto decoded = changeFromProto(proto, "device-a");
        QVERIFY(decoded.ok());
        QVERIFY(decoded->op == ChangeOp::Create);
        QCOMPARE(decoded->baseHlc, std::uint64_t{0});
    }

    void booleansTravelAsIntegers()
    {
        SyncChange c = sample();
        c.fields["hate"] = true;
        v1::Change proto;
        QVERIFY(changeToProto(c, proto).ok());
        auto decoded = changeFromProto(proto, "device-a");
        QVERIFY(decoded.ok());
        COMPARE_FIELDS(decoded->fields["hate"], Fields(1));
    }

    void senderComesFromTheSessionNotTheMessage()
    {
        auto decoded = changeFromProto(sampleProto(), "device-from-session");
        QVERIFY(decoded.ok());
        QCOMPARE(decoded->deviceId, std::string("device-from-session"));
    }

    void idsUpTo64SafeCharacters()
    {
        v1::Change proto = sampleProto();
        proto.set_entity_id(std::string(64, 'a'));
        QVERIFY(changeFromProto(proto, "d").ok());
        proto.set_entity_id("A-z_09");
        QVERIFY(changeFromProto(proto, "d").ok());
    }

    void refusesUnknownOp()
    {
        // A newer device's op arrives as a number this build has no name
        // for: field 5 (op), varint 7, appended to a valid message.
        std::string bytes;
        QVERIFY(sampleProto().SerializeToString(&bytes));
        bytes += std::string("\x28\x07", 2);
        v1::Change proto;
        QVERIFY(proto.ParseFromString(bytes));
        QCOMPARE(static_cast<int>(proto.op()), 7);
        QVERIFY(refused(proto, "unknown operation"));
    }

    void refusesBadIds_data()
    {
        QTest::addColumn<QString>("which");
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<QString>("expected");
        QTest::newRow("empty id") << "id" << QByteArray() << "no record id";
        QTest::newRow("long id") << "id" << QByteArray(65, 'a') << "longer than 64";
        QTest::newRow("slash") << "id" << QByteArray("../etc") << "only letters";
        QTest::newRow("space") << "id" << QByteArray("a b") << "only letters";
        QTest::newRow("dot") << "id" << QByteArray("a.b") << "only letters";
        QTest::newRow("quote") << "id" << QByteArray("a'--") << "only letters";
        QTest::newRow("non-ascii") << "id" << QByteArray("caf\xc3\xa9") << "only letters";
        QTest::newRow("nul") << "id" << QByteArray("a\0b", 3) << "only letters";
        QTest::newRow("empty entity") << "entity" << QByteArray() << "no record class";
        QTest::newRow("entity with space") << "entity" << QByteArray("asb reports") << "only letters";
        QTest::newRow("long entity") << "entity" << QByteArray(65, 'e') << "longer than 64";
        QTest::newRow("empty change id") << "change" << QByteArray() << "no change id";
        QTest::newRow("change id with semicolon") << "change" << QByteArray("x;y") << "only letters";
    }
    void refusesBadIds()
    {
        QFETCH(QString, which);
        QFETCH(QByteArray, value);
        QFETCH(QString, expected);
        v1::Change proto = sampleProto();
        const std::string text(value.constData(), static_cast<std::size_t>(value.size()));
        if (which == "id")
            proto.set_entity_id(text);
        else if (which == "entity")
            proto.set_entity(text);
        else
            proto.set_change_id(text);
        QVERIFY(refused(proto, expected.toStdString().c_str()));
    }

    void refusesMissingSequenceOrClock()
    {
        v1::Change proto = sampleProto();
        proto.set_seq(0);
        QVERIFY(refused(proto, "no sequence number"));

        proto = sampleProto();
        proto.set_hlc(0);
        proto.set_base_hlc(0);
        QVERIFY(refused(proto, "no clock stamp"));
    }

    void refusesABaseNotOlderThanTheChange()
    {
        v1::Change proto = sampleProto();
        proto.set_base_hlc(proto.hlc());
        QVERIFY(refused(proto, "base version"));
        proto.set_base_hlc(proto.hlc() + 1);
        QVERIFY(refused(proto, "base version"));
        proto.set_base_hlc(proto.hlc() - 1);
        QVERIFY(changeFromProto(proto, "d").ok());
    }

    void refusesMalformedFields()
    {
        v1::Change proto = sampleProto();
        proto.add_fields()->set_name("no_value");
        QVERIFY(refused(proto, "no_value"));

        proto = sampleProto();
        auto *repeated = proto.add_fields();
        repeated->set_name("status");
        repeated->mutable_value()->set_text_value("closed");
        QVERIFY(refused(proto, "appears twice"));

        for (double bad : {std::nan(""), std::numeric_limits<double>::infinity(),
                           -std::numeric_limits<double>::infinity()}) {
            proto = sampleProto();
            auto *field = proto.add_fields();
            field->set_name("lon");
            field->mutable_value()->set_real_value(bad);
            QVERIFY(refused(proto, "not finite"));
        }

        proto = sampleProto();
        auto *unnamed = proto.add_fields();
        unnamed->mutable_value()->set_int_value(1);
        QVERIFY(refused(proto, "no name"));
    }

    void refusalNamesTheChange()
    {
        v1::Change proto = sampleProto();
        proto.set_entity_id("bad id");
        auto decoded = changeFromProto(proto, "d");
        QVERIFY(!decoded.ok());
        QVERIFY(decoded.error().message.find("change 7") != std::string::npos);
    }

    void encodingRefusesWhatTheWireCannotCarry()
    {
        SyncChange c = sample();
        c.fields["photo"] = Fields::array({1, 2, 3});
        v1::Change proto;
        auto ok = changeToProto(c, proto);
        QVERIFY(!ok.ok());
        QVERIFY(ok.error().message.find("photo") != std::string::npos);
        QCOMPARE(proto.fields_size(), 0); // nothing half-written

        c = sample();
        c.fields = Fields::array();
        QVERIFY(!changeToProto(c, proto).ok());
    }

    void checkSyncIdNamesTheField()
    {
        auto ok = checkSyncId("person id", "");
        QVERIFY(!ok.ok());
        QVERIFY(ok.error().message.find("person id") != std::string::npos);
        QVERIFY(checkSyncId("person id", kId).ok());
    }
};

QTEST_GUILESS_MAIN(TestSyncChange)
#include "tst_syncchange.moc"
