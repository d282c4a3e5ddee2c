#pragma once

#include "core/clock.h"
#include "core/randomsource.h"
#include "core/result.h"
#include "store/devicestore.h"

#include <QTemporaryDir>

#include <cstdint>
#include <memory>
#include <string>

namespace beatbook {
class AdviceLibrary;
class DataPack;
} // namespace beatbook

namespace beatbook::testing {

// The Barnet data pack (data/packs/barnet) and its advice library, loaded
// once per test program and shared: the stores under test read its wards and
// articles. nullptr, with the reason as a warning, when it cannot be loaded,
// so that a test checks it with QVERIFY and the log says why.
const DataPack *barnetPack();
const AdviceLibrary *barnetAdviceLibrary();

// The profile a test device is set up with. The pack directory is only
// needed by stores that read the pack through the profile.
DeviceProfile testProfile(Role role, const std::string &user, const std::string &packDirectory = {});

// Device databases for tests, as temporary files in one directory. Every
// store opened here runs on the same hand-moved clock and seeded random
// source, so a test moves "now" for all its devices at once and a run
// repeats exactly (same ids, same order).
class TestDevices {
public:
    TestDevices(TimestampMs start, std::uint64_t seed) : clock(start), random(seed) {}

    QTemporaryDir dir;
    ManualClock clock;
    SeededRandom random;

    // A file `name` in dir.
    std::string filePath(const std::string &name) const;
    // Opens (creating if needed) the database at path and sets it up with
    // profile.
    Result<std::unique_ptr<DeviceStore>> openInitialised(const std::string &path, const DeviceProfile &profile);
    // A new database file set up with profile, or nullptr with the reason as
    // a warning.
    std::unique_ptr<DeviceStore> openNew(const DeviceProfile &profile);
    // A new database file that has not been set up, or nullptr with the
    // reason as a warning.
    std::unique_ptr<DeviceStore> openNewUninitialised();
    // The file openNew or openNewUninitialised used last, to reopen it.
    const std::string &lastPath() const { return m_lastPath; }

private:
    std::string nextPath();

    int m_opened = 0;
    std::string m_lastPath;
};

} // namespace beatbook::testing
