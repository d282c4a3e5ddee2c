#include "commands.h"

#include <regex>

namespace beatbook::field {

const CLI::Validator &decimalNumber()
{
    static const CLI::Validator validator(
        [](std::string &text) -> std::string {
            static const std::regex decimal(R"(^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$)");
            if (text.size() > 40 || !std::regex_match(text, decimal))
                return "must be a decimal number";
            return {};
        },
        "NUMBER");
    return validator;
}

} // namespace beatbook::field
