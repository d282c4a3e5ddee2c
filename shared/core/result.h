#pragma once

#include <string>
#include <utility>
#include <variant>

namespace beatbook {

// What went wrong, in words a person can act on. The code lets callers (the
// command line, the app, the sync server) react without parsing the message.
enum class ErrorCode {
    InvalidInput,   // bad input from outside: nothing was written
    NotFound,       // the record named does not exist
    NotAllowed,     // a rule or a role forbids it (lifecycle, permissions)
    Conflict,       // the stored state changed underneath the caller
    Storage,        // the database failed
    DataPack,       // the borough data pack is missing or malformed
    Io,             // a file could not be read or written
};

struct Error {
    ErrorCode code = ErrorCode::InvalidInput;
    std::string message;

    static Error invalid(std::string msg) { return {ErrorCode::InvalidInput, std::move(msg)}; }
    static Error notFound(std::string msg) { return {ErrorCode::NotFound, std::move(msg)}; }
    static Error notAllowed(std::string msg) { return {ErrorCode::NotAllowed, std::move(msg)}; }
    static Error storage(std::string msg) { return {ErrorCode::Storage, std::move(msg)}; }
    static Error dataPack(std::string msg) { return {ErrorCode::DataPack, std::move(msg)}; }
    static Error io(std::string msg) { return {ErrorCode::Io, std::move(msg)}; }
};

// The core throws nothing across its public API: every fallible call returns
// a Result. (std::expected is C++23; the toolchain here builds C++20.)
template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_state(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : m_state(std::in_place_index<1>, std::move(error)) {}

    bool ok() const { return m_state.index() == 0; }
    explicit operator bool() const { return ok(); }

    T &value() & { return std::get<0>(m_state); }
    const T &value() const & { return std::get<0>(m_state); }
    T &&value() && { return std::get<0>(std::move(m_state)); }
    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }
    T &operator*() & { return value(); }
    const T &operator*() const & { return value(); }

    const Error &error() const { return std::get<1>(m_state); }

private:
    std::variant<T, Error> m_state;
};

// A Result for calls that produce nothing but may fail.
template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : m_error(std::move(error)), m_failed(true) {}

    bool ok() const { return !m_failed; }
    explicit operator bool() const { return ok(); }
    const Error &error() const { return m_error; }

private:
    Error m_error;
    bool m_failed = false;
};

using Status = Result<void>;

} // namespace beatbook
