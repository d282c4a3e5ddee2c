#pragma once

#include "analysis/measures.h"

#include <string>

namespace beatbook {

// The measures as lines a person reads on a terminal: the same figures as
// measuresToJson, for the field client's and the admin tool's `kpis`.
std::string measuresToText(const Measures &measures);

} // namespace beatbook
