#include "sync/enrolmentcode.h"

#include "crypto/certificates.h"
#include "sync/serveraddress.h"

#include <array>
#include <cstdint>
#include <optional>

namespace beatbook {
namespace {

// Crockford's base32: no I, L, O or U, so nothing reads as something else.
constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr std::size_t kCodeBytes = kEnrolmentSecretBytes + kEnrolmentFingerprintPrefixBytes;  // 25
constexpr std::size_t kCodeChars = kCodeBytes * 8 / 5;                                         // 40
constexpr std::size_t kSecretChars = kEnrolmentSecretBytes * 8 / 5;                             // 16
constexpr std::size_t kGroup = 5;
// Far more than a code with any spacing; longer text is not a typed code.
constexpr std::size_t kMaxTypedLength = 200;
constexpr std::size_t kMaxInviteLength = 1024;
constexpr std::string_view kInviteScheme = "beatbook-enrol:";
constexpr std::string_view kInviteVersion = "1";

static_assert(kCodeBytes * 8 % 5 == 0 && kEnrolmentSecretBytes * 8 % 5 == 0,
              "the secret must end on a character boundary so its text is canonical on its own");

// Big-endian bits, five at a time.
std::string encode(const std::string &bytes)
{
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (char c : bytes) {
        buffer = (buffer << 8) | static_cast<unsigned char>(c);
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            out.push_back(kAlphabet[(buffer >> bits) & 0x1f]);
        }
    }
    if (bits > 0)
        out.push_back(kAlphabet[(buffer << (5 - bits)) & 0x1f]);
    return out;
}

// The value of a typed character; people mistype 0/O and 1/I/L, and
// Crockford's decoding accepts them for that reason.
std::optional<unsigned> decodeChar(char c)
{
    if (c >= 'a' && c <= 'z')
        c = static_cast<char>(c - 'a' + 'A');
    if (c == 'O')
        c = '0';
    if (c == 'I' || c == 'L')
        c = '1';
    const std::size_t at = kAlphabet.find(c);
    if (at == std::string_view::npos)
        return std::nullopt;
    return static_cast<unsigned>(at);
}

std::string group(const std::string &chars)
{
    std::string out;
    for (std::size_t i = 0; i < chars.size(); ++i) {
        if (i > 0 && i % kGroup == 0)
            out.push_back('-');
        out.push_back(chars[i]);
    }
    return out;
}

struct DecodedCode {
    std::string canonical;  // 40 characters, no dashes
    std::string bytes;      // 25
};

Result<DecodedCode> decodeTyped(std::string_view typed)
{
    if (typed.size() > kMaxTypedLength)
        return Error::invalid("an enrolment code is 40 letters and digits in 8 groups of 5; this text is far longer");
    DecodedCode code;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (char c : typed) {
        if (c == ' ' || c == '-')
            continue;
        const auto value = decodeChar(c);
        if (!value) {
            const auto u = static_cast<unsigned char>(c);
            const std::string shown = u > 0x20 && u < 0x7f ? "'" + std::string(1, c) + "'" : "a character";
            return Error::invalid("an enrolment code has only letters (no U) and digits; " + shown
                                  + " is not one of them");
        }
        code.canonical.push_back(kAlphabet[*value]);
        if (code.canonical.size() > kCodeChars)
            break;
        buffer = (buffer << 5) | *value;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            code.bytes.push_back(static_cast<char>((buffer >> bits) & 0xff));
        }
    }
    if (code.canonical.size() != kCodeChars)
        return Error::invalid("an enrolment code is 40 letters and digits in 8 groups of 5; this one has "
                              + (code.canonical.size() > kCodeChars ? std::string("more")
                                                                     : std::to_string(code.canonical.size())));
    return code;
}

std::optional<std::string_view> parameter(std::string_view query, std::string_view key, bool &duplicate)
{
    std::optional<std::string_view> found;
    std::size_t start = 0;
    while (start <= query.size()) {
        const std::size_t amp = query.find('&', start);
        const std::string_view pair = query.substr(start, amp == std::string_view::npos ? query.npos : amp - start);
        const std::size_t eq = pair.find('=');
        if (eq != std::string_view::npos && pair.substr(0, eq) == key) {
            if (found)
                duplicate = true;
            found = pair.substr(eq + 1);
        }
        if (amp == std::string_view::npos)
            break;
        start = amp + 1;
    }
    return found;
}

} // namespace

std::string formatEnrolmentCode(const std::string &secretBytes, const std::string &certificateSha256)
{
    if (secretBytes.size() != kEnrolmentSecretBytes || certificateSha256.size() != 32)
        return {};
    return group(encode(secretBytes + certificateSha256.substr(0, kEnrolmentFingerprintPrefixBytes)));
}

std::string enrolmentSecretText(const std::string &secretBytes)
{
    if (secretBytes.size() != kEnrolmentSecretBytes)
        return {};
    return encode(secretBytes);
}

Result<EnrolmentCode> parseEnrolmentCode(std::string_view typed)
{
    auto decoded = decodeTyped(typed);
    if (!decoded)
        return decoded.error();
    return EnrolmentCode{decoded->canonical.substr(0, kSecretChars),
                         decoded->bytes.substr(kEnrolmentSecretBytes, kEnrolmentFingerprintPrefixBytes)};
}

bool matchesCertificate(const EnrolmentCode &code, const std::string &certificateSha256)
{
    return certificateSha256.size() == 32 && code.fingerprintPrefix.size() == kEnrolmentFingerprintPrefixBytes
        && certificateSha256.compare(0, kEnrolmentFingerprintPrefixBytes, code.fingerprintPrefix) == 0;
}

std::string formatEnrolmentInvite(const EnrolmentInvite &invite)
{
    return std::string(kInviteScheme) + std::string(kInviteVersion) + "?server=" + invite.server + "&code="
        + invite.code + "&fp=" + toHex(invite.certificateSha256);
}

Result<EnrolmentInvite> parseEnrolmentInvite(std::string_view text)
{
    if (text.size() > kMaxInviteLength || !text.starts_with(kInviteScheme))
        return Error::invalid("not a Beatbook enrolment code (it should start " + std::string(kInviteScheme)
                              + std::string(kInviteVersion) + "?)");
    text.remove_prefix(kInviteScheme.size());
    const std::size_t question = text.find('?');
    const std::string_view version = text.substr(0, question);
    if (version != kInviteVersion) {
        const bool number = !version.empty() && version.size() <= 4
            && version.find_first_not_of("0123456789") == std::string_view::npos;
        return Error::invalid(number ? "this enrolment code is version " + std::string(version)
                                           + "; this app reads version 1: update the app"
                                     : std::string("not a Beatbook enrolment code (no version after beatbook-enrol:)"));
    }
    if (question == std::string_view::npos)
        return Error::invalid("the enrolment code has no server, code or fingerprint");
    const std::string_view query = text.substr(question + 1);

    bool duplicate = false;
    const auto server = parameter(query, "server", duplicate);
    const auto code = parameter(query, "code", duplicate);
    const auto fp = parameter(query, "fp", duplicate);
    if (duplicate)
        return Error::invalid("the enrolment code names its server, code or fingerprint twice");
    if (!server || !code || !fp)
        return Error::invalid(std::string("the enrolment code has no ") + (!server ? "server" : !code ? "code" : "fp")
                              + " part");

    auto address = parseServerAddress(*server);
    if (!address)
        return Error::invalid("the enrolment code's server: " + address.error().message);
    auto decoded = decodeTyped(*code);
    if (!decoded)
        return Error::invalid("the enrolment code's code: " + decoded.error().message);
    if (fp->size() != 64)
        return Error::invalid("the enrolment code's fingerprint is not 64 hex digits");
    auto digest = fromHex(std::string(*fp));
    if (!digest)
        return Error::invalid("the enrolment code's fingerprint is not 64 hex digits");

    EnrolmentInvite invite{address->text(), group(decoded->canonical), *digest};
    const EnrolmentCode parsed{decoded->canonical.substr(0, kSecretChars),
                               decoded->bytes.substr(kEnrolmentSecretBytes, kEnrolmentFingerprintPrefixBytes)};
    if (!matchesCertificate(parsed, invite.certificateSha256))
        return Error::invalid("the enrolment code does not match the certificate fingerprint beside it: "
                              "the QR code is damaged or was altered");
    return invite;
}

} // namespace beatbook
