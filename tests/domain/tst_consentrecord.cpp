#include "core/text.h"
#include "domain/consentrecord.h"

#include <QTest>

using namespace beatbook;

namespace {

constexpr TimestampMs kMinute = 60LL * 1000;
constexpr TimestampMs kT0 = 1795554900000LL; // 2026-11-24T21:15Z

ConsentRecord validConsent()
{
    ConsentRecord c;
    c.id = "018f4b2a-0000-7000-8000-00000000c001";
    c.personId = "018f4b2a-0000-7000-8000-00000000a001";
    c.purpose = "A home fire safety visit and a check-in from adult social care.";
    c.recipients = {ReferralRoute::Hfsv, ReferralRoute::AdultSocialCare};
    c.scriptVersion = "hfsv-consent-v3";
    c.method = ConsentMethod::VerbalWitnessed;
    c.witnessName = "PCSO Amara Okafor";
    c.capturedBy = "Firefighter Dan Wells";
    c.capturedByRole = Role::FireHfsv;
    c.capturedAt = kT0;
    return c;
}

QString describe(const Status &s)
{
    return s.ok() ? QString("ok") : QString::fromStdString(s.error().message);
}

} // namespace

class TestConsentRecord : public QObject {
    Q_OBJECT
private slots:
    void methodNames()
    {
        QCOMPARE(allNames<ConsentMethod>(), std::string("verbal_witnessed, signed_on_device, paper"));
    }

    void acceptsValidConsent()
    {
        auto c = validConsent();
        QVERIFY2(validateConsent(c, kT0).ok(), qPrintable(describe(validateConsent(c, kT0))));
        // Signed or paper consent needs no witness.
        c.method = ConsentMethod::SignedOnDevice;
        c.witnessName.clear();
        QVERIFY(validateConsent(c, kT0 + kMinute).ok());
        c.method = ConsentMethod::Paper;
        QVERIFY(validateConsent(c, kT0).ok());
        // A device clock a little ahead is tolerated.
        QVERIFY(validateConsent(c, kT0 - 4 * kMinute).ok());
        c.capacityConcern = true;
        c.capacityNote = "Seemed confused about the date; daughter present and agreed.";
        QVERIFY(validateConsent(c, kT0).ok());
        // Every referring role may capture consent.
        for (auto role : defaultReferringRoles()) {
            c.capturedByRole = role;
            QVERIFY2(validateConsent(c, kT0).ok(), toString(role).data());
        }
    }

    void refusesBadConsent_data()
    {
        QTest::addColumn<int>("which");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("mentions");
        const int invalid = int(ErrorCode::InvalidInput);
        const int notAllowed = int(ErrorCode::NotAllowed);
        QTest::newRow("id not a uuid") << 0 << invalid << "consent id";
        QTest::newRow("person not a uuid") << 1 << invalid << "person";
        QTest::newRow("no purpose") << 2 << invalid << "purpose";
        QTest::newRow("blank purpose") << 3 << invalid << "purpose";
        QTest::newRow("no recipients") << 4 << invalid << "at least one recipient";
        QTest::newRow("recipient twice") << 5 << invalid << "twice";
        QTest::newRow("unknown recipient") << 6 << invalid << "unknown recipient";
        QTest::newRow("no script version") << 7 << invalid << "script version";
        QTest::newRow("script version with spaces") << 8 << invalid << "script version";
        QTest::newRow("script version too long") << 9 << invalid << "too long";
        QTest::newRow("verbal, no witness") << 10 << invalid << "witness";
        QTest::newRow("witness is the captor") << 11 << invalid << "someone other";
        QTest::newRow("capacity concern, no note") << 12 << invalid << "capacity";
        QTest::newRow("nobody captured it") << 13 << invalid << "captured by";
        QTest::newRow("analyst captured it") << 14 << notAllowed << "analyst";
        QTest::newRow("admin captured it") << 15 << notAllowed << "admin";
        QTest::newRow("in the future") << 16 << invalid << "future";
        QTest::newRow("no capture time") << 17 << invalid << "time";
        QTest::newRow("purpose not utf-8") << 18 << invalid << "UTF-8";
        QTest::newRow("purpose oversized") << 19 << invalid << "too long";
        QTest::newRow("witness with control char") << 20 << invalid << "control";
        QTest::newRow("withdrawn before given") << 21 << invalid << "before it was given";
        QTest::newRow("withdrawn in the future") << 22 << invalid << "future";
        QTest::newRow("withdrawn by analyst") << 23 << notAllowed << "withdrawal";
        QTest::newRow("unknown method") << 24 << invalid << "method";
        QTest::newRow("captor name oversized") << 25 << invalid << "too long";
        QTest::newRow("unknown captor role") << 26 << invalid << "unknown role";
        QTest::newRow("unknown withdrawer role") << 27 << invalid << "unknown role";
    }
    void refusesBadConsent()
    {
        QFETCH(int, which);
        QFETCH(int, code);
        QFETCH(QString, mentions);
        auto c = validConsent();
        switch (which) {
        case 0: c.id = "c001"; break;
        case 1: c.personId = "Mrs Smith"; break;
        case 2: c.purpose.clear(); break;
        case 3: c.purpose = " \n\t "; break;
        case 4: c.recipients.clear(); break;
        case 5: c.recipients.push_back(ReferralRoute::Hfsv); break;
        case 6: c.recipients.push_back(static_cast<ReferralRoute>(42)); break;
        case 7: c.scriptVersion.clear(); break;
        case 8: c.scriptVersion = "hfsv consent v3"; break;
        case 9: c.scriptVersion = std::string(65, 'v'); break;
        case 10: c.witnessName = "  "; break;
        case 11: c.witnessName = "firefighter dan wells."; break;
        case 12: c.capacityConcern = true; break;
        case 13: c.capturedBy.clear(); break;
        case 14: c.capturedByRole = Role::Analyst; break;
        case 15: c.capturedByRole = Role::Admin; break;
        case 16: c.capturedAt = kT0 + 6 * kMinute; break;
        case 17: c.capturedAt = 0; break;
        case 18: c.purpose = "fire visit \xc0\xaf"; break;
        case 19: c.purpose = std::string(kMaxLongText + 1, 'p'); break;
        case 20: c.witnessName = "Amara\x07Okafor"; break;
        case 21: c.withdrawal = ConsentWithdrawal{kT0 - 1, "PCSO Okafor", Role::Pcso, ""}; break;
        case 22: c.withdrawal = ConsentWithdrawal{kT0 + 60 * kMinute, "PCSO Okafor", Role::Pcso, ""}; break;
        case 23: c.withdrawal = ConsentWithdrawal{kT0, "PCSO Okafor", Role::Analyst, ""}; break;
        case 24: c.method = static_cast<ConsentMethod>(7); break;
        case 25: c.capturedBy = std::string(kMaxShortText + 1, 'n'); break;
        case 26: c.capturedByRole = static_cast<Role>(40); break;
        case 27: c.withdrawal = ConsentWithdrawal{kT0, "PCSO Okafor", static_cast<Role>(40), ""}; break;
        }
        const auto ok = validateConsent(c, kT0);
        QVERIFY(!ok.ok());
        QCOMPARE(int(ok.error().code), code);
        QVERIFY2(ok.error().message.find(mentions.toStdString()) != std::string::npos, ok.error().message.c_str());
    }

    void withdrawalIsAsEasyAsGiving()
    {
        for (auto role : defaultReferringRoles()) {
            auto c = validConsent();
            const auto ok = withdrawConsent(c, "Cllr help desk", role, kT0 + 10 * kMinute, "");
            QVERIFY2(ok.ok(), qPrintable(describe(ok)));
            QVERIFY(c.withdrawal.has_value());
            QCOMPARE(c.withdrawal->withdrawnAt, kT0 + 10 * kMinute);
            QCOMPARE(c.withdrawal->withdrawnBy, std::string("Cllr help desk"));
            QVERIFY(c.withdrawal->withdrawnByRole == role);
            QVERIFY(validateConsent(c, kT0 + 10 * kMinute).ok());
        }
        auto c = validConsent();
        QVERIFY(withdrawConsent(c, "PCSO Okafor", Role::Pcso, kT0, "Changed her mind\non the doorstep").ok());
        QCOMPARE(c.withdrawal->note, std::string("Changed her mind\non the doorstep"));
    }

    void refusesBadWithdrawal_data()
    {
        QTest::addColumn<int>("which");
        QTest::addColumn<int>("code");
        QTest::newRow("already withdrawn") << 0 << int(ErrorCode::NotAllowed);
        QTest::newRow("before capture") << 1 << int(ErrorCode::InvalidInput);
        QTest::newRow("analyst") << 2 << int(ErrorCode::NotAllowed);
        QTest::newRow("admin") << 3 << int(ErrorCode::NotAllowed);
        QTest::newRow("nobody") << 4 << int(ErrorCode::InvalidInput);
        QTest::newRow("note not utf-8") << 5 << int(ErrorCode::InvalidInput);
        QTest::newRow("note oversized") << 6 << int(ErrorCode::InvalidInput);
    }
    void refusesBadWithdrawal()
    {
        QFETCH(int, which);
        QFETCH(int, code);
        auto c = validConsent();
        if (which == 0)
            QVERIFY(withdrawConsent(c, "PCSO Okafor", Role::Pcso, kT0 + kMinute, "").ok());
        const auto before = c;
        std::string by = "PCSO Okafor";
        Role role = Role::Pcso;
        TimestampMs at = kT0 + 2 * kMinute;
        std::string note;
        switch (which) {
        case 1: at = kT0 - 1; break;
        case 2: role = Role::Analyst; break;
        case 3: role = Role::Admin; break;
        case 4: by = " "; break;
        case 5: note = "\xff"; break;
        case 6: note = std::string(kMaxLongText + 1, 'n'); break;
        }
        const auto ok = withdrawConsent(c, by, role, at, note);
        QVERIFY(!ok.ok());
        QCOMPARE(int(ok.error().code), code);
        QVERIFY(c == before); // refused: nothing changed
    }

    void coverage()
    {
        auto c = validConsent();
        QVERIFY(consentCovers(c, ReferralRoute::Hfsv, kT0));
        QVERIFY(consentCovers(c, ReferralRoute::AdultSocialCare, kT0 + 100 * kMinute));
        QVERIFY(!consentCovers(c, ReferralRoute::Hoarding, kT0));
        QVERIFY(!consentCovers(c, ReferralRoute::DomesticAbuse, kT0));
        QVERIFY(!consentCovers(c, ReferralRoute::Hfsv, kT0 - 1)); // not given yet

        QVERIFY(withdrawConsent(c, "PCSO Okafor", Role::Pcso, kT0 + 10 * kMinute, "").ok());
        QVERIFY(consentCovers(c, ReferralRoute::Hfsv, kT0 + 10 * kMinute - 1));
        QVERIFY(!consentCovers(c, ReferralRoute::Hfsv, kT0 + 10 * kMinute));
        QVERIFY(!consentCovers(c, ReferralRoute::AdultSocialCare, kT0 + 11 * kMinute));
        QVERIFY(!isConsentWithdrawn(c, kT0 + 10 * kMinute - 1));
        QVERIFY(isConsentWithdrawn(c, kT0 + 10 * kMinute));
    }
};

QTEST_GUILESS_MAIN(TestConsentRecord)
#include "tst_consentrecord.moc"
