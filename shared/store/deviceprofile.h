#pragma once

#include "domain/names.h"

#include <string>
#include <vector>

namespace beatbook {

// Who this device belongs to and which borough data it uses, fixed at init.
// The sync issue replaces the locally typed user with the enrolled identity.
struct DeviceProfile {
    std::string deviceId;
    std::string userName;
    Role role = Role::Pcso;
    std::vector<std::string> wards; // the wards this user works in (may be empty)
    std::string packDirectory;      // the borough data pack chosen at set-up
    // Secret for the keyed hash that turns victims' names into match keys.
    // Hex. Devices of one partnership must share it for repeat checks to
    // match across devices: enrolment will hand out the partnership's key.
    std::string matchKeyHex;
};

} // namespace beatbook
