#pragma once

#include "loadgenoptions.h"
#include "phases.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <ostream>
#include <string>

namespace beatbook::loadgen {

// The targets for this two-core machine; a run says met or missed
// against each.
struct Targets {
    double uploadChangesPerSecond = 30'000;
    double downloadSeconds = 5;
    double kibPerConnection = 50;
};

struct RunReport {
    LoadgenOptions options;
    std::string startedAt;  // UTC, ISO 8601
    std::string machine;    // cores and load when the run began
    std::optional<UploadFigures> upload;
    std::optional<DownloadFigures> download;
    std::optional<ConnectionFigures> connections;
    std::optional<HandshakeFigures> handshakes;
    std::vector<std::string> errors;
    Targets targets;
};

void printTable(const RunReport &report, std::ostream &out);
nlohmann::json toJson(const RunReport &report);

} // namespace beatbook::loadgen
