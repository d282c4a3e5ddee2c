#include "domain/permissions.h"

namespace beatbook {

bool can(Role role, Capability capability)
{
    switch (capability) {
    case Capability::CreateAsbReport:
        return role == Role::Champion || role == Role::Pcso || role == Role::Officer || role == Role::Supervisor
            || role == Role::CouncilAsb;
    case Capability::TriageAssignOutcome:
        return role == Role::Officer || role == Role::Supervisor || role == Role::CouncilAsb;
    case Capability::InformReporter:
        // PCSOs are usually the ones who go back to the reporter, so they
        // may record it even though they do not triage or resolve.
        return role == Role::Pcso || role == Role::Officer || role == Role::Supervisor || role == Role::CouncilAsb;
    case Capability::ConsentAndReferral:
        return role == Role::Champion || role == Role::Pcso || role == Role::Officer || role == Role::Supervisor
            || role == Role::CouncilAsb || role == Role::FireHfsv;
    case Capability::ApproveOverride:
        return role == Role::Supervisor;
    case Capability::RecordAdvice:
        return role == Role::Champion || role == Role::Pcso || role == Role::Officer || role == Role::Supervisor
            || role == Role::CouncilAsb || role == Role::FireHfsv; // fire_hfsv: fire advice only
    case Capability::ViewAllMeasures:
        return role == Role::Officer || role == Role::Supervisor || role == Role::CouncilAsb;
    case Capability::ManageUsersAndDevices:
        return role == Role::Admin;
    }
    return false;
}

} // namespace beatbook
