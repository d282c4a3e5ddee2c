#pragma once

#include "domain/names.h"

#include <string>
#include <vector>

namespace beatbook {

// Who this device belongs to and which borough data it uses. Set at init;
// enrolment (sync/enrolment.h) replaces the device id, user, role, wards and
// match key with the identity the sync server enrolled, and every sync takes
// the server's word on the user's role and wards.
struct DeviceProfile {
    std::string deviceId;
    std::string userName;
    Role role = Role::Pcso;
    std::vector<std::string> wards; // the wards this user works in (may be empty)
    std::string packDirectory;      // the borough data pack chosen at set-up
    // Secret for the keyed hash that turns victims' names into match keys.
    // Hex. Devices of one partnership must share it for repeat checks to
    // match across devices: enrolment hands out the partnership's key.
    std::string matchKeyHex;
};

} // namespace beatbook
