#include "cliformat.h"
#include "commands.h"

#include "core/hlc.h"
#include "core/isotime.h"
#include "sync/conflictresolution.h"

#include <memory>

namespace beatbook::field {
namespace {

std::string valueText(const Fields &value)
{
    if (value.is_null())
        return "(empty)";
    if (value.is_string())
        return value.get<std::string>();
    return value.dump();
}

} // namespace

void addConflictCommands(CommandSet &set)
{
    FieldContext &ctx = set.ctx;
    int &exitCode = set.exitCode;

    auto *listCmd = set.app.add_subcommand(
        "conflicts", "Fields two people changed at once, with every value kept, for a supervisor to resolve");
    listCmd->callback([&ctx, &exitCode] {
        ctx.run(exitCode, [&](DeviceStore &store) -> Status {
            auto conflicts = heldConflicts(store.db());
            if (!conflicts)
                return conflicts.error();
            Json out = Json::array();
            std::string text;
            for (const FieldConflict &conflict : *conflicts) {
                Json values = Json::array();
                text += conflict.entity + " " + conflict.entityId + " " + conflict.field + "\n";
                for (std::size_t i = 0; i < conflict.values.size(); ++i) {
                    const KeptValue &kept = conflict.values[i];
                    const std::string at = formatIsoTime(HlcTimestamp{kept.hlc}.wallMs());
                    values.push_back(Json{{"choice", i + 1}, {"value", kept.value}, {"at", at},
                                          {"device_id", kept.deviceId}});
                    text += "  " + std::to_string(i + 1) + ". " + valueText(kept.value) + "  (" + at + ", device "
                        + kept.deviceId + ")\n";
                }
                out.push_back(Json{{"entity", conflict.entity}, {"entity_id", conflict.entityId},
                                   {"field", conflict.field}, {"values", values}});
            }
            if (!text.empty())
                text.pop_back();
            ctx.print(out, text.empty() ? "No conflicting values." : text);
            return {};
        });
    });

    struct ResolveArgs {
        std::string entity;
        std::string id;
        std::string field;
        std::size_t keep = 0;
    };
    auto args = std::make_shared<ResolveArgs>();
    auto *resolveCmd = set.app.add_subcommand(
        "resolve", "Supervisors: keep one of a field's conflicting values (numbered as `conflicts` lists them)");
    resolveCmd->add_option("entity", args->entity, "Kind of record, e.g. asb_reports")->required();
    resolveCmd->add_option("id", args->id, "Record id")->required();
    resolveCmd->add_option("field", args->field, "The field in conflict")->required();
    resolveCmd->add_option("--keep", args->keep, "The number of the value to keep")->required();
    resolveCmd->callback([&ctx, &exitCode, args] {
        ctx.run(exitCode, [&](DeviceStore &store) -> Status {
            if (auto ok = resolveConflict(store, args->entity, args->id, args->field, args->keep); !ok)
                return ok;
            ctx.print(Json{{"entity", args->entity}, {"entity_id", args->id}, {"field", args->field},
                           {"kept", args->keep}, {"pending_sync", true}},
                      args->field + " of " + args->entity + " " + args->id + ": value " + std::to_string(args->keep)
                          + " kept; the conflict ends for everyone once this device syncs");
            return {};
        });
    });
}

} // namespace beatbook::field
