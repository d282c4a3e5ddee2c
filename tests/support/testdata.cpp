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

std::vector<WardSamplePoint> wardSamplePoints()
{
    std::istringstream csv(readFile(fixture("barnet-ward-sample-points.csv")));
    std::string line;
    if (!std::getline(csv, line) || line != "ward_code,ward_name,lat,lon")
        return {};
    std::vector<WardSamplePoint> points;
    while (std::getline(csv, line)) {
        if (line.empty())
            continue;
        std::istringstream row(line);
        WardSamplePoint point;
        std::getline(row, point.code, ',');
        std::getline(row, point.name, ',');
        std::getline(row, point.lat, ',');
        std::getline(row, point.lon, ',');
        points.push_back(std::move(point));
    }
    return points;
}

} // namespace beatbook::testing
