#include "commands.h"

#include "geo/wardcode.h"
#include "server/asbexport.h"
#include "server/serveridentity.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace beatbook::admin {
namespace {

struct ExportOptions {
    std::string format;
    std::string ward;
    std::string out;
};

Status exportReports(AdminContext &ctx, const ExportOptions &options)
{
    AsbExportOptions exportOptions;
    if (!options.ward.empty()) {
        if (!isWardCodeFormat(options.ward))
            return Error::invalid("--ward takes a 2022 ONS ward code such as E05013628");
        exportOptions.wardCode = options.ward;
    }
    auto db = ctx.database();
    if (!db)
        return db.error();
    auto identity = loadServerIdentity(**db);
    if (!identity)
        return identity.error();

    if (options.out.empty()) {
        auto written = writeAsbReportsCsv(**db, identity->matchKey, exportOptions, std::cout);
        if (!written)
            return written.error();
        return {};
    }

    // Written beside the target and renamed over it, so a reader never sees
    // half a file and a failed export leaves any earlier one as it was.
    const std::string partial = options.out + ".partial";
    std::ofstream file(partial, std::ios::binary | std::ios::trunc);
    if (!file)
        return Error::io("cannot write " + partial);
    auto written = writeAsbReportsCsv(**db, identity->matchKey, exportOptions, file);
    file.close();
    if (!written || !file) {
        std::remove(partial.c_str());
        return written ? Error::io("cannot write " + partial) : written.error();
    }
    std::error_code ec;
    std::filesystem::rename(partial, options.out, ec);
    if (ec) {
        std::remove(partial.c_str());
        return Error::io("cannot write " + options.out + ": " + ec.message());
    }
    ctx.print(Json{{"file", options.out}, {"reports", *written}},
              "Exported " + std::to_string(*written) + " ASB reports (pseudonymised) to " + options.out);
    return {};
}

} // namespace

void addExportCommand(CommandSet &set)
{
    AdminContext &ctx = set.ctx;
    int &exitCode = set.exitCode;
    auto options = std::make_shared<ExportOptions>();
    auto *cmd = set.app.add_subcommand(
        "export", "Pseudonymised ASB reports for publishing: one row per report, no personal data");
    cmd->add_option("--format", options->format, "Output format")->required()->check(CLI::IsMember({"csv"}));
    cmd->add_option("--ward", options->ward, "Only this ward (2022 code)");
    cmd->add_option("--out", options->out, "Write to this file (default: standard output)");
    cmd->callback([&ctx, &exitCode, options] { ctx.run(exitCode, [&] { return exportReports(ctx, *options); }); });
}

} // namespace beatbook::admin
