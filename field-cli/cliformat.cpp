#include "cliformat.h"

#include "core/isotime.h"
#include "domain/advicearticle.h"

namespace beatbook::field {

Json optionalText(const std::optional<std::string> &text) { return text ? Json(*text) : Json(nullptr); }

Json textOrNull(const std::string &text) { return text.empty() ? Json(nullptr) : Json(text); }

Json numberOrNull(const std::optional<double> &value) { return value ? Json(*value) : Json(nullptr); }

Json timeOrNull(const std::optional<TimestampMs> &time) { return time ? Json(formatIsoTime(*time)) : Json(nullptr); }

Result<std::optional<TimestampMs>> parseOptionalTime(const std::string &text)
{
    if (text.empty())
        return std::optional<TimestampMs>();
    auto when = parseIsoTime(text);
    if (!when)
        return when.error();
    return std::optional<TimestampMs>(*when);
}

Status checkArticleId(const std::string &id)
{
    if (!isValidAdviceArticleId(id))
        return Error::invalid("an article id is 1 to 64 characters of a-z, 0-9 and _ (see 'advice list')");
    return {};
}

Status checkArticleVersion(const std::optional<int> &version)
{
    if (version && *version < 1)
        return Error::invalid("--version must be 1 or more");
    return {};
}

Json adviceRecordJson(const AdviceRecord &r)
{
    const AdviceGiven &a = r.advice;
    return Json{{"id", a.id},
                {"article_id", a.articleId},
                {"article_version", a.articleVersion},
                {"recipient", toString(a.recipient)},
                {"mode", toString(a.mode)},
                {"address", textOrNull(a.addressText)},
                {"ward_code", optionalText(r.wardCode)},
                {"report_id", textOrNull(a.reportId)},
                {"operation_id", textOrNull(a.operationId)},
                {"target_id", textOrNull(a.targetId)},
                {"given_by", a.givenBy},
                {"given_by_role", toString(r.givenByRole)},
                {"given_at", formatIsoTime(a.givenAt)}};
}

} // namespace beatbook::field
