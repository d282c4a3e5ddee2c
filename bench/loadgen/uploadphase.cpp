#include "phases.h"

#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <mutex>

namespace beatbook::loadgen {

namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kSamplesKept = 5;

// The first few distinct texts: one reason repeated 500 times tells nothing more.
void keepSample(std::vector<std::string> &samples, std::string text)
{
    if (samples.size() < kSamplesKept && std::find(samples.begin(), samples.end(), text) == samples.end())
        samples.push_back(std::move(text));
}

double millisecondsSince(SteadyClock::time_point start)
{
    return std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
}

// Splits total as evenly as possible over n.
std::vector<std::size_t> shares(std::size_t total, std::size_t n)
{
    std::vector<std::size_t> out(n, n == 0 ? 0 : total / n);
    for (std::size_t i = 0; i < (n == 0 ? 0 : total % n); ++i)
        ++out[i];
    return out;
}

} // namespace

Result<UploadRound> uploadOnce(LoadFixture &fixture, AsyncRunner &runner, std::vector<UploadDevice> &devices,
                               const std::vector<std::size_t> &changesPerDevice, std::size_t batchSize,
                               UploadNotes &notes)
{
    struct Slot {
        asio::any_io_executor executor;
        std::unique_ptr<DeviceSession> session;
        std::vector<syncv1::Envelope> batches;
        std::size_t accepted = 0;
        std::size_t rejected = 0;
        std::size_t conflicts = 0;
        std::size_t failedBatches = 0;
        std::vector<double> batchMs;
    };
    std::vector<Slot> slots(devices.size());
    std::mutex notesMutex;
    UploadRound round;

    // The batches are made before the clock starts: the figure is the
    // server's, not the speed at which this process builds protobufs.
    for (std::size_t i = 0; i < devices.size(); ++i) {
        std::size_t left = changesPerDevice[i];
        while (left > 0) {
            const std::size_t n = std::min(left, batchSize);
            slots[i].batches.push_back(devices[i].factory->nextBatch(n));
            left -= n;
            round.sent += n;
        }
    }

    const auto server = fixture.endpoint();
    for (std::size_t i = 0; i < devices.size(); ++i) {
        slots[i].executor = runner.newExecutor();
        runner.spawn(slots[i].executor, [&, i, server]() -> asio::awaitable<void> {
            auto session = co_await DeviceSession::open(slots[i].executor, server, fixture.tlsContext(), fixture.pin());
            if (session) {
                auto hello = co_await (*session)->hello(devices[i].credentials);
                if (hello) {
                    slots[i].session = std::move(*session);
                    co_return;
                }
                const std::lock_guard lock(notesMutex);
                keepSample(notes.errors, "hello: " + hello.error().message);
                co_return;
            }
            const std::lock_guard lock(notesMutex);
            keepSample(notes.errors, "connect: " + session.error().message);
        });
    }
    runner.run();

    const auto serverCpu0 = fixture.server().cpuSeconds();
    const auto serverThreads0 = fixture.server().threadCpuSeconds();
    const auto ownCpu0 = readCpuSeconds();
    const auto start = SteadyClock::now();
    for (std::size_t i = 0; i < devices.size(); ++i) {
        if (!slots[i].session) {
            // Never connected: its batches count as failed, not as missing.
            slots[i].failedBatches = slots[i].batches.size();
            continue;
        }
        runner.spawn(slots[i].executor, [&, i]() -> asio::awaitable<void> {
            Slot &slot = slots[i];
            for (const auto &batch : slot.batches) {
                const auto sentAt = SteadyClock::now();
                auto answer = co_await slot.session->request(batch);
                if (!answer || !answer->has_upload_result()) {
                    ++slot.failedBatches;
                    const std::lock_guard lock(notesMutex);
                    keepSample(notes.errors, "upload: " + (answer ? std::string("the answer was not an UploadResult")
                                                                  : answer.error().message));
                    co_return;  // a session that failed once is not trusted further
                }
                slot.batchMs.push_back(millisecondsSince(sentAt));
                for (const auto &result : answer->upload_result().results()) {
                    if (result.outcome() == syncv1::ChangeResult::ACCEPTED) {
                        ++slot.accepted;
                        if (result.conflict())
                            ++slot.conflicts;
                    } else {
                        ++slot.rejected;
                        const std::lock_guard lock(notesMutex);
                        keepSample(notes.rejectionSamples, result.reason());
                    }
                }
            }
        });
    }
    runner.run();
    round.seconds = millisecondsSince(start) / 1000.0;
    const auto serverCpu1 = fixture.server().cpuSeconds();
    const auto serverThreads1 = fixture.server().threadCpuSeconds();
    const auto ownCpu1 = readCpuSeconds();
    if (serverThreads0 && serverThreads1)
        round.cpu.serverBusiestThread = busiestThreadSeconds(*serverThreads0, *serverThreads1);
    if (serverCpu0 && serverCpu1)
        round.cpu.server = *serverCpu1 - *serverCpu0;
    if (ownCpu0 && ownCpu1)
        round.cpu.loadgen = *ownCpu1 - *ownCpu0;

    for (auto &slot : slots) {
        round.accepted += slot.accepted;
        round.rejected += slot.rejected;
        round.conflicts += slot.conflicts;
        round.failedBatches += slot.failedBatches;
        round.batchMs.insert(round.batchMs.end(), slot.batchMs.begin(), slot.batchMs.end());
        if (slot.session)
            runner.spawn(slot.executor, [session = std::move(slot.session)]() -> asio::awaitable<void> {
                co_await session->close();
            });
    }
    runner.run();
    return round;
}

Result<UploadFigures> runUploadPhase(LoadFixture &fixture, AsyncRunner &runner)
{
    const LoadgenOptions &options = fixture.options();
    UploadFigures figures;
    figures.devices = options.devices;
    figures.batch = options.batch;

    // Devices spread over the uploading users, a few per user as in a real
    // partnership (several PCSOs' phones per ward team).
    const auto &users = fixture.uploadUsers();
    std::vector<UploadDevice> devices;
    figures.enrolment.path = options.enrol;
    for (std::size_t u = 0; u < users.size(); ++u) {
        std::size_t count = 0;
        for (std::size_t d = u; d < options.devices; d += users.size())
            ++count;
        if (count == 0)
            continue;
        auto enrolled = fixture.enrolDevices(runner, users[u].name, count, options.enrol);
        if (!enrolled)
            return enrolled.error();
        figures.enrolment.seconds += enrolled->seconds;
        for (auto &credentials : enrolled->devices) {
            figures.enrolment.devices.push_back(credentials);
            const std::uint64_t seed = 1000 + devices.size();
            devices.push_back(
                {credentials, std::make_unique<ReportFactory>(
                                  ReportAuthor{users[u].name, users[u].role, users[u].ward}, fixture.positions(), seed)});
        }
    }

    const auto perDevice = shares(options.changes, devices.size());
    for (std::size_t r = 0; r < options.rounds; ++r) {
        auto round = uploadOnce(fixture, runner, devices, perDevice, options.batch, figures.notes);
        if (!round)
            return round.error();
        figures.rounds.push_back(std::move(*round));
    }
    return figures;
}

} // namespace beatbook::loadgen
