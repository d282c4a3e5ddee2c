#include "commands.h"

#include "core/enumnames.h"
#include "core/isotime.h"
#include "core/uuid.h"

namespace beatbook::admin {
namespace {

std::string statusName(DeviceStatus status) { return status == DeviceStatus::Active ? "active" : "revoked"; }

Status listDevices(AdminContext &ctx)
{
    auto directory = ctx.directory();
    if (!directory)
        return directory.error();
    auto devices = (*directory)->listDevices();
    if (!devices)
        return devices.error();
    Json json = Json::array();
    std::string text;
    for (const auto &d : *devices) {
        json.push_back(Json{{"device_id", d.id},
                            {"user", d.userName},
                            {"role", toString(d.role)},
                            {"status", statusName(d.status)},
                            {"enrolled_at", formatIsoTime(d.enrolledAt)},
                            {"last_seen_at", timeOrNull(d.lastSeenAt)},
                            {"revoked_at", timeOrNull(d.revokedAt)},
                            {"label", d.label}});
        // Fixed columns first, so scripts can split on spaces; the label is
        // free text and comes last.
        text += d.id + " " + d.userName + " " + std::string(toString(d.role)) + " " + statusName(d.status) + " "
            + formatIsoTime(d.enrolledAt) + " " + (d.lastSeenAt ? formatIsoTime(*d.lastSeenAt) : "never")
            + (d.label.empty() ? "" : " " + d.label) + "\n";
    }
    ctx.print(json, text);
    return {};
}

Status revokeDevice(AdminContext &ctx, const std::string &deviceId)
{
    if (!isUuid(deviceId))
        return Error::invalid("a device id is a UUID, as `device list` shows it");
    auto directory = ctx.directory();
    if (!directory)
        return directory.error();
    std::string userName;
    bool already = false;
    std::optional<TimestampMs> revokedAt;
    // Revoking a revoked device changes nothing, but it is still an
    // operator's act on the device, so it is audited too.
    auto done = (*directory)->audited(
        ctx.auditEntry(AdminAction::DeviceRevoke, deviceId), [&](AdminAuditEntry &entry) -> Status {
            auto found = (*directory)->findDevice(deviceId);
            if (!found)
                return found.error();
            if (!*found)
                return Error::notFound("no device " + deviceId);
            userName = (*found)->device.userName;
            already = (*found)->device.status == DeviceStatus::Revoked;
            if (auto ok = (*directory)->revokeDevice(deviceId, ctx.clock().nowMs()); !ok)
                return ok;
            auto after = (*directory)->findDevice(deviceId);
            if (!after)
                return after.error();
            revokedAt = *after ? (*after)->device.revokedAt : std::nullopt;
            entry.detail = "user=" + userName + (already ? " already_revoked=true" : "");
            return {};
        });
    if (!done)
        return done;
    ctx.print(Json{{"device_id", deviceId},
                   {"user", userName},
                   {"status", "revoked"},
                   {"revoked_at", timeOrNull(revokedAt)},
                   {"already_revoked", already}},
              already ? "Device " + deviceId + " was already revoked"
                      : "Revoked device " + deviceId + " of " + userName
                          + ": at its next connection it is refused and told to wipe its data");
    return {};
}

} // namespace

void addDeviceCommands(CommandSet &set)
{
    AdminContext &ctx = set.ctx;
    int &exitCode = set.exitCode;
    auto *device = set.app.add_subcommand("device", "Enrolled devices");
    device->require_subcommand(1);

    auto *list = device->add_subcommand(
        "list", "One line per device: DEVICE_ID USER ROLE STATUS ENROLLED LAST_SEEN [LABEL]");
    list->callback([&ctx, &exitCode] { ctx.run(exitCode, [&] { return listDevices(ctx); }); });

    auto id = std::make_shared<std::string>();
    auto *revoke = device->add_subcommand("revoke", "Revoke a device: refused at its next connection and wiped");
    revoke->add_option("device_id", *id, "The device's id, as `device list` shows it")->required();
    revoke->callback([&ctx, &exitCode, id] { ctx.run(exitCode, [&] { return revokeDevice(ctx, *id); }); });
}

} // namespace beatbook::admin
