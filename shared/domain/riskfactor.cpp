#include "domain/riskfactor.h"

#include "core/text.h"

namespace beatbook {

namespace {

constexpr std::size_t kFactorCount = enumCount<RiskFactor>();

std::size_t indexOf(RiskFactor factor)
{
    return static_cast<std::size_t>(factor);
}

std::string_view trimBlanks(std::string_view text)
{
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos)
        return {};
    const auto last = text.find_last_not_of(" \t");
    return text.substr(first, last - first + 1);
}

// Echoing the caller's text back keeps errors actionable, but a long paste
// must not flood the message, and the cut must not split a UTF-8 sequence.
std::string shortQuote(std::string_view text)
{
    constexpr std::size_t kMaxQuote = 60;
    if (text.size() <= kMaxQuote)
        return "'" + std::string(text) + "'";
    std::size_t cut = kMaxQuote;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
        --cut;
    return "'" + std::string(text.substr(0, cut)) + "...'";
}

Result<RiskFactor> parseOneName(std::string_view name, std::size_t position)
{
    if (name.empty())
        return Error::invalid("risk factor " + std::to_string(position)
                              + " in the list is empty; valid names: " + allNames<RiskFactor>());
    const auto factor = enumFromString<RiskFactor>(name);
    if (!factor)
        return Error::invalid("unknown risk factor " + shortQuote(name)
                              + "; valid names: " + allNames<RiskFactor>());
    return *factor;
}

} // namespace

RiskFactors::RiskFactors(std::initializer_list<RiskFactor> factors)
{
    for (auto factor : factors)
        add(factor);
}

bool RiskFactors::has(RiskFactor factor) const
{
    return m_bits.test(indexOf(factor));
}

RiskFactors &RiskFactors::add(RiskFactor factor)
{
    m_bits.set(indexOf(factor));
    return *this;
}

RiskFactors &RiskFactors::remove(RiskFactor factor)
{
    m_bits.reset(indexOf(factor));
    return *this;
}

bool RiskFactors::empty() const
{
    return m_bits.none();
}

std::size_t RiskFactors::size() const
{
    return m_bits.count();
}

bool RiskFactors::intersects(const RiskFactors &other) const
{
    return (m_bits & other.m_bits).any();
}

std::vector<RiskFactor> RiskFactors::toVector() const
{
    std::vector<RiskFactor> out;
    for (std::size_t i = 0; i < kFactorCount; ++i)
        if (m_bits.test(i))
            out.push_back(static_cast<RiskFactor>(i));
    return out;
}

std::uint32_t RiskFactors::bits() const
{
    return static_cast<std::uint32_t>(m_bits.to_ulong());
}

Result<RiskFactors> RiskFactors::fromBits(std::uint32_t bits)
{
    static_assert(kFactorCount < 32, "risk factors no longer fit the 32-bit storage form");
    constexpr std::uint32_t known = (std::uint32_t{1} << kFactorCount) - 1;
    if ((bits & ~known) != 0)
        return Error::invalid("stored risk factors name an unknown factor (bits "
                              + std::to_string(bits & ~known) + "); the data is newer than this app or corrupt");
    RiskFactors out;
    for (std::size_t i = 0; i < kFactorCount; ++i)
        if ((bits >> i) & 1U)
            out.add(static_cast<RiskFactor>(i));
    return out;
}

std::string formatRiskFactors(const RiskFactors &factors)
{
    std::string out;
    for (auto factor : factors.toVector()) {
        if (!out.empty())
            out += ',';
        out += toString(factor);
    }
    return out;
}

Result<RiskFactors> parseRiskFactorList(std::string_view commaSeparated)
{
    if (auto ok = checkText("risk factors", commaSeparated, kMaxLongText); !ok)
        return ok.error();
    RiskFactors out;
    if (trimBlanks(commaSeparated).empty())
        return out;
    std::size_t position = 1;
    std::size_t start = 0;
    while (true) {
        const auto comma = commaSeparated.find(',', start);
        const auto piece = commaSeparated.substr(start, comma == std::string_view::npos ? std::string_view::npos
                                                                                         : comma - start);
        auto factor = parseOneName(trimBlanks(piece), position);
        if (!factor)
            return factor.error();
        out.add(*factor);
        if (comma == std::string_view::npos)
            break;
        start = comma + 1;
        ++position;
    }
    return out;
}

Result<RiskFactors> riskFactorsFromNames(const std::vector<std::string> &names)
{
    RiskFactors out;
    std::size_t position = 1;
    for (const auto &name : names) {
        if (auto ok = checkText("risk factor", name, kMaxShortText); !ok)
            return ok.error();
        // Names come from JSON or a form: exact spelling, no trimming, so the
        // stored value is always the canonical one.
        auto factor = parseOneName(name, position++);
        if (!factor)
            return factor.error();
        out.add(*factor);
    }
    return out;
}

} // namespace beatbook
