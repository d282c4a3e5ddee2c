#include "sync/serveraddress.h"

#include <arpa/inet.h>

#include <array>

namespace beatbook {
namespace {

// RFC 1035 limits; more than that is a typing accident or an attack.
constexpr std::size_t kMaxHostName = 253;
constexpr std::size_t kMaxLabel = 63;

bool isDnsName(std::string_view host)
{
    if (host.empty() || host.size() > kMaxHostName)
        return false;
    if (host.back() == '.')  // a fully qualified name's trailing dot
        host.remove_suffix(1);
    std::size_t start = 0;
    while (start <= host.size()) {
        const std::size_t dot = host.find('.', start);
        const std::string_view label = host.substr(start, dot == std::string_view::npos ? host.npos : dot - start);
        if (label.empty() || label.size() > kMaxLabel || label.front() == '-' || label.back() == '-')
            return false;
        for (char c : label) {
            const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
            if (!ok)
                return false;
        }
        if (dot == std::string_view::npos)
            break;
        start = dot + 1;
    }
    // No top-level domain is numeric: "999.1.1.1" is a mistyped IPv4
    // address, not a name.
    const std::string_view last = host.substr(host.rfind('.') == std::string_view::npos ? 0 : host.rfind('.') + 1);
    return last.find_first_not_of("0123456789") != std::string_view::npos;
}

} // namespace

bool isIpAddress(std::string_view host)
{
    if (host.empty() || host.size() > 45)  // the longest IPv6 text form
        return false;
    const std::string text(host);
    std::array<unsigned char, 16> buffer{};
    return inet_pton(AF_INET, text.c_str(), buffer.data()) == 1 || inet_pton(AF_INET6, text.c_str(), buffer.data()) == 1;
}

bool isHostName(std::string_view host) { return isIpAddress(host) || isDnsName(host); }

std::string ServerAddress::text() const
{
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<ServerAddress> parseServerAddress(std::string_view hostPort)
{
    const Error shape = Error::invalid(
        "a server address is HOST:PORT, e.g. beatbook.example.org:7443, 127.0.0.1:7443 or [::1]:7443");
    if (hostPort.empty() || hostPort.size() > kMaxHostName + 8)
        return shape;
    const std::size_t colon = hostPort.rfind(':');
    if (colon == std::string_view::npos)
        return shape;
    std::string_view host = hostPort.substr(0, colon);
    const std::string_view port = hostPort.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
        std::array<unsigned char, 16> buffer{};
        if (inet_pton(AF_INET6, std::string(host).c_str(), buffer.data()) != 1)
            return shape;
    } else if (host.find(':') != std::string_view::npos || !isHostName(host)) {
        // A bare IPv6 address is ambiguous with the port: brackets are required.
        return shape;
    }
    if (port.empty() || port.size() > 5 || port.front() == '0')
        return Error::invalid("the port of a server address is a number from 1 to 65535");
    unsigned value = 0;
    for (char c : port) {
        if (c < '0' || c > '9')
            return Error::invalid("the port of a server address is a number from 1 to 65535");
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value < 1 || value > 65535)
        return Error::invalid("the port of a server address is a number from 1 to 65535");
    return ServerAddress{std::string(host), static_cast<std::uint16_t>(value)};
}

} // namespace beatbook
