#include "server/username.h"

#include <string>

namespace beatbook {
namespace {

constexpr std::size_t kMaxUserName = 64;

bool isAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

} // namespace

Status checkUserName(std::string_view name)
{
    const Error refused = Error::invalid("a user name is 1 to 64 letters, digits, '.', '_', '-' or '@', "
                                         "starting with a letter or digit");
    if (name.empty() || name.size() > kMaxUserName || !isAlnum(name.front()))
        return refused;
    for (char c : name)
        if (!isAlnum(c) && c != '.' && c != '_' && c != '-' && c != '@')
            return refused;
    return {};
}

} // namespace beatbook
