#include "commands.h"

#include "analysis/measuresjson.h"
#include "analysis/measurestext.h"

namespace beatbook::field {

void addMeasureCommands(CommandSet &set)
{
    FieldContext &ctx = set.ctx;
    int &exitCode = set.exitCode;
    auto ward = std::make_shared<std::string>();
    auto *kpis = set.app.add_subcommand("kpis", "The strategy's measures from this device's data, beside the baselines");
    kpis->add_option("--ward", *ward, "Only this ward (2022 code)");
    kpis->callback([&ctx, &exitCode, ward] {
        ctx.run(exitCode, [&](DeviceStore &store, const DataPack &pack) -> Status {
            std::optional<std::string> filter;
            if (!ward->empty())
                filter = *ward;
            MeasureSettings settings;
            settings.repeatRule = pack.repeatRule();
            auto measures = computeMeasures(store.db(), pack, ctx.clock().nowMs(), filter, settings);
            if (!measures)
                return measures.error();
            ctx.print(measuresToJson(*measures), measuresToText(*measures));
            return {};
        });
    });
}

} // namespace beatbook::field
