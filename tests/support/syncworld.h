#pragma once

#include "core/result.h"
#include "domain/asbreport.h"
#include "domain/names.h"
#include "store/asbreportstore.h"
#include "syncdevice.h"
#include "syncserverfixture.h"
#include "teststore.h"

#include <QStringList>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace beatbook::testing {

// Two Barnet wards and a point inside each, for records that must land in
// a known ward.
inline constexpr const char *kBurntOak = "E05013630";
inline constexpr const char *kHendon = "E05013643";
struct WardPoint {
    const char *ward;
    double lat;
    double lon;
};
inline constexpr WardPoint kBurntOakPoint{kBurntOak, 51.60551, -0.26064};
inline constexpr WardPoint kHendonPoint{kHendon, 51.58951, -0.22356};

// An integration test's world: the real server (SyncServerFixture) and
// devices enrolled with it through shared/'s client, in database files of
// one temporary folder, all on one hand-moved clock that starts an hour
// behind real time (the server refuses changes stamped ahead of its own
// clock, and checks dates against it).
class SyncWorld {
public:
    explicit SyncWorld(std::uint64_t seed);

    SyncServerFixture server;
    TestDevices devices;

    // init (hostname localhost) and start, with extra server flags.
    Status startServer(const QStringList &serverArgs = {});

    // Adds the user, issues a code and enrols a new device for them with
    // the server at `address` (the server's own when empty); the device is
    // then known as `user` (or `deviceName` when given).
    Result<SyncDevice *> enrolUser(const std::string &user, Role role, const std::vector<std::string> &wards,
                                   const std::string &address = {});
    // Another device for a user who exists.
    Result<SyncDevice *> enrolDevice(const std::string &user, const std::string &deviceName,
                                     const std::string &address = {});
    SyncDevice &device(const std::string &name) { return *m_devices.at(name); }

    // Moves the shared clock on (each edit a little after the last).
    void tick(TimestampMs ms = 60'000) { devices.clock.advance(ms); }

    // Logs an ASB report on the device through its AsbReportStore, at a
    // point in `where`, optionally naming a victim; the report's id.
    Result<std::string> logReport(SyncDevice &device, const WardPoint &where,
                                  const std::optional<PersonDetails> &victim = std::nullopt,
                                  const std::string &description = "Youths kicking a ball against the door");
    // The device's reports store (wards from the Barnet pack).
    AsbReportStore reports(SyncDevice &device);

private:
    std::map<std::string, std::unique_ptr<SyncDevice>> m_devices;
};

} // namespace beatbook::testing

// Checks a Result or Status inside a test function, failing with its
// message.
#define QVERIFY_OK(expr)                                                                                             \
    do {                                                                                                             \
        const auto &verifyOkResult_ = (expr);                                                                        \
        QVERIFY2(verifyOkResult_.ok(), verifyOkResult_.ok() ? "" : verifyOkResult_.error().message.c_str());        \
    } while (false)
