#include "server/uploadcommitter.h"

#include "server/serverlog.h"

#include <boost/asio/dispatch.hpp>

#include <chrono>
#include <vector>

namespace beatbook {

namespace asio = boost::asio;

UploadCommitter::UploadCommitter(SyncStorage &storage, ServerLog &log)
    : m_storage(storage), m_log(log), m_writer([this] { writerLoop(); })
{
}

UploadCommitter::~UploadCommitter() { stop(); }

void UploadCommitter::stop()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_writer.joinable() && m_writer.get_id() != std::this_thread::get_id())
        m_writer.join();
}

std::uint64_t UploadCommitter::groupsCommitted() const
{
    std::lock_guard lock(m_mutex);
    return m_groups;
}

std::uint64_t UploadCommitter::batchesApplied() const
{
    std::lock_guard lock(m_mutex);
    return m_batches;
}

void UploadCommitter::enqueue(const UploadRequest *request, asio::any_completion_handler<Completion> handler,
                              asio::any_io_executor work)
{
    Pending pending{request, std::move(handler), std::move(work)};
    {
        std::lock_guard lock(m_mutex);
        if (!m_stopping) {
            m_queue.push_back(std::move(pending));
            m_wake.notify_one();
            return;
        }
    }
    complete(pending, Error::notAllowed("The server is shutting down: send the changes again later."));
}

void UploadCommitter::complete(Pending &pending, Result<syncv1::UploadResult> result)
{
    // Resume the session on its own executor (its strand), never on the
    // writer thread: the writer goes straight back to the next group.
    asio::dispatch(pending.work, [handler = std::move(pending.handler), result = std::move(result)]() mutable {
        std::move(handler)(std::move(result));
    });
    pending.work = nullptr;
}

void UploadCommitter::writerLoop()
{
    std::vector<Pending> group;
    std::vector<const UploadRequest *> requests;
    for (;;) {
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
            if (m_queue.empty())
                return;  // stopping, and nothing left to apply
            group.clear();
            while (!m_queue.empty()) {
                group.push_back(std::move(m_queue.front()));
                m_queue.pop_front();
            }
        }
        requests.clear();
        std::size_t changes = 0;
        for (const Pending &p : group) {
            requests.push_back(p.request);
            changes += p.request->changes.size();
        }
        const auto started = std::chrono::steady_clock::now();
        auto results = m_storage.applyUploads(requests);
        const auto micros =
            std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count();
        if (results && results->size() != group.size())
            results = Error::storage("The storage answered " + std::to_string(results->size()) + " batches of "
                                     + std::to_string(group.size()) + ".");
        if (!results) {
            // Nothing of the group was committed: every session gets the
            // refusal, and its device sends the same batch again later.
            m_log.error("upload_group_failed", {{"batches", std::uint64_t{group.size()}},
                                                 {"changes", std::uint64_t{changes}},
                                                 {"error", std::string_view(results.error().message)}});
            for (Pending &p : group)
                complete(p, results.error());
        } else {
            m_log.write(ServerLog::Level::Debug, "upload_group_committed",
                        {{"batches", std::uint64_t{group.size()}},
                         {"changes", std::uint64_t{changes}},
                         {"micros", std::int64_t{micros}}});
            for (std::size_t i = 0; i < group.size(); ++i)
                complete(group[i], std::move((*results)[i]));
        }
        {
            std::lock_guard lock(m_mutex);
            ++m_groups;
            m_batches += group.size();
        }
    }
}

} // namespace beatbook
