// beatbook-admin: sets up a sync server's data directory and manages who may
// connect (users, enrolment codes, devices), keeps an audit of those changes,
// and publishes the partnership's measures and pseudonymised exports. Every
// command is non-interactive, so operators can script it.

#include "commands.h"

#include <iostream>

int main(int argc, char **argv)
{
    using namespace beatbook;
    using namespace beatbook::admin;
    AdminContext ctx;
    int exitCode = kExitOk;

    CLI::App app{"Beatbook sync server administration: data directory, users, devices, measures", "beatbook-admin"};
    app.require_subcommand(1);
    // Global options may also follow the command: "kpis --json".
    app.fallthrough();
    app.add_option("--data", ctx.dataDir, "The server's data directory")->required();
    app.add_option("--pack", ctx.packOverride, "Borough data pack directory for kpis (default: the build's pack)");
    app.add_flag("--json", ctx.jsonOutput, "Print results as JSON");

    CommandSet set{app, ctx, exitCode};
    addInitCommand(set);
    addUserCommands(set);
    addEnrolCommand(set);
    addDeviceCommands(set);
    addMeasureCommands(set);
    addExportCommand(set);
    addAuditCommand(set);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp &e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp &e) {
        return app.exit(e);
    } catch (const CLI::ParseError &e) {
        // One clear line, and the bad-input exit code.
        std::cerr << "beatbook-admin: " << e.what() << '\n';
        return kExitBadInput;
    } catch (const std::exception &e) {
        std::cerr << "beatbook-admin: " << e.what() << '\n';
        return kExitFailure;
    }
    return exitCode;
}
