#include "domain/advicegiven.h"

#include "core/text.h"
#include "core/uuid.h"
#include "domain/advicelibrary.h"

namespace beatbook {
namespace {

Status optionalUuid(std::string_view field, const std::string &value)
{
    if (!value.empty() && !isUuid(value))
        return Error::invalid(std::string(field) + " must be a UUID");
    return {};
}

} // namespace

Status validateAdviceGiven(const AdviceGiven &record, const AdviceLibrary &library, TimestampMs now,
                           const AdviceGivenSettings &settings)
{
    if (!isUuid(record.id))
        return Error::invalid("advice record id must be a UUID");

    // Records are also read back from storage and the wire, where an enum
    // arrives as a number: an out-of-range one must not index a name table.
    if (static_cast<std::size_t>(record.recipient) >= enumCount<RecipientKind>())
        return Error::invalid("unknown recipient kind; expected one of: " + allNames<RecipientKind>());
    if (static_cast<std::size_t>(record.mode) >= enumCount<AdviceMode>())
        return Error::invalid("unknown advice mode; expected one of: " + allNames<AdviceMode>());

    if (!isValidAdviceArticleId(record.articleId))
        return Error::invalid("article id must be 1 to 64 characters of a-z, 0-9 and _");
    if (record.articleVersion < 1)
        return Error::invalid("article version must be 1 or more");
    const AdviceArticle *article = library.find(record.articleId, record.articleVersion);
    if (!article) {
        const std::string named = record.articleId + " version " + std::to_string(record.articleVersion);
        if (library.latest(record.articleId))
            return Error::notFound("advice article " + named + " is not in this app's library; update the app");
        return Error::notFound("no advice article " + named);
    }
    if (!article->isFor(record.recipient))
        return Error::notAllowed("advice article " + record.articleId + " is not written for a "
                                 + std::string(toString(record.recipient)));

    if (auto text = checkText("address", record.addressText, kMaxShortText); !text)
        return text;
    if (auto text = checkText("given by", record.givenBy, kMaxShortText); !text)
        return text;
    if (collapseSpaces(record.givenBy).empty())
        return Error::invalid("given by must name the person who gave the advice");

    if (record.givenAt <= 0)
        return Error::invalid("given at must be a time after 1970");
    if (record.givenAt > now && record.givenAt - now > settings.maxFutureSkewMs)
        return Error::invalid("given at is in the future (more than "
                              + std::to_string(settings.maxFutureSkewMs / 1000)
                              + " seconds ahead); check the device clock");

    if (auto uuid = optionalUuid("report id", record.reportId); !uuid)
        return uuid;
    if (auto uuid = optionalUuid("operation id", record.operationId); !uuid)
        return uuid;
    if (auto uuid = optionalUuid("target id", record.targetId); !uuid)
        return uuid;
    if (!record.targetId.empty() && record.operationId.empty())
        return Error::invalid("a cocooning target id needs its operation id");

    // A card left at an unknown door cannot be counted towards coverage or
    // followed up: say which door.
    if (record.mode == AdviceMode::CardLeft && collapseSpaces(record.addressText).empty()
        && record.targetId.empty())
        return Error::invalid("a card left needs the address or the cocooning target it was left at");
    return {};
}

} // namespace beatbook
