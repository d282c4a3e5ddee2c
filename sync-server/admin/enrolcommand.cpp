#include "commands.h"

#include "core/enumnames.h"
#include "core/isotime.h"
#include "crypto/certificates.h"
#include "server/qrpng.h"
#include "server/username.h"
#include "sync/enrolmentcode.h"
#include "sync/serveraddress.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace beatbook::admin {
namespace {

// How long a code stays usable unless --valid-days says otherwise, and the
// longest an operator may choose: a code is a credential until it is used.
struct EnrolSettings {
    int defaultValidDays = 7;
    int maxValidDays = 90;
};

struct EnrolOptions {
    std::string name;
    std::string qrPath;
    std::string server;
    int validDays = EnrolSettings{}.defaultValidDays;
};

Result<std::string> readTextFile(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return Error::io("cannot read " + path);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

// Where devices should connect: --server, else server.conf's listen address,
// with the configured hostname in place of a wildcard address.
Result<std::string> serverAddress(AdminContext &ctx, const std::string &given)
{
    if (!given.empty()) {
        auto address = parseServerAddress(given);
        if (!address)
            return Error::invalid("--server: " + address.error().message);
        return address->text();
    }
    auto settings = ctx.serverSettings();
    if (!settings)
        return settings.error();
    ServerAddress address = settings->listen;
    if (address.host == "0.0.0.0" || address.host == "::") {
        if (settings->hostname.empty())
            return Error::invalid(ctx.paths().config()
                                  + " listens on every address and names no hostname: give --server HOST:PORT");
        address.host = settings->hostname;
    }
    if (address.port == 0)
        return Error::invalid(ctx.paths().config() + " lets the system pick the port: give --server HOST:PORT");
    return address.text();
}

Status enrol(AdminContext &ctx, const EnrolOptions &options)
{
    if (auto ok = checkUserName(options.name); !ok)
        return ok;
    const EnrolSettings settings;
    if (options.validDays < 1 || options.validDays > settings.maxValidDays)
        return Error::invalid("--valid-days is 1 to " + std::to_string(settings.maxValidDays));
    if (!options.qrPath.empty()) {
        // Checked before a code is issued, so a typo in the path does not
        // leave a code behind that nobody has.
        const auto parent = std::filesystem::absolute(options.qrPath).parent_path();
        if (std::error_code ec; !std::filesystem::is_directory(parent, ec) || ::access(parent.c_str(), W_OK) != 0)
            return Error::invalid("--qr: cannot write a file in " + parent.string());
    }
    if (auto ok = ctx.requireInitialised(); !ok)
        return ok;
    auto server = serverAddress(ctx, options.server);
    if (!server)
        return server.error();
    auto certificate = readTextFile(ctx.paths().serverCertificate());
    if (!certificate)
        return certificate.error();
    auto fingerprint = certificateSha256(*certificate);
    if (!fingerprint)
        return fingerprint.error();
    auto directory = ctx.directory();
    if (!directory)
        return directory.error();
    const std::int64_t validForMs = std::int64_t{options.validDays} * 24 * 3600 * 1000;
    std::optional<UserAccount> user;
    IssuedEnrolmentCode issued;
    // The audit names the user and when the code expires: never the code,
    // nor anything derived from its secret.
    auto done = (*directory)->audited(
        ctx.auditEntry(AdminAction::Enrol, options.name), [&](AdminAuditEntry &entry) -> Status {
            auto found = (*directory)->findUser(options.name);
            if (!found)
                return found.error();
            user = std::move(*found);
            auto code = (*directory)->issueEnrolmentCode(options.name, ctx.clock().nowMs(), validForMs);
            if (!code)
                return code.error();
            issued = std::move(*code);
            entry.detail = "expires_at=" + formatIsoTime(issued.expiresAt);
            return {};
        });
    if (!done)
        return done;
    const std::string code = formatEnrolmentCode(issued.secret, *fingerprint);
    if (code.empty())
        return Error::storage("could not format the enrolment code");

    if (!options.qrPath.empty())
        if (auto ok = writeQrPng(formatEnrolmentInvite({*server, code, *fingerprint}), options.qrPath); !ok)
            return Error::io(ok.error().message + " (the code below was issued and still works)");

    const std::string role = user ? std::string(toString(user->role)) : std::string();
    const std::string fp = toHex(*fingerprint);
    std::string text = "One-time enrolment code for " + options.name + " (" + role + "), valid until "
        + formatIsoTime(issued.expiresAt) + "\n" + "Server " + *server + ", certificate SHA-256 " + fp + "\n";
    if (!options.qrPath.empty())
        text += "QR code written to " + options.qrPath + "\n";
    text += code;
    ctx.print(Json{{"user", options.name},
                   {"role", role},
                   {"code", code},
                   {"expires_at", formatIsoTime(issued.expiresAt)},
                   {"server", *server},
                   {"certificate_sha256", fp},
                   {"qr", options.qrPath.empty() ? Json(nullptr) : Json(options.qrPath)}},
              text);
    return {};
}

} // namespace

void addEnrolCommand(CommandSet &set)
{
    AdminContext &ctx = set.ctx;
    int &exitCode = set.exitCode;
    auto options = std::make_shared<EnrolOptions>();
    auto *cmd = set.app.add_subcommand(
        "enrol", "Issue a one-time enrolment code for a user's device; the code is printed alone on the last line");
    cmd->add_option("name", options->name, "The user's login name")->required();
    cmd->add_option("--qr", options->qrPath, "Also write the invite (server, code, fingerprint) as a QR code PNG");
    cmd->add_option("--server", options->server,
                    "The address devices connect to, HOST:PORT (default: server.conf's listen address)");
    cmd->add_option("--valid-days", options->validDays, "Days the code stays usable")
        ->default_str(std::to_string(EnrolSettings{}.defaultValidDays));
    cmd->callback([&ctx, &exitCode, options] { ctx.run(exitCode, [&] { return enrol(ctx, *options); }); });
}

} // namespace beatbook::admin
