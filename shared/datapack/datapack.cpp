#include "datapack/datapack.h"

#include "core/text.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace beatbook {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr const char *kManifest = "pack.json";
// pack.json and the baselines are a few kilobytes; the limit only stops a
// wrong file (a database, a video) being read whole into memory.
constexpr std::uintmax_t kMaxSmallFileBytes = 1024u * 1024u;
// More people than any borough or city has: a figure above it is a typo or
// a unit mistake, not a population.
constexpr long long kMaxPopulation = 100'000'000;

Result<std::string> readSmallFile(const fs::path &path)
{
    std::error_code ec;
    if (!fs::is_regular_file(path, ec))
        return Error::dataPack(path.string() + " is missing (or is not a file)");
    const auto size = fs::file_size(path, ec);
    if (ec)
        return Error::dataPack(path.string() + " cannot be read: " + ec.message());
    if (size > kMaxSmallFileBytes)
        return Error::dataPack(path.string() + " is " + std::to_string(size)
                               + " bytes, more than a data pack file of this kind can be");
    std::ifstream in(path, std::ios::binary);
    std::string text(static_cast<std::size_t>(size), '\0');
    if (!in || !in.read(text.data(), static_cast<std::streamsize>(text.size())))
        return Error::dataPack(path.string() + " cannot be read");
    return text;
}

// Reads fields of pack.json, naming the file in every error.
class ManifestReader {
public:
    ManifestReader(const Json &root, std::string file) : m_root(root), m_file(std::move(file)) {}

    Error fail(const std::string &what) const { return Error::dataPack(m_file + ": " + what); }

    Result<std::string> text(const Json &object, const std::string &key, const std::string &label) const
    {
        const auto it = object.find(key);
        if (it == object.end())
            return fail("the field \"" + label + "\" is missing");
        if (!it->is_string() || it->get_ref<const std::string &>().empty())
            return fail("the field \"" + label + "\" must be non-empty text");
        const auto &value = it->get_ref<const std::string &>();
        if (const auto ok = checkText(label, value, kMaxShortText); !ok.ok())
            return fail(ok.error().message);
        return value;
    }
    Result<std::string> text(const std::string &key) const { return text(m_root, key, key); }

    Result<long long> count(const Json &value, const std::string &label) const
    {
        const std::string rule = "\"" + label + "\" must be a whole number from 1 to "
                                 + std::to_string(kMaxPopulation);
        if (value.is_number_unsigned()) {
            const auto number = value.get<unsigned long long>();
            if (number < 1 || number > static_cast<unsigned long long>(kMaxPopulation))
                return fail(rule);
            return static_cast<long long>(number);
        }
        if (value.is_number_integer())  // signed and not unsigned: negative
            return fail(rule);
        return fail(rule + " (it is " + std::string(value.type_name()) + ")");
    }

    // A file or folder named by the pack: it must stay inside the pack
    // folder, so a pack cannot make a device read elsewhere.
    Result<fs::path> insidePack(const fs::path &packDir, const std::string &relative,
                                const std::string &label) const
    {
        const fs::path path(relative);
        if (path.is_absolute() || path.has_root_name() || path.has_root_directory())
            return fail("\"" + label + "\" must be a path relative to the pack folder, not " + relative);
        for (const auto &part : path)
            if (part == "..")
                return fail("\"" + label + "\" must stay inside the pack folder (no \"..\"): " + relative);
        return (packDir / path).lexically_normal();
    }

private:
    const Json &m_root;
    std::string m_file;
};

bool isPackId(const std::string &id)
{
    if (id.empty() || id.size() > 64)
        return false;
    for (const char c : id)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    return true;
}

} // namespace

Result<DataPack> DataPack::load(const std::string &dir)
{
    if (dir.empty())
        return Error::dataPack("no data pack folder was given");
    std::error_code ec;
    fs::path packDir = fs::absolute(fs::path(dir), ec);
    if (ec)
        return Error::dataPack("data pack folder " + dir + " cannot be resolved: " + ec.message());
    packDir = packDir.lexically_normal();
    if (!packDir.has_filename())  // "…/barnet/" normalises to a trailing separator
        packDir = packDir.parent_path();
    if (!fs::is_directory(packDir, ec))
        return Error::dataPack("data pack folder " + packDir.string() + " does not exist");

    const fs::path manifestPath = packDir / kManifest;
    auto manifestText = readSmallFile(manifestPath);
    if (!manifestText.ok())
        return manifestText.error();
    const Json root = Json::parse(manifestText.value(), nullptr, false);
    const std::string manifestName = manifestPath.string();
    if (root.is_discarded())
        return Error::dataPack(manifestName + " is not valid JSON");
    if (!root.is_object())
        return Error::dataPack(manifestName + " must hold a JSON object");
    const ManifestReader reader(root, manifestName);

    const auto format = root.find("format");
    if (format == root.end())
        return reader.fail("the field \"format\" is missing (this build reads format "
                           + std::to_string(kFormat) + ")");
    if (!format->is_number_integer() || format->get<long long>() != kFormat)
        return reader.fail("format " + format->dump() + " is not supported (this build reads format "
                           + std::to_string(kFormat) + ")");

    auto id = reader.text("id");
    if (!id.ok())
        return id.error();
    if (!isPackId(*id))
        return reader.fail("\"id\" must be 1 to 64 lower-case letters, digits, '-' or '_', not \"" + *id + "\"");
    auto name = reader.text("name");
    if (!name.ok())
        return name.error();
    const auto populationField = root.find("population");
    if (populationField == root.end())
        return reader.fail("the field \"population\" is missing");
    auto population = reader.count(*populationField, "population");
    if (!population.ok())
        return population.error();
    auto populationSource = reader.text("population_source");
    if (!populationSource.ok())
        return populationSource.error();
    auto strategy = reader.text("strategy");
    if (!strategy.ok())
        return strategy.error();

    // Wards.
    const auto wardsField = root.find("wards");
    if (wardsField == root.end())
        return reader.fail("the field \"wards\" is missing");
    if (!wardsField->is_object())
        return reader.fail("\"wards\" must be an object with \"file\", \"code_property\" and \"name_property\"");
    auto wardsFile = reader.text(*wardsField, "file", "wards.file");
    if (!wardsFile.ok())
        return wardsFile.error();
    auto codeProperty = reader.text(*wardsField, "code_property", "wards.code_property");
    if (!codeProperty.ok())
        return codeProperty.error();
    auto nameProperty = reader.text(*wardsField, "name_property", "wards.name_property");
    if (!nameProperty.ok())
        return nameProperty.error();
    auto wardsPath = reader.insidePack(packDir, *wardsFile, "wards.file");
    if (!wardsPath.ok())
        return wardsPath.error();
    if (!fs::is_regular_file(*wardsPath, ec))
        return Error::dataPack(wardsPath->string() + " is missing (named by " + manifestName + ")");
    auto wards = WardBoundaries::loadFile(wardsPath->string(), *codeProperty, *nameProperty);
    if (!wards.ok())
        return Error::dataPack(wards.error().message);

    DataPack pack(std::move(wards.value()));
    pack.m_id = std::move(id.value());
    pack.m_name = std::move(name.value());
    pack.m_population = *population;
    pack.m_populationSource = std::move(populationSource.value());
    pack.m_strategy = std::move(strategy.value());
    pack.m_directory = packDir.string();

    // Ward populations: optional, since a borough may not have figures yet.
    if (const auto wardPops = root.find("ward_populations"); wardPops != root.end()) {
        if (!wardPops->is_object())
            return reader.fail("\"ward_populations\" must be an object of ward code to residents");
        for (const auto &[code, residents] : wardPops->items()) {
            if (pack.m_wards.find(code) == nullptr)
                return reader.fail("\"ward_populations\" names ward " + code + ", which is not in "
                                   + wardsPath->string());
            auto count = reader.count(residents, "ward_populations." + code);
            if (!count.ok())
                return count.error();
            pack.m_wardPopulations.emplace(code, *count);
        }
    }

    // The repeat-victim rule: optional, the domain's default otherwise.
    if (const auto repeat = root.find("repeat_victim"); repeat != root.end()) {
        if (!repeat->is_object())
            return reader.fail("\"repeat_victim\" must be an object with \"threshold\" and \"window_days\"");
        for (const auto &[key, value] : repeat->items())
            if (key != "threshold" && key != "window_days")
                return reader.fail("\"repeat_victim\" has an unknown field \"" + key + "\"");
        const auto whole = [&](const char *key, long long low, long long high, long long fallback) -> Result<long long> {
            const auto found = repeat->find(key);
            if (found == repeat->end())
                return fallback;
            if (!found->is_number_integer() || found->get<long long>() < low || found->get<long long>() > high)
                return reader.fail("\"repeat_victim." + std::string(key) + "\" must be a whole number from "
                                   + std::to_string(low) + " to " + std::to_string(high));
            return found->get<long long>();
        };
        const RepeatVictimRule defaults;
        auto threshold = whole("threshold", 2, 100, defaults.threshold);
        if (!threshold.ok())
            return threshold.error();
        auto days = whole("window_days", 1, 3650, defaults.windowMs / (24LL * 3600 * 1000));
        if (!days.ok())
            return days.error();
        pack.m_repeatRule.threshold = static_cast<int>(*threshold);
        pack.m_repeatRule.windowMs = *days * 24LL * 3600 * 1000;
    }

    // Baselines.
    auto baselinesFile = reader.text("baselines");
    if (!baselinesFile.ok())
        return baselinesFile.error();
    auto baselinesPath = reader.insidePack(packDir, *baselinesFile, "baselines");
    if (!baselinesPath.ok())
        return baselinesPath.error();
    auto baselinesText = readSmallFile(*baselinesPath);
    if (!baselinesText.ok())
        return Error::dataPack(baselinesText.error().message + " (named by " + manifestName + ")");
    auto baselines = parseBaselinesCsv(*baselinesText);
    if (!baselines.ok())
        return Error::dataPack(baselinesPath->string() + ": " + baselines.error().message);
    pack.m_baselines = std::move(baselines.value());

    // Advice: only the folder is resolved here (see adviceDirectory()).
    auto advice = reader.text("advice");
    if (!advice.ok())
        return advice.error();
    auto advicePath = reader.insidePack(packDir, *advice, "advice");
    if (!advicePath.ok())
        return advicePath.error();
    fs::path adviceDir = *advicePath;
    if (!adviceDir.has_filename())
        adviceDir = adviceDir.parent_path();
    pack.m_adviceDirectory = adviceDir.string();

    return pack;
}

std::string DataPack::defaultDirectory()
{
    // Read at set-up time only (not domain logic), so a server or a test can
    // point at another borough without a rebuild.
    if (const char *fromEnvironment = std::getenv("BEATBOOK_PACK_DIR");
        fromEnvironment != nullptr && *fromEnvironment != '\0')
        return fromEnvironment;
    return BEATBOOK_DEFAULT_PACK_DIR;
}

std::optional<long long> DataPack::wardPopulation(std::string_view code) const
{
    const auto it = m_wardPopulations.find(code);
    if (it == m_wardPopulations.end())
        return std::nullopt;
    return it->second;
}

} // namespace beatbook
