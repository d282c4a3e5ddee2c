#include "loadreport.h"

#include "samplestats.h"

#include <cstdarg>
#include <cstdio>

namespace beatbook::loadgen {
namespace {

std::string format(const char *pattern, ...) __attribute__((format(printf, 1, 2)));

std::string format(const char *pattern, ...)
{
    char buffer[1024];
    va_list args;
    va_start(args, pattern);
    std::vsnprintf(buffer, sizeof buffer, pattern, args);
    va_end(args);
    return buffer;
}

const char *verdict(bool met) { return met ? "met" : "MISSED"; }

double mib(std::int64_t kib) { return static_cast<double>(kib) / 1024.0; }

std::string enrolPathName(EnrolPath path) { return path == EnrolPath::Protocol ? "protocol" : "direct"; }

std::vector<double> downloadSeconds(const DownloadFigures &figures, const std::string &mode)
{
    std::vector<double> out;
    for (const auto &run : figures.runs)
        if (run.mode == mode && run.error.empty())
            out.push_back(run.seconds);
    return out;
}

std::vector<double> downloadPeaks(const DownloadFigures &figures, const std::string &mode)
{
    std::vector<double> out;
    for (const auto &run : figures.runs)
        if (run.mode == mode && run.error.empty())
            out.push_back(mib(run.peakKiB));
    return out;
}

void printList(std::ostream &out, const char *title, const std::vector<std::string> &items)
{
    for (const auto &item : items)
        out << "  " << title << ": " << item << '\n';
}

void printUpload(const RunReport &report, std::ostream &out)
{
    const auto &f = *report.upload;
    out << format("\nUPLOAD: %zu devices at once, batches of %zu asb_reports creates, %zu per round\n", f.devices,
                  f.batch, report.options.changes);
    out << format("  enrolment: %zu devices (%s) in %.1f s\n", f.enrolment.devices.size(),
                  enrolPathName(f.enrolment.path).c_str(), f.enrolment.seconds);
    out << "  round  accepted  rejected  conflicts  failed-batches  seconds  accepted/s  batch ms p50/p90/p99"
           "  server CPU s  busiest thread s  loadgen CPU s\n";
    std::vector<double> rates;
    for (std::size_t i = 0; i < f.rounds.size(); ++i) {
        const auto &r = f.rounds[i];
        rates.push_back(r.acceptedPerSecond());
        out << format("  %5zu  %8zu  %8zu  %9zu  %14zu  %7.2f  %10.0f  %8.0f/%.0f/%.0f  %12.2f  %16.2f  %13.2f\n",
                      i + 1, r.accepted, r.rejected, r.conflicts, r.failedBatches, r.seconds, r.acceptedPerSecond(),
                      percentile(r.batchMs, 50), percentile(r.batchMs, 90), percentile(r.batchMs, 99), r.cpu.server,
                      r.cpu.serverBusiestThread, r.cpu.loadgen);
    }
    const double m = median(rates);
    out << format("  median: %.0f changes/s accepted durably; target >= %.0f: %s\n", m,
                  report.targets.uploadChangesPerSecond, verdict(m >= report.targets.uploadChangesPerSecond));
    printList(out, "rejected, e.g.", f.notes.rejectionSamples);
    printList(out, "error", f.notes.errors);
}

void printDownload(const RunReport &report, std::ostream &out)
{
    const auto &f = *report.download;
    out << format("\nDOWNLOAD: a fresh device's first sync of %zu records in its scope, pages of up to %u\n",
                  f.records, report.options.pageRecords);
    out << format("  seeded %zu reports in %.1f s (%.0f/s)\n", f.seedAccepted, f.seedSeconds,
                  f.seedSeconds > 0 ? static_cast<double>(f.seedAccepted) / f.seedSeconds : 0.0);
    out << "  mode    records  pages  MiB on wire  seconds  of which apply  records/s  peak RSS MiB  RSS at start MiB"
           "  store MiB  server CPU s  device CPU s\n";
    for (const auto &r : f.runs) {
        out << format("  %-6s  %7zu  %5s  %11.1f  %7.2f  %14.2f  %9.0f  %12.1f  %16.1f  %9.1f  %12.2f  %12.2f%s\n",
                      r.mode.c_str(), r.records, r.mode == "client" ? "-" : std::to_string(r.pages).c_str(),
                      static_cast<double>(r.bytes) / 1048576.0, r.seconds,
                      r.applySeconds, r.seconds > 0 ? static_cast<double>(r.records) / r.seconds : 0.0,
                      mib(r.peakKiB), mib(r.rssStartKiB), static_cast<double>(r.storeBytes) / 1048576.0,
                      r.cpu.server, r.cpu.loadgen,
                      !r.error.empty() ? "  (failed)" : (r.mode == "client" && !r.verified ? "  (not verified)" : ""));
    }
    for (const std::string &mode : downloadModes()) {
        const double m = median(downloadSeconds(f, mode));
        out << format("  median %-6s: %.2f s, peak RSS %.1f MiB; target < %.0f s: %s\n", mode.c_str(), m,
                      median(downloadPeaks(f, mode)), report.targets.downloadSeconds,
                      verdict(m > 0 && m < report.targets.downloadSeconds));
    }
    printList(out, "error", f.errors);
}

void printConnections(const RunReport &report, std::ostream &out)
{
    const auto &f = *report.connections;
    out << format("\nCONNECTIONS: %zu authenticated idle sessions\n", f.wanted);
    out << format("  enrolment: %zu devices (%s) in %.1f s\n", f.enrolment.devices.size(),
                  enrolPathName(f.enrolment.path).c_str(), f.enrolment.seconds);
    out << format("  opened %zu (failed %zu) in %.1f s (%.0f/s, %zu at once)\n", f.opened, f.failed, f.openSeconds,
                  f.openSeconds > 0 ? static_cast<double>(f.opened) / f.openSeconds : 0.0, report.options.openers);
    out << format("  server VmRSS: %.1f MiB before, %.1f MiB when open, %.1f MiB after %zu s idle\n",
                  mib(f.serverRssBeforeKiB), mib(f.serverRssOpenKiB), mib(f.serverRssHeldKiB), f.holdSeconds);
    out << format("  loadgen VmRSS: %.1f MiB before, %.1f MiB when open (the client side of the sessions)\n",
                  mib(f.loadgenRssBeforeKiB), mib(f.loadgenRssOpenKiB));
    out << format("  still answering after the hold: %zu of %zu probed\n", f.probeAnswered, f.probed);
    out << format("  => %.1f KiB per connection on the server; target < %.0f KiB at %zu: %s\n", f.kibPerConnection(),
                  report.targets.kibPerConnection, f.wanted,
                  verdict(f.opened == f.wanted && f.kibPerConnection() < report.targets.kibPerConnection));
    printList(out, "failure", f.failureSamples);
}

void printHandshakes(const RunReport &report, std::ostream &out)
{
    const auto &f = *report.handshakes;
    out << format("\nHANDSHAKES: full TLS 1.3 handshake + signed hello + goodbye, %zu connectors, %zu per round\n",
                  f.connectors, report.options.handshakes);
    out << "  round  completed  failed  seconds  per second  latency ms p50/p99  server CPU ms each"
           "  loadgen CPU ms each\n";
    std::vector<double> rates;
    for (std::size_t i = 0; i < f.rounds.size(); ++i) {
        const auto &r = f.rounds[i];
        rates.push_back(r.perSecond());
        const double n = r.completed > 0 ? static_cast<double>(r.completed) : 1.0;
        out << format("  %5zu  %9zu  %6zu  %7.2f  %10.0f  %8.1f/%.1f  %18.2f  %19.2f\n", i + 1, r.completed, r.failed,
                      r.seconds, r.perSecond(), percentile(r.latencyMs, 50), percentile(r.latencyMs, 99),
                      r.cpu.server * 1000 / n, r.cpu.loadgen * 1000 / n);
    }
    out << format("  median: %.0f handshakes/s (no target in the issue)\n", median(rates));
    printList(out, "failure", f.failureSamples);
}

nlohmann::json cpuJson(const CpuSplit &cpu)
{
    return {{"server_s", cpu.server}, {"server_busiest_thread_s", cpu.serverBusiestThread}, {"loadgen_s", cpu.loadgen}};
}

} // namespace

void printTable(const RunReport &report, std::ostream &out)
{
    out << "Beatbook sync load generator, " << report.startedAt << ", " << report.machine << '\n';
    out << "server: " << report.options.serverExe << '\n';
    if (report.handshakes)
        printHandshakes(report, out);
    if (report.connections)
        printConnections(report, out);
    if (report.upload)
        printUpload(report, out);
    if (report.download)
        printDownload(report, out);
    printList(out, "\nERROR", report.errors);
}

nlohmann::json toJson(const RunReport &report)
{
    nlohmann::json j;
    j["started_at"] = report.startedAt;
    j["machine"] = report.machine;
    j["server_exe"] = report.options.serverExe;
    j["errors"] = report.errors;
    if (report.upload) {
        const auto &f = *report.upload;
        nlohmann::json rounds = nlohmann::json::array();
        std::vector<double> rates;
        for (const auto &r : f.rounds) {
            rates.push_back(r.acceptedPerSecond());
            rounds.push_back({{"sent", r.sent},
                              {"accepted", r.accepted},
                              {"rejected", r.rejected},
                              {"conflicts", r.conflicts},
                              {"failed_batches", r.failedBatches},
                              {"seconds", r.seconds},
                              {"accepted_per_second", r.acceptedPerSecond()},
                              {"batch_ms_p50", percentile(r.batchMs, 50)},
                              {"batch_ms_p90", percentile(r.batchMs, 90)},
                              {"batch_ms_p99", percentile(r.batchMs, 99)},
                              {"cpu", cpuJson(r.cpu)}});
        }
        j["upload"] = {{"devices", f.devices},
                       {"batch", f.batch},
                       {"changes_per_round", report.options.changes},
                       {"enrolment", {{"devices", f.enrolment.devices.size()},
                                      {"path", enrolPathName(f.enrolment.path)},
                                      {"seconds", f.enrolment.seconds}}},
                       {"rounds", rounds},
                       {"median_accepted_per_second", median(rates)},
                       {"target_per_second", report.targets.uploadChangesPerSecond},
                       {"met", median(rates) >= report.targets.uploadChangesPerSecond},
                       {"rejection_samples", f.notes.rejectionSamples},
                       {"errors", f.notes.errors}};
    }
    if (report.download) {
        const auto &f = *report.download;
        nlohmann::json runs = nlohmann::json::array();
        for (const auto &r : f.runs)
            runs.push_back({{"mode", r.mode},
                            {"records", r.records},
                            {"pages", r.pages},
                            {"bytes", r.bytes},
                            {"seconds", r.seconds},
                            {"hello_seconds", r.helloSeconds},
                            {"apply_seconds", r.applySeconds},
                            {"rss_start_kib", r.rssStartKiB},
                            {"peak_kib", r.peakKiB},
                            {"store_bytes", r.storeBytes},
                            {"cpu", cpuJson(r.cpu)},
                            {"verified", r.verified},
                            {"error", r.error}});
        nlohmann::json medians;
        for (const std::string &mode : downloadModes())
            medians[mode] = {{"seconds", median(downloadSeconds(f, mode))},
                             {"peak_mib", median(downloadPeaks(f, mode))}};
        j["download"] = {{"records", f.records},
                         {"page_records", report.options.pageRecords},
                         {"seed_seconds", f.seedSeconds},
                         {"seed_accepted", f.seedAccepted},
                         {"runs", runs},
                         {"median", medians},
                         {"target_seconds", report.targets.downloadSeconds},
                         {"errors", f.errors}};
    }
    if (report.connections) {
        const auto &f = *report.connections;
        j["connections"] = {{"wanted", f.wanted},
                            {"opened", f.opened},
                            {"failed", f.failed},
                            {"enrolment", {{"devices", f.enrolment.devices.size()},
                                           {"path", enrolPathName(f.enrolment.path)},
                                           {"seconds", f.enrolment.seconds}}},
                            {"open_seconds", f.openSeconds},
                            {"server_rss_before_kib", f.serverRssBeforeKiB},
                            {"server_rss_open_kib", f.serverRssOpenKiB},
                            {"server_rss_held_kib", f.serverRssHeldKiB},
                            {"loadgen_rss_before_kib", f.loadgenRssBeforeKiB},
                            {"loadgen_rss_open_kib", f.loadgenRssOpenKiB},
                            {"hold_seconds", f.holdSeconds},
                            {"probed", f.probed},
                            {"probe_answered", f.probeAnswered},
                            {"kib_per_connection", f.kibPerConnection()},
                            {"target_kib", report.targets.kibPerConnection},
                            {"failure_samples", f.failureSamples}};
    }
    if (report.handshakes) {
        const auto &f = *report.handshakes;
        nlohmann::json rounds = nlohmann::json::array();
        std::vector<double> rates;
        for (const auto &r : f.rounds) {
            rates.push_back(r.perSecond());
            rounds.push_back({{"completed", r.completed},
                              {"failed", r.failed},
                              {"seconds", r.seconds},
                              {"per_second", r.perSecond()},
                              {"latency_ms_p50", percentile(r.latencyMs, 50)},
                              {"latency_ms_p99", percentile(r.latencyMs, 99)},
                              {"cpu", cpuJson(r.cpu)}});
        }
        j["handshakes"] = {{"connectors", f.connectors},
                           {"per_round", report.options.handshakes},
                           {"rounds", rounds},
                           {"median_per_second", median(rates)},
                           {"failure_samples", f.failureSamples}};
    }
    return j;
}

} // namespace beatbook::loadgen
