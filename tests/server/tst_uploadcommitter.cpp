#include "server/serverlog.h"
#include "server/uploadcommitter.h"

#include <QTest>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <mutex>
#include <thread>

using namespace beatbook;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

class GroupStorage final : public SyncStorage {
public:
    std::mutex mutex;
    std::vector<std::size_t> groups;
    std::chrono::milliseconds firstDelay{0};
    bool fail = false;
    std::atomic<bool> busy{false};

    Result<std::vector<syncv1::UploadResult>> applyUploads(std::span<const UploadRequest *const> requests) override
    {
        busy = true;
        bool first;
        {
            std::lock_guard lock(mutex);
            first = groups.empty();
            groups.push_back(requests.size());
        }
        if (first)
            std::this_thread::sleep_for(firstDelay);
        busy = false;
        if (fail)
            return Error::storage("disk full");
        std::vector<syncv1::UploadResult> out;
        for (const UploadRequest *r : requests) {
            syncv1::UploadResult result;
            for (const auto &c : r->batch->changes()) {
                auto *cr = result.add_results();
                cr->set_seq(c.seq());
                cr->set_reason(r->deviceId);  // lets the test see whose answer it got
            }
            out.push_back(std::move(result));
        }
        return out;
    }
    Result<syncv1::PullPage> pull(const SyncScope &, const syncv1::PullRequest &) override
    {
        return Error::notAllowed("unused");
    }
    Result<syncv1::VerifyResponse> verify(const SyncScope &) override { return Error::notAllowed("unused"); }
};

syncv1::UploadBatch batchOf(std::uint64_t seq)
{
    syncv1::UploadBatch b;
    b.add_changes()->set_seq(seq);
    return b;
}

} // namespace

class TestUploadCommitter : public QObject {
    Q_OBJECT
private slots:
    void groupsConcurrentBatchesAndAnswersEachOnItsExecutor()
    {
        GroupStorage storage;
        storage.firstDelay = 200ms;
        auto log = ServerLog::discard();
        UploadCommitter committer(storage, *log);
        asio::io_context ioc;
        auto work = asio::make_work_guard(ioc);
        std::thread runner([&] { ioc.run(); });

        constexpr int kSessions = 5;
        std::vector<asio::strand<asio::io_context::executor_type>> strands;
        std::vector<syncv1::UploadBatch> batches;
        std::vector<UploadRequest> requests;
        for (int i = 0; i < kSessions; ++i) {
            strands.push_back(asio::make_strand(ioc));
            batches.push_back(batchOf(static_cast<std::uint64_t>(100 + i)));
        }
        for (int i = 0; i < kSessions; ++i)
            requests.push_back(UploadRequest{"dev-" + std::to_string(i), SyncScope{}, batches[static_cast<std::size_t>(i)]});

        std::mutex mutex;
        std::vector<std::optional<Result<syncv1::UploadResult>>> answers(kSessions);
        std::atomic<int> onOwnStrand{0};
        std::atomic<int> done{0};
        auto submit = [&](int i) {
            auto &strand = strands[static_cast<std::size_t>(i)];
            committer.submit(requests[static_cast<std::size_t>(i)],
                             asio::bind_executor(strand, [&, i](Result<syncv1::UploadResult> r) {
                                 if (strand.running_in_this_thread())
                                     ++onOwnStrand;
                                 std::lock_guard lock(mutex);
                                 answers[static_cast<std::size_t>(i)].emplace(std::move(r));
                                 ++done;
                             }));
        };
        submit(0);
        const auto deadline = std::chrono::steady_clock::now() + 5s;
        while (!storage.busy && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(1ms);
        for (int i = 1; i < kSessions; ++i)
            submit(i);
        while (done < kSessions && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(5ms);
        work.reset();
        ioc.stop();
        runner.join();

        QCOMPARE(done.load(), kSessions);
        QCOMPARE(onOwnStrand.load(), kSessions);
        for (int i = 0; i < kSessions; ++i) {
            const auto &answer = *answers[static_cast<std::size_t>(i)];
            QVERIFY(answer.ok());
            QCOMPARE(answer->results(0).seq(), static_cast<std::uint64_t>(100 + i));
            QCOMPARE(answer->results(0).reason(), "dev-" + std::to_string(i));
        }
        QCOMPARE(storage.groups, (std::vector<std::size_t>{1, kSessions - 1}));
        QCOMPARE(committer.groupsCommitted(), std::uint64_t{2});
        QCOMPARE(committer.batchesApplied(), std::uint64_t{kSessions});
    }

    void failureReachesEveryBatchOfTheGroup()
    {
        GroupStorage storage;
        storage.fail = true;
        auto log = ServerLog::discard();
        UploadCommitter committer(storage, *log);
        asio::io_context ioc;
        auto batch = batchOf(1);
        UploadRequest a{"a", {}, batch}, b{"b", {}, batch};
        std::vector<ErrorCode> codes;
        committer.submit(a, asio::bind_executor(ioc, [&](Result<syncv1::UploadResult> r) {
            codes.push_back(r.ok() ? ErrorCode::InvalidInput : r.error().code);
        }));
        committer.submit(b, asio::bind_executor(ioc, [&](Result<syncv1::UploadResult> r) {
            codes.push_back(r.ok() ? ErrorCode::InvalidInput : r.error().code);
        }));
        // The tracked work keeps run() going until both answers are in.
        ioc.run_for(5s);
        QVERIFY(codes == (std::vector<ErrorCode>{ErrorCode::Storage, ErrorCode::Storage}));
    }

    void stopAppliesWhatIsQueuedThenRefuses()
    {
        GroupStorage storage;
        storage.firstDelay = 100ms;
        auto log = ServerLog::discard();
        UploadCommitter committer(storage, *log);
        asio::io_context ioc;
        auto batch = batchOf(1);
        UploadRequest a{"a", {}, batch}, b{"b", {}, batch}, late{"late", {}, batch};
        int applied = 0;
        std::optional<ErrorCode> lateCode;
        auto count = [&](Result<syncv1::UploadResult> r) {
            if (r.ok())
                ++applied;
        };
        committer.submit(a, asio::bind_executor(ioc, count));
        committer.submit(b, asio::bind_executor(ioc, count));
        committer.stop();
        committer.submit(late, asio::bind_executor(ioc, [&](Result<syncv1::UploadResult> r) {
            lateCode = r.ok() ? ErrorCode::InvalidInput : r.error().code;
        }));
        ioc.run_for(5s);
        QCOMPARE(applied, 2);
        QVERIFY(lateCode == std::optional(ErrorCode::NotAllowed));
        committer.stop();  // idempotent
    }
};

QTEST_GUILESS_MAIN(TestUploadCommitter)
#include "tst_uploadcommitter.moc"
