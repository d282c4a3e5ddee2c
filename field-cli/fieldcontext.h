#pragma once

#include "core/clock.h"
#include "core/exitcode.h"
#include "core/randomsource.h"
#include "core/result.h"
#include "datapack/datapack.h"
#include "store/devicestore.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <type_traits>

namespace beatbook::field {

// Exit codes and exitCodeFor: core/exitcode.h, shared with beatbook-admin.

// What every command needs: the global options, the device store and the
// borough's data pack, opened on first use.
class FieldContext {
public:
    std::string dbPath;
    std::string packOverride; // --pack, else the pack chosen at init, else the default
    bool jsonOutput = false;

    // Opens the store; creates and migrates the file if needed.
    Result<DeviceStore *> store();
    // The store, initialised: a database never set up gets a default profile
    // (user from $USER, role pcso) so a first command just works; init sets
    // it explicitly.
    Result<DeviceStore *> initialisedStore();
    Result<const DataPack *> pack();

    // How a command needs the device store.
    enum class StoreUse {
        // Set up with the default profile if it never was (see initialisedStore).
        Initialised,
        // Only opened, so that the pack chosen at init is used: reading the
        // advice library must not set up a database as a side effect.
        OpenOnly,
    };

    // The frame of every command that works on the device: opens the store,
    // loads the data pack, calls fn and turns a failure of any of them into
    // the command's exit code. fn is fn(DeviceStore &, const DataPack &) ->
    // Status, or fn(DeviceStore &) -> Status for a command that needs no
    // pack; the pack is then not loaded, so such a command (referrals) still
    // works where no pack is installed.
    template <typename Fn>
    void run(int &exitCode, Fn &&fn, StoreUse use = StoreUse::Initialised)
    {
        auto opened = use == StoreUse::Initialised ? initialisedStore() : store();
        if (!opened) {
            exitCode = fail(opened.error());
            return;
        }
        Status done;
        if constexpr (std::is_invocable_v<Fn &, DeviceStore &, const DataPack &>) {
            auto loaded = pack();
            if (!loaded) {
                exitCode = fail(loaded.error());
                return;
            }
            done = fn(**opened, **loaded);
        } else {
            done = fn(**opened);
        }
        if (!done)
            exitCode = fail(done.error());
    }

    // Prints a finished result: JSON when --json, else the text.
    void print(const nlohmann::ordered_json &json, const std::string &text) const;
    // One clear line on stderr; returns the exit code for the error.
    int fail(const Error &error) const;

    const Clock &clock() const { return m_clock; }

private:
    SystemClock m_clock;
    SecureRandom m_random;
    std::unique_ptr<DeviceStore> m_store;
    std::optional<DataPack> m_pack;
};

} // namespace beatbook::field
