#include "processprobe.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

extern char **environ;

namespace beatbook::loadgen {
namespace {

std::string procPath(pid_t pid, const char *leaf)
{
    return pid == 0 ? std::string("/proc/self/") + leaf : "/proc/" + std::to_string(pid) + "/" + leaf;
}

std::int64_t kibField(const std::string &line)
{
    // "VmRSS:	   12345 kB"
    std::int64_t value = 0;
    bool any = false;
    for (char c : line) {
        if (c >= '0' && c <= '9') {
            value = value * 10 + (c - '0');
            any = true;
        } else if (any) {
            break;
        }
    }
    return value;
}

} // namespace

Result<ProcessMemory> readProcessMemory(pid_t pid)
{
    std::ifstream in(procPath(pid, "status"));
    if (!in)
        return Error::io("cannot read " + procPath(pid, "status"));
    ProcessMemory memory;
    bool rss = false;
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            memory.rssKiB = kibField(line);
            rss = true;
        } else if (line.rfind("VmHWM:", 0) == 0) {
            memory.hwmKiB = kibField(line);
        }
    }
    if (!rss)
        return Error::io(procPath(pid, "status") + " has no VmRSS line (has the process ended?)");
    return memory;
}

namespace {

Result<double> cpuSecondsFromStat(const std::string &path)
{
    std::ifstream in(path);
    std::string text;
    if (!in || !std::getline(in, text))
        return Error::io("cannot read " + path);
    // The command name is in parentheses and may hold spaces: count fields
    // after the last ')'. utime and stime are fields 14 and 15.
    const auto close = text.rfind(')');
    if (close == std::string::npos)
        return Error::io("unexpected format of " + path);
    std::istringstream fields(text.substr(close + 2));
    std::string field;
    std::uint64_t utime = 0;
    std::uint64_t stime = 0;
    for (int index = 3; index <= 15 && fields >> field; ++index) {
        if (index == 14)
            utime = std::stoull(field);
        else if (index == 15)
            stime = std::stoull(field);
    }
    const long ticks = ::sysconf(_SC_CLK_TCK);
    return static_cast<double>(utime + stime) / static_cast<double>(ticks > 0 ? ticks : 100);
}

} // namespace

Result<double> readCpuSeconds(pid_t pid) { return cpuSecondsFromStat(procPath(pid, "stat")); }

Result<std::map<pid_t, double>> readThreadCpuSeconds(pid_t pid)
{
    const std::string dir = procPath(pid, "task");
    std::error_code ec;
    std::map<pid_t, double> out;
    for (const auto &entry : std::filesystem::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        auto seconds = cpuSecondsFromStat(entry.path().string() + "/stat");
        if (!seconds)
            continue;  // the thread ended meanwhile
        out[static_cast<pid_t>(std::stol(name))] = *seconds;
    }
    if (ec)
        return Error::io("cannot list " + dir + ": " + ec.message());
    return out;
}

double busiestThreadSeconds(const std::map<pid_t, double> &before, const std::map<pid_t, double> &after)
{
    double busiest = 0;
    for (const auto &[tid, seconds] : after) {
        auto found = before.find(tid);
        busiest = std::max(busiest, seconds - (found == before.end() ? 0.0 : found->second));
    }
    return busiest;
}

Status resetPeakMemory()
{
    std::ofstream out("/proc/self/clear_refs");
    out << "5";
    out.flush();
    if (!out)
        return Error::io("cannot reset the peak memory mark (/proc/self/clear_refs)");
    return {};
}

Result<std::uint64_t> raiseFileLimit(std::uint64_t wanted)
{
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return Error::io(std::string("getrlimit: ") + std::strerror(errno));
    const rlim_t target = std::min<rlim_t>(static_cast<rlim_t>(wanted), limit.rlim_max);
    if (target > limit.rlim_cur) {
        limit.rlim_cur = target;
        if (::setrlimit(RLIMIT_NOFILE, &limit) != 0)
            return Error::io(std::string("setrlimit: ") + std::strerror(errno));
    }
    return static_cast<std::uint64_t>(limit.rlim_cur);
}

Result<std::string> runProgram(const std::string &exe, const std::vector<std::string> &args)
{
    std::array<int, 2> pipeFds{};
    if (::pipe2(pipeFds.data(), O_CLOEXEC) != 0)
        return Error::io(std::string("pipe: ") + std::strerror(errno));
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipeFds[1], 1);
    posix_spawn_file_actions_adddup2(&actions, pipeFds[1], 2);

    std::vector<std::string> all;
    all.push_back(exe);
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char *> argv;
    for (auto &arg : all)
        argv.push_back(arg.data());
    argv.push_back(nullptr);

    pid_t pid = 0;
    const int rc = ::posix_spawnp(&pid, exe.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(pipeFds[1]);
    if (rc != 0) {
        ::close(pipeFds[0]);
        return Error::io("cannot start " + exe + ": " + std::strerror(rc));
    }
    std::string output;
    std::array<char, 4096> buffer{};
    for (;;) {
        const ssize_t n = ::read(pipeFds[0], buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        output.append(buffer.data(), static_cast<std::size_t>(n));
    }
    ::close(pipeFds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::string command = exe;
        for (const auto &arg : args)
            command += " " + arg;
        return Error::io(command + " failed (status " + std::to_string(status) + "): " + output);
    }
    return output;
}

std::string ownExecutablePath()
{
    std::array<char, 4096> path{};
    const ssize_t n = ::readlink("/proc/self/exe", path.data(), path.size() - 1);
    if (n <= 0)
        return {};
    return std::string(path.data(), static_cast<std::size_t>(n));
}

std::string ownExecutableDir()
{
    const std::string path = ownExecutablePath();
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

} // namespace beatbook::loadgen
