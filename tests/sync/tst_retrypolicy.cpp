#include "core/randomsource.h"
#include "sync/retrypolicy.h"

#include <QTest>

#include <set>

using namespace beatbook;
using namespace std::chrono_literals;

namespace {

// Always the same bytes: the smallest or the largest jitter.
class FixedRandom final : public RandomSource {
public:
    explicit FixedRandom(std::uint8_t byte) : m_byte(byte) {}
    void fill(std::span<std::uint8_t> out) override
    {
        for (auto &b : out)
            b = m_byte;
    }

private:
    std::uint8_t m_byte;
};

} // namespace

class TestRetryPolicy : public QObject {
    Q_OBJECT
private slots:
    void doublesUpToTheCapWithHalfOfItRandom()
    {
        const RetryPolicy policy{5, 1000ms, 8000ms};
        SeededRandom random(1);
        for (int retry = 1; retry <= 8; ++retry) {
            const auto full = std::min<std::int64_t>(1000LL << (retry - 1), 8000);
            for (int i = 0; i < 50; ++i) {
                const auto delay = retryDelay(policy, retry, random).count();
                QVERIFY2(delay >= full / 2 && delay <= full, std::to_string(delay).c_str());
            }
        }
    }

    void jitterSpreadsDevicesApart()
    {
        const RetryPolicy policy{5, 1000ms, 30000ms};
        SeededRandom random(2);
        std::set<std::int64_t> seen;
        for (int i = 0; i < 20; ++i)
            seen.insert(retryDelay(policy, 3, random).count());
        QVERIFY(seen.size() > 10);
        FixedRandom low(0), high(0xff);
        QCOMPARE(retryDelay(policy, 3, low).count(), 2000);
        QVERIFY(retryDelay(policy, 3, high).count() <= 4000);
        QVERIFY(retryDelay(policy, 3, high).count() >= 2000);
    }

    void oddSettingsStaySane()
    {
        SeededRandom random(3);
        QCOMPARE(retryDelay({3, 0ms, 0ms}, 1, random).count(), 0);
        QCOMPARE(retryDelay({3, -5ms, 1000ms}, 2, random).count(), 0);
        // A huge retry number neither overflows nor passes the cap.
        const auto far = retryDelay({3, 1000ms, 60000ms}, 1000, random).count();
        QVERIFY(far >= 30000 && far <= 60000);
        // A cap below the first delay wins.
        QVERIFY(retryDelay({3, 5000ms, 1000ms}, 1, random).count() <= 1000);
    }
};

QTEST_GUILESS_MAIN(TestRetryPolicy)
#include "tst_retrypolicy.moc"
