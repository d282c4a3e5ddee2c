#include "serverprocess.h"

#include "sync/serveraddress.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

extern char **environ;

namespace beatbook::loadgen {

ServerProcess::~ServerProcess()
{
    if (m_pid > 0)
        stop(std::chrono::seconds(5));
    if (m_pump.joinable())
        m_pump.join();
}

Status ServerProcess::start(const std::string &exe, const std::string &dataDir, const std::string &logPath,
                            const std::vector<std::string> &extraArgs, std::chrono::seconds timeout)
{
    if (m_pid > 0)
        return Error::invalid("the server is already running");
    const int logFd = ::open(logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (logFd < 0)
        return Error::io("cannot open " + logPath + ": " + std::strerror(errno));
    std::array<int, 2> pipeFds{};
    if (::pipe2(pipeFds.data(), O_CLOEXEC) != 0) {
        ::close(logFd);
        return Error::io(std::string("pipe: ") + std::strerror(errno));
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipeFds[1], 1);
    posix_spawn_file_actions_adddup2(&actions, pipeFds[1], 2);

    std::vector<std::string> all{exe, "--data", dataDir, "--listen", "127.0.0.1:0"};
    all.insert(all.end(), extraArgs.begin(), extraArgs.end());
    std::vector<char *> argv;
    for (auto &arg : all)
        argv.push_back(arg.data());
    argv.push_back(nullptr);

    {
        const std::lock_guard lock(m_mutex);
        m_listenLine.clear();
        m_outputClosed = false;
    }
    const int rc = ::posix_spawn(&m_pid, exe.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(pipeFds[1]);
    if (rc != 0) {
        m_pid = 0;
        ::close(pipeFds[0]);
        ::close(logFd);
        return Error::io("cannot start " + exe + ": " + std::strerror(rc));
    }
    if (m_pump.joinable())
        m_pump.join();
    m_stopPump = false;
    m_pump = std::thread([this, fd = pipeFds[0], logFd] { pumpOutput(fd, logFd); });

    std::unique_lock lock(m_mutex);
    m_changed.wait_for(lock, timeout, [this] { return !m_listenLine.empty() || m_outputClosed; });
    if (m_listenLine.empty()) {
        lock.unlock();
        stop(std::chrono::seconds(2));
        return Error::io("the sync server did not say where it listens within " + std::to_string(timeout.count())
                         + " s; see " + logPath);
    }
    // "... listening on 127.0.0.1:PORT ..."
    const std::string marker = "listening on ";
    std::string rest = m_listenLine.substr(m_listenLine.find(marker) + marker.size());
    const auto end = rest.find_first_of(" \t\r\n\"',;");
    if (end != std::string::npos)
        rest.resize(end);
    lock.unlock();
    auto address = parseServerAddress(rest);
    if (!address) {
        stop(std::chrono::seconds(2));
        return Error::io("cannot read the server's address from '" + rest + "': " + address.error().message);
    }
    m_port = address->port;
    return {};
}

void ServerProcess::pumpOutput(int fd, int logFd)
{
    std::array<char, 8192> buffer{};
    std::string line;
    bool found = false;
    for (;;) {
        pollfd ready{fd, POLLIN, 0};
        const int polled = ::poll(&ready, 1, 200);
        if (polled == 0) {
            if (m_stopPump)
                break;
            continue;
        }
        if (polled < 0 && errno != EINTR)
            break;
        if (polled < 0)
            continue;
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        const auto size = static_cast<std::size_t>(n);
        std::size_t written = 0;
        while (written < size) {
            const ssize_t w = ::write(logFd, buffer.data() + written, size - written);
            if (w <= 0)
                break;
            written += static_cast<std::size_t>(w);
        }
        if (found)
            continue;
        for (std::size_t i = 0; i < size && !found; ++i) {
            if (buffer[i] != '\n') {
                line.push_back(buffer[i]);
                continue;
            }
            if (line.find("listening on ") != std::string::npos) {
                found = true;
                const std::lock_guard lock(m_mutex);
                m_listenLine = line;
                m_changed.notify_all();
            }
            line.clear();
        }
    }
    ::close(fd);
    ::close(logFd);
    const std::lock_guard lock(m_mutex);
    m_outputClosed = true;
    m_changed.notify_all();
}

bool ServerProcess::running()
{
    if (m_pid <= 0)
        return false;
    int status = 0;
    if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
        m_exitStatus = status;
        m_pid = 0;
        m_stopPump = true;
        if (m_pump.joinable())
            m_pump.join();
        return false;
    }
    return true;
}

int ServerProcess::stop(std::chrono::seconds grace)
{
    if (m_pid <= 0)
        return m_exitStatus;
    ::kill(m_pid, SIGTERM);
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + grace;
    for (;;) {
        const pid_t done = ::waitpid(m_pid, &status, WNOHANG);
        if (done == m_pid)
            break;
        if (done < 0 && errno != EINTR)
            break;
        if (std::chrono::steady_clock::now() >= deadline) {
            ::kill(m_pid, SIGKILL);
            ::waitpid(m_pid, &status, 0);
            break;
        }
        ::usleep(20'000);
    }
    m_pid = 0;
    m_exitStatus = status;
    m_stopPump = true;
    if (m_pump.joinable())
        m_pump.join();
    return status;
}

} // namespace beatbook::loadgen
