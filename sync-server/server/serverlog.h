#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

namespace spdlog {
class logger;
}

namespace beatbook {

// A value in a log line: counts, flags and identifiers (session number,
// device id, error kind). Never personal data: no names, contacts,
// addresses or descriptions, and no rejection reasons that could quote them.
using LogValue = std::variant<std::int64_t, std::uint64_t, bool, std::string_view>;

struct LogField {
    std::string_view key;
    LogValue value;
};

// The server's structured log: one JSON object per line,
// {"ts":"...Z","level":"info","event":"session_end","session":12,...},
// so operators can filter and count with ordinary tools. Thread-safe.
class ServerLog {
public:
    enum class Level { Debug, Info, Warning, Error };

    // Lines go to stderr (stdout carries only the "listening on" line).
    static std::shared_ptr<ServerLog> toStderr();
    // Lines go to a callback, one call per line without its newline (tests).
    static std::shared_ptr<ServerLog> toCallback(std::function<void(const std::string &line)> callback);
    static std::shared_ptr<ServerLog> discard();

    explicit ServerLog(std::shared_ptr<spdlog::logger> logger);
    ~ServerLog();

    void write(Level level, std::string_view event, std::initializer_list<LogField> fields = {});
    void info(std::string_view event, std::initializer_list<LogField> fields = {})
    {
        write(Level::Info, event, fields);
    }
    void warning(std::string_view event, std::initializer_list<LogField> fields = {})
    {
        write(Level::Warning, event, fields);
    }
    void error(std::string_view event, std::initializer_list<LogField> fields = {})
    {
        write(Level::Error, event, fields);
    }
    void setMinimumLevel(Level level);

private:
    std::shared_ptr<spdlog::logger> m_logger;
};

} // namespace beatbook
