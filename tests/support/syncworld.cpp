#include "syncworld.h"

#include "datapack/datapack.h"

namespace beatbook::testing {

SyncWorld::SyncWorld(std::uint64_t seed) : devices(SystemClock().nowMs() - 3'600'000, seed) {}

Status SyncWorld::startServer(const QStringList &serverArgs)
{
    if (auto ok = server.init(); !ok)
        return ok;
    return server.start(serverArgs);
}

Result<SyncDevice *> SyncWorld::enrolUser(const std::string &user, Role role, const std::vector<std::string> &wards,
                                          const std::string &address)
{
    if (auto ok = server.addUser(user, role, wards); !ok)
        return ok.error();
    return enrolDevice(user, user, address);
}

Result<SyncDevice *> SyncWorld::enrolDevice(const std::string &user, const std::string &deviceName,
                                            const std::string &address)
{
    if (m_devices.contains(deviceName))
        return Error::invalid("there is a device called " + deviceName + " already");
    auto code = server.issueCode(user);
    if (!code)
        return code.error();
    auto device = std::make_unique<SyncDevice>(devices.filePath(deviceName + ".db"), devices.clock, devices.random);
    auto enrolled = device->enrol(address.empty() ? server.address() : address, *code, deviceName);
    if (!enrolled)
        return Error::io("enrolling " + deviceName + ": " + enrolled.error().message);
    SyncDevice *raw = device.get();
    m_devices[deviceName] = std::move(device);
    return raw;
}

Result<std::string> SyncWorld::logReport(SyncDevice &device, const WardPoint &where,
                                         const std::optional<PersonDetails> &victim, const std::string &description)
{
    const DataPack *pack = barnetPack();
    if (!pack)
        return Error::dataPack("the Barnet data pack did not load");
    AsbReportStore store(device.store(), pack->wards());
    NewAsbReport report;
    report.type = AsbType::RowdyInconsiderate;
    report.qualifier = AsbQualifier::Personal;
    report.occurredAt = devices.clock.nowMs() - 10 * 60'000;
    report.lat = where.lat;
    report.lon = where.lon;
    report.accuracyM = 15.0;
    report.description = description;
    report.victim = victim;
    auto logged = store.log(report);
    if (!logged)
        return logged.error();
    if (logged->report.wardCode != std::optional<std::string>(where.ward))
        return Error::invalid("the report did not land in ward " + std::string(where.ward));
    return logged->report.id;
}

AsbReportStore SyncWorld::reports(SyncDevice &device) { return AsbReportStore(device.store(), barnetPack()->wards()); }

} // namespace beatbook::testing
