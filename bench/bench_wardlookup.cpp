// Ward-from-position on the real Barnet pack. Target: under 2 microseconds a
// lookup, so a report can be placed in its ward as it is typed, on a phone.
#include "datapack/datapack.h"

#include <benchmark/benchmark.h>

#include <cstddef>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace beatbook;

namespace {

const DataPack *barnet()
{
    static const auto pack = DataPack::load(BEATBOOK_DEFAULT_PACK_DIR);
    return pack.ok() ? &pack.value() : nullptr;
}

// The sample points live beside the tests, three folders up from the pack.
std::vector<GeoPoint> samplePoints()
{
    std::vector<GeoPoint> points;
    std::ifstream in(std::string(BEATBOOK_DEFAULT_PACK_DIR) + "/../../../tests/data/barnet-ward-sample-points.csv");
    std::string line;
    std::getline(in, line); // header
    while (std::getline(in, line)) {
        std::istringstream row(line);
        std::string code, name, lat, lon;
        if (std::getline(row, code, ',') && std::getline(row, name, ',') && std::getline(row, lat, ',')
            && std::getline(row, lon, ','))
            points.push_back({std::stod(lat), std::stod(lon)});
    }
    return points;
}

// Fixed seed: every run looks up the same points.
std::vector<GeoPoint> randomPointsInBox(const WardBoundaries &wards, std::size_t count)
{
    const auto box = wards.bounds();
    std::mt19937_64 generator(20220505);
    std::uniform_real_distribution<double> lat(box.minLat, box.maxLat);
    std::uniform_real_distribution<double> lon(box.minLon, box.maxLon);
    std::vector<GeoPoint> points;
    points.reserve(count);
    for (std::size_t i = 0; i < count; ++i)
        points.push_back({lat(generator), lon(generator)});
    return points;
}

void runLookups(benchmark::State &state, const WardBoundaries &wards, const std::vector<GeoPoint> &points)
{
    std::size_t i = 0;
    std::size_t found = 0;
    for (auto _ : state) {
        const auto *ward = wards.wardAt(points[i]);
        benchmark::DoNotOptimize(ward);
        found += ward != nullptr ? 1u : 0u;
        if (++i == points.size())
            i = 0;
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["found_share"] =
        state.iterations() > 0 ? static_cast<double>(found) / static_cast<double>(state.iterations()) : 0.0;
}

void BM_WardAtSamplePoints(benchmark::State &state)
{
    const DataPack *pack = barnet();
    const auto points = samplePoints();
    if (pack == nullptr || points.size() != 24) {
        state.SkipWithError("the Barnet pack or its sample points could not be read");
        return;
    }
    runLookups(state, pack->wards(), points);
}
BENCHMARK(BM_WardAtSamplePoints);

void BM_WardAtRandomInBox(benchmark::State &state)
{
    const DataPack *pack = barnet();
    if (pack == nullptr) {
        state.SkipWithError("the Barnet pack could not be read");
        return;
    }
    runLookups(state, pack->wards(), randomPointsInBox(pack->wards(), 4096));
}
BENCHMARK(BM_WardAtRandomInBox);

// What a device sees over a shift: known points and scattered ones together.
void BM_WardAtMixed(benchmark::State &state)
{
    const DataPack *pack = barnet();
    auto points = samplePoints();
    if (pack == nullptr || points.size() != 24) {
        state.SkipWithError("the Barnet pack or its sample points could not be read");
        return;
    }
    const auto scattered = randomPointsInBox(pack->wards(), 1000);
    points.insert(points.end(), scattered.begin(), scattered.end());
    runLookups(state, pack->wards(), points);
}
BENCHMARK(BM_WardAtMixed);

// Central London: outside every ward's box, so the box test alone answers.
void BM_WardAtOutside(benchmark::State &state)
{
    const DataPack *pack = barnet();
    if (pack == nullptr) {
        state.SkipWithError("the Barnet pack could not be read");
        return;
    }
    runLookups(state, pack->wards(), {GeoPoint{51.5074, -0.1278}});
}
BENCHMARK(BM_WardAtOutside);

// Start-up cost of reading the whole pack (pack.json, wards, baselines).
void BM_LoadBarnetPack(benchmark::State &state)
{
    for (auto _ : state) {
        auto pack = DataPack::load(BEATBOOK_DEFAULT_PACK_DIR);
        if (!pack.ok()) {
            state.SkipWithError(pack.error().message.c_str());
            return;
        }
        benchmark::DoNotOptimize(pack);
    }
}
BENCHMARK(BM_LoadBarnetPack)->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
