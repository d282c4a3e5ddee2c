#pragma once

#include <string>
#include <vector>

namespace beatbook::testing {

// Absolute path of a file in the source tree, e.g. "data/packs/barnet/pack.json".
std::string sourceFile(const std::string &relative);
// Absolute path of a test fixture under tests/data/.
std::string fixture(const std::string &relative);
// Reads a whole file; empty when it cannot be read.
std::string readFile(const std::string &path);

// A row of tests/data/barnet-ward-sample-points.csv: a point inside a known
// ward. The coordinates stay as written, for tests that pass them on as text.
struct WardSamplePoint {
    std::string code;
    std::string name;
    std::string lat;
    std::string lon;
};
// Every row of that file; empty when it cannot be read or its header is not
// "ward_code,ward_name,lat,lon", so a test counting the points fails.
std::vector<WardSamplePoint> wardSamplePoints();

} // namespace beatbook::testing
