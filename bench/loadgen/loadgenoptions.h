#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace beatbook::loadgen {

// How devices are put into the server's directory before a phase.
enum class EnrolPath {
    Protocol,  // code issued in server.db, redeemed over TLS (EnrolRequest) like a real device
    Direct,    // code issued and redeemed through SqliteDeviceDirectory: no network
};

// Every figure of a run is a setting with a default; the defaults are the
// issue's targets (100k records, 5,000 connections).
struct LoadgenOptions {
    std::string serverExe;
    std::string adminExe;
    std::string packDir;
    std::string workDir;                  // empty: a new directory under /tmp
    bool keepWorkDir = false;

    std::set<std::string> only;           // empty: every phase
    bool json = false;
    std::size_t threads = 1;              // io_context threads (1 or 2): the server needs the cores
    std::size_t rounds = 3;               // upload, download and handshake rounds: medians

    // upload
    std::size_t devices = 50;             // concurrent uploading devices (sessions)
    std::size_t changes = 100'000;        // changes per upload round, all devices together
    std::size_t batch = 500;              // changes per UploadBatch

    // download
    std::size_t records = 100'000;        // records in the fresh device's scope
    std::size_t seedDevices = 8;          // devices that upload those records first
    std::uint32_t pageRecords = 5'000;    // PullRequest.max_records
    // A command the fresh device's process runs under, split at spaces (for
    // profiling it: "valgrind --tool=callgrind", "perf record -g").
    std::string downloadWrapper;

    // connections
    std::size_t connections = 5'000;
    std::size_t openers = 64;             // connections opened at once
    std::size_t holdSeconds = 5;          // idle time before the second memory reading
    EnrolPath connectionEnrol = EnrolPath::Protocol;

    // handshakes
    std::size_t handshakes = 2'000;       // per round
    std::size_t connectors = 8;           // concurrent connectors

    EnrolPath enrol = EnrolPath::Protocol;  // for upload, seed and download devices
    std::vector<std::string> serverArgs;  // passed to the server as given
    std::vector<std::string> serverConf;  // "key = value" lines appended to server.conf

    bool wants(const std::string &phase) const { return only.empty() || only.count(phase) > 0; }
};

} // namespace beatbook::loadgen
