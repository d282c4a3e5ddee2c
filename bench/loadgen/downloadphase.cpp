#include "phases.h"

#include "crypto/certificates.h"
#include "processprobe.h"

#include <nlohmann/json.hpp>

#include <sstream>

namespace beatbook::loadgen {

namespace {

constexpr std::string_view kResultMarker = "DOWNLOAD-RESULT ";

std::vector<std::size_t> evenShares(std::size_t total, std::size_t n)
{
    std::vector<std::size_t> out(n, total / n);
    for (std::size_t i = 0; i < total % n; ++i)
        ++out[i];
    return out;
}

template <typename T>
T jsonNumber(const nlohmann::json &object, const char *key)
{
    auto found = object.find(key);
    if (found == object.end() || !found->is_number())
        return T{};
    return found->get<T>();
}

DownloadRun parseWorkerOutput(const std::string &mode, const std::string &output)
{
    DownloadRun run;
    run.mode = mode;
    std::istringstream lines(output);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.rfind(kResultMarker, 0) != 0)
            continue;
        auto json = nlohmann::json::parse(line.substr(kResultMarker.size()), nullptr, false);
        if (json.is_discarded() || !json.is_object()) {
            run.error = "unreadable result line from the download worker";
            return run;
        }
        run.records = jsonNumber<std::size_t>(json, "records");
        run.pages = jsonNumber<std::size_t>(json, "pages");
        run.bytes = jsonNumber<std::uint64_t>(json, "bytes");
        run.seconds = jsonNumber<double>(json, "seconds");
        run.helloSeconds = jsonNumber<double>(json, "hello_seconds");
        run.applySeconds = jsonNumber<double>(json, "apply_seconds");
        run.rssStartKiB = jsonNumber<std::int64_t>(json, "rss_start_kib");
        run.peakKiB = jsonNumber<std::int64_t>(json, "peak_kib");
        run.storeBytes = jsonNumber<std::int64_t>(json, "store_bytes");
        run.cpu.loadgen = jsonNumber<double>(json, "cpu_seconds");
        run.verified = json.contains("verified") && json["verified"].is_boolean() && json["verified"].get<bool>();
        if (json.contains("error") && json["error"].is_string())
            run.error = json["error"].get<std::string>();
        return run;
    }
    run.error = "the download worker printed no result: " + output.substr(0, 400);
    return run;
}

} // namespace

Result<DownloadFigures> runDownloadPhase(LoadFixture &fixture, AsyncRunner &runner)
{
    const LoadgenOptions &options = fixture.options();
    DownloadFigures figures;
    figures.records = options.records;

    // Seed: a PCSO's colleagues log `records` reports in the download ward.
    const LoadUser &seed = fixture.seedUser();
    const std::size_t seedCount = std::max<std::size_t>(1, std::min(options.seedDevices, options.records));
    auto seeders = fixture.enrolDevices(runner, seed.name, seedCount, options.enrol);
    if (!seeders)
        return seeders.error();
    std::vector<UploadDevice> devices;
    for (auto &credentials : seeders->devices)
        devices.push_back({credentials, std::make_unique<ReportFactory>(ReportAuthor{seed.name, seed.role, seed.ward},
                                                                        fixture.positions(), 5000 + devices.size())});
    UploadNotes notes;
    auto seeded = uploadOnce(fixture, runner, devices, evenShares(options.records, devices.size()), options.batch, notes);
    if (!seeded)
        return seeded.error();
    figures.seedSeconds = seeded->seconds;
    figures.seedAccepted = seeded->accepted;
    for (const auto &e : notes.errors)
        figures.errors.push_back("seed: " + e);
    for (const auto &r : notes.rejectionSamples)
        figures.errors.push_back("seed rejected: " + r);
    if (seeded->accepted < options.records)
        figures.errors.push_back("only " + std::to_string(seeded->accepted) + " of " + std::to_string(options.records)
                                 + " seed reports were accepted");

    // Each run: a fresh device of a colleague in the same ward, enrolled
    // over the protocol, pulls everything from cursor 0 in a process of its
    // own, so its peak memory is the pull's.
    const LoadUser &reader = fixture.readerUser();
    for (std::size_t r = 0; r < options.rounds; ++r) {
        for (const std::string &mode : downloadModes()) {
            auto fresh = fixture.enrolDevices(runner, reader.name, 1, EnrolPath::Protocol);
            if (!fresh)
                return fresh.error();
            const DeviceCredentials &device = fresh->devices.front();
            const std::string store = fixture.rootDir() + "/fresh-" + std::to_string(r) + "-" + mode + ".db";
            std::vector<std::string> args{"--download-worker",
                                          "--port", std::to_string(fixture.server().port()),
                                          "--pin", toHex(fixture.pin()),
                                          "--device-id", device.deviceId,
                                          "--key", toHex(device.privateKey),
                                          "--user", reader.name,
                                          "--role", reader.role,
                                          "--ward", reader.ward,
                                          "--match-key", toHex(device.matchKey),
                                          "--server-id", device.serverId,
                                          "--pack", options.packDir,
                                          "--mode", mode,
                                          "--store", store,
                                          "--page", std::to_string(options.pageRecords)};
            const auto serverCpu0 = fixture.server().cpuSeconds();
            std::string program = ownExecutablePath();
            if (!options.downloadWrapper.empty()) {
                std::vector<std::string> wrapped;
                std::istringstream words(options.downloadWrapper);
                for (std::string word; words >> word;)
                    wrapped.push_back(word);
                wrapped.push_back(program);
                wrapped.insert(wrapped.end(), args.begin(), args.end());
                program = wrapped.front();
                args.assign(wrapped.begin() + 1, wrapped.end());
            }
            auto output = runProgram(program, args);
            const auto serverCpu1 = fixture.server().cpuSeconds();
            DownloadRun run = output ? parseWorkerOutput(mode, *output)
                                     : DownloadRun{mode, 0, 0, 0, 0, 0, 0, 0, 0, 0, {}, false, output.error().message};
            if (serverCpu0 && serverCpu1)
                run.cpu.server = *serverCpu1 - *serverCpu0;
            if (!run.error.empty())
                figures.errors.push_back(mode + ": " + run.error);
            figures.runs.push_back(std::move(run));
        }
    }
    return figures;
}

} // namespace beatbook::loadgen
