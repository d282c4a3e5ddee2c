#pragma once

#include "domain/referral.h"
#include "store/writetxn.h"

namespace beatbook {

// Every column of a referral but id, hlc and device_id, named and valued as
// ReferralStore writes them; the server checks a device's steps against it.
Fields referralFields(const Referral &r);

} // namespace beatbook
