#include "store/namelist.h"

#include <nlohmann/json.hpp>

namespace beatbook {

std::optional<std::vector<std::string>> namesFromJson(const std::string &text)
{
    auto parsed = nlohmann::json::parse(text, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_array())
        return std::nullopt;
    std::vector<std::string> names;
    for (const auto &item : parsed) {
        if (!item.is_string())
            return std::nullopt;
        names.push_back(item.get<std::string>());
    }
    return names;
}

std::string namesToJson(const std::vector<std::string> &names)
{
    return nlohmann::json(names).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace beatbook
