#pragma once

#include "fieldcontext.h"

#include <CLI/CLI.hpp>

namespace beatbook::field {

// Each group of commands registers its subcommands on the app; a command's
// callback leaves its exit code in `exitCode`.
// Refuses anything but a plain decimal number ("51.6", "-0.2", "1e2"): an
// empty value (an unset shell variable) would otherwise read as 0, and
// hexadecimal or "nan" as something nobody typed on purpose.
const CLI::Validator &decimalNumber();

struct CommandSet {
    CLI::App &app;
    FieldContext &ctx;
    int &exitCode;
};

void addDeviceCommands(CommandSet &set);    // init, ward
void addReportCommands(CommandSet &set);    // log-asb, list, show, transition, follow-up
void addMeasureCommands(CommandSet &set);   // kpis
void addAdviceCommands(CommandSet &set);    // advice list, show, give, history
void addCocooningCommands(CommandSet &set); // cocoon plan, visit, advise-victim, show, close, list
void addPatrolCommands(CommandSet &set);    // patrol start, observe, end, list, show
void addReferralCommands(CommandSet &set);  // consent capture, withdraw, show; referral draft, steps, show, list
void addSyncCommands(CommandSet &set);      // enrol, sync, status
void addConflictCommands(CommandSet &set);  // conflicts, resolve

} // namespace beatbook::field
