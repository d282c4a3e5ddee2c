#include "phases.h"

#include "processprobe.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

namespace beatbook::loadgen {

namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kSamplesKept = 5;
constexpr std::size_t kProbes = 100;
// Descriptors this process needs beside the sessions (files, the server's
// pipe, the databases).
constexpr std::uint64_t kSpareFiles = 200;

struct Held {
    asio::any_io_executor executor;
    std::unique_ptr<DeviceSession> session;
};

} // namespace

Result<ConnectionFigures> runConnectionPhase(LoadFixture &fixture, AsyncRunner &runner)
{
    const LoadgenOptions &options = fixture.options();
    ConnectionFigures figures;
    figures.wanted = options.connections;
    figures.holdSeconds = options.holdSeconds;

    auto limit = raiseFileLimit(options.connections + kSpareFiles);
    if (!limit)
        return limit.error();
    if (*limit < options.connections + kSpareFiles)
        return Error::invalid("the file-descriptor limit is " + std::to_string(*limit) + ", too low for "
                              + std::to_string(options.connections) + " connections; raise the hard limit");

    auto enrolled = fixture.enrolDevices(runner, fixture.idleUser().name, options.connections, options.connectionEnrol);
    if (!enrolled)
        return enrolled.error();
    figures.enrolment = std::move(*enrolled);
    const auto &devices = figures.enrolment.devices;

    // Let the enrolments' work settle before the first reading.
    std::this_thread::sleep_for(std::chrono::seconds(1));
    auto before = fixture.server().memory();
    auto ownBefore = readProcessMemory();
    if (!before || !ownBefore)
        return Error::io("cannot read the memory of the server or of this process");
    figures.serverRssBeforeKiB = before->rssKiB;
    figures.loadgenRssBeforeKiB = ownBefore->rssKiB;

    std::vector<Held> held(devices.size());
    std::atomic<std::size_t> next{0};
    std::mutex notesMutex;
    const auto server = fixture.endpoint();
    const auto start = SteadyClock::now();
    for (std::size_t w = 0; w < std::min(options.openers, devices.size()); ++w) {
        runner.spawn(runner.newExecutor(), [&, server]() -> asio::awaitable<void> {
            for (;;) {
                const std::size_t i = next++;
                if (i >= devices.size())
                    co_return;
                // Each session keeps an executor of its own (a strand when
                // two threads run), for the probes after the hold.
                held[i].executor = runner.newExecutor();
                auto session = co_await DeviceSession::open(held[i].executor, server, fixture.tlsContext(),
                                                            fixture.pin());
                std::string failure;
                if (session) {
                    auto hello = co_await (*session)->hello(devices[i]);
                    if (hello)
                        held[i].session = std::move(*session);
                    else
                        failure = "hello: " + hello.error().message;
                } else {
                    failure = "connect: " + session.error().message;
                }
                if (!failure.empty()) {
                    const std::lock_guard lock(notesMutex);
                    ++figures.failed;
                    if (figures.failureSamples.size() < kSamplesKept)
                        figures.failureSamples.push_back(failure);
                }
            }
        });
    }
    runner.run();
    figures.openSeconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
    for (const auto &h : held)
        if (h.session)
            ++figures.opened;

    if (auto open = fixture.server().memory())
        figures.serverRssOpenKiB = open->rssKiB;
    if (auto own = readProcessMemory())
        figures.loadgenRssOpenKiB = own->rssKiB;
    std::this_thread::sleep_for(std::chrono::seconds(options.holdSeconds));
    if (auto heldMemory = fixture.server().memory())
        figures.serverRssHeldKiB = heldMemory->rssKiB;

    // Are they really still there? A few sessions spread over the set ask
    // for one record each.
    const std::size_t step = std::max<std::size_t>(1, held.size() / kProbes);
    std::atomic<std::size_t> answered{0};
    for (std::size_t i = 0; i < held.size(); i += step) {
        if (!held[i].session)
            continue;
        ++figures.probed;
        runner.spawn(held[i].executor, [&, i]() -> asio::awaitable<void> {
            syncv1::Envelope request;
            request.mutable_pull_request()->set_max_records(1);
            auto answer = co_await held[i].session->request(request);
            if (answer && answer->has_pull_page())
                ++answered;
        });
    }
    runner.run();
    figures.probeAnswered = answered;

    for (auto &h : held)
        if (h.session)
            runner.spawn(h.executor, [session = std::move(h.session)]() -> asio::awaitable<void> {
                co_await session->close();
            });
    runner.run();
    return figures;
}

} // namespace beatbook::loadgen
