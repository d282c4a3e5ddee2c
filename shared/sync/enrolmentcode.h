#pragma once

#include "core/result.h"

#include <cstddef>
#include <string>
#include <string_view>

namespace beatbook {

// A one-time enrolment code as typed by a person: 40 Crockford base32
// characters in 8 groups of 5 ("K7QX2-..."), 200 bits. The first 80 bits are
// the one-time secret; the other 120 are the start of the SHA-256 of the
// server's certificate, so the typed code alone lets a device check it is
// talking to the right server before it sends the secret: no CA file is
// passed by hand.
struct EnrolmentCode {
    std::string secret;             // canonical text of the secret part (16 characters)
    std::string fingerprintPrefix;  // raw 15 bytes
};

inline constexpr std::size_t kEnrolmentSecretBytes = 10;
inline constexpr std::size_t kEnrolmentFingerprintPrefixBytes = 15;

// certificateSha256 is the raw 32-byte digest; secretBytes is 10 random bytes.
// Empty when either has the wrong size (a programming error, not input).
std::string formatEnrolmentCode(const std::string &secretBytes, const std::string &certificateSha256);
// The canonical text of a secret (16 characters, upper case, no dashes): what
// parseEnrolmentCode gives as EnrolmentCode::secret and what the server hashes.
// Empty when secretBytes is not 10 bytes.
std::string enrolmentSecretText(const std::string &secretBytes);
// Tolerant of case, spaces and dashes, and of I/L for 1 and O for 0.
Result<EnrolmentCode> parseEnrolmentCode(std::string_view typed);
bool matchesCertificate(const EnrolmentCode &code, const std::string &certificateSha256);

// What a QR code carries: "beatbook-enrol:1?server=HOST:PORT&code=CODE&fp=HEX64"
// (the full certificate fingerprint).
struct EnrolmentInvite {
    std::string server;   // host:port
    std::string code;     // the typed form
    std::string certificateSha256;  // raw 32 bytes
};
std::string formatEnrolmentInvite(const EnrolmentInvite &invite);
// Checks every part: the server address (sync/serveraddress.h), the code, a
// 64-digit hex fingerprint, and that the code's fingerprint prefix matches it.
// Parameters other than server, code and fp are ignored, so a later version
// can add some; a version other than 1 is refused.
Result<EnrolmentInvite> parseEnrolmentInvite(std::string_view text);

} // namespace beatbook
