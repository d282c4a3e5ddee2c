#include "sync/localchecksum.h"

#include "store/database.h"
#include "store/query.h"
#include "sync/entitycatalog.h"

#include <openssl/evp.h>

#include <map>
#include <utility>

namespace beatbook {

LocalChecksum::LocalChecksum(Database &db) : m_db(db) {}

std::uint64_t LocalChecksum::term(std::string_view entity, std::string_view id, std::uint64_t version)
{
    std::string text;
    text.reserve(entity.size() + id.size() + 22);
    text.append(entity).append("\n").append(id).append("\n").append(std::to_string(version));
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
    std::uint64_t value = 0;
    for (int i = 0; i < 8; ++i)
        value = (value << 8) | digest[i];
    return value;
}

Result<std::vector<syncv1::EntityChecksum>> LocalChecksum::compute(
    const std::set<std::string, std::less<>> &skipEntities)
{
    std::vector<syncv1::EntityChecksum> out;
    for (const EntityInfo &entity : syncedEntities()) {
        if (skipEntities.contains(entity.name))
            continue;
        const std::string table(entity.name);
        syncv1::EntityChecksum sum;
        sum.set_entity(table);
        std::uint64_t count = 0;
        std::uint64_t total = 0;
        Status read = forEachRow(
            m_db,
            "SELECT id, hlc FROM " + table
                + " WHERE id NOT IN (SELECT entity_id FROM outbox WHERE entity = ?1 AND "
                  "(state = 'pending' OR op = 'create'))",
            [&](Statement &s) { s.bind(1, table); },
            [&](const Statement &s) {
                ++count;
                // Unsigned arithmetic wraps: the sum modulo 2^64.
                total += term(table, s.columnText(0), static_cast<std::uint64_t>(s.columnInt(1)));
            });
        if (!read)
            return read.error();
        sum.set_count(count);
        sum.set_checksum(total);
        out.push_back(std::move(sum));
    }
    return out;
}

ChecksumComparison LocalChecksum::compare(const std::vector<syncv1::EntityChecksum> &local,
                                          const syncv1::VerifyResponse &server,
                                          const std::set<std::string, std::less<>> &skipEntities)
{
    std::map<std::string, std::pair<std::uint64_t, std::uint64_t>, std::less<>> mine;
    std::map<std::string, std::pair<std::uint64_t, std::uint64_t>, std::less<>> theirs;
    for (const auto &sum : local)
        mine[sum.entity()] = {sum.count(), sum.checksum()};
    for (const auto &sum : server.checksums()) {
        auto &slot = theirs[sum.entity()];
        // A repeated entity adds up, as the sum is order-free.
        slot.first += sum.count();
        slot.second += sum.checksum();
    }
    std::set<std::string, std::less<>> names;
    for (const auto &[name, value] : mine)
        names.insert(name);
    for (const auto &[name, value] : theirs)
        names.insert(name);
    ChecksumComparison result;
    for (const auto &name : names) {
        if (skipEntities.contains(name))
            continue;
        const auto a = mine.contains(name) ? mine.find(name)->second : std::pair<std::uint64_t, std::uint64_t>{};
        const auto b = theirs.contains(name) ? theirs.find(name)->second : std::pair<std::uint64_t, std::uint64_t>{};
        if (a != b) {
            result.matches = false;
            result.mismatched.push_back(name);
        }
    }
    return result;
}

} // namespace beatbook
