#include "domain/consentrecord.h"

#include "core/text.h"
#include "core/uuid.h"

#include <algorithm>
#include <limits>

namespace beatbook {

namespace {

constexpr std::size_t kMaxScriptVersion = 64;

bool isBlank(std::string_view text)
{
    return collapseSpaces(text).empty();
}

Status checkRequiredShort(std::string_view field, std::string_view text)
{
    if (auto ok = checkText(field, text, kMaxShortText); !ok)
        return ok;
    if (isBlank(text))
        return Error::invalid(std::string(field) + " is required");
    return {};
}

Status checkScriptVersion(std::string_view version)
{
    if (version.empty())
        return Error::invalid("consent script version is required (for example hfsv-consent-v3)");
    if (version.size() > kMaxScriptVersion)
        return Error::invalid("consent script version is too long (at most " + std::to_string(kMaxScriptVersion)
                              + " characters)");
    const bool ok = std::all_of(version.begin(), version.end(), [](char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-'
               || ch == '_' || ch == '.';
    });
    if (!ok)
        return Error::invalid("consent script version may hold only letters, digits, '-', '_' and '.' "
                              "(for example hfsv-consent-v3)");
    return {};
}

// A witness who is the person capturing consent witnesses nothing. Names are
// compared loosely so "J. Smith" and "j smith" count as the same person.
bool samePerson(std::string_view a, std::string_view b)
{
    return foldForMatching(a) == foldForMatching(b);
}

Status checkWithdrawal(const ConsentWithdrawal &withdrawal, TimestampMs capturedAt, TimestampMs latest,
                       const ConsentRules &rules)
{
    if (auto ok = checkRequiredShort("withdrawn by", withdrawal.withdrawnBy); !ok)
        return ok;
    if (static_cast<std::size_t>(withdrawal.withdrawnByRole) >= enumCount<Role>())
        return Error::invalid("unknown role for who recorded the withdrawal; valid roles: " + allNames<Role>());
    if (!hasRole(rules.mayRecord, withdrawal.withdrawnByRole))
        return Error::notAllowed("role " + std::string(toString(withdrawal.withdrawnByRole))
                                 + " may not record a withdrawal of consent; allowed: " + joinRoles(rules.mayRecord));
    if (auto ok = checkText("withdrawal note", withdrawal.note, kMaxLongText, true); !ok)
        return ok;
    if (withdrawal.withdrawnAt < capturedAt)
        return Error::invalid("consent cannot be withdrawn before it was given");
    if (withdrawal.withdrawnAt > latest)
        return Error::invalid("consent withdrawal is dated in the future");
    return {};
}

} // namespace

Status validateConsent(const ConsentRecord &consent, TimestampMs now, const ConsentRules &rules)
{
    if (!isUuid(consent.id))
        return Error::invalid("consent id must be a UUID");
    if (!isUuid(consent.personId))
        return Error::invalid("consent must name the person by their UUID");
    if (auto ok = checkText("consent purpose", consent.purpose, kMaxLongText, true); !ok)
        return ok;
    if (isBlank(consent.purpose))
        return Error::invalid("consent purpose is required: say what the person agreed to");
    if (consent.recipients.empty())
        return Error::invalid("consent must name at least one recipient route; valid routes: "
                              + allNames<ReferralRoute>());
    for (std::size_t i = 0; i < consent.recipients.size(); ++i) {
        const auto route = consent.recipients[i];
        if (static_cast<std::size_t>(route) >= enumCount<ReferralRoute>())
            return Error::invalid("consent names an unknown recipient route; valid routes: "
                                  + allNames<ReferralRoute>());
        if (std::find(consent.recipients.begin(), consent.recipients.begin() + static_cast<std::ptrdiff_t>(i), route)
            != consent.recipients.begin() + static_cast<std::ptrdiff_t>(i))
            return Error::invalid("consent names recipient " + std::string(toString(route)) + " twice");
    }
    if (auto ok = checkScriptVersion(consent.scriptVersion); !ok)
        return ok;
    if (static_cast<std::size_t>(consent.method) >= enumCount<ConsentMethod>())
        return Error::invalid("unknown consent method; valid methods: " + allNames<ConsentMethod>());
    if (auto ok = checkRequiredShort("consent captured by", consent.capturedBy); !ok)
        return ok;
    if (static_cast<std::size_t>(consent.capturedByRole) >= enumCount<Role>())
        return Error::invalid("unknown role for who captured consent; valid roles: " + allNames<Role>());
    if (!hasRole(rules.mayRecord, consent.capturedByRole))
        return Error::notAllowed("role " + std::string(toString(consent.capturedByRole))
                                 + " may not capture consent; allowed: " + joinRoles(rules.mayRecord));
    if (auto ok = checkText("witness name", consent.witnessName, kMaxShortText); !ok)
        return ok;
    if (consent.method == ConsentMethod::VerbalWitnessed) {
        if (isBlank(consent.witnessName))
            return Error::invalid("verbal consent needs a witness: record the witness's name");
        if (samePerson(consent.witnessName, consent.capturedBy))
            return Error::invalid("the witness to verbal consent must be someone other than the person capturing it");
    }
    if (auto ok = checkText("capacity note", consent.capacityNote, kMaxLongText, true); !ok)
        return ok;
    if (consent.capacityConcern && isBlank(consent.capacityNote))
        return Error::invalid("a concern about capacity needs a note saying what it is");

    constexpr auto kMax = std::numeric_limits<TimestampMs>::max();
    const TimestampMs skew = std::max<TimestampMs>(rules.maxClockSkewMs, 0);
    const TimestampMs latest = now > kMax - skew ? kMax : now + skew;
    if (consent.capturedAt <= 0)
        return Error::invalid("consent needs the time it was captured");
    if (consent.capturedAt > latest)
        return Error::invalid("consent is dated in the future");
    if (consent.withdrawal)
        return checkWithdrawal(*consent.withdrawal, consent.capturedAt, latest, rules);
    return {};
}

Status withdrawConsent(ConsentRecord &consent, std::string by, Role byRole, TimestampMs at, std::string note,
                       const ConsentRules &rules)
{
    if (consent.withdrawal)
        return Error::notAllowed("consent was already withdrawn by " + consent.withdrawal->withdrawnBy);
    ConsentWithdrawal withdrawal{at, std::move(by), byRole, std::move(note)};
    // No "now" here: the caller's `at` is the latest time that may be valid.
    if (auto ok = checkWithdrawal(withdrawal, consent.capturedAt, at, rules); !ok)
        return ok;
    consent.withdrawal = std::move(withdrawal);
    return {};
}

bool isConsentWithdrawn(const ConsentRecord &consent, TimestampMs at)
{
    return consent.withdrawal && consent.withdrawal->withdrawnAt <= at;
}

bool consentCovers(const ConsentRecord &consent, ReferralRoute route, TimestampMs at)
{
    if (at < consent.capturedAt || isConsentWithdrawn(consent, at))
        return false;
    return std::find(consent.recipients.begin(), consent.recipients.end(), route) != consent.recipients.end();
}

} // namespace beatbook
