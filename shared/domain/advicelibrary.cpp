#include "domain/advicelibrary.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

namespace beatbook {
namespace {

namespace fs = std::filesystem;

Result<std::string> readArticleFile(const fs::path &path)
{
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec)
        return Error::io("cannot read advice file " + path.string() + ": " + ec.message());
    if (size > kMaxAdviceArticleBytes)
        return Error::dataPack("advice file " + path.filename().string() + " is too large ("
                               + std::to_string(size) + " bytes; at most "
                               + std::to_string(kMaxAdviceArticleBytes) + ")");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return Error::io("cannot open advice file " + path.string());
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad())
        return Error::io("cannot read advice file " + path.string());
    return text;
}

std::string expectedFileName(const AdviceArticle &article)
{
    return article.id + ".v" + std::to_string(article.version) + ".json";
}

} // namespace

Result<AdviceLibrary> AdviceLibrary::loadDirectory(const std::string &dir)
{
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        return Error::dataPack("advice folder not found: " + dir);

    std::vector<fs::path> files;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const auto &path = it->path();
        std::error_code typeError;
        if (path.extension() == ".json" && it->is_regular_file(typeError))
            files.push_back(path);
    }
    if (ec)
        return Error::io("cannot list advice folder " + dir + ": " + ec.message());
    if (files.empty())
        return Error::dataPack("no advice articles (*.json) in " + dir);
    // Directory order is arbitrary; sorting makes the first error reported
    // the same on every machine.
    std::sort(files.begin(), files.end());

    std::vector<AdviceArticle> articles;
    articles.reserve(files.size());
    for (const auto &path : files) {
        const std::string name = path.filename().string();
        auto text = readArticleFile(path);
        if (!text)
            return text.error();
        auto article = parseAdviceArticle(*text);
        if (!article)
            return Error::dataPack("advice file " + name + ": " + article.error().message);
        // The file name is how people find an article version in the pack;
        // it must not say one thing while the content says another.
        const std::string expected = expectedFileName(*article);
        if (name != expected)
            return Error::dataPack("advice file " + name + " holds " + article->id + " version "
                                   + std::to_string(article->version) + "; name it " + expected);
        articles.push_back(std::move(*article));
    }
    auto library = fromArticles(std::move(articles));
    if (!library)
        return Error::dataPack(library.error().message + " (in " + dir + ")");
    return library;
}

Result<AdviceLibrary> AdviceLibrary::fromArticles(std::vector<AdviceArticle> articles)
{
    AdviceLibrary library;
    for (auto &article : articles) {
        if (!isValidAdviceArticleId(article.id) || article.version < 1)
            return Error::dataPack("advice article with a bad id or version: \"" + article.id
                                   + "\" version " + std::to_string(article.version));
        auto &versions = library.m_articles[article.id];
        const int version = article.version;
        const std::string id = article.id;
        if (!versions.emplace(version, std::move(article)).second)
            return Error::dataPack("advice article " + id + " version " + std::to_string(version)
                                   + " appears twice");
    }
    for (const auto &[id, versions] : library.m_articles) {
        int expected = 1;
        for (const auto &[version, article] : versions) {
            if (version != expected)
                return Error::dataPack("advice article " + id + " has version " + std::to_string(version)
                                       + " but no version " + std::to_string(expected)
                                       + ": keep every earlier version, records of advice given name them");
            if (article.supersedes && *article.supersedes >= version)
                return Error::dataPack("advice article " + id + " version " + std::to_string(version)
                                       + " can only supersede an earlier version");
            ++expected;
        }
    }
    return library;
}

const AdviceArticle *AdviceLibrary::latest(std::string_view id) const
{
    const auto it = m_articles.find(id);
    if (it == m_articles.end() || it->second.empty())
        return nullptr;
    return &it->second.rbegin()->second;
}

const AdviceArticle *AdviceLibrary::find(std::string_view id, int version) const
{
    const auto it = m_articles.find(id);
    if (it == m_articles.end())
        return nullptr;
    const auto v = it->second.find(version);
    return v == it->second.end() ? nullptr : &v->second;
}

Result<const AdviceArticle *> AdviceLibrary::article(std::string_view id, std::optional<int> version) const
{
    if (const AdviceArticle *found = version ? find(id, *version) : latest(id))
        return found;
    // Ids come from outside: show only a bounded, printable part of one.
    std::string shown(id.substr(0, 64));
    for (char &c : shown)
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F)
            c = '?';
    if (version && latest(id))
        return Error::notFound("advice article " + shown + " has no version " + std::to_string(*version)
                               + " in this library: update the app");
    return Error::notFound("no advice article " + shown);
}

std::vector<const AdviceArticle *> AdviceLibrary::latestArticles() const
{
    std::vector<const AdviceArticle *> out;
    out.reserve(m_articles.size());
    for (const auto &[id, versions] : m_articles)
        if (!versions.empty())
            out.push_back(&versions.rbegin()->second);
    return out;
}

std::vector<const AdviceArticle *> AdviceLibrary::byTopic(AdviceTopic topic) const
{
    auto out = latestArticles();
    std::erase_if(out, [topic](const AdviceArticle *article) { return article->topic != topic; });
    return out;
}

std::size_t AdviceLibrary::size() const
{
    std::size_t n = 0;
    for (const auto &[id, versions] : m_articles)
        n += versions.size();
    return n;
}

} // namespace beatbook
