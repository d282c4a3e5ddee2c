#pragma once

#include "core/result.h"
#include "server/syncstorage.h"

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>

namespace beatbook {

class ServerLog;

// Group commit for uploads. Sessions hand in their batch and wait; one
// writer thread takes everything queued at that moment, applies it with a
// single SyncStorage::applyUploads call (one transaction, one fsync), and
// completes each session's wait on that session's own executor. Under load
// many batches share one fsync; alone, a batch waits for no one.
class UploadCommitter {
public:
    using Completion = void(Result<syncv1::UploadResult>);

    UploadCommitter(SyncStorage &storage, ServerLog &log);
    // Stops as stop() does.
    ~UploadCommitter();
    UploadCommitter(const UploadCommitter &) = delete;
    UploadCommitter &operator=(const UploadCommitter &) = delete;

    // Completes once the batch is durable (or refused as a whole). The
    // request and its batch must stay alive until then: the session keeps
    // both in its frame while it waits.
    template <typename CompletionToken>
    auto submit(const UploadRequest &request, CompletionToken &&token)
    {
        // Only a pointer travels through async_initiate: with g++ 12, a
        // non-trivial object carried into use_awaitable's initiation (as an
        // argument or a capture) can be destroyed twice.
        const UploadRequest *pending = &request;
        return boost::asio::async_initiate<CompletionToken, Completion>(
            [this, pending](auto handler) {
                // Keep the handler's executor busy while the batch waits, so
                // an io_context never runs out of work with a session parked here.
                auto work = boost::asio::prefer(boost::asio::any_io_executor(boost::asio::get_associated_executor(handler)),
                                                boost::asio::execution::outstanding_work.tracked);
                enqueue(pending, std::move(handler), std::move(work));
            },
            token);
    }
    boost::asio::awaitable<Result<syncv1::UploadResult>> submit(const UploadRequest &request)
    {
        return submit(request, boost::asio::use_awaitable);
    }

    // Applies what is queued, then ends the writer thread; batches submitted
    // afterwards complete at once with a refusal. Idempotent.
    void stop();

    // Commits made and batches applied so far (for logs and tests).
    std::uint64_t groupsCommitted() const;
    std::uint64_t batchesApplied() const;

private:
    struct Pending {
        const UploadRequest *request;  // the session's, alive while it waits
        boost::asio::any_completion_handler<Completion> handler;
        boost::asio::any_io_executor work;
    };

    void enqueue(const UploadRequest *request, boost::asio::any_completion_handler<Completion> handler,
                 boost::asio::any_io_executor work);
    void writerLoop();
    static void complete(Pending &pending, Result<syncv1::UploadResult> result);

    SyncStorage &m_storage;
    ServerLog &m_log;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<Pending> m_queue;
    bool m_stopping = false;
    std::uint64_t m_groups = 0;
    std::uint64_t m_batches = 0;
    std::thread m_writer;
};

} // namespace beatbook
