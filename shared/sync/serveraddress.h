#pragma once

#include "core/result.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace beatbook {

// A sync server's address as people and config files write it: HOST:PORT,
// where HOST is a DNS name, an IPv4 address or a bracketed IPv6 address
// ("[::1]:7443"). One parser for the admin tool, the enrolment invite, the
// server's --listen and the device's --server, so they all accept the same.
struct ServerAddress {
    std::string host;        // without brackets
    std::uint16_t port = 0;  // 1-65535

    // HOST:PORT, with brackets around an IPv6 host.
    std::string text() const;
};

Result<ServerAddress> parseServerAddress(std::string_view hostPort);

// A DNS name (letters, digits and hyphens in dot-separated labels) or an IP
// address literal (IPv6 without brackets).
bool isHostName(std::string_view host);
bool isIpAddress(std::string_view host);

} // namespace beatbook
