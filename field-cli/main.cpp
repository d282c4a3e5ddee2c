// beatbook-field: the headless field client. The same domain core as the app,
// for scripting, support and tests. Every command is non-interactive.

#include "commands.h"

#include <iostream>

int main(int argc, char **argv)
{
    using namespace beatbook;
    using namespace beatbook::field;
    FieldContext ctx;
    int exitCode = kExitOk;

    CLI::App app{"Beatbook field client: log and follow anti-social behaviour reports offline", "beatbook-field"};
    app.require_subcommand(1);
    // Global options may also follow the command: "list --json".
    app.fallthrough();
    app.add_option("--db", ctx.dbPath, "The device database (SQLite file)")->required();
    app.add_option("--pack", ctx.packOverride, "Borough data pack directory (default: the one chosen at init)");
    app.add_flag("--json", ctx.jsonOutput, "Print results as JSON");

    CommandSet set{app, ctx, exitCode};
    addDeviceCommands(set);
    addReportCommands(set);
    addMeasureCommands(set);
    addAdviceCommands(set);
    addCocooningCommands(set);
    addPatrolCommands(set);
    addReferralCommands(set);
    addSyncCommands(set);
    addConflictCommands(set);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp &e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp &e) {
        return app.exit(e);
    } catch (const CLI::ParseError &e) {
        // One clear line, and the bad-input exit code.
        std::cerr << "beatbook-field: " << e.what() << '\n';
        return kExitBadInput;
    } catch (const std::exception &e) {
        std::cerr << "beatbook-field: " << e.what() << '\n';
        return kExitFailure;
    }
    return exitCode;
}
