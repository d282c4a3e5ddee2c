// Logging an ASB report (validation, ward lookup, repeat check, the report,
// its people and their outbox entries in one durable transaction) and the
// repeat check alone, on device stores already holding 10k, 100k and 1M
// reports.
//
// Stores are seeded once into $BEATBOOK_BENCH_DIR (default
// /tmp/beatbook-bench) through the same AsbReportStore::log path, grouped
// into large transactions, and reused by later runs. Per-operation latencies
// are reported as p50/p90/p99 counters in microseconds: quote the p50.

#include "core/clock.h"
#include "core/randomsource.h"
#include "datapack/datapack.h"
#include "domain/addressnormaliser.h"
#include "store/asbreportstore.h"
#include "store/devicestore.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <random>

using namespace beatbook;

namespace {

constexpr TimestampMs kNow = 1795554900000; // 2026-11-24T21:15Z
constexpr TimestampMs kThreeYears = 3LL * 365 * 24 * 3600 * 1000;

[[noreturn]] void die(const std::string &what)
{
    std::cerr << "bench_reportlogging: " << what << '\n';
    std::exit(1);
}

const DataPack &pack()
{
    static const DataPack loaded = [] {
        auto p = DataPack::load(DataPack::defaultDirectory());
        if (!p)
            die(p.error().message);
        return std::move(*p);
    }();
    return loaded;
}

// Borough-shaped data: positions in Barnet's bounding box; victims and
// addresses drawn from pools so that some recur, as repeat victims do.
class Generator {
public:
    Generator(std::uint64_t seed, long long scale)
        : m_rng(seed), m_victims(static_cast<std::uint64_t>(std::max(10LL, scale / 5))),
          m_streets(static_cast<std::uint64_t>(std::max(2LL, scale / 600)))
    {
    }

    NewAsbReport next(TimestampMs occurredAt)
    {
        std::uniform_real_distribution<double> lat(51.57, 51.66), lon(-0.28, -0.14);
        NewAsbReport r;
        r.type = static_cast<AsbType>(m_rng() % enumCount<AsbType>());
        r.qualifier = static_cast<AsbQualifier>(m_rng() % enumCount<AsbQualifier>());
        r.occurredAt = occurredAt;
        r.lat = lat(m_rng);
        r.lon = lon(m_rng);
        r.accuracyM = 8.0;
        if (m_rng() % 2)
            r.addressText = std::to_string(m_rng() % 200 + 1) + " Bench Street " + std::to_string(m_rng() % m_streets);
        if (m_rng() % 3 == 0)
            r.victim = PersonDetails{"Victim " + std::to_string(m_rng() % m_victims), ""};
        r.description = "Benchmark report";
        return r;
    }

private:
    std::mt19937_64 m_rng;
    std::uint64_t m_victims;
    std::uint64_t m_streets;
};

struct OpenStore {
    std::unique_ptr<ManualClock> clock;
    std::unique_ptr<SecureRandom> random; // ids must stay unique across runs on one file
    std::unique_ptr<DeviceStore> store;
    std::unique_ptr<AsbReportStore> reports;
};

// A store holding `count` reports, seeded on first use.
OpenStore openSeeded(long long count, Database::Durability durability)
{
    const char *env = std::getenv("BEATBOOK_BENCH_DIR");
    const std::filesystem::path dir = env && *env ? env : "/tmp/beatbook-bench";
    std::filesystem::create_directories(dir);
    const std::string path = (dir / ("reports-" + std::to_string(count) + ".db")).string();
    const bool fresh = !std::filesystem::exists(path);

    OpenStore s;
    s.clock = std::make_unique<ManualClock>(kNow);
    s.random = std::make_unique<SecureRandom>();
    auto store = DeviceStore::open(path, *s.clock, *s.random, durability);
    if (!store)
        die(store.error().message);
    s.store = std::move(*store);
    if (!s.store->isInitialised()) {
        DeviceProfile profile;
        profile.userName = "Bench PCSO";
        profile.matchKeyHex = std::string(64, 'a');
        if (auto ok = s.store->initialise(profile); !ok)
            die(ok.error().message);
    }
    s.reports = std::make_unique<AsbReportStore>(*s.store, pack().wards());
    if (fresh) {
        std::cerr << "seeding " << count << " reports into " << path << " ...\n";
        Generator gen(1, count);
        const long long batch = 20000;
        for (long long done = 0; done < count; done += batch) {
            Status ok = s.store->db().transaction([&]() -> Status {
                for (long long i = done; i < std::min(count, done + batch); ++i) {
                    auto logged = s.reports->log(gen.next(kNow - kThreeYears + kThreeYears * i / count));
                    if (!logged)
                        return logged.error();
                }
                return {};
            });
            if (!ok)
                die(ok.error().message);
        }
        (void)s.store->db().exec("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    return s;
}

void reportPercentiles(benchmark::State &state, std::vector<double> &micros)
{
    if (micros.empty())
        return;
    std::sort(micros.begin(), micros.end());
    auto at = [&](double q) { return micros[static_cast<std::size_t>(q * static_cast<double>(micros.size() - 1))]; };
    state.counters["p50_us"] = at(0.50);
    state.counters["p90_us"] = at(0.90);
    state.counters["p99_us"] = at(0.99);
}

void logReport(benchmark::State &state, Database::Durability durability)
{
    const long long stored = state.range(0);
    OpenStore s = openSeeded(stored, durability);
    Generator gen(static_cast<std::uint64_t>(stored) + 77, stored);
    std::vector<double> micros;
    for (auto _ : state) {
        s.clock->advance(1000);
        const NewAsbReport input = gen.next(s.clock->nowMs() - 60000);
        const auto start = std::chrono::steady_clock::now();
        auto logged = s.reports->log(input);
        const auto end = std::chrono::steady_clock::now();
        if (!logged)
            die(logged.error().message);
        const double seconds = std::chrono::duration<double>(end - start).count();
        state.SetIterationTime(seconds);
        micros.push_back(seconds * 1e6);
    }
    reportPercentiles(state, micros);
}

// synchronous=FULL: each report is on disk before log() returns.
void BM_LogReport_FullSync(benchmark::State &state) { logReport(state, Database::Durability::Full); }
// synchronous=NORMAL (WAL): survives the app being killed; a power cut may
// lose the last commits.
void BM_LogReport_NormalSync(benchmark::State &state) { logReport(state, Database::Durability::Normal); }

void BM_RepeatCheck(benchmark::State &state)
{
    const long long stored = state.range(0);
    OpenStore s = openSeeded(stored, Database::Durability::Full);
    // Keys drawn the way the seed drew them, so most checks hit real matches.
    Generator gen(1, stored);
    std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>> keys;
    std::mt19937_64 rng(5);
    for (int i = 0; i < 4096; ++i) {
        const NewAsbReport r = gen.next(0);
        std::optional<std::string> victim, address;
        victim = s.store->matchKey("Victim " + std::to_string(rng() % static_cast<std::uint64_t>(std::max(10LL, stored / 5))));
        if (!r.addressText.empty())
            address = normaliseAddress(r.addressText);
        keys.emplace_back(victim, address);
    }
    std::vector<double> micros;
    std::size_t i = 0;
    long long matches = 0;
    for (auto _ : state) {
        const auto &[victim, address] = keys[i++ % keys.size()];
        const auto start = std::chrono::steady_clock::now();
        auto prior = s.reports->countPriorReports(victim, address, kNow - (kThreeYears / 2));
        const auto end = std::chrono::steady_clock::now();
        if (!prior)
            die(prior.error().message);
        matches += *prior;
        const double seconds = std::chrono::duration<double>(end - start).count();
        state.SetIterationTime(seconds);
        micros.push_back(seconds * 1e6);
    }
    state.counters["mean_prior_reports"] = static_cast<double>(matches) / static_cast<double>(std::max<std::size_t>(i, 1));
    reportPercentiles(state, micros);
}

} // namespace

BENCHMARK(BM_LogReport_FullSync)->Arg(10000)->Arg(100000)->Arg(1000000)->UseManualTime()->Unit(benchmark::kMicrosecond)->Iterations(2000);
BENCHMARK(BM_LogReport_NormalSync)->Arg(10000)->Arg(100000)->Arg(1000000)->UseManualTime()->Unit(benchmark::kMicrosecond)->Iterations(2000);
BENCHMARK(BM_RepeatCheck)->Arg(1000000)->UseManualTime()->Unit(benchmark::kMicrosecond)->Iterations(20000);

BENCHMARK_MAIN();
