#pragma once

#include "admincontext.h"

#include <CLI/CLI.hpp>

namespace beatbook::admin {

// Each group of commands registers its subcommands on the app; a command's
// callback leaves its exit code in `exitCode`.
struct CommandSet {
    CLI::App &app;
    AdminContext &ctx;
    int &exitCode;
};

void addInitCommand(CommandSet &set);      // init
void addUserCommands(CommandSet &set);     // user add, disable, enable, wards, list
void addEnrolCommand(CommandSet &set);     // enrol
void addDeviceCommands(CommandSet &set);   // device list, revoke
void addMeasureCommands(CommandSet &set);  // kpis
void addExportCommand(CommandSet &set);    // export
void addAuditCommand(CommandSet &set);     // audit

} // namespace beatbook::admin
