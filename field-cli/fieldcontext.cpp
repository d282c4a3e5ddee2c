#include "fieldcontext.h"

#include <cstdlib>
#include <iostream>

namespace beatbook::field {

Result<DeviceStore *> FieldContext::store()
{
    if (m_store)
        return m_store.get();
    if (dbPath.empty())
        return Error::invalid("--db PATH is required");
    auto opened = DeviceStore::open(dbPath, m_clock, m_random);
    if (!opened)
        return opened.error();
    m_store = std::move(*opened);
    return m_store.get();
}

Result<DeviceStore *> FieldContext::initialisedStore()
{
    auto opened = store();
    if (!opened)
        return opened;
    if ((*opened)->isInitialised())
        return opened;
    DeviceProfile profile;
    const char *user = std::getenv("USER");
    profile.userName = user && *user ? user : "field-user";
    profile.role = Role::Pcso;
    profile.packDirectory = packOverride.empty() ? DataPack::defaultDirectory() : packOverride;
    auto initialised = (*opened)->initialise(profile);
    if (!initialised)
        return initialised.error();
    return opened;
}

Result<const DataPack *> FieldContext::pack()
{
    if (m_pack)
        return &*m_pack;
    std::string dir = packOverride;
    if (dir.empty() && m_store && m_store->isInitialised())
        dir = m_store->profile().packDirectory;
    if (dir.empty())
        dir = DataPack::defaultDirectory();
    auto loaded = DataPack::load(dir);
    if (!loaded)
        return loaded.error();
    m_pack.emplace(std::move(*loaded));
    return &*m_pack;
}

void FieldContext::print(const nlohmann::ordered_json &json, const std::string &text) const
{
    if (jsonOutput)
        std::cout << json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    else
        std::cout << text << (text.empty() || text.back() == '\n' ? "" : "\n");
}

int FieldContext::fail(const Error &error) const
{
    std::cerr << "beatbook-field: " << error.message << '\n';
    return exitCodeFor(error);
}

} // namespace beatbook::field
