#include "server/serverlog.h"

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <mutex>

namespace beatbook {

namespace {

// The message (%v) is the object's inner members; spdlog adds the time (UTC)
// and level in front, so every line parses as one JSON object.
constexpr const char *kPattern = R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})";

class CallbackSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    explicit CallbackSink(std::function<void(const std::string &)> callback) : m_callback(std::move(callback)) {}

protected:
    void sink_it_(const spdlog::details::log_msg &msg) override
    {
        spdlog::memory_buf_t formatted;
        formatter_->format(msg, formatted);
        std::string line(formatted.data(), formatted.size());
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
            line.pop_back();
        m_callback(line);
    }
    void flush_() override {}

private:
    std::function<void(const std::string &)> m_callback;
};

std::shared_ptr<ServerLog> withSink(spdlog::sink_ptr sink)
{
    auto logger = std::make_shared<spdlog::logger>("beatbook-sync-server", std::move(sink));
    logger->set_pattern(kPattern, spdlog::pattern_time_type::utc);
    logger->set_level(spdlog::level::info);
    logger->flush_on(spdlog::level::info);
    return std::make_shared<ServerLog>(std::move(logger));
}

spdlog::level::level_enum toSpdlog(ServerLog::Level level)
{
    switch (level) {
    case ServerLog::Level::Debug:
        return spdlog::level::debug;
    case ServerLog::Level::Info:
        return spdlog::level::info;
    case ServerLog::Level::Warning:
        return spdlog::level::warn;
    case ServerLog::Level::Error:
        return spdlog::level::err;
    }
    return spdlog::level::info;
}

} // namespace

std::shared_ptr<ServerLog> ServerLog::toStderr()
{
    return withSink(std::make_shared<spdlog::sinks::stderr_sink_mt>());
}

std::shared_ptr<ServerLog> ServerLog::toCallback(std::function<void(const std::string &line)> callback)
{
    return withSink(std::make_shared<CallbackSink>(std::move(callback)));
}

std::shared_ptr<ServerLog> ServerLog::discard()
{
    return withSink(std::make_shared<spdlog::sinks::null_sink_mt>());
}

ServerLog::ServerLog(std::shared_ptr<spdlog::logger> logger) : m_logger(std::move(logger)) {}

ServerLog::~ServerLog() = default;

void ServerLog::setMinimumLevel(Level level) { m_logger->set_level(toSpdlog(level)); }

void ServerLog::write(Level level, std::string_view event, std::initializer_list<LogField> fields)
{
    const auto spdLevel = toSpdlog(level);
    if (!m_logger->should_log(spdLevel))
        return;
    nlohmann::ordered_json object;
    object["event"] = std::string(event);
    for (const LogField &field : fields) {
        const std::string key(field.key);
        std::visit(
            [&](const auto &value) {
                using T = std::decay_t<decltype(value)>;
                if constexpr (std::is_same_v<T, std::string_view>)
                    object[key] = std::string(value);
                else
                    object[key] = value;
            },
            field.value);
    }
    // Replace, not throw, on invalid UTF-8: a log line must never take a
    // session down.
    std::string text = object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    // Drop the braces: the pattern supplies them around ts and level.
    std::string_view inner(text);
    inner.remove_prefix(1);
    inner.remove_suffix(1);
    m_logger->log(spdLevel, "{}", inner);
}

} // namespace beatbook
