#include "commands.h"

#include "core/text.h"
#include "domain/advicelibrary.h"
#include "geo/geopoint.h"
#include "store/migrations.h"

#include <filesystem>

namespace beatbook::field {

void addDeviceCommands(CommandSet &set)
{
    FieldContext &ctx = set.ctx;
    int &exitCode = set.exitCode;

    // init
    struct InitOptions {
        std::string user;
        std::string role = "pcso";
        std::vector<std::string> wards;
    };
    auto init = std::make_shared<InitOptions>();
    auto *initCmd = set.app.add_subcommand("init", "Set up a device database: user, role, wards, data pack");
    initCmd->add_option("--user", init->user, "The user's name (default: $USER)");
    initCmd->add_option("--role", init->role, "Role: " + allNames<Role>());
    initCmd->add_option("--ward", init->wards, "A ward the user works in (2022 code); repeatable");
    initCmd->callback([&ctx, &exitCode, init] {
        auto role = parseEnum<Role>("role", init->role);
        if (!role) {
            exitCode = ctx.fail(role.error());
            return;
        }
        auto pack = ctx.pack();
        if (!pack) {
            exitCode = ctx.fail(pack.error());
            return;
        }
        // The whole pack is checked when a device is set up, its advice
        // library included, rather than on the street at first use.
        if (auto library = AdviceLibrary::loadDirectory((*pack)->adviceDirectory()); !library) {
            exitCode = ctx.fail(library.error());
            return;
        }
        for (const auto &ward : init->wards)
            if (!(*pack)->wards().find(ward)) {
                exitCode = ctx.fail(Error::invalid("unknown ward code " + ward.substr(0, 40) + " in pack "
                                                   + (*pack)->id()));
                return;
            }
        auto store = ctx.store();
        if (!store) {
            exitCode = ctx.fail(store.error());
            return;
        }
        DeviceProfile profile;
        const char *envUser = std::getenv("USER");
        profile.userName = !init->user.empty() ? init->user : (envUser && *envUser ? envUser : "field-user");
        profile.role = *role;
        profile.wards = init->wards;
        profile.packDirectory = std::filesystem::absolute((*pack)->directory()).lexically_normal().string();
        if ((*store)->isInitialised()) {
            const auto &existing = (*store)->profile();
            ctx.print({{"device_id", existing.deviceId}, {"already_initialised", true}},
                      "Already initialised as device " + existing.deviceId);
            return;
        }
        auto done = (*store)->initialise(profile);
        if (!done) {
            exitCode = ctx.fail(done.error());
            return;
        }
        ctx.print({{"device_id", done->deviceId},
                   {"user", done->userName},
                   {"role", toString(done->role)},
                   {"wards", done->wards},
                   {"pack", (*pack)->id()},
                   {"schema_version", latestSchemaVersion()}},
                  "Initialised device " + done->deviceId + " for " + done->userName + " (" +
                      std::string(toString(done->role)) + "), data pack " + (*pack)->id());
    });

    // ward
    struct WardOptions {
        double lat = 0;
        double lon = 0;
    };
    auto ward = std::make_shared<WardOptions>();
    auto *wardCmd = set.app.add_subcommand("ward", "Which ward a position is in");
    wardCmd->add_option("--lat", ward->lat, "Latitude, WGS84 degrees")->required()->check(decimalNumber());
    wardCmd->add_option("--lon", ward->lon, "Longitude, WGS84 degrees")->required()->check(decimalNumber());
    wardCmd->callback([&ctx, &exitCode, ward] {
        if (auto ok = validateCoordinates(ward->lat, ward->lon); !ok) {
            exitCode = ctx.fail(ok.error());
            return;
        }
        // Reading a ward needs no device: only open the database if it exists.
        if (std::filesystem::exists(ctx.dbPath))
            if (auto store = ctx.store(); !store) {
                exitCode = ctx.fail(store.error());
                return;
            }
        auto pack = ctx.pack();
        if (!pack) {
            exitCode = ctx.fail(pack.error());
            return;
        }
        const auto *found = (*pack)->wards().wardAt({ward->lat, ward->lon});
        nlohmann::ordered_json out{{"ward_code", found ? nlohmann::ordered_json(found->code) : nullptr},
                                   {"ward_name", found ? nlohmann::ordered_json(found->name) : nullptr}};
        ctx.print(out, found ? found->code + " " + found->name : "Outside every ward of " + (*pack)->name());
    });
}

} // namespace beatbook::field
