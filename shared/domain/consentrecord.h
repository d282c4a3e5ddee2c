#pragma once

#include "core/clock.h"
#include "core/enumnames.h"
#include "core/result.h"
#include "domain/names.h"
#include "domain/referralroutes.h"

#include <optional>
#include <string>
#include <vector>

namespace beatbook {

enum class ConsentMethod { VerbalWitnessed, SignedOnDevice, Paper };
template <>
struct EnumNames<ConsentMethod> {
    static constexpr std::array<std::string_view, 3> names{"verbal_witnessed", "signed_on_device", "paper"};
};

struct ConsentWithdrawal {
    TimestampMs withdrawnAt = 0;
    std::string withdrawnBy;
    Role withdrawnByRole = Role::Analyst; // powerless unless set
    std::string note; // optional: withdrawing needs no reason

    bool operator==(const ConsentWithdrawal &) const = default;
};

// A resident's consent, recorded as data (domain.md, "Consent"). It is its
// own entity because one consent may cover several referrals (an HFSV and
// adult social care from one visit), and its withdrawal must reach them all.
struct ConsentRecord {
    std::string id;       // UUID
    std::string personId; // UUID of the person who consented
    std::string purpose;  // what the person was told the referral is for
    std::vector<ReferralRoute> recipients; // who may receive it; at least one
    std::string scriptVersion; // the script read out, e.g. "hfsv-consent-v3"
    ConsentMethod method = ConsentMethod::VerbalWitnessed;
    std::string witnessName; // required for verbal_witnessed
    std::string capturedBy;
    Role capturedByRole = Role::Analyst; // powerless unless set, so a forgotten role is refused
    TimestampMs capturedAt = 0;
    bool capacityConcern = false;
    std::string capacityNote; // required when there is a concern
    std::optional<ConsentWithdrawal> withdrawal;

    bool operator==(const ConsentRecord &) const = default;
};

struct ConsentRules {
    // Who may capture or record withdrawal of consent: the referring roles.
    std::vector<Role> mayRecord = defaultReferringRoles();
    // Devices work offline and their clocks drift: a time this far ahead of
    // the checker's "now" is still accepted.
    TimestampMs maxClockSkewMs = 5LL * 60 * 1000;
};

// Checks a record as captured (or as received from a device): ids, texts,
// recipients, witness, capacity note, times, and any withdrawal.
Status validateConsent(const ConsentRecord &consent, TimestampMs now, const ConsentRules &rules = {});

// Records a withdrawal. As easy as giving: any role that may record consent,
// no reason needed. Refused when already withdrawn or dated before capture.
// Changes nothing when refused.
Status withdrawConsent(ConsentRecord &consent, std::string by, Role byRole, TimestampMs at, std::string note,
                       const ConsentRules &rules = {});

// True when consent was given by `at`, is not withdrawn at `at`, and names
// the route among its recipients.
bool consentCovers(const ConsentRecord &consent, ReferralRoute route, TimestampMs at);
bool isConsentWithdrawn(const ConsentRecord &consent, TimestampMs at);

} // namespace beatbook
