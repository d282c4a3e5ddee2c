#pragma once

#include "core/result.h"

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace beatbook::loadgen {

// What /proc says about a process: the figures the benchmark reports are
// the kernel's, not estimates.
struct ProcessMemory {
    std::int64_t rssKiB = 0;  // VmRSS: resident now
    std::int64_t hwmKiB = 0;  // VmHWM: the resident high-water mark
};

// pid 0 is this process.
Result<ProcessMemory> readProcessMemory(pid_t pid = 0);
// User plus system CPU time so far, in seconds (all threads).
Result<double> readCpuSeconds(pid_t pid = 0);
// The same per thread (from /proc/PID/task), keyed by thread id: shows
// whether one thread (the server's single database writer) is the limit.
Result<std::map<pid_t, double>> readThreadCpuSeconds(pid_t pid);
// The largest increase of one thread's CPU time between two readings.
double busiestThreadSeconds(const std::map<pid_t, double> &before, const std::map<pid_t, double> &after);

// Resets this process's VmHWM to its current RSS (Linux clear_refs "5"), so
// a phase's peak is not the peak of whatever ran before it.
Status resetPeakMemory();

// Raises this process's RLIMIT_NOFILE soft limit to `wanted` (capped at the
// hard limit); children started afterwards inherit it. Returns the soft limit
// now in force.
Result<std::uint64_t> raiseFileLimit(std::uint64_t wanted);

// Runs a program to its end and returns what it printed (stdout and stderr
// together). An exit status other than 0 is an error carrying that output.
Result<std::string> runProgram(const std::string &exe, const std::vector<std::string> &args);

// The directory holding this executable (from /proc/self/exe).
std::string ownExecutableDir();
std::string ownExecutablePath();

} // namespace beatbook::loadgen
