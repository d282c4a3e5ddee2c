#pragma once

#include "core/result.h"
#include "domain/advicearticle.h"

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace beatbook {

// The advice articles shipped with the app, every version of each. Older
// versions stay because a record of advice given names the version that was
// handed out, and that record must still read as it did on the doorstep.
//
// Pointers returned stay valid for the life of the library (moves included).
class AdviceLibrary {
public:
    AdviceLibrary() = default;

    // Reads every *.json file in `dir` (not its subfolders). Each must be a
    // valid article named <id>.v<version>.json after its own content. Any bad
    // file fails the whole load, naming the file: a half-loaded library would
    // hide advice people expect to find. Other files are ignored.
    static Result<AdviceLibrary> loadDirectory(const std::string &dir);

    // Builds a library from parsed articles. Refuses a repeated (id, version),
    // a missing earlier version (versions of an id run 1, 2, ... N) and a
    // "supersedes" that is not an earlier version.
    static Result<AdviceLibrary> fromArticles(std::vector<AdviceArticle> articles);

    const AdviceArticle *latest(std::string_view id) const;
    const AdviceArticle *find(std::string_view id, int version) const;
    // The version a person asked for, or the latest when none is named: what
    // is handed out or shown. NotFound names what is missing.
    Result<const AdviceArticle *> article(std::string_view id, std::optional<int> version) const;
    // The latest version of every article, sorted by id.
    std::vector<const AdviceArticle *> latestArticles() const;
    // The latest versions on one topic, sorted by id.
    std::vector<const AdviceArticle *> byTopic(AdviceTopic topic) const;

    // Every version of every article.
    std::size_t size() const;
    bool empty() const { return m_articles.empty(); }

private:
    // id -> version -> article. Map nodes never move, so pointers handed out
    // survive inserts and moves of the library.
    std::map<std::string, std::map<int, AdviceArticle>, std::less<>> m_articles;
};

} // namespace beatbook
