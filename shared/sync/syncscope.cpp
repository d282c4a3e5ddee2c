#include "sync/syncscope.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>

namespace beatbook {
namespace {

bool holdsWard(const std::vector<std::string> &wards, const std::string &ward)
{
    // Not binary search: the struct says sorted, but a scope built by hand
    // that is not must still never let a ward through by accident.
    return std::find(wards.begin(), wards.end(), ward) != wards.end();
}

// Roles whose work is the whole borough: their wards, if any, are not a limit.
bool boroughWide(Role role)
{
    return role == Role::CouncilAsb || role == Role::FireHfsv;
}

bool wardBound(Role role)
{
    return role == Role::Champion || role == Role::Pcso || role == Role::Officer || role == Role::Supervisor;
}

bool isReferralClass(std::string_view entity)
{
    return entity == "referrals" || entity == "referral_events" || entity == "consent_records";
}

std::string toHex(const unsigned char *bytes, unsigned int size)
{
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(static_cast<std::size_t>(size) * 2);
    for (unsigned int i = 0; i < size; ++i) {
        out.push_back(kDigits[bytes[i] >> 4]);
        out.push_back(kDigits[bytes[i] & 0x0F]);
    }
    return out;
}

} // namespace

std::string SyncScope::token() const
{
    std::vector<std::string> sorted = wards;
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    // Length-prefixed parts, so no choice of ward texts can make two
    // different scopes hash the same input.
    std::string canonical = "beatbook-scope-v1";
    auto add = [&canonical](std::string_view part) {
        canonical += '\n';
        canonical += std::to_string(part.size());
        canonical += ':';
        canonical += part;
    };
    add(toString(role));
    for (const auto &ward : sorted)
        add(ward);

    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    if (EVP_Digest(canonical.data(), canonical.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1)
        return {}; // never equal to a real token: the device is rebaselined, which is safe
    return toHex(digest.data(), size);
}

bool mayReceive(const SyncScope &scope, const RecordPlacement &record)
{
    const bool own = !record.owner.empty() && record.owner == scope.userName;
    const bool referenced = record.referencedByReport || record.referencedByReferral;
    switch (scope.role) {
    case Role::Analyst:
    case Role::Admin:
        // Measures and administration: aggregates only, never records.
        return false;
    case Role::CouncilAsb:
        return true;
    case Role::Champion:
        // Volunteers hold as little as possible: their own records, and no
        // one's personal details once the server has them.
        return own && !record.personal;
    case Role::FireHfsv:
        if (record.personal)
            return record.entity == "consent_records" || record.referencedByReferral;
        return isReferralClass(record.entity) || own;
    case Role::Pcso:
    case Role::Officer:
    case Role::Supervisor:
        if (record.personal && !referenced)
            return false;
        if (record.ward)
            return holdsWard(scope.wards, *record.ward);
        // Outside the borough (no ward): only whoever wrote it keeps it.
        return own;
    }
    return false;
}

bool mayWriteInWard(const SyncScope &author, const std::optional<std::string> &ward)
{
    if (!wardBound(author.role) && !boroughWide(author.role))
        return false;
    if (!ward || boroughWide(author.role))
        return true;
    return holdsWard(author.wards, *ward);
}

} // namespace beatbook
