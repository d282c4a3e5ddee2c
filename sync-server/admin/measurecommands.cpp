#include "commands.h"

#include "analysis/measuresjson.h"
#include "analysis/measurestext.h"
#include "geo/wardcode.h"

namespace beatbook::admin {
namespace {

Status kpis(AdminContext &ctx, const std::string &ward)
{
    std::optional<std::string> filter;
    if (!ward.empty()) {
        if (!isWardCodeFormat(ward))
            return Error::invalid("--ward takes a 2022 ONS ward code such as E05013628");
        filter = ward;
    }
    auto db = ctx.database();
    if (!db)
        return db.error();
    auto pack = ctx.pack();
    if (!pack)
        return pack.error();
    MeasureSettings settings;
    settings.repeatRule = (*pack)->repeatRule();
    auto measures = computeMeasures(**db, **pack, ctx.clock().nowMs(), filter, settings);
    if (!measures)
        return measures.error();
    // The admin tool's figures are for publishing: the top places are
    // normalised street addresses, which can point at one household, so they
    // stay on the devices of those who work the ward. The place count and the
    // top-10% share remain.
    measures->hotspots.topPlaces.clear();
    ctx.print(measuresToJson(*measures), measuresToText(*measures));
    return {};
}

} // namespace

void addMeasureCommands(CommandSet &set)
{
    AdminContext &ctx = set.ctx;
    int &exitCode = set.exitCode;
    auto ward = std::make_shared<std::string>();
    auto *cmd = set.app.add_subcommand("kpis", "The strategy's measures from the server's records, beside the baselines");
    cmd->add_option("--ward", *ward, "Only this ward (2022 code)");
    cmd->callback([&ctx, &exitCode, ward] { ctx.run(exitCode, [&] { return kpis(ctx, *ward); }); });
}

} // namespace beatbook::admin
