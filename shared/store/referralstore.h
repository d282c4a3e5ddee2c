#pragma once

#include "core/result.h"
#include "domain/asbreport.h"
#include "domain/consentrecord.h"
#include "domain/referral.h"
#include "domain/referrallifecycle.h"
#include "store/devicestore.h"

#include <optional>
#include <string>
#include <vector>

namespace beatbook {

// Who a consent or a referral is about: a person already on the device (a
// report's victim, or the person who gave the consent) or a new one.
struct ReferredPerson {
    std::string id;        // an existing person's UUID; empty for a new person
    PersonDetails details; // a new person's name and contact; unused with an id

    static ReferredPerson existing(std::string personId) { return {std::move(personId), {}}; }
    static ReferredPerson named(std::string name, std::string contact = {})
    {
        return {{}, PersonDetails{std::move(name), std::move(contact)}};
    }
};

// One step in a referral's history: append-only, one per transition.
struct ReferralEvent {
    std::string id;
    std::string referralId;
    ReferralStatus fromStatus = ReferralStatus::Drafted;
    ReferralStatus toStatus = ReferralStatus::Drafted;
    std::string text; // the reason, justification or note given with the step
    TimestampMs at = 0;
    std::string author;
    Role authorRole = Role::Analyst;
};

struct ReferralFilter {
    std::optional<ReferralStatus> status;
    int limit = 1000;
};

struct ConsentCaptured {
    ConsentRecord consent;
    bool newPerson = false; // the person was written with the consent
};

struct ConsentWithdrawn {
    ConsentRecord consent;
    // The open referrals that went on this consent, now withdrawn.
    std::vector<Referral> withdrawnReferrals;
};

// Consent records and referrals on the device. Every step goes through the
// domain rules (validateConsent, validateNewReferral, the referral
// lifecycle) as the device's user, and writes its rows, their outbox entries
// and the referral's history in one transaction: a refused step writes
// nothing. The consent gate is the lifecycle's: a referral never reaches
// `sent` without a consent covering its route and not withdrawn, or an
// override approved by a supervisor who did not ask for it.
class ReferralStore {
public:
    explicit ReferralStore(DeviceStore &store, ReferralRules rules = defaultReferralRules());

    // Records a consent given now (or at input.capturedAt, for paper signed
    // earlier) by `person`, captured by the device's user. The id, the person
    // and who captured it are filled in here; input.personId and the
    // capturer fields are ignored, a withdrawal is refused.
    Result<ConsentCaptured> captureConsent(ConsentRecord input, const ReferredPerson &person);

    // Withdraws consent as the device's user (no reason needed) and, in the
    // same transaction, moves every open referral that went on it to
    // `withdrawn`, each with its history entry. Refused when already
    // withdrawn.
    Result<ConsentWithdrawn> withdrawConsent(const std::string &consentId, const std::string &note = {});

    Result<ConsentRecord> getConsent(const std::string &id);

    // Drafts a referral as the device's user: the band (and on hfsv the
    // deadline) is computed from the risk factors; input.priorityBand may
    // raise it, never lower it. With a report and no address or ward given,
    // the report's are used. Lifecycle fields in input are refused.
    Result<Referral> draft(Referral input, const ReferredPerson &person);

    // Moves a referral along its lifecycle as the device's user, now. The
    // consent checked is the one given (capturing consent) or the
    // referral's own. `reason` is the override justification, the refusal
    // reason, the decline reason, or a note on any other step.
    Result<Referral> transition(const std::string &referralId, ReferralStatus to, const std::string &reason = {},
                                const std::optional<std::string> &consentId = std::nullopt);

    Result<Referral> get(const std::string &id);
    // Newest first.
    Result<std::vector<Referral>> list(const ReferralFilter &filter = {});
    // Open referrals that have missed a deadline by `now`, most overdue first.
    Result<std::vector<Referral>> overdue(TimestampMs now);
    // Referrals that went on a consent record, oldest first.
    Result<std::vector<Referral>> referralsOnConsent(const std::string &consentId);
    // Oldest first.
    Result<std::vector<ReferralEvent>> events(const std::string &referralId);
    // The referred person's name and contact, for the device's own user.
    Result<PersonDetails> person(const std::string &personId);

    const ReferralRules &rules() const { return m_rules; }

private:
    Status checkInitialised() const;
    ConsentRules consentRules() const;

    DeviceStore &m_store;
    ReferralRules m_rules;
};

} // namespace beatbook
