#pragma once

#include "analysis/measures.h"

#include <nlohmann/json.hpp>

namespace beatbook {

// The measures as the command line and the server publish them. Aggregate
// only: no field here can carry a person's name or contact.
nlohmann::ordered_json measuresToJson(const Measures &measures);

} // namespace beatbook
