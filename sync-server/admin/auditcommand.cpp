#include "commands.h"

#include "core/isotime.h"

#include <charconv>

namespace beatbook::admin {
namespace {

// Read as text so every wrong value (empty, a word, a fraction, zero, a
// negative number) gets the same clear message.
Result<std::optional<std::int64_t>> parseLimit(const std::string &text, bool given)
{
    if (!given)
        return std::optional<std::int64_t>();
    std::int64_t limit = 0;
    const char *end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, limit);
    if (text.empty() || ec != std::errc() || ptr != end || limit < 1)
        return Error::invalid("--limit takes a whole number of rows, 1 or more");
    return std::optional<std::int64_t>(limit);
}

Status listAudit(AdminContext &ctx, const std::string &limitText, bool limitGiven)
{
    auto limit = parseLimit(limitText, limitGiven);
    if (!limit)
        return limit.error();
    auto directory = ctx.directory();
    if (!directory)
        return directory.error();
    auto rows = (*directory)->listAdminAudit(*limit);
    if (!rows)
        return rows.error();
    Json json = Json::array();
    std::string text;
    for (const auto &row : *rows) {
        json.push_back(Json{{"seq", row.seq},
                            {"at", formatIsoTime(row.at)},
                            {"action", toString(row.action)},
                            {"subject", row.subject},
                            {"detail", row.detail ? Json(*row.detail) : Json(nullptr)}});
        // The subject is one word, so scripts can split the first three
        // columns on spaces; the detail is the rest of the line.
        text += formatIsoTime(row.at) + " " + std::string(toString(row.action)) + " " + row.subject
            + (row.detail ? " " + *row.detail : "") + "\n";
    }
    ctx.print(json, text);
    return {};
}

} // namespace

void addAuditCommand(CommandSet &set)
{
    AdminContext &ctx = set.ctx;
    int &exitCode = set.exitCode;
    auto limit = std::make_shared<std::string>();
    auto *cmd = set.app.add_subcommand(
        "audit", "What administrators changed, newest first: one line per change, TIME ACTION SUBJECT DETAIL");
    auto *limitOption = cmd->add_option("--limit", *limit, "Only the newest N changes");
    cmd->callback([&ctx, &exitCode, limit, limitOption] {
        ctx.run(exitCode, [&] { return listAudit(ctx, *limit, limitOption->count() > 0); });
    });
}

} // namespace beatbook::admin
