#pragma once

#include <string>

namespace beatbook::testing {

// Absolute path of a file in the source tree, e.g. "data/packs/barnet/pack.json".
std::string sourceFile(const std::string &relative);
// Absolute path of a test fixture under tests/data/.
std::string fixture(const std::string &relative);
// Reads a whole file; empty when it cannot be read.
std::string readFile(const std::string &path);

} // namespace beatbook::testing
