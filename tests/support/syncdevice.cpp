#include "syncdevice.h"

#include "testdata.h"

#include <filesystem>

namespace beatbook::testing {

using namespace std::chrono_literals;

SyncSettings testSyncSettings()
{
    SyncSettings settings;
    settings.connectTimeout = 30s;
    settings.handshakeTimeout = 30s;
    settings.answerTimeout = 30s;
    settings.frameTimeout = 30s;
    settings.retry = {5, 20ms, 200ms};
    return settings;
}

SyncDevice::SyncDevice(std::string path, const Clock &clock, RandomSource &random)
    : m_path(std::move(path)), m_clock(clock), m_random(random)
{
}

Status SyncDevice::open()
{
    auto store = DeviceStore::open(m_path, m_clock, m_random);
    if (!store)
        return store.error();
    m_store = std::move(*store);
    return {};
}

Result<EnrolmentResult> SyncDevice::enrol(const std::string &server, const std::string &code,
                                          const std::string &label)
{
    if (!m_store)
        if (auto opened = open(); !opened)
            return opened.error();
    EnrolmentRequest request;
    request.server = server;
    request.code = code;
    request.deviceLabel = label;
    request.packDirectory = sourceFile("data/packs/barnet");
    request.connectTimeout = 30s;
    request.answerTimeout = 30s;
    return enrolDevice(*m_store, request);
}

Result<SyncReport> SyncDevice::sync(const SyncSettings &settings, const std::atomic<bool> *cancel,
                                    SyncProgressCallback progress)
{
    if (!m_store)
        return Error::notAllowed("the device's database is not open");
    SyncClient client(*m_store, m_random, settings);
    if (progress)
        client.setProgressCallback(std::move(progress));
    auto result = client.sync(cancel);
    m_lastReport = client.lastReport();
    return result;
}

std::string SyncDevice::rawFileBytes() const
{
    std::string bytes;
    for (const char *suffix : {"", "-wal", "-shm", "-journal"})
        bytes += readFile(m_path + suffix);
    return bytes;
}

bool SyncDevice::filesExist() const
{
    std::error_code ec;
    for (const char *suffix : {"", "-wal", "-shm", "-journal"})
        if (std::filesystem::exists(m_path + suffix, ec))
            return true;
    return false;
}

} // namespace beatbook::testing
