#pragma once

#include "core/result.h"
#include "datapack/baseline.h"
#include "domain/repeatvictimrule.h"
#include "geo/wardboundaries.h"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace beatbook {

// A borough's data, chosen when a device or server is set up, so that another
// borough can bring its own without a rebuild: its wards, residents, the
// strategy baselines its measures report against and its advice library.
// Barnet ships as the default. Described by `pack.json` in the pack folder;
// every file it names is a path relative to that folder.
class DataPack {
public:
    // The pack.json format this build reads.
    static constexpr int kFormat = 1;

    // Reads dir/pack.json and the files it names. Every failure is
    // ErrorCode::DataPack and names the file at fault.
    static Result<DataPack> load(const std::string &dir);

    // The folder named by the environment variable BEATBOOK_PACK_DIR when set
    // and not empty, else the pack the build points at (Barnet).
    static std::string defaultDirectory();

    const std::string &id() const { return m_id; }
    const std::string &name() const { return m_name; }
    long long population() const { return m_population; }
    const std::string &populationSource() const { return m_populationSource; }
    const std::string &strategy() const { return m_strategy; }
    const WardBoundaries &wards() const { return m_wards; }
    // Residents of a ward where the pack gives a figure (Barnet ships none yet).
    std::optional<long long> wardPopulation(std::string_view code) const;
    const std::vector<Baseline> &baselines() const { return m_baselines; }
    // The partnership's repeat-victim definition: pack.json's optional
    // "repeat_victim": {"threshold": 3, "window_days": 365} (those are the
    // defaults; forces differ, e.g. 3 in 90 days).
    const RepeatVictimRule &repeatRule() const { return m_repeatRule; }
    // Absolute path of the advice library folder; its content is read by the
    // advice library, not here, so it need not exist yet.
    const std::string &adviceDirectory() const { return m_adviceDirectory; }
    // Absolute path of the pack folder.
    const std::string &directory() const { return m_directory; }

private:
    explicit DataPack(WardBoundaries wards) : m_wards(std::move(wards)) {}

    std::string m_id;
    std::string m_name;
    long long m_population = 0;
    std::string m_populationSource;
    std::string m_strategy;
    WardBoundaries m_wards;
    std::map<std::string, long long, std::less<>> m_wardPopulations;
    std::vector<Baseline> m_baselines;
    RepeatVictimRule m_repeatRule;
    std::string m_adviceDirectory;
    std::string m_directory;
};

} // namespace beatbook
