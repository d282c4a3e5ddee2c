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
    for (const auto &ward : options.wards)
        if (!isWardCodeFormat(ward))
            return Error::invalid("--ward takes a 2022 ONS ward code such as E05013628");
    auto directory = ctx.directory();
    if (!directory)
        return directory.error();
    UserAccount user{options.name, *role, options.wards, false, ctx.clock().nowMs()};
    if (auto ok = (*directory)->addUser(user); !ok)
        return ok;
    auto stored = (*directory)->findUser(options.name);
    if (!stored)
        return stored.error();
    if (!*stored)
        return Error::storage("user " + options.name + " was added but cannot be read back");
    ctx.print(userJson(**stored), "Added user " + (*stored)->name + " (" + std::string(toString((*stored)->role))
                                      + "), wards: " + joinedWards((*stored)->wards));
    return {};
}

Status setDisabled(AdminContext &ctx, const std::string &name, bool disabled)
{
    if (auto ok = checkUserName(name); !ok)
        return ok;
    auto directory = ctx.directory();
    if (!directory)
        return directory.error();
    if (auto ok = (*directory)->setUserDisabled(name, disabled); !ok)
        return ok;
    ctx.print(Json{{"name", name}, {"status", disabled ? "disabled" : "active"}},
              disabled ? "Disabled user " + name + ": their devices are refused from their next connection"
                       : "Enabled user " + name + ": their devices may connect again");
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

    auto *list = user->add_subcommand("list", "One line per user: NAME ROLE STATUS WARDS");
    list->callback([&ctx, &exitCode] { ctx.run(exitCode, [&] { return listUsers(ctx); }); });
}

} // namespace beatbook::admin
