#pragma once

#include "core/clock.h"
#include "core/enumnames.h"
#include "core/result.h"
#include "domain/recipientkind.h"

#include <string>

namespace beatbook {

class AdviceLibrary;

// How the advice reached (or failed to reach) the person. A card left at a
// door nobody answered, and an offer turned down, both count as a visit made:
// evaluations of cocooning found most planned visits never happened, so the
// record has to show what did happen at each door.
enum class AdviceMode { InPerson, CardLeft, Declined };
template <>
struct EnumNames<AdviceMode> {
    static constexpr std::array<std::string_view, 3> names{"in_person", "card_left", "declined"};
};

// A record that advice was given. Immutable once stored: a mistake is put
// right by a new record, never by editing this one, because the record is
// what the partnership's measures (victims advised within 48 hours, cocooning
// coverage) are counted from. It names the exact article version handed out.
struct AdviceGiven {
    std::string id;          // UUID
    std::string articleId;
    int articleVersion = 0;
    RecipientKind recipient = RecipientKind::Resident;
    AdviceMode mode = AdviceMode::InPerson;
    std::string addressText; // optional; at most kMaxShortText
    std::string givenBy;     // user name of whoever gave it
    TimestampMs givenAt = 0;
    std::string reportId;    // optional UUID: the report (e.g. the burglary) it follows
    std::string operationId; // optional UUID: the cocooning operation
    std::string targetId;    // optional UUID: the cocooning target (needs operationId)
};

struct AdviceGivenSettings {
    // Device clocks drift; a record a little ahead of the receiver's clock is
    // normal, one far ahead is a wrong clock or a made-up time.
    TimestampMs maxFutureSkewMs = 5 * 60 * 1000;
};

// Checks a record before it is stored, on the device or the server. The
// article version must be in `library`, the recipient one of the article's
// audiences, and a card left must say where (an address or a cocooning target).
Status validateAdviceGiven(const AdviceGiven &record, const AdviceLibrary &library, TimestampMs now,
                           const AdviceGivenSettings &settings = {});

} // namespace beatbook
