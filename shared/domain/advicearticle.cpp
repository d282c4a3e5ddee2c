#include "domain/advicearticle.h"

#include "core/isotime.h"
#include "core/text.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>

namespace beatbook {
namespace {

using nlohmann::json;

Error bad(const std::string &what) { return Error::dataPack("advice article: " + what); }

// Prefixes an error from a nested check with where it happened.
Error within(const std::string &where, const Error &inner)
{
    return Error::dataPack("advice article: " + where + ": " + inner.message);
}

Result<std::string> requiredText(const json &object, const char *key, std::size_t maxBytes)
{
    const auto it = object.find(key);
    if (it == object.end())
        return bad(std::string("\"") + key + "\" is missing");
    if (!it->is_string())
        return bad(std::string("\"") + key + "\" must be a string");
    std::string value = it->get<std::string>();
    if (auto checked = checkText(key, value, maxBytes); !checked)
        return bad(checked.error().message);
    if (collapseSpaces(value).empty())
        return bad(std::string("\"") + key + "\" is empty");
    return value;
}

Result<int> integerField(const json &object, const char *key)
{
    const auto it = object.find(key);
    if (it == object.end())
        return bad(std::string("\"") + key + "\" is missing");
    // is_number_integer() is false for 2.0 and for true: a version is a whole
    // number written as one.
    if (!it->is_number_integer())
        return bad(std::string("\"") + key + "\" must be a whole number");
    if (it->is_number_unsigned()) {
        const auto v = it->get<std::uint64_t>();
        if (v > static_cast<std::uint64_t>(std::numeric_limits<int>::max()))
            return bad(std::string("\"") + key + "\" is too large");
        return static_cast<int>(v);
    }
    const auto v = it->get<std::int64_t>();
    if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max())
        return bad(std::string("\"") + key + "\" is out of range");
    return static_cast<int>(v);
}

Status onlyKnownKeys(const json &object, std::initializer_list<std::string_view> known, const std::string &where)
{
    for (const auto &item : object.items()) {
        if (std::find(known.begin(), known.end(), item.key()) == known.end()) {
            std::string key = item.key();
            // The key itself came from the file: keep the message printable.
            if (!checkText("key", key, 64))
                key = "(unprintable)";
            return bad(where + "unknown key \"" + key + "\"");
        }
    }
    return {};
}

bool isIsoDate(std::string_view text)
{
    if (text.size() != 10 || text[4] != '-' || text[7] != '-')
        return false;
    for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u})
        if (text[i] < '0' || text[i] > '9')
            return false;
    // parseIsoTime knows the calendar (month lengths, leap years).
    return parseIsoTime(std::string(text) + "T00:00Z").ok();
}

Result<AdviceSection> parseSection(const json &value, std::size_t index)
{
    const std::string where = "section " + std::to_string(index + 1);
    if (!value.is_object())
        return bad(where + " must be an object with \"heading\" and \"points\"");
    if (auto keys = onlyKnownKeys(value, {"heading", "points"}, where + ": "); !keys)
        return keys.error();
    AdviceSection section;
    auto heading = requiredText(value, "heading", kMaxShortText);
    if (!heading)
        return within(where, heading.error());
    section.heading = std::move(*heading);

    const auto points = value.find("points");
    if (points == value.end() || !points->is_array() || points->empty())
        return bad(where + ": \"points\" must be a non-empty list of strings");
    for (std::size_t i = 0; i < points->size(); ++i) {
        const auto &point = (*points)[i];
        const std::string pointWhere = where + ", point " + std::to_string(i + 1);
        if (!point.is_string())
            return bad(pointWhere + " must be a string");
        std::string text = point.get<std::string>();
        if (auto checked = checkText("text", text, kMaxLongText); !checked)
            return within(pointWhere, checked.error());
        if (collapseSpaces(text).empty())
            return bad(pointWhere + " is empty");
        section.points.push_back(std::move(text));
    }
    return section;
}

} // namespace

bool AdviceArticle::isFor(RecipientKind kind) const
{
    return std::find(audiences.begin(), audiences.end(), kind) != audiences.end();
}

bool isValidAdviceArticleId(std::string_view id)
{
    if (id.empty() || id.size() > 64)
        return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
}

Result<AdviceArticle> parseAdviceArticle(std::string_view jsonText)
{
    if (jsonText.size() > kMaxAdviceArticleBytes)
        return bad("the file is too large (" + std::to_string(jsonText.size()) + " bytes; at most "
                   + std::to_string(kMaxAdviceArticleBytes) + ")");
    // nlohmann would refuse this too, but with a message about a byte offset.
    if (!isValidUtf8(jsonText))
        return bad("the file is not valid UTF-8 text");
    const json doc = json::parse(jsonText.begin(), jsonText.end(), nullptr, false);
    if (doc.is_discarded())
        return bad("the file is not valid JSON");
    if (!doc.is_object())
        return bad("the file must hold one JSON object");
    if (auto keys = onlyKnownKeys(doc, {"id", "version", "title", "topic", "audiences", "summary",
                                        "sections", "published", "supersedes"},
                                  "");
        !keys)
        return keys.error();

    AdviceArticle article;

    const auto id = doc.find("id");
    if (id == doc.end() || !id->is_string())
        return bad("\"id\" must be a string");
    article.id = id->get<std::string>();
    if (!isValidAdviceArticleId(article.id))
        return bad("\"id\" must be 1 to 64 characters of a-z, 0-9 and _");

    auto version = integerField(doc, "version");
    if (!version)
        return version.error();
    if (*version < 1)
        return bad("\"version\" must be 1 or more (got " + std::to_string(*version) + ")");
    article.version = *version;

    auto title = requiredText(doc, "title", kMaxShortText);
    if (!title)
        return title.error();
    article.title = std::move(*title);

    const auto topic = doc.find("topic");
    if (topic == doc.end() || !topic->is_string())
        return bad("\"topic\" must be a string, one of: " + allNames<AdviceTopic>());
    const auto topicValue = enumFromString<AdviceTopic>(topic->get<std::string>());
    if (!topicValue)
        return bad("unknown topic; expected one of: " + allNames<AdviceTopic>());
    article.topic = *topicValue;

    const auto audiences = doc.find("audiences");
    if (audiences == doc.end() || !audiences->is_array() || audiences->empty())
        return bad("\"audiences\" must be a non-empty list of: " + allNames<RecipientKind>());
    for (const auto &audience : *audiences) {
        const auto kind = audience.is_string() ? enumFromString<RecipientKind>(audience.get<std::string>())
                                               : std::nullopt;
        if (!kind)
            return bad("unknown audience; expected one of: " + allNames<RecipientKind>());
        if (article.isFor(*kind))
            return bad("audience \"" + std::string(toString(*kind)) + "\" is listed twice");
        article.audiences.push_back(*kind);
    }

    auto summary = requiredText(doc, "summary", kMaxLongText);
    if (!summary)
        return summary.error();
    article.summary = std::move(*summary);

    const auto sections = doc.find("sections");
    if (sections == doc.end() || !sections->is_array() || sections->empty())
        return bad("\"sections\" must be a non-empty list");
    for (std::size_t i = 0; i < sections->size(); ++i) {
        auto section = parseSection((*sections)[i], i);
        if (!section)
            return section.error();
        article.sections.push_back(std::move(*section));
    }

    const auto published = doc.find("published");
    if (published == doc.end() || !published->is_string()
        || !isIsoDate(published->get_ref<const std::string &>()))
        return bad("\"published\" must be a date written YYYY-MM-DD, e.g. 2026-11-01");
    article.published = published->get<std::string>();

    if (doc.contains("supersedes")) {
        auto supersedes = integerField(doc, "supersedes");
        if (!supersedes)
            return supersedes.error();
        if (*supersedes < 1 || *supersedes >= article.version)
            return bad("\"supersedes\" must name an earlier version (1 to "
                       + std::to_string(article.version - 1) + ")");
        article.supersedes = *supersedes;
    }
    return article;
}

} // namespace beatbook
