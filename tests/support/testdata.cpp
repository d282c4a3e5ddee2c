#include "testdata.h"

#include <fstream>
#include <sstream>

namespace beatbook::testing {

std::string sourceFile(const std::string &relative)
{
    return std::string(BEATBOOK_SOURCE_DIR) + "/" + relative;
}

std::string fixture(const std::string &relative)
{
    return std::string(BEATBOOK_REFERENCE_DATA_DIR) + "/" + relative;
}

std::string readFile(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

} // namespace beatbook::testing
