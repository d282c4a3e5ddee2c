#include "sync/fieldcodec.h"

#include <QTest>

#include <cmath>
#include <limits>

using namespace beatbook;

class TestFieldCodec : public QObject {
    Q_OBJECT
private slots:
    void roundTripsEveryColumnType()
    {
        Fields fields;
        fields["status"] = "triaged";
        fields["hate"] = 1;
        fields["lat"] = 51.6123;
        fields["close_reason"] = nullptr;
        fields["occurred_at"] = std::int64_t{1795554900000};
        fields["negative"] = std::int64_t{-5};
        ProtoFields proto;
        QVERIFY(fieldsToProto(fields, proto).ok());
        QCOMPARE(proto.size(), 6);
        auto back = fieldsFromProto(proto);
        QVERIFY(back.ok());
        QCOMPARE(back->dump(), fields.dump());
    }

    void booleansTravelAsIntegers()
    {
        Fields fields;
        fields["hate"] = true;
        ProtoFields proto;
        QVERIFY(fieldsToProto(fields, proto).ok());
        QCOMPARE(proto.Get(0).value().int_value(), std::int64_t{1});
    }

    void refusesWhatTheStoreCannotHold()
    {
        Fields nested;
        nested["list"] = Fields::array({1, 2});
        ProtoFields proto;
        QVERIFY(!fieldsToProto(nested, proto).ok());
        QVERIFY(!fieldsToProto(Fields::array(), proto).ok());
    }

    void refusesMalformedProtoFields()
    {
        ProtoFields noValue;
        noValue.Add()->set_name("status");
        QVERIFY(!fieldsFromProto(noValue).ok());

        ProtoFields noName;
        noName.Add()->mutable_value()->set_int_value(1);
        QVERIFY(!fieldsFromProto(noName).ok());

        ProtoFields repeated;
        for (int i = 0; i < 2; ++i) {
            auto *f = repeated.Add();
            f->set_name("status");
            f->mutable_value()->set_text_value("new");
        }
        QVERIFY(!fieldsFromProto(repeated).ok());

        for (double bad : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
            ProtoFields notFinite;
            auto *f = notFinite.Add();
            f->set_name("lat");
            f->mutable_value()->set_real_value(bad);
            auto result = fieldsFromProto(notFinite);
            QVERIFY(!result.ok());
            QVERIFY(result.error().message.find("lat") != std::string::npos);
        }
    }
};

QTEST_GUILESS_MAIN(TestFieldCodec)
#include "tst_fieldcodec.moc"
