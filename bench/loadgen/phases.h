#pragma once

#include "asyncrunner.h"
#include "core/result.h"
#include "loadfixture.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace beatbook::loadgen {

// CPU seconds the server and this process used during a measured window,
// so a reader can tell what the server cost from what the load cost.
struct CpuSplit {
    double server = 0;
    double loadgen = 0;
    double serverBusiestThread = 0;  // the server's busiest thread (its database writer, in uploads)
};

// Reasons and failures worth showing, the first few of each.
struct UploadNotes {
    std::vector<std::string> rejectionSamples;
    std::vector<std::string> errors;
};

struct UploadRound {
    double seconds = 0;
    std::size_t sent = 0;
    std::size_t accepted = 0;
    std::size_t rejected = 0;
    std::size_t conflicts = 0;
    std::size_t failedBatches = 0;  // no answer (connection failure, refusal)
    std::vector<double> batchMs;    // request to UploadResult, per batch
    CpuSplit cpu;

    double acceptedPerSecond() const { return seconds > 0 ? static_cast<double>(accepted) / seconds : 0; }
};

struct UploadFigures {
    std::size_t devices = 0;
    std::size_t batch = 0;
    EnrolmentRun enrolment;
    std::vector<UploadRound> rounds;
    UploadNotes notes;
};

// What a fresh device's first sync of its scope took, as measured in a
// process of its own (so its peak memory is the pull's alone).
// How the fresh device pulls: "raw" speaks the protocol and keeps nothing
// (the server's and the wire's share); "apply" also applies each page to a
// DeviceStore on disk with PullApplier; "client" runs the device's own
// SyncClient (pull, apply, then the checksum comparison).
inline const std::vector<std::string> &downloadModes()
{
    static const std::vector<std::string> modes{"raw", "apply", "client"};
    return modes;
}

struct DownloadRun {
    std::string mode;
    std::size_t records = 0;
    std::size_t pages = 0;
    std::uint64_t bytes = 0;       // encoded PullPage messages
    double seconds = 0;            // first PullRequest to the complete page (applied)
    double helloSeconds = 0;       // connect, TLS, hello
    double applySeconds = 0;       // of which applying pages (apply mode)
    std::int64_t rssStartKiB = 0;  // before the first pull
    std::int64_t peakKiB = 0;      // VmHWM at the end
    std::int64_t storeBytes = 0;   // the device's database files afterwards
    CpuSplit cpu;                  // server; the worker's own CPU in loadgen
    bool verified = false;         // client mode: the checksums matched
    std::string error;
};

struct DownloadFigures {
    std::size_t records = 0;
    double seedSeconds = 0;
    std::size_t seedAccepted = 0;
    std::vector<DownloadRun> runs;
    std::vector<std::string> errors;
};

struct ConnectionFigures {
    std::size_t wanted = 0;
    std::size_t opened = 0;
    std::size_t failed = 0;
    std::vector<std::string> failureSamples;
    EnrolmentRun enrolment;
    double openSeconds = 0;
    std::int64_t serverRssBeforeKiB = 0;
    std::int64_t serverRssOpenKiB = 0;    // right after the last hello
    std::int64_t serverRssHeldKiB = 0;    // after holding them idle
    std::int64_t loadgenRssBeforeKiB = 0;
    std::int64_t loadgenRssOpenKiB = 0;
    std::size_t holdSeconds = 0;
    std::size_t probed = 0;               // sessions asked for something after the hold
    std::size_t probeAnswered = 0;

    double kibPerConnection() const
    {
        return opened > 0 ? static_cast<double>(serverRssHeldKiB - serverRssBeforeKiB) / static_cast<double>(opened)
                          : 0;
    }
};

struct HandshakeRound {
    std::size_t completed = 0;
    std::size_t failed = 0;
    double seconds = 0;
    std::vector<double> latencyMs;  // connect + TLS + hello
    CpuSplit cpu;

    double perSecond() const { return seconds > 0 ? static_cast<double>(completed) / seconds : 0; }
};

struct HandshakeFigures {
    std::size_t connectors = 0;
    std::vector<HandshakeRound> rounds;
    std::vector<std::string> failureSamples;
};

Result<UploadFigures> runUploadPhase(LoadFixture &fixture, AsyncRunner &runner);
Result<DownloadFigures> runDownloadPhase(LoadFixture &fixture, AsyncRunner &runner);
Result<ConnectionFigures> runConnectionPhase(LoadFixture &fixture, AsyncRunner &runner);
Result<HandshakeFigures> runHandshakePhase(LoadFixture &fixture, AsyncRunner &runner);

// A device that uploads reports: its credentials and its outbox's seq and
// clock, which carry on from round to round (a seq is never reused).
struct UploadDevice {
    DeviceCredentials credentials;
    std::unique_ptr<ReportFactory> factory;
};

// Every device connects and says hello; then, timed, each uploads its share
// in batches of batchSize, all devices at once; then they say goodbye.
// Shared by the upload phase and the download phase's seeding.
Result<UploadRound> uploadOnce(LoadFixture &fixture, AsyncRunner &runner, std::vector<UploadDevice> &devices,
                               const std::vector<std::size_t> &changesPerDevice, std::size_t batchSize,
                               UploadNotes &notes);

// The child process of the download phase: `beatbook-loadgen --download-worker ...`.
int downloadWorkerMain(int argc, char **argv);

} // namespace beatbook::loadgen
