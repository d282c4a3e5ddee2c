#include "admincontext.h"

#include "core/isotime.h"

#include <filesystem>
#include <iostream>

namespace beatbook::admin {

Status AdminContext::requireInitialised() const
{
    if (dataDir.empty())
        return Error::invalid("--data DIR is required");
    std::error_code ec;
    if (!std::filesystem::is_regular_file(paths().database(), ec) || !std::filesystem::is_regular_file(paths().config(), ec))
        return Error::invalid("no Beatbook server in " + dataDir + ": set one up with beatbook-admin --data " + dataDir
                              + " init");
    return {};
}

Result<SqliteDeviceDirectory *> AdminContext::directory()
{
    if (m_directory)
        return m_directory.get();
    if (auto ok = requireInitialised(); !ok)
        return ok.error();
    auto db = openServerDatabase(paths().database());
    if (!db)
        return db.error();
    m_directory = std::make_unique<SqliteDeviceDirectory>(std::move(*db));
    return m_directory.get();
}

Result<Database *> AdminContext::database()
{
    if (m_database)
        return m_database.get();
    if (auto ok = requireInitialised(); !ok)
        return ok.error();
    auto db = openServerDatabase(paths().database());
    if (!db)
        return db.error();
    m_database = std::move(*db);
    return m_database.get();
}

Result<const DataPack *> AdminContext::pack()
{
    if (m_pack)
        return &*m_pack;
    auto loaded = DataPack::load(packOverride.empty() ? DataPack::defaultDirectory() : packOverride);
    if (!loaded)
        return loaded.error();
    m_pack.emplace(std::move(*loaded));
    return &*m_pack;
}

Result<ServerSettings> AdminContext::serverSettings() const
{
    auto parsed = parseServerCommandLine({"--data", dataDir});
    if (!parsed)
        return Error::invalid(paths().config() + ": " + parsed.error().message);
    return parsed->settings;
}

AdminAuditEntry AdminContext::auditEntry(AdminAction action, std::string subject,
                                         std::optional<std::string> detail) const
{
    AdminAuditEntry entry;
    entry.at = m_clock.nowMs();
    entry.action = action;
    entry.subject = std::move(subject);
    entry.detail = std::move(detail);
    return entry;
}

void AdminContext::print(const Json &json, const std::string &text) const
{
    if (jsonOutput)
        std::cout << json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    else
        std::cout << text << (text.empty() || text.back() == '\n' ? "" : "\n");
}

int AdminContext::fail(const Error &error) const
{
    // One line, whatever a library put in the message.
    std::string line = error.message;
    for (char &c : line)
        if (c == '\n' || c == '\r')
            c = ' ';
    std::cerr << "beatbook-admin: " << line << '\n';
    return exitCodeFor(error);
}

Json timeOrNull(const std::optional<TimestampMs> &time) { return time ? Json(formatIsoTime(*time)) : Json(nullptr); }

} // namespace beatbook::admin
