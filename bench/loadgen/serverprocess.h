#pragma once

#include "core/result.h"
#include "processprobe.h"

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace beatbook::loadgen {

// The real beatbook-sync-server as a child process on loopback. Its output
// goes to a log file beside the data directory (a pipe nobody reads would
// stall a server that logs); the "listening on HOST:PORT" line tells us the
// port it was given.
class ServerProcess {
public:
    ServerProcess() = default;
    ~ServerProcess();
    ServerProcess(const ServerProcess &) = delete;
    ServerProcess &operator=(const ServerProcess &) = delete;

    // Starts `exe --data DIR --listen 127.0.0.1:0 [extra...]` and waits until
    // it says where it listens.
    Status start(const std::string &exe, const std::string &dataDir, const std::string &logPath,
                 const std::vector<std::string> &extraArgs, std::chrono::seconds timeout);
    // SIGTERM, then SIGKILL if it has not ended within the grace period.
    // Returns the exit status as waitpid gives it.
    int stop(std::chrono::seconds grace = std::chrono::seconds(20));

    pid_t pid() const { return m_pid; }
    std::uint16_t port() const { return m_port; }
    // False once the process has ended (reaps it; stop() then returns its
    // status).
    bool running();

    Result<ProcessMemory> memory() const { return readProcessMemory(m_pid); }
    Result<double> cpuSeconds() const { return readCpuSeconds(m_pid); }
    Result<std::map<pid_t, double>> threadCpuSeconds() const { return readThreadCpuSeconds(m_pid); }

private:
    void pumpOutput(int fd, int logFd);

    pid_t m_pid = 0;
    std::uint16_t m_port = 0;
    std::thread m_pump;
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::string m_listenLine;  // guarded by m_mutex
    bool m_outputClosed = false;
    // Set once the server is reaped: a process it left behind may still hold
    // the pipe open, and the pump must not wait for that forever.
    std::atomic<bool> m_stopPump{false};
    int m_exitStatus = 0;
};

} // namespace beatbook::loadgen
