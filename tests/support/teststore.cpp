#include "teststore.h"

#include "testdata.h"

#include "datapack/datapack.h"
#include "domain/advicelibrary.h"

#include <QtGlobal>


namespace beatbook::testing {
namespace {

template <typename T>
const T *valueOrWarn(const Result<T> &loaded, const char *what)
{
    if (!loaded) {
        qWarning("cannot load the %s: %s", what, loaded.error().message.c_str());
        return nullptr;
    }
    return &*loaded;
}

} // namespace

const DataPack *barnetPack()
{
    static const Result<DataPack> pack = DataPack::load(sourceFile("data/packs/barnet"));
    return valueOrWarn(pack, "Barnet data pack");
}

const AdviceLibrary *barnetAdviceLibrary()
{
    static const Result<AdviceLibrary> library = []() -> Result<AdviceLibrary> {
        const DataPack *pack = barnetPack();
        if (!pack)
            return Error::dataPack("the Barnet data pack did not load, so neither did its advice library");
        return AdviceLibrary::loadDirectory(pack->adviceDirectory());
    }();
    return valueOrWarn(library, "Barnet advice library");
}

DeviceProfile testProfile(Role role, const std::string &user, const std::string &packDirectory)
{
    DeviceProfile profile;
    profile.userName = user;
    profile.role = role;
    profile.packDirectory = packDirectory;
    return profile;
}

std::string TestDevices::filePath(const std::string &name) const
{
    return dir.filePath(QString::fromStdString(name)).toStdString();
}

Result<std::unique_ptr<DeviceStore>> TestDevices::openInitialised(const std::string &path,
                                                                  const DeviceProfile &profile)
{
    auto store = DeviceStore::open(path, clock, random);
    if (!store)
        return store.error();
    if (auto initialised = (*store)->initialise(profile); !initialised)
        return initialised.error();
    return store;
}

std::unique_ptr<DeviceStore> TestDevices::openNew(const DeviceProfile &profile)
{
    auto store = openInitialised(nextPath(), profile);
    if (!store) {
        qWarning("%s", store.error().message.c_str());
        return nullptr;
    }
    return std::move(*store);
}

std::unique_ptr<DeviceStore> TestDevices::openNewUninitialised()
{
    auto store = DeviceStore::open(nextPath(), clock, random);
    if (!store) {
        qWarning("%s", store.error().message.c_str());
        return nullptr;
    }
    return std::move(*store);
}

std::string TestDevices::nextPath()
{
    m_lastPath = filePath("device" + std::to_string(++m_opened) + ".sqlite");
    return m_lastPath;
}

} // namespace beatbook::testing
