#include "server/asbexport.h"

#include "core/isotime.h"
#include "store/query.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <vector>

namespace beatbook {
namespace {

constexpr std::size_t kPseudonymBytes = 8;
// Keeps pseudonyms apart from the victims' match keys made with the same key.
constexpr std::string_view kPseudonymContext = "asb_report:";

std::string pseudonym(const std::string &key, const std::string &id)
{
    const std::string message = std::string(kPseudonymContext) + id;
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char *>(message.data()),
         message.size(), digest.data(), &length);
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < kPseudonymBytes && i < length; ++i) {
        out.push_back(kDigits[digest[i] >> 4]);
        out.push_back(kDigits[digest[i] & 0x0f]);
    }
    return out;
}

// RFC 4180 quoting. The values are enum names, codes and digits, so none
// needs it today; a value that ever did must not break the file.
std::string csvField(const std::string &value)
{
    if (value.find_first_of(",\"\r\n") == std::string::npos)
        return value;
    std::string out = "\"";
    for (char c : value) {
        if (c == '"')
            out.push_back('"');
        out.push_back(c);
    }
    out.push_back('"');
    return out;
}

struct Row {
    std::string pseudonym;
    std::string wardCode;
    std::string month;
    std::string type;
    std::string qualifier;
    bool hate = false;
    std::string status;
    bool repeatVictim = false;
    bool reporterInformed = false;
};

void writeRow(std::ostream &out, const Row &row)
{
    out << csvField(row.pseudonym) << ',' << csvField(row.wardCode) << ',' << csvField(row.month) << ','
        << csvField(row.type) << ',' << csvField(row.qualifier) << ',' << (row.hate ? '1' : '0') << ','
        << csvField(row.status) << ',' << (row.repeatVictim ? '1' : '0') << ',' << (row.reporterInformed ? '1' : '0')
        << '\n';
}

} // namespace

Result<long long> writeAsbReportsCsv(Database &db, const std::string &matchKey, const AsbExportOptions &options,
                                     std::ostream &out)
{
    if (matchKey.empty())
        return Error::invalid("the export needs the server's match key");
    out << "pseudonym,ward_code,month,type,qualifier,hate,status,repeat_victim,reporter_informed\n";

    // Rows come ordered by month and ward; within one month and ward they are
    // sorted by pseudonym, so the file never shows the order reports came in.
    // Only one such group is held in memory at a time.
    std::vector<Row> group;
    long long written = 0;
    auto flush = [&] {
        std::sort(group.begin(), group.end(), [](const Row &a, const Row &b) { return a.pseudonym < b.pseudonym; });
        for (const Row &row : group)
            writeRow(out, row);
        written += static_cast<long long>(group.size());
        group.clear();
    };
    const std::string sql = std::string("SELECT id, COALESCE(ward_code, ''), occurred_at, type, qualifier, hate, "
                                        "status, repeat_victim, reporter_informed_at IS NOT NULL, "
                                        "strftime('%Y-%m', occurred_at / 1000, 'unixepoch') AS month "
                                        "FROM asb_reports")
        + (options.wardCode ? " WHERE ward_code = ?" : "") + " ORDER BY month, ward_code";
    Status read = forEachRow(
        db, sql,
        [&](Statement &s) {
            if (options.wardCode)
                s.bind(1, *options.wardCode);
        },
        [&](const Statement &s) {
            Row row;
            row.pseudonym = pseudonym(matchKey, s.columnText(0));
            row.wardCode = s.columnText(1);
            row.month = formatIsoTime(s.columnInt(2)).substr(0, 7);
            row.type = s.columnText(3);
            row.qualifier = s.columnText(4);
            row.hate = s.columnInt(5) != 0;
            row.status = s.columnText(6);
            row.repeatVictim = s.columnInt(7) != 0;
            row.reporterInformed = s.columnInt(8) != 0;
            if (!group.empty() && (group.front().month != row.month || group.front().wardCode != row.wardCode))
                flush();
            group.push_back(std::move(row));
        });
    if (!read)
        return read.error();
    flush();
    out.flush();
    if (!out)
        return Error::io("could not write the export");
    return written;
}

} // namespace beatbook
