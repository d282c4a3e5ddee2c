#pragma once

#include "core/result.h"
#include "store/database.h"

#include <optional>
#include <ostream>
#include <string>

namespace beatbook {

// The ASB reports as the partnership publishes them: one CSV row per report,
// pseudonymised, with nothing that names or locates a person (no names,
// contacts, addresses, descriptions, coordinates, exact times or user names).
//
// Columns, in this order, after a header row of these names:
//   pseudonym          16 hex digits: HMAC-SHA256 of "asb_report:" + the report
//                      id under the server's match key, first 8 bytes. Stable
//                      across exports of one server, so a report can be followed
//                      from month to month; not reversible without the key.
//   ward_code          2022 ONS ward code; empty when outside the borough
//   month              YYYY-MM (UTC) in which the incident occurred
//   type               ASB type (domain.md names)
//   qualifier          personal, nuisance or environmental
//   hate               1 when flagged as hate-motivated, else 0
//   status             the report's status now
//   repeat_victim      1 when flagged as a repeat victim at logging, else 0
//   reporter_informed  1 when the reporter has been told the outcome, else 0
// Rows are ordered by month, ward and pseudonym, never by exact time.
struct AsbExportOptions {
    std::optional<std::string> wardCode;
};

// Writes the header and the rows; returns how many reports were written.
// matchKey is the server's (ServerIdentity::matchKey).
Result<long long> writeAsbReportsCsv(Database &db, const std::string &matchKey, const AsbExportOptions &options,
                                     std::ostream &out);

} // namespace beatbook
