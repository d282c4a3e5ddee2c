#include "datapack/baseline.h"

#include "core/text.h"

#include <array>
#include <charconv>
#include <cmath>
#include <system_error>

namespace beatbook {

namespace {

constexpr std::string_view kHeader = "priority,measure,baseline_2010_11,unit,direction,note";
constexpr std::size_t kColumns = 6;

struct Record {
    std::size_t line = 0;  // where the record starts, 1-based
    std::vector<std::string> fields;
};

// Splits CSV text into records. Blank lines are skipped: an editor's trailing
// newline should not turn into a malformed record.
Result<std::vector<Record>> splitRecords(std::string_view text)
{
    std::vector<Record> records;
    std::size_t line = 1;
    std::size_t i = 0;
    const std::size_t n = text.size();
    while (i < n) {
        if (text[i] == '\n' || (text[i] == '\r' && i + 1 < n && text[i + 1] == '\n')) {
            i += text[i] == '\r' ? 2u : 1u;
            ++line;
            continue;
        }
        Record record;
        record.line = line;
        bool endOfRecord = false;
        while (!endOfRecord) {
            std::string field;
            if (i < n && text[i] == '"') {
                ++i;
                bool closed = false;
                while (i < n) {
                    if (text[i] == '"') {
                        if (i + 1 < n && text[i + 1] == '"') {
                            field += '"';
                            i += 2;
                            continue;
                        }
                        ++i;
                        closed = true;
                        break;
                    }
                    if (text[i] == '\n')
                        ++line;
                    field += text[i++];
                }
                if (!closed)
                    return Error::invalid("line " + std::to_string(record.line)
                                          + ": a quoted field is never closed (missing \")");
                if (i < n && text[i] != ',' && text[i] != '\n' && !(text[i] == '\r' && i + 1 < n && text[i + 1] == '\n'))
                    return Error::invalid("line " + std::to_string(line)
                                          + ": text after a closing quote (write \"\" for a quote inside a field)");
            } else {
                while (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
                    if (text[i] == '"')
                        return Error::invalid("line " + std::to_string(line)
                                              + ": a quote inside an unquoted field (quote the whole field)");
                    field += text[i++];
                }
                if (i < n && text[i] == '\r' && !(i + 1 < n && text[i + 1] == '\n'))
                    return Error::invalid("line " + std::to_string(line) + ": a carriage return outside quotes");
            }
            record.fields.push_back(std::move(field));
            if (i < n && text[i] == ',') {
                ++i;
            } else {
                endOfRecord = true;
                if (i < n) {
                    i += text[i] == '\r' ? 2u : 1u;
                    ++line;
                }
            }
        }
        records.push_back(std::move(record));
    }
    return records;
}

std::string lineRef(const Record &record) { return "line " + std::to_string(record.line); }

} // namespace

Result<std::vector<Baseline>> parseBaselinesCsv(std::string_view csvText)
{
    // Spreadsheets often save with a byte-order mark; it is not part of the header.
    if (csvText.starts_with("\xEF\xBB\xBF"))
        csvText.remove_prefix(3);
    if (!isValidUtf8(csvText))
        return Error::invalid("baselines are not valid UTF-8 text");

    auto split = splitRecords(csvText);
    if (!split.ok())
        return Error::invalid("baselines: " + split.error().message);
    const auto &records = split.value();
    if (records.empty())
        return Error::invalid("baselines are empty: the first line must be the header "
                              + std::string(kHeader));

    std::string header;
    for (const auto &field : records.front().fields)
        header += (header.empty() ? "" : ",") + field;
    if (header != kHeader)
        return Error::invalid("baselines header is \"" + header + "\"; it must be \""
                              + std::string(kHeader) + "\"");

    std::vector<Baseline> baselines;
    for (std::size_t r = 1; r < records.size(); ++r) {
        const Record &record = records[r];
        const std::string where = "baselines " + lineRef(record);
        if (record.fields.size() != kColumns)
            return Error::invalid(where + " has " + std::to_string(record.fields.size()) + " fields; expected "
                                  + std::to_string(kColumns) + " (quote a field that holds a comma)");
        const auto &f = record.fields;

        Baseline baseline;
        const std::string &priority = f[0];
        const auto [pEnd, pErr] = std::from_chars(priority.data(), priority.data() + priority.size(),
                                                  baseline.priority);
        if (priority.empty() || pErr != std::errc() || pEnd != priority.data() + priority.size()
            || baseline.priority < 1)
            return Error::invalid(where + ": priority \"" + priority + "\" is not a whole number of 1 or more");

        baseline.measure = f[1];
        if (baseline.measure.empty())
            return Error::invalid(where + ": the measure is empty");

        const std::string &value = f[2];
        if (!value.empty()) {
            double number = 0.0;
            const auto [vEnd, vErr] = std::from_chars(value.data(), value.data() + value.size(), number);
            if (vErr != std::errc() || vEnd != value.data() + value.size() || !std::isfinite(number))
                return Error::invalid(where + ": baseline \"" + value
                                      + "\" is not a number (leave it empty when there is none)");
            baseline.value = number;
        }
        baseline.unit = f[3];
        baseline.direction = f[4];
        baseline.note = f[5];

        const std::array<std::pair<std::string_view, const std::string *>, 3> labels{{
            {"measure", &baseline.measure},
            {"unit", &baseline.unit},
            {"direction", &baseline.direction},
        }};
        for (const auto &[name, text] : labels)
            if (const auto ok = checkText(name, *text, kMaxShortText); !ok.ok())
                return Error::invalid(where + ": " + ok.error().message);
        // A note may run over lines in a spreadsheet cell; the labels may not.
        if (const auto ok = checkText("note", baseline.note, kMaxShortText, true); !ok.ok())
            return Error::invalid(where + ": " + ok.error().message);

        baselines.push_back(std::move(baseline));
    }
    return baselines;
}

} // namespace beatbook
