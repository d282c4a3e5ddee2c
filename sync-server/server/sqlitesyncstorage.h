#pragma once

#include "core/clock.h"
#include "server/syncstorage.h"
#include "store/database.h"
#include "store/rowstatements.h"
#include "sync/changevalidator.h"
#include "sync/entitycatalog.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace beatbook {

class AdviceLibrary;

struct SqliteSyncStorageSettings {
    // A page holds at most this many records, whatever the device asks for.
    std::uint32_t maxPageRecords = 5000;
    // A page stops once its records reach this size, so it stays well under
    // the 4 MiB frame limit however wide the records are.
    std::size_t maxPageBytes = 1024 * 1024;
    // Feed rows looked at per page: a narrow scope (a champion) skips most
    // of the feed, and this bounds the time one pull holds a connection.
    std::uint32_t maxExaminedPerPage = 50000;
    // Read connections kept open between pulls; more are opened while many
    // pulls run at once and closed again afterwards.
    std::size_t idleReadConnections = 8;
    // The writing connection's page cache: a group commit's pages stay in
    // memory until COMMIT instead of spilling to the WAL.
    std::size_t writerCacheKiB = 64 * 1024;
    // Copying the WAL back into the database file (a checkpoint, with its
    // own fsync) runs on a thread of its own once the WAL holds this many
    // pages, so commits never wait for it; 0 leaves it to SQLite's automatic
    // checkpoint on the writer. Past the second figure (the background one
    // cannot keep up) the writer checkpoints itself.
    int checkpointPages = 4000;
    int writerCheckpointPages = 64000;
    // The rules uploads are checked by (changevalidator.h).
    ChangeRules rules;
    // The data pack's advice library, so advice given names a real article;
    // optional (without it the validator is stricter), must outlive the
    // storage.
    const AdviceLibrary *adviceLibrary = nullptr;
};

// The embedded storage: the record tables of server.db (the device's own
// schema, so the measures and exports run on it unchanged) plus, per record,
// its sync metadata (sync_records: placement, field stamps, conflicts,
// version and its position in the feed) and, per device and seq, the answer
// given (sync_changes), so a replayed change gets its first answer.
//
// The feed is sync_records ordered by feed_seq: a record sits once, at its
// latest change. The highest feed_seq always belongs to the record changed
// last, so the counter needs no table of its own.
//
// Threads: every call may be made from any thread. applyUploads calls are
// serialised on the writing connection by a mutex (SQLite has one writer
// anyway; the server groups concurrent batches into one call instead).
// pull and verify each lease a read connection of their own from a pool and
// read one WAL snapshot, so they never wait for the writer or each other.
// Because a single writer commits feed positions in order, a reader never
// sees a later feed_seq before an earlier one. An in-memory database (tests
// only) cannot be shared between connections: there reads take the writer's
// mutex and connection.
class SqliteSyncStorage final : public SyncStorage {
public:
    // `db` comes from openServerDatabase (migrated, synchronous=FULL).
    // `clock` stamps when each answer was given and must outlive the storage.
    static Result<std::unique_ptr<SqliteSyncStorage>> open(std::unique_ptr<Database> db, const Clock &clock,
                                                           SqliteSyncStorageSettings settings = {});
    ~SqliteSyncStorage() override;
    SqliteSyncStorage(const SqliteSyncStorage &) = delete;
    SqliteSyncStorage &operator=(const SqliteSyncStorage &) = delete;

    // A change that fails validation, or that the database refuses (a CHECK,
    // a trigger, a reference to a record the server does not hold), is
    // rejected alone with a reason. A failure of the database itself (disk
    // full, I/O) rolls the whole group back and is returned: nothing was
    // answered, so the devices send the same batches again.
    Result<std::vector<syncv1::UploadResult>> applyUploads(std::span<const UploadRequest *const> requests) override;
    // A cursor past the feed's head (this server never handed it out: a
    // restored backup) rebaselines the device too. A device should send the
    // scope_token of the page that began its rebaseline on the pulls that
    // follow, or each page would restart it. A fresh device (cursor 0) is
    // sent no removals.
    Result<syncv1::PullPage> pull(const SyncScope &scope, const syncv1::PullRequest &request) override;
    // One checksum per synced entity (catalog order), zero counts included.
    Result<syncv1::VerifyResponse> verify(const SyncScope &scope) override;

    // The feed's head: the last feed position handed out.
    Result<std::uint64_t> feedHead();

private:
    SqliteSyncStorage(std::unique_ptr<Database> db, const Clock &clock, SqliteSyncStorageSettings settings,
                      EntityCatalog catalog);

    class ReadLease;
    class Checkpointer;
    static int walHook(void *self, sqlite3 *db, const char *name, int pages);
    Result<ReadLease> leaseReader();
    void returnReader(std::unique_ptr<Database> reader);
    Result<std::int64_t> readFeedHead(Database &db);

    std::unique_ptr<Database> m_db;
    const Clock &m_clock;
    SqliteSyncStorageSettings m_settings;
    EntityCatalog m_catalog;
    bool m_sharedReads = false;  // in-memory database: reads use the writer

    std::mutex m_writeMutex;
    std::int64_t m_lastFeedSeq = 0;  // guarded by m_writeMutex
    RowStatements m_rowStatements;   // the writer's; guarded by m_writeMutex

    std::mutex m_readersMutex;
    std::vector<std::unique_ptr<Database>> m_idleReaders;

    std::unique_ptr<Checkpointer> m_checkpointer;
};

} // namespace beatbook
