#pragma once

#include "core/result.h"
#include "sync/framecodec.h"

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace beatbook {

class Database;

// The outcome of comparing the device's checksums with the server's.
struct ChecksumComparison {
    bool matches = true;
    std::vector<std::string> mismatched;  // entities whose count or checksum differ
};

// The per-entity checksums sync.proto defines (EntityChecksum) over what the
// device holds, to compare with the server's VerifyResponse: per entity,
// the record count and the sum, modulo 2^64, of the first 8 bytes
// (big-endian) of SHA-256("entity\nid\nversion"), version in decimal.
//
// Left out, because the server cannot hold them yet or never sends them:
// records with a change still waiting to be sent, records whose creation is
// in the outbox (waiting, or refused by the server), and whole entities the
// caller names (a champion's device holds people and consent records the
// server never sends it back).
class LocalChecksum {
public:
    explicit LocalChecksum(Database &db);

    // One entry per synced entity (count 0 included), in catalog order.
    Result<std::vector<syncv1::EntityChecksum>> compute(const std::set<std::string, std::less<>> &skipEntities = {});

    // One record's term of the sum.
    static std::uint64_t term(std::string_view entity, std::string_view id, std::uint64_t version);

    // An entity absent from one side counts as empty there; skipped entities
    // are not compared.
    static ChecksumComparison compare(const std::vector<syncv1::EntityChecksum> &local,
                                      const syncv1::VerifyResponse &server,
                                      const std::set<std::string, std::less<>> &skipEntities = {});

private:
    Database &m_db;
};

} // namespace beatbook
