#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include <cstddef>
#include <cstdio>
#include <exception>
#include <thread>
#include <vector>

namespace beatbook::loadgen {

// One io_context for every simulated device, run by one or two threads
// (the machine has two cores and the server needs them). The benchmark
// spawns a phase's coroutines, then run() returns once all have finished.
class AsyncRunner {
public:
    explicit AsyncRunner(std::size_t threads) : m_threads(threads == 0 ? 1 : threads) {}

    boost::asio::io_context &context() { return m_context; }

    // With several threads each device gets a strand, so its coroutine and
    // its socket's waits never run at once on two threads.
    boost::asio::any_io_executor newExecutor()
    {
        if (m_threads > 1)
            return boost::asio::make_strand(m_context);
        return m_context.get_executor();
    }

    template <typename Awaitable>
    void spawn(const boost::asio::any_io_executor &executor, Awaitable &&work)
    {
        boost::asio::co_spawn(executor, std::forward<Awaitable>(work), [](std::exception_ptr failure) {
            if (!failure)
                return;
            try {
                std::rethrow_exception(failure);
            } catch (const std::exception &e) {
                std::fprintf(stderr, "beatbook-loadgen: a simulated device failed: %s\n", e.what());
            }
        });
    }

    // Runs until no work is left.
    void run()
    {
        m_context.restart();
        std::vector<std::thread> extra;
        for (std::size_t i = 1; i < m_threads; ++i)
            extra.emplace_back([this] { m_context.run(); });
        m_context.run();
        for (auto &thread : extra)
            thread.join();
    }

private:
    boost::asio::io_context m_context;
    std::size_t m_threads;
};

} // namespace beatbook::loadgen
