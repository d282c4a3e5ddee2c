#pragma once

#include "core/clock.h"
#include "core/randomsource.h"
#include "core/result.h"
#include "store/devicestore.h"
#include "sync/enrolment.h"
#include "sync/syncclient.h"

#include <memory>
#include <string>

namespace beatbook::testing {

// Sync settings for tests against a real server on loopback: timeouts
// generous enough for a loaded machine, retries quick so a cut connection
// is retried at once.
SyncSettings testSyncSettings();

// A device in an integration test: a DeviceStore in a database file,
// enrolled and synced through shared/'s own client, as the app does it.
class SyncDevice {
public:
    SyncDevice(std::string path, const Clock &clock, RandomSource &random);

    // Opens (creating if need be) the database file.
    Status open();
    // Closes the database (to reopen it, or to read its files whole).
    void close() { m_store.reset(); }
    bool isOpen() const { return m_store && m_store->isOpen(); }

    // Enrols with a code issued by beatbook-admin; the database is set up by
    // the enrolment, with the Barnet data pack.
    Result<EnrolmentResult> enrol(const std::string &server, const std::string &code,
                                  const std::string &label = "test device");
    // One whole sync (retries included); the report is kept in lastReport
    // also when it fails.
    Result<SyncReport> sync(const SyncSettings &settings, const std::atomic<bool> *cancel = nullptr,
                            SyncProgressCallback progress = {});
    Result<SyncReport> sync() { return sync(testSyncSettings()); }
    const SyncReport &lastReport() const { return m_lastReport; }

    DeviceStore &store() { return *m_store; }
    Database &db() { return m_store->db(); }
    const std::string &path() const { return m_path; }
    const std::string &deviceId() const { return m_store->profile().deviceId; }
    // The database file and its -wal and -shm companions, as raw bytes
    // (whichever exist).
    std::string rawFileBytes() const;
    // Whether any of those files exists.
    bool filesExist() const;

private:
    std::string m_path;
    const Clock &m_clock;
    RandomSource &m_random;
    std::unique_ptr<DeviceStore> m_store;
    SyncReport m_lastReport;
};

} // namespace beatbook::testing
