#pragma once

#include "core/result.h"
#include "domain/cocooningoperation.h"
#include "store/advicestore.h"
#include "store/devicestore.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace beatbook {

class AdviceLibrary;
class WardBoundaries;

struct CocooningStoreSettings {
    CocooningSettings cocooning;
    AdviceGivenSettings advice;
    // Handed out when the caller names no article: the Barnet pack's
    // neighbour leaflet and its home-security article for the victim.
    std::string neighbourArticle = "burglary_neighbour_cocooning";
    std::string victimArticle = "burglary_home_security";
};

struct CocooningVisitResult {
    AdviceRecord advice;          // the visit, stored as advice given to a neighbour
    CocooningStatus status = CocooningStatus::Planned; // the operation's status after it
    CocooningCoverage coverage;
};

// Cocooning operations on the device: planning, visits (each an immutable
// advice-given record), the victim's own advice, closing and coverage.
class CocooningStore {
public:
    CocooningStore(DeviceStore &store, const WardBoundaries &wards, const AdviceLibrary &library,
                   CocooningStoreSettings settings = {});

    // Plans an operation as the device's user (request.now and plannedBy are
    // filled in) and writes it with its targets in one transaction. The ward
    // comes from the origin position where one is given; without a position
    // request.wardCode must name a ward of the pack. A ward given together
    // with a position must agree with it.
    Result<CocooningOperation> plan(const CocooningRequest &request);

    // Records what happened at one target's door (in_person, card_left or
    // declined) as advice given to a neighbour, and moves the operation
    // planned -> in_progress -> completed. No article: the neighbour leaflet;
    // no version: the latest; no time: now.
    Result<CocooningVisitResult> recordVisit(const std::string &operationId, const std::string &targetId,
                                             std::string_view outcome, const std::string &articleId = {},
                                             std::optional<int> articleVersion = std::nullopt,
                                             std::optional<TimestampMs> at = std::nullopt);

    // Advice given to the burglary victim, at the burgled address: the
    // measure "victims advised within 48 hours" counts these.
    Result<AdviceRecord> recordVictimAdvice(const std::string &operationId, const std::string &articleId = {},
                                            std::optional<int> articleVersion = std::nullopt,
                                            AdviceMode mode = AdviceMode::InPerson,
                                            std::optional<TimestampMs> at = std::nullopt);

    // Closes the operation before every target is visited (a reason is
    // needed while nothing has been visited).
    Result<CocooningOperation> close(const std::string &operationId, const std::string &reason = {});

    // The operation with its targets in planned order. closedAt is not a
    // column of its own: for a closed operation it is read from the row's
    // last change stamp, which closing is (nothing changes the row after).
    Result<CocooningOperation> get(const std::string &id);
    // Newest burglary first, with targets.
    Result<std::vector<CocooningOperation>> list(int limit = 1000);
    // Every visit to a target of the operation, oldest first.
    Result<std::vector<TargetVisit>> visits(const std::string &operationId);
    Result<CocooningCoverage> coverage(const std::string &id);

private:
    Status checkMayPlan() const;

    DeviceStore &m_store;
    const WardBoundaries &m_wards;
    AdviceStore m_advice;
    CocooningStoreSettings m_settings;
};

} // namespace beatbook
