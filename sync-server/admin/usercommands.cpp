#include "commands.h"

#include "core/enumnames.h"
#include "geo/wardcode.h"
#include "server/username.h"

namespace beatbook::admin {
namespace {

std::string joinedWards(const std::vector<std::string> &wards)
{
    std::string out;
    for (const auto &ward : wards)
        out += (out.empty() ? "" : ",") + ward;
    return out.empty() ? "-" : out;
}

Json userJson(const UserAccount &user)
{
    return Json{{"name", user.name},
                {"role", toString(user.role)},
                {"wards", user.wards},
                {"status", user.disabled ? "disabled" : "active"},
                {"created_at", timeOrNull(user.createdAt)}};
}

Status checkWards(const std::vector<std::string> &wards)
{
    for (const auto &ward : wards)
        if (!isWardCodeFormat(ward))
            return Error::invalid("--ward takes a 2022 ONS ward code such as E05013628");
    return {};
}

// The user as stored, read inside the change's transaction.
Result<UserAccount> storedUser(DeviceDirectory &directory, const std::string &name)
{
    auto found = directory.findUser(name);
    if (!found)
        return found.error();
    if (!*found)
        return Error::notFound("no user named " + name);
    return std::move(**found);
}

struct AddOptions {
    std::string name;
    std::string role;
    std::vector<std::string> wards;
};

Status addUser(AdminContext &ctx, const AddOptions &options)
{
    if (auto ok = checkUserName(options.name); !ok)
        return ok;
    auto role = parseEnum<Role>("role", options.role);
    if (!role)
        return role.error();
    if (auto ok = checkWards(options.wards); !ok)
        return ok;
    auto directory = ctx.directory();
    if (!directory)
        return directory.error();
    const UserAccount user{options.name, *role, options.wards, false, ctx.clock().nowMs()};
    UserAccount stored;
    auto done = (*directory)->audited(ctx.auditEntry(AdminAction::UserAdd, options.name),
                                      [&](AdminAuditEntry &entry) -> Status {
                                          if (auto ok = (*directory)->addUser(user); !ok)
                                              return ok;
                                          auto added = storedUser(**directory, options.name);
                                          if (!added && added.error().code == ErrorCode::NotFound)
                                              return Error::storage("user " + options.name
                                                                    + " was added but cannot be read back");
                                          if (!added)
                                              return added.error();
                                          stored = std::move(*added);
                                          entry.detail = "role=" + std::string(toString(stored.role))
                                              + " wards=" + joinedWards(stored.wards);
                                          return {};
                                      });
    if (!done)
        return done;
    ctx.print(userJson(stored), "Added user " + stored.name + " (" + std::string(toString(stored.role))
                                    + "), wards: " + joinedWards(stored.wards));
    return {};
}

Status setDisabled(AdminContext &ctx, const std::string &name, bool disabled)
{
    if (auto ok = checkUserName(name); !ok)
        return ok;
    auto directory = ctx.directory();
    if (!directory)
        return directory.error();
    const AdminAction action = disabled ? AdminAction::UserDisable : AdminAction::UserEnable;
    auto change = [&](AdminAuditEntry &) { return (*directory)->setUserDisabled(name, disabled); };
    if (auto ok = (*directory)->audited(ctx.auditEntry(action, name), change); !ok)
        return ok;
    ctx.print(Json{{"name", name}, {"status", disabled ? "disabled" : "active"}},
              disabled ? "Disabled user " + name + ": their devices are refused from their next connection"
                       : "Enabled user " + name + ": their devices may connect again");
    return {};
}

struct WardsOptions {
    std::string name;
    std::vector<std::string> wards;
};

// Replaces the user's wards. The list is never emptied here: a user without
// wards is made by `user add` without --ward, and a forgotten --ward must
// not take a PCSO's whole beat off their devices.
Status setWards(AdminContext &ctx, const WardsOptions &options)
{
    if (auto ok = checkUserName(options.name); !ok)
        return ok;
    if (options.wards.empty())
        return Error::invalid("give the user's wards with --ward CODE (repeatable): they replace the current list");
    if (auto ok = checkWards(options.wards); !ok)
        return ok;
    auto directory = ctx.directory();
    if (!directory)
        return directory.error();
    UserAccount before;
    UserAccount after;
    auto done = (*directory)->audited(ctx.auditEntry(AdminAction::UserWards, options.name),
                                      [&](AdminAuditEntry &entry) -> Status {
                                          auto found = storedUser(**directory, options.name);
                                          if (!found)
                                              return found.error();
                                          before = std::move(*found);
                                          if (auto ok = (*directory)->setUserWards(options.name, options.wards); !ok)
                                              return ok;
                                          auto changed = storedUser(**directory, options.name);
                                          if (!changed)
                                              return changed.error();
                                          after = std::move(*changed);
                                          entry.detail = "wards=" + joinedWards(after.wards)
                                              + " was=" + joinedWards(before.wards);
                                          return {};
                                      });
    if (!done)
        return done;
    const bool changed = before.wards != after.wards;
    Json json = userJson(after);
    json["previous_wards"] = before.wards;
    json["changed"] = changed;
    ctx.print(json, changed ? "Wards of " + after.name + " (" + std::string(toString(after.role)) + ") now "
                                  + joinedWards(after.wards) + ", were " + joinedWards(before.wards)
                                  + ": their devices take the new scope at their next connection"
                            : "Wards of " + after.name + " unchanged: " + joinedWards(after.wards));
    return {};
}

Status listUsers(AdminContext &ctx)
{
    auto directory = ctx.directory();
    if (!directory)
        return directory.error();
    auto users = (*directory)->listUsers();
    if (!users)
        return users.error();
    Json json = Json::array();
    std::string text;
    for (const auto &user : *users) {
        json.push_back(userJson(user));
        text += user.name + " " + std::string(toString(user.role)) + " " + (user.disabled ? "disabled" : "active") + " "
            + joinedWards(user.wards) + "\n";
    }
    ctx.print(json, text);
    return {};
}

} // namespace

void addUserCommands(CommandSet &set)
{
    AdminContext &ctx = set.ctx;
    int &exitCode = set.exitCode;
    auto *user = set.app.add_subcommand("user", "Users: who may enrol devices, with a role and wards");
    user->require_subcommand(1);

    auto add = std::make_shared<AddOptions>();
    auto *addCmd = user->add_subcommand("add", "Add a user");
    addCmd->add_option("name", add->name, "The user's login name")->required();
    addCmd->add_option("--role", add->role, "Role: " + allNames<Role>())->required();
    addCmd->add_option("--ward", add->wards, "A ward the user works in (2022 code); repeatable");
    addCmd->callback([&ctx, &exitCode, add] { ctx.run(exitCode, [&] { return addUser(ctx, *add); }); });

    for (const bool disabled : {true, false}) {
        auto name = std::make_shared<std::string>();
        auto *cmd = user->add_subcommand(disabled ? "disable" : "enable",
                                         disabled ? "Disable a user: their devices are refused"
                                                  : "Enable a disabled user again");
        cmd->add_option("name", *name, "The user's login name")->required();
        cmd->callback([&ctx, &exitCode, name, disabled] {
            ctx.run(exitCode, [&] { return setDisabled(ctx, *name, disabled); });
        });
    }

    auto wards = std::make_shared<WardsOptions>();
    auto *wardsCmd = user->add_subcommand(
        "wards", "Replace a user's wards; their devices take the new scope at their next connection");
    wardsCmd->add_option("name", wards->name, "The user's login name")->required();
    wardsCmd->add_option("--ward", wards->wards, "A ward the user works in (2022 code); repeatable, at least one");
    wardsCmd->callback([&ctx, &exitCode, wards] { ctx.run(exitCode, [&] { return setWards(ctx, *wards); }); });

    auto *list = user->add_subcommand("list", "One line per user: NAME ROLE STATUS WARDS");
    list->callback([&ctx, &exitCode] { ctx.run(exitCode, [&] { return listUsers(ctx); }); });
}

} // namespace beatbook::admin
