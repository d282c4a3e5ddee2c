#pragma once

#include "domain/names.h"

namespace beatbook {

// domain.md "Who sees what", as the capabilities a role may exercise. The
// device checks them for its own user; the sync server checks them again.
enum class Capability {
    CreateAsbReport,
    TriageAssignOutcome,   // triage, assign, record the outcome
    InformReporter,        // record that the reporter was told the outcome
    ConsentAndReferral,
    ApproveOverride,       // approve a consent override, resolve conflicts
    RecordAdvice,          // advice and cocooning
    ViewAllMeasures,
    ManageUsersAndDevices,
};

bool can(Role role, Capability capability);

} // namespace beatbook
