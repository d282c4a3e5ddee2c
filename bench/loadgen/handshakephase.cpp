#include "phases.h"

#include "processprobe.h"

#include <atomic>
#include <chrono>
#include <mutex>

namespace beatbook::loadgen {

namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kSamplesKept = 5;

} // namespace

Result<HandshakeFigures> runHandshakePhase(LoadFixture &fixture, AsyncRunner &runner)
{
    const LoadgenOptions &options = fixture.options();
    HandshakeFigures figures;
    figures.connectors = options.connectors;

    // Each connector is a device of its own, reconnecting over and over: a
    // full TLS 1.3 handshake (no resumption: every session authenticates
    // afresh), the signed hello, the server's answer, goodbye.
    auto enrolled = fixture.enrolDevices(runner, fixture.idleUser().name, options.connectors, options.enrol);
    if (!enrolled)
        return enrolled.error();
    const auto devices = enrolled->devices;
    const auto server = fixture.endpoint();
    std::mutex notesMutex;

    for (std::size_t r = 0; r < options.rounds; ++r) {
        HandshakeRound round;
        std::atomic<std::size_t> next{0};
        std::vector<std::vector<double>> latencies(devices.size());
        std::vector<std::size_t> completed(devices.size(), 0);
        std::vector<std::size_t> failed(devices.size(), 0);
        const auto serverCpu0 = fixture.server().cpuSeconds();
        const auto ownCpu0 = readCpuSeconds();
        const auto start = SteadyClock::now();
        for (std::size_t c = 0; c < devices.size(); ++c) {
            auto executor = runner.newExecutor();
            runner.spawn(executor, [&, c, executor, server]() -> asio::awaitable<void> {
                while (next++ < options.handshakes) {
                    const auto begun = SteadyClock::now();
                    auto session = co_await DeviceSession::open(executor, server, fixture.tlsContext(), fixture.pin());
                    std::string failure;
                    if (session) {
                        auto hello = co_await (*session)->hello(devices[c]);
                        if (hello) {
                            latencies[c].push_back(
                                std::chrono::duration<double, std::milli>(SteadyClock::now() - begun).count());
                            ++completed[c];
                        } else {
                            failure = "hello: " + hello.error().message;
                        }
                        co_await (*session)->close();
                    } else {
                        failure = "connect: " + session.error().message;
                    }
                    if (!failure.empty()) {
                        ++failed[c];
                        const std::lock_guard lock(notesMutex);
                        if (figures.failureSamples.size() < kSamplesKept)
                            figures.failureSamples.push_back(failure);
                    }
                }
            });
        }
        runner.run();
        round.seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
        const auto serverCpu1 = fixture.server().cpuSeconds();
        const auto ownCpu1 = readCpuSeconds();
        if (serverCpu0 && serverCpu1)
            round.cpu.server = *serverCpu1 - *serverCpu0;
        if (ownCpu0 && ownCpu1)
            round.cpu.loadgen = *ownCpu1 - *ownCpu0;
        for (std::size_t c = 0; c < devices.size(); ++c) {
            round.completed += completed[c];
            round.failed += failed[c];
            round.latencyMs.insert(round.latencyMs.end(), latencies[c].begin(), latencies[c].end());
        }
        figures.rounds.push_back(std::move(round));
    }
    return figures;
}

} // namespace beatbook::loadgen
