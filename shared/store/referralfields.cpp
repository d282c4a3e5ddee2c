#include "store/referralfields.h"

#include "domain/names.h"
#include "store/namelist.h"
#include "store/nullablefield.h"

namespace beatbook {

Fields referralFields(const Referral &r)
{
    Fields f;
    f["route"] = toString(r.route);
    f["person_id"] = r.personId;
    f["report_id"] = r.reportId ? Fields(*r.reportId) : Fields(nullptr);
    f["address_text"] = nullable(r.addressText);
    f["ward_code"] = nullable(r.wardCode);
    f["risk_factors"] = enumsToJson(r.riskFactors.toVector());
    f["priority_band"] = toString(r.priorityBand);
    f["clutter_rating"] = r.clutterRating ? Fields(*r.clutterRating) : Fields(nullptr);
    f["capacity_note"] = nullable(r.capacityNote);
    f["status"] = toString(r.status);
    f["consent_id"] = nullable(r.consentId);
    const ReferralOverride none;
    const ReferralOverride &ov = r.consentOverride ? *r.consentOverride : none;
    const bool has = r.consentOverride.has_value();
    f["override_justification"] = has ? Fields(ov.justification) : Fields(nullptr);
    f["override_requested_by"] = has ? Fields(ov.requestedBy) : Fields(nullptr);
    f["override_requested_by_role"] = has ? Fields(toString(ov.requestedByRole)) : Fields(nullptr);
    f["override_requested_at"] = has ? Fields(ov.requestedAt) : Fields(nullptr);
    f["override_approved_by"] = nullable(ov.approvedBy);
    f["override_approved_by_role"] = nullableName(ov.approvedByRole);
    f["override_approved_at"] = nullableTime(ov.approvedAt);
    f["override_refused_by"] = nullable(ov.refusedBy);
    f["override_refused_at"] = nullableTime(ov.refusedAt);
    f["override_refusal_reason"] = nullable(ov.refusalReason);
    f["created_by"] = r.createdBy;
    f["created_by_role"] = toString(r.createdByRole);
    f["created_at"] = r.createdAt;
    f["deadline_at"] = nullableTime(r.deadlineAt);
    f["acknowledge_by"] = nullableTime(r.acknowledgeBy);
    f["sent_at"] = nullableTime(r.sentAt);
    f["acknowledged_at"] = nullableTime(r.acknowledgedAt);
    f["decided_at"] = nullableTime(r.decidedAt);
    f["completed_at"] = nullableTime(r.completedAt);
    f["withdrawn_at"] = nullableTime(r.withdrawnAt);
    f["escalated_at"] = nullableTime(r.escalatedAt);
    f["escalated_from"] = nullableName(r.escalatedFrom);
    f["decline_reason"] = nullable(r.declineReason);
    f["updated_by"] = r.updatedBy;
    f["updated_at"] = r.updatedAt;
    return f;
}

} // namespace beatbook
