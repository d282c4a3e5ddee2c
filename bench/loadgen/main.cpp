// beatbook-loadgen: many simulated devices over TLS against the real
// beatbook-sync-server on loopback (issue 3, section 9). It sets up a data
// directory with beatbook-admin, starts the server, and measures upload
// throughput, a fresh device's download, idle connections and handshakes.
// Figures go to docs/benchmarks.md.

#include "asyncrunner.h"
#include "loadfixture.h"
#include "loadgenoptions.h"
#include "loadreport.h"
#include "phases.h"
#include "processprobe.h"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

namespace {

using namespace beatbook;
using namespace beatbook::loadgen;
namespace fs = std::filesystem;

std::string utcNow()
{
    const std::time_t now = std::time(nullptr);
    std::tm parts{};
    gmtime_r(&now, &parts);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
    return text;
}

std::string machineNote()
{
    std::string load;
    std::ifstream in("/proc/loadavg");
    std::getline(in, load);
    return std::to_string(std::thread::hardware_concurrency()) + " cores, loadavg " + load.substr(0, 14);
}

// The data pack beside the sources: the executable sits in BUILD/bin, the
// sources usually one level above BUILD.
std::string defaultPackDir()
{
    const fs::path bin = ownExecutableDir();
    for (const fs::path &candidate : {bin / "../../data/packs/barnet", bin / "../data/packs/barnet",
                                      fs::path("data/packs/barnet")}) {
        std::error_code ec;
        if (fs::exists(candidate / "wards-2022.geojson", ec))
            return fs::weakly_canonical(candidate, ec).string();
    }
    return {};
}

} // namespace

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], "--download-worker") == 0)
            return downloadWorkerMain(argc, argv);

    LoadgenOptions options;
    std::string connectionEnrol = "protocol";
    std::string enrol = "protocol";
    std::vector<std::string> only;
    CLI::App app{"Beatbook sync load generator: simulated devices over TLS against beatbook-sync-server on "
                 "127.0.0.1",
                 "beatbook-loadgen"};
    app.add_option("--server-exe", options.serverExe, "beatbook-sync-server (default: next to this program)");
    app.add_option("--admin-exe", options.adminExe, "beatbook-admin (default: next to this program)");
    app.add_option("--pack", options.packDir, "Borough data pack (for ward codes and positions)");
    app.add_option("--work-dir", options.workDir, "Where the data directory goes (default: a new one under /tmp)");
    app.add_flag("--keep", options.keepWorkDir, "Keep the data directory and the server's log afterwards");
    app.add_option("--only", only, "Run only these phases")
        ->check(CLI::IsMember({"upload", "download", "connections", "handshakes"}));
    app.add_flag("--json", options.json, "Print the figures as JSON instead of a table");
    app.add_option("--threads", options.threads, "Threads of the load generator's io_context")
        ->check(CLI::Range(1, 2));
    app.add_option("--rounds", options.rounds, "Rounds of upload, download and handshakes (medians)")
        ->check(CLI::Range(1, 100));
    app.add_option("--devices", options.devices, "Uploading devices, each with its own session")
        ->check(CLI::Range(1, 10000));
    app.add_option("--changes", options.changes, "Changes uploaded per round, all devices together")
        ->check(CLI::Range(1, 100'000'000));
    app.add_option("--batch", options.batch, "Changes per upload batch")->check(CLI::Range(1, 2000));
    app.add_option("--records", options.records, "Records in the fresh device's scope")
        ->check(CLI::Range(1, 100'000'000));
    app.add_option("--seed-devices", options.seedDevices, "Devices that upload the download's records")
        ->check(CLI::Range(1, 1000));
    app.add_option("--page", options.pageRecords, "PullRequest.max_records")->check(CLI::Range(1, 1'000'000));
    app.add_option("--download-wrapper", options.downloadWrapper,
                   "Run the fresh device's process under this command (split at spaces), to profile it");
    app.add_option("--connections", options.connections, "Idle authenticated sessions held at once")
        ->check(CLI::Range(1, 1'000'000));
    app.add_option("--openers", options.openers, "Sessions opened at once")->check(CLI::Range(1, 10000));
    app.add_option("--hold", options.holdSeconds, "Seconds the sessions stay idle before the last reading")
        ->check(CLI::Range(0, 3600));
    app.add_option("--connection-enrol", connectionEnrol,
                   "How the idle devices are enrolled: direct (through the directory in server.db) or protocol")
        ->check(CLI::IsMember({"direct", "protocol"}));
    app.add_option("--enrol", enrol, "How the other devices are enrolled: protocol or direct")
        ->check(CLI::IsMember({"direct", "protocol"}));
    app.add_option("--handshakes", options.handshakes, "Handshakes per round")->check(CLI::Range(1, 10'000'000));
    app.add_option("--connectors", options.connectors, "Concurrent connectors")->check(CLI::Range(1, 10000));
    app.add_option("--server-arg", options.serverArgs, "An argument passed to the server as given (repeatable)")
        ->allow_extra_args(false);
    app.add_option("--server-conf", options.serverConf,
                   "A 'key = value' line appended to server.conf before the server starts (repeatable)")
        ->allow_extra_args(false);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        return app.exit(e) == 0 ? 0 : 2;
    }
    options.only.insert(only.begin(), only.end());
    options.connectionEnrol = connectionEnrol == "protocol" ? EnrolPath::Protocol : EnrolPath::Direct;
    options.enrol = enrol == "direct" ? EnrolPath::Direct : EnrolPath::Protocol;
    const std::string bin = ownExecutableDir();
    if (options.serverExe.empty())
        options.serverExe = bin + "/beatbook-sync-server";
    if (options.adminExe.empty())
        options.adminExe = bin + "/beatbook-admin";
    if (options.packDir.empty())
        options.packDir = defaultPackDir();
    if (options.packDir.empty()) {
        std::cerr << "beatbook-loadgen: no data pack found; give --pack DIR (data/packs/barnet)\n";
        return 2;
    }

    RunReport report;
    report.startedAt = utcNow();
    report.machine = machineNote();
    report.options = options;

    // The connections phase needs a descriptor per session here and in the
    // server, which inherits this limit when it starts.
    const std::uint64_t wantedFiles = options.connections + 1000;
    if (auto limit = raiseFileLimit(wantedFiles); !limit || *limit < wantedFiles)
        std::cerr << "beatbook-loadgen: warning: the file-descriptor limit could not be raised to " << wantedFiles
                  << "; the connections phase may fail\n";

    auto fixture = LoadFixture::create(options);
    if (!fixture) {
        std::cerr << "beatbook-loadgen: set-up failed: " << fixture.error().message << '\n';
        return 1;
    }
    if (auto ok = (*fixture)->startServer(); !ok) {
        std::cerr << "beatbook-loadgen: " << ok.error().message << '\n';
        return 1;
    }
    AsyncRunner runner(options.threads);

    // Handshakes and connections first, on a server holding little; then
    // uploads, then the download of one ward among everything uploaded.
    auto note = [&](const char *phase, const Error &error) {
        report.errors.push_back(std::string(phase) + ": " + error.message);
        std::cerr << "beatbook-loadgen: " << phase << ": " << error.message << '\n';
    };
    auto progress = [&](const char *phase) {
        if (!options.json)
            std::cerr << "beatbook-loadgen: " << phase << "...\n";
    };
    if (options.wants("handshakes")) {
        progress("handshakes");
        auto figures = runHandshakePhase(**fixture, runner);
        if (figures)
            report.handshakes = std::move(*figures);
        else
            note("handshakes", figures.error());
    }
    if (options.wants("connections")) {
        progress("connections");
        auto figures = runConnectionPhase(**fixture, runner);
        if (figures)
            report.connections = std::move(*figures);
        else
            note("connections", figures.error());
    }
    if (options.wants("upload")) {
        progress("upload");
        auto figures = runUploadPhase(**fixture, runner);
        if (figures)
            report.upload = std::move(*figures);
        else
            note("upload", figures.error());
    }
    if (options.wants("download")) {
        progress("download");
        auto figures = runDownloadPhase(**fixture, runner);
        if (figures)
            report.download = std::move(*figures);
        else
            note("download", figures.error());
    }

    if (!(*fixture)->server().running())
        report.errors.push_back("the server was no longer running at the end; see its log");
    const int status = (*fixture)->server().stop();
    if (status != 0)
        report.errors.push_back("the server ended with status " + std::to_string(status) + " after SIGTERM");
    if (options.keepWorkDir)
        std::cerr << "beatbook-loadgen: data directory and server log kept in " << (*fixture)->rootDir() << '\n';

    if (options.json)
        std::cout << toJson(report).dump(2) << '\n';
    else
        printTable(report, std::cout);
    return report.errors.empty() ? 0 : 1;
}
