#include "cliformat.h"
#include "commands.h"

#include "core/isotime.h"
#include "core/text.h"
#include "domain/advicelibrary.h"
#include "store/advicestore.h"

namespace beatbook::field {
namespace {

Json audiencesJson(const AdviceArticle &a)
{
    Json out = Json::array();
    for (auto kind : a.audiences)
        out.push_back(toString(kind));
    return out;
}

std::string audiencesText(const AdviceArticle &a)
{
    std::string out;
    for (auto kind : a.audiences)
        out += (out.empty() ? "" : ", ") + std::string(toString(kind));
    return out;
}


using StoreUse = FieldContext::StoreUse;

// The store, the pack and the pack's advice library. Browsing the library
// (StoreUse::OpenOnly) leaves an unset database as it is.
template <typename Fn>
void withLibrary(FieldContext &ctx, int &exitCode, StoreUse use, Fn &&fn)
{
    ctx.run(
        exitCode,
        [&](DeviceStore &store, const DataPack &pack) -> Status {
            auto library = AdviceLibrary::loadDirectory(pack.adviceDirectory());
            if (!library)
                return library.error();
            return fn(store, *library);
        },
        use);
}

} // namespace

void addAdviceCommands(CommandSet &set)
{
    FieldContext &ctx = set.ctx;
    int &exitCode = set.exitCode;

    auto *group = set.app.add_subcommand("advice", "Crime-prevention advice: the library, and advice given");
    group->require_subcommand(1);

    // advice list
    auto listTopic = std::make_shared<std::string>();
    auto *listCmd = group->add_subcommand("list", "The advice articles (latest versions)");
    listCmd->add_option("--topic", *listTopic, "Only this topic: " + allNames<AdviceTopic>());
    listCmd->callback([&ctx, &exitCode, listTopic] {
        std::optional<AdviceTopic> topic;
        if (!listTopic->empty()) {
            auto parsed = parseEnum<AdviceTopic>("topic", *listTopic);
            if (!parsed) {
                exitCode = ctx.fail(parsed.error());
                return;
            }
            topic = *parsed;
        }
        withLibrary(ctx, exitCode, StoreUse::OpenOnly, [&](DeviceStore &, const AdviceLibrary &library) -> Status {
            const auto articles = topic ? library.byTopic(*topic) : library.latestArticles();
            Json out = Json::array();
            std::string text;
            for (const auto *a : articles) {
                out.push_back(Json{{"id", a->id},
                                   {"version", a->version},
                                   {"title", a->title},
                                   {"topic", toString(a->topic)},
                                   {"audiences", audiencesJson(*a)},
                                   {"summary", a->summary},
                                   {"published", a->published}});
                text += a->id + "  v" + std::to_string(a->version) + "  " + std::string(toString(a->topic)) + "  "
                    + a->title + "\n";
            }
            ctx.print(out, text.empty() ? "No advice articles." : text);
            return {};
        });
    });

    // advice show
    struct ShowOptions {
        std::string id;
        std::optional<int> version;
    };
    auto show = std::make_shared<ShowOptions>();
    auto *showCmd = group->add_subcommand("show", "One advice article: title, summary and sections");
    showCmd->add_option("article", show->id, "Article id")->required();
    showCmd->add_option("--version", show->version, "Article version (default: the latest)");
    showCmd->callback([&ctx, &exitCode, show] {
        if (auto ok = checkArticleId(show->id); !ok) {
            exitCode = ctx.fail(ok.error());
            return;
        }
        if (auto ok = checkArticleVersion(show->version); !ok) {
            exitCode = ctx.fail(ok.error());
            return;
        }
        withLibrary(ctx, exitCode, StoreUse::OpenOnly, [&](DeviceStore &, const AdviceLibrary &library) -> Status {
            auto found = library.article(show->id, show->version);
            if (!found)
                return Error{found.error().code, found.error().message + "; see 'advice list'"};
            const AdviceArticle *a = *found;
            Json sections = Json::array();
            std::string text = a->title + "\n(" + a->id + " v" + std::to_string(a->version) + ", "
                + std::string(toString(a->topic)) + ", for " + audiencesText(*a) + ", published " + a->published
                + ")\n\n" + a->summary + "\n";
            for (const auto &section : a->sections) {
                sections.push_back(Json{{"heading", section.heading}, {"points", section.points}});
                text += "\n" + section.heading + "\n";
                for (const auto &point : section.points)
                    text += "  - " + point + "\n";
            }
            const AdviceArticle *latest = library.latest(a->id);
            ctx.print(Json{{"id", a->id},
                           {"version", a->version},
                           {"latest_version", latest ? latest->version : a->version},
                           {"title", a->title},
                           {"topic", toString(a->topic)},
                           {"audiences", audiencesJson(*a)},
                           {"summary", a->summary},
                           {"sections", sections},
                           {"published", a->published},
                           {"supersedes", a->supersedes ? Json(*a->supersedes) : Json(nullptr)}},
                      text);
            return {};
        });
    });

    // advice give
    struct GiveOptions {
        std::string article, recipient, mode, address, report, at;
        std::optional<int> version;
    };
    auto give = std::make_shared<GiveOptions>();
    auto *giveCmd = group->add_subcommand("give", "Record advice given (an immutable record)");
    giveCmd->add_option("--article", give->article, "Article id (see 'advice list')")->required();
    giveCmd->add_option("--version", give->version, "Article version handed out (default: the latest)");
    giveCmd->add_option("--recipient", give->recipient, "Who received it: " + allNames<RecipientKind>())->required();
    giveCmd->add_option("--mode", give->mode, "How: " + allNames<AdviceMode>())->required();
    giveCmd->add_option("--address", give->address, "Where (needed for a card left)");
    giveCmd->add_option("--report", give->report, "The report it follows (id)");
    giveCmd->add_option("--at", give->at, "When, ISO 8601 with zone (default: now)");
    giveCmd->callback([&ctx, &exitCode, give] {
        AdviceGiven input;
        auto recipient = parseEnum<RecipientKind>("recipient", give->recipient);
        auto mode = parseEnum<AdviceMode>("mode", give->mode);
        Status checked = checkArticleId(give->article);
        if (checked && !recipient)
            checked = recipient.error();
        if (checked && !mode)
            checked = mode.error();
        if (checked)
            checked = checkArticleVersion(give->version);
        if (checked)
            checked = checkText("address", give->address, kMaxShortText);
        if (checked) {
            auto at = parseOptionalTime(give->at);
            if (!at)
                checked = at.error();
            else if (*at)
                input.givenAt = **at;
        }
        if (!checked) {
            exitCode = ctx.fail(checked.error());
            return;
        }
        input.articleId = give->article;
        input.recipient = *recipient;
        input.mode = *mode;
        input.addressText = give->address;
        input.reportId = give->report;
        withLibrary(ctx, exitCode, StoreUse::Initialised, [&](DeviceStore &store, const AdviceLibrary &library) -> Status {
            auto article = library.article(input.articleId, give->version);
            if (!article)
                return Error{article.error().code, article.error().message + "; see 'advice list'"};
            input.articleVersion = (*article)->version;
            AdviceStore advice(store, library);
            auto recorded = advice.record(input);
            if (!recorded)
                return recorded.error();
            const AdviceGiven &a = recorded->advice;
            ctx.print(adviceRecordJson(*recorded),
                      "Recorded advice " + a.id + ": " + a.articleId + " v" + std::to_string(a.articleVersion) + " to a "
                          + std::string(toString(a.recipient)) + " (" + std::string(toString(a.mode)) + ")"
                          + (recorded->wardCode ? ", ward " + *recorded->wardCode : std::string()));
            return {};
        });
    });

    // advice history
    struct HistoryOptions {
        std::string report, operation;
        int limit = 1000;
    };
    auto history = std::make_shared<HistoryOptions>();
    auto *historyCmd = group->add_subcommand("history", "Advice given on this device, newest first");
    historyCmd->add_option("--report", history->report, "Only advice following this report");
    historyCmd->add_option("--operation", history->operation, "Only advice of this cocooning operation");
    historyCmd->add_option("--limit", history->limit, "At most this many (default 1000)")->check(CLI::Range(1, 1000000));
    historyCmd->callback([&ctx, &exitCode, history] {
        AdviceFilter filter;
        filter.limit = history->limit;
        if (!history->report.empty())
            filter.reportId = history->report;
        if (!history->operation.empty())
            filter.operationId = history->operation;
        withLibrary(ctx, exitCode, StoreUse::Initialised, [&](DeviceStore &store, const AdviceLibrary &library) -> Status {
            AdviceStore advice(store, library);
            auto found = advice.list(filter);
            if (!found)
                return found.error();
            Json out = Json::array();
            std::string text;
            for (const auto &r : *found) {
                out.push_back(adviceRecordJson(r));
                text += r.advice.id + "  " + formatIsoTime(r.advice.givenAt).substr(0, 16) + "  " + r.advice.articleId
                    + " v" + std::to_string(r.advice.articleVersion) + "  " + std::string(toString(r.advice.recipient))
                    + "/" + std::string(toString(r.advice.mode)) + "  " + r.wardCode.value_or("-") + "  "
                    + r.advice.givenBy + "\n";
            }
            ctx.print(out, text.empty() ? "No advice recorded." : text);
            return {};
        });
    });
}

} // namespace beatbook::field
